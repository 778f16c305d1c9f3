import { ConfigError } from '../errors.js';

/**
 * A supervised data set held in flat typed arrays, so models read features with
 * plain index arithmetic and no per-sample objects exist.
 */
export type Task = 'regression' | 'binary' | 'multiclass';

export interface Dataset {
  name: string;
  /** Row-major, sampleCount x featureCount: feature j of sample i at i * featureCount + j. */
  features: Float64Array;
  /** One target per sample: a real number (regression), 0 / 1 (binary) or the class 0 .. K-1 (multiclass). */
  targets: Float64Array;
  /** Multiclass only: number of classes K. */
  classCount?: number;
  sampleCount: number;
  featureCount: number;
  task: Task;
  /** Column names, when the data came from a file. */
  featureNames?: string[];
}

/** A data set read from a labelled table (CSV): keeps the raw class of each row. */
export interface LabelledDataset extends Dataset {
  featureNames: string[];
  /** Raw label of each kept row, as written in the file. */
  labels: string[];
  /** Distinct labels of the kept rows, in order of first appearance. */
  classes: string[];
}

/** Sample indices of a mini-batch; null or undefined means the full data set. */
export type SampleBatch = Int32Array | null | undefined;

/** Throws ConfigError at `path` unless `value` is an integer >= min. */
export function requireInteger(path: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(path, `expected an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Throws ConfigError at `path` unless `value` is finite and > 0 (or >= 0 when allowZero). */
export function requirePositive(path: string, value: number, allowZero = false): number {
  const ok = Number.isFinite(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    throw new ConfigError(path, `expected a finite number ${allowZero ? '>= 0' : '> 0'}, got ${String(value)}`);
  }
  return value;
}
