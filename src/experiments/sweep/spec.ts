import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../errors.js';
import { readConfigFile } from '../config.js';
import { validateAnyConfig, type AnyConfig } from '../dispatch.js';
import { assignmentAt, gridFromMapping, mergeAxes, parseGridFlag, parseValue, pointCount, type GridAxis } from './grid.js';
import { canonicalJson, cloneData, formatPath, getAt, parsePath, setAt, shortHash } from './paths.js';
import { metricColumns } from './rows.js';
import { applyTimeScaling, parseTimeScaling, DEFAULT_TIME_SCALING, type TimeScaling } from './stretch.js';
import { checkSafeName } from '../../report/files.js';
import { MAX_SWEEP_POINTS } from '../cost.js';

/**
 * A sweep: a base config, fixed overrides (`set`), Cartesian grid axes over
 * dotted field paths, optional time scaling of schedules, and the seed rule.
 *
 * Sweep file (YAML or JSON, any file with a top-level `base` field):
 *
 *     name: erasure-speed
 *     base: ../landauer-erasure.yaml        # relative to this file
 *     set: { replicas: 2000 }               # fixed overrides, dotted paths
 *     grid: { time.duration: [10, 20, 40] } # axes; the first varies slowest
 *     timeScaling: true                     # stretch schedules with time.duration
 *     seeds: independent                    # or config (default: independent over time.duration, else config)
 */
export type SeedRule = 'config' | 'independent';

export interface SweepSpec {
  name: string;
  description?: string;
  /** Where the base config came from, and its text (provenance). */
  basePath: string;
  baseSource: string;
  /** The base config data after `set`. */
  base: Record<string, unknown>;
  set: [string, unknown][];
  axes: GridAxis[];
  /** Fields that take the value of a grid key at every point: leader -> followers. */
  links: [string, string[]][];
  /** Partial grid assignments whose points are left out of the Cartesian product (grid key -> value). */
  exclude?: Record<string, unknown>[];
  timeScaling: TimeScaling | null;
  seeds: SeedRule;
  /** The sweep file, if the sweep came from one. */
  specPath?: string;
}

export interface SweepPoint {
  index: number;
  /** Stable id of the point's parameter assignment (hash of the sorted assignment). */
  key: string;
  params: Record<string, unknown>;
  seed: number;
  /** The point's full config data (validated). */
  raw: Record<string, unknown>;
  config: AnyConfig;
}

export interface SweepPlan {
  spec: SweepSpec;
  sweepId: string;
  points: SweepPoint[];
  /** results.csv columns: index, key, grid keys, seed, metrics. */
  columns: string[];
}

/** Command-line additions to a sweep. */
export interface SweepCliInput {
  grid?: string[];
  set?: string[];
  link?: string[];
  timeScaling?: boolean;
  seeds?: string;
}

const SWEEP_FIELDS = new Set(['kind', 'name', 'description', 'base', 'set', 'grid', 'link', 'exclude', 'timeScaling', 'seeds']);

/**
 * `exclude`: a list of partial assignments {grid key: value}; a point whose
 * assignment agrees with every key of one entry is left out (a design that is
 * not a full Cartesian product, e.g. a precision axis at one model size only).
 */
function excludeFromData(raw: unknown, axes: GridAxis[], where = 'exclude'): Record<string, unknown>[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ConfigError(where, `got ${JSON.stringify(raw)}; expected a list of mappings {grid key: value}`);
  return raw.map((entry, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || Object.keys(entry).length === 0) {
      throw new ConfigError(`${where}[${i}]`, `got ${JSON.stringify(entry)}; expected a mapping {grid key: value} with at least one key`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
      const key = formatPath(parsePath(k, `${where}[${i}].${k}`));
      const axis = axes.find((a) => a.key === key);
      if (!axis) throw new ConfigError(`${where}[${i}].${k}`, `names no grid axis; expected one of ${axes.map((a) => a.key).join(', ') || '(no axes)'}`);
      // A value not on the axis matches no point (a command-line --grid may have replaced the file's axis).
      out[key] = v;
    }
    return out;
  });
}

/** The point's assignment matches an exclude entry. */
function excluded(spec: SweepSpec, assignment: [string, unknown][]): boolean {
  const values = new Map(assignment.map(([k, v]) => [k, canonicalJson(v)]));
  return (spec.exclude ?? []).some((entry) => Object.entries(entry).every(([k, v]) => values.get(k) === canonicalJson(v)));
}

