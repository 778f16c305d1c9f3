import type { Estimate } from '../engines/problem.js';
import { randomStream } from '../physics/rng.js';

/**
 * Estimators for the thermodynamic analysis (THEORY.md §3-§4): entropies in
 * nats, the 1-D Wasserstein-2 distance, Jarzynski's free-energy estimator, and
 * confidence intervals. Energies are in kT.
 */

/** p ln p with the limit 0 ln 0 = 0. */
function plogp(p: number): number {
  return p > 0 ? p * Math.log(p) : 0;
}

/** Logical entropy of a bit, H(p) = -p ln p - (1-p) ln(1-p), nats; H(0) = H(1) = 0, H(1/2) = ln 2. */
export function bitEntropy(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`bitEntropy: p = ${p}; expected a probability in [0, 1]`);
  return 0 - plogp(p) - plogp(1 - p); // 0 - ... keeps H(0) = +0, not -0
}

/**
 * Shannon entropy -sum_i p_i ln p_i (nats) of a memory-state occupancy vector.
 * The vector is used as given (not renormalised): occupancies that miss a
 * state (classify = -1) lower the sum below 1 and the entropy with it.
 */
export function levelEntropy(occupancy: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < occupancy.length; i++) {
    const p = occupancy[i];
    if (!(p >= 0)) throw new RangeError(`levelEntropy: occupancy[${i}] = ${p}; expected a probability >= 0`);
    s -= plogp(p);
  }
  return s;
}

/**
 * Standard error of levelEntropy(p_hat) when p_hat are the fractions of n
 * independent samples (delta method on the multinomial):
 *   Var H = (sum_i p_i ln^2 p_i - H^2) / n.
 * Zero for exact occupancies (n = 0 or Infinity).
 */
export function levelEntropyStandardError(occupancy: ArrayLike<number>, samples: number): number {
  if (!(samples > 0) || samples === Infinity) return 0;
  let h = 0;
  let second = 0;
  for (let i = 0; i < occupancy.length; i++) {
    const p = occupancy[i];
    if (p > 0) {
      const l = Math.log(p);
      h -= p * l;
      second += p * l * l;
    }
  }
  return Math.sqrt(Math.max(second - h * h, 0) / samples);
}

/**
 * Differential (Shannon) entropy S = -int rho ln rho dx (nats) of a density
 * sampled on a uniform grid of spacing dx (rectangle rule: exact for a
 * piecewise-constant, cell-averaged density, and spectrally accurate for a
 * smooth density that vanishes at both ends).
 */
export function differentialEntropy(density: ArrayLike<number>, dx: number): number {
  if (!(dx > 0)) throw new RangeError(`differentialEntropy: dx = ${dx}; expected a positive grid spacing`);
  let s = 0;
  for (let i = 0; i < density.length; i++) {
    const rho = density[i];
    if (rho < 0) throw new RangeError(`differentialEntropy: density[${i}] = ${rho}; expected >= 0`);
    s -= plogp(rho);
  }
  return s * dx;
}

/**
 * Wasserstein-2 distance between the empirical distributions of two samples
 * of equal size n. In one dimension the optimal coupling pairs order
 * statistics (monotone rearrangement), so
 *   W2^2 = (1/n) sum_i (a_(i) - b_(i))^2      (THEORY.md §4).
 * The estimate of W2^2 between the underlying laws is biased upward by the
 * sampling noise of the quantiles, O(sigma^2 ln ln n / n).
 */
export function wasserstein2Samples(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new RangeError(
      `wasserstein2Samples: samples have ${a.length} and ${b.length} values; the sorted-sample formula needs equal sizes`,
    );
  }
  if (a.length === 0) throw new RangeError('wasserstein2Samples: empty samples');
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  let sum = 0;
  for (let i = 0; i < sa.length; i++) {
    const d = sa[i] - sb[i];
    sum += d * d;
  }
  return Math.sqrt(sum / sa.length);
}

