/**
 * Cartesian parameter sweeps over any config field (docs/cluster.md):
 * expand and validate every point first, then run the points on worker
 * threads, appending one row per finished point to results.jsonl and
 * results.csv (one write + fsync each). `resume` skips points whose rows are
 * already there; `shard` runs the points with index % n == i - 1; `mergeSweeps`
 * joins shard folders. Rows do not depend on the number of workers: each
 * point's seed comes from its config (or from its key, seeds: independent),
 * and the final files are sorted by point index.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { MAX_WORKERS } from '../engines/limits.js';
import { checkOutputFolder, lockFolder, withFolderLock } from '../report/files.js';
import { sha256 } from './config.js';
import { VERSION } from '../version.js';
import { runOnWorkers } from './sweep/pool.js';
import { estimatedCost } from './sweep/rows.js';
import { progressFor, type ProgressSink } from './sweep/progress.js';
import { canonicalJson } from './sweep/paths.js';
import type { SweepPlan, SweepPoint } from './sweep/spec.js';
import type { PointTask } from './sweep/task.js';
import {
  dropPartialLine,
  finalColumns,
  holdsResults,
  MANIFEST,
  readManifest,
  readRows,
  RowAppender,
  ROWS_CSV,
  ROWS_JSONL,
  writeManifest,
  writeSortedRows,
  type SweepManifest,
  type SweepRow,
} from './sweep/store.js';

export { loadSweepSpec, planSweep, parseShard, sweepIdOf, pointKey, type SweepSpec, type SweepPlan, type SweepPoint } from './sweep/spec.js';
export type { SweepRow, SweepManifest } from './sweep/store.js';

export interface SweepRunOptions {
  /** Output folder. */
  out: string;
  /** Worker threads (default: the machine's available parallelism). */
  workers?: number;
  /** Continue a killed or failed sweep in `out`, skipping finished points. */
  resume?: boolean;
  /** Run only shard i of n (1-based): the points with index % n == i - 1. */
  shard?: { index: number; count: number } | null;
  progress?: ProgressSink;
}

export interface SweepOutcome {
  dir: string;
  sweepId: string;
  /** Points this run executed. */
  ran: number;
  /** Points skipped because a row was already there (resume). */
  skipped: number;
  /** Points this folder is responsible for (the shard's, or all). */
  selected: number;
  rows: SweepRow[];
  manifest: SweepManifest;
}

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(MAX_WORKERS, availableParallelism()));
}

/** The points of shard i/n: index % n == i - 1 (round robin, so long and short points spread evenly). */
export function shardPoints(points: SweepPoint[], shard: { index: number; count: number } | null | undefined): SweepPoint[] {
  if (!shard) return points;
  return points.filter((p) => p.index % shard.count === shard.index - 1);
}

function newManifest(plan: SweepPlan, shard: SweepRunOptions['shard'], selected: number): SweepManifest {
  const { spec } = plan;
  return {
    tool: 'limsim',
    version: VERSION,
    sweepId: plan.sweepId,
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    createdAt: new Date().toISOString(),
    base: { path: spec.basePath, sha256: sha256(spec.baseSource), config: spec.base },
    set: spec.set,
    grid: spec.axes.map((a) => ({ key: a.key, values: a.values })),
    ...(spec.links.length > 0 ? { links: spec.links } : {}),
    timeScaling: spec.timeScaling,
    seeds: spec.seeds,
    pointCount: plan.points.length,
    shard: shard ?? null,
    selectedPoints: selected,
    columns: plan.columns,
    points: plan.points.map((p) => ({ index: p.index, key: p.key, params: p.params })),
    status: 'running',
    finishedPoints: 0,
  };
}

function sameShard(a: SweepManifest['shard'], b: SweepRunOptions['shard']): boolean {
  if (!a || !b) return !a && !b;
  return a.index === b.index && a.count === b.count;
}

function shardText(s: SweepRunOptions['shard']): string {
  return s ? `shard ${s.index}/${s.count}` : 'the whole sweep';
}

/**
 * Check an existing output folder for --resume and load its finished rows.
 * Nothing is written until every check has passed.
 */
