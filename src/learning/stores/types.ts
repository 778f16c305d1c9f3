import type { Schedule } from '../../physics/schedules.js';

/**
 * A parameter store: the memory the training loop reads parameters from and
 * writes gradient updates into (docs/physics.md §5). It holds `copies` independent
 * copies of the model's N parameters (copies x N, row-major): the copies train
 * the same task with independent thermal noise, so every reported number has
 * a standard error over them.
 *
 * One update takes `updateInterval` of reduced time, whatever the store (so
 * all stores share the same clock, and leaks act over the same time).
 */
export type StoreKind = 'float' | 'digital' | 'consolidation' | 'lim';

export interface StoreRun {
  /** Model parameters, copies x N. */
  parameterCount: number;
  copies: number;
  /** Number of updates U. */
  updates: number;
  /** Reduced time per update, Delta. */
  updateInterval: number;
  /** Learning rate per update at time t (stores that take a learning rate: float, digital, consolidation). */
  learningRate: Schedule;
  /** Initial parameter values, copies x N. */
  initialParameters: Float64Array;
  seed: number;
  /** How many times checkpoint() will be called, when known: a store then keeps only the snapshots its bound reads. */
  checkpoints?: number;
}

/** Heat released per copy (kT), split by what the memory was doing. */
export interface HeatSplit {
  update: Float64Array;
  consolidation: Float64Array;
  retention: Float64Array;
}

export interface ParameterStore {
  readonly kind: StoreKind;
  readonly name: string;
  /** Parameter values the model sees now (copies x N). */
  read(out: Float64Array): void;
  /** Apply one update from the gradients (copies x N); update k spans [k Delta, (k + 1) Delta]. */
  update(gradient: Float64Array, index: number): void;
  /** Called at evenly spaced checkpoints during training (for path-based bounds). */
  checkpoint(): void;
  /** End of training: consolidation (barrier raise, final copy into long-term memory). */
  finish(): void;
  /** Parameter values after finish() (the stored, consolidated values). */
  readFinal(out: Float64Array): void;
  /** Cumulative heat per copy so far (kT), all phases. */
  cumulativeHeat(out: Float64Array): void;
  heat(): HeatSplit;
  /** Store-specific numbers for the summary (flips, leak events, mobility, ...). */
  diagnostics(): Record<string, unknown>;
  /** Bounds applicable to this store's run, each a lower bound on the mean total heat per copy (kT). */
  bounds(): StoreBounds;
  /** Extra uncertainty (kT) of the mean total heat that copies do not show (e.g. a calibration's SE). */
  systematicHeatSe(): number;
}

export interface StoreBounds {
  /** The bound this store's total heat is held against, kT per copy. */
  applicable: number;
  /** What it is. */
  applicableName: string;
  /** Other reference numbers, kT per copy. */
  [key: string]: number | string | unknown;
}

/** Parameter value <-> level of an n-bit cell over [w_min, w_max]. */
export interface LevelMap {
  bits: number;
  levels: number;
  min: number;
  max: number;
  /** (max - min) / (levels - 1). */
  step: number;
}

export function levelMap(bits: number, min: number, max: number): LevelMap {
  const levels = 2 ** bits;
  return { bits, levels, min, max, step: (max - min) / (levels - 1) };
}

/** Nearest level of a value, clamped to the range. */
export function nearestLevel(map: LevelMap, value: number): number {
  const k = Math.round((value - map.min) / map.step);
  return k < 0 ? 0 : k >= map.levels ? map.levels - 1 : k;
}

export function levelValue(map: LevelMap, level: number): number {
  return map.min + level * map.step;
}
