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
import { fitInverseTime, fitQualityText, type LinearFit } from './sweep/fit.js';
import { verdictLines, type Verdict, type VerdictFailure } from './verdict.js';
import { ratioStandardError } from '../thermo/bounds.js';
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
  /** The seed the run or point ran with (fits need independent points). */
  seed?: number;
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
      ...(typeof summary.provenance.seed === 'number' ? { seed: summary.provenance.seed } : {}),
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
    ...(typeof row.seed === 'number' ? { seed: row.seed } : {}),
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
  /** measured / bound (null when the bound is <= 0), and its delta-method SE. */
  ratio: number | null;
  ratioSe: number | null;
  /** measured - bound, kT, and in combined standard errors. */
  excess: number;
  excessSigmas: number | null;
  /** Measured below the bound by more than 4 combined SE. */
  violated: boolean;
  /** holds | violated | not applicable (assumption failed). */
  status: string;
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
        ratioSe: b.ratio === null ? null : ratioStandardError(b.measured, b.measuredSe, b.value, b.boundSe),
        excess: b.excess,
        excessSigmas: combined > 0 ? b.excess / combined : null,
        violated: b.violated,
        status: b.status ?? (b.violated ? 'violated' : 'holds'),
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

/** A group of points over the duration that is not fitted, and why. */
export interface RefusedFit {
  group: string;
  reason: string;
}

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
  return durationFitsWithRefusals(entries, options).fits;
}

/**
 * durationFits, and the groups it refuses: a weighted fit with chi^2 needs
 * independent points, so points that share a seed (an ad-hoc --grid sweep run
 * with --seeds config: common random numbers correlate them) are not fitted.
 */
export function durationFitsWithRefusals(entries: ComparisonEntry[], options: { minDuration?: number } = {}): { fits: DurationFit[]; refused: RefusedFit[] } {
  const refused: RefusedFit[] = [];
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
    const seeds = used.map((e) => e.seed).filter((x): x is number => typeof x === 'number');
    const sampled = used.some((e) => num(e.metrics['heat.se']) > 0 && e.metrics.engine !== 'fokker-planck' && e.metrics.engine !== 'master-equation');
    if (sampled && seeds.length === used.length && new Set(seeds).size < seeds.length) {
      refused.push({
        group,
        reason:
          `the ${used.length} points share seed(s) ${[...new Set(seeds)].join(', ')}: their noise is correlated, so a weighted fit ` +
          `(chi^2, parameter SEs) would treat them as independent when they are not; rerun the sweep with --seeds independent`,
      });
      continue;
    }
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
        ? {
            ...fitInverseTime(durations, means, ses.map(() => 1)),
            interceptSe: NaN,
            slopeSe: NaN,
            covariance: NaN,
            chi2: NaN,
            chi2PerDof: NaN,
            pValue: NaN,
            seScale: 1,
            seScaled: false,
          }
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
  return { fits, refused };
}

// ---------------------------------------------------------------- outputs

export interface Comparison {
  entries: ComparisonEntry[];
  bounds: BoundComparison[];
  fits: DurationFit[];
  /** Groups over the duration not fitted, with the reason (points not independent). */
  refusedFits: RefusedFit[];
  violations: number;
  /** Entries whose own verdict failed (a violated bound, a store that missed its baseline). */
  failedEntries: { source: string; label: string; cause: string }[];
  /** ok when no bound is violated and no entry failed its verdict; `limsim compare` exits 3 otherwise. */
  verdict: Verdict;
}

export function compareResults(paths: string[], options: { minDuration?: number } = {}): Comparison {
  return compareEntries(loadComparisonEntries(paths), options);
}

