import { rampCrossingRate } from './discrete.js';

/**
 * Closed forms for the multi-level LIM cell, the cosine washboard with spacing
 * a = 1 (reduced units, kT = 1):
 *
 *   U(x) = (E_b/2)(1 - cos 2 pi x) - F x.
 *
 * Three mobilities appear in the docs (docs/lim-bounds.md §1):
 * - Kramers (docs/physics.md §5): r = (pi E_b / gamma) e^{-E_b}, mu_eff = r.
 * - Lifson-Jackson (exact linear response of the continuous periodic
 *   potential, Lifson & Jackson, J. Chem. Phys. 36, 2410 (1962)):
 *   mu = 1 / (gamma <e^{U}> <e^{-U}>) = 1 / (gamma I_0(E_b/2)^2),
 *   since <e^{+-V}> over a period = e^{+-E_b/2} I_0(E_b/2).
 *   For large E_b, I_0(z)^2 ~ e^{2z}/(2 pi z) (1 + 1/(8z))^2, so
 *   mu_LJ = r_Kramers (1 - 1/(2 E_b) + O(E_b^-2)): the Kramers formula
 *   overestimates the mobility by about kT/(2 E_b).
 * - The exact drift at finite tilt (Stratonovich; Reimann et al., PRL 87,
 *   010602 (2001), eq. 4), period L = 1, D = 1/gamma:
 *   v = (1 - e^{-F}) / int_0^1 dx I_+(x),
 *   I_+(x) = gamma int_0^1 dy exp(V(x) - V(x - y) - F y).
 */

const TWO_PI = 2 * Math.PI;

