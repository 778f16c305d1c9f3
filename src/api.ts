/**
 * The typed library API: the verbs of the CLI as functions that take config
 * objects (or paths) directly. Each is a thin wrapper over what the command
 * does, so a run from code and a run from `limsim run` give the same numbers
 * and the same files. Examples, executed by test/api-docs.test.ts: docs/api.md.
 */
import type { z } from 'zod';
import { ConfigError } from './errors.js';
import { readConfigFile } from './experiments/config.js';
import { validateAnyConfig, type AnyConfig } from './experiments/dispatch.js';
import type { sweepFileSchema } from './experiments/json-schema.js';
import { runPhysics as runPhysicsLoaded, type PhysicsRun, type RunOverrides } from './experiments/run.js';
import type { physicsConfigSchema } from './experiments/schema.js';
import { runSweep as runSweepPlan, planSweep, type SweepOutcome, type SweepRunOptions } from './experiments/sweep.js';
import { canonicalJson } from './experiments/sweep/paths.js';
import { progressFor } from './experiments/sweep/progress.js';
import { sweepSpecFromData } from './experiments/sweep/spec.js';
import { runTraining as runTrainingLoaded, trainingFiles, type TrainingRun } from './experiments/training-run.js';
import type { trainingConfigSchema } from './experiments/training-schema.js';
import { writePhysicsRun } from './commands/run.js';
import { writeFiles } from './report/results.js';

/** A physics config as written (defaults may be left out): the input side of src/experiments/schema.ts. */
export type PhysicsConfigInput = z.input<typeof physicsConfigSchema>;
/** A training config as written (`kind: 'training'`; defaults may be left out). */
export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;
/** Either kind of run config, as written. */
export type ConfigInput = PhysicsConfigInput | TrainingConfigInput;
/** A sweep as written in a sweep file (`base` is a path there). */
export type SweepFile = z.input<typeof sweepFileSchema>;
/** A sweep for the API: a sweep file's fields, with `base` a config object or a path. */
export type SweepInput = Omit<SweepFile, 'base' | 'kind'> & { base: ConfigInput | string };

/** Where a config object "lives": relative dataset paths resolve against its folder; provenance records it. */
export interface ConfigOrigin {
  /** A path standing for the config (default `<api>`, so relative paths resolve against the working directory). */
  path?: string;
}

export type { RunOverrides, PhysicsRun, TrainingRun, SweepOutcome, SweepRunOptions, AnyConfig };

function configOf(config: ConfigInput, origin: ConfigOrigin): AnyConfig {
  if (config === null || typeof config !== 'object') throw new ConfigError('config', `got ${JSON.stringify(config)}; expected a config object`);
  return validateAnyConfig(config, canonicalJson(config), origin.path ?? '<api>');
}

/**
 * Validate a config object with the loader's checks (schema, then expressions,
 * ranges over the protocol, stable dt, engine fit); throws a ConfigError that
 * names the field. Returns the validated config with its defaults filled in.
 */
export function validateConfig(config: ConfigInput, origin: ConfigOrigin = {}): AnyConfig {
  return configOf(config, origin);
}

/** Run a physics config (what `limsim run` does for a physics file, without writing). */
export function runPhysics(config: PhysicsConfigInput, overrides: RunOverrides = {}, origin: ConfigOrigin = {}): PhysicsRun {
  const any = configOf(config, origin);
  if (any.kind !== 'physics') throw new ConfigError('kind', 'is "training"; runPhysics takes a physics config (use runTraining)');
  return runPhysicsLoaded(any.loaded, overrides);
}

/** Train with the parameters in memory stores (what `limsim run` does for a `kind: training` file, without writing). */
export function runTraining(config: TrainingConfigInput, overrides: RunOverrides = {}, origin: ConfigOrigin = {}): TrainingRun {
  const any = configOf(config, origin);
  if (any.kind !== 'training') throw new ConfigError('kind', `is ${JSON.stringify((config as { kind?: unknown }).kind ?? 'physics')}; runTraining takes a config with kind: training`);
  return runTrainingLoaded(any.loaded, overrides);
}

function isTrainingRun(run: PhysicsRun | TrainingRun): run is TrainingRun {
  return (run as TrainingRun).summary.kind === 'training';
}

/**
 * Write a run's files into `folder` as `limsim run --out folder` does
 * (summary.json last, so its presence marks a complete folder). Returns the paths.
 */
export function writeRun(run: PhysicsRun | TrainingRun, folder: string): string[] {
  return isTrainingRun(run) ? writeFiles(folder, trainingFiles(run)) : writePhysicsRun(run, folder);
}

/**
 * Run a sweep (what `limsim sweep` does): the Cartesian grid over `grid`, the
 * `set` overrides, links, time scaling and seed rule of a sweep file, on
 * worker threads, written to `options.out` (results.jsonl, results.csv,
 * sweep.json). Results do not depend on `options.workers`. Progress lines go
 * to stderr as in the CLI unless `quiet` (or your own `progress` sink).
 */
export async function runSweep(sweep: SweepInput, options: SweepRunOptions & { quiet?: boolean }, origin: ConfigOrigin = {}): Promise<SweepOutcome> {
  const { base, ...fields } = sweep;
  let baseFile: { raw: Record<string, unknown>; source: string; path: string };
  if (typeof base === 'string') {
    const { raw, source } = readConfigFile(base);
    baseFile = { raw: raw as Record<string, unknown>, source, path: base };
  } else {
    if (base === null || typeof base !== 'object') throw new ConfigError('base', `got ${JSON.stringify(base)}; expected a config object or a path`);
    baseFile = { raw: JSON.parse(JSON.stringify(base)) as Record<string, unknown>, source: canonicalJson(base), path: origin.path ?? '<api>' };
  }
  const plan = planSweep(sweepSpecFromData(fields as Record<string, unknown>, baseFile));
  const { quiet, ...runOptions } = options;
  return runSweepPlan(plan, { ...runOptions, progress: runOptions.progress ?? progressFor(plan.spec.name, { quiet }) });
}

/** Measured dissipation against every applicable bound, and B/tau fits, for run and sweep folders (`limsim compare`). */
export { compareResults, comparisonCsv, comparisonJson, comparisonTable, type Comparison } from './experiments/compare.js';

/** report.html (plots inline) and report.md for a run or sweep folder (`limsim report`); returns the files written. */
export async function writeReport(dir: string, options: { minDuration?: number } = {}): Promise<string[]> {
  // Loaded on demand: the plotting stack (vega) is only needed here.
  const report = await import('./report/report.js');
  return report.writeReport(dir, options);
}
