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

/** Terminal width a table is wrapped to (100 columns; --wide lifts the limit). */
export const TABLE_WIDTH = 100;
let tableWidth = TABLE_WIDTH;

/** --wide: print tables on one line per row, however wide. */
export function setWideTables(wide: boolean): void {
  tableWidth = wide ? Infinity : TABLE_WIDTH;
}

/** Break text into lines of at most `width` characters, at spaces where it can. */
export function wrapText(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let rest = word;
    while (rest.length > width) {
      if (line) lines.push(line), (line = '');
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
    }
    if (!line) line = rest;
    else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
    else lines.push(line), (line = rest);
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * A plain text table, right-aligned columns after the first, that fits
 * `maxWidth` columns (default 100, or unlimited after setWideTables(true)):
 * the widest columns are narrowed in turn and their cells wrapped onto more lines,
 * down to the longest word of each column.
 */
export function textTable(header: string[], rows: string[][], maxWidth: number = tableWidth): string {
  const gap = 2;
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const longestWord = header.map((h, c) => Math.max(...[h, ...rows.map((r) => r[c] ?? '')].flatMap((t) => t.split(' ').map((w) => w.length)), 1));
  const total = () => widths.reduce((a, w) => a + w, 0) + gap * (widths.length - 1);
  // First wrap headers only (down to the longest data cell), then data cells (down to the longest word).
  const longestCell = header.map((_, c) => Math.max(1, ...rows.map((r) => (r[c] ?? '').length)));
  for (const floor of [widths.map((_, c) => Math.max(longestWord[c], longestCell[c])), longestWord]) {
    while (total() > maxWidth) {
      // Narrow the widest column that can still shrink by one: widths level out.
      let best = -1;
      for (let c = 0; c < widths.length; c++) if (widths[c] > floor[c] && (best < 0 || widths[c] > widths[best])) best = c;
      if (best < 0) break;
      widths[best]--;
    }
  }
  const render = (cells: string[]) => {
    const wrapped = widths.map((w, c) => wrapText(cells[c] ?? '', w));
    const height = Math.max(...wrapped.map((l) => l.length));
    return Array.from({ length: height }, (_, k) =>
      wrapped.map((lines, c) => (c === 0 ? (lines[k] ?? '').padEnd(widths[c]) : (lines[k] ?? '').padStart(widths[c]))).join(' '.repeat(gap)).trimEnd(),
    ).join('\n');
  };
  return [render(header), widths.map((w) => '-'.repeat(w)).join(' '.repeat(gap)), ...rows.map(render)].join('\n');
}
