import { describe, expect, it } from 'vitest';
import { loadAnyConfig, runAnyConfig } from '../../src/experiments/dispatch.js';
import { limBound } from '../../src/learning/lim-bound.js';
import { randomStream } from '../../src/physics/rng.js';

describe('LIM bound: a property of the task, not of the number of copies', () => {
  it('synthetic paths: the leave-one-out length estimates the mean path; the copy-mean polygon is lengthened by noise', () => {
    // One parameter, mean path x(t_k) = 10 (1 - e^{-k/10}) over 41 checkpoints (length 10 (1 - e^{-4}) = 9.817),
    // each copy with independent N(0, 1) noise at every checkpoint.
    const checkpoints = 41;
    const truth = (k: number) => 10 * (1 - Math.exp(-k / 10));
    const measure = (copies: number) => {
      const rng = randomStream(5, copies, 'test');
      const copyPath = Array.from({ length: checkpoints }, () => new Float64Array(copies));
      const meanPath = new Float64Array(checkpoints);
      for (let k = 0; k < checkpoints; k++) {
        for (let c = 0; c < copies; c++) {
          copyPath[k][c] = truth(k) + rng.normal();
          meanPath[k] += copyPath[k][c] / copies;
        }
      }
      return limBound({
        meanPath,
        copyPath,
        seed: 1,
        checkpoints,
        parameterCount: 1,
        mobilityBudget: 1e6,
        initialLevelEntropy: new Float64Array(1),
        finalLevels: new Int32Array(copies),
        copies,
        bits: 8,
      });
    };
    // The polygon through the 9 nodes of the true path: the same monotone path, length 9.817.
    const exact = truth(40) - truth(0);
    for (const copies of [4, 16, 64]) {
      const b = measure(copies);
      // The bootstrap SE is on the bound; at R = 1e6 the bound is l^2 / R, so se(l) = se(B) R / (2 l).
      const lengthSe = (b.totalSe * 1e6) / (2 * b.pathLengths[0]);
      expect(Math.abs(b.pathLengths[0] - exact), `${copies} copies: ${b.pathLengths[0]} ± ${lengthSe}`).toBeLessThan(4 * lengthSe + 0.05 * exact);
      // The plug-in copy-mean polygon over all 41 checkpoints is far longer (noise adds ~0.8 sqrt(2/C) per step).
      expect(b.copyMeanPathLengths[0]).toBeGreaterThan(exact + 10 * Math.sqrt(2 / copies));
    }
  });

  it('lim-linear-regression.yaml: the bound with 4 and with 16 copies agrees within 4 combined SE', () => {
    const bound = (copies: number) => {
      const run = runAnyConfig(loadAnyConfig('sim-configs/lim-linear-regression.yaml'), { replicas: copies });
      if (run.kind !== 'training') throw new Error('expected a training run');
      const lim = run.run.summary.stores.find((s) => s.kind === 'lim')!;
      expect(lim.bound.violated).toBe(false);
      expect(lim.bound.ratioSe).toBeGreaterThan(0);
      return lim.lim!;
    };
    const four = bound(4);
    const sixteen = bound(16);
    expect(four.totalSe).toBeGreaterThan(0);
    expect(sixteen.totalSe).toBeGreaterThan(0);
    expect(sixteen.totalSe).toBeLessThan(four.totalSe);
    const combined = Math.hypot(four.totalSe, sixteen.totalSe);
    expect(Math.abs(four.total - sixteen.total), `${four.total} ± ${four.totalSe} vs ${sixteen.total} ± ${sixteen.totalSe}`).toBeLessThan(4 * combined);
  }, 60000);
});
