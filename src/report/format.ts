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

/** "1.2345 ± 0.0123" with a sensible number of digits. */
export function formatEstimate(mean: number, se: number): string {
  if (!Number.isFinite(se) || se === 0) return `${formatNumber(mean)}`;
  const digits = Math.max(0, Math.min(8, 1 - Math.floor(Math.log10(se))));
  return `${mean.toFixed(digits)} ± ${se.toFixed(digits)}`;
}

export function formatNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 1e5 || magnitude < 1e-3 ? value.toExponential(4) : value.toPrecision(6);
}

/** A plain text table with right-aligned columns after the first. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