function normalisedMasses(values: ArrayLike<number>, name: string): Float64Array {
  const out = Float64Array.from(values);
  let total = 0;
  for (let i = 0; i < out.length; i++) {
    if (!(out[i] >= 0)) throw new RangeError(`wasserstein2Grid: ${name}[${i}] = ${out[i]}; expected >= 0`);
    total += out[i];
  }
  if (!(total > 0)) throw new RangeError(`wasserstein2Grid: ${name} has no mass`);
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

function clampUnit(f: number): number {
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

/**
 * Wasserstein-2 distance between two densities given on the same uniform grid
 * of cells [lo + j dx, lo + (j+1) dx], each taken as constant on its cells
 * (normalised here). W2^2 = int_0^1 (Q_a(u) - Q_b(u))^2 du with the quantile
 * functions Q; both are piecewise linear in u, so the integral is exact on
 * each interval between the merged breakpoints of the two cumulative sums.
 */
export function wasserstein2Grid(lo: number, dx: number, densityA: ArrayLike<number>, densityB: ArrayLike<number>): number {
  if (densityA.length !== densityB.length) {
    throw new RangeError(`wasserstein2Grid: densities have ${densityA.length} and ${densityB.length} cells; expected the same grid`);
  }
  const ma = normalisedMasses(densityA, 'densityA');
  const mb = normalisedMasses(densityB, 'densityB');
  const n = ma.length;
  const nextA = (j: number): number => {
    while (j < n && ma[j] === 0) j++;
    return j;
  };
  const nextB = (j: number): number => {
    while (j < n && mb[j] === 0) j++;
    return j;
  };
  let i = nextA(0);
  let k = nextB(0);
  let startA = 0; // cumulative mass before cell i
  let startB = 0;
  let u = 0;
  let total = 0;
  while (i < n && k < n) {
    const endA = startA + ma[i];
    const endB = startB + mb[k];
    const uEnd = Math.min(endA, endB);
    const length = uEnd - u;
    if (length > 0) {
      // Positions of both quantile functions at the ends of [u, uEnd]; the
      // fractions into a cell stay in [0, 1] even for near-empty cells.
      const a0 = lo + (i + clampUnit((u - startA) / ma[i])) * dx;
      const a1 = lo + (i + clampUnit((uEnd - startA) / ma[i])) * dx;
      const b0 = lo + (k + clampUnit((u - startB) / mb[k])) * dx;
      const b1 = lo + (k + clampUnit((uEnd - startB) / mb[k])) * dx;
      const d0 = a0 - b0;
      const d1 = a1 - b1;
      // int of a linear d(u)^2 over the interval.
      total += (length * (d0 * d0 + d0 * d1 + d1 * d1)) / 3;
      u = uEnd;
    }
    if (endA <= uEnd) {
      startA = endA;
      i = nextA(i + 1);
    }
    if (endB <= uEnd) {
      startB = endB;
      k = nextB(k + 1);
    }
  }
  return Math.sqrt(Math.max(total, 0));
}

/** ln( (1/n) sum_i exp(-w_i) ), stable for any spread of w. */
function logMeanExpNegative(values: ArrayLike<number>): number {
  let minimum = Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] < minimum) minimum = values[i];
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(-(values[i] - minimum));
  return -minimum + Math.log(sum / values.length);
}

export interface BootstrapOptions {
  seed?: number;
  /** Number of bootstrap resamples (default 1000). */
  resamples?: number;
  /** Confidence level of the percentile interval (default 0.95). */
  level?: number;
}

export interface BootstrapResult {
  /** The statistic on the full sample. */
  estimate: number;
  /** Bootstrap standard error: the standard deviation over resamples. */
  se: number;
  /** Percentile confidence interval at `level`. */
  ci: [number, number];
  level: number;
  resamples: number;
}

/**
 * Nonparametric bootstrap (Efron) of a statistic of one sample: resample n
 * values with replacement `resamples` times, with indices drawn from
 * randomStream(seed, 0, 'bootstrap') so the result is reproducible.
 */
