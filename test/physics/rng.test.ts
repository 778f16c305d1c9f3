import { describe, expect, it } from 'vitest';
import { randomStream, type RandomStream } from '../../src/physics/rng.js';
import { kolmogorovSmirnov } from '../../src/thermo/statistics.js';

/**
 * Statistical checks of the normal and exponential generators (xoshiro128**
 * + 256-layer ziggurats) with fixed seeds. Every bound is 4 standard errors
 * of the estimator under the hypothesis that the draws are iid N(0, 1)
 * (resp. unit exponential).
 */

/**
 * Standard normal CDF by Marsaglia's series (J. Stat. Softw. 11(4), 2004):
 * Phi(x) = 1/2 + phi(x) (x + x^3/3 + x^5/(3 5) + ...), absolute error < 1e-15
 * for |x| < 8; beyond, Phi is 0 or 1 to double precision.
 */
function normalCdf(x: number): number {
  if (x < -8) return 0;
  if (x > 8) return 1;
  const q = x * x;
  let sum = x;
  let term = x;
  let previous = 0;
  for (let i = 1; sum !== previous; ) {
    previous = sum;
    i += 2;
    term *= q / i;
    sum += term;
  }
  return 0.5 + sum * Math.exp(-0.5 * q - 0.91893853320467274178);
}

function draws(stream: RandomStream, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = stream.normal();
  return out;
}

/** Pearson correlation of a[i] and b[i]. */
function correlation(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('normal generator: moments', () => {
  // Raw moments of N(0,1): E z^k = 0, 1, 0, 3; Var(z^k) = E z^2k - (E z^k)^2 = 1, 2, 15, 96.
  const expected = [0, 1, 0, 3];
  const variance = [1, 2, 15, 96];
  const n = 1_000_000;

  it.each([
    { seed: 1, block: 0, purpose: 'langevin' },
    { seed: 2, block: 17, purpose: 'initial' },
    { seed: 12345, block: 3, purpose: 'langevin' },
  ])('moments 1-4 within 4 SE (seed $seed, block $block, $purpose)', ({ seed, block, purpose }) => {
    const z = draws(randomStream(seed, block, purpose), n);
    const sums = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const x = z[i];
      const x2 = x * x;
      sums[0] += x;
      sums[1] += x2;
      sums[2] += x2 * x;
      sums[3] += x2 * x2;
    }
    for (let k = 0; k < 4; k++) {
      const mean = sums[k] / n;
      const se = Math.sqrt(variance[k] / n);
      expect(Math.abs(mean - expected[k]), `moment ${k + 1}: ${mean}`).toBeLessThan(4 * se);
    }
  });

  it('tail frequencies P(|z| > a) within 4 SE, for a below, at and beyond the ziggurat base R = 3.654', () => {
    // The base layer hands |z| > R to Marsaglia's tail method: check it is weighted right.
    const count = 4_000_000;
    const stream = randomStream(9, 0, 'tail');
    const levels = [2, 3, 3.6541528853610088, 4, 4.5];
    const hits = levels.map(() => 0);
    for (let i = 0; i < count; i++) {
      const a = Math.abs(stream.normal());
      for (let k = 0; k < levels.length; k++) if (a > levels[k]) hits[k]++;
    }
    levels.forEach((level, k) => {
      const p = 2 * normalCdf(-level);
      const se = Math.sqrt((p * (1 - p)) / count);
      expect(Math.abs(hits[k] / count - p), `P(|z| > ${level}) = ${hits[k] / count}, expected ${p}`).toBeLessThan(4 * se);
    });
  });
});

describe('normal generator: distribution', () => {
  it('the CDF helper matches known values of Phi', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 15);
  });

  it.each([1, 2, 3])('KS test against the normal CDF, 200000 draws (seed %i): p > 0.001', (seed) => {
    const z = draws(randomStream(seed, 0, 'ks'), 200_000);
    const { statistic, pValue } = kolmogorovSmirnov(z, normalCdf);
    expect(pValue, `D = ${statistic}`).toBeGreaterThan(0.001);
  });
});

describe('normal generator: independence', () => {
  const n = 500_000;
  const bound = 4 / Math.sqrt(n);

  it('successive draws are uncorrelated at lags 1-3, also in their squares (|r| < 4/sqrt(n))', () => {
    const z = draws(randomStream(5, 0, 'langevin'), n + 3);
    const squares = z.map((x) => x * x);
    for (const lag of [1, 2, 3]) {
      const r = correlation(z.subarray(0, n), z.subarray(lag, lag + n));
      const r2 = correlation(squares.subarray(0, n), squares.subarray(lag, lag + n));
      expect(Math.abs(r), `lag ${lag}: r = ${r}`).toBeLessThan(bound);
      expect(Math.abs(r2), `lag ${lag}: r(z^2) = ${r2}`).toBeLessThan(bound);
    }
  });

  it.each([
    { a: [5, 0, 'langevin'], b: [5, 1, 'langevin'], what: 'neighbouring blocks' },
    { a: [5, 0, 'langevin'], b: [5, 0, 'initial'], what: 'two purposes of one block' },
    { a: [5, 0, 'langevin'], b: [6, 0, 'langevin'], what: 'neighbouring seeds' },
  ] as const)('streams are uncorrelated: $what (|r| < 4/sqrt(n))', ({ a, b }) => {
    const x = draws(randomStream(a[0], a[1], a[2]), n);
    const y = draws(randomStream(b[0], b[1], b[2]), n);
    const r = correlation(x, y);
    expect(Math.abs(r), `r = ${r}`).toBeLessThan(bound);
    const r2 = correlation(
      x.map((v) => v * v),
      y.map((v) => v * v),
    );
    expect(Math.abs(r2), `r(z^2) = ${r2}`).toBeLessThan(bound);
  });

  it('a stream is reproducible from (seed, block, purpose)', () => {
    const first = draws(randomStream(8, 2, 'langevin'), 1000);
    const again = draws(randomStream(8, 2, 'langevin'), 1000);
    expect(Array.from(again)).toEqual(Array.from(first));
  });
});

