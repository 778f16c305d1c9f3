import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TimeseriesPoint } from '../engines/problem.js';
import type { Dataset } from '../learning/dataset-types.js';
import { writeFileAtomic } from './files.js';

/** A CSV field: numbers at full precision (round-trip), strings quoted when needed. */
function csvField(value: number | string): string {
  if (typeof value === 'number') return String(value);
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsv(header: string[], rows: (number | string)[][]): string {
  return [header.map(csvField).join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
}

/**
 * The ensemble-mean timeseries as CSV: time, work, heat, energy (kT), occupancy
 * per state, protocol parameters (in their own units: kT, kT per length, length).
 */
export function timeseriesCsv(points: TimeseriesPoint[]): string {
  const states = points[0]?.occupancy.length ?? 0;
  const parameterNames = Object.keys(points[0]?.parameters ?? {});
  const header = [
    'time',
    'work_kT_mean',
    'heat_kT_mean',
    'energy_kT_mean',
    ...Array.from({ length: states }, (_, k) => `occupancy_${k}`),
    ...parameterNames,
  ];
  const rows = points.map((p) => [p.t, p.work, p.heat, p.energy, ...p.occupancy, ...parameterNames.map((n) => p.parameters[n])]);
  return toCsv(header, rows);
}

export interface Histogram {
  lower: number[];
  upper: number[];
  count: number[];
}

/** Equal-width histogram over [min, max] of the values. */
export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  if (!(hi > lo)) {
    hi = lo + 1;
  }
  const width = (hi - lo) / bins;
  const count = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) count[Math.min(bins - 1, Math.floor((values[i] - lo) / width))]++;
  return {
    lower: count.map((_, k) => lo + k * width),
    upper: count.map((_, k) => lo + (k + 1) * width),
    count,
  };
}

/**
 * Per-trajectory ledger as CSV (record.trajectories: true): one row per
 * trajectory with its work, heat released, energy change (kT, dU = W - Q per
 * trajectory), final memory state and, for continuous potentials, its initial
 * and final position (in the potential's length unit).
 */
export function trajectoriesCsv(t: {
  work: ArrayLike<number>;
  heat: ArrayLike<number>;
  energyChange: ArrayLike<number>;
  finalState: ArrayLike<number>;
  initialPosition?: ArrayLike<number>;
  finalPosition?: ArrayLike<number>;
}): string {
  const positions = t.initialPosition !== undefined && t.finalPosition !== undefined;
  const header = ['trajectory', 'work_kT', 'heat_kT', 'energy_change_kT', 'final_state', ...(positions ? ['initial_position', 'final_position'] : [])];
  const rows: (number | string)[][] = [];
  for (let i = 0; i < t.work.length; i++) {
    rows.push([i, t.work[i], t.heat[i], t.energyChange[i], t.finalState[i], ...(positions ? [t.initialPosition![i], t.finalPosition![i]] : [])]);
  }
  return toCsv(header, rows);
}

/**
 * The data a training run used, as CSV: one row per sample with its split
 * (train or test), features (after any standardisation: what the model saw)
 * and target. Column names come from the file for CSV data sets, else x_0, x_1, ...
 */
export function datasetCsv(splits: { train: Dataset; test?: Dataset }): string {
  const { train } = splits;
  const names = (train.featureNames ?? Array.from({ length: train.featureCount }, (_, j) => `x_${j}`)).map((n) => n.replace(/[^A-Za-z0-9_]+/g, '_'));
  const rows: (number | string)[][] = [];
  for (const [split, d] of [['train', train], ['test', splits.test]] as const) {
    if (!d) continue;
    for (let i = 0; i < d.sampleCount; i++) {
      rows.push([split, i, ...Array.from(d.features.subarray(i * d.featureCount, (i + 1) * d.featureCount)), d.targets[i]]);
    }
  }
  return toCsv(['split', 'sample', ...names, 'target'], rows);
}

export function histogramCsv(h: Histogram, unit: string): string {
  return toCsv([`lower_${unit}`, `upper_${unit}`, 'count'], h.count.map((c, k) => [h.lower[k], h.upper[k], c]));
}

/** results/<name>-<stamp>[-k]/: a fresh folder name that does not exist yet. */
export function runFolder(root: string, name: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  let folder = join(root, `${name}-${stamp}`);
  for (let k = 2; existsSync(folder); k++) folder = join(root, `${name}-${stamp}-${k}`);
  return folder;
}

/** Write a set of files into a folder, each atomically (temp file, then rename). */
export function writeFiles(folder: string, files: Record<string, string>): string[] {
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const path = join(folder, name);
    writeFileAtomic(path, text);
    written.push(path);
  }
  return written;
}
