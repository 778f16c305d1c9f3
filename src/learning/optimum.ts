import type { Dataset } from './dataset-types.js';
import type { Model } from './model-core.js';

/**
 * The loss at the optimum, for models whose optimum is known (quadratic
 * losses): what a float baseline of U updates at eta is compared with, so a
 * reader sees how far it is from converged.
 *
 * - teacher-student: the population optimum is the teacher w* (row 1 of the
 *   data set, src/learning/teacher-student.ts), L* = sigma^2 / 2 exactly.
 * - linear-regression: least squares on the training data, solved by conjugate
 *   gradients on the normal equations H w = -g(0) with H v = g(v) - g(0) (exact
 *   for a quadratic loss; Hestenes & Stiefel, J. Res. NBS 49, 409 (1952)). A
 *   dense solve would cost O(N^3); CG costs one full-batch gradient per
 *   iteration and converges in at most N iterations (much fewer for a
 *   well-conditioned X^T X).
 */
export interface OptimumLoss {
  loss: number;
  method: string;
}

export function knownOptimumLoss(model: Model, data: Dataset): OptimumLoss | null {
  const n = model.parameterCount;
  if (model.name === 'teacher-student') {
    const teacher = data.features.slice(n, 2 * n);
    return { loss: model.loss(teacher, data), method: 'population optimum w = w* (teacher), L* = sigma^2 / 2' };
  }
  if (model.name !== 'linear-regression') return null;
  const g0 = new Float64Array(n);
  const zero = new Float64Array(n);
  model.gradient(zero, data, g0);
  const hv = new Float64Array(n);
  const hessianTimes = (v: Float64Array, out: Float64Array): void => {
    model.gradient(v, data, out);
    for (let i = 0; i < n; i++) out[i] -= g0[i];
  };
  // CG on H w = b, b = -g(0), from w = 0.
  const w = new Float64Array(n);
  const r = Float64Array.from(g0, (x) => -x);
  const p = Float64Array.from(r);
  let rr = r.reduce((s, x) => s + x * x, 0);
  const tolerance = 1e-24 * Math.max(rr, 1e-300);
  let iterations = 0;
  for (; iterations < 2 * n + 10 && rr > tolerance; iterations++) {
    hessianTimes(p, hv);
    let pHp = 0;
    for (let i = 0; i < n; i++) pHp += p[i] * hv[i];
    if (!(pHp > 0)) break;
    const alpha = rr / pHp;
    for (let i = 0; i < n; i++) {
      w[i] += alpha * p[i];
      r[i] -= alpha * hv[i];
    }
    const next = r.reduce((s, x) => s + x * x, 0);
    const beta = next / rr;
    rr = next;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
  }
  return { loss: model.loss(w, data), method: `least squares on the training data (conjugate gradients, ${iterations} iterations, residual ${Math.sqrt(rr).toExponential(1)})` };
}
