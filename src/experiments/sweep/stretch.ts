import { parse, SymbolNode, type MathNode } from 'mathjs';
import { ConfigError } from '../../errors.js';
import { formatPath, getAt, parsePath, type PathSegment } from './paths.js';

/**
 * Time scaling of protocol schedules: a sweep over the protocol duration tau
 * keeps the protocol's shape and stretches its time axis, t -> t * tau / tau_base.
 * Schedules in configs are written in absolute time (a table's [t, value]
 * points), so without this a longer duration would only add a tail at the
 * final value. A schedule is any object whose `kind` is a schedule kind (see
 * physics/schedules.ts); constants are unchanged.
 */
export interface TimeScaling {
  /** The field whose value over the base value gives the stretch factor. */
  duration: string;
  /** Subtrees whose schedules are stretched. */
  schedules: string[];
}

export const DEFAULT_TIME_SCALING: TimeScaling = { duration: 'time.duration', schedules: ['potential'] };

/** `true` -> the default (time.duration, potential); a mapping is checked field by field. */
export function parseTimeScaling(raw: unknown, where: string): TimeScaling | null {
  if (raw === undefined || raw === null || raw === false) return null;
  if (raw === true) return { ...DEFAULT_TIME_SCALING, schedules: [...DEFAULT_TIME_SCALING.schedules] };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(where, `got ${JSON.stringify(raw)}; expected true or { duration: time.duration, schedules: [potential] }`);
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (k !== 'duration' && k !== 'schedules') throw new ConfigError(`${where}.${k}`, 'is not a field of timeScaling; expected duration or schedules');
  }
  const duration = r.duration ?? DEFAULT_TIME_SCALING.duration;
  const schedules = r.schedules ?? DEFAULT_TIME_SCALING.schedules;
  if (typeof duration !== 'string') throw new ConfigError(`${where}.duration`, `got ${JSON.stringify(duration)}; expected a field path`);
  if (!Array.isArray(schedules) || schedules.some((s) => typeof s !== 'string')) {
    throw new ConfigError(`${where}.schedules`, `got ${JSON.stringify(schedules)}; expected a list of field paths`);
  }
  return {
    duration: formatPath(parsePath(duration, `${where}.duration`)),
    schedules: (schedules as string[]).map((s) => formatPath(parsePath(s, `${where}.schedules`))),
  };
}

const SCHEDULE_KINDS = new Set(['table', 'linear', 'exponential', 'logarithmic', 'expression']);

/** Replace the symbol t by (t / factor) in a mathjs expression: f(t) -> f(t / factor). */
function stretchExpression(expr: string, factor: number): string {
  let node: MathNode;
  try {
    node = parse(expr);
  } catch {
    return expr; // validation reports the parse error with its field path
  }
  const replacement = parse(`(t / ${factor})`);
  return node
    .transform((n) => (n instanceof SymbolNode && n.name === 't' ? replacement : n))
    .toString();
}

function stretchSchedule(spec: Record<string, unknown>, factor: number): void {
  const scale = (field: string) => {
    if (typeof spec[field] === 'number') spec[field] = (spec[field] as number) * factor;
  };
  switch (spec.kind) {
    case 'table':
      if (Array.isArray(spec.points)) {
        spec.points = spec.points.map((p) => (Array.isArray(p) && typeof p[0] === 'number' ? [p[0] * factor, ...p.slice(1)] : p));
      }
      break;
    case 'linear':
    case 'exponential':
      scale('start');
      scale('end');
      break;
    case 'logarithmic':
      scale('timeScale');
      break;
    case 'expression':
      if (typeof spec.expr === 'string') spec.expr = stretchExpression(spec.expr, factor);
      break;
  }
}

function walk(node: unknown, factor: number): void {
  if (Array.isArray(node)) {
    node.forEach((child) => walk(child, factor));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if (typeof obj.kind === 'string' && SCHEDULE_KINDS.has(obj.kind)) {
    stretchSchedule(obj, factor);
    return;
  }
  for (const value of Object.values(obj)) walk(value, factor);
}

/**
 * Stretch, in place, every schedule under `scaling.schedules` of a point's
 * config by duration(point) / duration(base). Schedule values given by the
 * grid are therefore written in the base's time frame.
 */
export function applyTimeScaling(point: Record<string, unknown>, baseDuration: unknown, scaling: TimeScaling): number {
  const segments: PathSegment[] = parsePath(scaling.duration);
  const duration = getAt(point, segments);
  if (typeof baseDuration !== 'number' || !(baseDuration > 0)) {
    throw new ConfigError(scaling.duration, `is ${JSON.stringify(baseDuration)} in the base config; time scaling needs a base duration > 0`);
  }
  if (typeof duration !== 'number' || !(duration > 0)) return 1; // validation names the bad duration
  const factor = duration / baseDuration;
  if (factor === 1) return 1;
  for (const path of scaling.schedules) walk(getAt(point, parsePath(path)), factor);
  return factor;
}
