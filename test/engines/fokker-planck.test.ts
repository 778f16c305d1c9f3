import { describe, expect, it } from 'vitest';
import { planFokkerPlanckGrid, solveFokkerPlanck, type FokkerPlanckResult } from '../../src/engines/fokker-planck.js';
import type { Problem } from '../../src/engines/problem.js';
import { ConfigError } from '../../src/errors.js';
import { buildPotential, type PotentialSpec } from '../../src/physics/potentials.js';
import { boltzmannDensity, equilibriumOccupancy } from '../../src/thermo/free-energy.js';
import { bitEntropy } from '../../src/thermo/estimators.js';

const base = { friction: 1, replicas: 1, seed: 1 };

function problem(potential: PotentialSpec, duration: number, dt: number, initial: Problem['initial'], recordPoints = 11): Problem {
  return { ...base, potential, duration, dt, initial, recordPoints };
}

/** Largest |rho_j / pi_j - 1| over cells within 30 kT of the minimum (below that, pi is < 1e-13 of its peak). */
function maxRelativeDeviation(result: FokkerPlanckResult, reference: Float64Array, energy: (x: number) => number): number {
  let minimum = Infinity;
  for (const x of result.centres) minimum = Math.min(minimum, energy(x));
  let worst = 0;
  result.centres.forEach((x, j) => {
    if (energy(x) - minimum > 30) return;
    worst = Math.max(worst, Math.abs(result.finalDensity[j] / reference[j] - 1));
  });
  return worst;
}

/** The sim-configs/landauer-erasure.yaml protocol scaled to duration tau: four stages of tau/4. */
function erasure(tau: number): Problem {
  const q = tau / 4;
  return problem(
    {
      kind: 'double-well',
      barrierHeight: { kind: 'table', points: [[0, 8], [q, 1], [2 * q, 1], [3 * q, 8], [4 * q, 8]] },
      tilt: { kind: 'table', points: [[0, 0], [q, 0], [2 * q, 3], [3 * q, 3], [4 * q, 0]] },
    },
    tau,
    // 20000 steps at every tau: the backward-Euler error of <Q> is first order in dt/tau (see the drag test).
    tau / 20_000,
    { kind: 'bits', probabilities: [0.5, 0.5] },
    5,
  );
}

describe('Fokker-Planck equilibrium', () => {
  it('the discrete Boltzmann density is a fixed point to round-off (Scharfetter-Gummel is exact at equilibrium)', () => {
    const spec: PotentialSpec = { kind: 'double-well', barrierHeight: 5, tilt: 0.7 };
    const result = solveFokkerPlanck(problem(spec, 10, 0.01, { kind: 'boltzmann' }));
    const potential = buildPotential(spec);
    const deviation = maxRelativeDeviation(result, result.initialDensity, (x) => potential.energy(x, 0));
    // 1000 steps: each step's residual is a few ulps, relative to the density.
    expect(deviation).toBeLessThan(1e-10);
    expect(Math.abs(result.heat.mean)).toBeLessThan(1e-10);
    expect(result.work.mean).toBe(0);
  });

  it('relaxes from one well to the Boltzmann density exp(-U)/Z at fixed lambda (max relative deviation < 1e-6)', () => {
    // Tilted double well, barrier 2 kT, all weight started in the left well.
    // Slowest rate ~ 2 r_Kramers ~ 0.5, so by t = 60 the transient is e^-30.
    const spec: PotentialSpec = { kind: 'double-well', barrierHeight: 2, tilt: 0.5 };
    const result = solveFokkerPlanck(problem(spec, 60, 0.01, { kind: 'bits', probabilities: [1, 0] }));
    const potential = buildPotential(spec);
    // Reference: the continuum density, Z by Simpson quadrature over the whole domain.
    const reference = boltzmannDensity(potential, result.centres);
    const deviation = maxRelativeDeviation(result, reference, (x) => potential.energy(x, 0));
    expect(deviation).toBeLessThan(1e-6);
    expect(result.initialOccupancy[0]).toBeCloseTo(1, 14);
    const occupancy = equilibriumOccupancy(potential);
    // O(h^2) on the grid (cells cut by the boundary are split): measured 1.5e-7.
    expect(result.finalOccupancy[1]).toBeCloseTo(occupancy[1], 6);
    expect(result.finalOccupancy[1]).toBeGreaterThan(0.6); // the tilt favours the right well
  });
});

