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
