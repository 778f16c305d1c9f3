import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { propagateChain, solveMasterEquation, type MasterEquationProblem } from '../../src/engines/master-equation.js';
import { buildDiscreteModel, type MemorySpec } from '../../src/memory/discrete.js';

/**
 * The master equation against closed forms: two-state relaxation, stationarity
 * of the Boltzmann distribution, the first law, the second law, and the
 * linear-response approach of the work to the free-energy change.
 */

function problem(potential: MemorySpec, over: Partial<MasterEquationProblem> = {}): MasterEquationProblem {
  return {
    potential,
    duration: 10,
    dt: 0.01,
    friction: 1,
    initial: { kind: 'bits', probabilities: [1, 0] },
    replicas: 1,
    seed: 1,
    recordPoints: 11,
    ...over,
  };
}

/** Free energy -ln sum_i exp(-E_i) of a discrete model at time t. */
function freeEnergy(spec: MemorySpec, t: number): number {
  const model = buildDiscreteModel(spec, 1);
  model.setTime(t);
  let z = 0;
  for (const e of model.energies) z += Math.exp(-e);
  return -Math.log(z);
}

function shannon(p: number[]): number {
  return p.reduce((s, q) => (q > 0 ? s - q * Math.log(q) : s), 0);
}

describe('master equation', () => {
  it('two states at constant rates relax exactly: p1(t) = p1_eq (1 - exp(-(k01 + k10) t)), Q(t) = (E0 - E1) p1(t)', () => {
    const e1 = 1.3;
    const nu = 2;
    const barrier = 4;
    const k01 = nu * Math.exp(-barrier);
    const k10 = nu * Math.exp(-(barrier - e1));
    const equilibrium = k01 / (k01 + k10);
    const result = solveMasterEquation(
      problem({ kind: 'discrete', energies: [0, e1], barriers: [barrier], attemptFrequency: nu }, { duration: 40, recordPoints: 9 }),
    );
    for (const point of result.timeseries) {
      const p1 = equilibrium * (1 - Math.exp(-(k01 + k10) * point.t));
      expect(point.occupancy[1]).toBeCloseTo(p1, 13);
      expect(point.heat).toBeCloseTo(-e1 * p1, 12);
      expect(point.work).toBe(0);
    }
    expect(result.heat.se).toBe(0);
  });

  it('a Boltzmann start is stationary at a fixed protocol (detailed balance of the generator)', () => {
    const spec: MemorySpec = { kind: 'washboard', barrierHeight: 3, levels: 6, tilt: 0.7 };
    const result = solveMasterEquation(problem(spec, { duration: 500, dt: 0.5, initial: { kind: 'boltzmann' } }));
    for (let i = 0; i < 6; i++) expect(result.finalOccupancy[i]).toBeCloseTo(result.initialOccupancy[i], 13);
    expect(Math.abs(result.heat.mean)).toBeLessThan(1e-12);
    expect(result.work.mean).toBe(0);
  });

  it('scaling-and-squaring and the uniformization series agree, and a long hold reaches exp(-E_i) / Z', () => {
    const model = buildDiscreteModel({ kind: 'washboard', barrierHeight: 2, levels: 8, tilt: 0.3 }, 1);
    const start = new Float64Array(8);
    start[0] = 1;
    for (const t of [0.7, 40]) {
      const series = Float64Array.from(start);
      const squared = Float64Array.from(start);
      propagateChain(series, model.rateUp, model.rateDown, t, 'uniformization');
      propagateChain(squared, model.rateUp, model.rateDown, t, 'squaring');
      for (let i = 0; i < 8; i++) expect(squared[i]).toBeCloseTo(series[i], 12);
    }
    const held = Float64Array.from(start);
    propagateChain(held, model.rateUp, model.rateDown, 1e6); // L t ~ 1e7: the dense path
    const z = model.energies.reduce((s, e) => s + Math.exp(-e), 0);
    for (let i = 0; i < 8; i++) expect(held[i]).toBeCloseTo(Math.exp(-model.energies[i]) / z, 12);
  });

  const erasureSpec = (tau: number): MemorySpec => {
    const q = tau / 4;
    return {
      kind: 'double-well',
      barrierHeight: { kind: 'table', points: [[0, 8], [q, 1], [2 * q, 1], [3 * q, 8]] },
      tilt: { kind: 'table', points: [[0, 0], [q, 0], [2 * q, 3], [3 * q, 3], [4 * q, 0]] },
    };
  };

  it.each([5, 20, 80])('erasure, tau = %d: first law to round-off; second law <Q> >= -T dS, so <Q> >= ln 2 - H(eps)', (tau) => {
    const result = solveMasterEquation(problem(erasureSpec(tau), { duration: tau, initial: { kind: 'bits', probabilities: [0.5, 0.5] } }));
    expect(result.energyChange.mean).toBeCloseTo(result.work.mean - result.heat.mean, 12);
    for (const point of result.timeseries) expect(point.energy - result.timeseries[0].energy).toBeCloseTo(point.work - point.heat, 12);
    const eps = result.finalOccupancy[0];
    expect(eps).toBeLessThan(0.1);
    const entropyChange = shannon(result.finalOccupancy) - Math.LN2;
    expect(result.heat.mean + entropyChange).toBeGreaterThan(0);
  });

  it('slow tilt ramp from equilibrium: <W> >= dF and the excess falls as B / tau (linear response)', () => {
    const spec = (tau: number): MemorySpec => ({ kind: 'double-well', barrierHeight: 3, tilt: { kind: 'linear', from: 0, to: 2, end: tau } });
    const excess = [10, 160, 640].map((tau) => {
      const result = solveMasterEquation(problem(spec(tau), { duration: tau, dt: tau / 4000, initial: { kind: 'boltzmann' } }));
      const dF = freeEnergy(spec(tau), tau) - freeEnergy(spec(tau), 0);
      return { tau, excess: result.work.mean - dF };
    });
    for (const { excess: e } of excess) expect(e).toBeGreaterThan(0);
    // tau (W - dF) tends to a constant B; between tau = 160 and 640 it changes by ~1% (O(1/tau) corrections).
    const b160 = excess[1].tau * excess[1].excess;
    const b640 = excess[2].tau * excess[2].excess;
    expect(Math.abs(b160 / b640 - 1)).toBeLessThan(0.03);
    expect(excess[0].excess).toBeGreaterThan(excess[1].excess);
  });

  it('records recordPoints points on the protocol grid', () => {
    const result = solveMasterEquation(problem({ kind: 'double-well', barrierHeight: 5 }, { duration: 3, dt: 0.7, recordPoints: 4 }));
    // 5 steps of 0.6; record points at steps round(k * 5 / 3) = 0, 2, 3, 5.
    expect(result.timeseries.map((p) => p.t)).toEqual([0, 1.2, 1.8, 3]);
    expect(result.timeseries[3].parameters).toEqual({ barrierHeight: 5, wellPosition: 1, tilt: 0 });
  });

  it('an oversized state space and a potential without states are ConfigErrors', () => {
    const attempt = (run: () => unknown) => {
      try {
        run();
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    const big = attempt(() => solveMasterEquation(problem({ kind: 'washboard', barrierHeight: 5, levels: 5000 })));
    expect(big).toBeInstanceOf(ConfigError);
    expect(big.path).toBe('potential.levels');
    expect(big.message).toMatch(/5000 states exceed the master-equation limit of 4096 states/);
    const limited = attempt(() =>
      solveMasterEquation(problem({ kind: 'washboard', barrierHeight: 5, levels: 16 }), { maxStates: 10 }),
    );
    expect(limited.path).toBe('potential.levels');
    expect(limited.message).toMatch(/limit of 10 states/);
    const harmonic = attempt(() => solveMasterEquation(problem({ kind: 'harmonic', stiffness: 1 })));
    expect(harmonic).toBeInstanceOf(ConfigError);
    expect(harmonic.path).toBe('engine');
    expect(harmonic.message).toMatch(/master-equation engine needs a potential with memory states/);
    const badDt = attempt(() => solveMasterEquation(problem({ kind: 'double-well', barrierHeight: 5 }, { dt: 0 })));
    expect(badDt.path).toBe('dt');
  });
});