export function bootstrap(
  values: ArrayLike<number>,
  statistic: (sample: Float64Array) => number,
  options: BootstrapOptions = {},
): BootstrapResult {
  const n = values.length;
  if (n === 0) throw new RangeError('bootstrap: empty sample');
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  if (!(resamples >= 2)) throw new RangeError(`bootstrap: resamples = ${resamples}; expected >= 2`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap: level = ${level}; expected in (0, 1)`);
  const rng = randomStream(options.seed ?? 0, 0, 'bootstrap');
  const sample = new Float64Array(n);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = values[Math.floor(rng.uniform() * n)];
    stats[r] = statistic(sample);
  }
  let mean = 0;
  for (let r = 0; r < resamples; r++) mean += stats[r];
  mean /= resamples;
  let variance = 0;
  for (let r = 0; r < resamples; r++) variance += (stats[r] - mean) ** 2;
  variance /= resamples - 1;
  stats.sort();
  const tail = (1 - level) / 2;
  const at = (q: number): number => stats[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))];
  return {
    estimate: statistic(Float64Array.from(values)),
    se: Math.sqrt(variance),
    ci: [at(tail), at(1 - tail)],
    level,
    resamples,
  };
}

/**
 * Jarzynski's estimator of the free-energy change (C. Jarzynski, PRL 78, 2690
 * (1997); THEORY.md §4) from work values (kT) of runs started in equilibrium:
 *   Delta F = -ln <exp(-W)>,
 * by log-sum-exp, with a bootstrap standard error. The estimator is biased
 * upward at finite n, by about Var(exp(-W)) / (2 n <exp(-W)>^2); the bias is
 * not corrected.
 */
export function jarzynskiFreeEnergy(work: ArrayLike<number>, options: BootstrapOptions = {}): Estimate {
  const n = work.length;
  if (n === 0) throw new RangeError('jarzynskiFreeEnergy: no work values');
  const boot = bootstrap(work, (sample) => -logMeanExpNegative(sample), options);
  return { mean: -logMeanExpNegative(work), se: boot.se, n };
}

/**
 * Standard normal quantile Phi^{-1}(p): Wichura's AS 241 (PPND16), relative
 * accuracy about 1e-16 (Appl. Statist. 37, 477 (1988)).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`normalQuantile: p = ${p}; expected in [0, 1]`);
  }
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) *
          r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) *
        r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let value: number;
  if (r <= 5) {
    r -= 1.6;
    value =
      (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) *
        r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) *
        r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    value =
      (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) *
        r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) *
        r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -value : value;
}

/** Two-sided normal-approximation confidence interval mean -/+ z se at `level` (default 0.95). */
export function normalConfidenceInterval(estimate: Estimate, level = 0.95): [number, number] {
  if (!(level > 0 && level < 1)) throw new RangeError(`normalConfidenceInterval: level = ${level}; expected in (0, 1)`);
  const z = normalQuantile(0.5 + level / 2);
  return [estimate.mean - z * estimate.se, estimate.mean + z * estimate.se];
}

// ---------------------------------------------------------------- estimators with bias corrections and SEs (docs/bounds.md §8)

/**
 * Shannon entropy (nats) of a state occupancy measured as the fractions of n
 * independent samples, with the Miller-Madow correction of the plug-in bias:
 *   H_MM = H(p_hat) + (K_obs - 1) / (2 n),
 * K_obs the number of states seen (Miller, 1955; Paninski, Neural Comput. 15,
 * 1191 (2003)): the plug-in H(p_hat) is biased low by (K - 1)/(2n) + O(n^-2),
 * which would push a bound H(p_0) - H(p_tau) up. The SE is the delta-method
 * one, evaluated at the add-1/2 (Jeffreys) occupancy so that a state never
 * seen still contributes (a plug-in p = 0 would give SE 0 for an unresolved
 * error probability). Exact occupancies (n = 0 or Infinity) are returned as is.
 */
export function sampledLevelEntropy(occupancy: ArrayLike<number>, samples: number): Estimate {
  const h = levelEntropy(occupancy);
  if (!(samples > 0) || samples === Infinity) return { mean: h, se: 0, n: 0 };
  const k = occupancy.length;
  let observed = 0;
  for (let i = 0; i < k; i++) if (occupancy[i] * samples >= 0.5) observed++;
  const smoothed = Array.from({ length: k }, (_, i) => (occupancy[i] * samples + 0.5) / (samples + k / 2));
  return { mean: h + Math.max(observed - 1, 0) / (2 * samples), se: levelEntropyStandardError(smoothed, samples), n: samples };
}

function sortedSquaredDistance(sa: Float64Array, sb: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < sa.length; i++) {
    const d = sa[i] - sb[i];
    sum += d * d;
  }
  return sum / sa.length;
}

/** W2^2 between two samples of one law split at alternate indices: twice the finite-sample bias at n/2. */
function splitSquaredDistance(values: Float64Array): number {
  const half = Math.floor(values.length / 2);
  if (half === 0) return 0;
  const even = new Float64Array(half);
  const odd = new Float64Array(half);
  for (let i = 0; i < half; i++) {
    even[i] = values[2 * i];
    odd[i] = values[2 * i + 1];
  }
  return sortedSquaredDistance(even.sort(), odd.sort());
}

/** The debiased W2^2 of two equal-size samples, unclamped (it may come out below 0). */
function debiasedSquaredDistance(a: Float64Array, b: Float64Array): { raw: number; plugIn: number; bias: number } {
  const plugIn = sortedSquaredDistance(Float64Array.from(a).sort(), Float64Array.from(b).sort());
  const bias = 0.5 * (splitSquaredDistance(a) + splitSquaredDistance(b));
  return { raw: plugIn - bias, plugIn, bias };
}

export interface DebiasedWasserstein {
  /** The debiased W2^2, clamped at 0 (length^2). */
  squared: number;
  /** Bootstrap SE of the unclamped debiased W2^2. */
  se: number;
  /** The plug-in sorted-sample W2^2 (biased upward). */
  plugIn: number;
  /** The subtracted bias estimate. */
  bias: number;
  resamples: number;
}

/**
 * W2^2 between the laws of two paired samples (a_i, b_i) of equal size n (the
 * initial and final positions of n independent replicas), with its
 * finite-sample bias removed and a bootstrap SE.
 *
 * The plug-in (1/n) sum (a_(i) - b_(i))^2 exceeds W2^2 on average by about
 * beta_a(n) + beta_b(n), beta(n) = E W2^2(empirical_n, law): two samples of one
 * distribution give W2 > 0. Splitting a sample at alternate indices gives two
 * independent half-samples of its law, whose W2^2 estimates 2 beta(n/2); since
 * beta decreases with n, beta(n/2) >= beta(n), so subtracting
 * [W2^2(a_even, a_odd) + W2^2(b_even, b_odd)] / 2 removes at least the bias
 * (it over-corrects by at most beta(n), keeping the bound conservative;
 * docs/bounds.md §8). The SE is the bootstrap over replicas (pairs resampled
 * jointly) of the unclamped estimate, indices from randomStream(seed, 0,
 * 'bootstrap-w2'); the reported value is clamped at 0.
 */
export function wasserstein2SquaredDebiased(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: { seed?: number; resamples?: number } = {},
): DebiasedWasserstein {
  if (a.length !== b.length) {
    throw new RangeError(`wasserstein2SquaredDebiased: samples have ${a.length} and ${b.length} values; expected paired samples of equal size`);
  }
  const n = a.length;
  if (n < 4) throw new RangeError(`wasserstein2SquaredDebiased: ${n} pairs; expected at least 4`);
  const fa = Float64Array.from(a);
  const fb = Float64Array.from(b);
  const full = debiasedSquaredDistance(fa, fb);
  // Fewer resamples for large samples (each costs six sorts); 100 still gives the SE to ~7 %.
  const resamples = options.resamples ?? (n <= 20000 ? 200 : 100);
  const rng = randomStream(options.seed ?? 0, 0, 'bootstrap-w2');
  const ra = new Float64Array(n);
  const rb = new Float64Array(n);
  let sum = 0;
  let sumSq = 0;
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rng.uniform() * n);
      ra[i] = fa[j];
      rb[i] = fb[j];
    }
    const v = debiasedSquaredDistance(ra, rb).raw;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / resamples;
  const se = Math.sqrt(Math.max(sumSq / resamples - mean * mean, 0) * (resamples / (resamples - 1)));
  return { squared: Math.max(full.raw, 0), se, plugIn: full.plugIn, bias: full.bias, resamples };
}
