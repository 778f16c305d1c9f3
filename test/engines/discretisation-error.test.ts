import { describe, expect, it } from 'vitest';
import { solveFokkerPlanckWithError, solveMasterEquationWithError } from '../../src/engines/discretisation-error.js';
import { solveFokkerPlanck } from '../../src/engines/fokker-planck.js';
import { solveMasterEquation } from '../../src/engines/master-equation.js';
import type { Problem } from '../../src/engines/problem.js';
import type { DiscreteProblem } from '../../src/memory/discrete.js';

/**
 * The deterministic engines' discretisation-error estimates (docs/kinetics.md):
 * the exact answer lies within 4 reported errors, the estimate is not absurdly
 * large (< 10x the actual error), and the orders Richardson assumes are the
 * observed ones.
 */

// sim-configs/harmonic-drag.yaml: kappa = 4, centre dragged 0 -> 4 in tau = 4 (v = 1), from equilibrium.
const drag: Problem = {
  potential: { kind: 'harmonic', stiffness: 4, centre: { kind: 'linear', from: 0, to: 4, end: 4 } },
  duration: 4,
  dt: 1e-3,
  friction: 1,
  initial: { kind: 'boltzmann' },
  replicas: 1,
  seed: 1,
  recordPoints: 2,
};
// <W> = gamma v^2 [tau - (gamma/kappa)(1 - e^{-kappa tau/gamma})] (README, test/engines/langevin.test.ts).
const exactWork = 4 - 0.25 * (1 - Math.exp(-16));

describe('Fokker-Planck: Richardson error of the default grid', () => {
  const result = solveFokkerPlanckWithError(drag);
  const actual = Math.abs(result.work.mean - exactWork);

  it('harmonic drag: exact <W> within 4 reported errors; the error is neither zero nor absurdly large', () => {
    expect(result.seKind).toBe('discretisation');
    expect(result.work.se).toBeGreaterThan(0);
    expect(actual).toBeLessThan(4 * result.work.se);
    expect(result.work.se).toBeLessThan(10 * actual);
    // The reported value is the run as configured, unchanged.
    expect(result.work.mean).toBe(solveFokkerPlanck(drag).work.mean);
    // The first law still closes on the reported values.
    expect(Math.abs(result.energyChange.mean - (result.work.mean - result.heat.mean))).toBeLessThan(1e-10);
  });

  it('observed orders: second in h (Scharfetter-Gummel), first in dt (backward Euler)', () => {
    const cells = result.grid.cells;
    // Space at a fixed dt: differences between cells N, N/1.2, N/1.44 grow by 1.2^p.
    const w = [cells, Math.round(cells / 1.2), Math.round(cells / 1.44)].map((n) => solveFokkerPlanck(drag, { cells: n }).work.mean);
    const spaceOrder = Math.log((w[2] - w[1]) / (w[1] - w[0])) / Math.log(1.2);
    expect(Math.abs(spaceOrder - 2)).toBeLessThan(0.3);
    // Time at fixed cells: dt, 2 dt, 4 dt.
    const v = [1e-3, 2e-3, 4e-3].map((dt) => solveFokkerPlanck({ ...drag, dt }, { cells }).work.mean);
    const timeOrder = Math.log2((v[2] - v[1]) / (v[1] - v[0]));
    expect(Math.abs(timeOrder - 1)).toBeLessThan(0.15);
  });
});

describe('master equation: error of the protocol grid', () => {
  const ramp: DiscreteProblem = {
    potential: { kind: 'double-well', barrierHeight: 4, tilt: { kind: 'linear', from: -1, to: 4, end: 20 } },
    duration: 20,
    dt: 0.05,
    friction: 1,
    initial: { kind: 'boltzmann' },
    replicas: 1,
    seed: 1,
    recordPoints: 2,
    // The protocol-grid error does not depend on the rate model; Kramers' closed form keeps the 1e-4 reference fast.
    rates: 'kramers',
  };

  it('tilt ramp: the converged <Q> (step 500x finer) lies within 4 reported errors; the error is not absurd', () => {
    const result = solveMasterEquationWithError(ramp);
    const converged = solveMasterEquation({ ...ramp, dt: 1e-4 }).heat.mean;
    const actual = Math.abs(result.heat.mean - converged);
    expect(result.heat.se).toBeGreaterThan(0);
    expect(actual).toBeLessThan(4 * result.heat.se);
    expect(result.heat.se).toBeLessThan(10 * actual);
  });

  it('a constant protocol is solved exactly: error 0', () => {
    const held = solveMasterEquationWithError({ ...ramp, potential: { kind: 'double-well', barrierHeight: 4, tilt: 1 }, initial: { kind: 'fixed', x: -1 } });
    expect(held.heat.se).toBe(0);
    expect(held.work.se).toBe(0);
  });
});
