import type { EngineResult } from '../../engines/problem.js';
import { buildPotential, type PotentialSpec } from '../../physics/potentials.js';
import { applicableBounds, type BoundReport } from '../../thermo/bounds.js';
import { levelEntropy } from '../../thermo/estimators.js';
import { problemOf } from '../config.js';
import type { AnyConfig, AnyRun } from '../dispatch.js';
import type { PhysicsSummary } from '../run.js';
import type { TrainingSummary } from '../training-run.js';
import { verdictCause, type Verdict } from '../verdict.js';

/**
 * A finished run flattened to one row of scalar metrics: what a sweep appends
 * to results.csv / results.jsonl and what `limsim compare` reads. The switch
 * on the config kind is the one place a new kind (training) adds its metrics.
 *
 * Metric names are dotted: `heat.mean`, `heat.se` (kT), `finalOccupancy[1]`,
 * `bound.landauer.value`. Energies are in kT; `kTJoules` converts to J.
 */
export type Scalar = number | string | boolean | null;
export type Metrics = Record<string, Scalar>;

/** A bound as stored in a row: BoundReport without the nested estimate. */
export interface RowBound {
  name: string;
  quantity: string;
  /** Lower bound, kT. */
  value: number;
  boundSe: number;
  /** Measured mean and SE of the constrained quantity, kT. */
  measured: number;
  measuredSe: number;
  excess: number;
  /** measured / bound; null when the bound is <= 0. */
  ratio: number | null;
  /** Measured below the bound by more than 4 combined SE. */
  violated: boolean;
  source: string;
  assumptions: string;
  /** holds | violated | not applicable (rows written before the assumption checks have none). */
  status?: string;
  /** The assumptions that failed (a not-applicable bound). */
  failedAssumptions?: string[];
}

/** Every bound name a row may carry (physics), in column order. */
export const BOUND_NAMES = ['second-law', 'clausius', 'landauer', 'finite-time'] as const;

