import type { LoadedConfig } from './config.js';
import { checkPhysics, readConfigFile, sha256, validate } from './config.js';
import { runPhysics, type PhysicsRun, type RunOverrides } from './run.js';
import { physicsConfigSchema, type PhysicsConfig } from './schema.js';

/**
 * One entry point for every kind of config (a `kind` field picks it: physics by
 * default, training for learning-in-memory runs): `limsim run`, sweeps and
 * verify all go through here, so a new kind is added in one place.
 */
export type AnyConfig = { kind: 'physics'; loaded: LoadedConfig<PhysicsConfig> };

export type AnyRun = { kind: 'physics'; run: PhysicsRun };

/** Validate plain config data (from a file or built by a sweep). */
export function validateAnyConfig(raw: unknown, source: string, path: string): AnyConfig {
  const config = validate(physicsConfigSchema, raw);
  checkPhysics(config);
  return { kind: 'physics', loaded: { config, source, sha256: sha256(source), path } };
}

/** Read and validate a config file of any kind. */
export function loadAnyConfig(path: string): AnyConfig {
  const { raw, source } = readConfigFile(path);
  return validateAnyConfig(raw, source, path);
}

export function runAnyConfig(config: AnyConfig, overrides: RunOverrides = {}): AnyRun {
  return { kind: 'physics', run: runPhysics(config.loaded, overrides) };
}
