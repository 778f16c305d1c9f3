/**
 * Projections anchored on measurement (issue 11, Build 5): read the rows of a
 * scaling sweep (sim-configs/sweeps/lim-scaling.yaml, results.jsonl), fit per
 * store the heat per parameter-update q (kT) as a power law in model size N,
 * precision n and update window Delta (reduced time per update),
 *
 *   ln q = a + b ln N + c ln n + d ln Delta,
 *
 * by weighted least squares (weights 1 / SE(ln q)^2, SE(ln q) = SE(q) / q from
 * the copies), with chi^2/dof and its p-value; the same fit of the run's LIM
 * bound per parameter-update gives the analytic scaling beside it. A
 * projection then takes q at the workload's N, n and Delta = (T / S) / t0.
 * The fit is an extrapolation outside the measured ranges, stated with it.
 *
 * Only points at matched loss enter the fits (the store's final loss within
 * lossTolerance of the float baseline and its heat not below its bound): a
 * heat per parameter-update of a run that did not train says nothing about
 * training. The others are listed as excluded, with the reason. Beside the
 * power law in n, the level-count model ln q = a + b ln N + c ln(2^n - 1) +
 * d ln Delta: a LIM cell hops level by level, so its heat grows with the
 * number of levels it crosses, ~ (2^n - 1) |dw| / (w_max - w_min)
 * (docs/lim-scaling.md).
 */
import { readFileSync } from 'node:fs';
import { lusolve } from 'mathjs';
import { ConfigError } from '../errors.js';
import { chiSquareSurvival, weightedLinearFit } from './sweep/fit.js';

export interface ScalingPoint {
  store: string;
  kind: string;
  parameters: number;
  bits: number;
  updateInterval: number;
  updates: number;
  /** Heat per parameter-update, kT, and its SE. */
  perParameterUpdate: number;
  perParameterUpdateSe: number;
  /** The LIM bound of the run per parameter-update, kT (LIM stores). */
  boundPerParameterUpdate: number | null;
  /** The linearized-drive path-heat model per parameter-update, kT (LIM stores; src/learning/lim-path-heat.ts). */
  pathHeatPerParameterUpdate: number | null;
  matchesFloat: boolean;
  /** At matched loss and not below its bound: the point enters the fits. */
  passed: boolean;
  /** Why it does not (absent when it passed). */
  exclusion?: string;
}

/** ln n (power law in the precision), ln(2^n - 1) (level-count model), or ln q_path (the path-heat model, LIM only). */
export type PrecisionAxis = 'power' | 'levels' | 'path';

export interface PowerLawFit {
  store: string;
  kind: string;
  /** 'power': c multiplies ln n; 'levels': c multiplies ln(2^n - 1). */
  model: PrecisionAxis;
  /** ln q = lnPrefactor + exponents.N ln N + exponents.n ln n + exponents.Delta ln Delta. */
  lnPrefactor: number;
  exponents: { N: number; n: number; Delta: number };
  se: { lnPrefactor: number; N: number; n: number; Delta: number };
  chi2: number;
  dof: number;
  pValue: number;
  points: number;
  /** Covariance of (a, b, c, d) from the weights (zero rows for a variable that does not vary). */
  covariance: number[][];
  /** rms of the ln q residuals (unweighted): the model's fractional scatter, beside the statistical SEs. */
  residualRms: number;
  /** Largest |residual| / SE(ln q) over the points. */
  maxPull: number;
  ranges: { N: [number, number]; n: [number, number]; Delta: [number, number] };
  /** The same fit of the LIM bound per parameter-update (unweighted: the bound has no SE here). */
  bound?: { lnPrefactor: number; exponents: { N: number; n: number; Delta: number } };
}

type Row = { params?: Record<string, unknown>; metrics?: Record<string, unknown> };

