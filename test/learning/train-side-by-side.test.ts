import { describe, expect, it } from 'vitest';
import { loadAnyConfig, runAnyConfig, validateAnyConfig } from '../../src/experiments/dispatch.js';
import type { StoreSummary, TrainingRun } from '../../src/experiments/training-run.js';
import { kramersRateDoubleWell } from '../../src/thermo/bounds.js';

/**
 * The four memory schemes on one task (sim-configs/train-side-by-side.yaml):
 * at matched final loss LIM releases far less heat than the conventional
 * digital store; the short-term/long-term store sits where K_c and its leak
 * rate put it; every store's heat is above its applicable bound.
 */

function store(run: TrainingRun, kind: string): StoreSummary {
  const s = run.summary.stores.find((x) => x.kind === kind);
  if (!s) throw new Error(`no ${kind} store`);
  return s;
}

function trainingRun(raw: unknown): TrainingRun {
  const any = runAnyConfig(validateAnyConfig(raw, '', 'test.yaml'));
  if (any.kind !== 'training') throw new Error('expected a training run');
  return any.run;
}

describe('side by side (sim-configs/train-side-by-side.yaml)', () => {
  const config = loadAnyConfig('sim-configs/train-side-by-side.yaml');
  const any = runAnyConfig(config);
  if (any.kind !== 'training' || config.kind !== 'training') throw new Error('expected a training config');
  const run = any.run;
  const digital = store(run, 'digital');
  const consolidation = store(run, 'consolidation');
  const lim = store(run, 'lim');

  it('every store reaches the float baseline loss within the tolerance (matched final loss)', () => {
    for (const s of run.summary.stores) expect(s.matchesFloat, s.name).toBe(true);
  });

  it('LIM releases less heat than the conventional digital store, by a factor > 10 with SE', () => {
    const c = run.summary.comparisons.find((x) => x.conventional === 'digital' && x.lim === 'lim')!;
    console.log(
      `heat per copy: digital ${digital.heat.total.mean.toFixed(0)} ± ${digital.heat.total.se.toFixed(0)} kT, ` +
        `consolidation ${consolidation.heat.total.mean.toFixed(0)} ± ${consolidation.heat.total.se.toFixed(0)} kT, ` +
        `LIM ${lim.heat.total.mean.toFixed(1)} ± ${lim.heat.total.se.toFixed(1)} kT; digital/LIM = ${c.heatRatio.mean.toFixed(2)} ± ${c.heatRatio.se.toFixed(2)}`,
    );
    expect(c.matchedLoss).toBe(true);
    expect(c.heatRatio.mean - 4 * c.heatRatio.se).toBeGreaterThan(10);
  });

  it('the digital store pays about its calibrated heat per flip for each flip (the update wall)', () => {
    const d = digital.diagnostics as { flipsPerCopy: number; pulsesPerCopy: number; calibration: { heatPerFlipAttempt: { mean: number } } };
    const perPulse = digital.heat.total.mean / d.pulsesPerCopy;
    expect(Math.abs(perPulse / d.calibration.heatPerFlipAttempt.mean - 1)).toBeLessThan(0.05);
    // docs/physics.md: about E_ret per flip; a 1-time-unit pulse at 1.2 F_c costs 3-3.5 E_ret (measured in the calibration).
    expect(perPulse / 50).toBeGreaterThan(1);
    expect(perPulse / 50).toBeLessThan(4);
  });

  it('every store: measured heat >= its applicable bound (LIM bound for LIM, n kT ln 2 per word written otherwise)', () => {
    for (const s of run.summary.stores) {
      expect(s.bound.holds, s.name).toBe(true);
      expect(s.bound.violated, s.name).toBe(false);
    }
    // And every physical store is above the LIM bound of the run.
    for (const s of [digital, consolidation, lim]) expect(s.limBoundRatio!).toBeGreaterThan(1);
  });
});

describe('short-term / long-term store: where K_c and the leak rate put it', () => {
  const base = (shortTermBarrier: number, consolidationInterval: number) => ({
    kind: 'training',
    name: 'stm',
    seed: 1,
    dataset: { kind: 'linear-regression', samples: 200, features: 3, noiseStd: 0.5 },
    model: { kind: 'linear-regression' },
    training: { copies: 16, updates: 200, updateInterval: 1, learningRate: 0.05, recordPoints: 5 },
    stores: [
      {
        kind: 'consolidation',
        bits: 8,
        range: [-2, 2],
        shortTermBarrier,
        longTermBarrier: 50,
        consolidationInterval,
        calibration: { engine: 'monte-carlo', replicas: 1000 },
      },
    ],
  });

  it('consolidation heat is proportional to the number of consolidations U / K_c (K_c = 25 vs 50)', () => {
    const often = trainingRun(base(12, 25)).summary.stores[0];
    const rarely = trainingRun(base(12, 50)).summary.stores[0];
    const a = often.heat.consolidation;
    const b = rarely.heat.consolidation;
    const ratio = a.mean / b.mean;
    const se = ratio * Math.hypot(a.se / a.mean, b.se / b.mean);
    console.log(`consolidation heat: K_c = 25: ${a.mean.toFixed(0)} ± ${a.se.toFixed(0)} kT (8 consolidations), K_c = 50: ${b.mean.toFixed(0)} ± ${b.se.toFixed(0)} kT (4); ratio ${ratio.toFixed(3)} ± ${se.toFixed(3)}`);
    // The words change only early in training, so each consolidation erases and writes about the same words.
    expect(Math.abs(ratio - 2)).toBeLessThan(4 * se + 0.1);
    // The update (volatile) heat does not depend on K_c.
    expect(Math.abs(often.heat.update.mean - rarely.heat.update.mean)).toBeLessThan(4 * Math.hypot(often.heat.update.se, rarely.heat.update.se));
  });

  it('the volatile bits leak at the Kramers rate of their barrier: sampled flips match (1 - e^{-2k Delta})/2 per bit and update (4 SE)', () => {
    const barrier = 8;
    const leaky = trainingRun(base(barrier, 50));
    const s = leaky.summary.stores[0];
    const d = s.diagnostics as { leakTogglesPerCopy: number };
    const k = kramersRateDoubleWell(barrier);
    const perBit = 0.5 * -Math.expm1(-2 * k * 1);
    const expected = perBit * 8 * 4 * 200;
    const se = Math.sqrt(expected / 16);
    console.log(`leak at ${barrier} kT: ${d.leakTogglesPerCopy.toFixed(2)} toggles per copy, expected ${expected.toFixed(2)} ± ${se.toFixed(2)} (k = ${k.toExponential(3)})`);
    expect(Math.abs(d.leakTogglesPerCopy - expected)).toBeLessThan(4 * se);
    // The leak corrupts the working copy: the consolidated loss is worse than with the 12 kT cell.
    const tight = trainingRun(base(12, 50)).summary.stores[0];
    expect(s.finalLoss.mean).toBeGreaterThan(tight.finalLoss.mean);
    expect(s.bound.holds).toBe(true);
  });
});
