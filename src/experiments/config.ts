import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileSystemError } from '../report/files.js';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { buildPotential, nonNegativeParameters, positiveParameters, type PotentialSpec } from '../physics/potentials.js';
import { buildDiscreteModel, type DiscreteProblem } from '../memory/discrete.js';
import { planFokkerPlanckGrid } from '../engines/fokker-planck.js';
import { compileSchedule, probeTimes, scheduleMinimum, type ScheduleSpec } from '../physics/schedules.js';
import { physicsConfigSchema, type PhysicsConfig } from './schema.js';
import { stiffestCurvature } from '../thermo/protocol-checks.js';

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
      // A typo gives both a missing field and an unknown one: name the typo.
      const inner = branch.find((sub) => sub.code === 'unrecognized_keys') ?? branch[0];
      return { ...inner, path: [...issue.path, ...inner.path] } as Issue;
    }
  }
  return null;
}

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  innerType?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
  element?: { _zod: { def: SchemaDef } };
  options?: { _zod: { def: SchemaDef } }[];
  getter?: () => { _zod: { def: SchemaDef } };
}

const WRAPPERS = new Set(['optional', 'default', 'nullable', 'readonly', 'prefault', 'catch', 'nonoptional']);

/** The object schemas a path leads to (several under a union), unwrapping optional/default/pipe/lazy. */
function objectDefsAt(def: SchemaDef, path: readonly PropertyKey[], raw: unknown): SchemaDef[] {
  if (WRAPPERS.has(def.type) && def.innerType) return objectDefsAt(def.innerType._zod.def, path, raw);
  if (def.type === 'pipe' && def.in) return objectDefsAt(def.in._zod.def, path, raw);
  if (def.type === 'lazy' && def.getter) return objectDefsAt(def.getter()._zod.def, path, raw);
  if (def.type === 'union' && def.options) {
    const all = def.options.flatMap((o) => objectDefsAt(o._zod.def, path, raw));
    // Under a discriminated union keep the branch whose literal kind matches the data, when one does.
    const kind = (raw as { kind?: unknown } | null)?.kind;
    const matching = all.filter((d) => {
      const k = d.shape?.kind?._zod.def as { type: string; values?: unknown[] } | undefined;
      return k?.type === 'literal' && k.values?.includes(kind);
    });
    return path.length === 0 && matching.length > 0 ? matching : all;
  }
  if (path.length === 0) return def.type === 'object' ? [def] : [];
  const [head, ...rest] = path;
  const next = (raw as Record<PropertyKey, unknown> | null | undefined)?.[head];
  if (def.type === 'object' && def.shape && typeof head === 'string' && def.shape[head]) return objectDefsAt(def.shape[head]._zod.def, rest, next);
  if (def.type === 'array' && def.element && typeof head === 'number') return objectDefsAt(def.element._zod.def, rest, next);
  return [];
}

/** The field names the schema allows at a path (the object that has an unknown key). */
function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[], raw: unknown): string[] {
  const defs = objectDefsAt((schema as unknown as { _zod: { def: SchemaDef } })._zod.def, path, valueAt(raw, []));
  return [...new Set(defs.flatMap((d) => Object.keys(d.shape ?? {})))];
}

/** Levenshtein distance (small strings: the O(nm) table is fine). */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length];
}

/** The known key nearest to a typo, when it is near enough to be the likely meaning. */
export function nearestKey(typo: string, known: string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(typo, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.ceil(typo.length / 2)) ? best : null;
}

/** Validate raw data against a zod schema; the first issue becomes a ConfigError naming field, value and expectation. */
export function validate<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues;
  let issue: Issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  for (let inner = matchingBranchIssue(issue); inner; inner = matchingBranchIssue(issue)) issue = inner;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const known = objectKeysAt(schema, issue.path as PropertyKey[], raw);
    const nearest = nearestKey(key, known);
    const hint = nearest
      ? `did you mean "${nearest}"?`
      : known.length > 0
        ? `expected one of ${known.join(', ')}`
        : 'remove it';
    throw new ConfigError(fieldPath([...(issue.path as PropertyKey[]), key]), `is not a known field; ${hint}`);
  }
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

/**
 * A parser's message as one line that never echoes the file: YAML appends a
 * code frame of the offending lines, Node's JSON.parse quotes the text.
 */
export function parseErrorText(err: unknown): string {
  const first = String((err as Error)?.message ?? err).split('\n')[0].trim();
  return first.replace(/,?\s*".*"\s*is not valid JSON.*$/, '').replace(/:$/, '').slice(0, 200);
}

/** Largest config file read (bytes). */
export const MAX_CONFIG_BYTES = 1_000_000;

/** Read a YAML or JSON file into plain data; a missing or unparsable file is a ConfigError. */
export function readConfigFile(path: string): { raw: unknown; source: string } {
  if (!existsSync(path)) throw new ConfigError('config', `file "${path}" does not exist`);
  const stat = statSync(path);
  if (!stat.isFile()) throw new ConfigError('config', `"${path}" is not a file; expected a YAML or JSON config file`);
  // Parsing costs ~40x the text in memory and time: a config is kilobytes, so refuse megabytes up front.
  if (stat.size > MAX_CONFIG_BYTES) {
    throw new ConfigError('config', `file "${path}" is ${(stat.size / 1e6).toFixed(1)} MB; expected a config of at most ${MAX_CONFIG_BYTES / 1e6} MB`);
  }
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (err) {
    throw fileSystemError(err, path) ?? err;
  }
  try {
    const raw = extname(path).toLowerCase() === '.json' ? JSON.parse(source) : parseYaml(source);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new Error('expected a mapping of fields at the top level');
    }
    return { raw, source };
  } catch (err) {
    throw new ConfigError('config', `file "${path}" is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${parseErrorText(err)}`);
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
  checkExpressionsFinite(spec, config.time.duration, 'potential');
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
    // The curvature is a central difference (relative error ~1e-8), so a dt at the limit
    // (0.5 for a unit trap) passes: compare with a relative tolerance of 1e-6 and print
    // the limit with 6 digits, so the message never reads "0.5; expected <= 0.500".
    if (config.time.dt > dtLimit * (1 + 1e-6)) {
      throw new ConfigError('time.dt', `is ${config.time.dt}; expected <= ${dtLimit.toPrecision(6)} for a stable explicit step with this potential's stiffest curvature`);
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

/** Every expression schedule under a spec, with its field path. */
function expressionSchedules(node: unknown, path: string, out: { path: string; spec: ScheduleSpec }[] = []): { path: string; spec: ScheduleSpec }[] {
  if (Array.isArray(node)) node.forEach((v, k) => expressionSchedules(v, `${path}[${k}]`, out));
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.kind === 'expression' && typeof record.expr === 'string') out.push({ path, spec: record as ScheduleSpec });
    else for (const [k, v] of Object.entries(record)) expressionSchedules(v, `${path}.${k}`, out);
  }
  return out;
}

/**
 * Expressions give finite real numbers over the whole protocol (probed at the
 * range-check times), so a schedule such as sqrt(10 - t) with duration 20 is
 * refused before the run, naming the field and the time. The engines check
 * again at every step (src/physics/schedules.ts).
 */
export function checkExpressionsFinite(spec: unknown, duration: number, path: string): void {
  for (const { path: field, spec: schedule } of expressionSchedules(spec, path)) {
    const evaluate = compileSchedule(schedule, field);
    for (const t of probeTimes(schedule, duration)) evaluate(t);
  }
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
  const maxCurvature = stiffestCurvature(spec, duration, 41);
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