/** Points of a sweep's results.jsonl: one per (row, non-float store) with a positive heat and SE. */
export function readScalingPoints(path: string): ScalingPoint[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('--calibrate', `cannot read ${path}: ${(err as Error).message}; expected a sweep's results.jsonl`);
  }
  const points: ScalingPoint[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const row = JSON.parse(line) as Row;
    const m = row.metrics ?? {};
    const params = row.params ?? {};
    const bitsKey = Object.keys(params).find((k) => k.endsWith('.bits'));
    const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
    const N = num(m.parameters);
    const U = num(m.updates);
    const interval = num(m.updateInterval);
    const gridBits = bitsKey ? num(params[bitsKey]) : NaN;
    const names = typeof m.stores === 'string' ? m.stores.split(' ') : [];
    for (const s of names) {
      const kind = String(m[`store.${s}.kind`]);
      if (kind === 'float') continue;
      const heat = num(m[`store.${s}.heat.mean`]);
      const se = num(m[`store.${s}.heat.se`]);
      if (!(heat > 0 && se > 0 && N > 0 && U > 0 && interval > 0)) continue;
      const bound = kind === 'lim' ? num(m[`store.${s}.bound.value`]) : NaN;
      const pathHeat = num(m[`store.${s}.pathHeatModel`]);
      // The precision the store ran at (calibrated stores report it), else the grid's value.
      const bits = num(m[`store.${s}.bits`]) > 0 ? num(m[`store.${s}.bits`]) : gridBits;
      if (!(bits > 0)) continue;
      const matchesFloat = m[`store.${s}.matchesFloat`] === true;
      const violated = m[`store.${s}.bound.violated`] === true;
      const lossExcess = (num(m[`store.${s}.finalLoss.mean`]) - num(m['floatBaseline.finalLoss'])) / Math.abs(num(m['floatBaseline.finalLoss']));
      const exclusion = !matchesFloat
        ? `final loss ${Number.isFinite(lossExcess) ? `${(100 * lossExcess).toPrecision(3)} %` : 'not'} above the float baseline, beyond lossTolerance (not at matched loss)`
        : violated
          ? 'heat below its bound beyond 4 SE'
          : undefined;
      points.push({
        store: s,
        kind,
        parameters: N,
        bits,
        updateInterval: interval,
        updates: U,
        perParameterUpdate: heat / (N * U),
        perParameterUpdateSe: se / (N * U),
        boundPerParameterUpdate: bound > 0 ? bound / (N * U) : null,
        pathHeatPerParameterUpdate: pathHeat > 0 ? pathHeat / (N * U) : null,
        matchesFloat,
        passed: exclusion === undefined,
        ...(exclusion ? { exclusion } : {}),
      });
    }
  }
  if (points.length === 0) throw new ConfigError('--calibrate', `${path} has no training rows with store heats; expected the results.jsonl of a scaling sweep`);
  return points;
}

/** Weighted least squares of y on [1, x1, x2, x3]; returns coefficients, their SEs, chi^2. */
function wls(X: number[][], y: number[], w: number[]): { beta: number[]; se: number[]; chi2: number; covariance: number[][]; residuals: number[] } {
  const p = X[0].length;
  const A = Array.from({ length: p }, () => new Array(p).fill(0));
  const b = new Array(p).fill(0);
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < p; j++) {
      b[j] += w[i] * X[i][j] * y[i];
      for (let k = 0; k < p; k++) A[j][k] += w[i] * X[i][j] * X[i][k];
    }
  }
  const beta = (lusolve(A, b) as number[][]).map((r) => r[0]);
  // Parameter covariance (A^-1): solve A c_j = e_j column by column.
  const covariance = beta.map((_, j) => {
    const e = new Array(p).fill(0);
    e[j] = 1;
    return (lusolve(A, e) as number[][]).map((r) => r[0]);
  });
  const se = covariance.map((col, j) => Math.sqrt(Math.max(col[j], 0)));
  let chi2 = 0;
  const residuals: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const r = y[i] - X[i].reduce((s, x, j) => s + x * beta[j], 0);
    residuals.push(r);
    chi2 += w[i] * r * r;
  }
  return { beta, se, chi2, covariance, residuals };
}

