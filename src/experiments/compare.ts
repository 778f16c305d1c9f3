/**
 * `limsim compare`: empirical against theoretical dissipation, per run folder
 * (summary.json) or per sweep point (results.jsonl). For every entry and
 * every applicable bound (thermo/bounds.ts): measured +- SE, the bound, the
 * ratio, the excess in combined standard errors, and a violation flag (the
 * measured mean more than 4 combined SE below the bound). Sweeps over the
 * protocol duration also get the fit <Q>(tau) = Q_inf + B/tau (sweep/fit.ts),
 * held against kT ln 2 and the partial-erasure floor kT (ln 2 - H(eps)) at
 * the error eps reached by the slowest protocol.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
import { LN2 } from '../physics/units.js';
import { toCsv } from '../report/results.js';
import { formatEstimate, formatNumber, textTable } from '../report/format.js';
import type { PhysicsSummary } from './run.js';
import type { TrainingSummary } from './training-run.js';
import { fitInverseTime, type LinearFit } from './sweep/fit.js';
import { boundsFromSummary, physicsMetrics, trainingBounds, trainingMetrics, type Metrics, type RowBound } from './sweep/rows.js';
import { MANIFEST, readRows, ROWS_JSONL, type SweepManifest } from './sweep/store.js';
import { loadSweepFolder } from './sweep.js';

/** One run or sweep point to compare. */
export interface ComparisonEntry {
  /** Path of the run folder, or `<sweep folder>#<point index>`. */
  source: string;
  /** Run name, or the point's grid assignment. */
  label: string;
  kind: string;
  /** Grid assignment of a sweep point ({} for a run). */
  params: Record<string, unknown>;
  metrics: Metrics;
  bounds: RowBound[];
  /** The sweep's duration field (time scaling) for sweep points. */
  sweep?: { id: string; name: string; index: number; dir: string };
}

function paramsLabel(params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return parts.length > 0 ? parts.join(' ') : '(base)';
}

function entriesFromSummary(path: string): ComparisonEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(path, `is not valid JSON: ${(err as Error).message}`);
  }
  if ((data as { kind?: unknown })?.kind === 'training') {
    const training = data as TrainingSummary;
    if (!Array.isArray(training.stores) || !training.task) throw new ConfigError(path, 'is not a training run summary (expected task and stores)');
    return [{ source: dirname(path), label: training.name, kind: 'training', params: {}, metrics: trainingMetrics(training), bounds: trainingBounds(training) }];
  }
  const summary = data as PhysicsSummary;
  if (!summary?.provenance?.config || !summary.results) {
    throw new ConfigError(path, 'is not a physics run summary (expected provenance.config and results)');
  }
  const bounds = boundsFromSummary(summary);
  return [
    {
      source: dirname(path),
      label: summary.name,
      kind: 'physics',
      params: {},
      metrics: physicsMetrics(summary, bounds),
      bounds,
    },
  ];
}

function entriesFromSweep(path: string): ComparisonEntry[] {
  const isFile = statSync(path).isFile();
  const dir = isFile ? dirname(path) : path;
  let rows;
  let manifest: SweepManifest | undefined;
  if (existsSync(join(dir, MANIFEST))) ({ manifest, rows } = loadSweepFolder(path));
  else rows = readRows(isFile ? path : join(dir, ROWS_JSONL)).rows;
  return rows.map((row) => ({
    source: `${dir}#${row.index}`,
    label: paramsLabel(row.params),
    kind: row.kind,
    params: row.params,
    metrics: row.metrics,
    bounds: row.bounds,
    sweep: { id: row.sweep, name: manifest?.name ?? basename(dir), index: row.index, dir },
  }));
}

/** Load runs and sweep points from folders or files: run folder, summary.json, sweep folder, results.jsonl. */
export function loadComparisonEntries(paths: string[]): ComparisonEntry[] {
  if (paths.length === 0) throw new ConfigError('compare', 'got no results; expected run folders, summary.json files, sweep folders or results.jsonl files');
  const entries: ComparisonEntry[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new ConfigError(path, 'does not exist; expected a run folder, a sweep folder, summary.json or results.jsonl');
    const stat = statSync(path);
    if (stat.isDirectory()) {
      if (existsSync(join(path, 'summary.json'))) entries.push(...entriesFromSummary(join(path, 'summary.json')));
      else if (existsSync(join(path, MANIFEST)) || existsSync(join(path, ROWS_JSONL))) entries.push(...entriesFromSweep(path));
      else throw new ConfigError(path, 'holds neither summary.json (a run) nor sweep.json / results.jsonl (a sweep)');
    } else if (path.endsWith('.jsonl')) entries.push(...entriesFromSweep(path));
    else if (path.endsWith('.json')) entries.push(...entriesFromSummary(path));
    else throw new ConfigError(path, 'is not a results file; expected summary.json or results.jsonl');
  }
  return entries;
}

// ---------------------------------------------------------------- bound table

