import { describe, expect, it } from 'vitest';
import { minimizeLbfgs, minimizeNelderMead } from '../../src/optimize/lbfgs.js';

/** Rosenbrock in n dimensions: minimum 0 at (1, ..., 1). */
function rosenbrock(x: Float64Array): { value: number; gradient: Float64Array } {
  let value = 0;
  const gradient = new Float64Array(x.length);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    value += 100 * a * a + b * b;
    gradient[i] += -400 * x[i] * a - 2 * b;
    gradient[i + 1] += 200 * a;
  }
  return { value, gradient };
}

describe('L-BFGS with a strong-Wolfe line search', () => {
  it('finds the Rosenbrock minimum (2-D from (-1.2, 1), and 10-D) to 1e-6', () => {
    const two = minimizeLbfgs(rosenbrock, [-1.2, 1], { maxIterations: 200, gradientTolerance: 1e-10 });
    expect(two.converged).toBe(true);
    for (const v of two.x) expect(Math.abs(v - 1)).toBeLessThan(1e-6);
    expect(two.iterations).toBeLessThan(60);
    const ten = minimizeLbfgs(rosenbrock, Array.from({ length: 10 }, (_, i) => (i % 2 ? 1 : -1.2)), { maxIterations: 500, gradientTolerance: 1e-10 });
    expect(ten.converged).toBe(true);
    for (const v of ten.x) expect(Math.abs(v - 1)).toBeLessThan(1e-6);
  });

  it('solves a quadratic exactly: the minimiser of x^T A x / 2 - b^T x is A^-1 b', () => {
    // A = [[3, 1], [1, 2]], b = [1, 1] -> x = [0.2, 0.4].
    const fg = (x: Float64Array) => ({
      value: 0.5 * (3 * x[0] * x[0] + 2 * x[0] * x[1] + 2 * x[1] * x[1]) - x[0] - x[1],
      gradient: Float64Array.of(3 * x[0] + x[1] - 1, x[0] + 2 * x[1] - 1),
    });
    const r = minimizeLbfgs(fg, [5, -3], { gradientTolerance: 1e-12, valueTolerance: 0 });
    expect(Math.abs(r.x[0] - 0.2)).toBeLessThan(1e-10);
    expect(Math.abs(r.x[1] - 0.4)).toBeLessThan(1e-10);
  });
});

describe('Nelder-Mead', () => {
  it('finds the 2-D Rosenbrock minimum to 1e-4', () => {
    const r = minimizeNelderMead((x) => rosenbrock(x).value, [-1.2, 1], { maxEvaluations: 2000, valueTolerance: 1e-14 });
    for (const v of r.x) expect(Math.abs(v - 1)).toBeLessThan(1e-4);
  });
});
