import { ConfigError } from '../errors.js';
import { compileSchedule, tableSegment, type ScheduleSpec } from '../physics/schedules.js';
import type { PotentialSpec } from '../physics/potentials.js';

/**
 * The protocol parametrisation of `limsim optimize` (docs/optimize.md §1).
 * Each varied schedule lambda(t) becomes a piecewise-linear table through
 *   (0, lambda_0), (eps, theta_0), (t_1, theta_1), ..., (t_K, theta_K), (tau - eps, theta_{K+1}), (tau, lambda_tau)
 * with t_k = k tau / (K + 1) and eps = JUMP_TIME_FRACTION tau: the end values
 * lambda_0, lambda_tau of the config define the operation and stay fixed; the
 * K + 2 values theta are free, and the two knots at eps and tau - eps let the
 * protocol jump right after the start and right before the end (optimal
 * protocols generally do: Schmiedl & Seifert, PRL 98, 108301 (2007)). With
 * eps far below any time step, the jump happens within the first (last) step.
 */

/** eps / tau of the jump knots: far below any time step an engine takes. */
export const JUMP_TIME_FRACTION = 1e-7;

/** Schedulable fields of each potential kind that the adjoint can differentiate (U is smooth in them). */
const VARIABLE_FIELDS: Record<string, string[]> = {
  harmonic: ['stiffness', 'centre', 'tilt'],
  'double-well': ['barrierHeight', 'wellPosition', 'tilt'],
  washboard: ['barrierHeight', 'tilt'],
};
/** A discrete memory (master-equation objective) varies its state energies and barriers: energies[i], barriers[i]. */
const DISCRETE_FIELDS = ['energies', 'barriers'];
const DISCRETE_FIELD_NAMES = ['energies[i]', 'barriers[i]'];

/** Defaults of optional fields (src/physics/potentials.ts). */
const FIELD_DEFAULTS: Record<string, number> = { centre: 0, tilt: 0, wellPosition: 1 };

/** Fields that must stay > 0 (the potential confines nothing otherwise). */
const POSITIVE_FIELDS: Record<string, string[]> = {
  harmonic: ['stiffness'],
  'double-well': ['barrierHeight', 'wellPosition'],
  washboard: [],
  discrete: [],
};

export interface VariedField {
  /** Dotted config path, e.g. potential.barrierHeight or potential.terms[1].tilt. */
  path: string;
  /** Keys from the config root to the field. */
  keys: (string | number)[];
  /** The potential kind owning the field and the field's name in it. */
  kind: 'harmonic' | 'double-well' | 'washboard' | 'discrete';
  /** The field's name in its potential: centre, tilt, ... or energies[i], barriers[i] of a discrete memory. */
  leaf: string;
  /** The name bounds may also use: energies / barriers for a discrete memory, else the leaf. */
  group: string;
  /** The name Potential.parameters() gives it: the path without "potential.". */
  parameterName: string;
  /** Fixed values at t = 0 and t = tau (from the config's schedule). */
  startValue: number;
  endValue: number;
  /** Times of the free knots: eps, t_1..t_K, tau - eps. */
  knotTimes: number[];
  /** The config's schedule at the knot times: the starting point. */
  initialValues: number[];
  /** Box constraint on the whole schedule (kept exactly by a change of variables). */
  lower: number;
  upper: number;
  /** Whether the field must be > 0 (for the default lower bound). */
  positive: boolean;
}

/** Parse potential.terms[0].tilt into keys. */
export function parseFieldPath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  const pattern = /^([A-Za-z][A-Za-z0-9]*)((?:\[\d+\])*)$/;
  for (const part of path.split('.')) {
    const match = pattern.exec(part);
    if (!match) throw new ConfigError('--vary', `got "${path}"; expected a dotted field path such as potential.centre or potential.terms[0].tilt`);
    keys.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) keys.push(Number(index[1]));
  }
  return keys;
}

/**
 * The config object (potential spec) that holds the field, and the field's key;
 * for a discrete memory's potential.energies[i] / potential.barriers[i], the
 * list and the index.
 */
function locate(
  config: Record<string, unknown>,
  keys: (string | number)[],
  path: string,
): { owner: Record<string | number, unknown>; leaf: string | number; kind: string; leafName: string } {
  if (keys[0] !== 'potential' || keys.length < 2) {
    throw new ConfigError('--vary', `got "${path}"; expected a schedule of the potential, e.g. potential.centre`);
  }
  let node: unknown = config;
  let parent: unknown = undefined;
  for (const key of keys.slice(0, -1)) {
    if (node === null || typeof node !== 'object') break;
    parent = node;
    node = (node as Record<string | number, unknown>)[key];
  }
  const leaf = keys[keys.length - 1];
  const listName = keys[keys.length - 2];
  if (
    Array.isArray(node) &&
    typeof leaf === 'number' &&
    (listName === 'energies' || listName === 'barriers') &&
    parent !== null &&
    typeof parent === 'object' &&
    (parent as { kind?: unknown }).kind === 'discrete'
  ) {
    if (leaf >= node.length) throw new ConfigError('--vary', `got "${path}"; the discrete memory has ${node.length} ${listName}`);
    return { owner: node as unknown as Record<number, unknown>, leaf, kind: 'discrete', leafName: `${listName}[${leaf}]` };
  }
  if (node === null || typeof node !== 'object' || typeof leaf !== 'string' || !('kind' in node)) {
    throw new ConfigError('--vary', `got "${path}"; the config has no potential there`);
  }
  return { owner: node as Record<string, unknown>, leaf, kind: (node as { kind: string }).kind, leafName: leaf };
}