/** `leader=follower1,follower2` (command line) or { leader: [followers] } (sweep file). */
function linksFromFlags(flags: string[]): [string, string[]][] {
  return flags.map((flag) => {
    const eq = flag.indexOf('=');
    if (eq <= 0 || flag.slice(eq + 1).trim() === '') {
      throw new ConfigError('--link', `got "${flag}"; expected gridKey=field1,field2 (fields that take the grid key's value)`);
    }
    return [formatPath(parsePath(flag.slice(0, eq), '--link')), flag.slice(eq + 1).split(',').map((f) => formatPath(parsePath(f, '--link')))];
  });
}

function linksFromMapping(mapping: unknown, where: string): [string, string[]][] {
  if (mapping === undefined || mapping === null) return [];
  if (typeof mapping !== 'object' || Array.isArray(mapping)) {
    throw new ConfigError(where, `got ${JSON.stringify(mapping)}; expected a mapping of grid keys to lists of fields that follow them`);
  }
  return Object.entries(mapping as Record<string, unknown>).map(([leader, followers]) => {
    const list = Array.isArray(followers) ? followers : [followers];
    if (list.length === 0 || list.some((f) => typeof f !== 'string')) {
      throw new ConfigError(`${where}.${leader}`, `got ${JSON.stringify(followers)}; expected a list of field paths`);
    }
    return [formatPath(parsePath(leader, `${where}.${leader}`)), (list as string[]).map((f) => formatPath(parsePath(f, `${where}.${leader}`)))];
  });
}

function checkLinks(links: [string, string[]][], axes: GridAxis[]): void {
  for (const [leader] of links) {
    if (!axes.some((a) => a.key === leader)) {
      throw new ConfigError(`link ${leader}`, `names no grid axis; expected one of ${axes.map((a) => a.key).join(', ') || '(no axes)'}`);
    }
  }
}

/**
 * The default seed rule: 'independent' for a sweep over time.duration (its report
 * fits Q_inf + B/tau, which needs independent points), else 'config'.
 */
function defaultSeeds(axes: GridAxis[]): SeedRule {
  return axes.some((a) => a.key === 'time.duration') ? 'independent' : 'config';
}

function parseSeeds(raw: unknown, where: string, axes: GridAxis[] = []): SeedRule {
  if (raw === undefined) return defaultSeeds(axes);
  if (raw === 'config' || raw === 'independent') return raw;
  throw new ConfigError(where, `got ${JSON.stringify(raw)}; expected "config" (every point uses the config's seed) or "independent" (a seed derived from the point key)`);
}

function setFromFlags(flags: string[]): [string, unknown][] {
  return flags.map((flag) => {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new ConfigError('--set', `got "${flag}"; expected key=value, e.g. replicas=4000`);
    return [formatPath(parsePath(flag.slice(0, eq), '--set')), parseValue(flag.slice(eq + 1))];
  });
}

function setFromMapping(mapping: unknown, where: string): [string, unknown][] {
  if (mapping === undefined || mapping === null) return [];
  if (typeof mapping !== 'object' || Array.isArray(mapping)) {
    throw new ConfigError(where, `got ${JSON.stringify(mapping)}; expected a mapping of field paths to values`);
  }
  return Object.entries(mapping as Record<string, unknown>).map(([k, v]) => [formatPath(parsePath(k, `${where}.${k}`)), v]);
}

function applySet(base: Record<string, unknown>, set: [string, unknown][]): Record<string, unknown> {
  const out = cloneData(base);
  for (const [key, value] of set) setAt(out, parsePath(key), cloneData(value), key);
  return out;
}

/**
 * Read a sweep from a sweep file or a plain config, then add command-line
 * axes (which replace same-key axes of the file) and overrides.
 */