describe('Fokker-Planck energetics', () => {
  it('the first law closes to 1e-9 relative, at the end and at every record point', () => {
    const result = solveFokkerPlanck({ ...erasure(8), recordPoints: 21 });
    const scale = Math.max(Math.abs(result.work.mean), Math.abs(result.heat.mean));
    expect(Math.abs(result.energyChange.mean - (result.work.mean - result.heat.mean))).toBeLessThan(1e-9 * scale);
    const first = result.timeseries[0];
    for (const point of result.timeseries) {
      expect(Math.abs(point.energy - first.energy - (point.work - point.heat))).toBeLessThan(1e-9 * scale);
    }
    expect(result.timeseries).toHaveLength(21);
    result.timeseries.forEach((point, k) => expect(point.t).toBeCloseTo((8 * k) / 20, 12));
  });

  it('harmonic drag: <W> converges to gamma v^2 [tau - (gamma/kappa)(1 - exp(-kappa tau/gamma))] at first order', () => {
    // Trap of stiffness kappa = 4 dragged at v = 1 for tau = 2, from equilibrium.
    const kappa = 4;
    const v = 1;
    const tau = 2;
    const exact = v * v * (tau - (1 / kappa) * (1 - Math.exp(-kappa * tau)));
    const spec: PotentialSpec = { kind: 'harmonic', stiffness: kappa, centre: { kind: 'linear', from: 0, to: v * tau, end: tau } };
    const coarse = problem(spec, tau, 0.004, { kind: 'boltzmann' });
    const cells = planFokkerPlanckGrid(coarse).cells;
    const runs = [1, 2, 4].map((refine) =>
      solveFokkerPlanck({ ...coarse, dt: coarse.dt / refine }, { cells: cells * refine }).work.mean,
    );
    const errors = runs.map((w) => w - exact);
    // Backward Euler books W with the density one step behind: error ~ kappa v^2 tau dt / 2 > 0,
    // first order, so halving dt (and h) halves it.
    for (const error of errors) expect(error).toBeGreaterThan(0);
    expect(errors[0] / errors[1]).toBeGreaterThan(1.8);
    expect(errors[0] / errors[1]).toBeLessThan(2.3);
    expect(errors[1] / errors[2]).toBeGreaterThan(1.8);
    expect(errors[1] / errors[2]).toBeLessThan(2.3);
    expect(errors[2] / exact).toBeLessThan(2e-3);
    // Richardson extrapolation removes the first-order term: what is left is O(dt^2).
    const extrapolated = 2 * runs[2] - runs[1];
    expect(Math.abs(extrapolated - exact) / exact).toBeLessThan(2e-4);
  });

  it("a 'fixed' start relaxes as <U>(t) = (kappa x0^2/2) e^{-2 kappa t} + (1 - e^{-2 kappa t})/2, and Q = -Delta <U>", () => {
    const kappa = 1;
    const x0 = 2;
    const exact = (t: number): number => ((kappa * x0 * x0) / 2) * Math.exp(-2 * kappa * t) + (1 - Math.exp(-2 * kappa * t)) / 2;
    const spec: PotentialSpec = { kind: 'harmonic', stiffness: kappa };
    const coarse = problem(spec, 2, 2e-3, { kind: 'fixed', x: x0 }, 5);
    const cells = planFokkerPlanckGrid(coarse).cells;
    const worst = [1, 2].map((refine) => {
      const result = solveFokkerPlanck({ ...coarse, dt: coarse.dt / refine }, { cells: cells * refine });
      expect(result.work.mean).toBe(0); // nothing moves the trap
      for (const point of result.timeseries) expect(point.heat).toBeCloseTo(result.timeseries[0].energy - point.energy, 12);
      return Math.max(...result.timeseries.map((point) => Math.abs(point.energy - exact(point.t))));
    });
    // Errors O(h^2) (the one-cell delta) plus O(dt): refining both by 2 cuts them by 2 to 4.
    expect(worst[0] / worst[1]).toBeGreaterThan(1.8);
    expect(worst[1]).toBeLessThan(2e-3);
  });
});

