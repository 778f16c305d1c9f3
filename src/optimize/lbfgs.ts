/**
 * L-BFGS with a strong-Wolfe line search (Nocedal & Wright, Numerical
 * Optimization, 2nd ed., Alg. 7.4 two-loop recursion, Alg. 3.5/3.6 line search
 * with cubic interpolation in zoom). Written here because no maintained npm
 * package offers L-BFGS (the one widely used minimiser package, fmin 0.0.4,
 * last released in 2016, has Nelder-Mead and conjugate gradients only).
 * Tested on the Rosenbrock function (test/optimize/lbfgs.test.ts).
 */

export type ValueAndGradient = (x: Float64Array) => { value: number; gradient: Float64Array };

export interface LbfgsOptions {
  /** Iterations (line searches), default 200. */
  maxIterations?: number;
  /** Stored correction pairs m, default 10. */
  memory?: number;
  /** Stop when stationarity(x, g) <= gradientTolerance, default 1e-8. */
  gradientTolerance?: number;
  /**
   * The first-order optimality measure compared with gradientTolerance; default
   * max |g_i|. A caller with box constraints passes the projected-gradient norm
   * (optimize.ts), as L-BFGS-B does.
   */
  stationarity?: (x: Float64Array, gradient: Float64Array) => number;
  /** Stop when (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= valueTolerance (L-BFGS-B's factr test), default 1e-12. */
  valueTolerance?: number;
  /** Called after each iteration. */
  onIteration?: (record: IterationRecord) => void;
}

export interface IterationRecord {
  iteration: number;
  value: number;
  gradientNorm: number;
  evaluations: number;
  step: number;
  /** The current point. */
  x: Float64Array;
}