export interface RunRow {
  kind: string;
  metrics: Metrics;
  bounds: RowBound[];
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function rowBound(b: BoundReport): RowBound {
  return {
    name: b.name,
    quantity: b.quantity,
    value: b.bound,
    boundSe: b.boundSe,
    measured: b.measured.mean,
    measuredSe: b.measured.se,
    excess: b.excess,
    ratio: finiteOrNull(b.ratio),
    violated: b.violated,
    source: b.source,
    assumptions: b.assumptions,
    status: b.status,
    failedAssumptions: b.failedAssumptions,
  };
}

/** The verdict columns of a row: `verdict` (ok | failed) and `verdict_cause` ('' when ok). */
function verdictMetrics(verdict: Verdict | undefined, bounds: RowBound[]): Metrics {
  const v: Verdict = verdict ?? {
    ok: !bounds.some((b) => b.violated),
    failures: bounds.filter((b) => b.violated).map((b) => ({ what: `${b.name} bound`, cause: `measured ${b.measured} below ${b.value} beyond 4 SE` })),
  };
  return { verdict: v.ok ? 'ok' : 'failed', verdict_cause: verdictCause(v) };
}

/** Metrics of a physics run from its summary (the same names whether from a sweep worker or a summary.json). */
export function physicsMetrics(summary: PhysicsSummary, bounds: RowBound[]): Metrics {
  const r = summary.results;
  const p = summary.provenance;
  const m: Metrics = {
    duration: p.config.time.duration,
    dt: p.dt,
    steps: p.steps,
    replicas: p.replicas,
    engine: p.engine,
    temperatureK: p.temperatureK,
    kTJoules: summary.units.kTJoules,
    'work.mean': r.work.mean,
    'work.se': r.work.se,
    'heat.mean': r.heat.mean,
    'heat.se': r.heat.se,
    'energyChange.mean': r.energyChange.mean,
    'energyChange.se': r.energyChange.se,
    freeEnergyChange: r.freeEnergyChange.value,
    'jarzynski.mean': r.jarzynskiFreeEnergy ? r.jarzynskiFreeEnergy.mean : null,
    'jarzynski.se': r.jarzynskiFreeEnergy ? r.jarzynskiFreeEnergy.se : null,
    firstLawResidual: r.firstLawResidual,
  };
  r.initialOccupancy.forEach((v, k) => (m[`initialOccupancy[${k}]`] = v));
  r.finalOccupancy.forEach((v, k) => (m[`finalOccupancy[${k}]`] = v));
  if (r.finalOccupancy.length >= 2) {
    // Error probability of a write or erase: the mass outside the most occupied state.
    m.errorProbability = 1 - Math.max(...r.finalOccupancy);
    m.finalStateEntropy = levelEntropy(r.finalOccupancy);
  }
  for (const name of BOUND_NAMES) {
    const b = bounds.find((x) => x.name === name);
    m[`bound.${name}.value`] = b ? b.value : null;
    m[`bound.${name}.ratio`] = b ? b.ratio : null;
    m[`bound.${name}.violated`] = b ? b.violated : null;
  }
  Object.assign(m, verdictMetrics((summary as Partial<PhysicsSummary>).verdict, bounds));
  return m;
}

/** The row of a finished run: metrics plus every applicable bound. */
export function runRow(run: AnyRun): RunRow {
  switch (run.kind) {
    case 'physics': {
      const { summary, result, problem } = run.run;
      // The run's own bounds (as `limsim run` reports them); computed here if a summary lacks them.
      const reports = Array.isArray(summary.bounds) ? summary.bounds : applicableBounds(problem, result);
      const bounds = reports.map(rowBound);
      return { kind: 'physics', metrics: physicsMetrics(summary, bounds), bounds };
    }
    case 'training': {
      const bounds = trainingBounds(run.run.summary);
      return { kind: 'training', metrics: trainingMetrics(run.run.summary), bounds };
    }
    // A new config kind adds its case here (and in metricColumns): docs/cluster.md, "Row metrics".
    default:
      return exhaustive(run);
  }
}

/**
 * Metrics of a training run: the task (training time, updates, parameters)
 * and, per store (memory scheme) s, `store.<s>.heat.mean` / `.se` (total heat
 * per copy, kT), `store.<s>.finalLoss.mean` / `.se`, accuracy, the store's
 * bound and its ratio, and the heat over the run's LIM bound.
 */
export function trainingMetrics(summary: TrainingSummary): Metrics {
  const t = summary.task;
  const m: Metrics = {
    trainingTime: t.trainingTime,
    updates: t.updates,
    updateInterval: t.updateInterval,
    parameters: t.parameters,
    copies: t.copies,
    temperatureK: summary.provenance.temperatureK,
    kTJoules: summary.units.kTJoules,
    'floatBaseline.finalLoss': summary.floatBaseline.finalLoss,
    stores: summary.stores.map((s) => s.name).join(' '),
  };
  // The known optimum and the unconverged-baseline warnings (training-run.ts), when the run has them.
  if (summary.floatBaseline.optimumLoss !== undefined) m['floatBaseline.optimumLoss'] = summary.floatBaseline.optimumLoss;
  if (summary.warnings?.length) m.warnings = summary.warnings.join(' | ');
  for (const s of summary.stores) {
    const k = `store.${s.name}`;
    m[`${k}.kind`] = s.kind;
    m[`${k}.heat.mean`] = s.heat.total.mean;
    m[`${k}.heat.se`] = s.heat.total.se;
    m[`${k}.heatPerUpdate.mean`] = s.heat.perUpdate.mean;
    m[`${k}.finalLoss.mean`] = s.finalLoss.mean;
    m[`${k}.finalLoss.se`] = s.finalLoss.se;
    m[`${k}.finalAccuracy.mean`] = s.finalAccuracy ? s.finalAccuracy.mean : null;
    m[`${k}.matchesFloat`] = s.matchesFloat;
    // The precision the store ran at (given, or calibrated from the task: src/learning/precision.ts).
    m[`${k}.bits`] = (s as Partial<typeof s>).bits ?? null;
    m[`${k}.bitsCalibrated`] = s.precision !== undefined;
    m[`${k}.pathHeatModel`] = s.pathHeatModel ?? null;
    m[`${k}.bound.name`] = s.bound.name;
    m[`${k}.bound.value`] = s.bound.value;
    m[`${k}.bound.ratio`] = s.bound.ratio;
    m[`${k}.bound.violated`] = s.bound.violated;
    m[`${k}.limBoundRatio`] = s.limBoundRatio;
  }
  Object.assign(m, verdictMetrics((summary as Partial<TrainingSummary>).verdict, trainingBounds(summary)));
  return m;
}

/** Each store's total heat held against the store's applicable bound. */
export function trainingBounds(summary: TrainingSummary): RowBound[] {
  return summary.stores.map((s) => {
    const measured = s.heat.total;
    return {
      name: `${s.name}: ${s.bound.name}`,
      quantity: 'heat',
      value: s.bound.value,
      boundSe: s.bound.boundSe ?? 0,
      measured: measured.mean,
      measuredSe: measured.se,
      excess: measured.mean - s.bound.value,
      ratio: s.bound.ratio,
      violated: s.bound.violated,
      source: 'docs/lim-bounds.md (store bounds, src/learning/stores)',
      assumptions: `total heat per training copy of store ${s.name} (${s.kind})`,
    };
  });
}

/** Compile-time check that every config kind has a case above. */
function exhaustive(value: never): never {
  throw new Error(`sweep rows: config kind ${String((value as { kind?: unknown }).kind)} has no row extractor`);
}

/** Memory states of a continuous potential; 0 when it cannot be built here (occupancy columns then come with the rows). */
function predictedStateCount(potential: unknown): number {
  try {
    return buildPotential(potential as PotentialSpec).stateCount;
  } catch {
    return 0;
  }
}

/** Metric columns a config's row will have, known before it runs (CSV headers are written first). */
export function metricColumns(config: AnyConfig): string[] {
  switch (config.kind) {
    case 'physics': {
      const states = predictedStateCount(config.loaded.config.potential);
      const columns = [
        'duration', 'dt', 'steps', 'replicas', 'engine', 'temperatureK', 'kTJoules',
        'work.mean', 'work.se', 'heat.mean', 'heat.se', 'energyChange.mean', 'energyChange.se',
        'freeEnergyChange', 'jarzynski.mean', 'jarzynski.se', 'firstLawResidual',
      ];
      for (let k = 0; k < states; k++) columns.push(`initialOccupancy[${k}]`);
      for (let k = 0; k < states; k++) columns.push(`finalOccupancy[${k}]`);
      if (states >= 2) columns.push('errorProbability', 'finalStateEntropy');
      for (const name of BOUND_NAMES) columns.push(`bound.${name}.value`, `bound.${name}.ratio`, `bound.${name}.violated`);
      columns.push('verdict', 'verdict_cause');
      return columns;
    }
    case 'training':
      // Per-store columns depend on the store names the factory gives; they join the CSV with the rows.
      return ['trainingTime', 'updates', 'updateInterval', 'parameters', 'copies', 'temperatureK', 'kTJoules', 'floatBaseline.finalLoss', 'stores', 'verdict', 'verdict_cause'];
    default:
      return exhaustive(config);
  }
}

/**
 * Bounds of a run known only by its summary.json (no per-trajectory arrays):
 * rebuild the Problem from the config and an EngineResult from the summary's
 * estimates. The finite-time bound needs sampled positions and is left out.
 */
export function boundsFromSummary(summary: PhysicsSummary): RowBound[] {
  const stored = (summary as unknown as { bounds?: unknown }).bounds;
  if (Array.isArray(stored)) return (stored as BoundReport[]).map((b) => ('bound' in b ? rowBound(b) : (b as unknown as RowBound)));
  const r = summary.results;
  const problem = problemOf(summary.provenance.config);
  const result: EngineResult = {
    engine: summary.provenance.engine as EngineResult['engine'],
    work: r.work,
    heat: r.heat,
    energyChange: r.energyChange,
    initialOccupancy: r.initialOccupancy,
    finalOccupancy: r.finalOccupancy,
    timeseries: [],
  };
  return applicableBounds(problem, result).map(rowBound);
}

/**
 * A rough relative cost of running a config (particle-steps for physics,
 * copies x updates for training), so a sweep can start the longest points
 * first (longest-processing-time scheduling keeps the workers busy to the end).
 */
export function estimatedCost(config: AnyConfig): number {
  switch (config.kind) {
    case 'physics': {
      const c = config.loaded.config;
      return (c.time.duration / c.time.dt) * c.replicas;
    }
    case 'training': {
      const t = config.loaded.config.training;
      return t.updates * t.copies * config.loaded.config.stores.length;
    }
    default:
      return exhaustive(config);
  }
}

/** Metric name segments that are energies in kT: their CSV columns carry `_kT`. */
const ENERGY_SEGMENTS = new Set(['work', 'heat', 'energyChange', 'jarzynski', 'heatPerUpdate', 'freeEnergyChange', 'firstLawResidual', 'excess', 'measured']);

const snake = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9_]+/g, '_').toLowerCase();

