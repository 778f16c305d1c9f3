import { describe, expect, it } from 'vitest';
import { solveMasterEquation } from '../../src/engines/master-equation.js';
import type { DiscreteProblem } from '../../src/memory/discrete.js';
import type { ObjectiveWeights } from '../../src/optimize/adjoint.js';
import { masterAdjointGradient, masterForward, symmetricEigen } from '../../src/optimize/master-adjoint.js';
import { applyProtocol, freeCount, parametrise } from '../../src/optimize/protocol.js';

/** A discrete memory problem with the protocol carried by its potential. */
function problemWith(potential: unknown, duration: number, dt: number, initial: DiscreteProblem['initial'], recordPoints = 2): DiscreteProblem {
  return { potential: potential as DiscreteProblem['potential'], duration, dt, friction: 1, initial, replicas: 1, seed: 1, recordPoints };
}

/** Two-state erasure: E_1 raised and lowered, the barrier lowered and raised (a discrete bit). */
const twoState = {
  potential: {
    kind: 'discrete',
    attemptFrequency: 2,
    energies: [0, { kind: 'table', points: [[0, 0], [1, 0], [2, 4], [3, 4], [4, 0]] }],
    barriers: [{ kind: 'table', points: [[0, 8], [1, 1], [2, 1], [3, 8], [4, 8]] }],
  },
};

/** Three states, every energy and barrier varied. */
const threeState = {
  potential: {
    kind: 'discrete',
    attemptFrequency: 1.5,
    energies: [{ kind: 'linear', from: 0, to: 1, end: 3 }, 0.5, { kind: 'linear', from: 0, to: -1, end: 3 }],
    barriers: [{ kind: 'linear', from: 4, to: 2, end: 3 }, { kind: 'linear', from: 1.2, to: 0.2, end: 3 }],
  },
};

function gradientCheck(config: Record<string, unknown>, paths: string[], knots: number, base: DiscreteProblem, perturb: (i: number) => number) {
  const fields = parametrise(config, paths, { knots, duration: base.duration });
  const n = freeCount(fields);
  const theta = Float64Array.from(fields.flatMap((f) => f.initialValues), (v, i) => v + perturb(i));
  const problemAt = (values: ArrayLike<number>): DiscreteProblem => {
    const cfg = applyProtocol(config, fields, values, base.duration) as { potential: DiscreteProblem['potential'] };
    return { ...base, potential: cfg.potential };
  };
  const state = masterForward(problemAt(theta));
  const states = state.finalOccupancy.length;
  const objectives: ObjectiveWeights[] = [
    { work: 1, heat: 0 },
    { work: 0, heat: 1 },
    { work: 0, heat: 0, occupancy: [1, ...Array(states - 1).fill(0)] },
  ];
  const value = (s: ReturnType<typeof masterForward>, w: ObjectiveWeights) =>
    w.work * s.work + w.heat * s.heat + (w.occupancy ?? []).reduce((sum, ws, k) => sum + ws * s.finalOccupancy[k], 0);
  let worst = 0;
  for (const w of objectives) {
    const gradient = masterAdjointGradient(state, fields, base.duration, w);
    const scale = Math.max(...Array.from(gradient, Math.abs));
    for (let i = 0; i < n; i++) {
      const step = 1e-5 * Math.max(1, Math.abs(theta[i]));
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[i] += step;
      minus[i] -= step;
      const fd = (value(masterForward(problemAt(plus)), w) - value(masterForward(problemAt(minus)), w)) / (2 * step);
      worst = Math.max(worst, Math.abs(gradient[i] - fd) / scale);
    }
  }
  return worst;
}

describe('discrete adjoint of the master-equation engine', () => {
  it('cyclic Jacobi: V diag(l) V^T reproduces a symmetric tridiagonal matrix to round-off', () => {
    const n = 4;
    const a = new Float64Array(n * n);
    const diag = [-1.3, -2.1, -0.4, -3];
    const off = [0.7, 1.1, 0.2];
    for (let i = 0; i < n; i++) a[i * n + i] = diag[i];
    for (let i = 0; i + 1 < n; i++) a[i * n + i + 1] = a[(i + 1) * n + i] = off[i];
    const { values, vectors: v } = symmetricEigen(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let r = 0;
        for (let k = 0; k < n; k++) r += v[i * n + k] * values[k] * v[j * n + k];
        expect(Math.abs(r - a[i * n + j])).toBeLessThan(1e-14);
      }
    }
  });

  it('the forward pass is the engine: same W, Q and final occupancy (1e-12)', () => {
    for (const [config, paths, initial] of [
      [twoState, ['potential.energies[1]', 'potential.barriers[0]'], { kind: 'bits', probabilities: [0.5, 0.5] }],
      [threeState, ['potential.energies[0]', 'potential.energies[2]', 'potential.barriers[0]'], { kind: 'boltzmann' }],
    ] as const) {
      const base = problemWith(config.potential, 4, 0.01, initial as DiscreteProblem['initial'], 21);
      const fields = parametrise(config, [...paths], { knots: 3, duration: 4 });
      const cfg = applyProtocol(config, fields, Float64Array.from(fields.flatMap((f) => f.initialValues), (v, i) => v + 0.3 * Math.sin(i)), 4) as {
        potential: DiscreteProblem['potential'];
      };
      const problem = { ...base, potential: cfg.potential };
      const mine = masterForward(problem);
      const engine = solveMasterEquation(problem);
      expect(Math.abs(mine.work - engine.work.mean)).toBeLessThan(1e-12);
      expect(Math.abs(mine.heat - engine.heat.mean)).toBeLessThan(1e-12);
      mine.finalOccupancy.forEach((p, i) => expect(Math.abs(p - engine.finalOccupancy[i])).toBeLessThan(1e-12));
    }
  });

  it('two-state bit (energy and barrier): gradient of W, Q and p_0(tau) within 1e-6 (relative) of central differences', () => {
    const base = problemWith(twoState.potential, 4, 0.01, { kind: 'bits', probabilities: [0.5, 0.5] });
    const worst = gradientCheck(twoState, ['potential.energies[1]', 'potential.barriers[0]'], 3, base, (i) => 0.3 * Math.cos(1.3 * i));
    console.info(`two-state: largest relative gradient error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-6);
  });

  it('three states, the clamp B >= max(E_i, E_i+1) active at some times: gradient within 1e-6 of central differences', () => {
    const base = problemWith(threeState.potential, 3, 0.01, { kind: 'boltzmann' }, 7);
    const paths = ['potential.energies[0]', 'potential.energies[1]', 'potential.energies[2]', 'potential.barriers[0]', 'potential.barriers[1]'];
    const worst = gradientCheck(threeState, paths, 2, base, (i) => 0.4 * Math.sin(2.1 * i + 0.3));
    console.info(`three-state: largest relative gradient error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-6);
  });
});
