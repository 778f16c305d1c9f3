import { LN2 } from '../physics/units.js';
import { clausiusHeatBound, dragBound } from '../thermo/bounds.js';
import { wellEntropy } from '../memory/washboard.js';
import { randomStream } from '../physics/rng.js';

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

export interface LimBoundInput {
  /** Copy-mean coordinate (levels) of each parameter at each checkpoint: checkpoints x parameters, row-major. */
  meanPath?: Float64Array;
  /**
   * Or, instead of meanPath, the polygon length of each parameter's copy-mean path through every
   * checkpoint (polygonLength, summed in checkpoint order), accumulated as the run goes.
   */
  copyMeanPathLengths?: Float64Array;
  /**
   * Every cell's coordinate at each checkpoint: one snapshot (copies x parameters,
   * row-major) per checkpoint. With it the path lengths are the leave-one-out
   * estimates of the ensemble-mean path and the bound gets a bootstrap SE over copies.
   * Only the polygon nodes (polygonNodes(checkpoints)) are read; the others may be empty.
   */
  copyPath?: ArrayLike<number>[];
  /**
   * Or, instead of copyPath, the same coordinates kept compactly (one entry per checkpoint, only
   * the polygon nodes read), decoded into Float32 two nodes at a time (the store's form:
   * CellSnapshot in src/memory/compact-hopping.ts). Gives the same bound as copyPath holding the
   * decoded values.
   */
  copySnapshots?: (CopySnapshot | undefined)[];
  /** Seed of the bootstrap over copies. */
  seed?: number;
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

/** One checkpoint's coordinates of every cell (copies x parameters), decoded on demand. */
export interface CopySnapshot {
  readonly length: number;
  decode(out: Float32Array): void;
}

/** The checkpoints' coordinates as the estimator reads them: held arrays, or snapshots decoded into two rolling buffers. */
interface NodeReader {
  length: number;
  nodeLength(k: number): number;
  /** Coordinates at checkpoint k; valid until node() is called for two further checkpoints. */
  node(k: number): ArrayLike<number>;
}

function nodeReader(copyPath: ArrayLike<number>[] | undefined, snapshots: (CopySnapshot | undefined)[] | undefined): NodeReader | undefined {
  if (copyPath) return { length: copyPath.length, nodeLength: (k) => copyPath[k].length, node: (k) => copyPath[k] };
  if (!snapshots) return undefined;
  const buffers: Float32Array[] = [];
  let turn = 0;
  return {
    length: snapshots.length,
    nodeLength: (k) => snapshots[k]?.length ?? 0,
    node: (k) => {
      const snapshot = snapshots[k]!;
      const buffer = (buffers[turn] ??= new Float32Array(snapshot.length));
      turn ^= 1;
      snapshot.decode(buffer);
      return buffer;
    },
  };
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
  /** Bootstrap SE of `total` over the training copies, kT (0 with fewer than 2 copies or no per-copy paths). */
  totalSe: number;
  /** How the path lengths were estimated (docs/lim-bounds.md §3, "Which path"). */
  pathEstimator: 'leave-one-out' | 'copy-mean' | 'none';
  /** Path length of each parameter's ensemble-mean coordinate (levels), as used in `update`. */
  pathLengths: number[];
  /** The plug-in polygon length of the copy-mean path (lengthened by the copies' noise), for reference. */
  copyMeanPathLengths: number[];
  mobilityBudget: number;
  /** Level entropies used, nats per parameter. */
  initialLevelEntropy: number[];
  finalLevelEntropyUpper: number[];
  /** Within-well entropy change S_well(final) - S_well(initial), nats per parameter (0 for discrete cells). */
  wellEntropyChange: number;
}

/** Segments of the polygon the path length is measured on (docs/lim-bounds.md §3, "Which path"). */
export const LIM_PATH_SEGMENTS = 8;

/**
 * The checkpoints the polygon runs through: round(j (K - 1) / S), j = 0..S, with
 * S = min(K - 1, LIM_PATH_SEGMENTS). A polygon through any points of a path is no
 * longer than the path, so fewer nodes keep the bound a lower bound; fewer, longer
 * increments are resolved above the copies' noise, so the estimate no longer
 * depends on the number of copies (measured: 109.9 ± 52.7, 118.8 ± 17.4, 131.4 ± 7.4 kT
 * with 2, 4, 16 copies of lim-linear-regression.yaml).
 */
export function polygonNodes(checkpoints: number): number[] {
  if (checkpoints < 2) return [0];
  const segments = Math.min(checkpoints - 1, LIM_PATH_SEGMENTS);
  return Array.from({ length: segments + 1 }, (_, j) => Math.round((j * (checkpoints - 1)) / segments));
}

/**
 * Path length of the ENSEMBLE-mean coordinate of each parameter, estimated from
 * the copies without the noise bias of the copy-mean polygon. For an increment
 * d_k = E[x(t_k+1) - x(t_k)] the plug-in |mean_c delta_c,k| is biased upward
 * by the copies' noise (E|d + e| > |d|, Jensen), which lengthened the path
 * with few copies (291 / 212 / 170 kT for 2 / 4 / 16 copies). Instead each copy's
 * increment is projected on the direction the OTHER copies give:
 *   |d_k|_hat = (1/C) sum_c sign(mean_{c' != c} delta_c',k) delta_c,k,
 * whose expectation is |d_k| (1 - 2 P(the others' sign is wrong)) <= |d_k|: a
 * resolved increment counts in full, pure noise counts 0 on average, and the
 * estimate never exceeds the true polygon on average (so the bound stays a
 * lower bound). `weights` (bootstrap multiplicities) weight the copies; a
 * copy's duplicates are all left out of its own "others".
 */
function leaveOneOutPathLengths(
  copyPath: NodeReader,
  checkpoints: number,
  copies: number,
  n: number,
  weights: Float64Array,
): Float64Array {
  const lengths = new Float64Array(n);
  let total = 0;
  for (let c = 0; c < copies; c++) total += weights[c];
  const nodes = polygonNodes(checkpoints);
  let after = copyPath.node(nodes[0]);
  for (let j = 1; j < nodes.length; j++) {
    const before = after;
    after = copyPath.node(nodes[j]);
    for (let p = 0; p < n; p++) {
      let sum = 0;
      for (let c = 0; c < copies; c++) {
        const w = weights[c];
        if (w !== 0) sum += w * (after[c * n + p] - before[c * n + p]);
      }
      let projected = 0;
      for (let c = 0; c < copies; c++) {
        const w = weights[c];
        if (w === 0 || total - w <= 0) continue;
        const delta = after[c * n + p] - before[c * n + p];
        const others = sum - w * delta;
        projected += w * (others > 0 ? delta : others < 0 ? -delta : 0);
      }
      lengths[p] += projected / total;
    }
  }
  for (let p = 0; p < n; p++) lengths[p] = Math.max(lengths[p], 0);
  return lengths;
}

/** Weighted sample variance (weights = multiplicities; unbiased for integer weights summing to the copy count). */
function weightedVariance(values: Float64Array, weights: Float64Array): number {
  let w = 0;
  let mean = 0;
  for (let i = 0; i < values.length; i++) {
    w += weights[i];
    mean += weights[i] * values[i];
  }
  if (w < 2) return 0;
  mean /= w;
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += weights[i] * (values[i] - mean) ** 2;
  return ss / (w - 1);
}

/** Bootstrap resamples of the LIM bound: at most 200, fewer for large runs (the cost is resamples x checkpoints x cells). */
function limResamples(checkpoints: number, cells: number): number {
  return Math.max(50, Math.min(200, Math.floor(2e8 / Math.max(1, checkpoints * cells))));
}

export function limBound(input: LimBoundInput): LimBound {
  const { parameterCount: n, checkpoints, meanPath, mobilityBudget, copies } = input;
  const copyMeanPathLengths: number[] = [];
  if (input.copyMeanPathLengths) copyMeanPathLengths.push(...input.copyMeanPathLengths);
  else {
    if (!meanPath) throw new RangeError('limBound needs meanPath or copyMeanPathLengths');
    const column = new Float64Array(checkpoints);
    for (let p = 0; p < n; p++) {
      for (let k = 0; k < checkpoints; k++) column[k] = meanPath[k * n + p];
      copyMeanPathLengths.push(polygonLength(column));
    }
  }
  const wellChange = input.wellBarriers ? wellEntropy(input.wellBarriers.final) - wellEntropy(input.wellBarriers.initial) : 0;
  const perParameterLevels = Array.from({ length: n }, (_, p) => Float64Array.from({ length: copies }, (_, c) => input.finalLevels[c * n + p]));
  const copyPath = nodeReader(input.copyPath, input.copySnapshots);
  const pathEstimator: LimBound['pathEstimator'] =
    copyPath && copyPath.length === checkpoints && polygonNodes(checkpoints).every((k) => copyPath.nodeLength(k) === copies * n)
      ? copies >= 2
        ? 'leave-one-out'
        : 'none'
      : 'copy-mean';

  // The bound for one weighting of the copies (all ones: the estimate; multinomial counts: a bootstrap replicate).
  const evaluate = (weights: Float64Array) => {
    const lengths =
      pathEstimator === 'leave-one-out'
        ? leaveOneOutPathLengths(copyPath!, checkpoints, copies, n, weights)
        : pathEstimator === 'none'
          ? new Float64Array(n)
          : Float64Array.from(copyMeanPathLengths);
    let update = 0;
    let updateLinear = 0;
    for (let p = 0; p < n; p++) {
      update += dragBoundNonlinear(lengths[p], mobilityBudget);
      updateLinear += dragBoundLinear(lengths[p], mobilityBudget);
    }
    const finalUpper: number[] = [];
    let information = 0;
    for (let p = 0; p < n; p++) {
      const hFinal = integerEntropyUpperBound(weightedVariance(perParameterLevels[p], weights));
      finalUpper.push(hFinal);
      information += clausiusHeatBound(input.initialLevelEntropy[p], hFinal + wellChange);
    }
    return { lengths, update, updateLinear, information, finalUpper, total: update + information };
  };
  const ones = new Float64Array(copies).fill(1);
  const estimate = evaluate(ones);

  // Bootstrap over copies (the independent units), seeded: randomStream(seed, 0, 'bootstrap-lim').
  let totalSe = 0;
  if (pathEstimator === 'leave-one-out') {
    const resamples = limResamples(checkpoints, copies * n);
    const rng = randomStream(input.seed ?? 0, 0, 'bootstrap-lim');
    const weights = new Float64Array(copies);
    let sum = 0;
    let sumSq = 0;
    for (let r = 0; r < resamples; r++) {
      weights.fill(0);
      for (let c = 0; c < copies; c++) weights[Math.floor(rng.uniform() * copies)]++;
      const t = evaluate(weights).total;
      sum += t;
      sumSq += t * t;
    }
    const mean = sum / resamples;
    totalSe = Math.sqrt(Math.max(sumSq / resamples - mean * mean, 0) * (resamples / (resamples - 1)));
  }
  return {
    update: estimate.update,
    updateLinear: estimate.updateLinear,
    information: estimate.information,
    consolidationTerm: n * input.bits * LN2,
    total: estimate.total,
    totalSe,
    pathEstimator,
    pathLengths: Array.from(estimate.lengths),
    copyMeanPathLengths,
    mobilityBudget,
    initialLevelEntropy: Array.from(input.initialLevelEntropy),
    finalLevelEntropyUpper: estimate.finalUpper,
    wellEntropyChange: wellChange,
  };
}

/** Landauer floor of a conventional memory (docs/physics.md §5): n kT ln 2 per word overwrite. */
export function conventionalOverwriteBound(wordOverwrites: number, bits: number): number {
  return wordOverwrites * bits * LN2;
}
