import { ConfigError } from '../errors.js';
import { taskCurvature, type CalibrationTask } from './calibration.js';

/**
 * Calibrated precision (docs/lim-calibration.md §4a): a store whose `bits` is
 * absent, `auto` or `auto+k` takes the least n whose rounding floor fits the
 * loss budget,
 *
 *   Q(n) = tr(H) step(n)^2 / 24 <= ROUNDING_SHARE x B,
 *   step(n) = (w_max - w_min) / (2^n - 1),   B = lossTolerance x L_float,
 *
 * (plus k bits for `auto+k`). Q is the expected excess loss of rounding the
 * optimum to the levels with independent errors uniform on a level
 * (docs/lim-calibration.md §3); the other half of B is left for the LIM
 * thermal floor (§4 spends half of B - Q on it) and for the dither of
 * stochastic rounding that the settling phases (§5, §6) do not remove.
 */
export const ROUNDING_SHARE = 0.5;

/** A store's precision as written: a number of bits, or calibrated with an offset. */
export type BitsRequest = { kind: 'given'; bits: number } | { kind: 'auto'; offset: number };

const AUTO = /^auto(?:\+(\d+))?$/;

/** `bits` of a store spec: absent or 'auto' -> calibrated, 'auto+k' -> calibrated + k, a number -> given. */
export function parseBitsRequest(value: unknown, path: string): BitsRequest {
  if (value === undefined) return { kind: 'auto', offset: 0 };
  if (typeof value === 'number') return { kind: 'given', bits: value };
  const m = typeof value === 'string' ? AUTO.exec(value.trim()) : null;
  if (!m) throw new ConfigError(path, `is ${JSON.stringify(value)}; expected an integer number of bits >= 1, 'auto' or 'auto+k' (k extra bits over the calibrated precision)`);
  return { kind: 'auto', offset: m[1] === undefined ? 0 : Number(m[1]) };
}

/** Rounding floor tr(H) step^2 / 24 of n bits over `range`. */
export function roundingFloor(traceH: number, range: [number, number], bits: number): number {
  const step = (range[1] - range[0]) / (2 ** bits - 1);
  return (Math.max(traceH, 0) * step * step) / 24;
}

export interface PrecisionCalibration {
  /** The precision the store uses: the least feasible n plus the offset. */
  bits: number;
  /** The least n with Q(n) <= share x B. */
  leastFeasibleBits: number;
  offset: number;
  range: [number, number];
  step: number;
  traceH: number;
  /** Q at the chosen n, and at the least feasible n - 1 (null when n* = 1). */
  roundingFloor: number;
  roundingFloorBelow: number | null;
  lossBudget: number;
  roundingShare: number;
  reason: string;
}

/**
 * The least n (1 ... maxBits) whose rounding floor fits ROUNDING_SHARE of the
 * loss budget, plus `offset`. Throws ConfigError at `path` when even maxBits
 * does not fit, or when the offset takes n above maxBits.
 */
export function calibratePrecision(input: {
  task: CalibrationTask;
  range: [number, number];
  offset: number;
  maxBits: number;
  path: string;
  share?: number;
}): PrecisionCalibration {
  const { task, range, offset, maxBits, path } = input;
  const share = input.share ?? ROUNDING_SHARE;
  const traceH = Math.max(taskCurvature(task).traceH, 0);
  const lossBudget = task.lossTolerance * Math.abs(task.floatLoss);
  const limit = share * lossBudget;
  let least = 0;
  for (let n = 1; n <= maxBits && least === 0; n++) if (roundingFloor(traceH, range, n) <= limit) least = n;
  const fmt = (x: number) => x.toPrecision(3);
  if (least === 0) {
    throw new ConfigError(
      path,
      `is auto: no precision up to ${maxBits} bits meets the loss budget (rounding floor tr(H) step^2 / 24 = ${fmt(roundingFloor(traceH, range, maxBits))} ` +
        `at ${maxBits} bits over [${range.map(fmt).join(', ')}] > ${share} x ${fmt(lossBudget)}); expected a larger comparison.lossTolerance, a narrower range or given bits`,
    );
  }
  const bits = least + offset;
  if (bits > maxBits) {
    throw new ConfigError(path, `is auto+${offset}: the calibrated ${least} bits + ${offset} = ${bits}; expected at most ${maxBits} bits for this store`);
  }
  const step = (range[1] - range[0]) / (2 ** bits - 1);
  const q = roundingFloor(traceH, range, bits);
  const below = least > 1 ? roundingFloor(traceH, range, least - 1) : null;
  const reason =
    `least n with tr(H) step^2 / 24 <= ${share} x loss budget ${fmt(lossBudget)} (tr H = ${fmt(traceH)}, range [${range.map(fmt).join(', ')}]): ` +
    `n = ${least} gives ${fmt(roundingFloor(traceH, range, least))}` +
    (below !== null ? `, n = ${least - 1} gives ${fmt(below)}` : '') +
    (offset > 0 ? `; + ${offset} bits requested (auto+${offset})` : '');
  return { bits, leastFeasibleBits: least, offset, range, step, traceH, roundingFloor: q, roundingFloorBelow: below, lossBudget, roundingShare: share, reason };
}

/**
 * A given precision whose rounding floor takes more than ROUNDING_SHARE of the loss budget
 * (the margin the calibrated precision keeps, §4a): such a store lands at or beyond the
 * tolerance, since the settle dither and the thermal floor come on top of Q (measured: at
 * 8 bits over [-4, 4] on 100-feature least squares, Q = 0.75 B, the digital store missed the
 * float loss on each of seeds 1-6 and the LIM store on 3 of 6). Null when the margin is kept.
 */
export function marginalPrecision(input: { traceH: number; range: [number, number]; bits: number; lossBudget: number; maxBits: number }): {
  roundingFloor: number;
  budgetShare: number;
  leastFeasibleBits: number | null;
} | null {
  const { traceH, range, bits, lossBudget, maxBits } = input;
  const q = roundingFloor(traceH, range, bits);
  if (!(lossBudget > 0) || q <= ROUNDING_SHARE * lossBudget) return null;
  let least: number | null = null;
  for (let n = bits + 1; n <= maxBits && least === null; n++) if (roundingFloor(traceH, range, n) <= ROUNDING_SHARE * lossBudget) least = n;
  return { roundingFloor: q, budgetShare: q / lossBudget, leastFeasibleBits: least };
}
