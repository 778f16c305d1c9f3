import { describe, expect, it } from 'vitest';
import { lusolve } from 'mathjs';
import { validateAnyConfig } from '../../src/experiments/dispatch.js';
import { loadTrainingData, runTraining, trainingSummaryText } from '../../src/experiments/training-run.js';
import type { TrainingConfig } from '../../src/experiments/training-schema.js';
import type { LoadedConfig } from '../../src/experiments/config.js';
import { createModel } from '../../src/learning/models.js';

/**
 * An unconverged float baseline is said so: a store that ends below the float
 * loss by more than lossTolerance, resolved beyond 4 SE over the copies, gets a
 * warning line naming it, and the summary carries the loss at the known
 * optimum (least squares here, checked against a dense solve of the normal
 * equations). The matchesFloat rule itself is unchanged.
 */

function load(config: unknown): LoadedConfig<TrainingConfig> {
  const text = JSON.stringify(config);
  const parsed = validateAnyConfig(JSON.parse(text), text, '/tmp/optimum-test.json');
  if (parsed.kind !== 'training') throw new Error('expected a training config');
  return parsed.loaded;
}

describe('float baseline not converged', () => {
  // 301 parameters, 600 samples, 300 updates at eta = 0.05: the slowest directions (h ~ 0.09) are left at e^{-2.6}.
  const loaded = load({
    kind: 'training',
    name: 'unconverged-float',
    seed: 1,
    dataset: { kind: 'linear-regression', samples: 600, features: 300, noiseStd: 0.5 },
    model: { kind: 'linear-regression' },
    training: { copies: 2, updates: 300, learningRate: 0.05, recordPoints: 3 },
    stores: [{ kind: 'float' }, { kind: 'digital', bits: 10, calibration: { engine: 'monte-carlo', replicas: 100 } }],
    comparison: { lossTolerance: 0.05 },
  });
  const run = runTraining(loaded);
  const s = run.summary;

  it('the optimum loss is least squares on the training data (dense normal equations)', () => {
    const { train } = loadTrainingData(loaded.config, loaded.path);
    const d = train.featureCount;
    const m = train.sampleCount;
    const A: number[][] = Array.from({ length: d + 1 }, () => new Array(d + 1).fill(0));
    const b: number[] = new Array(d + 1).fill(0);
    for (let i = 0; i < m; i++) {
      const row = [...train.features.subarray(i * d, (i + 1) * d), 1];
      for (let a = 0; a <= d; a++) {
        b[a] += row[a] * train.targets[i];
        for (let c = 0; c <= d; c++) A[a][c] += row[a] * row[c];
      }
    }
    const w = Float64Array.from((lusolve(A, b) as number[][]).map((r) => r[0]));
    const exact = createModel(loaded.config.model, train).loss(w, train);
    expect(s.floatBaseline.optimumLoss).toBeDefined();
    expect(Math.abs((s.floatBaseline.optimumLoss as number) - exact) / exact).toBeLessThan(1e-8);
    expect(s.floatBaseline.finalLoss).toBeGreaterThan(exact);
  });

  it('a store resolved below float - tolerance gets the warning in the summary and the printed verdict; matchesFloat unchanged', () => {
    const digital = s.stores.find((x) => x.kind === 'digital');
    expect(digital).toBeDefined();
    if (!digital) return;
    const gap = s.floatBaseline.finalLoss * (1 - s.lossTolerance) - digital.finalLoss.mean;
    expect(gap).toBeGreaterThan(4 * digital.finalLoss.se);
    expect(digital.matchesFloat).toBe(true);
    expect(s.floatBaseline.notConverged?.map((x) => x.store)).toEqual(['digital']);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/^float baseline not converged: store digital ends [0-9.]+ % below it.*compare against the optimum loss/);
    const text = trainingSummaryText(run, '/tmp/never');
    expect(text).toContain('warning: float baseline not converged: store digital');
    expect(s.verdict.ok).toBe(true);
  });
});