export function compareEntries(entries: ComparisonEntry[], options: { minDuration?: number } = {}): Comparison {
  const bounds = boundComparisons(entries);
  const { fits, refused } = durationFitsWithRefusals(entries, options);
  const failedEntries = entries
    .filter((e) => e.metrics.verdict === 'failed')
    .map((e) => ({ source: e.source, label: e.label, cause: String(e.metrics.verdict_cause ?? '') }));
  const failures: VerdictFailure[] = [
    ...bounds.filter((b) => b.violated).map((b) => ({ what: `${b.label}: ${b.bound} bound`, cause: `measured ${formatEstimate(b.measured, b.measuredSe)} kT is ${(-(b.excessSigmas ?? -Infinity)).toFixed(1)} combined SE below ${formatNumber(b.value)} kT` })),
    ...failedEntries.filter((e) => !bounds.some((b) => b.violated && b.source === e.source)).map((e) => ({ what: e.label, cause: e.cause })),
  ];
  return {
    entries,
    bounds,
    fits,
    refusedFits: refused,
    violations: bounds.filter((b) => b.violated).length,
    failedEntries,
    verdict: { ok: failures.length === 0, failures },
  };
}

const COLUMNS = [
  'source', 'label', 'bound', 'quantity', 'measured_kT_mean', 'measured_kT_se', 'bound_kT', 'bound_kT_se',
  'ratio', 'excess_kT', 'excess_sigmas', 'violated', 'status', 'reference',
];

export function comparisonCsv(c: Comparison): string {
  return toCsv(
    COLUMNS,
    c.bounds.map((b) => [
      b.source, b.label, b.bound, b.quantity, b.measured, b.measuredSe, b.value, b.boundSe,
      b.ratio ?? '', b.excess, b.excessSigmas ?? '', b.violated ? 'true' : 'false', b.status, b.reference,
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
        verdict: c.verdict,
        bounds: c.bounds,
        refusedFits: c.refusedFits,
        fits: c.fits.map((f) => ({
          group: f.group,
          quantity: f.quantity,
          model: `<${f.quantity === 'heat' ? 'Q' : 'W'}>(tau) = inf + B / tau, weighted least squares`,
          asymptote: { value: f.fit.intercept, se: f.fit.interceptSe },
          B: { value: f.fit.slope, se: f.fit.slopeSe },
          covariance: f.fit.covariance,
          chi2: f.fit.chi2,
          dof: f.fit.dof,
          chi2PerDof: Number.isFinite(f.fit.chi2PerDof) ? f.fit.chi2PerDof : null,
          pValue: Number.isFinite(f.fit.pValue) ? f.fit.pValue : null,
          seScaled: f.fit.seScaled,
          seScale: f.fit.seScale,
          seNote: f.fit.seScaled ? `p < 0.05: parameter SEs scaled by sqrt(chi2/dof) = ${f.fit.seScale.toFixed(3)}` : 'parameter SEs from the point SEs (p >= 0.05)',
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

function ratioText(r: number | null, se: number | null): string {
  if (r === null) return 'n/a';
  return se !== null && se > 0 ? formatEstimate(r, se) : r.toFixed(3);
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
          ratioText(b.ratio, b.ratioSe),
          b.excessSigmas === null ? 'n/a' : b.excessSigmas.toFixed(1),
          b.violated ? 'VIOLATED' : b.status === 'not applicable' ? 'n/a (assumption failed)' : 'no',
        ]),
      ),
    );
  }
  for (const r of c.refusedFits) lines.push('', `${r.group}: no fit: ${r.reason}`);
  for (const f of c.fits) {
    const floor = f.partialFloor;
    lines.push(
      '',
      `${f.group}: <${f.quantity === 'heat' ? 'Q' : 'W'}>(tau) = inf + B/tau over tau = ${[...new Set(f.durations)].join(', ')}`,
      Number.isFinite(f.fit.interceptSe)
        ? `  asymptote = ${formatEstimate(f.fit.intercept, f.fit.interceptSe)} kT, B = ${formatEstimate(f.fit.slope, f.fit.slopeSe)} kT·time; ${fitQualityText(f.fit)}`
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
  lines.push(...verdictLines(c.verdict));
  return lines.join('\n') + '\n';
}

/** Stable text id of a comparison group, for file names. */
export function groupSlug(group: string): string {
  const slug = group.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  return slug || 'group';
}