/** Modified Bessel functions I_0(z), I_1(z) by their power series (all terms positive: no cancellation). */
export function besselI0(z: number): number {
  const q = 0.25 * z * z;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 2000; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

export function besselI1(z: number): number {
  const q = 0.25 * z * z;
  let term = 0.5 * z;
  let sum = term;
  for (let k = 1; k < 2000; k++) {
    term *= q / (k * (k + 1));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

/** Kramers hopping rate to one neighbour and the linear mobility mu_eff = r a^2 / kT (a = 1). */
export function kramersMobility(barrierHeight: number, friction = 1): number {
  return ((Math.PI * barrierHeight) / friction) * Math.exp(-barrierHeight);
}

/** Lifson-Jackson mobility of the untilted cosine washboard: 1 / (gamma I_0(E_b/2)^2). */
export function lifsonJacksonMobility(barrierHeight: number, friction = 1): number {
  const i0 = besselI0(0.5 * barrierHeight);
  return 1 / (friction * i0 * i0);
}

/** Relative error of the Kramers mobility against the exact one, r_K / mu_LJ - 1 (about 1/(2 E_b)). */
export function kramersMobilityError(barrierHeight: number): number {
  return kramersMobility(barrierHeight) / lifsonJacksonMobility(barrierHeight) - 1;
}

/**
 * Exact steady drift velocity (levels per reduced time) of the tilted cosine
 * washboard by quadrature of the Stratonovich formula: trapezoid in x
 * (periodic, spectrally accurate), Simpson in y. `points` per period (even).
 */
export function exactDriftVelocity(barrierHeight: number, tilt: number, friction = 1, points = 600): number {
  if (tilt === 0) return 0;
  const n = 2 * Math.ceil(points / 2);
  const half = 0.5 * barrierHeight;
  const v = new Float64Array(n + 1);
  for (let j = 0; j <= n; j++) v[j] = half * (1 - Math.cos((TWO_PI * j) / n));
  let total = 0;
  for (let i = 0; i < n; i++) {
    let inner = 0;
    for (let j = 0; j <= n; j++) {
      const weight = j === 0 || j === n ? 1 : j % 2 === 1 ? 4 : 2;
      // V(x - y) with x = i/n, y = j/n: index i - j modulo n.
      const k = (((i - j) % n) + n) % n;
      inner += weight * Math.exp(v[i] - v[k] - (tilt * j) / n);
    }
    total += inner / (3 * n);
  }
  total = (friction * total) / n;
  return -Math.expm1(-tilt) / total;
}

/**
 * Entropy (nats) of the Boltzmann density inside one untilted cosine well,
 * S = ln Z_1 + <U>, Z_1 = e^{-E/2} I_0(E/2), <U> = (E/2)(1 - I_1/I_0):
 *   S_well(E) = ln I_0(E/2) - (E/2) I_1(E/2) / I_0(E/2).
 * For large E, S_well ~ (1/2) ln(2 pi e / (2 pi^2 E)) (a harmonic well).
 */
export function wellEntropy(barrierHeight: number): number {
  const z = 0.5 * barrierHeight;
  const i0 = besselI0(z);
  return Math.log(i0) - (z * besselI1(z)) / i0;
}

/** One level of the tilted washboard: where its minimum sits and its rates to the neighbours. */
export interface LevelKinetics {
  /** Offset of the well minimum from the level centre k (x_m = asin(s) / 2 pi, s = F / (pi E_b)). */
  minimumOffset: number;
  /** U at the minimum of level 0 (level k: minimumEnergy - F k), kT. */
  minimumEnergy: number;
  /** k_{k -> k+1} and k_{k -> k-1} for an interior level, per reduced time. */
  rateUp: number;
  rateDown: number;
}

/**
 * Kinetics of an interior level of the tilted washboard in the discrete
 * (Kramers) picture, identical to buildDiscreteModel's PotentialChainModel for
 * this potential (test/learning/stores-physics.test.ts checks it):
 *   s = F / (pi E_b); minimum x_m = asin(s) / 2 pi, saddle x_b = 1/2 - asin(s) / 2 pi,
 *   dU_+ = E_b sqrt(1 - s^2) - F (1/2 - asin(s) / pi),   dU_- = dU_+ + F,
 *   nu = max(pi E_b sqrt(1 - s^2) / gamma, rampCrossingRate(|F|, 1, gamma)),
 *   k_up = nu e^{-dU_+},   k_down = nu e^{-dU_-}.
 * Beyond the critical tilt |s| >= 1 the minimum and saddle have merged at the
 * inflection point x = sign(F)/4 and the barrier is gone: downhill at nu, uphill
 * at nu e^{-|F|} (the discrete model's clamp B >= max(E_i, E_i+1)).
 */
export function levelKinetics(barrierHeight: number, tilt: number, friction = 1, out?: LevelKinetics): LevelKinetics {
  const result = out ?? { minimumOffset: 0, minimumEnergy: 0, rateUp: 0, rateDown: 0 };
  const e = barrierHeight;
  const f = tilt;
  const slide = rampCrossingRate(Math.abs(f), 1, friction);
  const s = e > 0 ? f / (Math.PI * e) : f >= 0 ? Infinity : -Infinity;
  if (Math.abs(s) < 1) {
    const root = Math.sqrt(1 - s * s);
    const arc = Math.asin(s);
    const xm = arc / TWO_PI;
    const up = e * root - f * (0.5 - arc / Math.PI);
    const nu = Math.max((Math.PI * e * root) / friction, slide);
    result.minimumOffset = xm;
    result.minimumEnergy = 0.5 * e * (1 - root) - f * xm;
    result.rateUp = nu * Math.exp(-up);
    result.rateDown = nu * Math.exp(-(up + f));
  } else {
    const xm = f > 0 ? 0.25 : -0.25;
    result.minimumOffset = xm;
    result.minimumEnergy = 0.5 * e - f * xm;
    const nu = slide;
    if (f > 0) {
      result.rateUp = nu;
      result.rateDown = nu * Math.exp(-f);
    } else {
      result.rateDown = nu;
      result.rateUp = nu * Math.exp(f);
    }
  }
  return result;
}

/** Mean drift (levels per reduced time) of the discrete (hopping) cell: k_up - k_down. */
export function hoppingDriftVelocity(barrierHeight: number, tilt: number, friction = 1): number {
  const k = levelKinetics(barrierHeight, tilt, friction);
  return k.rateUp - k.rateDown;
}

/**
 * Barrier (kT) at which a mobility is reached, inverting a decreasing mobility
 * function by bisection on [lowest, highest]. Returns NaN when the mobility is
 * outside the range the interval covers.
 */
export function barrierForMobility(
  mobility: number,
  mobilityOf: (barrier: number) => number,
  lowest: number,
  highest = 200,
): number {
  const top = mobilityOf(lowest);
  const bottom = mobilityOf(highest);
  if (!(mobility <= top && mobility >= bottom)) return NaN;
  let lo = lowest;
  let hi = highest;
  for (let k = 0; k < 200; k++) {
    const mid = 0.5 * (lo + hi);
    if (mobilityOf(mid) > mobility) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-12 * Math.max(1, mid)) break;
  }
  return 0.5 * (lo + hi);
}