/** The regressor of the precision: ln n, or ln(2^n - 1) (the number of level spacings). */
export function precisionRegressor(bits: number, model: PrecisionAxis): number {
  if (model === 'path') throw new RangeError('the path model has no precision regressor (it takes q_path of each run)');
  return model === 'power' ? Math.log(bits) : Math.log(2 ** bits - 1);
}

/** Columns that vary in the points (a power of a constant variable cannot be fitted). */
function design(points: ScalingPoint[], model: PrecisionAxis): { X: number[][]; free: ('N' | 'n' | 'Delta')[] } {
  const vary = (f: (p: ScalingPoint) => number) => new Set(points.map(f)).size > 1;
  const free = (['N', 'n', 'Delta'] as const).filter((k) =>
    vary((p) => (k === 'N' ? p.parameters : k === 'n' ? p.bits : p.updateInterval)),
  );
  const X = points.map((p) => [
    1,
    ...free.map((k) =>
      k === 'N'
        ? Math.log(p.parameters)
        : k === 'n'
          ? model === 'path'
            ? Math.log(p.pathHeatPerParameterUpdate as number)
            : precisionRegressor(p.bits, model)
          : Math.log(p.updateInterval),
    ),
  ]);
  return { X, free: [...free] };
}

/** The points left out of the fits (not at matched loss, or below their bound), with the reason. */
export function excludedPoints(points: ScalingPoint[]): ScalingPoint[] {
  return points.filter((p) => !p.passed);
}

/** Per store: the fit of its heat per parameter-update (and of its LIM bound) over the points at matched loss. */
export function fitScaling(all: ScalingPoint[], model: PrecisionAxis = 'power'): PowerLawFit[] {
  const points = all.filter((p) => p.passed);
  if (points.length === 0) throw new ConfigError('--calibrate', `none of the ${all.length} store points is at matched loss; expected scaling rows whose stores reached the float loss within lossTolerance`);
  // The path model needs q_path at every point of a store (LIM stores under the linearized drive).
  const stores = [...new Set(points.map((p) => p.store))].filter(
    (store) => model !== 'path' || points.filter((p) => p.store === store).every((p) => p.pathHeatPerParameterUpdate !== null),
  );
  return stores.map((store) => {
    const ps = points.filter((p) => p.store === store);
    const { X, free } = design(ps, model);
    if (ps.length <= X[0].length) throw new ConfigError('--calibrate', `store ${store}: ${ps.length} points for ${X[0].length} fit parameters; expected more sweep points`);
    const y = ps.map((p) => Math.log(p.perParameterUpdate));
    const w = ps.map((p) => (p.perParameterUpdate / p.perParameterUpdateSe) ** 2);
    const fit = wls(X, y, w);
    const get = (k: 'N' | 'n' | 'Delta', arr: number[]) => (free.includes(k) ? arr[1 + free.indexOf(k)] : 0);
    const dof = ps.length - X[0].length;
    const range = (f: (p: ScalingPoint) => number): [number, number] => [Math.min(...ps.map(f)), Math.max(...ps.map(f))];
    // Covariance in the full (a, N, n, Delta) order, zero for a variable that does not vary.
    const order = ['a', 'N', 'n', 'Delta'] as const;
    const at = (k: (typeof order)[number]) => (k === 'a' ? 0 : free.includes(k) ? 1 + free.indexOf(k) : -1);
    const covariance = order.map((r) => order.map((c) => (at(r) < 0 || at(c) < 0 ? 0 : fit.covariance[at(r)][at(c)])));
    const out: PowerLawFit = {
      store,
      kind: ps[0].kind,
      model,
      lnPrefactor: fit.beta[0],
      exponents: { N: get('N', fit.beta), n: get('n', fit.beta), Delta: get('Delta', fit.beta) },
      se: { lnPrefactor: fit.se[0], N: get('N', fit.se), n: get('n', fit.se), Delta: get('Delta', fit.se) },
      chi2: fit.chi2,
      dof,
      pValue: chiSquareSurvival(fit.chi2, dof),
      points: ps.length,
      covariance,
      residualRms: Math.sqrt(fit.residuals.reduce((s, r) => s + r * r, 0) / fit.residuals.length),
      maxPull: Math.max(...fit.residuals.map((r, i) => Math.abs(r) * Math.sqrt(w[i]))),
      ranges: { N: range((p) => p.parameters), n: range((p) => p.bits), Delta: range((p) => p.updateInterval) },
    };
    const withBound = ps.filter((p) => p.boundPerParameterUpdate !== null);
    if (withBound.length === ps.length) {
      const b = wls(X, ps.map((p) => Math.log(p.boundPerParameterUpdate as number)), ps.map(() => 1));
      out.bound = { lnPrefactor: b.beta[0], exponents: { N: get('N', b.beta), n: get('n', b.beta), Delta: get('Delta', b.beta) } };
    }
    return out;
  });
}

