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
  matchesFloat: boolean;
}

export interface PowerLawFit {
  store: string;
  kind: string;
  /** ln q = lnPrefactor + exponents.N ln N + exponents.n ln n + exponents.Delta ln Delta. */
  lnPrefactor: number;
  exponents: { N: number; n: number; Delta: number };
  se: { lnPrefactor: number; N: number; n: number; Delta: number };
  chi2: number;
  dof: number;
  pValue: number;
  points: number;
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
    const bits = bitsKey ? num(params[bitsKey]) : NaN;
    const names = typeof m.stores === 'string' ? m.stores.split(' ') : [];
    for (const s of names) {
      const kind = String(m[`store.${s}.kind`]);
      if (kind === 'float') continue;
      const heat = num(m[`store.${s}.heat.mean`]);
      const se = num(m[`store.${s}.heat.se`]);
      if (!(heat > 0 && se > 0 && N > 0 && U > 0 && interval > 0 && bits > 0)) continue;
      const bound = kind === 'lim' ? num(m[`store.${s}.bound.value`]) : NaN;
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
        matchesFloat: m[`store.${s}.matchesFloat`] === true,
      });
    }
  }
  if (points.length === 0) throw new ConfigError('--calibrate', `${path} has no training rows with store heats; expected the results.jsonl of a scaling sweep`);
  return points;
}

/** Weighted least squares of y on [1, x1, x2, x3]; returns coefficients, their SEs, chi^2. */
function wls(X: number[][], y: number[], w: number[]): { beta: number[]; se: number[]; chi2: number } {
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
  const se = beta.map((_, j) => {
    const e = new Array(p).fill(0);
    e[j] = 1;
    const col = (lusolve(A, e) as number[][]).map((r) => r[0]);
    return Math.sqrt(Math.max(col[j], 0));
  });
  let chi2 = 0;
  for (let i = 0; i < y.length; i++) {
    const r = y[i] - X[i].reduce((s, x, j) => s + x * beta[j], 0);
    chi2 += w[i] * r * r;
  }
  return { beta, se, chi2 };
}

/** Columns that vary in the points (a power of a constant variable cannot be fitted). */
function design(points: ScalingPoint[]): { X: number[][]; free: ('N' | 'n' | 'Delta')[] } {
  const vary = (f: (p: ScalingPoint) => number) => new Set(points.map(f)).size > 1;
  const free = (['N', 'n', 'Delta'] as const).filter((k) =>
    vary((p) => (k === 'N' ? p.parameters : k === 'n' ? p.bits : p.updateInterval)),
  );
  const X = points.map((p) => [1, ...free.map((k) => Math.log(k === 'N' ? p.parameters : k === 'n' ? p.bits : p.updateInterval))]);
  return { X, free: [...free] };
}

