import { validateAnyConfig, runAnyConfig } from '../dispatch.js';
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
  const { kind, metrics, bounds } = runRow(runAnyConfig(config));
  return { sweep: task.sweep, index: task.index, key: task.key, params: task.params, seed: task.seed, kind, metrics, bounds };
}