/**
 * q (kT per parameter-update) of a fit at N, n, Delta, with the SE of ln q from
 * the parameter covariance (x^T C x). It is statistical only: the model's own
 * scatter (residualRms) and any curvature beyond the fitted range are not in it.
 */
export function evaluateFit(fit: PowerLawFit, N: number, n: number, delta: number): { kT: number; lnSe: number } {
  if (fit.model === 'path') throw new RangeError('evaluateFit: the path-heat model needs q_path of a run at the workload, not (N, n, Delta)');
  const x = [1, Math.log(N), precisionRegressor(n, fit.model ?? 'power'), Math.log(delta)];
  const ln = fit.lnPrefactor + fit.exponents.N * x[1] + fit.exponents.n * x[2] + fit.exponents.Delta * x[3];
  let variance = 0;
  if (fit.covariance) for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) variance += x[i] * fit.covariance[i][j] * x[j];
  else variance = (fit.se.lnPrefactor) ** 2 + (fit.se.N * x[1]) ** 2 + (fit.se.n * x[2]) ** 2 + (fit.se.Delta * x[3]) ** 2;
  return { kT: Math.exp(ln), lnSe: Math.sqrt(Math.max(variance, 0)) };
}

const sci = (x: number): string => (Number.isFinite(x) ? x.toExponential(3) : String(x));