export interface MinimizeResult {
  x: Float64Array;
  value: number;
  gradient: Float64Array;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: string;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

/** Minimiser of the cubic through (a, fa, ga), (b, fb, gb), kept inside [lo + 0.1 w, hi - 0.1 w] (safeguard). */
function cubicStep(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const radicand = d1 * d1 - ga * gb;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const w = hi - lo;
  let x = 0.5 * (a + b);
  if (radicand >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(radicand);
    const candidate = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
    if (Number.isFinite(candidate)) x = candidate;
  }
  return Math.min(hi - 0.1 * w, Math.max(lo + 0.1 * w, x));
}

interface Trial {
  alpha: number;
  value: number;
  slope: number;
  x: Float64Array;
  gradient: Float64Array;
}

/** Strong-Wolfe line search along d from x (f0, slope0 = g.d < 0). Returns null when no acceptable step is found. */
function strongWolfe(
  fg: ValueAndGradient,
  x0: Float64Array,
  f0: number,
  slope0: number,
  d: Float64Array,
  alpha1: number,
  counter: { evaluations: number },
): Trial | null {
  const c1 = 1e-4;
  const c2 = 0.9;
  const evaluate = (alpha: number): Trial => {
    const x = Float64Array.from(x0, (v, i) => v + alpha * d[i]);
    const { value, gradient } = fg(x);
    counter.evaluations++;
    return { alpha, value: Number.isFinite(value) ? value : Infinity, slope: dot(gradient, d), x, gradient };
  };
  const zoom = (lo: Trial, hi: Trial): Trial | null => {
    for (let k = 0; k < 30; k++) {
      const finiteHi = Number.isFinite(hi.value) && Number.isFinite(hi.slope);
      const alpha = finiteHi ? cubicStep(lo.alpha, lo.value, lo.slope, hi.alpha, hi.value, hi.slope) : 0.5 * (lo.alpha + hi.alpha);
      const trial = evaluate(alpha);
      if (trial.value > f0 + c1 * alpha * slope0 || trial.value >= lo.value) {
        hi = trial;
      } else {
        if (Math.abs(trial.slope) <= -c2 * slope0) return trial;
        if (trial.slope * (hi.alpha - lo.alpha) >= 0) hi = lo;
        lo = trial;
      }
      if (Math.abs(hi.alpha - lo.alpha) <= 1e-14 * Math.max(1, lo.alpha)) break;
    }
    // The interval collapsed: accept lo if it decreased f (sufficient decrease holds for lo).
    return lo.alpha > 0 ? lo : null;
  };
  let previous: Trial = { alpha: 0, value: f0, slope: slope0, x: x0, gradient: new Float64Array(0) };
  let alpha = alpha1;
  for (let i = 0; i < 30; i++) {
    const trial = evaluate(alpha);
    if (trial.value > f0 + c1 * alpha * slope0 || (i > 0 && trial.value >= previous.value)) return zoom(previous, trial);
    if (Math.abs(trial.slope) <= -c2 * slope0) return trial;
    if (trial.slope >= 0) return zoom(trial, previous);
    previous = trial;
    alpha *= 2;
  }
  return previous.alpha > 0 ? previous : null;
}

/** Minimise f from x0 by L-BFGS. */
export function minimizeLbfgs(fg: ValueAndGradient, x0: ArrayLike<number>, options: LbfgsOptions = {}): MinimizeResult {
  const maxIterations = options.maxIterations ?? 200;
  const memory = options.memory ?? 10;
  const gtol = options.gradientTolerance ?? 1e-8;
  const ftol = options.valueTolerance ?? 1e-12;
  const stationarity = options.stationarity ?? ((_x: Float64Array, g: Float64Array) => maxAbs(g));
  const counter = { evaluations: 0 };
  let x: Float64Array = Float64Array.from(x0);
  let { value, gradient } = fg(x);
  counter.evaluations++;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const n = x.length;
  let reason = 'iteration limit';
  let converged = false;
  let iteration = 0;
  if (stationarity(x, gradient) <= gtol) return { x, value, gradient, iterations: 0, evaluations: 1, converged: true, reason: 'gradient tolerance' };
  for (iteration = 1; iteration <= maxIterations; iteration++) {
    // Two-loop recursion: d = -H g.
    const q = Float64Array.from(gradient);
    const alphas = new Array<number>(s.length);
    for (let i = s.length - 1; i >= 0; i--) {
      alphas[i] = rho[i] * dot(s[i], q);
      for (let j = 0; j < n; j++) q[j] -= alphas[i] * y[i][j];
    }
    const gammaScale = s.length > 0 ? dot(s[s.length - 1], y[y.length - 1]) / dot(y[y.length - 1], y[y.length - 1]) : 1 / Math.max(1, maxAbs(gradient));
    for (let j = 0; j < n; j++) q[j] *= gammaScale;
    for (let i = 0; i < s.length; i++) {
      const beta = rho[i] * dot(y[i], q);
      for (let j = 0; j < n; j++) q[j] += (alphas[i] - beta) * s[i][j];
    }
    let d = Float64Array.from(q, (v) => -v);
    let slope = dot(gradient, d);
    if (!(slope < 0)) {
      // Not a descent direction (round-off in the curvature pairs): restart on steepest descent.
      s.length = y.length = rho.length = 0;
      d = Float64Array.from(gradient, (v) => -v / Math.max(1, maxAbs(gradient)));
      slope = dot(gradient, d);
    }
    const trial = strongWolfe(fg, x, value, slope, d, 1, counter);
    if (!trial) {
      converged = stationarity(x, gradient) <= Math.sqrt(gtol);
      reason = converged ? 'line search found no decrease (gradient within sqrt of the tolerance)' : 'line search found no decrease';
      iteration--;
      break;
    }
    const sk = Float64Array.from(trial.x, (v, i) => v - x[i]);
    const yk = Float64Array.from(trial.gradient, (v, i) => v - gradient[i]);
    const sy = dot(sk, yk);
    if (sy > 1e-16 * dot(yk, yk)) {
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
      if (s.length > memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
    }
    const change = Math.abs(value - trial.value) / Math.max(Math.abs(value), Math.abs(trial.value), 1);
    x = trial.x;
    value = trial.value;
    gradient = trial.gradient;
    const gradientNorm = stationarity(x, gradient);
    options.onIteration?.({ iteration, value, gradientNorm, evaluations: counter.evaluations, step: trial.alpha, x });
    if (gradientNorm <= gtol) {
      reason = 'gradient tolerance';
      converged = true;
      break;
    }
    if (change <= ftol) {
      reason = 'value tolerance';
      converged = true;
      break;
    }
  }
  return { x, value, gradient, iterations: Math.min(iteration, maxIterations), evaluations: counter.evaluations, converged, reason };
}

/**
 * Nelder-Mead simplex (Lagarias et al., SIAM J. Optim. 9, 112 (1998);
 * adaptive coefficients of Gao & Han, Comput. Optim. Appl. 51, 259 (2012)):
 * the derivative-free fallback for a few free values.
 */
export function minimizeNelderMead(
  f: (x: Float64Array) => number,
  x0: ArrayLike<number>,
  options: { maxEvaluations?: number; initialStep?: number; valueTolerance?: number; onIteration?: (record: IterationRecord) => void } = {},
): MinimizeResult {
  const n = x0.length;
  const maxEvaluations = options.maxEvaluations ?? 200 * n;
  const ftol = options.valueTolerance ?? 1e-10;
  const alpha = 1;
  const beta = 1 + 2 / n;
  const gamma = 0.75 - 1 / (2 * n);
  const delta = 1 - 1 / n;
  let evaluations = 0;
  const value = (x: Float64Array) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const simplex: { x: Float64Array; f: number }[] = [];
  const start = Float64Array.from(x0);
  simplex.push({ x: start, f: value(start) });
  for (let i = 0; i < n; i++) {
    const x = Float64Array.from(start);
    x[i] += (options.initialStep ?? 0.1) * Math.max(1, Math.abs(x[i]));
    simplex.push({ x, f: value(x) });
  }
  let iteration = 0;
  let reason = 'evaluation limit';
  let converged = false;
  while (evaluations < maxEvaluations) {
    simplex.sort((a, b) => a.f - b.f);
    const best = simplex[0];
    const worst = simplex[n];
    if (Math.abs(worst.f - best.f) <= ftol * Math.max(1, Math.abs(best.f))) {
      reason = 'value tolerance';
      converged = true;
      break;
    }
    iteration++;
    const centroid = new Float64Array(n);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i] += simplex[k].x[i] / n;
    const along = (t: number) => Float64Array.from(centroid, (c, i) => c + t * (c - worst.x[i]));
    const reflected = along(alpha);
    const fr = value(reflected);
    if (fr < best.f) {
      const expanded = along(alpha * beta);
      const fe = value(expanded);
      simplex[n] = fe < fr ? { x: expanded, f: fe } : { x: reflected, f: fr };
    } else if (fr < simplex[n - 1].f) {
      simplex[n] = { x: reflected, f: fr };
    } else {
      const outside = fr < worst.f;
      const contracted = along(outside ? alpha * gamma : -gamma);
      const fc = value(contracted);
      if (fc < (outside ? fr : worst.f)) {
        simplex[n] = { x: contracted, f: fc };
      } else {
        for (let k = 1; k <= n; k++) {
          const x = Float64Array.from(simplex[k].x, (v, i) => best.x[i] + delta * (v - best.x[i]));
          simplex[k] = { x, f: value(x) };
        }
      }
    }
    const current = simplex.reduce((a, b) => (b.f < a.f ? b : a));
    options.onIteration?.({ iteration, value: current.f, gradientNorm: NaN, evaluations, step: NaN, x: current.x });
  }
  simplex.sort((a, b) => a.f - b.f);
  return { x: simplex[0].x, value: simplex[0].f, gradient: new Float64Array(n).fill(NaN), iterations: iteration, evaluations, converged, reason };
}
