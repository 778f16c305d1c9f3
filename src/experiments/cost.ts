/**
 * What a run will cost, estimated from its config before anything is
 * allocated: memory (per-replica state and records, grids, histograms,
 * timeseries) and work (particle-steps, events, cell-steps, updates), with an
 * ETA at throughputs measured on the reference machine (README,
 * "Performance"). A run over the machine's memory is refused (exit 2, with
 * the estimate); a run over the work budget is refused with its ETA unless
 * --allow-long.
 */
import { totalmem } from 'node:os';
import { ConfigError } from '../errors.js';
import type { AnyConfig } from './dispatch.js';
import type { PhysicsConfig } from './schema.js';

/**
 * Bytes per Langevin replica: position, energy, work, heat, tilt, pending
 * normal (LM), passage time, initial position and energy, and the per-trajectory
 * records (work, heat, energy change) the results keep: 12 float64. The bench
 * measures 56-64 B of kernel state per cell; the rest are the records.
 */
export const LANGEVIN_BYTES_PER_REPLICA = 12 * 8;
/** Monte-Carlo: target, work, heat, booked and initial energy, first jump time, state, records: 12 float64. */
export const MONTE_CARLO_BYTES_PER_REPLICA = 12 * 8;
/** Fokker-Planck: density, energies, fluxes, tridiagonal bands and scratch per cell: ~16 float64. */
export const FOKKER_PLANCK_BYTES_PER_CELL = 16 * 8;
/** Baseline heap of a run (engines, mathjs, V8) that is there whatever the size. */
const BASE_BYTES = 150e6;

/**
 * Throughputs (per second, per thread), measured here with `npm run bench`
 * (README, "Performance"), rounded down so the ETA errs long:
 * Langevin 8.3-9.3 ns per particle-step (WebAssembly kernels; generic sums run
 * on the calling thread and are slower), Monte-Carlo 1.2e7 events/s, Fokker-Planck
 * 2.1e7 cell-steps/s.
 */
export const THROUGHPUT = {
  langevinParticleSteps: 5e7,
  monteCarloReplicaSteps: 5e7,
  fokkerPlanckCellSteps: 1.5e7,
  masterEquationStateSteps: 1e7,
  /** Training: store updates (one parameter word written per update, per copy, per store); measured
   * 1.4e3-5e3 per second on the shipped training configs (MLP to linear models), calibration included. */
  trainingStoreUpdates: 2e3,
};

/** Most points a sweep may have (each is built and validated before the first runs). */
export const MAX_SWEEP_POINTS = 10_000;

/** Work budget: runs estimated longer than this need --allow-long. */
export const WORK_BUDGET_SECONDS = 600;
/** Share of the machine's memory a run may plan to use. */
export const MEMORY_HEADROOM = 0.75;

export interface CostEstimate {
  /** Peak bytes the run is expected to hold. */
  bytes: number;
  /** Units of work, and what they are. */
  work: number;
  workUnit: string;
  /** Estimated seconds at the measured throughput (with the given workers). */
  seconds: number;
  /** One-line description for messages. */
  text: string;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toPrecision(3)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toPrecision(3)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}

export function formatSeconds(seconds: number): string {
  if (seconds >= 86400) return `${(seconds / 86400).toPrecision(3)} days`;
  if (seconds >= 3600) return `${(seconds / 3600).toPrecision(3)} h`;
  if (seconds >= 60) return `${(seconds / 60).toPrecision(3)} min`;
  return `${seconds.toPrecision(2)} s`;
}

function stepsOf(duration: number, dt: number): number {
  return Math.max(1, Math.ceil(duration / dt - 1e-9));
}

/** The Fokker-Planck cells of a config without planning the grid (planning costs work itself): the given count, or a generous default. */
function fokkerPlanckCells(config: PhysicsConfig): number {
  return config.fokkerPlanck?.cells ?? 4000;
}