describe('uniform generator', () => {
  it('uniform() lies in [0, 1) with mean 1/2 and variance 1/12 within 4 SE', () => {
    const n = 1_000_000;
    const stream = randomStream(4, 0, 'uniform');
    let sum = 0;
    let sumSq = 0;
    let low = 1;
    let high = 0;
    for (let i = 0; i < n; i++) {
      const u = stream.uniform();
      sum += u;
      sumSq += u * u;
      low = Math.min(low, u);
      high = Math.max(high, u);
    }
    expect(low).toBeGreaterThanOrEqual(0);
    expect(high).toBeLessThan(1);
    // E u = 1/2 (Var u = 1/12); E u^2 = 1/3 (Var u^2 = 1/5 - 1/9 = 4/45).
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(sumSq / n - 1 / 3)).toBeLessThan(4 * Math.sqrt(4 / 45 / n));
  });
});

describe('exponential generator (256-layer ziggurat)', () => {
  const exponentialDraws = (stream: RandomStream, n: number): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = stream.exponential();
    return out;
  };

  it.each([
    { seed: 1, block: 0 },
    { seed: 7, block: 5 },
  ])('moments 1-4 within 4 SE (seed $seed, block $block)', ({ seed, block }) => {
    // Unit exponential: E x^k = k! = 1, 2, 6, 24; Var(x^k) = (2k)! - (k!)^2 = 1, 20, 684, 39744.
    const expected = [1, 2, 6, 24];
    const variance = [1, 20, 684, 39744];
    const n = 1_000_000;
    const stream = randomStream(seed, block, 'monte-carlo');
    const sums = [0, 0, 0, 0];
    let low = Infinity;
    for (let i = 0; i < n; i++) {
      const x = stream.exponential();
      low = Math.min(low, x);
      const x2 = x * x;
      sums[0] += x;
      sums[1] += x2;
      sums[2] += x2 * x;
      sums[3] += x2 * x2;
    }
    expect(low).toBeGreaterThanOrEqual(0);
    for (let k = 0; k < 4; k++) {
      const mean = sums[k] / n;
      expect(Math.abs(mean - expected[k]), `moment ${k + 1}: ${mean}`).toBeLessThan(4 * Math.sqrt(variance[k] / n));
    }
  });

  it('tail frequencies P(x > a) = e^-a within 4 SE, below, at and beyond the ziggurat base R = 7.697', () => {
    // Beyond R the base layer returns R + a fresh draw: check the tail is weighted right.
    const count = 4_000_000;
    const stream = randomStream(9, 0, 'exponential-tail');
    const levels = [0.5, 3, 7.69711747013104972, 9, 11];
    const hits = levels.map(() => 0);
    for (let i = 0; i < count; i++) {
      const x = stream.exponential();
      for (let k = 0; k < levels.length; k++) if (x > levels[k]) hits[k]++;
    }
    levels.forEach((level, k) => {
      const p = Math.exp(-level);
      const se = Math.sqrt((p * (1 - p)) / count);
      expect(Math.abs(hits[k] / count - p), `P(x > ${level}) = ${hits[k] / count}, expected ${p}`).toBeLessThan(4 * se);
    });
  });

  it.each([1, 2])('KS test against 1 - e^-x, 200000 draws (seed %i): p > 0.001', (seed) => {
    const x = exponentialDraws(randomStream(seed, 0, 'ks-exponential'), 200_000);
    const { statistic, pValue } = kolmogorovSmirnov(x, (v) => (v <= 0 ? 0 : -Math.expm1(-v)));
    expect(pValue, `D = ${statistic}`).toBeGreaterThan(0.001);
  });

  it('successive draws are uncorrelated at lags 1-3 (|r| < 4/sqrt(n))', () => {
    const n = 500_000;
    const x = exponentialDraws(randomStream(5, 0, 'monte-carlo'), n + 3);
    for (const lag of [1, 2, 3]) {
      const r = correlation(x.subarray(0, n), x.subarray(lag, lag + n));
      expect(Math.abs(r), `lag ${lag}: r = ${r}`).toBeLessThan(4 / Math.sqrt(n));
    }
  });
});
