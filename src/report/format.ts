import { kTToJoules } from '../physics/units.js';
import type { Estimate } from '../engines/problem.js';

/** An estimate in kT with its joule equivalent: what every reported energy carries. */
export interface EnergyReport {
  /** Mean, kT. */
  mean: number;
  /** Standard error of the mean, kT (0 for exact solvers). */
  se: number;
  n: number;
  meanJ: number;
  seJ: number;
}

export function energyReport(estimate: Estimate, temperatureK: number): EnergyReport {
  return {
    mean: estimate.mean,
    se: estimate.se,
    n: estimate.n,
    meanJ: kTToJoules(estimate.mean, temperatureK),
    seJ: kTToJoules(estimate.se, temperatureK),
  };
}

/**
 * "1.234 ± 0.056": the SE to 2 significant digits and the mean to the same
 * decimal place, the precision the SE supports (a third digit of an SE is
 * noise). Very large or small values share one exponent: "(1.557 ± 0.025)e-20".
 * An exact value (SE 0 or not finite) prints as formatNumber. Human output
 * only: JSON and CSV keep full precision.
 */
export function formatEstimate(mean: number, se: number): string {
  if (!Number.isFinite(mean)) return String(mean);
  if (!Number.isFinite(se) || se <= 0) return formatNumber(mean);
  const scale = Math.max(Math.abs(mean), se);
  const exponent = scale >= 1e5 || scale < 1e-3 ? Math.floor(Math.log10(scale)) : 0;
  const m = mean / 10 ** exponent;
  const s = se / 10 ** exponent;
  // The decimal place of the SE's second significant digit.
  const place = Math.floor(Math.log10(s)) - 1;
  const round = (v: number) => (place < 0 ? v.toFixed(Math.min(12, -place)) : String(Math.round(v / 10 ** place) * 10 ** place));
  const body = `${round(m)} ± ${round(s)}`;
  return exponent === 0 ? body : `(${body})e${exponent}`;
}

/** A value without an SE: 6 significant digits, trailing zeros dropped (0.001, not 0.00100000). */
export function formatNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(4).replace(/\.?0+e/, 'e');
  return String(Number(value.toPrecision(6)));
}

/** A plain text table with right-aligned columns after the first. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