/** The fit table. */
export function formatScalingFits(fits: PowerLawFit[]): string {
  const model = fits[0]?.model ?? 'power';
  const lines = [
    model === 'levels'
      ? 'Level-count model q [kT] = e^a N^b (2^n - 1)^c Delta^d (weighted least squares on ln q, points at matched loss)'
      : model === 'path'
        ? 'Path-heat model q [kT] = e^a N^b q_path^c Delta^d, q_path = linearized-drive heat along the float path (src/learning/lim-path-heat.ts; expect b = 0, c = 1)'
        : 'Measured heat per parameter-update q [kT] = e^a N^b n^c Delta^d (weighted least squares on ln q, points at matched loss)',
  ];
  const cLabel = model === 'path' ? 'c(q_path)' : model === 'levels' ? 'c(2^n - 1)' : 'c(n)';
  for (const f of fits) {
    const e = (v: number, s: number) => `${v.toFixed(3)} ± ${s.toFixed(3)}`;
    lines.push(
      `  ${f.store} (${f.kind}): a = ${e(f.lnPrefactor, f.se.lnPrefactor)}, b(N) = ${e(f.exponents.N, f.se.N)}, ${cLabel} = ${e(f.exponents.n, f.se.n)}, d(Delta) = ${e(f.exponents.Delta, f.se.Delta)}; ` +
        `chi^2/dof = ${f.chi2.toFixed(1)}/${f.dof} = ${(f.chi2 / f.dof).toFixed(2)}, p = ${sci(f.pValue)}; rms residual of ln q ${f.residualRms.toFixed(3)}, largest pull ${f.maxPull.toFixed(1)} SE; ${f.points} points, N ${sci(f.ranges.N[0])}..${sci(f.ranges.N[1])}, n ${f.ranges.n[0]}..${f.ranges.n[1]}, Delta ${f.ranges.Delta[0]}..${f.ranges.Delta[1]}`,
    );
    if (f.bound) {
      lines.push(
        `    its LIM bound per parameter-update: b(N) = ${f.bound.exponents.N.toFixed(3)}, ${cLabel} = ${f.bound.exponents.n.toFixed(3)}, d(Delta) = ${f.bound.exponents.Delta.toFixed(3)} (unweighted)`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** q = alpha q_path + beta (linear, weighted by 1 / SE(q)^2): the path heat plus a fixed heat per parameter-update. */
export interface AffinePathFit {
  store: string;
  /** 'se': weights 1 / SE(q)^2; 'relative': weights 1 / q^2 (every point counts alike; parameter SEs from the residual scatter, chi^2 still with the SEs). */
  weighting: 'se' | 'relative';
  alpha: number;
  alphaSe: number;
  beta: number;
  betaSe: number;
  chi2: number;
  dof: number;
  pValue: number;
  /** rms of (q - fit) / q over the points, unweighted. */
  relativeRms: number;
  points: number;
}

/**
 * The affine path model per LIM store (points at matched loss with q_path):
 * the linearized-drive heat along the path (src/learning/lim-path-heat.ts)
 * scaled by alpha, plus beta kT per parameter-update that does not grow with
 * the path (the copies' dither under the drive, the settling phase, the final
 * barrier raise; docs/lim-scaling.md).
 */
export function fitAffinePath(all: ScalingPoint[], weighting: 'se' | 'relative' = 'se'): AffinePathFit[] {
  const points = all.filter((p) => p.passed && p.pathHeatPerParameterUpdate !== null);
  const stores = [...new Set(points.map((p) => p.store))];
  return stores
    .map((store) => {
      const ps = points.filter((p) => p.store === store);
      if (ps.length < 3) return null;
      const fit = wls(
        ps.map((p) => [p.pathHeatPerParameterUpdate as number, 1]),
        ps.map((p) => p.perParameterUpdate),
        ps.map((p) => (weighting === 'se' ? 1 / p.perParameterUpdateSe ** 2 : 1 / p.perParameterUpdate ** 2)),
      );
      const rel = ps.map((p, i) => fit.residuals[i] / p.perParameterUpdate);
      // chi^2 against the measured SEs whatever the weighting (the relative weights change the estimate, not the test).
      const chi2 = ps.reduce((sum, p, i) => sum + (fit.residuals[i] / p.perParameterUpdateSe) ** 2, 0);
      const dof = ps.length - 2;
      // With relative weights the scatter is taken as the model's: parameter SEs from the residual rms (sum rel^2 / dof).
      const seScale = weighting === 'se' ? 1 : Math.sqrt(rel.reduce((sum, r) => sum + r * r, 0) / Math.max(dof, 1));
      return {
        store,
        weighting,
        alpha: fit.beta[0],
        alphaSe: fit.se[0] * seScale,
        beta: fit.beta[1],
        betaSe: fit.se[1] * seScale,
        chi2,
        dof,
        pValue: chiSquareSurvival(chi2, dof),
        relativeRms: Math.sqrt(rel.reduce((s, r) => s + r * r, 0) / rel.length),
        points: ps.length,
      };
    })
    .filter((f): f is AffinePathFit => f !== null);
}

export function formatAffinePathFits(fits: AffinePathFit[]): string {
  const lines = ['Affine path model q = alpha q_path + beta (least squares on q, points at matched loss; chi^2 with the measured SEs):'];
  for (const f of fits) {
    lines.push(
      `  ${f.store}, ${f.weighting === 'se' ? 'weights 1/SE^2' : 'weights 1/q^2'}: alpha = ${f.alpha.toPrecision(4)} ± ${f.alphaSe.toPrecision(2)}, beta = ${f.beta.toPrecision(4)} ± ${f.betaSe.toPrecision(2)} kT; ` +
        `chi^2/dof = ${f.chi2.toPrecision(4)}/${f.dof}, p = ${sci(f.pValue)}; rms relative residual ${f.relativeRms.toFixed(3)}; ${f.points} points`,
    );
  }
  return lines.join('\n') + '\n';
}

export interface SliceFit {
  store: string;
  axis: 'N' | 'n' | 'Delta';
  /** The other two variables held at these values. */
  at: Record<string, number>;
  exponent: number;
  exponentSe: number;
  chi2: number;
  dof: number;
  pValue: number;
  points: number;
  /** The same slope of the LIM bound per parameter-update (unweighted), LIM stores. */
  boundExponent?: number;
}

/**
 * One-axis log-log slopes of the points at matched loss (Delta = the smallest):
 * along N at each size's least precision (the calibrated n*(N) of a matched-loss
 * sweep: the total slope, the precision moving with N), along n at the size
 * with the most precisions, along Delta at that size and its least precision.
 * Where the global fit fails its chi^2, these still say how q moves.
 */
export function sliceFits(all: ScalingPoint[]): SliceFit[] {
  const points = all.filter((p) => p.passed);
  const out: SliceFit[] = [];
  const stores = [...new Set(points.map((p) => p.store))];
  for (const store of stores) {
    const ps = points.filter((p) => p.store === store);
    const delta0 = Math.min(...ps.map((p) => p.updateInterval));
    const Ns = [...new Set(ps.map((p) => p.parameters))].sort((a, b) => a - b);
    const bitsAt = (N: number) => new Set(ps.filter((p) => p.parameters === N && p.updateInterval === delta0).map((p) => p.bits)).size;
    const refN = Ns.reduce((best, N) => (bitsAt(N) > bitsAt(best) ? N : best), Ns[Math.floor(Ns.length / 2)]);
    const leastBits = (N: number, delta: number) => Math.min(...ps.filter((p) => p.parameters === N && p.updateInterval === delta).map((p) => p.bits));
    const refBits = leastBits(refN, delta0);
    const slices: ['N' | 'n' | 'Delta', (p: ScalingPoint) => number, ScalingPoint[], Record<string, number>][] = [
      ['N', (p) => p.parameters, ps.filter((p) => p.updateInterval === delta0 && p.bits === leastBits(p.parameters, delta0)), { Delta: delta0, n: NaN }],
      ['n', (p) => p.bits, ps.filter((p) => p.parameters === refN && p.updateInterval === delta0), { N: refN, Delta: delta0 }],
      ['Delta', (p) => p.updateInterval, ps.filter((p) => p.parameters === refN && p.bits === refBits), { N: refN, n: refBits }],
    ];
    for (const [axis, value, keep, at] of slices) {
      if (new Set(keep.map(value)).size < 2) continue;
      const x = keep.map((p) => Math.log(value(p)));
      const y = keep.map((p) => Math.log(p.perParameterUpdate));
      const se = keep.map((p) => p.perParameterUpdateSe / p.perParameterUpdate);
      const fit = weightedLinearFit(x, y, se);
      const slice: SliceFit = { store, axis, at, exponent: fit.slope, exponentSe: fit.slopeSe, chi2: fit.chi2, dof: fit.dof, pValue: fit.pValue, points: keep.length };
      if (keep.every((p) => p.boundPerParameterUpdate !== null)) {
        slice.boundExponent = weightedLinearFit(x, keep.map((p) => Math.log(p.boundPerParameterUpdate as number)), keep.map(() => 1)).slope;
      }
      out.push(slice);
    }
  }
  return out;
}

export function formatSliceFits(slices: SliceFit[]): string {
  const lines = ['One-axis slopes d ln q / d ln x through the reference point (weighted least squares):'];
  for (const s of slices) {
    const at = Object.entries(s.at).map(([k, v]) => (Number.isNaN(v) ? `${k} = n*(N)` : `${k} = ${v}`)).join(', ');
    lines.push(
      `  ${s.store}: q ~ ${s.axis}^(${s.exponent.toFixed(3)} ± ${s.exponentSe.toFixed(3)}) at ${at}; chi^2/dof = ${s.chi2.toFixed(1)}/${s.dof}, p = ${sci(s.pValue)}` +
        (s.boundExponent !== undefined ? `; LIM bound ~ ${s.axis}^${s.boundExponent.toFixed(3)}` : ''),
    );
  }
  return lines.join('\n') + '\n';
}
