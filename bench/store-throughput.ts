/**
 * Parameter-store throughput (issue 11, Build 3): cell-updates per CPU second
 * of the LIM (Monte-Carlo hopping, linearized drive), digital and
 * consolidation stores, each holding N parameters and updated U times by the
 * gradient of a separable quadratic L = sum_i h_i (w_i - w*_i)^2 / 2 (the
 * gradient costs one multiply-add per cell, so the figure is the store's). A
 * cell-update is one parameter's read and update. Also the bytes of store
 * state per cell (typed arrays reachable from the store, over N: measured by
 * walking the store, not asserted), the bytes one checkpoint adds per cell
 * (the LIM store keeps a Float32 snapshot of every copy per checkpoint for
 * its bound: 4 B per cell per checkpoint, on top of the run state), and the
 * same hopping update in C (bench/hopping.c, gcc -O3) for the ratio.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import { calibrateBitWrite, DEFAULT_WRITE_PULSE } from '../src/memory/bit-write.js';
import { createStore, type ParameterStore, type StoreSpec } from '../src/learning/stores/index.js';

export interface StoreThroughput {
  store: string;
  /** Wall time of the timed updates, s. */
  wallSeconds: number;
  parameters: number;
  updates: number;
  cpuSeconds: number;
  cellUpdatesPerSecond: number;
  /** Typed-array state reachable from the store after the updates, over N (no checkpoint taken). */
  bytesPerCell: number;
  /** What the first checkpoint() adds to that, over N (path accumulators allocated once, plus its snapshot). */
  bytesPerCellFirstCheckpoint: number;
  /** What each further checkpoint() adds, over N, held to the end of the run (measured on the second; run.checkpoints unknown, so every snapshot is kept). */
  bytesPerCellPerCheckpoint: number;
  finalMeanSquareError: number;
}

/** Bytes of typed-array state reachable from an object (each buffer once), over the cell count. */
export function bytesPerCell(root: object, cells: number): number {
  const seen = new Set<unknown>();
  const buffers = new Set<ArrayBufferLike>();
  const walk = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 4) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      buffers.add(value.buffer);
      return;
    }
    for (const key of Object.getOwnPropertyNames(value)) walk((value as Record<string, unknown>)[key], depth + 1);
  };
  walk(root, 0);
  let bytes = 0;
  for (const b of buffers) bytes += b.byteLength;
  return bytes / cells;
}

function quadratic(n: number): { h: Float64Array; optimum: Float64Array } {
  const h = new Float64Array(n);
  const optimum = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    h[i] = 0.5 + ((i * 7919) % 1000) / 1000;
    optimum[i] = 2 * (((i * 104729) % 2001) / 2000 - 0.5);
  }
  return { h, optimum };
}

function timeStore(name: string, spec: StoreSpec, n: number, updates: number): StoreThroughput {
  const { h, optimum } = quadratic(n);
  const run = { parameterCount: n, copies: 1, updates, updateInterval: 1, learningRate: () => 0.05, initialParameters: new Float64Array(n), seed: 1 };
  const calibrations = new Map();
  const store: ParameterStore = createStore(spec, 0, { run, init: { kind: 'model' }, path: `bench.${name}`, calibrations, learningRateSpec: 0.05 });
  const w = new Float64Array(n);
  const g = new Float64Array(n);
  const start = cpuUsage();
  const wall0 = performance.now();
  for (let k = 0; k < updates; k++) {
    store.read(w);
    for (let i = 0; i < n; i++) g[i] = h[i] * (w[i] - optimum[i]);
    store.update(g, k);
  }
  const used = cpuUsage(start);
  const wallSeconds = (performance.now() - wall0) / 1e3;
  const cpuSeconds = (used.user + used.system) / 1e6;
  store.read(w);
  let mse = 0;
  for (let i = 0; i < n; i++) mse += (w[i] - optimum[i]) ** 2 / n;
  const runState = bytesPerCell(store, n);
  store.checkpoint();
  const afterFirst = bytesPerCell(store, n);
  store.checkpoint();
  const perCheckpoint = bytesPerCell(store, n) - afterFirst;
  return {
    store: name,
    wallSeconds,
    parameters: n,
    updates,
    cpuSeconds,
    cellUpdatesPerSecond: (n * updates) / cpuSeconds,
    bytesPerCell: runState,
    bytesPerCellFirstCheckpoint: afterFirst - runState,
    bytesPerCellPerCheckpoint: perCheckpoint,
    finalMeanSquareError: mse,
  };
}

/** The store rows; `updates` per store (1e3 for the full figure). */
export function storeThroughput(n: number, updates: number): StoreThroughput[] {
  // The bit stores' write pulses are calibrated once here (Monte-Carlo, 200 cells), outside the timing.
  const calibration = { engine: 'monte-carlo' as const, replicas: 200 };
  calibrateBitWrite({ barrierHeight: 50, engine: 'monte-carlo', pulse: { ...DEFAULT_WRITE_PULSE, duration: 1 }, replicas: 200, seed: 1 });
  const lim: StoreSpec = {
    kind: 'lim',
    bits: 8,
    range: [-2, 2],
    engine: 'monte-carlo',
    integrator: 'euler-maruyama',
    tiltGain: 400,
    drive: 'linearized',
    annealFraction: 0,
    minBarrier: 2,
    consolidation: { barrier: 40, duration: 2 },
    conventionalBarrier: 50,
  };
  const bit = { bits: 8, range: [-2, 2] as [number, number], rounding: 'stochastic' as const, calibration };
  return [
    timeStore('lim (monte-carlo, linearized drive)', lim, n, updates),
    timeStore('digital', { kind: 'digital', ...bit, retentionBarrier: 50, scheme: 'flip-changed', settlingFraction: 0 }, n, updates),
    timeStore('consolidation', { kind: 'consolidation', ...bit, shortTermBarrier: 8, longTermBarrier: 50, consolidationInterval: 50 }, n, updates),
  ];
}

/** The C reference of the LIM hopping update (bench/hopping.c); null without gcc. */
export function hoppingC(buildDir: string, root: string, n: number, updates: number): { cellUpdatesPerSecond: number; cpuSeconds: number; finalMeanSquareError: number } | null {
  const binary = join(buildDir, 'hopping');
  const build = spawnSync('gcc', ['-O3', '-march=native', '-o', binary, join(root, 'bench', 'hopping.c'), '-lm'], { encoding: 'utf8' });
  if (build.status !== 0) return null;
  const run = spawnSync(binary, [String(n), String(updates)], { encoding: 'utf8' });
  if (run.status !== 0) return null;
  return JSON.parse(run.stdout) as { cellUpdatesPerSecond: number; cpuSeconds: number; finalMeanSquareError: number };
}

// Run alone: `npx tsx bench/store-throughput.ts [N] [updates]` (the full 1e5 x 1e3 figure, wall time included).
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const n = Number(process.argv[2] ?? 100_000);
  const updates = Number(process.argv[3] ?? 1000);
  for (const row of storeThroughput(n, updates)) process.stdout.write(`${JSON.stringify(row)}\n`);
}