/** Per store: the power-law fit of its heat per parameter-update (and of its LIM bound). */
export function fitScaling(points: ScalingPoint[]): PowerLawFit[] {
  const stores = [...new Set(points.map((p) => p.store))];
  return stores.map((store) => {
    const ps = points.filter((p) => p.store === store);
    const { X, free } = design(ps);
    if (ps.length <= X[0].length) throw new ConfigError('--calibrate', `store ${store}: ${ps.length} points for ${X[0].length} fit parameters; expected more sweep points`);
    const y = ps.map((p) => Math.log(p.perParameterUpdate));
    const w = ps.map((p) => (p.perParameterUpdate / p.perParameterUpdateSe) ** 2);
    const fit = wls(X, y, w);
    const get = (k: 'N' | 'n' | 'Delta', arr: number[]) => (free.includes(k) ? arr[1 + free.indexOf(k)] : 0);
    const dof = ps.length - X[0].length;
    const range = (f: (p: ScalingPoint) => number): [number, number] => [Math.min(...ps.map(f)), Math.max(...ps.map(f))];
    const out: PowerLawFit = {
      store,
      kind: ps[0].kind,
      lnPrefactor: fit.beta[0],
      exponents: { N: get('N', fit.beta), n: get('n', fit.beta), Delta: get('Delta', fit.beta) },
      se: { lnPrefactor: fit.se[0], N: get('N', fit.se), n: get('n', fit.se), Delta: get('Delta', fit.se) },
      chi2: fit.chi2,
      dof,
      pValue: chiSquareSurvival(fit.chi2, dof),
      points: ps.length,
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

/** q (kT per parameter-update) of a fit at N, n, Delta, with its SE from the parameter SEs (independent: a lower estimate). */
export function evaluateFit(fit: PowerLawFit, N: number, n: number, delta: number): { kT: number; lnSe: number } {
  const ln = fit.lnPrefactor + fit.exponents.N * Math.log(N) + fit.exponents.n * Math.log(n) + fit.exponents.Delta * Math.log(delta);
  const lnSe = Math.hypot(fit.se.lnPrefactor, fit.se.N * Math.log(N), fit.se.n * Math.log(n), fit.se.Delta * Math.log(delta));
  return { kT: Math.exp(ln), lnSe };
}

const sci = (x: number): string => (Number.isFinite(x) ? x.toExponential(3) : String(x));

/** The fit table. */
export function formatScalingFits(fits: PowerLawFit[]): string {
  const lines = ['Measured heat per parameter-update q [kT] = e^a N^b n^c Delta^d (weighted least squares on ln q)'];
  for (const f of fits) {
    const e = (v: number, s: number) => `${v.toFixed(3)} ± ${s.toFixed(3)}`;
    lines.push(
      `  ${f.store} (${f.kind}): a = ${e(f.lnPrefactor, f.se.lnPrefactor)}, b(N) = ${e(f.exponents.N, f.se.N)}, c(n) = ${e(f.exponents.n, f.se.n)}, d(Delta) = ${e(f.exponents.Delta, f.se.Delta)}; ` +
        `chi^2/dof = ${f.chi2.toFixed(1)}/${f.dof} = ${(f.chi2 / f.dof).toFixed(2)}, p = ${sci(f.pValue)}; ${f.points} points, N ${sci(f.ranges.N[0])}..${sci(f.ranges.N[1])}, n ${f.ranges.n[0]}..${f.ranges.n[1]}, Delta ${f.ranges.Delta[0]}..${f.ranges.Delta[1]}`,
    );
    if (f.bound) {
      lines.push(
        `    its LIM bound per parameter-update: b(N) = ${f.bound.exponents.N.toFixed(3)}, c(n) = ${f.bound.exponents.n.toFixed(3)}, d(Delta) = ${f.bound.exponents.Delta.toFixed(3)} (unweighted)`,
      );
    }
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
 * One-axis log-log slopes through a reference point (n = largest, Delta = smallest,
 * N = the middle size): where the global power law fails its chi^2, the local
 * slopes still say how q moves along each axis.
 */
export function sliceFits(points: ScalingPoint[]): SliceFit[] {
  const out: SliceFit[] = [];
  const stores = [...new Set(points.map((p) => p.store))];
  for (const store of stores) {
    const ps = points.filter((p) => p.store === store);
    const Ns = [...new Set(ps.map((p) => p.parameters))].sort((a, b) => a - b);
    const ref = { N: Ns[Math.floor(Ns.length / 2)], n: Math.max(...ps.map((p) => p.bits)), Delta: Math.min(...ps.map((p) => p.updateInterval)) };
    const axes: ['N' | 'n' | 'Delta', (p: ScalingPoint) => number][] = [
      ['N', (p) => p.parameters],
      ['n', (p) => p.bits],
      ['Delta', (p) => p.updateInterval],
    ];
    for (const [axis, value] of axes) {
      const keep = ps.filter((p) => (axis === 'N' || p.parameters === ref.N) && (axis === 'n' || p.bits === ref.n) && (axis === 'Delta' || p.updateInterval === ref.Delta));
      if (new Set(keep.map(value)).size < 2) continue;
      const x = keep.map((p) => Math.log(value(p)));
      const y = keep.map((p) => Math.log(p.perParameterUpdate));
      const se = keep.map((p) => p.perParameterUpdateSe / p.perParameterUpdate);
      const fit = weightedLinearFit(x, y, se);
      const at: Record<string, number> = {};
      if (axis !== 'N') at.N = ref.N;
      if (axis !== 'n') at.n = ref.n;
      if (axis !== 'Delta') at.Delta = ref.Delta;
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
    const at = Object.entries(s.at).map(([k, v]) => `${k} = ${v}`).join(', ');
    lines.push(
      `  ${s.store}: q ~ ${s.axis}^(${s.exponent.toFixed(3)} ± ${s.exponentSe.toFixed(3)}) at ${at}; chi^2/dof = ${s.chi2.toFixed(1)}/${s.dof}, p = ${sci(s.pValue)}` +
        (s.boundExponent !== undefined ? `; LIM bound ~ ${s.axis}^${s.boundExponent.toFixed(3)}` : ''),
    );
  }
  return lines.join('\n') + '\n';
}
