import { randomStream } from '../physics/rng.js';
import type { Dataset } from './dataset-types.js';
import type { Model } from './model-core.js';
import { levelKinetics } from '../memory/washboard.js';

/**
 * Task calibration of the parameter stores (docs/lim-calibration.md): the
 * gradient and curvature scale of the model at a point (the float baseline's
 * end point), from which a LIM store derives its tilt gain kappa and barrier,
 * and a bit store its range.
 *
 * Curvature by finite-difference Hessian-vector products,
 *   H v ~ (grad L(w + eps v) - grad L(w - eps v)) / (2 eps)   (error O(eps^2 L''')),
 * lambda_max by power iteration, tr(H) by Hutchinson's estimator with
 * Rademacher probes z: E[z^T H z] = tr(H) (Hutchinson 1990; its SE is reported).
 */
export interface CurvatureScale {
  /** Largest |dL/dw_i| at the point. */
  gradientMaxAbs: number;
  /** Root mean square of dL/dw_i at the point. */
  gradientRms: number;
  /** Largest Hessian eigenvalue (power iteration). */
  lambdaMax: number;
  /** tr(H), Hutchinson estimate, and its SE over the probes. */
  traceH: number;
  traceHSe: number;
  probes: number;
}

/** Curvature and gradient scale of `model` on `data` at `params` (full batch). */
export function curvatureScale(model: Model, data: Dataset, params: Float64Array, seed: number, probes = 8, iterations = 30): CurvatureScale {
  const n = model.parameterCount;
  const g = new Float64Array(n);
  model.gradient(params, data, g);
  let maxAbs = 0;
  let sumSq = 0;
  let wNorm = 0;
  for (let i = 0; i < n; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(g[i]));
    sumSq += g[i] * g[i];
    wNorm += params[i] * params[i];
  }
  // Central difference step: relative to the parameter scale (round-off ~ 1e-16 / eps, truncation ~ eps^2).
  const eps = 1e-4 * Math.max(1, Math.sqrt(wNorm / n));
  const plus = new Float64Array(n);
  const gp = new Float64Array(n);
  const gm = new Float64Array(n);
  const hvp = (v: Float64Array, out: Float64Array): void => {
    for (let i = 0; i < n; i++) plus[i] = params[i] + eps * v[i];
    model.gradient(plus, data, gp);
    for (let i = 0; i < n; i++) plus[i] = params[i] - eps * v[i];
    model.gradient(plus, data, gm);
    for (let i = 0; i < n; i++) out[i] = (gp[i] - gm[i]) / (2 * eps);
  };
  const rng = randomStream(seed, 0, 'calibration');
  const v = new Float64Array(n);
  const hv = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  let lambda = 0;
  for (let it = 0; it < iterations; it++) {
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    hvp(v, hv);
    let rayleigh = 0;
    for (let i = 0; i < n; i++) rayleigh += v[i] * hv[i];
    const converged = it > 3 && Math.abs(rayleigh - lambda) < 1e-6 * Math.abs(rayleigh);
    lambda = rayleigh;
    v.set(hv);
    if (converged) break;
  }
  const samples: number[] = [];
  for (let p = 0; p < probes; p++) {
    for (let i = 0; i < n; i++) v[i] = rng.uniform() < 0.5 ? -1 : 1;
    hvp(v, hv);
    let q = 0;
    for (let i = 0; i < n; i++) q += v[i] * hv[i];
    samples.push(q);
  }
  const mean = samples.reduce((a, b) => a + b, 0) / probes;
  const variance = probes > 1 ? samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (probes - 1) : 0;
  return {
    gradientMaxAbs: maxAbs,
    gradientRms: Math.sqrt(sumSq / n),
    lambdaMax: lambda,
    traceH: mean,
    traceHSe: Math.sqrt(variance / probes),
    probes,
  };
}

/** What a store needs to know about its task to calibrate itself. */
export interface CalibrationTask {
  model: Model;
  data: Dataset;
  /** The float baseline's final parameters (one copy) and final loss. */
  floatParameters: Float64Array;
  floatLoss: number;
  /** comparison.lossTolerance: allowed relative excess over the float loss. */
  lossTolerance: number;
  /** Mean learning rate per update over the run. */
  meanLearningRate: number;
  seed: number;
  /** Computed once per run (lazily), shared by the stores. */
  curvature?: CurvatureScale;
}

export function taskCurvature(task: CalibrationTask): CurvatureScale {
  task.curvature ??= curvatureScale(task.model, task.data, task.floatParameters, task.seed);
  return task.curvature;
}

/**
 * Range of an n-bit store from the float end point: the parameter extent
 * [min w_i, max w_i] widened by `margin` of its width on each side (so the
 * optimum is inside, not on the clamp).
 */
export function rangeFromFloat(task: CalibrationTask, margin = 0.1): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const w of task.floatParameters) {
    lo = Math.min(lo, w);
    hi = Math.max(hi, w);
  }
  const width = Math.max(hi - lo, 1e-6 * Math.max(1, Math.abs(hi)));
  return [lo - margin * width, hi + margin * width];
}

