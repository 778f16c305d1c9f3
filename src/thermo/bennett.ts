import type { Estimate } from '../engines/problem.js';
import { randomStream } from '../physics/rng.js';

/**
 * Bennett's acceptance ratio (BAR) estimate of Delta F = F(lambda(tau)) - F(lambda(0))
 * from a forward run (equilibrium at lambda(0), protocol forward: works W_F) and a
 * reverse run (equilibrium at lambda(tau), protocol time-reversed: works W_R), kT = 1
 * (Bennett, J. Comput. Phys. 22, 245 (1976); Shirts et al., PRL 91, 140601 (2003),
 * who derive it as the maximum-likelihood estimate from Crooks' theorem
 * P_F(W) / P_R(-W) = exp(W - Delta F)). Delta F solves
 *
 *   sum_i f(M + W_F,i - Delta F) = sum_j f(-M + W_R,j + Delta F),
 *   f(x) = 1 / (1 + e^x),   M = ln(n_F / n_R).
 *
 * The left side rises and the right side falls monotonically in Delta F, so the
 * root is unique: bracketed and found by safeguarded Newton to round-off (a
 * handful of passes over the works; a library root finder would save nothing
 * here). The SE
 * is the bootstrap one: both samples resampled with replacement.
 */

/** 1 / (1 + e^x) without overflow. */
function fermi(x: number): number {
  if (x > 0) {
    const e = Math.exp(-x);
    return e / (1 + e);
  }
  return 1 / (1 + Math.exp(x));
}

/** The BAR equation's residual (increasing in deltaF) and its derivative. */
function residual(forward: ArrayLike<number>, reverse: ArrayLike<number>, m: number, deltaF: number): { value: number; slope: number } {
  let value = 0;
  let slope = 0;
  for (let i = 0; i < forward.length; i++) {
    const f = fermi(m + forward[i] - deltaF);
    value += f;
    slope += f * (1 - f);
  }
  for (let j = 0; j < reverse.length; j++) {
    const f = fermi(-m + reverse[j] + deltaF);
    value -= f;
    slope += f * (1 - f);
  }
  return { value, slope };
}

/**
 * Solve the self-consistent BAR equation for Delta F (kT): Newton's method kept
 * inside a shrinking bracket, bisecting when a step would leave it (rtsafe), from
 * `guess` (default the bracket's middle).
 */
export function bennettAcceptanceRatio(forward: ArrayLike<number>, reverse: ArrayLike<number>, guess?: number): number {
  if (forward.length === 0 || reverse.length === 0) throw new RangeError('bennettAcceptanceRatio: needs forward and reverse works');
  const m = Math.log(forward.length / reverse.length);
  // Bracket: beyond every forward work and every -W_R by 40 kT each sum has saturated.
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < forward.length; i++) (lo = Math.min(lo, forward[i])), (hi = Math.max(hi, forward[i]));
  for (let j = 0; j < reverse.length; j++) (lo = Math.min(lo, -reverse[j])), (hi = Math.max(hi, -reverse[j]));
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) throw new RangeError('bennettAcceptanceRatio: works must be finite');
  lo -= 40 + Math.abs(m);
  hi += 40 + Math.abs(m);
  let x = guess !== undefined && guess > lo && guess < hi ? guess : 0.5 * (lo + hi);
  for (let k = 0; k < 200; k++) {
    const { value, slope } = residual(forward, reverse, m, x);
    if (value === 0) return x;
    if (value < 0) lo = x;
    else hi = x;
    let next = slope > 0 ? x - value / slope : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    const tolerance = 1e-12 * Math.max(1, Math.abs(next));
    if (Math.abs(next - x) < tolerance || hi - lo < tolerance) return next;
    x = next;
  }
  return x;
}

export interface BennettOptions {
  seed?: number;
  /** Bootstrap resamples (default 200). */
  resamples?: number;
}

/** BAR Delta F with its bootstrap SE; n is the total number of works. */
export function bennettFreeEnergy(forward: ArrayLike<number>, reverse: ArrayLike<number>, options: BennettOptions = {}): Estimate {
  const mean = bennettAcceptanceRatio(forward, reverse);
  const resamples = options.resamples ?? 200;
  const rng = randomStream(options.seed ?? 0, 0, 'bennett-bootstrap');
  const f = new Float64Array(forward.length);
  const r = new Float64Array(reverse.length);
  let sum = 0;
  let sumSquares = 0;
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < f.length; i++) f[i] = forward[Math.floor(rng.uniform() * f.length)];
    for (let j = 0; j < r.length; j++) r[j] = reverse[Math.floor(rng.uniform() * r.length)];
    const value = bennettAcceptanceRatio(f, r, mean);
    sum += value;
    sumSquares += value * value;
  }
  const average = sum / resamples;
  const se = Math.sqrt(Math.max(sumSquares / resamples - average * average, 0) * (resamples / (resamples - 1)));
  return { mean, se, n: forward.length + reverse.length };
}

/** One bin of the Crooks plot: P_F(W) and P_R(-W) as densities on a shared grid of W. */
export interface CrooksBin {
  /** Bin centre, kT. */
  work: number;
  forwardDensity: number;
  reverseDensity: number;
  /** ln(P_F(W) / P_R(-W)), which Crooks' theorem says equals W - Delta F (NaN where a bin is empty). */
  logRatio: number;
}

/** Histograms of W_F and -W_R on one grid spanning both, as densities (per kT). */
export function crooksHistograms(forward: ArrayLike<number>, reverse: ArrayLike<number>, bins = 40): CrooksBin[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < forward.length; i++) (lo = Math.min(lo, forward[i])), (hi = Math.max(hi, forward[i]));
  for (let j = 0; j < reverse.length; j++) (lo = Math.min(lo, -reverse[j])), (hi = Math.max(hi, -reverse[j]));
  if (!(hi > lo)) hi = lo + 1;
  const width = (hi - lo) / bins;
  const countF = new Float64Array(bins);
  const countR = new Float64Array(bins);
  const bin = (w: number) => Math.min(bins - 1, Math.max(0, Math.floor((w - lo) / width)));
  for (let i = 0; i < forward.length; i++) countF[bin(forward[i])]++;
  for (let j = 0; j < reverse.length; j++) countR[bin(-reverse[j])]++;
  return Array.from({ length: bins }, (_, k) => {
    const forwardDensity = countF[k] / (forward.length * width);
    const reverseDensity = countR[k] / (reverse.length * width);
    return {
      work: lo + (k + 0.5) * width,
      forwardDensity,
      reverseDensity,
      logRatio: forwardDensity > 0 && reverseDensity > 0 ? Math.log(forwardDensity / reverseDensity) : NaN,
    };
  });
}