export function loadSweepSpec(path: string, cli: SweepCliInput = {}): SweepSpec {
  const { raw, source } = readConfigFile(path);
  const data = raw as Record<string, unknown>;
  const cliSet = setFromFlags(cli.set ?? []);
  const cliAxes = (cli.grid ?? []).map((g) => parseGridFlag(g));
  const cliSeeds = cli.seeds === undefined ? undefined : parseSeeds(cli.seeds, '--seeds');
  const cliScaling = cli.timeScaling ? { ...DEFAULT_TIME_SCALING, schedules: [...DEFAULT_TIME_SCALING.schedules] } : null;

  // A file with sweep-only fields is a sweep file even when its base is missing (then named as missing).
  if ('base' in data || data.kind === 'sweep' || 'grid' in data || 'link' in data) {
    for (const k of Object.keys(data)) {
      if (!SWEEP_FIELDS.has(k)) throw new ConfigError(k, `is not a sweep-file field; expected one of ${[...SWEEP_FIELDS].join(', ')}`);
    }
    if (typeof data.base !== 'string') throw new ConfigError('base', `got ${JSON.stringify(data.base)}; expected the path of a config file, relative to the sweep file`);
    const basePath = resolve(dirname(path), data.base);
    const baseFile = readConfigFile(basePath);
    const set = [...setFromMapping(data.set, 'set'), ...cliSet];
    const axes = mergeAxes(gridFromMapping(data.grid, 'grid'), cliAxes);
    const links = [...linksFromMapping(data.link, 'link'), ...linksFromFlags(cli.link ?? [])];
    checkLinks(links, axes);
    // Command-line axes may replace a file axis: an exclude entry must still name an axis in use.
    const exclude = excludeFromData(data.exclude, axes);
    // The name becomes a folder name (results/sweep-<name>-<stamp>/): the one name policy of src/report/files.ts.
    const name = checkSafeName(data.name ?? (baseFile.raw as Record<string, unknown>).name ?? 'sweep', 'name');
    return {
      name,
      ...(typeof data.description === 'string' ? { description: data.description } : {}),
      basePath,
      baseSource: baseFile.source,
      base: applySet(baseFile.raw as Record<string, unknown>, set),
      set,
      axes,
      links,
      ...(exclude.length ? { exclude } : {}),
      timeScaling: cliScaling ?? parseTimeScaling(data.timeScaling, 'timeScaling'),
      seeds: cliSeeds ?? parseSeeds(data.seeds, 'seeds', axes),
      specPath: path,
    };
  }
  const links = linksFromFlags(cli.link ?? []);
  checkLinks(links, cliAxes);
  return {
    name: checkSafeName(data.name ?? 'sweep', 'name'),
    basePath: path,
    baseSource: source,
    base: applySet(data, cliSet),
    set: cliSet,
    axes: cliAxes,
    links,
    timeScaling: cliScaling,
    seeds: cliSeeds ?? defaultSeeds(cliAxes),
  };
}

/** The sweep id: a hash of everything that decides the rows (base after set, axes, time scaling, seed rule). */
export function sweepIdOf(spec: SweepSpec): string {
  // Links join the hash only when present, so sweeps without links keep their id.
  const links = spec.links.length > 0 ? { links: spec.links } : {};
  const exclude = spec.exclude?.length ? { exclude: spec.exclude } : {};
  return shortHash(canonicalJson({ base: spec.base, axes: spec.axes, ...links, ...exclude, timeScaling: spec.timeScaling, seeds: spec.seeds }));
}

/** A point's key: a hash of its assignment with keys sorted, so it does not depend on axis order. */
export function pointKey(assignment: [string, unknown][]): string {
  return shortHash(canonicalJson(Object.fromEntries(assignment)));
}

/** seeds: independent -> a 31-bit seed from the base seed and the point key. */
export function independentSeed(baseSeed: number, key: string): number {
  return parseInt(createHash('sha256').update(`${baseSeed}/${key}`).digest('hex').slice(0, 8), 16) >>> 1;
}

/** The grid key a validation error belongs to, if one does (the field itself, inside it, or its parent object). */
function blame(errorPath: string, keys: string[]): string | undefined {
  return (
    keys.find((k) => k === errorPath) ??
    keys.find((k) => errorPath.startsWith(`${k}.`) || errorPath.startsWith(`${k}[`)) ??
    keys.find((k) => errorPath === '(config)' || k.startsWith(`${errorPath}.`) || k.startsWith(`${errorPath}[`))
  );
}

function describeAssignment(assignment: [string, unknown][]): string {
  return `{${assignment.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}}`;
}

