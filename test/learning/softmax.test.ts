import { describe, expect, it } from 'vitest';
import { loadDigits } from '../../src/learning/datasets.js';
import { createModel, createSoftmaxRegression } from '../../src/learning/models.js';
import { randomStream } from '../../src/physics/rng.js';
import type { Dataset } from '../../src/learning/dataset-types.js';

/** Softmax regression: gradient against central finite differences; the shipped digits file (data/README.md). */

function smallMulticlass(): Dataset {
  const rng = randomStream(4, 0, 'test');
  const m = 30;
  const d = 5;
  const features = new Float64Array(m * d);
  const targets = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    targets[i] = i % 3;
    for (let j = 0; j < d; j++) features[i * d + j] = rng.normal() + (j === targets[i] ? 1.5 : 0);
  }
  return { name: 'toy', features, targets, sampleCount: m, featureCount: d, task: 'multiclass', classCount: 3 };
}

describe('softmax regression', () => {
  it('the analytic gradient equals central finite differences (O(h^2) error, 1e-7 relative)', () => {
    const data = smallMulticlass();
    const model = createSoftmaxRegression(5, 3);
    const rng = randomStream(9, 0, 'test');
    const w = Float64Array.from({ length: model.parameterCount }, () => 0.5 * rng.normal());
    const g = new Float64Array(model.parameterCount);
    model.gradient(w, data, g);
    const h = 1e-5;
    for (let p = 0; p < model.parameterCount; p++) {
      const plus = w.slice();
      const minus = w.slice();
      plus[p] += h;
      minus[p] -= h;
      const fd = (model.loss(plus, data) - model.loss(minus, data)) / (2 * h);
      expect(Math.abs(g[p] - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
    }
    // A mini-batch gradient is the gradient of the mini-batch loss.
    const batch = Int32Array.from([3, 7, 11, 20]);
    model.gradient(w, data, g, batch);
    const p = 4;
    const plus = w.slice();
    const minus = w.slice();
    plus[p] += h;
    minus[p] -= h;
    expect(g[p]).toBeCloseTo((model.loss(plus, data, batch) - model.loss(minus, data, batch)) / (2 * h), 7);
  });

  it('at zero parameters every class has p = 1/K: loss ln K, accuracy the share of class 0 (argmax ties go to 0)', () => {
    const data = smallMulticlass();
    const model = createSoftmaxRegression(5, 3);
    const zero = new Float64Array(model.parameterCount);
    expect(model.loss(zero, data)).toBeCloseTo(Math.log(3), 12);
    expect(model.accuracy(zero, data)).toBeCloseTo(10 / 30, 12);
  });
});

describe('digits data (data/digits.csv.gz)', () => {
  it('1797 samples, 64 pixels in 0..16, the UCI class counts, and a 650-parameter softmax model', () => {
    const data = loadDigits();
    expect(data.sampleCount).toBe(1797);
    expect(data.featureCount).toBe(64);
    const counts = new Array(10).fill(0);
    for (const y of data.targets) counts[y]++;
    expect(counts).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    expect(Math.max(...data.features)).toBe(16);
    expect(createModel({ kind: 'softmax-regression' }, data).parameterCount).toBe(650);
  });
});

describe('MLP with a softmax output (multiclass)', () => {
  it('the backpropagated gradient equals central finite differences', async () => {
    const { SoftmaxMlpModel } = await import('../../src/learning/models.js');
    const data = smallMulticlass();
    const model = new SoftmaxMlpModel(5, 4, 3);
    expect(model.parameterCount).toBe(4 * 5 + 4 + 3 * 4 + 3);
    const w = model.initParameters(2);
    const g = new Float64Array(model.parameterCount);
    model.gradient(w, data, g);
    const h = 1e-5;
    for (let p = 0; p < model.parameterCount; p++) {
      const plus = w.slice();
      const minus = w.slice();
      plus[p] += h;
      minus[p] -= h;
      const fd = (model.loss(plus, data) - model.loss(minus, data)) / (2 * h);
      expect(Math.abs(g[p] - fd)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
    }
    // createModel picks it for multiclass data: 64 x 16 + 16 + 10 x 16 + 10 = 1210 parameters on the digits.
    expect(createModel({ kind: 'mlp', hiddenUnits: 16 }, loadDigits()).parameterCount).toBe(1210);
  });
});
