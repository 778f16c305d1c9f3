import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { solveMasterEquation } from '../../src/engines/master-equation.js';
import { runMonteCarlo, type MonteCarloProblem } from '../../src/engines/monte-carlo.js';
import { buildDiscreteModel, type MemorySpec } from '../../src/memory/discrete.js';
import { estimateMean } from '../../src/thermo/statistics.js';
import { meanFirstPassageTime } from '../../src/thermo/first-passage.js';
import { buildPotential } from '../../src/physics/potentials.js';

/**
 * Kinetic Monte-Carlo against exact results: the master equation for the same
 * piecewise-constant rates, the escape rate of the model (exact or Kramers), Boltzmann occupancy, the
 * washboard drift, retention at a high barrier. Statistical checks use a
 * fixed seed and a tolerance of 4 standard errors (SE); bookkeeping checks
 * (first law) are to round-off.
 */

const SE_TOLERANCE = 4;

function problem(potential: MemorySpec, over: Partial<MonteCarloProblem> = {}): MonteCarloProblem {
  return {
    potential,
    duration: 20,
    dt: 0.01,
    friction: 1,
    initial: { kind: 'bits', probabilities: [0.5, 0.5] },
    replicas: 20_000,
    seed: 11,
    recordPoints: 5,
    ...over,
  };
}

/** Standard error of a fraction p of n independent samples. */
function binomialSE(p: number, n: number): number {
  return Math.sqrt((p * (1 - p)) / n);
}

describe('Monte-Carlo agrees with the master equation on time-dependent protocols (4 SE)', () => {
  const protocols: { name: string; spec: MemorySpec; over: Partial<MonteCarloProblem> }[] = [
    {
      name: 'double well Eb = 4, tilt ramp -1 -> 10 (past the critical tilt 6.16)',
      spec: { kind: 'double-well', barrierHeight: 4, tilt: { kind: 'linear', from: -1, to: 10, end: 20 } },
      over: {},
    },
    {
      name: 'washboard, 4 levels, barrier 8 -> 2 -> 8 with a tilt pulse, Boltzmann start',
      spec: {
        kind: 'washboard',
        levels: 4,
        barrierHeight: { kind: 'table', points: [[0, 8], [5, 2], [15, 2], [20, 8]] },
        tilt: { kind: 'table', points: [[0, 0], [5, 0], [8, 1.5], [15, 1.5], [18, 0.5]] },
      },
      over: { initial: { kind: 'boltzmann' } },
    },
    {
      name: 'direct discrete model: a 3-state erasure by energies',
      spec: {
        kind: 'discrete',
        energies: [0, { kind: 'linear', from: 0, to: 5, end: 15 }, { kind: 'linear', from: 0.5, to: 6, end: 15 }],
        barriers: [{ kind: 'table', points: [[0, 6], [3, 1.5], [15, 1.5], [20, 7]] }, 3],
        attemptFrequency: 3,
      },
      over: { initial: { kind: 'bits', probabilities: [0.3, 0.3, 0.4] } },
    },
  ];

  it.each(protocols)('$name', ({ spec, over }) => {
    const run = problem(spec, over);
    const mc = runMonteCarlo(run);
    const me = solveMasterEquation(run);
    for (const key of ['work', 'heat', 'energyChange'] as const) {
      expect(mc[key].se).toBeGreaterThan(0);
      expect(Math.abs(mc[key].mean - me[key].mean)).toBeLessThan(SE_TOLERANCE * mc[key].se);
    }
    expect(mc.timeseries.length).toBe(me.timeseries.length);
    mc.timeseries.forEach((point, k) => {
      expect(point.t).toBe(me.timeseries[k].t);
      point.occupancy.forEach((fraction, i) => {
        const exact = me.timeseries[k].occupancy[i];
        expect(Math.abs(fraction - exact)).toBeLessThanOrEqual(SE_TOLERANCE * binomialSE(exact, run.replicas));
      });
    });
    // The first law closes per trajectory (to round-off) and for the recorded means.
    const t = mc.trajectories;
    let worst = 0;
    for (let r = 0; r < run.replicas; r++) worst = Math.max(worst, Math.abs(t.energyChange[r] - (t.work[r] - t.heat[r])));
    expect(worst).toBeLessThan(1e-10);
    for (const point of mc.timeseries) {
      expect(point.energy - mc.timeseries[0].energy).toBeCloseTo(point.work - point.heat, 10);
    }
  });
});