/** Build and validate one point; a bad value is a ConfigError naming the grid key and value. */
export function buildPoint(spec: SweepSpec, index: number): SweepPoint {
  const assignment = assignmentAt(spec.axes, index);
  const key = pointKey(assignment);
  const raw = cloneData(spec.base);
  try {
    for (const [k, v] of assignment) setAt(raw, parsePath(k), cloneData(v), k);
    for (const [leader, followers] of spec.links) {
      const value = assignment.find(([k]) => k === leader)?.[1];
      for (const f of followers) setAt(raw, parsePath(f), cloneData(value), f);
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      const value = assignment.find(([k]) => k === err.path)?.[1];
      throw new ConfigError(err.path, `grid value ${JSON.stringify(value)} cannot be set: ${err.message.slice(err.path.length + 2)}`);
    }
    throw err;
  }
  if (spec.timeScaling) applyTimeScaling(raw, getAt(spec.base, parsePath(spec.timeScaling.duration)), spec.timeScaling);
  const gridSetsSeed = assignment.some(([k]) => k === 'seed');
  if (spec.seeds === 'independent' && !gridSetsSeed) {
    const baseSeed = typeof spec.base.seed === 'number' ? spec.base.seed : 1;
    raw.seed = independentSeed(baseSeed, key);
  }
  const source = canonicalJson(raw);
  let config: AnyConfig;
  try {
    config = validateAnyConfig(raw, source, `${spec.basePath}#${key}`);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const keys = [...assignment.map(([k]) => k), ...spec.links.flatMap(([, f]) => f), ...spec.set.map(([k]) => k)];
    const culprit = blame(err.path, keys);
    const where = `grid point ${index} ${describeAssignment(assignment)}`;
    if (culprit !== undefined) {
      const leader = spec.links.find(([, f]) => f.includes(culprit))?.[0];
      const value =
        assignment.find(([k]) => k === (leader ?? culprit))?.[1] ?? spec.set.find(([k]) => k === culprit)?.[1];
      throw new ConfigError(culprit, `value ${JSON.stringify(value)} gives an invalid config at ${where}: ${err.message}`);
    }
    throw new ConfigError(err.path, `invalid config at ${where}: ${err.message.slice(err.path.length + 2)}`);
  }
  const seed = typeof (config.loaded.config as { seed?: unknown }).seed === 'number' ? (config.loaded.config as { seed: number }).seed : 0;
  return { index, key, params: Object.fromEntries(assignment), seed, raw, config };
}

/** Expand and validate every point before anything runs. */
export function planSweep(spec: SweepSpec): SweepPlan {
  const count = pointCount(spec.axes);
  // Every point is built and validated before anything runs (~0.4 ms each): cap the grid so that takes seconds, not minutes.
  if (count > MAX_SWEEP_POINTS) throw new ConfigError('--grid', `gives ${count} points; expected at most ${MAX_SWEEP_POINTS} (split a larger study into several sweeps)`);
  const points: SweepPoint[] = [];
  for (let i = 0; i < count; i++) if (!excluded(spec, assignmentAt(spec.axes, i))) points.push(buildPoint(spec, i));
  if (points.length === 0) throw new ConfigError('exclude', `leaves none of the ${count} grid points; expected at least one point to run`);
  const keys = new Set(points.map((p) => p.key));
  if (keys.size !== points.length) {
    throw new ConfigError('--grid', 'lists a value twice on one axis; expected distinct values (each point is identified by its assignment)');
  }
  const gridKeys = spec.axes.map((a) => a.key);
  const columns = ['index', 'key', ...gridKeys];
  if (!gridKeys.includes('seed')) columns.push('seed');
  const seen = new Set(columns);
  for (const p of points) {
    for (const c of metricColumns(p.config)) {
      if (!seen.has(c)) {
        seen.add(c);
        columns.push(c);
      }
    }
  }
  return { spec, sweepId: sweepIdOf(spec), points, columns };
}

/** `i/n` -> the shard (1-based i); points with index % n == i - 1 belong to it. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 1) || index > count) {
    throw new ConfigError('--shard', `got "${text}"; expected i/n with 1 <= i <= n, e.g. 2/8 (points with index % n == i - 1)`);
  }
  return { index, count };
}

/**
 * A sweep given as data rather than a file (the library API, src/api.ts): the
 * fields of a sweep file with the base config already read. The same helpers
 * and checks as the file branch of loadSweepSpec, without command-line input.
 */
export function sweepSpecFromData(data: Record<string, unknown>, base: { raw: Record<string, unknown>; source: string; path: string }): SweepSpec {
  for (const k of Object.keys(data)) {
    if (!SWEEP_FIELDS.has(k)) throw new ConfigError(k, `is not a sweep field; expected one of ${[...SWEEP_FIELDS].join(', ')}`);
  }
  const set = setFromMapping(data.set, 'set');
  const axes = gridFromMapping(data.grid, 'grid');
  const links = linksFromMapping(data.link, 'link');
  checkLinks(links, axes);
  const exclude = excludeFromData(data.exclude, axes);
  return {
    name: typeof data.name === 'string' ? data.name : String(base.raw.name ?? 'sweep'),
    ...(typeof data.description === 'string' ? { description: data.description } : {}),
    basePath: base.path,
    baseSource: base.source,
    base: applySet(base.raw, set),
    set,
    axes,
    links,
    ...(exclude.length ? { exclude } : {}),
    timeScaling: parseTimeScaling(data.timeScaling, 'timeScaling'),
    seeds: parseSeeds(data.seeds, 'seeds'),
  };
}
