import { LN2 } from '../physics/units.js';
import { clausiusHeatBound, dragBound } from '../thermo/bounds.js';
import { wellEntropy } from '../memory/washboard.js';

/**
 * Lower bounds on the heat of training in memory (docs/physics.md §5; the
 * derivation, step by step, is docs/lim-bounds.md). Energies in kT, lengths in
 * level spacings (a = 1), time reduced.
 *
 * Update (speed) term. A parameter's cell whose ensemble-mean coordinate runs
 * along a path of length l while the hopping rate r(t) (= the linear mobility
 * mu(t), a = kT = 1) is available releases at least
 *
 *   B_drag(l; R) = 2 l asinh(l / (2R)),   R = int_0^T r(t) dt,
 *
 * the minimum of int F(v) v dt over speed profiles with int v dt = l when the
 * drift is v = 2 r sinh(F/2) (docs §3: the optimum holds F constant). It is
 * <= l^2 / R = gamma_eff l^2 / T (1/gamma_eff the time-averaged mobility,
 * docs/physics.md's form), which it approaches for l << R (linear response). The
 * exact drift of the continuous washboard satisfies v <= 2 mu_LJ sinh(F/2) at
 * every F (checked numerically in test/learning/stores-physics.test.ts), and
 * the discrete model's v <= 2 r_K sinh(F/2), so r = mu_LJ for the Langevin
 * store and r = r_Kramers for the Monte-Carlo store.
 *
 * Information (consolidation) term. Clausius, <Q> >= -T Delta S_sys, with
 * S = H(levels) + S_well(E_b): the level entropy of each parameter over the
 * training copies plus the entropy inside a well. The initial H is exact (known
 * initial distribution); the final H is replaced by the upper bound
 * 1/2 ln(2 pi e (s^2 + 1/12)) for an integer variable of variance s^2 (X + U,
 * U uniform on [0, 1), has differential entropy H(X) and variance s^2 + 1/12;
 * the Gaussian maximises differential entropy at given variance, Cover & Thomas
 * §8.6), so the term stays a lower bound despite the few copies. Settling N parameters from full
 * uncertainty (H_0 = n ln 2) to one level (H_T = 0) gives Chen et al.'s
 * N n kT ln 2, reported as `consolidationTerm`.
 */

/** Minimum heat (kT) to move a coordinate a path length l with hopping budget R = int r dt (nonlinear drift). */
export function dragBoundNonlinear(pathLength: number, mobilityBudget: number): number {
  if (pathLength === 0) return 0;
  if (!(mobilityBudget > 0)) return Infinity;
  return 2 * pathLength * Math.asinh(pathLength / (2 * mobilityBudget));
}

/** Linear-response drag bound gamma_eff l^2 / T = l^2 / R (kT), via thermo/bounds.ts dragBound with T = R. */
export function dragBoundLinear(pathLength: number, mobilityBudget: number): number {
  if (pathLength === 0) return 0;
  if (!(mobilityBudget > 0)) return Infinity;
  return dragBound(1, pathLength, mobilityBudget);
}

/** Length of a polygonal path through successive checkpoints (always <= the path's true length). */
export function polygonLength(points: ArrayLike<number>): number {
  let length = 0;
  for (let k = 1; k < points.length; k++) length += Math.abs(points[k] - points[k - 1]);
  return length;
}

/** Upper bound on the entropy (nats) of an integer-valued variable with variance s^2: 1/2 ln(2 pi e (s^2 + 1/12)). */
export function integerEntropyUpperBound(variance: number): number {
  return 0.5 * Math.log(2 * Math.PI * Math.E * (Math.max(variance, 0) + 1 / 12));
}

/** Unbiased sample variance. */
function sampleVariance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return ss / (n - 1);
}

export interface LimBoundInput {
  /** Copy-mean coordinate (levels) of each parameter at each checkpoint: checkpoints x parameters, row-major. */
  meanPath: Float64Array;
  checkpoints: number;
  parameterCount: number;
  /** int_0^T r(t) dt over the update phase, r the mobility of the engine's dynamics. */
  mobilityBudget: number;
  /** Exact level entropy (nats) of each parameter's initial distribution. */
  initialLevelEntropy: Float64Array;
  /** Final level of every cell, copies x parameters, row-major. */
  finalLevels: Int32Array;
  copies: number;
  bits: number;
  /** Within-well entropy counts (continuous cells): barrier at the start and at the end, kT. */
  wellBarriers?: { initial: number; final: number };
}

export interface LimBound {
  /** Sum over parameters of 2 l asinh(l / 2R), kT per copy. */
  update: number;
  /** Sum over parameters of l^2 / R = gamma_eff l^2 / T (linear response; not a bound beyond it), kT per copy. */
  updateLinear: number;
  /** -T Delta S_sys, kT per copy (may be negative: entropy can grow). */
  information: number;
  /** N n kT ln 2 (Chen et al.): settling N parameters to n bits from full uncertainty, kT. */
  consolidationTerm: number;
  /** The applicable bound: update + information, kT per copy. */
  total: number;
  pathLengths: number[];
  mobilityBudget: number;
  /** Level entropies used, nats per parameter. */
  initialLevelEntropy: number[];
  finalLevelEntropyUpper: number[];
  /** Within-well entropy change S_well(final) - S_well(initial), nats per parameter (0 for discrete cells). */
  wellEntropyChange: number;
}

export function limBound(input: LimBoundInput): LimBound {
  const { parameterCount: n, checkpoints, meanPath, mobilityBudget, copies } = input;
  const pathLengths: number[] = [];
  let update = 0;
  let updateLinear = 0;
  const column = new Float64Array(checkpoints);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < checkpoints; k++) column[k] = meanPath[k * n + p];
    const l = polygonLength(column);
    pathLengths.push(l);
    update += dragBoundNonlinear(l, mobilityBudget);
    updateLinear += dragBoundLinear(l, mobilityBudget);
  }
  const wellChange = input.wellBarriers ? wellEntropy(input.wellBarriers.final) - wellEntropy(input.wellBarriers.initial) : 0;
  const finalUpper: number[] = [];
  let information = 0;
  const levels = new Float64Array(copies);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < copies; c++) levels[c] = input.finalLevels[c * n + p];
    const hFinal = integerEntropyUpperBound(sampleVariance(levels));
    finalUpper.push(hFinal);
    const initialS = input.initialLevelEntropy[p];
    information += clausiusHeatBound(initialS, hFinal + wellChange);
  }
  return {
    update,
    updateLinear,
    information,
    consolidationTerm: n * input.bits * LN2,
    total: update + information,
    pathLengths,
    mobilityBudget,
    initialLevelEntropy: Array.from(input.initialLevelEntropy),
    finalLevelEntropyUpper: finalUpper,
    wellEntropyChange: wellChange,
  };
}

/** Landauer floor of a conventional memory (docs/physics.md §5): n kT ln 2 per word overwrite. */
export function conventionalOverwriteBound(wordOverwrites: number, bits: number): number {
  return wordOverwrites * bits * LN2;
}
