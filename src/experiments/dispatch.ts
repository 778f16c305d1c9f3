import { ConfigError } from '../errors.js';
import type { LoadedConfig } from './config.js';
import { checkPhysics, readConfigFile, sha256, validate } from './config.js';
import { runPhysics, type PhysicsRun, type RunOverrides } from './run.js';
import { physicsConfigSchema, type PhysicsConfig } from './schema.js';
import { checkTraining, runTraining, type TrainingRun } from './training-run.js';
import { trainingConfigSchema, type TrainingConfig } from './training-schema.js';

/**
 * One entry point for every kind of config (a `kind` field picks it: physics by
 * default, training for learning-in-memory runs): `limsim run`, sweeps and
 * verify all go through here, so a new kind is added in one place.
 */
export type AnyConfig =
  | { kind: 'physics'; loaded: LoadedConfig<PhysicsConfig> }
  | { kind: 'training'; loaded: LoadedConfig<TrainingConfig> };

export type AnyRun = { kind: 'physics'; run: PhysicsRun } | { kind: 'training'; run: TrainingRun };

function isTraining(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'training';
}

/** Validate plain config data (from a file or built by a sweep). */
export function validateAnyConfig(raw: unknown, source: string, path: string): AnyConfig {
  // A `kind` that names no config kind is the error to report, not the fields the
  // physics schema then finds unknown (a training config's `dataset`, `stores`, ...).
  const kind = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as { kind?: unknown }).kind : undefined;
  if (kind !== undefined && kind !== 'training') {
    throw new ConfigError('kind', `is ${JSON.stringify(kind)}; expected "training" for a training config, or no kind for a physics config`);
  }
  if (isTraining(raw)) {
    const config = validate(trainingConfigSchema, raw);
    checkTraining(config);
    return { kind: 'training', loaded: { config, source, sha256: sha256(source), path } };
  }
  const config = validate(physicsConfigSchema, raw);
  checkPhysics(config);
  return { kind: 'physics', loaded: { config, source, sha256: sha256(source), path } };
}

/** Read and validate a config file of any kind. */
export function loadAnyConfig(path: string): AnyConfig {
  const { raw, source } = readConfigFile(path);
  return validateAnyConfig(raw, source, path);
}

/** Run a validated config; for training configs `replicas` caps the number of training copies. */
export function runAnyConfig(config: AnyConfig, overrides: RunOverrides = {}): AnyRun {
  if (config.kind === 'training') return { kind: 'training', run: runTraining(config.loaded, overrides) };
  return { kind: 'physics', run: runPhysics(config.loaded, overrides) };
}