/** Cost of a physics config with the given replica and worker counts. */
export function physicsCost(config: PhysicsConfig): CostEstimate {
  const steps = stepsOf(config.time.duration, config.time.dt);
  const replicas = config.replicas;
  const workers = Math.max(1, config.workers ?? 1);
  const records = config.record.points * 16 * 8 + 2 * config.record.histogramBins * 3 * 8;
  let bytes = BASE_BYTES + records;
  let work: number;
  let workUnit: string;
  let rate: number;
  switch (config.engine) {
    case 'langevin':
      bytes += replicas * LANGEVIN_BYTES_PER_REPLICA;
      work = replicas * steps;
      workUnit = 'particle-steps';
      rate = THROUGHPUT.langevinParticleSteps * workers;
      break;
    case 'monte-carlo':
      bytes += replicas * MONTE_CARLO_BYTES_PER_REPLICA;
      work = replicas * steps;
      workUnit = 'replica-steps';
      rate = THROUGHPUT.monteCarloReplicaSteps;
      break;
    case 'fokker-planck': {
      const cells = fokkerPlanckCells(config);
      bytes += cells * FOKKER_PLANCK_BYTES_PER_CELL;
      work = cells * steps;
      workUnit = 'FP cell-steps';
      rate = THROUGHPUT.fokkerPlanckCellSteps;
      break;
    }
    case 'master-equation':
    default: {
      const states = 64;
      bytes += states * states * 8;
      work = states * steps;
      workUnit = 'state-steps';
      rate = THROUGHPUT.masterEquationStateSteps;
      break;
    }
  }
  const seconds = work / rate;
  return { bytes, work, workUnit, seconds, text: describe(bytes, work, workUnit, seconds) };
}

function describe(bytes: number, work: number, workUnit: string, seconds: number): string {
  return `estimated ${formatBytes(bytes)} of memory, ${work.toExponential(2)} ${workUnit}, ~${formatSeconds(seconds)}`;
}

/** Cost of any validated config. */
export function configCost(config: AnyConfig): CostEstimate {
  if (config.kind === 'physics') return physicsCost(config.loaded.config);
  const c = config.loaded.config;
  const t = c.training;
  const updates = t.updates * t.copies * c.stores.length;
  // Per copy and store: the parameter words and the recorded curves.
  const bytes = BASE_BYTES + t.copies * c.stores.length * (t.recordPoints * 4 * 8 + 4096);
  const seconds = updates / THROUGHPUT.trainingStoreUpdates;
  return { bytes, work: updates, workUnit: 'store updates', seconds, text: describe(bytes, updates, 'store updates', seconds) };
}

export interface BudgetOptions {
  allowLong?: boolean;
  /** Bytes of memory available (default: os.totalmem() x MEMORY_HEADROOM). */
  memoryBytes?: number;
  budgetSeconds?: number;
  /** Field or flag the refusal is reported under. */
  field?: string;
}

/** Refuse a cost over the machine's memory (always) or over the work budget (unless allowLong). */
export function checkBudget(cost: CostEstimate, options: BudgetOptions = {}): void {
  const memory = options.memoryBytes ?? totalmem() * MEMORY_HEADROOM;
  const field = options.field ?? 'config';
  if (cost.bytes > memory) {
    throw new ConfigError(field, `${cost.text}: more than the ${formatBytes(memory)} this machine can give a run (${Math.round(MEMORY_HEADROOM * 100)} % of ${formatBytes(totalmem())}); reduce replicas, cells or record sizes`);
  }
  const budget = options.budgetSeconds ?? WORK_BUDGET_SECONDS;
  if (!options.allowLong && cost.seconds > budget) {
    throw new ConfigError(field, `${cost.text} (ETA), over the ${formatSeconds(budget)} work budget; pass --allow-long to run it anyway`);
  }
}

/**
 * Cost of a sweep on `workers` threads: each worker holds one point at a time
 * (memory: the largest point times the workers in use); the work is the sum
 * over points, spread over the workers.
 */
export function sweepCost(points: AnyConfig[], workers: number): CostEstimate {
  const costs = points.map(configCost);
  const inUse = Math.max(1, Math.min(workers, costs.length));
  const largest = costs.reduce((m, c) => Math.max(m, c.bytes - BASE_BYTES), 0);
  const bytes = BASE_BYTES * (1 + inUse) + inUse * largest;
  const work = costs.reduce((s, c) => s + c.work, 0);
  const units = [...new Set(costs.map((c) => c.workUnit))].join(' + ') || 'points';
  const seconds = costs.reduce((s, c) => s + c.seconds, 0) / inUse;
  return { bytes, work, workUnit: units, seconds, text: describe(bytes, work, units, seconds) };
}
