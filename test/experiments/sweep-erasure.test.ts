import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../../src/experiments/compare.js';
import { loadSweepSpec, planSweep, runSweep } from '../../src/experiments/sweep.js';
import { bitEntropy } from '../../src/thermo/estimators.js';
import { root } from './sweep-helpers.js';

/**
 * The erasure-speed sweep (sim-configs/sweeps/erasure-speed.yaml), as shipped:
 * tau = 20, 40, 80, 160, 3000 replicas each, independent seeds. The weighted
 * fit <Q>(tau) = Q_inf + B/tau must give an asymptote equal to kT ln 2 and to
 * the partial-erasure floor kT (ln 2 - H(eps)) at the slowest protocol's error,
 * each within 4 standard errors, with a positive excess coefficient B.
 *
 * For scale (not asserted): the exact Fokker-Planck heat of this protocol
 * (dt = 1e-3) is 1.289, 1.008, 0.847, 0.761 kT at these taus, whose fit with
 * these weights gives Q_inf = 0.69 kT and B = 12 kT·time; the floor at the
 * exact eps = 0.0040 is 0.667 kT.
 */
describe('erasure speed: <Q>(tau) = Q_inf + B/tau', () => {
  it('the fitted asymptote equals kT ln 2 and the partial-erasure floor within 4 SE; B > 0 beyond 4 SE', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'limsim-erasure-')), 'erasure-speed');
    const plan = planSweep(loadSweepSpec(join(root, 'sim-configs', 'sweeps', 'erasure-speed.yaml')));
    expect(plan.points.map((p) => p.params['time.duration'])).toEqual([20, 40, 80, 160]);
    await runSweep(plan, { out, workers: 2, progress: { start() {}, pointDone() {}, stop() {} } });

    const comparison = compareResults([out]);
    const heatFit = comparison.fits.find((f) => f.quantity === 'heat');
    if (!heatFit?.partialFloor) throw new Error('no heat fit with a Landauer floor');
    const { fit, partialFloor } = heatFit;
    const eps = partialFloor.errorProbability ?? NaN;
    console.log(
      `erasure speed: Q_inf = ${fit.intercept.toFixed(4)} ± ${fit.interceptSe.toFixed(4)} kT, B = ${fit.slope.toFixed(2)} ± ${fit.slopeSe.toFixed(2)}, ` +
        `chi2 = ${fit.chi2.toFixed(2)}/${fit.dof} (p = ${fit.pValue.toFixed(4)}, SE scaled: ${fit.seScaled}); floor ${partialFloor.value.toFixed(4)} ± ${partialFloor.se.toFixed(4)} at eps = ${eps}; ` +
        `heat ${heatFit.means.map((m, i) => `${m.toFixed(3)}±${heatFit.ses[i].toFixed(3)}`).join(', ')}`,
    );

    // The bit was erased: a small error at every speed.
    expect(eps).toBeLessThan(0.02);
    // H(p_tau) Miller-Madow corrected: + (K_obs - 1) / (2 n) when both states are seen.
    const replicas = Number(comparison.entries[0].metrics.replicas);
    expect(partialFloor.value).toBeCloseTo(Math.LN2 - bitEntropy(eps) - (eps > 0 ? 1 / (2 * replicas) : 0), 12);
    // Asymptote against kT ln 2, and against the floor at the reached error (its SE included).
    expect(Math.abs(fit.intercept - Math.LN2)).toBeLessThan(4 * fit.interceptSe);
    expect(Math.abs(fit.intercept - partialFloor.value)).toBeLessThan(4 * Math.hypot(fit.interceptSe, partialFloor.se));
    // A finite-time excess that falls like 1/tau is resolved: B > 0 beyond 4 SE.
    expect(fit.slope).toBeGreaterThan(4 * fit.slopeSe);
    // The second law in the Landauer form holds at every speed (no violation flagged).
    expect(comparison.bounds.filter((b) => b.bound === 'landauer')).toHaveLength(4);
    expect(comparison.violations).toBe(0);
  });
});
