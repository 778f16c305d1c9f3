import { describe, expect, it } from 'vitest';
import { runAnyConfig, validateAnyConfig } from '../../src/experiments/dispatch.js';
import { loadTrainingData, type StoreSummary, type TrainingRun } from '../../src/experiments/training-run.js';
import { lifsonJacksonMobility } from '../../src/memory/washboard.js';

/**
 * Energy-speed trade-off of learning in memory (docs/physics.md §5, docs/lim-bounds.md §6).
 * The same gradient-descent path is run in time T and in 2T: at a fixed
 * barrier (fixed mobility mu) the tilt gain kappa is halved, so the drift
 * v = mu kappa |g| halves and the cells follow the same path at half speed.
 * The drag heat int F v dt = (kappa / step) (L_0 - L_T) then halves; what
 * does not halve is the sample-and-hold heat kappa step tr(H) mu T of holding
 * the gradient tilt over each window while the cell diffuses, which is the
 * same in both runs. Drag-dominated regime: the cells travel ~100 levels
 * (Peclet number ~ l F / 2 >> 1) with |F| <= 1.2 kT/a (linear response).
 */

const BARRIER = 3;
const BITS = 8;
const RANGE: [number, number] = [-1.5, 1.5];
const STEP = (RANGE[1] - RANGE[0]) / (2 ** BITS - 1);

function config(tiltGain: number, updates: number) {
  return {
    kind: 'training',
    name: `energy-speed-${updates}`,
    seed: 4,
    dataset: { kind: 'linear-regression', samples: 100, features: 3, noiseStd: 0.3, trueWeights: [1.2, -1.0, 0.6], trueBias: 0.8 },
    model: { kind: 'linear-regression' },
    training: { copies: 12, updates, updateInterval: 1, learningRate: 0.05, recordPoints: 11 },
    stores: [{ kind: 'lim', bits: BITS, range: RANGE, tiltGain, barrier: { kind: 'constant', value: BARRIER } }],
  };
}

function run(tiltGain: number, updates: number): { run: TrainingRun; lim: StoreSummary } {
  const raw = config(tiltGain, updates);
  const any = runAnyConfig(validateAnyConfig(raw, '', 'test.yaml'));
  if (any.kind !== 'training') throw new Error('expected a training run');
  return { run: any.run, lim: any.run.summary.stores[0] };
}

describe('energy-speed trade-off: doubling the training time halves the LIM update (drag) heat', () => {
  const T = 700;
  const fast = run(0.8, T);
  const slow = run(0.4, 2 * T);
  const { train } = loadTrainingData(validateAnyConfig(config(0.8, T), '', 't').loaded.config as never, 'test.yaml');
  let sum = 0;
  for (let i = 0; i < train.features.length; i++) sum += train.features[i] ** 2;
  const trace = sum / train.sampleCount + 1;
  const mobility = lifsonJacksonMobility(BARRIER);
  const hold = (kappa: number, time: number) => kappa * STEP * trace * mobility * time;
  const drag = (r: { run: TrainingRun; lim: StoreSummary }, kappa: number) =>
    (kappa / STEP) * (r.run.results[0].curve[0].loss.mean - r.lim.lossBeforeConsolidation.mean);

  it('update heat = drag (kappa/step)(L_0 - L_T) + sample-and-hold kappa step tr(H) mu T, in both runs', () => {
    for (const [r, kappa, time] of [
      [fast, 0.8, T],
      [slow, 0.4, 2 * T],
    ] as const) {
      const q = r.lim.heat.update;
      const predicted = drag(r, kappa) + hold(kappa, time);
      // Allowance: the hold term uses the zero-tilt mobility; at |F| <= 1.2 the hop rate is up to ~6% higher.
      expect(Math.abs(q.mean - predicted)).toBeLessThan(4 * q.se + 0.06 * hold(kappa, time));
      expect(r.lim.diagnostics.largestTiltAsked as number).toBeLessThan(1.3);
    }
  });

  it('Q(2T) / Q(T) is about 1/2 (above it by the share of the T-independent hold heat); the drag part scales as 1/T within 4 SE', () => {
    const qa = fast.lim.heat.update;
    const qb = slow.lim.heat.update;
    const ratio = qb.mean / qa.mean;
    const dragFast = qa.mean - hold(0.8, T);
    const dragSlow = qb.mean - hold(0.4, 2 * T);
    const dragRatio = dragFast / dragSlow;
    const dragRatioSe = dragRatio * Math.hypot(qa.se / dragFast, qb.se / dragSlow);
    console.log(
      `energy-speed: T = ${T}: update heat ${qa.mean.toFixed(2)} ± ${qa.se.toFixed(2)} kT; 2T: ${qb.mean.toFixed(2)} ± ${qb.se.toFixed(2)} kT; ` +
        `Q(2T)/Q(T) = ${ratio.toFixed(4)}; hold heat ${hold(0.8, T).toFixed(2)} kT in both; drag(T)/drag(2T) = ${dragRatio.toFixed(4)} ± ${dragRatioSe.toFixed(4)}; ` +
        `final loss ${fast.lim.finalLoss.mean.toFixed(4)} / ${slow.lim.finalLoss.mean.toFixed(4)}`,
    );
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(0.6);
    expect(Math.abs(dragRatio - 2)).toBeLessThan(4 * dragRatioSe);
  });

  it('the drag bound of the measured paths also halves, and measured heat stays above the LIM bound', () => {
    const a = fast.lim.lim!;
    const b = slow.lim.lim!;
    // Same path (within the copy-mean noise), twice the mobility budget: l^2 / R halves.
    expect(a.update / b.update).toBeGreaterThan(1.8);
    expect(a.update / b.update).toBeLessThan(2.2);
    for (const r of [fast, slow]) {
      expect(r.lim.bound.holds).toBe(true);
      expect(r.lim.heat.update.mean).toBeGreaterThan(r.lim.lim!.update);
    }
  });
});
