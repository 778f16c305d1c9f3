import type { Estimate } from '../engines/problem.js';

/** Mean and standard error (sample standard deviation / sqrt(n)). */
export function estimateMean(values: ArrayLike<number>): Estimate {
  const n = values.length;
  if (n === 0) return { mean: NaN, se: NaN, n: 0 };
  let mean = 0;
  // Welford's update: stable for long ensembles with a large common offset.
  let m2 = 0;
  for (let i = 0; i < n; i++) {
    const delta = values[i] - mean;
    mean += delta / (i + 1);
    m2 += delta * (values[i] - mean);
  }
  const variance = n > 1 ? m2 / (n - 1) : 0;
  return { mean, se: Math.sqrt(variance / n), n };
}

/**
 * One-sample Kolmogorov-Smirnov test of `samples` against the continuous CDF
 * `cdf`. Returns the statistic D and the asymptotic p-value from the
 * Kolmogorov distribution with Stephens' small-n correction
 * (lambda = (sqrt(n) + 0.12 + 0.11/sqrt(n)) D; Numerical Recipes §14.3).
 */
export function kolmogorovSmirnov(samples: ArrayLike<number>, cdf: (x: number) => number): { statistic: number; pValue: number } {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let statistic = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    statistic = Math.max(statistic, f - i / n, (i + 1) / n - f);
  }
  const root = Math.sqrt(n);
  return { statistic, pValue: kolmogorovSurvival((root + 0.12 + 0.11 / root) * statistic) };
}

/** Q_KS(lambda) = 2 sum_{k>=1} (-1)^{k-1} exp(-2 k^2 lambda^2). */
function kolmogorovSurvival(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += k % 2 === 1 ? term : -term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/**
 * Rate of an exponential waiting time from first-passage times censored at
 * `duration` (Infinity = not yet passed): the maximum-likelihood estimate
 * events / total time at risk, with SE rate / sqrt(events) (Fisher information).
 */
export function censoredExponentialRate(times: ArrayLike<number>, duration: number): { rate: number; se: number; events: number } {
  let events = 0;
  let exposure = 0;
  for (let i = 0; i < times.length; i++) {
    const t = times[i];
    if (Number.isFinite(t)) {
      events++;
      exposure += t;
    } else exposure += duration;
  }
  const rate = events / exposure;
  return { rate, se: rate / Math.sqrt(Math.max(events, 1)), events };
}