/**
 * The CSV column of a metric or grid key: snake_case with the unit, the one
 * naming every CSV limsim writes (docs/python.md). Energies carry `_kT` before
 * the statistic (`heat.mean` -> `heat_kT_mean`, `heat.se` -> `heat_kT_se`,
 * `freeEnergyChange` -> `free_energy_change_kT`); a bound's value is its
 * energy (`bound.landauer.value` -> `bound_landauer_kT`, `bound.landauer.se`
 * -> `bound_landauer_kT_se`); indices become suffixes
 * (`finalOccupancy[1]` -> `final_occupancy_1`). A new numeric field gets its
 * column from the same rules.
 */
export function csvColumnName(metric: string): string {
  const special: Record<string, string> = { temperatureK: 'temperature_K', kTJoules: 'kT_J', finalStateEntropy: 'final_state_entropy_nats', jarzynski: 'jarzynski_free_energy_kT' };
  if (metric in special) return special[metric];
  const segments = metric.split(/\.|\[|\]/).filter((s) => s !== '');
  const out: string[] = [];
  segments.forEach((seg, i) => {
    const prev = segments[i - 1];
    if (seg === 'jarzynski') out.push('jarzynski_free_energy_kT');
    else if (ENERGY_SEGMENTS.has(seg)) out.push(`${snake(seg)}${i === segments.length - 1 || ['mean', 'se'].includes(segments[i + 1]) ? '_kT' : ''}`);
    else if (seg === 'value' && prev !== undefined && segments[i - 2] === 'bound') out.push('kT');
    else if (seg === 'value' && prev === 'bound') out.push('kT');
    else if (seg === 'se' && segments[i - 2] === 'bound' && segments[i - 1] !== undefined) out.push('kT_se');
    else out.push(snake(seg));
  });
  return out.join('_').replace(/_+/g, '_');
}