describe('Fokker-Planck Landauer erasure', () => {
  const durations = [5, 20, 80];
  const runs = durations.map((tau) => ({ tau, result: solveFokkerPlanck(erasure(tau)) }));

  it.each(runs)('tau = $tau: <Q> >= kT (ln 2 - H(eps)) and >= -T Delta S_sys', ({ result }) => {
    const eps = result.finalOccupancy[0];
    expect(eps).toBeLessThan(0.1);
    expect(eps).toBeGreaterThan(1e-3);
    expect(result.initialOccupancy[0]).toBeCloseTo(0.5, 12);
    const floor = Math.LN2 - bitEntropy(eps);
    expect(result.heat.mean).toBeGreaterThan(floor);
    // The exact bound of the discrete process (its steps are detailed-balanced Markov kernels).
    expect(result.heat.mean).toBeGreaterThan(result.initialEntropy - result.finalEntropy);
    // The coarse-grained and the exact entropy bounds agree when the ends are in local equilibrium.
    expect(Math.abs(result.initialEntropy - result.finalEntropy - floor)).toBeLessThan(5e-3);
  });

  it('the excess heat over the floor falls as the protocol slows down', () => {
    const excess = runs.map(({ result }) => result.heat.mean - (Math.LN2 - bitEntropy(result.finalOccupancy[0])));
    // Measured: 1.507, 0.613, 0.214 kT; the dt error of each is < 1e-3 kT (halving dt moves tau = 20 by 4.6e-4).
    expect(excess[1]).toBeLessThan(0.5 * excess[0]);
    expect(excess[2]).toBeLessThan(0.5 * excess[1]);
    expect(excess[2]).toBeGreaterThan(0);
  });
});

describe('Fokker-Planck input checks', () => {
  const spec: PotentialSpec = { kind: 'double-well', barrierHeight: 8 };

  it('rejects a grid too coarse for the potential, naming fokkerPlanck.cells and what is needed', () => {
    const p = problem(spec, 1, 0.01, { kind: 'boltzmann' });
    let error: unknown;
    try {
      solveFokkerPlanck(p, { cells: 40 });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe('fokkerPlanck.cells');
    expect((error as ConfigError).message).toMatch(/40 cells .* too coarse: .* use at least \d+ cells/i);
    const needed = Number(/at least (\d+) cells/.exec((error as ConfigError).message)![1]);
    expect(() => planFokkerPlanckGrid(p, { cells: needed })).not.toThrow();
  });

  it('the default grid meets the requirements with a factor 2 to spare', () => {
    const grid = planFokkerPlanckGrid(erasure(20));
    expect(grid.diagnostics.maxEnergyStep.value).toBeLessThan(0.51);
    expect(grid.diagnostics.minCellsPerWell.value).toBeGreaterThan(19.9);
  });

  it('rejects bit probabilities that do not match the states, and a fixed start outside the domain', () => {
    expect(() => solveFokkerPlanck(problem(spec, 1, 0.01, { kind: 'bits', probabilities: [1] }))).toThrow(ConfigError);
    expect(() => solveFokkerPlanck(problem(spec, 1, 0.01, { kind: 'bits', probabilities: [0.5, 0.6] }))).toThrow(/sum to 1.1/);
    expect(() => solveFokkerPlanck(problem(spec, 1, 0.01, { kind: 'fixed', x: 1e3 }))).toThrow(/initial.x/);
    expect(() => solveFokkerPlanck(problem(spec, 1, 0, { kind: 'boltzmann' }))).toThrow(/dt/);
  });
});
