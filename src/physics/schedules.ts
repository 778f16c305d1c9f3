import { parse, type MathNode } from 'mathjs';
import { ConfigError } from '../errors.js';

/**
 * A protocol parameter lambda(t): a constant or a schedule in (reduced) time.
 * Every schedule compiles once to a plain function of t, evaluated once per
 * step for the whole ensemble, never per cell.
 */
export type ScheduleSpec =
  | number
  /** Piecewise-linear through the points [t, value], held constant outside them. */
  | { kind: 'table'; points: [number, number][] }
  /** Linear ramp from `from` at `start` to `to` at `end`, constant outside. */
  | { kind: 'linear'; from: number; to: number; start?: number; end: number }
  /** Geometric ramp from `from` to `to` (both > 0) over [start, end]. */
  | { kind: 'exponential'; from: number; to: number; start?: number; end: number }
  /** offset + amplitude * ln(1 + t / timeScale): the Robbins-Monro barrier schedule (docs/physics.md §5). */
  | { kind: 'logarithmic'; offset: number; amplitude?: number; timeScale: number }
  /** A mathjs expression in t, e.g. "8 * (1 - t / 10)". */
  | { kind: 'expression'; expr: string };

export type Schedule = (t: number) => number;


function clampRamp(t: number, start: number, end: number): number {
  if (t <= start) return 0;
  if (t >= end) return 1;
  return (t - start) / (end - start);
}

function tableSchedule(points: [number, number][]): Schedule {
  const times = Float64Array.from(points, (p) => p[0]);
  const values = Float64Array.from(points, (p) => p[1]);
  const last = times.length - 1;
  return (t) => {
    if (t <= times[0]) return values[0];
    if (t >= times[last]) return values[last];
    // Binary search for the segment [times[lo], times[lo+1]] containing t.
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= t) lo = mid;
      else hi = mid;
    }
    const s = (t - times[lo]) / (times[hi] - times[lo]);
    return values[lo] + s * (values[hi] - values[lo]);
  };
}

/** Symbols an expression may use besides mathjs' functions and constants. */
const EXPRESSION_VARIABLES = new Set(['t']);
const MATH_CONSTANTS = new Set(['pi', 'e', 'PI', 'E', 'LN2', 'LN10', 'tau', 'Infinity']);

function unknownSymbols(root: MathNode): string[] {
  const unknown: string[] = [];
  root.traverse((node, _path, parent) => {
    if (node.type !== 'SymbolNode') return;
    const name = (node as unknown as { name: string }).name;
    const isCallee =
      parent?.type === 'FunctionNode' && (parent as unknown as { fn: MathNode }).fn === node;
    if (isCallee) return; // function names are checked by mathjs at compile
    if (!EXPRESSION_VARIABLES.has(name) && !MATH_CONSTANTS.has(name)) unknown.push(name);
  });
  return unknown;
}

function expressionSchedule(expr: string, path: string): Schedule {
  let node: MathNode;
  try {
    node = parse(expr);
  } catch (err) {
    throw new ConfigError(path, `expression "${expr}" does not parse: ${(err as Error).message}`);
  }
  const unknown = unknownSymbols(node);
  if (unknown.length > 0) {
    throw new ConfigError(
      path,
      `expression "${expr}" uses unknown symbol(s) ${unknown.join(', ')}; expected a function of t only`,
    );
  }
  const compiled = node.compile();
  const scope = { t: 0 };
  const evaluate: Schedule = (t) => {
    scope.t = t;
    return compiled.evaluate(scope) as number;
  };
  let probe: unknown;
  try {
    probe = evaluate(0);
  } catch (err) {
    throw new ConfigError(path, `expression "${expr}" fails at t = 0: ${(err as Error).message}`);
  }
  if (typeof probe !== 'number' || !Number.isFinite(probe)) {
    throw new ConfigError(path, `expression "${expr}" gives ${String(probe)} at t = 0; expected a finite real number`);
  }
  return evaluate;
}

/** Compile a schedule spec to a function of time. `path` is used in errors. */
export function compileSchedule(spec: ScheduleSpec, path = 'schedule'): Schedule {
  if (typeof spec === 'number') return () => spec;
  switch (spec.kind) {
    case 'table':
      return tableSchedule(spec.points);
    case 'linear': {
      const { from, to, end } = spec;
      const start = spec.start ?? 0;
      return (t) => from + (to - from) * clampRamp(t, start, end);
    }
    case 'exponential': {
      const { from, to, end } = spec;
      const start = spec.start ?? 0;
      const logRatio = Math.log(to / from);
      return (t) => from * Math.exp(logRatio * clampRamp(t, start, end));
    }
    case 'logarithmic': {
      const { offset, timeScale } = spec;
      const amplitude = spec.amplitude ?? 1;
      return (t) => offset + amplitude * Math.log1p(Math.max(t, 0) / timeScale);
    }
    case 'expression':
      return expressionSchedule(spec.expr, `${path}.expr`);
  }
}

/** Times at which a schedule should be probed over [0, duration] (for range checks). */
export function probeTimes(spec: ScheduleSpec, duration: number, samples = 2001): number[] {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push((duration * i) / (samples - 1));
  if (typeof spec === 'object' && spec.kind === 'table') {
    for (const [t] of spec.points) if (t >= 0 && t <= duration) times.push(t);
  }
  return times;
}

/**
 * The smallest value a schedule takes on [0, duration], with the time it is
 * reached: used to reject, for example, a barrier that goes negative.
 */
export function scheduleMinimum(spec: ScheduleSpec, duration: number, path = 'schedule'): { value: number; time: number } {
  const schedule = compileSchedule(spec, path);
  let value = Infinity;
  let time = 0;
  for (const t of probeTimes(spec, duration)) {
    const v = schedule(t);
    if (!(v >= value)) {
      value = v;
      time = t;
    }
  }
  return { value, time };
}
