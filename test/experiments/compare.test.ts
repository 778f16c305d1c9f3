import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePhysicsRun } from '../../src/commands/run.js';
import { runCompareCommand } from '../../src/commands/compare.js';
import { compareEntries, compareResults, comparisonCsv, type ComparisonEntry } from '../../src/experiments/compare.js';
import { loadAnyConfig, runAnyConfig } from '../../src/experiments/dispatch.js';
import { chiSquareSurvival, fitInverseTime, weightedLinearFit } from '../../src/experiments/sweep/fit.js';
import { randomStream } from '../../src/physics/rng.js';
import { checkSvg } from '../../src/report/svg-check.js';
import { bitEntropy } from '../../src/thermo/estimators.js';
import { root } from './sweep-helpers.js';

describe('weighted least squares for Q_inf + B/tau', () => {
  it('recovers an exact line and gives the textbook parameter SEs', () => {
    // x = 0, 1, 2 with unit SEs: Var(a) = Sxx/det = 5/6, Var(b) = S/det = 3/6.
    const line = weightedLinearFit([0, 1, 2], [1, 3, 5], [1, 1, 1]);
    expect(line.intercept).toBeCloseTo(1, 12);
    expect(line.slope).toBeCloseTo(2, 12);
    expect(line.interceptSe).toBeCloseTo(Math.sqrt(5 / 6), 12);
    expect(line.slopeSe).toBeCloseTo(Math.sqrt(1 / 2), 12);
    expect(line.chi2).toBeCloseTo(0, 12);
    const tau = fitInverseTime([20, 40, 80, 160], [20, 40, 80, 160].map((t) => Math.LN2 + 12 / t), [0.03, 0.03, 0.02, 0.02]);
    expect(tau.intercept).toBeCloseTo(Math.LN2, 12);
    expect(tau.slope).toBeCloseTo(12, 10);
  });

  it('chi-square p-values match tabulated quantiles', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(5.991464547107979, 2)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(7, 2)).toBeCloseTo(Math.exp(-3.5), 12); // dof 2: exp(-x/2) exactly
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(0.10258658877510106, 2)).toBeCloseTo(0.95, 9);
  });

  it('the reported SEs are the spread of the fitted values over noisy data sets (4000 fits)', () => {
    const taus = [20, 40, 80, 160];
    const ses = [0.031, 0.027, 0.022, 0.022];
    const rng = randomStream(11, 0, 'fit-test');
    const intercepts: number[] = [];
    const slopes: number[] = [];
    let pSum = 0;
    let reported = weightedLinearFit([0, 1], [0, 1], [1, 1]);
    const n = 4000;
    for (let k = 0; k < n; k++) {
      const means = taus.map((t, i) => 0.667 + 12.5 / t + ses[i] * rng.normal());
      reported = fitInverseTime(taus, means, ses);
      intercepts.push(reported.intercept);
      slopes.push(reported.slope);
      pSum += reported.pValue;
    }
    const spread = (v: number[], centre: number) => Math.sqrt(v.reduce((a, x) => a + (x - centre) ** 2, 0) / v.length);
    // Sample SD over n draws has relative SE 1/sqrt(2n) = 1.1%; allow 4 of them.
    expect(Math.abs(spread(intercepts, 0.667) / reported.interceptSe - 1)).toBeLessThan(4 / Math.sqrt(2 * n));
    expect(Math.abs(spread(slopes, 12.5) / reported.slopeSe - 1)).toBeLessThan(4 / Math.sqrt(2 * n));
    // Unbiased, and p-values uniform under the true model (mean 1/2, SE sqrt(1/12n)).
    expect(Math.abs(intercepts.reduce((a, b) => a + b) / n - 0.667)).toBeLessThan(4 * reported.interceptSe / Math.sqrt(n));
    expect(Math.abs(pSum / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / (12 * n)));
  });
});

