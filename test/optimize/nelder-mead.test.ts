import { describe, expect, it } from 'vitest';
import { physicsConfigSchema } from '../../src/experiments/schema.js';
import { validate } from '../../src/experiments/config.js';
import { optimizeProtocol, parseConstraints } from '../../src/optimize/optimize.js';

/** A small trap problem (tau = 0.5, 50 steps): the derivative-free fallback finds the same optimum as L-BFGS. */
const config = validate(physicsConfigSchema, {
  name: 'small-trap',
  engine: 'fokker-planck',
  time: { duration: 0.5, dt: 0.01 },
  potential: { kind: 'harmonic', stiffness: 2, centre: { kind: 'linear', from: 0, to: 1, end: 0.5 } },
});

describe('Nelder-Mead fallback', () => {
  it('reaches the L-BFGS optimum of the same discrete problem (K = 0: the two jump knots)', () => {
    const common = { vary: ['potential.centre'], knots: 0, objective: 'work' as const, constraints: parseConstraints([]), maxIterations: 40 };
    const gradient = optimizeProtocol(config, { ...common, method: 'lbfgs' });
    const simplex = optimizeProtocol(config, { ...common, method: 'nelder-mead' });
    expect(simplex.objective).toBeLessThan(simplex.startObjective);
    expect(Math.abs(simplex.objective / gradient.objective - 1)).toBeLessThan(1e-6);
    // Derived optimum (docs/optimize.md §4): W = gamma L^2 / (tau + 2 gamma / k) = 2/3, up to the coarse dt.
    expect(Math.abs(gradient.objective / (2 / 3) - 1)).toBeLessThan(0.02);
  });
});
