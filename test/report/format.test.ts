import { describe, expect, it } from 'vitest';
import { formatEstimate, formatNumber } from '../../src/report/format.js';

describe('numbers at the precision their SE supports', () => {
  it('rounds the SE to 2 significant digits and the mean to the same decimal place', () => {
    expect(formatEstimate(3.76012, 0.06012)).toBe('3.760 ± 0.060');
    expect(formatEstimate(12.3456, 1.234)).toBe('12.3 ± 1.2');
    expect(formatEstimate(1234.5, 370)).toBe('1230 ± 370');
    expect(formatEstimate(-0.004567, 0.000123)).toBe('-0.00457 ± 0.00012');
  });

  it('shares one exponent for joules and other tiny or huge values', () => {
    expect(formatEstimate(1.5574e-20, 2.4897e-22)).toBe('(1.557 ± 0.025)e-20');
    expect(formatEstimate(2.5e7, 1.2e5)).toBe('(2.500 ± 0.012)e7');
  });

  it('an exact value (SE 0) keeps 6 significant digits without trailing zeros', () => {
    expect(formatEstimate(Math.LN2, 0)).toBe('0.693147');
    expect(formatNumber(0.001)).toBe('0.001');
    expect(formatNumber(4.1419e-21)).toBe('4.1419e-21');
  });
});

describe('tables that fit 100 columns', () => {
  const header = ['check', 'measured ± SE', 'expected', 'tolerance', 'unit', 'result'];
  const rows = [
    ['Landauer: <Q> falls toward ln2 - H(eps) (FP, tau 5/20/80) with a long explanation', '0.822814', '0.60933', 'falling, >= floor (2.006 > 1.264 > 0.823)', 'kT', 'PASS'],
    ['first law per trajectory (Langevin)', '8.9067e-15', '0', '< 1e-9 relative', 'rel.', 'PASS'],
  ];

  it('wraps the widest columns so every line fits, keeping every word', async () => {
    const { textTable } = await import('../../src/report/format.js');
    const text = textTable(header, rows);
    const lines = text.split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
    const words = (t: string) => t.split(/\s+/).filter(Boolean);
    for (const cell of rows.flat()) for (const w of words(cell)) expect(text).toContain(w);
    // The result column stays intact on the row's first line.
    expect(lines.find((l) => l.startsWith('Landauer:'))?.endsWith('PASS')).toBe(true);
  });

  it('--wide keeps one line per row', async () => {
    const { setWideTables, textTable } = await import('../../src/report/format.js');
    setWideTables(true);
    try {
      expect(textTable(header, rows).split('\n')).toHaveLength(2 + rows.length);
    } finally {
      setWideTables(false);
    }
  });
});