describe('compare: runs and sweep points against their bounds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limsim-compare-'));
  const runDir = join(dir, 'erasure-run');
  const run = runAnyConfig(loadAnyConfig(join(root, 'sim-configs', 'landauer-erasure.yaml')), { replicas: 600, seed: 5 });
  if (run.kind !== 'physics') throw new Error('expected a physics run');
  writePhysicsRun(run.run, runDir);

  it('a run folder: measured heat against the Landauer bound H(p_0) - H(p_tau), ratio, excess in SE', () => {
    const c = compareResults([runDir]);
    const landauer = c.bounds.find((b) => b.bound === 'landauer');
    if (!landauer) throw new Error('no landauer bound');
    const r = run.run.summary.results;
    expect(landauer.measured).toBe(r.heat.mean);
    expect(landauer.measuredSe).toBe(r.heat.se);
    const eps = r.finalOccupancy[0];
    // H(p_tau) Miller-Madow corrected over the 600 replicas: + (K_obs - 1) / (2 n) when both states are seen.
    expect(landauer.value).toBeCloseTo(Math.LN2 - bitEntropy(eps) - (eps > 0 ? 1 / (2 * 600) : 0), 12);
    expect(landauer.ratio).toBeCloseTo(r.heat.mean / landauer.value, 12);
    expect(landauer.excessSigmas).toBeCloseTo((r.heat.mean - landauer.value) / Math.hypot(r.heat.se, landauer.boundSe), 12);
    expect(landauer.violated).toBe(false);
    expect(c.bounds.map((b) => b.bound)).toContain('second-law');
    expect(c.violations).toBe(0);
  });

  it('flags a measured mean more than 4 combined SE below its bound, and only then', () => {
    const entry = (measured: number): ComparisonEntry => ({
      source: 'synthetic',
      label: `Q = ${measured}`,
      kind: 'physics',
      params: {},
      metrics: {},
      bounds: [
        {
          name: 'landauer',
          quantity: 'heat',
          value: Math.LN2,
          boundSe: 0.03,
          measured,
          measuredSe: 0.04,
          excess: measured - Math.LN2,
          ratio: measured / Math.LN2,
          violated: measured < Math.LN2 - 4 * 0.05,
          source: 'test',
          assumptions: '',
        },
      ],
    });
    const c = compareEntries([entry(Math.LN2 - 0.19), entry(Math.LN2 - 0.21)]);
    expect(c.bounds.map((b) => b.violated)).toEqual([false, true]);
    expect(c.bounds[1].excessSigmas).toBeCloseTo(-0.21 / 0.05, 12);
    expect(c.violations).toBe(1);
    expect(comparisonCsv(c).trim().split('\n')[2]).toMatch(/,true,violated,test$/);
  });

  it('exact data (SE = 0, deterministic engines) get an unweighted fit with no SE', () => {
    const entries: ComparisonEntry[] = [10, 20, 40].map((tau) => ({
      source: `exact#${tau}`,
      label: `tau=${tau}`,
      kind: 'physics',
      params: { 'time.duration': tau },
      metrics: { duration: tau, 'heat.mean': 0.7 + 9 / tau, 'heat.se': 0, 'work.mean': 0.7 + 9 / tau, 'work.se': 0 },
      bounds: [],
      sweep: { id: 'x', name: 'exact', index: tau, dir: 'exact' },
    }));
    const [heat] = compareEntries(entries).fits;
    expect(heat.fit.intercept).toBeCloseTo(0.7, 12);
    expect(heat.fit.slope).toBeCloseTo(9, 10);
    expect(heat.fit.interceptSe).toBeNaN();
  });

  it('the command prints a table, CSV or JSON, and writes compare.csv, compare.json and valid SVG plots', async () => {
    let text = '';
    await runCompareCommand([runDir], {}, (t) => (text += t));
    expect(text).toMatch(/landauer\s+heat/);
    expect(text).toMatch(/0 violation\(s\)/);
    let json = '';
    await runCompareCommand([join(runDir, 'summary.json')], { json: true }, (t) => (json += t));
    expect(JSON.parse(json).bounds.length).toBeGreaterThan(0);
    let csv = '';
    await runCompareCommand([runDir], { csv: true }, (t) => (csv += t));
    expect(csv.split('\n')[0]).toBe('source,label,bound,quantity,measured_kT_mean,measured_kT_se,bound_kT,bound_kT_se,ratio,excess_kT,excess_sigmas,violated,status,reference');

    // Three runs at three speeds (the same protocol shape) give a tau fit and its plot.
    const runs = [10, 20, 40].map((tau) => {
      const config = loadAnyConfig(join(root, 'sim-configs', 'landauer-erasure.yaml'));
      if (config.kind !== 'physics') throw new Error('expected physics');
      const k = tau / 20;
      const c = config.loaded.config;
      const scaled = structuredClone(c);
      scaled.time.duration = tau;
      for (const key of ['barrierHeight', 'tilt'] as const) {
        const spec = (scaled.potential as Record<string, unknown>)[key] as { points: [number, number][] };
        spec.points = spec.points.map(([t, v]) => [t * k, v]);
      }
      const r = runAnyConfig({ ...config, loaded: { ...config.loaded, config: { ...scaled, replicas: 400, seed: tau } } });
      if (r.kind !== 'physics') throw new Error('expected physics');
      const folder = join(dir, `tau-${tau}`);
      writePhysicsRun(r.run, folder);
      return folder;
    });
    const out = join(dir, 'compare-out');
    await runCompareCommand(runs, { out }, () => {});
    const written = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
    expect(written.fits.map((f: { quantity: string }) => f.quantity)).toEqual(['heat', 'work']);
    expect(written.fits[0].points.map((p: { duration: number }) => p.duration)).toEqual([10, 20, 40]);
    const svg = checkSvg(readFileSync(join(out, 'heat-vs-duration-landauer-erasure.svg'), 'utf8'));
    expect(svg.texts.join(' ')).toMatch(/kT ln 2 \(Landauer\)/);
    expect(svg.texts).toContain('inverse protocol time 1/tau [kT / (gamma x_m^2)]');
  });
});
