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
