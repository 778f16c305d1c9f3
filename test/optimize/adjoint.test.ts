import { describe, expect, it } from 'vitest';
import { planFokkerPlanckGrid, solveFokkerPlanck } from '../../src/engines/fokker-planck.js';
import type { Problem } from '../../src/engines/problem.js';
import type { PotentialSpec } from '../../src/physics/potentials.js';
import { adjointGradient, bernoulliDerivative, forwardSolve, type ObjectiveWeights } from '../../src/optimize/adjoint.js';
import { applyProtocol, freeCount, parametrise } from '../../src/optimize/protocol.js';

function problemWith(potential: PotentialSpec, duration: number, dt: number, initial: Problem['initial']): Problem {
  return { potential, duration, dt, friction: 1, initial, replicas: 1, seed: 1, recordPoints: 2 };
}

/** Largest relative error of the adjoint gradient against central differences, over objectives a W + b Q + w . occupancy. */
function gradientCheck(config: Record<string, unknown>, paths: string[], knots: number, base: Problem, perturb: (i: number) => number) {
  const fields = parametrise(config, paths, { knots, duration: base.duration });
  const n = freeCount(fields);
  // A non-trivial point: the starting knots plus a fixed perturbation.
  const theta = Float64Array.from(fields.flatMap((f) => f.initialValues), (v, i) => v + perturb(i));
  const problemAt = (values: ArrayLike<number>): Problem => {
    const cfg = applyProtocol(config, fields, values, base.duration) as { potential: PotentialSpec };
    return { ...base, potential: cfg.potential };
  };
  const grid = planFokkerPlanckGrid(problemAt(theta));
  const objectives: ObjectiveWeights[] = [
    { work: 1, heat: 0 },
    { work: 0, heat: 1 },
  ];
  const states = forwardSolve(problemAt(theta), grid).finalOccupancy.length;
  if (states > 0) objectives.push({ work: 0, heat: 0, occupancy: [1, ...Array(states - 1).fill(0)] });
  const value = (s: ReturnType<typeof forwardSolve>, w: ObjectiveWeights) =>
    w.work * s.work + w.heat * s.heat + (w.occupancy ?? []).reduce((sum, ws, k) => sum + ws * s.finalOccupancy[k], 0);
  const state = forwardSolve(problemAt(theta), grid);
  let worst = 0;
  for (const w of objectives) {
    const gradient = adjointGradient(state, fields, base.duration, w);
    const scale = Math.max(...Array.from(gradient, Math.abs));
    for (let i = 0; i < n; i++) {
      const step = 1e-5 * Math.max(1, Math.abs(theta[i]));
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[i] += step;
      minus[i] -= step;
      const fd = (value(forwardSolve(problemAt(plus), grid), w) - value(forwardSolve(problemAt(minus), grid), w)) / (2 * step);
      worst = Math.max(worst, Math.abs(gradient[i] - fd) / scale);
    }
  }
  return worst;
}

describe('discrete adjoint of the backward-Euler Scharfetter-Gummel step', () => {
  it("B'(z) matches central differences of B(z) = z / (e^z - 1) on both sides of the series switch", () => {
    const b = (z: number) => (z === 0 ? 1 : z / Math.expm1(z));
    for (const z of [-7, -1, -0.06, -0.04, -1e-3, 0, 1e-3, 0.04, 0.06, 0.7, 3, 12]) {
      const h = 1e-5;
      const fd = (b(z + h) - b(z - h)) / (2 * h);
      expect(Math.abs(bernoulliDerivative(z) - fd)).toBeLessThan(1e-9);
    }
  });

  it('the forward pass is the engine: same W and Q on the same grid', () => {
    const config = {
      potential: { kind: 'harmonic', stiffness: 2, centre: { kind: 'linear', from: 0, to: 2, end: 1 } },
    };
    const base = problemWith(config.potential as PotentialSpec, 1, 0.01, { kind: 'boltzmann' });
    const fields = parametrise(config, ['potential.centre'], { knots: 3, duration: 1 });
    const cfg = applyProtocol(config, fields, fields[0].initialValues, 1) as { potential: PotentialSpec };
    const problem = { ...base, potential: cfg.potential };
    const grid = planFokkerPlanckGrid(problem);
    const mine = forwardSolve(problem, grid);
    const engine = solveFokkerPlanck(problem);
    expect(Math.abs(mine.work - engine.work.mean)).toBeLessThan(1e-13);
    expect(Math.abs(mine.heat - engine.heat.mean)).toBeLessThan(1e-13);
  });

  it('harmonic trap centre: gradient of W and Q within 1e-5 (relative) of central differences', () => {
    const config = {
      potential: { kind: 'harmonic', stiffness: 2, centre: { kind: 'linear', from: 0, to: 2, end: 1 } },
    };
    const base = problemWith(config.potential as PotentialSpec, 1, 0.01, { kind: 'boltzmann' });
    const worst = gradientCheck(config, ['potential.centre'], 3, base, (i) => 0.3 * Math.sin(1.7 * i + 0.4));
    console.info(`harmonic centre: largest relative gradient error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });

  it('double-well barrier and tilt (bits start): gradient of W, Q and the final occupancy within 1e-5 of central differences', () => {
    const config = {
      potential: {
        kind: 'double-well',
        barrierHeight: { kind: 'table', points: [[0, 5], [1, 1], [2, 1], [3, 5], [4, 5]] },
        tilt: { kind: 'table', points: [[0, 0], [1, 0], [2, 2], [3, 2], [4, 0]] },
      },
    };
    const base = problemWith(config.potential as PotentialSpec, 4, 0.02, { kind: 'bits', probabilities: [0.5, 0.5] });
    const worst = gradientCheck(config, ['potential.barrierHeight', 'potential.tilt'], 3, base, (i) => 0.2 * Math.cos(2.3 * i));
    console.info(`double well barrier + tilt: largest relative gradient error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
  });

  it('the other fields (trap stiffness and tilt, well position, washboard barrier and tilt): gradients within 1e-5 of central differences', () => {
    const trap = { potential: { kind: 'harmonic', stiffness: { kind: 'linear', from: 2, to: 4, end: 1 }, centre: 0.5, tilt: 0 } };
    const trapBase = problemWith(trap.potential as PotentialSpec, 1, 0.02, { kind: 'boltzmann' });
    expect(gradientCheck(trap, ['potential.stiffness', 'potential.tilt'], 1, trapBase, (i) => 0.2 * Math.sin(i + 1))).toBeLessThan(1e-5);
    const well = { potential: { kind: 'double-well', barrierHeight: 3, wellPosition: { kind: 'linear', from: 1, to: 1.2, end: 2 } } };
    const wellBase = problemWith(well.potential as PotentialSpec, 2, 0.02, { kind: 'bits', probabilities: [0.3, 0.7] });
    expect(gradientCheck(well, ['potential.wellPosition'], 1, wellBase, (i) => 0.05 * Math.cos(i))).toBeLessThan(1e-5);
    const board = { potential: { kind: 'washboard', levels: 3, barrierHeight: { kind: 'linear', from: 4, to: 2, end: 2 }, tilt: 0 } };
    const boardBase = problemWith(board.potential as PotentialSpec, 2, 0.02, { kind: 'bits', probabilities: [0.2, 0.5, 0.3] });
    expect(gradientCheck(board, ['potential.barrierHeight', 'potential.tilt'], 1, boardBase, (i) => 0.3 * Math.sin(2 * i))).toBeLessThan(1e-5);
  });
});
