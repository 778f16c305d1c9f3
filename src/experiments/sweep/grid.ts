import { ConfigError } from '../../errors.js';
import { formatPath, parsePath } from './paths.js';

/** One axis of a Cartesian sweep: a config field (dotted path) and the values it takes. */
export interface GridAxis {
  key: string;
  values: unknown[];
}

/**
 * Split "a,b,{...},[1,2]" at the commas that are outside brackets, braces and
 * quotes, so JSON objects and lists can be grid values.
 */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** A command-line value: JSON when it parses (numbers, true/false, null, objects, lists), else the bare string. */
export function parseValue(text: string): unknown {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    return trimmed;
  }
}

/** `key=v1,v2,...` -> an axis; the key is normalised (potential.tilt.points[2][1]). */
export function parseGridFlag(flag: string, option = '--grid'): GridAxis {
  const eq = flag.indexOf('=');
  if (eq <= 0) {
    throw new ConfigError(option, `got "${flag}"; expected key=value1,value2,... e.g. time.duration=5,10,20`);
  }
  const key = formatPath(parsePath(flag.slice(0, eq), option));
  const valueText = flag.slice(eq + 1);
  const parts = splitTopLevel(valueText);
  if (valueText.trim() === '' || parts.some((p) => p.trim() === '')) {
    throw new ConfigError(option, `"${flag}" has an empty value; expected key=value1,value2,...`);
  }
  return { key, values: parts.map(parseValue) };
}

/** Axes from a mapping { key: [values] | value } (a sweep file's grid). */
export function gridFromMapping(mapping: unknown, where: string): GridAxis[] {
  if (mapping === undefined || mapping === null) return [];
  if (typeof mapping !== 'object' || Array.isArray(mapping)) {
    throw new ConfigError(where, `got ${JSON.stringify(mapping)}; expected a mapping of field paths to lists of values`);
  }
  return Object.entries(mapping as Record<string, unknown>).map(([key, values]) => {
    const list = Array.isArray(values) ? values : [values];
    if (list.length === 0) throw new ConfigError(`${where}.${key}`, 'is an empty list; expected at least one value');
    return { key: formatPath(parsePath(key, `${where}.${key}`)), values: list };
  });
}

/**
 * Merge axes: a later axis with the same key replaces the earlier one in
 * place (command-line --grid over a sweep file's grid); the order of first
 * appearance is kept, and the first axis varies slowest.
 */
export function mergeAxes(...lists: GridAxis[][]): GridAxis[] {
  const out: GridAxis[] = [];
  for (const list of lists) {
    for (const axis of list) {
      const at = out.findIndex((a) => a.key === axis.key);
      if (at >= 0) out[at] = axis;
      else out.push(axis);
    }
  }
  return out;
}

/** Number of points of the Cartesian product. */
export function pointCount(axes: readonly GridAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/** The assignment of point `index` (row-major: the last axis varies fastest, like nested loops). */
export function assignmentAt(axes: readonly GridAxis[], index: number): [string, unknown][] {
  const out: [string, unknown][] = new Array(axes.length);
  let rest = index;
  for (let k = axes.length - 1; k >= 0; k--) {
    const n = axes[k].values.length;
    out[k] = [axes[k].key, axes[k].values[rest % n]];
    rest = Math.floor(rest / n);
  }
  return out;
}