describe('Monte-Carlo and master equation share the protocol grid', () => {
  it('at a coarse dt = 1 they still agree (4 SE), while the coarse grid itself is resolved against dt = 0.001', () => {
    const spec: MemorySpec = { kind: 'double-well', barrierHeight: 4, tilt: { kind: 'linear', from: -1, to: 10, end: 20 } };
    const coarse = problem(spec, { dt: 1 });
    const mc = runMonteCarlo(coarse);
    const me = solveMasterEquation(coarse);
    const fine = solveMasterEquation({ ...coarse, dt: 0.001 });
    expect(Math.abs(mc.heat.mean - me.heat.mean)).toBeLessThan(SE_TOLERANCE * mc.heat.se);
    expect(Math.abs(mc.work.mean - me.work.mean)).toBeLessThan(SE_TOLERANCE * mc.work.se);
    // The step-1 grid changes <Q> by more than 4 SE: agreement above is not blind to the grid.
    expect(Math.abs(fine.heat.mean - me.heat.mean)).toBeGreaterThan(SE_TOLERANCE * mc.heat.se);
  });
});

describe('escape from one well of a symmetric double well', () => {
  it.each([
    { barrier: 6, friction: 1, rates: 'exact' as const },
    { barrier: 8, friction: 0.5, rates: 'exact' as const },
    { barrier: 8, friction: 0.5, rates: 'kramers' as const },
  ])('Eb = $barrier, gamma = $friction, rates: $rates: mean first-passage time = 1 / k of the model (4 SE)', ({ barrier, friction, rates }) => {
    const spec: MemorySpec = { kind: 'double-well', barrierHeight: barrier };
    // rates: exact, k = 1 / MFPT(-1 -> +1) of the potential (Gardiner §5.2.7, quadrature);
    // rates: kramers, k = sqrt(U''(x_m) |U''(0)|) / (2 pi gamma) exp(-Eb), U'' = 8 Eb and -4 Eb (x_m = 1).
    const expected =
      rates === 'exact'
        ? 1 / meanFirstPassageTime(buildPotential(spec), -1, 1, friction)
        : (Math.sqrt(8 * barrier * 4 * barrier) / (2 * Math.PI * friction)) * Math.exp(-barrier);
    const model = buildDiscreteModel(spec, friction, { rates });
    expect(Math.abs(model.rate(0, 1) / expected - 1)).toBeLessThan(1e-6);
    const duration = 20 / expected; // a trajectory stays longer than this with probability e^-20
    const mc = runMonteCarlo(
      problem(spec, { friction, duration, dt: duration / 1000, initial: { kind: 'fixed', x: -1 }, replicas: 4000, seed: 5, rates }),
    );
    const passage = mc.trajectories.firstJumpTime;
    expect(passage.every(Number.isFinite)).toBe(true);
    const mean = estimateMean(passage);
    expect(Math.abs(mean.mean - 1 / expected)).toBeLessThan(SE_TOLERANCE * mean.se);
  });
});

describe('detailed balance: stationary occupancy is exp(-E_i) / Z (4 SE)', () => {
  it.each([
    { name: 'washboard, 4 levels, Eb = 3, F = 0.4', spec: { kind: 'washboard', barrierHeight: 3, levels: 4, tilt: 0.4 } as MemorySpec, start: 0 },
    { name: 'double well, Eb = 3, F = 0.8', spec: { kind: 'double-well', barrierHeight: 3, tilt: 0.8 } as MemorySpec, start: -1 },
  ])('$name, started in one state', ({ spec, start }) => {
    const model = buildDiscreteModel(spec, 1);
    const z = model.energies.reduce((s, e) => s + Math.exp(-e), 0);
    // The slowest relaxation time is below 10 here; 200 is ~20 of them.
    const run = problem(spec, { duration: 200, dt: 1, initial: { kind: 'fixed', x: start }, seed: 3 });
    const mc = runMonteCarlo(run);
    mc.finalOccupancy.forEach((fraction, i) => {
      const boltzmann = Math.exp(-model.energies[i]) / z;
      expect(Math.abs(fraction - boltzmann)).toBeLessThan(SE_TOLERANCE * binomialSE(boltzmann, run.replicas));
    });
  });
});

