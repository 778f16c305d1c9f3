/**
 * Parameter-store throughput (issue 11, Build 3): cell-updates per CPU second
 * of the LIM (Monte-Carlo hopping, linearized drive), digital and
 * consolidation stores, each holding N parameters and updated U times by the
 * gradient of a separable quadratic L = sum_i h_i (w_i - w*_i)^2 / 2 (the
 * gradient costs one multiply-add per cell, so the figure is the store's). A
 * cell-update is one parameter's read and update. The run is a training run
 * as trainInStore makes it: RUN_CHECKPOINTS checkpoints at its curve marks
 * (the LIM store keeps its bound's snapshots at the polygon nodes), then
 * finish() (consolidation). Also the bytes per cell of the whole run (typed
 * arrays reachable from the store at its largest, i.e. cells, ledgers, bound
 * snapshots and the initial parameters it was given, plus the loop's parameter
 * and gradient buffers: counted by src/learning/footprint.ts, not asserted),
 * and the same hopping update in C (bench/hopping.c, gcc -O3) for the ratio.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { cpuUsage } from 'node:process';
import { calibrateBitWrite, DEFAULT_WRITE_PULSE } from '../src/memory/bit-write.js';
import { FootprintProbe } from '../src/learning/footprint.js';
import { createStore, type StoreSpec } from '../src/learning/stores/index.js';
import { recordUpdates } from '../src/learning/train.js';

/** Checkpoints of the timed run (the curve points of sim-configs/lim-linear-regression.yaml). */
export const RUN_CHECKPOINTS = 41;

export interface StoreThroughput {
  store: string;
  /** Wall time of the timed updates, s. */
  wallSeconds: number;
  parameters: number;
  updates: number;
  cpuSeconds: number;
  cellUpdatesPerSecond: number;
  /** Largest typed-array state reachable from the store over the run (after each checkpoint and finish(): bound snapshots included), over the cells. */
  bytesPerCell: number;
  /** That plus the loop's parameter and gradient buffers (Float64 each), over the cells: the whole run. */
  wholeRunBytesPerCell: number;
  /** Checkpoints taken (the LIM store's bound keeps at most 9 snapshots of them). */
  checkpoints: number;
  finalMeanSquareError: number;
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
  const checkpoints = RUN_CHECKPOINTS;
  const run = { parameterCount: n, copies: 1, updates, updateInterval: 1, learningRate: () => 0.05, initialParameters: new Float64Array(n), seed: 1, checkpoints };
  const calibrations = new Map();
  const store = new FootprintProbe(createStore(spec, 0, { run, init: { kind: 'model' }, path: `bench.${name}`, calibrations, learningRateSpec: 0.05 }));
  const w = new Float64Array(n);
  const g = new Float64Array(n);
  const marks = recordUpdates(updates, checkpoints);
  let mark = 0;
  const start = cpuUsage();
  const wall0 = performance.now();
  for (let k = 0; k < updates; k++) {
    while (mark < marks.length && marks[mark] === k) (store.checkpoint(), mark++);
    store.read(w);
    for (let i = 0; i < n; i++) g[i] = h[i] * (w[i] - optimum[i]);
    store.update(g, k);
  }
  while (mark < marks.length) (store.checkpoint(), mark++);
  const used = cpuUsage(start);
  const wallSeconds = (performance.now() - wall0) / 1e3;
  const cpuSeconds = (used.user + used.system) / 1e6;
  store.read(w);
  let mse = 0;
  for (let i = 0; i < n; i++) mse += (w[i] - optimum[i]) ** 2 / n;
  store.finish();
  store.readFinal(g);
  const footprint = store.footprint;
  return {
    store: name,
    wallSeconds,
    parameters: n,
    updates,
    cpuSeconds,
    cellUpdatesPerSecond: (n * updates) / cpuSeconds,
    bytesPerCell: footprint.storeBytes / n,
    wholeRunBytesPerCell: footprint.totalBytes / n,
    checkpoints,
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