export interface LimCalibration {
  /** kappa, kT per level spacing per unit gradient. */
  tiltGain: number;
  /** Loss budget of the thermal floor, absolute. */
  thermalBudget: number;
  /** Predicted thermal floor at this kappa: (step / 2 kappa) min(N, 2 eta U tr H). */
  thermalFloor: number;
  /** Expected excess loss of rounding the optimum to the levels: tr(H) step^2 / 24. */
  quantizationFloor: number;
  /** tolerance x float loss. */
  lossBudget: number;
  /** The quantization floor fits inside the loss budget. */
  feasible: boolean;
  /** Equilibrated directions counted in the floor, min(N, 2 eta U tr H). */
  effectiveDirections: number;
  /** kappa the thermal floor alone asks for, and the kappa the lowest barrier asks for. */
  kappaFloor: number;
  kappaMinBarrier: number;
  curvature: CurvatureScale;
  /** eta lambda_max: gradient descent at eta is stable below 2. */
  stability: number;
}

/**
 * kappa of a LIM store (docs/lim-calibration.md §2-§4). Linear response about
 * the optimum makes the copies' stationary excess loss (step / 2 kappa) per
 * equilibrated direction (equipartition of U = kappa L / step in level units);
 * a direction of curvature h reaches it after ~ 1 / (2 eta h) updates, before
 * that it has gathered (step / kappa) eta h U. So the floor is at most
 * (step / 2 kappa) min(N, 2 eta U tr H). kappa is the least that holds that
 * floor to `thermalShare` of what the tolerance leaves after the quantization
 * floor tr(H) step^2 / 24, and no less than the gain at which the barrier
 * giving eta stays at `lowestBarrierMobility`'s barrier (the heat grows with kappa,
 * so the least kappa is the least heat).
 */
export function calibrateLimGain(input: {
  step: number;
  parameterCount: number;
  updates: number;
  updateInterval: number;
  task: CalibrationTask;
  /** Mobility at the lowest barrier the store may use. */
  lowestBarrierMobility: number;
  thermalShare?: number;
}): LimCalibration {
  const curvature = taskCurvature(input.task);
  const { step, parameterCount: n, updates, updateInterval } = input;
  const eta = input.task.meanLearningRate;
  const trace = Math.max(curvature.traceH, 0);
  const lossBudget = input.task.lossTolerance * Math.abs(input.task.floatLoss);
  const quantizationFloor = (trace * step * step) / 24;
  const feasible = quantizationFloor < lossBudget;
  const share = input.thermalShare ?? 0.5;
  // What the tolerance leaves after rounding; if rounding alone exceeds it, aim at a quarter of the budget.
  const thermalBudget = share * (feasible ? lossBudget - quantizationFloor : 0.5 * lossBudget);
  const effectiveDirections = Math.max(1, Math.min(n, 2 * eta * updates * trace));
  const kappaFloor = (step * effectiveDirections) / (2 * thermalBudget);
  // eta = step mu kappa Delta: kappa below eta / (step mu(E_min) Delta) would need a barrier below E_min.
  const kappaMinBarrier = eta / (step * input.lowestBarrierMobility * updateInterval);
  const tiltGain = Math.max(kappaFloor, kappaMinBarrier);
  return {
    tiltGain,
    thermalBudget,
    thermalFloor: (step * effectiveDirections) / (2 * tiltGain),
    quantizationFloor,
    lossBudget,
    feasible,
    effectiveDirections,
    kappaFloor,
    kappaMinBarrier,
    curvature,
    stability: eta * curvature.lambdaMax,
  };
}

/**
 * Barrier of the settling phase at the end of a linearized-drive run
 * (docs/lim-calibration.md §3): under the linear drive F = -kappa g a cell
 * that sits half a level from the optimum feels F_half = kappa h step / 2
 * (h = tr(H) / N, the mean curvature). The barrier is raised until a cell
 * with that tilt hops about once over the whole phase, k_up(E_a, F_half)
 * windows Delta = 1: cells more than half a level off (F > F_half) then hop
 * toward the optimum at rates e^{(F - F_half)/2} larger, cells on their
 * nearest level stay. Never below `minBarrier`, and high enough that F_half
 * stays below 0.9 of the critical tilt pi E_a. Tilts are capped at
 * F_half + 2 ln(windows), where a cell hops about once per window: a cell
 * many levels off moves at most about a level per window (no overshoot).
 */
export function annealBarrier(input: { tiltGain: number; meanCurvature: number; step: number; windows: number; updateInterval: number; minBarrier: number }): { barrier: number; tiltCap: number } {
  const fHalf = (input.tiltGain * input.meanCurvature * input.step) / 2;
  const target = 1 / (input.windows * input.updateInterval);
  const k = { minimumOffset: 0, minimumEnergy: 0, rateUp: 0, rateDown: 0 };
  const rateAt = (e: number): number => levelKinetics(e, fHalf, 1, k).rateUp;
  // The cap: a tilt at which a cell hops about once per window (F_half + 2 ln windows); it must stay below 0.9 pi E_a.
  const tiltCap = fHalf + 2 * Math.log(Math.max(input.windows, 2));
  let lo = Math.max(input.minBarrier, tiltCap / (0.9 * Math.PI));
  let hi = 700;
  if (rateAt(lo) <= target) return { barrier: lo, tiltCap };
  for (let it = 0; it < 100; it++) {
    const mid = 0.5 * (lo + hi);
    if (rateAt(mid) > target) lo = mid;
    else hi = mid;
  }
  return { barrier: 0.5 * (lo + hi), tiltCap };
}