export interface BoundComparison {
  source: string;
  label: string;
  bound: string;
  quantity: string;
  /** Measured mean and SE of the quantity the bound constrains, kT. */
  measured: number;
  measuredSe: number;
  /** The bound and its SE (when estimated from measured occupancies), kT. */
  value: number;
  boundSe: number;
  /** measured / bound (null when the bound is <= 0). */
  ratio: number | null;
  /** measured - bound, kT, and in combined standard errors. */
  excess: number;
  excessSigmas: number | null;
  /** Measured below the bound by more than 4 combined SE. */
  violated: boolean;
  reference: string;
}

export function boundComparisons(entries: ComparisonEntry[]): BoundComparison[] {
  const out: BoundComparison[] = [];
  for (const e of entries) {
    for (const b of e.bounds) {
      const combined = Math.hypot(b.measuredSe, b.boundSe);
      out.push({
        source: e.source,
        label: e.label,
        bound: b.name,
        quantity: b.quantity,
        measured: b.measured,
        measuredSe: b.measuredSe,
        value: b.value,
        boundSe: b.boundSe,
        ratio: b.ratio,
        excess: b.excess,
        excessSigmas: combined > 0 ? b.excess / combined : null,
        violated: b.violated,
        reference: b.source,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------- tau fits

export interface DurationFit {
  /** The entries' shared parameters other than the duration (and seed). */
  group: string;
  quantity: 'heat' | 'work';
  durations: number[];
  means: number[];
  ses: number[];
  fit: LinearFit;
  /** kT ln 2 and the partial-erasure floor at the slowest protocol's error, kT. */
  landauer: number;
  partialFloor: { value: number; se: number; duration: number; errorProbability: number | null } | null;
  /** (Q_inf - floor) / combined SE. */
  sigmasFromLandauer: number;
  sigmasFromPartialFloor: number | null;
}

const DURATION_KEYS = new Set(['time.duration', 'seed']);

function groupKey(e: ComparisonEntry): string {
  if (!e.sweep) return e.label;
  const rest = Object.entries(e.params).filter(([k]) => !DURATION_KEYS.has(k));
  return rest.length > 0 ? `${e.sweep.name}: ${paramsLabel(Object.fromEntries(rest))}` : e.sweep.name;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/**
 * Fit Q_inf + B/tau per group of physics entries that differ only in the
 * duration (and seed), for groups with >= 3 distinct durations >= minDuration.
 */
export function durationFits(entries: ComparisonEntry[], options: { minDuration?: number } = {}): DurationFit[] {
  const groups = new Map<string, ComparisonEntry[]>();
  for (const e of entries) {
    if (e.kind !== 'physics' || !(num(e.metrics.duration) > 0)) continue;
    const k = groupKey(e);
    groups.set(k, [...(groups.get(k) ?? []), e]);
  }
  const fits: DurationFit[] = [];
  for (const [group, members] of groups) {
    const used = members
      .filter((e) => num(e.metrics.duration) >= (options.minDuration ?? 0))
      .sort((a, b) => num(a.metrics.duration) - num(b.metrics.duration));
    if (new Set(used.map((e) => num(e.metrics.duration))).size < 3) continue;
    const slowest = used[used.length - 1];
    const landauerBound = slowest.bounds.find((b) => b.name === 'landauer');
    const partialFloor = landauerBound
      ? {
          value: landauerBound.value,
          se: landauerBound.boundSe,
          duration: num(slowest.metrics.duration),
          errorProbability: typeof slowest.metrics.errorProbability === 'number' ? slowest.metrics.errorProbability : null,
        }
      : null;
    for (const quantity of ['heat', 'work'] as const) {
      const durations = used.map((e) => num(e.metrics.duration));
      const means = used.map((e) => num(e.metrics[`${quantity}.mean`]));
      const ses = used.map((e) => num(e.metrics[`${quantity}.se`]));
      if (means.some((m) => !Number.isFinite(m))) continue;
      // Exact engines (Fokker-Planck, master equation) report SE = 0: an unweighted
      // fit of the curve, with no statistical SE (NaN) and no chi^2.
      const exact = ses.every((s) => s === 0);
      if (!exact && ses.some((s) => !(s > 0))) continue;
      const fit = exact
        ? { ...fitInverseTime(durations, means, ses.map(() => 1)), interceptSe: NaN, slopeSe: NaN, covariance: NaN, chi2: NaN, pValue: NaN }
        : fitInverseTime(durations, means, ses);
      fits.push({
        group,
        quantity,
        durations,
        means,
        ses,
        fit,
        landauer: LN2,
        partialFloor,
        sigmasFromLandauer: exact ? NaN : (fit.intercept - LN2) / fit.interceptSe,
        sigmasFromPartialFloor: partialFloor && !exact ? (fit.intercept - partialFloor.value) / Math.hypot(fit.interceptSe, partialFloor.se) : null,
      });
    }
  }
  return fits;
}

// ---------------------------------------------------------------- outputs

export interface Comparison {
  entries: ComparisonEntry[];
  bounds: BoundComparison[];
  fits: DurationFit[];
  violations: number;
}

export function compareResults(paths: string[], options: { minDuration?: number } = {}): Comparison {
  return compareEntries(loadComparisonEntries(paths), options);
}

export function compareEntries(entries: ComparisonEntry[], options: { minDuration?: number } = {}): Comparison {
  const bounds = boundComparisons(entries);
  return { entries, bounds, fits: durationFits(entries, options), violations: bounds.filter((b) => b.violated).length };
}

const COLUMNS = [
  'source', 'label', 'bound', 'quantity', 'measured_kT_mean', 'measured_kT_se', 'bound_kT', 'bound_kT_se',
  'ratio', 'excess_kT', 'excess_sigmas', 'violated', 'reference',
];

export function comparisonCsv(c: Comparison): string {
  return toCsv(
    COLUMNS,
    c.bounds.map((b) => [
      b.source, b.label, b.bound, b.quantity, b.measured, b.measuredSe, b.value, b.boundSe,
      b.ratio ?? '', b.excess, b.excessSigmas ?? '', b.violated ? 'true' : 'false', b.reference,
    ]),
  );
}

export function comparisonJson(c: Comparison): string {
  return (
    JSON.stringify(
      {
        units: { energy: 'kT', time: 'gamma * length^2 / kT' },
        violationRule: 'measured mean more than 4 combined standard errors below the bound',
        violations: c.violations,
        bounds: c.bounds,
        fits: c.fits.map((f) => ({
          group: f.group,
          quantity: f.quantity,
          model: `<${f.quantity === 'heat' ? 'Q' : 'W'}>(tau) = inf + B / tau, weighted least squares`,
          asymptote: { value: f.fit.intercept, se: f.fit.interceptSe },
          B: { value: f.fit.slope, se: f.fit.slopeSe },
          covariance: f.fit.covariance,
          chi2: f.fit.chi2,
          dof: f.fit.dof,
          pValue: Number.isFinite(f.fit.pValue) ? f.fit.pValue : null,
          landauer: f.landauer,
          partialErasureFloor: f.partialFloor,
          sigmasFromLandauer: f.sigmasFromLandauer,
          sigmasFromPartialFloor: f.sigmasFromPartialFloor,
          points: f.durations.map((d, i) => ({ duration: d, mean: f.means[i], se: f.ses[i] })),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}

function ratioText(r: number | null): string {
  return r === null ? 'n/a' : r.toFixed(3);
}

/** The terminal table: one line per (entry, bound), then the fits. */
export function comparisonTable(c: Comparison): string {
  const lines: string[] = [];
  if (c.bounds.length === 0) lines.push('no applicable bounds in these results');
  else {
    lines.push(
      textTable(
        ['run / point', 'bound', 'quantity', 'measured kT', 'bound kT', 'ratio', 'excess/SE', 'violated'],
        c.bounds.map((b) => [
          b.label,
          b.bound,
          b.quantity,
          formatEstimate(b.measured, b.measuredSe),
          b.boundSe > 0 ? formatEstimate(b.value, b.boundSe) : formatNumber(b.value),
          ratioText(b.ratio),
          b.excessSigmas === null ? 'n/a' : b.excessSigmas.toFixed(1),
          b.violated ? 'VIOLATED' : 'no',
        ]),
      ),
    );
  }
  for (const f of c.fits) {
    const floor = f.partialFloor;
    lines.push(
      '',
      `${f.group}: <${f.quantity === 'heat' ? 'Q' : 'W'}>(tau) = inf + B/tau over tau = ${[...new Set(f.durations)].join(', ')}`,
      Number.isFinite(f.fit.interceptSe)
        ? `  asymptote = ${formatEstimate(f.fit.intercept, f.fit.interceptSe)} kT, B = ${formatEstimate(f.fit.slope, f.fit.slopeSe)} kT·time, chi2 = ${f.fit.chi2.toFixed(2)} / ${f.fit.dof} dof (p = ${Number.isFinite(f.fit.pValue) ? f.fit.pValue.toFixed(3) : 'n/a'})`
        : `  asymptote = ${formatNumber(f.fit.intercept)} kT, B = ${formatNumber(f.fit.slope)} kT·time (exact data, unweighted fit: no SE)`,
    );
    if (floor && !Number.isFinite(f.fit.interceptSe)) {
      lines.push(`  kT ln 2 = ${LN2.toFixed(4)}; partial-erasure floor ln 2 - H(eps) = ${formatNumber(floor.value)} (eps = ${floor.errorProbability?.toPrecision(3)} at tau = ${formatNumber(floor.duration)})`);
    }
    if (floor && f.sigmasFromPartialFloor !== null) {
      lines.push(
        `  vs kT ln 2 = ${LN2.toFixed(4)}: ${f.sigmasFromLandauer.toFixed(2)} SE; vs partial-erasure floor ln 2 - H(eps) = ${formatEstimate(floor.value, floor.se)} ` +
          `(eps = ${floor.errorProbability?.toPrecision(3)} at tau = ${formatNumber(floor.duration)}): ${f.sigmasFromPartialFloor.toFixed(2)} SE`,
      );
    }
  }
  lines.push('', `${c.violations} violation(s) (a measured mean more than 4 combined SE below its bound)`);
  return lines.join('\n') + '\n';
}

/** Stable text id of a comparison group, for file names. */
export function groupSlug(group: string): string {
  const slug = group.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return slug || 'group';
}
