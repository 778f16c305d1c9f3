import { describe, expect, it } from 'vitest';
import { compareEntries, comparisonTable, type ComparisonEntry } from '../../src/experiments/compare.js';
import { chiSquareSurvival, fitInverseTime, weightedLinearFit } from '../../src/experiments/sweep/fit.js';
import { randomStream } from '../../src/physics/rng.js';

describe('fit quality: chi^2/dof, p, and SEs scaled when the fit is poor', () => {
  it('chi^2, dof, chi^2/dof and p by hand; p < 0.05 scales the parameter SEs by sqrt(chi^2/dof)', () => {
    // A line through (0, 0), (1, 1), (2, 2), (3, 3) displaced by +-0.3 with SE 0.1: a poor fit.
    const x = [0, 1, 2, 3];
    const y = [0.3, 0.7, 2.3, 2.7];
    const se = [0.1, 0.1, 0.1, 0.1];
    const fit = weightedLinearFit(x, y, se);
    let chi2 = 0;
    for (let i = 0; i < 4; i++) chi2 += ((y[i] - fit.intercept - fit.slope * x[i]) / se[i]) ** 2;
    expect(fit.chi2).toBeCloseTo(chi2, 10);
    expect(fit.dof).toBe(2);
    expect(fit.chi2PerDof).toBeCloseTo(chi2 / 2, 10);
    expect(fit.pValue).toBeCloseTo(Math.exp(-chi2 / 2), 12); // dof 2: p = exp(-chi2/2)
    expect(fit.pValue).toBeLessThan(0.05);
    expect(fit.seScaled).toBe(true);
    // Unscaled SEs of equal weights w = 100 over x = 0..3: Var(a) = sxx / det, Var(b) = s / det.
    const w = 100;
    const det = 4 * w * (14 * w) - (6 * w) ** 2;
    expect(fit.interceptSe).toBeCloseTo(Math.sqrt((14 * w) / det) * Math.sqrt(chi2 / 2), 12);
    expect(fit.slopeSe).toBeCloseTo(Math.sqrt((4 * w) / det) * Math.sqrt(chi2 / 2), 12);
    expect(fit.seScale).toBeCloseTo(Math.sqrt(chi2 / 2), 12);
  });

  it('with honest SEs p is uniform: p < 0.05 in 5% of 2000 seeded data sets (within 4 binomial SE), and then only is the SE scaled', () => {
    const rng = randomStream(11, 0, 'fit-test');
    const durations = [20, 40, 80, 160];
    const ses = [0.03, 0.027, 0.022, 0.022];
    let small = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const means = durations.map((d, i) => 0.69 + 12 / d + ses[i] * rng.normal());
      const fit = fitInverseTime(durations, means, ses);
      expect(fit.seScaled).toBe(fit.pValue < 0.05 && fit.chi2PerDof > 1);
      if (fit.pValue < 0.05) small++;
    }
    const expected = 0.05 * trials;
    expect(Math.abs(small - expected)).toBeLessThan(4 * Math.sqrt(trials * 0.05 * 0.95));
    expect(chiSquareSurvival(5.991464547107979, 2)).toBeCloseTo(0.05, 9);
  });

  it('a duration fit refuses points that share a seed, and says why; independent seeds are fitted', () => {
    const entries = (seed: (i: number) => number): ComparisonEntry[] =>
      [10, 20, 40, 80].map((tau, i) => ({
        source: `s#${i}`,
        label: `tau=${tau}`,
        kind: 'physics',
        params: { 'time.duration': tau },
        metrics: { duration: tau, engine: 'langevin', 'heat.mean': 0.7 + 9 / tau, 'heat.se': 0.02, 'work.mean': 0.7 + 9 / tau, 'work.se': 0.02 },
        bounds: [],
        sweep: { id: 'x', name: 'grid', index: i, dir: 'grid' },
        seed: seed(i),
      }));
    const shared = compareEntries(entries(() => 1));
    expect(shared.fits).toHaveLength(0);
    expect(shared.refusedFits).toHaveLength(1);
    expect(shared.refusedFits[0].reason).toMatch(/share seed\(s\) 1.*--seeds independent/);
    expect(comparisonTable(shared)).toMatch(/no fit: the 4 points share seed/);
    const independent = compareEntries(entries((i) => 100 + i));
    expect(independent.refusedFits).toHaveLength(0);
    expect(independent.fits.map((f) => f.quantity)).toEqual(['heat', 'work']);
    expect(comparisonTable(independent)).toMatch(/chi2 = 0\.00 \/ 2 dof = 0\.00, p = 1\.000/);
  });
});
