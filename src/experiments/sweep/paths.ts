import { createHash } from 'node:crypto';
import { ConfigError } from '../../errors.js';

/**
 * Dotted field paths into plain config data: `time.duration`,
 * `potential.terms[1].barrierHeight`, `potential.tilt.points[2][1]`.
 * A sweep sets config fields by these paths; the schema then decides whether
 * the result is a valid config (so a key outside the schema is rejected by
 * validation, naming the key).
 */
export type PathSegment = string | number;

const SEGMENT = /^([A-Za-z_$][\w$-]*)?((?:\[\d+\])*)$/;

/** Split a dotted path into property names and array indices; a malformed path is a ConfigError. */
export function parsePath(path: string, what = '--grid'): PathSegment[] {
  const trimmed = path.trim();
  if (trimmed === '') throw new ConfigError(what, 'got an empty field path; expected a dotted path such as time.duration');
  const segments: PathSegment[] = [];
  for (const part of trimmed.split('.')) {
    const match = SEGMENT.exec(part);
    if (!match || (match[1] === undefined && match[2] === '') || (match[1] === undefined && segments.length === 0)) {
      throw new ConfigError(what, `field path "${path}" is malformed at "${part}"; expected names and [index] parts, e.g. potential.tilt.points[2][1]`);
    }
    if (match[1] !== undefined) segments.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** The canonical text of a parsed path (as fieldPath in config.ts prints it). */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** The value at a path, or undefined when any step is missing. */
export function getAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let node = root;
  for (const s of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[s];
  }
  return node;
}

/**
 * Set a value at a path in place. Missing objects along a name path are
 * created (a field left to its default, e.g. units.temperature); an index
 * must address an existing array element, and a step through a scalar is an
 * error naming the path.
 */
export function setAt(root: Record<string, unknown>, segments: readonly PathSegment[], value: unknown, key: string): void {
  let node: unknown = root;
  for (let k = 0; k < segments.length; k++) {
    const s = segments[k];
    const last = k === segments.length - 1;
    const here = formatPath(segments.slice(0, k)) || '(config)';
    if (typeof s === 'number') {
      if (!Array.isArray(node)) throw new ConfigError(key, `${here} is not a list, so it has no element [${s}]`);
      if (s >= node.length) throw new ConfigError(key, `${here} has ${node.length} elements, so it has no element [${s}]`);
    } else if (node === null || typeof node !== 'object' || Array.isArray(node)) {
      throw new ConfigError(key, `${here} is ${JSON.stringify(node)}, not a mapping, so it has no field "${s}"`);
    }
    const container = node as Record<PropertyKey, unknown>;
    if (last) {
      container[s] = value;
      return;
    }
    if (container[s] === undefined && typeof s === 'string' && typeof segments[k + 1] === 'string') container[s] = {};
    node = container[s];
  }
}

/** JSON with object keys sorted at every level: equal data gives equal text (and hashes). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function shortHash(text: string, length = 16): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A deep copy of plain (JSON) data. */
export function cloneData<T>(value: T): T {
  return structuredClone(value);
}
