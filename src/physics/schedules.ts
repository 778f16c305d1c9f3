import { all, create, type MathNode } from 'mathjs';
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
    const lo = tableSegment(times, t);
    const s = (t - times[lo]) / (times[lo + 1] - times[lo]);
    return values[lo] + s * (values[lo + 1] - values[lo]);
  };
}

/**
 * The segment [times[lo], times[lo + 1]] of an increasing knot list that holds t, for
 * times[0] < t < times[last], by binary search. Shared by table schedules and by the
 * optimizer's knot weights (src/optimize/protocol.ts), so both interpolate alike.
 */
export function tableSegment(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid] <= t) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The expression sandbox. A schedule expression is a scalar function of t:
 * numbers, t, a few constants, arithmetic, comparisons, the conditional and
 * an allow-list of elementwise functions. Everything else (matrices, ranges
 * `1:n`, indexing, strings, objects, assignment, function definitions, and
 * functions such as zeros, size, sum, evaluate, parse, compile, import,
 * createUnit, simplify, derivative) is refused before anything is compiled
 * or evaluated, so an expression cannot allocate, loop, or mutate state. It
 * runs on a private mathjs instance (`predictable`: sqrt(-1) is NaN, not a
 * complex number), so nothing a config does reaches other users of mathjs.
 */
let sandboxInstance: ReturnType<typeof create> | undefined;
/** Created on first use: building a mathjs instance costs ~0.2 s, which verbs without expressions should not pay. */
function sandbox(): ReturnType<typeof create> {
  return (sandboxInstance ??= create(all, { predictable: true }));
}

const EXPRESSION_VARIABLES = new Set(['t']);
const MATH_CONSTANTS = new Set(['pi', 'e', 'PI', 'E', 'LN2', 'LN10', 'tau', 'Infinity']);
const ALLOWED_FUNCTIONS = new Set([
  'abs', 'sign', 'sqrt', 'cbrt', 'exp', 'expm1', 'log', 'log10', 'log2', 'log1p', 'pow', 'hypot',
  'sin', 'cos', 'tan', 'sec', 'csc', 'cot', 'asin', 'acos', 'atan', 'atan2',
  'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh',
  'min', 'max', 'floor', 'ceil', 'round', 'fix', 'mod',
]);
/** Operators as mathjs names them (`!` is factorial and `:` a range: both refused). */
const ALLOWED_OPERATORS = new Set([
  'add', 'subtract', 'multiply', 'divide', 'pow', 'mod', 'unaryMinus', 'unaryPlus',
  'smaller', 'larger', 'smallerEq', 'largerEq', 'equal', 'unequal', 'and', 'or', 'not',
]);
const ALLOWED_NODES = new Set(['ConstantNode', 'SymbolNode', 'OperatorNode', 'ParenthesisNode', 'FunctionNode', 'ConditionalNode']);
/** Size limits: longer expressions are a config mistake, and parse time grows with them. */
export const MAX_EXPRESSION_LENGTH = 1000;
const MAX_EXPRESSION_NODES = 500;
/** Time allowed to compile an expression and evaluate it at a few trial times. */
const EXPRESSION_TIME_LIMIT_MS = 200;

/** The first construct of an expression outside the sandbox, or null when all of it is allowed. */
function disallowedConstruct(root: MathNode): string | null {
  let problem: string | null = null;
  let nodes = 0;
  root.traverse((node, _path, parent) => {
    if (problem) return;
    if (++nodes > MAX_EXPRESSION_NODES) {
      problem = `more than ${MAX_EXPRESSION_NODES} terms`;
      return;
    }
    const n = node as unknown as { type: string; name?: string; fn?: unknown; op?: string; value?: unknown };
    if (!ALLOWED_NODES.has(n.type)) {
      problem = `${n.type.replace(/Node$/, '').toLowerCase()} "${node.toString()}" (only numbers, t, arithmetic and scalar functions are allowed)`;
      return;
    }
    if (n.type === 'ConstantNode' && typeof n.value !== 'number') {
      problem = `the constant ${node.toString()} (expected numbers only)`;
    } else if (n.type === 'OperatorNode' && !ALLOWED_OPERATORS.has(String(n.fn))) {
      problem = `the operator "${n.op}" (${String(n.fn)})`;
    } else if (n.type === 'FunctionNode') {
      const fn = n.fn as { type: string; name?: string };
      if (fn.type !== 'SymbolNode' || !ALLOWED_FUNCTIONS.has(String(fn.name))) {
        problem = `the function ${fn.type === 'SymbolNode' ? `"${fn.name}"` : `"${node.toString()}"`} (allowed: ${[...ALLOWED_FUNCTIONS].join(', ')})`;
      }
    } else if (n.type === 'SymbolNode') {
      const isCallee = parent?.type === 'FunctionNode' && (parent as unknown as { fn: MathNode }).fn === node;
      if (!isCallee && !EXPRESSION_VARIABLES.has(String(n.name)) && !MATH_CONSTANTS.has(String(n.name))) {
        problem = `unknown symbol ${n.name}; expected a function of t only`;
      }
    }
  });
  return problem;
}

let sandboxWarm = false;
/** mathjs builds its functions lazily on first use (~0.3 s): do that before timing an expression. */
function warmSandbox(): void {
  if (sandboxWarm) return;
  sandboxWarm = true;
  sandbox().parse('sqrt(abs(sin(t) + 1)) * exp(-t) + (t < 1 ? max(t, 1) : log(t))').compile().evaluate({ t: 0 });
}

function finiteAt(value: unknown, t: number, expr: string, path: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const shown = typeof value === 'number' ? String(value) : typeof value === 'boolean' ? `the boolean ${value}` : `a ${typeof value === 'object' && value !== null ? ((value as object).constructor?.name ?? 'non-number') : typeof value} (${String(value).slice(0, 40)})`;
  throw new ConfigError(path, `expression "${expr}" gives ${shown} at t = ${t}; expected a finite real number at every time of the protocol`);
}

function expressionSchedule(expr: string, path: string): Schedule {
  if (expr.length > MAX_EXPRESSION_LENGTH) {
    throw new ConfigError(path, `expression of ${expr.length} characters; expected at most ${MAX_EXPRESSION_LENGTH}`);
  }
  warmSandbox();
  const started = performance.now();
  let node: MathNode;
  try {
    node = sandbox().parse(expr);
  } catch (err) {
    const message = err instanceof RangeError ? 'nested too deeply' : (err as Error).message;
    throw new ConfigError(path, `expression "${expr}" does not parse: ${message}`);
  }
  const problem = disallowedConstruct(node);
  if (problem) throw new ConfigError(path, `expression "${expr}" uses ${problem}`);
  const compiled = node.compile();
  const scope = { t: 0 };
  // Checked at every evaluation (once per step for the whole ensemble, never per cell):
  // a value that turns NaN, infinite or complex mid-protocol is a ConfigError naming the field and time.
  const evaluate: Schedule = (t) => {
    scope.t = t;
    return finiteAt(compiled.evaluate(scope), t, expr, path);
  };
  try {
    evaluate(0);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(path, `expression "${expr}" fails at t = 0: ${(err as Error).message}`);
  }
  const elapsed = performance.now() - started;
  if (elapsed > EXPRESSION_TIME_LIMIT_MS) {
    throw new ConfigError(path, `expression "${expr}" took ${elapsed.toFixed(0)} ms to compile and evaluate once; expected a cheap scalar expression (limit ${EXPRESSION_TIME_LIMIT_MS} ms)`);
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