export interface ParametrisationOptions {
  /** Interior knots K (>= 0). */
  knots: number;
  duration: number;
  /** Box bounds by leaf name or full path (e.g. barrierHeight or potential.tilt). */
  bounds?: Map<string, { lower?: number; upper?: number }>;
}

/** The varied fields of a config (validated plain data), with their knots and bounds. */
export function parametrise(config: Record<string, unknown>, paths: string[], options: ParametrisationOptions): VariedField[] {
  const { knots, duration } = options;
  if (!(Number.isInteger(knots) && knots >= 0 && knots <= 200)) {
    throw new ConfigError('--knots', `got ${knots}; expected an integer in [0, 200]`);
  }
  if (paths.length === 0) throw new ConfigError('--vary', 'missing; expected at least one schedule to optimize, e.g. --vary potential.centre');
  const seen = new Set<string>();
  const eps = JUMP_TIME_FRACTION * duration;
  const knotTimes = [eps];
  for (let k = 1; k <= knots; k++) knotTimes.push((k * duration) / (knots + 1));
  knotTimes.push(duration - eps);
  return paths.map((path) => {
    if (seen.has(path)) throw new ConfigError('--vary', `got "${path}" twice; expected each field once`);
    seen.add(path);
    const keys = parseFieldPath(path);
    const { owner, leaf: key, kind, leafName: leaf } = locate(config, keys, path);
    const group = kind === 'discrete' ? (typeof keys[keys.length - 1] === 'number' ? (keys[keys.length - 2] as string) : leaf) : leaf;
    const allowed = kind === 'discrete' ? DISCRETE_FIELDS : VARIABLE_FIELDS[kind];
    if (!allowed || !allowed.includes(group)) {
      throw new ConfigError(
        '--vary',
        `got "${path}"; a ${kind} potential can vary ${kind === 'discrete' ? DISCRETE_FIELD_NAMES.join(', ') : allowed ? allowed.join(', ') : 'none of its fields (use its terms)'}`,
      );
    }
    const spec = (owner[key] ?? FIELD_DEFAULTS[leaf]) as ScheduleSpec | undefined;
    if (spec === undefined) throw new ConfigError(path, 'missing; expected a value or schedule to start from');
    const schedule = compileSchedule(spec, path);
    const positive = POSITIVE_FIELDS[kind].includes(leaf);
    const bound = options.bounds?.get(path) ?? options.bounds?.get(leaf) ?? options.bounds?.get(group) ?? {};
    const startValue = schedule(0);
    const endValue = schedule(duration);
    const initialValues = knotTimes.map((t) => schedule(t));
    // A positive field without a given lower bound keeps at least half its smallest starting value.
    const smallest = Math.min(startValue, endValue, ...initialValues);
    const lower = bound.lower ?? (positive ? 0.5 * smallest : -Infinity);
    const upper = bound.upper ?? Infinity;
    if (!(upper > lower)) throw new ConfigError('--constraint', `bounds on ${path} are [${lower}, ${upper}]; expected lower < upper`);
    for (const [label, value] of [['t = 0', startValue], [`t = tau = ${duration}`, endValue]] as const) {
      if (value < lower || value > upper) {
        throw new ConfigError(path, `is ${value} at ${label}, outside the constraint [${lower}, ${upper}]; the end values are fixed, so expected them inside`);
      }
    }
    return {
      path,
      keys,
      kind: kind as VariedField['kind'],
      leaf,
      group,
      parameterName: path.replace(/^potential\./, ''),
      startValue,
      endValue,
      knotTimes: [...knotTimes],
      initialValues,
      lower,
      upper,
      positive,
    };
  });
}

/** The table schedule of a field with free knot values `theta`. */
export function fieldTable(field: VariedField, theta: ArrayLike<number>, duration: number): { kind: 'table'; points: [number, number][] } {
  const points: [number, number][] = [[0, field.startValue]];
  field.knotTimes.forEach((t, i) => points.push([t, theta[i]]));
  points.push([duration, field.endValue]);
  return { kind: 'table', points };
}

/** A deep copy of a config with each varied field replaced by its table at the knot values `theta` (concatenated per field). */
export function applyProtocol<T extends Record<string, unknown>>(config: T, fields: VariedField[], theta: ArrayLike<number>, duration: number): T {
  const copy = structuredClone(config);
  let offset = 0;
  for (const field of fields) {
    const n = field.knotTimes.length;
    const slice = Array.from({ length: n }, (_, i) => theta[offset + i]);
    offset += n;
    const { owner, leaf } = locate(copy, field.keys, field.path);
    owner[leaf] = fieldTable(field, slice, duration);
  }
  return copy;
}

