import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { buildPotential, nonNegativeParameters, positiveParameters, type PotentialSpec } from '../physics/potentials.js';
import { buildDiscreteModel, type DiscreteProblem } from '../memory/discrete.js';
import { planFokkerPlanckGrid } from '../engines/fokker-planck.js';
import { scheduleMinimum } from '../physics/schedules.js';
import { physicsConfigSchema, type PhysicsConfig } from './schema.js';

/** A config as read from disk: the validated value plus what provenance needs. */
export interface LoadedConfig<T> {
  config: T;
  /** The file's text, verbatim. */
  source: string;
  /** sha256 of the file's text. */
  sha256: string;
  path: string;
}

/** Format a zod issue path as a dotted field path: potential.terms[0].tilt. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(config)' : out;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

type Issue = z.core.$ZodIssue;

/**
 * The most specific issue behind a union failure: the branch whose `kind`
 * matched (its first issue, with the full path), or null when no branch did.
 */
function matchingBranchIssue(issue: Issue): Issue | null {
  if (issue.code !== 'invalid_union') return null;
  for (const branch of issue.errors) {
    const kindMismatch = branch.some((sub) => sub.path.length === 1 && sub.path[0] === 'kind');
    if (branch.length > 0 && !kindMismatch && branch.every((sub) => sub.code !== 'invalid_type' || sub.path.length > 0)) {
      const inner = branch[0];
      return { ...inner, path: [...issue.path, ...inner.path] } as Issue;
    }
  }
  return null;
}

/** Validate raw data against a zod schema; the first issue becomes a ConfigError naming field, value and expectation. */
export function validate<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  let issue: Issue = result.error.issues[0];
  for (let inner = matchingBranchIssue(issue); inner; inner = matchingBranchIssue(issue)) issue = inner;
  const path = issue.path as PropertyKey[];
  const value = valueAt(raw, path);
  const got = value === undefined ? 'missing' : `got ${describeValue(value)}`;
  let expected = issue.message;
  if (issue.code === 'invalid_union') {
    expected =
      'discriminator' in issue && 'options' in issue
        ? `expected one of ${(issue.options as unknown[]).map((o) => JSON.stringify(o)).join(', ')}`
        : 'expected a number or a schedule {kind: table | linear | exponential | logarithmic | expression, ...}';
  }
  throw new ConfigError(fieldPath(path), `${expected} (${got})`);
}

/** Read a YAML or JSON file into plain data; a missing or unparsable file is a ConfigError. */
export function readConfigFile(path: string): { raw: unknown; source: string } {
  if (!existsSync(path)) throw new ConfigError('config', `file "${path}" does not exist`);
  const source = readFileSync(path, 'utf8');
  try {
    const raw = extname(path).toLowerCase() === '.json' ? JSON.parse(source) : parseYaml(source);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new Error('expected a mapping of fields at the top level');
    }
    return { raw, source };
  } catch (err) {
    throw new ConfigError('config', `file "${path}" is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Checks beyond the schema's shape: expressions compile, barriers stay >= 0
 * and lengths > 0 over the whole protocol, bit probabilities fit the memory,
 * and the engine can run the potential (discrete engines need memory states,
 * the Fokker-Planck grid must resolve the potential, the explicit Langevin
 * step must be stable). All of it runs before anything is simulated or written.
 */
export function checkPhysics(config: PhysicsConfig): void {
  const spec = config.potential;
  const problem = problemOf(config);
  let stateCount: number;
  if (spec.kind === 'discrete') {
    if (config.engine !== 'monte-carlo' && config.engine !== 'master-equation') {
      throw new ConfigError('engine', `is "${config.engine}"; a discrete potential runs on "monte-carlo" or "master-equation" only`);
    }
    stateCount = buildDiscreteModel(spec, config.friction, { path: 'potential' }).stateCount;
  } else {
    checkScheduleRanges(spec, config.time.duration);
    // Compile everything once (expression errors name their field).
    stateCount = buildPotential(spec).stateCount;
    if (config.engine === 'monte-carlo' || config.engine === 'master-equation') {
      buildDiscreteModel(spec, config.friction, { engine: config.engine, path: 'potential', rates: config.rates });
    }
  }
  if (config.initial.kind === 'bits') {
    const { probabilities } = config.initial;
    if (probabilities.length !== stateCount) {
      throw new ConfigError(
        'initial.probabilities',
        `has ${probabilities.length} entries; expected one per memory state of the ${spec.kind} potential (${stateCount})`,
      );
    }
    const total = probabilities.reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-9) {
      throw new ConfigError('initial.probabilities', `sum to ${total}; expected probabilities that sum to 1`);
    }
  }
  if (config.engine === 'langevin' && spec.kind !== 'discrete') {
    // Stability of the explicit step: dt * max curvature / gamma must stay well below 2.
    const dtLimit = stableStepLimit(spec, config.time.duration, config.friction);
    if (config.time.dt > dtLimit) {
      throw new ConfigError('time.dt', `is ${config.time.dt}; expected <= ${dtLimit.toPrecision(3)} for a stable explicit step with this potential's stiffest curvature`);
    }
  }
  if (config.engine === 'fokker-planck' && spec.kind !== 'discrete') {
    planFokkerPlanckGrid({ ...problem, potential: spec }, fokkerPlanckOptions(config));
  }
}

