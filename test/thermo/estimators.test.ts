import { describe, expect, it } from 'vitest';
import { randomStream } from '../../src/physics/rng.js';
import {
  bitEntropy,
  bootstrap,
  differentialEntropy,
  jarzynskiFreeEnergy,
  levelEntropy,
  levelEntropyStandardError,
  normalConfidenceInterval,
  normalQuantile,
  wasserstein2Grid,
  wasserstein2Samples,
} from '../../src/thermo/estimators.js';
import { estimateMean } from '../../src/thermo/statistics.js';

function normalSample(n: number, seed: number, mean = 0, sd = 1): Float64Array {
  const rng = randomStream(seed, 0, 'test');
  return Float64Array.from({ length: n }, () => mean + sd * rng.normal());
}

function gaussianOnGrid(lo: number, dx: number, cells: number, mean: number, sd: number): Float64Array {
  return Float64Array.from({ length: cells }, (_, j) => {
    const z = (lo + (j + 0.5) * dx - mean) / sd;
    return Math.exp(-0.5 * z * z) / (sd * Math.sqrt(2 * Math.PI));
  });
}

describe('entropies (nats)', () => {
  it('bit entropy: H(0) = H(1) = 0, H(1/2) = ln 2, H(0.1) by hand', () => {
    expect(bitEntropy(0)).toBe(0);
    expect(bitEntropy(1)).toBe(0);
    expect(bitEntropy(0.5)).toBeCloseTo(Math.LN2, 15);
    // -0.1 ln 0.1 - 0.9 ln 0.9 = 0.230258509 + 0.094824464 = 0.325082973
    expect(bitEntropy(0.1)).toBeCloseTo(0.3250829733914482, 14);
    expect(() => bitEntropy(1.5)).toThrow(RangeError);
  });

  it('level entropy of a uniform occupancy over 2^n levels is n ln 2; of a certain state, 0', () => {
    expect(levelEntropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(2 * Math.LN2, 15);
    expect(levelEntropy([0, 1, 0])).toBe(0);
    expect(levelEntropy([0.1, 0.9])).toBeCloseTo(bitEntropy(0.1), 15);
  });

  it('level-entropy standard error (delta method) matches the spread of H over repeated samples', () => {
    // p = (0.2, 0.8), n = 400 draws, 2000 repeats.
    const p = 0.2;
    const n = 400;
    const rng = randomStream(11, 0, 'test');
    const values = Float64Array.from({ length: 2000 }, () => {
      let ones = 0;
      for (let i = 0; i < n; i++) if (rng.uniform() < p) ones++;
      return bitEntropy(ones / n);
    });
    const spread = Math.sqrt(estimateMean(values).se ** 2 * values.length);
    const predicted = levelEntropyStandardError([p, 1 - p], n);
    // The SD estimated from 2000 repeats has relative error ~ 1/sqrt(2 * 2000) = 1.6%; allow 4 of those.
    expect(Math.abs(spread / predicted - 1)).toBeLessThan(0.064);
  });

  it('differential entropy of a Gaussian on a grid is (1/2) ln(2 pi e sigma^2)', () => {
    const sd = 0.3;
    const dx = 0.01;
    const density = gaussianOnGrid(-5, dx, 1000, 0.2, sd);
    expect(differentialEntropy(density, dx)).toBeCloseTo(0.5 * Math.log(2 * Math.PI * Math.E * sd * sd), 10);
  });
});

describe('Wasserstein-2', () => {
  it('two samples, one the other shifted by L: W2 = L to round-off', () => {
    const a = normalSample(5000, 1);
    const b = a.map((x) => x + 1.5).reverse(); // order does not matter
    expect(wasserstein2Samples(a, b)).toBeCloseTo(1.5, 12);
  });

  it('independent normal samples shifted by L: W2 = L within 4 SE of the mean difference', () => {
    // To first order W2 - L = mean(b) - mean(a) - L, whose SD is sigma sqrt(2/n);
    // the quantile-noise bias is O(sigma^2 ln ln n / n), far smaller.
    const n = 20_000;
    const a = normalSample(n, 2);
    const b = normalSample(n, 3, 1, 1);
    expect(Math.abs(wasserstein2Samples(a, b) - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });

  it('refuses samples of different sizes, saying why', () => {
    expect(() => wasserstein2Samples([1, 2, 3], [1, 2])).toThrow(/3 and 2 values.*equal sizes/);
  });

  it('two densities on a grid: W2 of shifted Gaussians is the shift; of Gaussians of widths s1, s2 it is |s1 - s2|', () => {
    const lo = -6;
    const dx = 0.005;
    const cells = 2400;
    // Shift by a whole number of cells: the piecewise-constant quantile functions differ by exactly L.
    const shifted = wasserstein2Grid(lo, dx, gaussianOnGrid(lo, dx, cells, -0.5, 0.4), gaussianOnGrid(lo, dx, cells, 0.7, 0.4));
    expect(shifted).toBeCloseTo(1.2, 10);
    // Q_b(u) - Q_a(u) = (s2 - s1) Phi^-1(u); the grid (cell-constant densities) adds O(dx^2).
    const widths = wasserstein2Grid(lo, dx, gaussianOnGrid(lo, dx, cells, 0, 0.3), gaussianOnGrid(lo, dx, cells, 0, 0.8));
    expect(widths).toBeCloseTo(0.5, 5);
    // Agrees with the sample formula on large samples.
    const fromSamples = wasserstein2Samples(normalSample(20_000, 4, 0, 0.3), normalSample(20_000, 5, 0, 0.8));
    expect(Math.abs(fromSamples - widths)).toBeLessThan(4 * Math.sqrt((0.3 ** 2 + 0.8 ** 2) / 20_000));
  });
});

describe('Jarzynski and the bootstrap', () => {
  it('Gaussian work W ~ N(mu, s^2): -ln <exp(-W)> = mu - s^2/2, within 4 bootstrap SE', () => {
    const mu = 2;
    const s = 1;
    const n = 10_000;
    const work = normalSample(n, 7, mu, s);
    const estimate = jarzynskiFreeEnergy(work, { seed: 1 });
    expect(estimate.n).toBe(n);
    expect(Math.abs(estimate.mean - (mu - (s * s) / 2))).toBeLessThan(4 * estimate.se);
    // Delta-method SE: sqrt(Var e^{-W}) / (sqrt(n) <e^{-W}>) = sqrt((e^{s^2} - 1) / n) = 0.0131.
    const deltaMethod = Math.sqrt((Math.exp(s * s) - 1) / n);
    expect(estimate.se).toBeGreaterThan(0.5 * deltaMethod);
    expect(estimate.se).toBeLessThan(2 * deltaMethod);
  });

  it('the bootstrap SE of a mean is sigma / sqrt(n), reproducible with its seed', () => {
    const values = normalSample(2000, 8, 0, 3);
    const mean = (x: Float64Array): number => x.reduce((a, b) => a + b, 0) / x.length;
    const first = bootstrap(values, mean, { seed: 5, resamples: 2000 });
    const again = bootstrap(values, mean, { seed: 5, resamples: 2000 });
    expect(again.se).toBe(first.se);
    // SE of a bootstrap SD from 2000 resamples ~ 1.6%, and of the sample SD ~ 1.6%: allow 10%.
    expect(Math.abs(first.se / (3 / Math.sqrt(2000)) - 1)).toBeLessThan(0.1);
    expect(first.ci[0]).toBeLessThan(first.estimate);
    expect(first.ci[1]).toBeGreaterThan(first.estimate);
  });
});

describe('normal confidence intervals', () => {
  it('quantiles against tables', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 13);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 12);
  });

  it('a 95% interval for a mean covers the true mean in 95% of repeated experiments', () => {
    const repeats = 1000;
    let covered = 0;
    for (let r = 0; r < repeats; r++) {
      const [lo, hi] = normalConfidenceInterval(estimateMean(normalSample(200, 100 + r, 1, 2)), 0.95);
      if (lo <= 1 && 1 <= hi) covered++;
    }
    // Binomial SD sqrt(0.95 * 0.05 / 1000) = 0.0069; the t-vs-normal gap at n = 200 is ~0.001.
    expect(Math.abs(covered / repeats - 0.95)).toBeLessThan(4 * 0.0069);
  });
});