/** Number of free values over all fields. */
export function freeCount(fields: VariedField[]): number {
  return fields.reduce((n, f) => n + f.knotTimes.length, 0);
}

/**
 * Weights of the free knots in lambda(t), exactly as the table schedule of
 * src/physics/schedules.ts interpolates: lambda(t) = (1 - s) v_lo + s v_hi.
 * Returns [index of v_lo among the free knots or -1, weight, index of v_hi or -1, weight].
 */
export function knotWeights(field: VariedField, t: number, duration: number): [number, number, number, number] {
  const times = [0, ...field.knotTimes, duration];
  const last = times.length - 1;
  if (t <= times[0] || t >= times[last]) return [-1, 0, -1, 0];
  const lo = tableSegment(times, t);
  const hi = lo + 1;
  const s = (t - times[lo]) / (times[hi] - times[lo]);
  // Point index i maps to free knot i - 1; points 0 and last are fixed.
  const free = (i: number) => (i >= 1 && i <= last - 1 ? i - 1 : -1);
  return [free(lo), 1 - s, free(hi), s];
}

/**
 * dU/dlambda(x) for a varied field, from the owning potential's current
 * parameters (U of src/physics/potentials.ts), as a function of x:
 *   harmonic  U = (k/2)(x - c)^2 - F x;  double well U = E_b (s^2 - 1)^2 - F x, s = x / x_m;
 *   washboard U = (E_b/2)(1 - cos(2 pi x / a)) - F x + walls (independent of E_b and F).
 */
export function energyDerivative(field: VariedField, parameters: Record<string, number>): (x: number) => number {
  const prefix = field.parameterName.slice(0, field.parameterName.length - field.leaf.length);
  const p = (name: string) => parameters[prefix + name];
  if (field.leaf === 'tilt') return (x) => -x;
  switch (field.kind) {
    case 'harmonic': {
      const centre = p('centre');
      const stiffness = p('stiffness');
      return field.leaf === 'stiffness' ? (x) => 0.5 * (x - centre) * (x - centre) : (x) => -stiffness * (x - centre);
    }
    case 'double-well': {
      const xm = p('wellPosition');
      const eb = p('barrierHeight');
      return field.leaf === 'barrierHeight'
        ? (x) => ((x / xm) ** 2 - 1) ** 2
        : (x) => {
            const s = x / xm;
            return (-4 * eb * (s * s - 1) * s * s) / xm;
          };
    }
    case 'washboard': {
      const k = (2 * Math.PI) / p('spacing');
      return (x) => 0.5 * (1 - Math.cos(k * x));
    }
    case 'discrete':
      throw new Error('energyDerivative: a discrete memory has no U(x); its gradient is master-adjoint.ts');
  }
}

// ------------------------------------------------------------ box constraints by change of variables

function softplus(z: number): number {
  return z > 30 ? z : Math.log1p(Math.exp(z));
}
function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
function inverseSoftplus(y: number): number {
  return y > 30 ? y : y + Math.log(-Math.expm1(-y));
}

/**
 * theta = T(phi) keeps lower <= theta <= upper for any unconstrained phi:
 * lower + softplus(phi), upper - softplus(-phi), or lower + (upper - lower) sigmoid(phi).
 * Returns theta and dtheta/dphi.
 */
export function boxTransform(phi: number, lower: number, upper: number): [number, number] {
  const hasLower = Number.isFinite(lower);
  const hasUpper = Number.isFinite(upper);
  if (hasLower && hasUpper) {
    const s = sigmoid(phi);
    return [lower + (upper - lower) * s, (upper - lower) * s * (1 - s)];
  }
  if (hasLower) return [lower + softplus(phi), sigmoid(phi)];
  if (hasUpper) return [upper - softplus(-phi), sigmoid(-phi)];
  return [phi, 1];
}

/** The phi of a starting theta, moved inside the box by 1 % of its scale when it sits on a bound. */
export function inverseBoxTransform(theta: number, lower: number, upper: number): number {
  const hasLower = Number.isFinite(lower);
  const hasUpper = Number.isFinite(upper);
  if (hasLower && hasUpper) {
    const margin = 0.01 * (upper - lower);
    const clamped = Math.min(upper - margin, Math.max(lower + margin, theta));
    const s = (clamped - lower) / (upper - lower);
    return Math.log(s / (1 - s));
  }
  const scale = 0.01 * Math.max(1, Math.abs(hasLower ? lower : upper));
  if (hasLower) return inverseSoftplus(Math.max(theta - lower, scale));
  if (hasUpper) return -inverseSoftplus(Math.max(upper - theta, scale));
  return theta;
}

/** Potential spec type guard for the continuous engines. */
export function isContinuousPotential(spec: unknown): spec is PotentialSpec {
  return typeof spec === 'object' && spec !== null && (spec as { kind?: string }).kind !== 'discrete';
}