function openForResume(dir: string, plan: SweepPlan, shard: SweepRunOptions['shard'], selectedKeys: Set<string>): { manifest: SweepManifest; rows: SweepRow[] } {
  const manifest = readManifest(dir);
  if (manifest.sweepId !== plan.sweepId) {
    throw new ConfigError(
      '--out',
      `"${dir}" holds sweep ${manifest.sweepId} ("${manifest.name}"), not this sweep ${plan.sweepId} ("${plan.spec.name}"): the base config, grid, time scaling or seed rule differ; choose another --out`,
    );
  }
  if (!sameShard(manifest.shard, shard)) {
    throw new ConfigError('--shard', `"${dir}" holds ${shardText(manifest.shard)}; this run asks for ${shardText(shard)}`);
  }
  const jsonl = join(dir, ROWS_JSONL);
  const { rows } = readRows(jsonl);
  const byKey = new Map<string, SweepRow>();
  for (const row of rows) {
    if (row.sweep !== plan.sweepId) {
      throw new ConfigError(jsonl, `has a row of sweep ${row.sweep} (point ${row.index}); this folder is sweep ${plan.sweepId}`);
    }
    if (!selectedKeys.has(row.key)) throw new ConfigError(jsonl, `has a row for point ${row.index} (${row.key}), which is not in ${shardText(shard)}`);
    if (!byKey.has(row.key)) byKey.set(row.key, row); // an exact repeat cannot happen (one write per row); keep the first
  }
  dropPartialLine(jsonl);
  return { manifest, rows: [...byKey.values()] };
}

/**
 * Run (or resume) a planned sweep into options.out, holding the folder's lock
 * (src/report/files.ts): a second writer is refused naming the holder; the
 * stale lock of a killed sweep (dead pid) is taken over, so --resume works.
 */
export async function runSweep(plan: SweepPlan, options: SweepRunOptions): Promise<SweepOutcome> {
  return withFolderLock(options.out, '--out', `limsim sweep ${plan.spec.name}`, () => runSweepLocked(plan, options));
}

async function runSweepLocked(plan: SweepPlan, options: SweepRunOptions): Promise<SweepOutcome> {
  const dir = resolve(options.out);
  const shard = options.shard ?? null;
  const workers = options.workers ?? defaultWorkerCount();
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) throw new ConfigError('--workers', `got ${workers}; expected an integer from 1 to ${MAX_WORKERS}`);
  const selected = shardPoints(plan.points, shard);
  const selectedKeys = new Set(selected.map((p) => p.key));

  let manifest: SweepManifest;
  let finished: SweepRow[] = [];
  let columns = plan.columns;
  if (holdsResults(dir)) {
    if (!options.resume) {
      throw new ConfigError('--out', `"${dir}" already holds sweep results; pass --resume to continue that sweep, or choose another folder`);
    }
    ({ manifest, rows: finished } = openForResume(dir, plan, shard, selectedKeys));
    // The CSV may be a row behind the JSONL after a kill: rebuild it from the JSONL.
    columns = writeSortedRows(dir, finished, manifest.columns);
  } else {
    if (existsSync(dir) && !statSync(dir).isDirectory()) throw new ConfigError('--out', `"${dir}" exists and is not a folder`);
    mkdirSync(dir, { recursive: true });
    manifest = newManifest(plan, shard, selected.length);
    writeManifest(dir, manifest);
  }

  const done = new Set(finished.map((r) => r.key));
  // Longest points first (stable by index among equals): the pool's last
  // minutes are not spent on one long point while the other workers idle.
  const todo = selected
    .filter((p) => !done.has(p.key))
    .map((p) => ({ p, cost: estimatedCost(p.config) }))
    .sort((a, b) => b.cost - a.cost || a.p.index - b.p.index)
    .map(({ p }) => p);
  const tasks: PointTask[] = todo.map((p) => ({
    sweep: plan.sweepId,
    index: p.index,
    key: p.key,
    params: p.params,
    seed: p.seed,
    raw: p.raw,
    source: p.config.loaded.source,
    path: p.config.loaded.path,
  }));

  const progress = options.progress ?? progressFor(plan.spec.name);
  const rows = [...finished];
  const appender = new RowAppender(dir, columns);
  progress.start(selected.length, finished.length);
  try {
    await runOnWorkers(tasks, workers, (row) => {
      appender.append(row);
      rows.push(row);
      progress.pointDone(`point ${row.index} ${canonicalJson(row.params)}`);
    });
  } catch (err) {
    // A new folder whose first point failed (e.g. a schedule that turns NaN mid-protocol) keeps
    // nothing: remove the manifest and the empty row files (the lock then removes the folder).
    // With finished rows the folder stays, resumable.
    if (rows.length === 0) for (const f of [MANIFEST, ROWS_JSONL, ROWS_CSV]) rmSync(join(dir, f), { force: true });
    throw err;
  } finally {
    appender.close();
    progress.stop();
  }

  writeSortedRows(dir, rows, manifest.columns);
  manifest = { ...manifest, status: 'complete', finishedPoints: rows.length };
  writeManifest(dir, manifest);
  rows.sort((a, b) => a.index - b.index);
  return { dir, sweepId: plan.sweepId, ran: tasks.length, skipped: finished.length, selected: selected.length, rows, manifest };
}

