import { ConfigError } from '../../errors.js';
import { validateAnyConfig, runAnyConfig, type AnyRun } from '../dispatch.js';
import { finiteAtStart } from '../training-run.js';
import { runRow } from './rows.js';
import type { SweepRow } from './store.js';

/** What the parent sends a worker: one point's config data and identity. */
export interface PointTask {
  sweep: string;
  index: number;
  key: string;
  params: Record<string, unknown>;
  seed: number;
  raw: Record<string, unknown>;
  source: string;
  path: string;
}

export type WorkerReply =
  | { ok: true; index: number; row: SweepRow }
  | { ok: false; index: number; error: { name: string; message: string; path?: string; stack?: string } };

/** Validate and run one point, returning its row (pure: the same task gives the same row on any thread). */
export function runPointTask(task: PointTask): SweepRow {
  const config = validateAnyConfig(task.raw, task.source, task.path);
  let run: AnyRun;
  try {
    run = runAnyConfig(config);
  } catch (err) {
    // A training that diverged is a failed point, not a failed sweep: the sweep keeps going and the
    // row says why (bad input, non-finite from the start, still stops it with exit 2).
    if (config.kind !== 'training' || !(err instanceof ConfigError) || !/diverged/.test(err.message) || !finiteAtStart(config.loaded)) throw err;
    const metrics = { verdict: 'failed', verdict_cause: `training: diverged: ${err.message}` };
    return { sweep: task.sweep, index: task.index, key: task.key, params: task.params, seed: task.seed, kind: 'training', metrics, bounds: [] };
  }
  const { kind, metrics, bounds } = runRow(run);
  return { sweep: task.sweep, index: task.index, key: task.key, params: task.params, seed: task.seed, kind, metrics, bounds };
}