/** Options of the Fokker-Planck engine from a config (errors name the config field). */
export function fokkerPlanckOptions(config: PhysicsConfig): { cells?: number } {
  return { cells: config.fokkerPlanck?.cells };
}

/** Barriers stay >= 0 and lengths > 0 over [0, duration]. */
function checkScheduleRanges(spec: PotentialSpec, duration: number): void {
  for (const { path, spec: schedule } of nonNegativeParameters(spec)) {
    const { value, time } = scheduleMinimum(schedule, duration, path);
    if (!(value >= 0)) {
      throw new ConfigError(path, `takes the value ${value} at t = ${time}; expected >= 0 over the whole protocol [0, ${duration}]`);
    }
  }
  for (const { path, spec: schedule } of positiveParameters(spec)) {
    const { value, time } = scheduleMinimum(schedule, duration, path);
    if (!(value > 0)) {
      throw new ConfigError(path, `takes the value ${value} at t = ${time}; expected > 0 over the whole protocol [0, ${duration}]`);
    }
  }
}

/**
 * Largest dt with dt * max|U''| / gamma <= 0.5 over the protocol, the curvature
 * sampled where the Boltzmann weight matters (U - U_min < 20 kT). Euler's step
 * is unstable beyond dt U''/gamma = 2.
 */
function stableStepLimit(spec: PotentialSpec, duration: number, friction: number): number {
  const potential = buildPotential(spec);
  let maxCurvature = 0;
  const samples = 41;
  for (let k = 0; k < samples; k++) {
    potential.setTime((duration * k) / (samples - 1));
    const [a, b] = potential.domain();
    const n = 400;
    const h = (b - a) / n;
    let minimum = Infinity;
    for (let j = 0; j <= n; j++) minimum = Math.min(minimum, potential.energy(a + j * h, 0));
    for (let j = 1; j < n; j++) {
      const x = a + j * h;
      if (potential.energy(x, 0) - minimum > 20) continue;
      const curvature = (potential.force(x - 1e-4, 0) - potential.force(x + 1e-4, 0)) / 2e-4;
      maxCurvature = Math.max(maxCurvature, Math.abs(curvature));
    }
  }
  return maxCurvature > 0 ? (0.5 * friction) / maxCurvature : Infinity;
}

/** Load and fully validate a physics config. */
export function loadPhysicsConfig(path: string): LoadedConfig<PhysicsConfig> {
  const { raw, source } = readConfigFile(path);
  const config = validate(physicsConfigSchema, raw);
  checkPhysics(config);
  return { config, source, sha256: sha256(source), path };
}

/** The Problem a physics config describes (its potential may be a discrete memory). */
export function problemOf(config: PhysicsConfig): DiscreteProblem {
  return {
    potential: config.potential,
    duration: config.time.duration,
    dt: config.time.dt,
    friction: config.friction,
    initial: config.initial,
    replicas: config.replicas,
    seed: config.seed,
    recordPoints: config.record.points,
    rates: config.rates,
  };
}