/** Rows and manifest of a sweep folder (or of the folder holding a results.jsonl). */
export function loadSweepFolder(path: string): { dir: string; manifest: SweepManifest; rows: SweepRow[] } {
  const dir = existsSync(path) && statSync(path).isFile() ? dirname(path) : path;
  const manifest = readManifest(dir);
  const jsonl = existsSync(path) && statSync(path).isFile() ? path : join(dir, ROWS_JSONL);
  const { rows } = readRows(jsonl);
  for (const row of rows) {
    if (row.sweep !== manifest.sweepId) {
      throw new ConfigError(jsonl, `has a row of sweep ${row.sweep} (point ${row.index}), but ${join(dir, MANIFEST)} is sweep ${manifest.sweepId}`);
    }
  }
  return { dir, manifest, rows: rows.sort((a, b) => a.index - b.index) };
}

export interface MergeOutcome {
  dir: string;
  manifest: SweepManifest;
  rows: SweepRow[];
  /** Point indices with no row in any input. */
  missing: number[];
}

/**
 * Join shard folders of one sweep into `out`. Every input must carry the same
 * sweep id (manifest and rows); a point present in two inputs must have equal
 * rows. Everything is checked before anything is written.
 */
export function mergeSweeps(inputs: string[], out: string): MergeOutcome {
  if (inputs.length === 0) throw new ConfigError('merge', 'got no folders; expected the shard folders to merge');
  const loaded = inputs.map((input) => {
    if (!existsSync(input)) throw new ConfigError(input, 'does not exist; expected a sweep folder (with sweep.json) or its results.jsonl');
    return { input, ...loadSweepFolder(input) };
  });
  const first = loaded[0];
  for (const l of loaded.slice(1)) {
    if (l.manifest.sweepId !== first.manifest.sweepId) {
      throw new ConfigError(
        l.input,
        `is from sweep ${l.manifest.sweepId} ("${l.manifest.name}"), not sweep ${first.manifest.sweepId} ("${first.manifest.name}") of ${first.input}: a different base config or grid; refusing to merge`,
      );
    }
  }
  const dir = checkOutputFolder(out, '--out');
  if (loaded.some((l) => resolve(l.dir) === dir)) throw new ConfigError('--out', `"${out}" is one of the inputs; expected a new folder`);
  if (holdsResults(dir)) throw new ConfigError('--out', `"${out}" already holds sweep results; expected a new or empty folder (merging into an existing --out is refused)`);

  const byKey = new Map<string, { row: SweepRow; from: string }>();
  for (const l of loaded) {
    for (const row of l.rows) {
      const seen = byKey.get(row.key);
      if (!seen) byKey.set(row.key, { row, from: l.input });
      else if (canonicalJson(seen.row) !== canonicalJson(row)) {
        throw new ConfigError(l.input, `has a row for point ${row.index} (${row.key}) that differs from the one in ${seen.from}; refusing to merge`);
      }
    }
  }
  const rows = [...byKey.values()].map((v) => v.row).sort((a, b) => a.index - b.index);
  const missing = first.manifest.points.filter((p) => !byKey.has(p.key)).map((p) => p.index);
  const manifest: SweepManifest = {
    ...first.manifest,
    createdAt: new Date().toISOString(),
    shard: null,
    selectedPoints: first.manifest.pointCount,
    status: missing.length === 0 ? 'complete' : 'incomplete',
    finishedPoints: rows.length,
    mergedFrom: loaded.map((l) => resolve(l.dir)),
  };
  const lock = lockFolder(dir, '--out', 'limsim merge');
  try {
    writeSortedRows(dir, rows, manifest.columns);
    writeManifest(dir, manifest);
  } catch (err) {
    lock.release({ removeIfEmpty: true });
    throw err;
  }
  lock.release();
  return { dir, manifest, rows, missing };
}