describe('tilted washboard: drift at the net rate k+ - k- = r (e^{F a/2} - e^{-F a/2})', () => {
  it('8 levels, Eb = 6, F = 1: mean displacement / tau matches the model rates (4 SE)', () => {
    const tilt = 1;
    const spec: MemorySpec = { kind: 'washboard', barrierHeight: 6, levels: 8, tilt };
    const model = buildDiscreteModel(spec, 1);
    const forward = model.rate(4, 5);
    const backward = model.rate(4, 3);
    const r = Math.sqrt(forward * backward);
    // Barriers come from root finding (~1e-12): the ratio k+/k- = e^{F a} holds to that.
    expect(forward / r).toBeCloseTo(Math.exp(tilt / 2), 10);
    expect(backward / r).toBeCloseTo(Math.exp(-tilt / 2), 10);
    // Start in the middle level for a time short enough that the walls are not felt.
    const duration = 0.3 / forward;
    const run = problem(spec, { duration, dt: duration, initial: { kind: 'fixed', x: 4 }, replicas: 40_000, seed: 8, recordPoints: 2 });
    const bulkDisplacement = (forward - backward) * duration;
    // Exact mean displacement with the walls (master equation): the walls shift it by < 0.1 SE.
    const me = solveMasterEquation(run);
    const exactDisplacement = me.finalOccupancy.reduce((s, p, i) => s + p * i, 0) - 4;
    const mc = runMonteCarlo(run);
    const displacement = Float64Array.from(mc.trajectories.finalState, (s) => s - 4);
    const measured = estimateMean(displacement);
    expect(Math.abs(exactDisplacement - bulkDisplacement)).toBeLessThan(0.1 * measured.se);
    expect(Math.abs(measured.mean - bulkDisplacement)).toBeLessThan(SE_TOLERANCE * measured.se);
    // The net rate is resolved: zero drift would be excluded by far more than 4 SE.
    expect(measured.mean / measured.se).toBeGreaterThan(20);
  });
});

describe('retention at a high barrier', () => {
  it('Eb = 45 held for 0.05 / k (about 1e15 time units): flipped fraction (1 - e^{-2 k t}) / 2 (4 SE)', () => {
    const spec: MemorySpec = { kind: 'double-well', barrierHeight: 45 };
    const model = buildDiscreteModel(spec, 1);
    const k = model.rate(0, 1);
    const duration = 0.05 / k;
    const run = problem(spec, { duration, dt: duration / 1000, initial: { kind: 'fixed', x: -1 }, seed: 7, recordPoints: 3 });
    const mc = runMonteCarlo(run);
    const flipped = (1 - Math.exp(-2 * k * duration)) / 2;
    expect(Math.abs(mc.finalOccupancy[1] - flipped)).toBeLessThan(SE_TOLERANCE * binomialSE(flipped, run.replicas));
    // At a constant protocol nothing is booked as work; no heat in a symmetric well.
    expect(mc.work.mean).toBe(0);
    expect(mc.heat.mean).toBe(0);
  });
});

describe('random streams', () => {
  it('a fixed seed reproduces a run; a block of 1024 replicas does not depend on the number of other blocks', () => {
    const spec: MemorySpec = { kind: 'double-well', barrierHeight: 3, tilt: { kind: 'linear', from: -2, to: 2, end: 5 } };
    const small = runMonteCarlo(problem(spec, { duration: 5, replicas: 1024 }));
    const again = runMonteCarlo(problem(spec, { duration: 5, replicas: 1024 }));
    const large = runMonteCarlo(problem(spec, { duration: 5, replicas: 3000 }));
    expect(Array.from(again.trajectories.heat)).toEqual(Array.from(small.trajectories.heat));
    expect(Array.from(large.trajectories.finalState.subarray(0, 1024))).toEqual(Array.from(small.trajectories.finalState));
    expect(Array.from(large.trajectories.work.subarray(0, 1024))).toEqual(Array.from(small.trajectories.work));
    expect(Array.from(large.trajectories.firstJumpTime.subarray(0, 1024))).toEqual(Array.from(small.trajectories.firstJumpTime));
    const other = runMonteCarlo(problem(spec, { duration: 5, replicas: 1024, seed: 12 }));
    expect(Array.from(other.trajectories.heat)).not.toEqual(Array.from(small.trajectories.heat));
  });
});

describe('errors', () => {
  function configError(run: () => unknown): ConfigError {
    try {
      run();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }

  it('a harmonic potential has no memory states', () => {
    const err = configError(() => runMonteCarlo(problem({ kind: 'harmonic', stiffness: 2 })));
    expect(err.path).toBe('engine');
    expect(err.message).toBe(
      'engine: the monte-carlo engine needs a potential with memory states (double-well or washboard); got harmonic',
    );
  });

  it('an oversized state space, bad initial probabilities and bad run sizes are rejected', () => {
    const big = configError(() => runMonteCarlo(problem({ kind: 'washboard', barrierHeight: 5, levels: 10_000 })));
    expect(big.path).toBe('potential.levels');
    expect(big.message).toMatch(/limit of 4096 states/);
    expect(configError(() => runMonteCarlo(problem({ kind: 'washboard', barrierHeight: 5, levels: 3 }))).path).toBe('initial.probabilities');
    expect(configError(() => runMonteCarlo(problem({ kind: 'double-well', barrierHeight: 5 }, { replicas: 0 }))).path).toBe('replicas');
    expect(configError(() => runMonteCarlo(problem({ kind: 'double-well', barrierHeight: 5 }, { recordPoints: 1 }))).path).toBe('recordPoints');
  });
});
