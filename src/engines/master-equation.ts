import {
  buildDiscreteModel,
  DEFAULT_MAX_STATES,
  initialProbabilities,
  protocolSteps,
  recordSteps,
  validateDiscreteProblem,
  type DiscreteProblem,
} from '../memory/discrete.js';
import type { EngineResult, Estimate, TimeseriesPoint } from './problem.js';

/**
 * Master-equation engine: the exact ensemble average of the Monte-Carlo engine.
 *
 *   dp/dt = K(lambda_t) p,   K_ji = k_{i->j} (i != j),   K_ii = -R_i,
 *
 * on the same grid as the Monte-Carlo engine (protocolSteps): the protocol
 * moves to lambda(t_{n+1}) at fixed p (work), then p evolves for one step at
 * constant rates (heat), so the two engines agree exactly in expectation.
 *
 * Each constant-rate stretch is propagated with the matrix exponential
 * p <- exp(K t) p by uniformization (Jensen 1953; Grassmann 1977):
 *   exp(K t) = sum_k Poisson(k; L t) P^k,   P = I + K / L,   L >= max_i R_i,
 * with P non-negative, so p stays a probability vector to round-off and the
 * truncation error is bounded by the Poisson tail (< 1e-16). Consecutive
 * steps with unchanged rates (holds) are merged; when L t is so large that
 * the series is expensive, exp(K t) is built once as a dense matrix and
 * squared (scaling and squaring), with its columns renormalised.
 *
 * Energetics (THEORY.md §3):
 *   <W> += sum_i p_i [E_i(new) - E_i(old)]      at each protocol move,
 *   <Q> += int sum_ij p_i k_ij (E_i - E_j) dt    over each constant stretch.
 * At constant rates d<E>/dt = sum_i E_i dp_i/dt = -sum_ij p_i k_ij (E_i - E_j),
 * so the heat of a stretch is exactly <E>(start) - <E>(end): computed that
 * way, the first law <E>_end - <E>_0 = <W> - <Q> closes to round-off.
 */

export type MasterEquationProblem = DiscreteProblem;

export interface MasterEquationOptions {
  /** Largest state space accepted (default DEFAULT_MAX_STATES = 4096). */
  maxStates?: number;
}

export interface MasterEquationResult extends EngineResult {
  engine: 'master-equation';
  /** Final state probabilities. */
  probabilities: Float64Array;
}

/** Largest L t per uniformization series (e^{-L t} stays far from underflow). */
const SERIES_SPAN = 30;
/** Poisson tail below which the series stops. */
const SERIES_TOLERANCE = 1e-17;
/** Dense scaling-and-squaring is considered only up to this many states. */
const DENSE_LIMIT = 512;

export type PropagationMethod = 'auto' | 'uniformization' | 'squaring';

/**
 * Propagate p (in place) by exp(K t) for the chain generator with rates
 * up[i] = k_{i->i+1}, down[i] = k_{i->i-1}.
 */
export function propagateChain(
  p: Float64Array,
  up: Float64Array,
  down: Float64Array,
  t: number,
  method: PropagationMethod = 'auto',
): void {
  const n = p.length;
  let maxEscape = 0;
  for (let i = 0; i < n; i++) maxEscape = Math.max(maxEscape, up[i] + down[i]);
  if (!(t > 0) || maxEscape === 0) return;
  const span = maxEscape * t;
  const pieces = Math.ceil(span / SERIES_SPAN);
  let useDense = method === 'squaring';
  if (method === 'auto' && n <= DENSE_LIMIT && pieces > 64) {
    // Series: pieces * ~(SERIES_SPAN + 40) chain products of ~6 n flops.
    // Dense: n columns of one series, then log2(pieces) products of 2 n^3.
    const seriesCost = pieces * (SERIES_SPAN + 40) * 6 * n;
    const denseCost = n * (SERIES_SPAN + 40) * 6 * n + Math.log2(pieces) * 2 * n * n * n;
    useDense = denseCost < seriesCost;
  }
  if (useDense) {
    const squarings = Math.max(0, Math.ceil(Math.log2(Math.max(pieces, 1))));
    const transition = denseExponential(up, down, t / 2 ** squarings, squarings, maxEscape);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) acc += transition[row + j] * p[j];
      out[i] = acc;
    }
    p.set(out);
    return;
  }
  const work = new Float64Array(2 * n);
  const piece = t / pieces;
  for (let k = 0; k < pieces; k++) uniformizationSeries(p, up, down, maxEscape, piece, work);
}

/** One series p <- sum_k Poisson(k; L t) P^k p, for L t <= SERIES_SPAN. */
function uniformizationSeries(
  p: Float64Array,
  up: Float64Array,
  down: Float64Array,
  uniformRate: number,
  t: number,
  work: Float64Array,
): void {
  const n = p.length;
  const mean = uniformRate * t;
  const term = work.subarray(0, n);
  const nextTerm = work.subarray(n, 2 * n);
  term.set(p);
  let weight = Math.exp(-mean);
  for (let i = 0; i < n; i++) p[i] = weight * term[i];
  const inverse = 1 / uniformRate;
  for (let k = 1; k < 10_000; k++) {
    // nextTerm = P term: stay with 1 - R_i / L, hop i -> i+-1 with k / L.
    for (let i = 0; i < n; i++) {
      let v = term[i] * (1 - (up[i] + down[i]) * inverse);
      if (i > 0) v += term[i - 1] * up[i - 1] * inverse;
      if (i + 1 < n) v += term[i + 1] * down[i + 1] * inverse;
      nextTerm[i] = v;
    }
    term.set(nextTerm);
    weight *= mean / k;
    for (let i = 0; i < n; i++) p[i] += weight * term[i];
    // Remaining Poisson mass < weight * x / (1 - x), x = mean / (k + 1) < 1.
    const ratio = mean / (k + 1);
    if (ratio < 1 && (weight * ratio) / (1 - ratio) < SERIES_TOLERANCE) break;
  }
}

/** exp(K t0)^(2^squarings) as a dense row-major matrix (columns are the images of unit vectors). */
function denseExponential(up: Float64Array, down: Float64Array, t0: number, squarings: number, uniformRate: number): Float64Array {
  const n = up.length;
  let m = new Float64Array(n * n);
  const column = new Float64Array(n);
  const work = new Float64Array(2 * n);
  for (let j = 0; j < n; j++) {
    column.fill(0);
    column[j] = 1;
    uniformizationSeries(column, up, down, uniformRate, t0, work);
    for (let i = 0; i < n; i++) m[i * n + j] = column[i];
  }
  let product = new Float64Array(n * n);
  for (let s = 0; s < squarings; s++) {
    product.fill(0);
    for (let i = 0; i < n; i++) {
      for (let l = 0; l < n; l++) {
        const a = m[i * n + l];
        if (a === 0) continue;
        const rowL = l * n;
        const rowI = i * n;
        for (let j = 0; j < n; j++) product[rowI + j] += a * m[rowL + j];
      }
    }
    // Columns of a transition matrix sum to 1; renormalising keeps round-off
    // from growing with the number of squarings.
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += product[i * n + j];
      if (sum > 0) for (let i = 0; i < n; i++) product[i * n + j] /= sum;
    }
    [m, product] = [product, m];
  }
  return m;
}

function exact(mean: number): Estimate {
  return { mean, se: 0, n: 0 };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Solve the master equation of a discrete-state memory through its protocol. */
export function solveMasterEquation(problem: MasterEquationProblem, options: MasterEquationOptions = {}): MasterEquationResult {
  validateDiscreteProblem(problem, false);
  const model = buildDiscreteModel(problem.potential, problem.friction, {
    engine: 'master-equation',
    maxStates: options.maxStates ?? DEFAULT_MAX_STATES,
    rates: problem.rates,
  });
  model.setTime(0);
  const p = initialProbabilities(model, problem.initial);
  const n = model.stateCount;
  const initialOccupancy = Array.from(p);
  // The rates and energies in force for the pending (not yet propagated) stretch.
  const up = Float64Array.from(model.rateUp);
  const down = Float64Array.from(model.rateDown);
  const energies = Float64Array.from(model.energies);
  const initialEnergy = dot(p, energies);
  let work = 0;
  let heat = 0;
  let pending = 0;

  const flush = () => {
    if (pending <= 0) return;
    const before = dot(p, energies);
    propagateChain(p, up, down, pending);
    heat += before - dot(p, energies);
    pending = 0;
  };
  const snapshot = (t: number): TimeseriesPoint => ({
    t,
    work,
    heat,
    energy: dot(p, energies),
    occupancy: Array.from(p),
    parameters: model.parameters(),
  });

  const steps = protocolSteps(problem.duration, problem.dt);
  const recordAt = recordSteps(steps, problem.recordPoints);
  const timeseries: TimeseriesPoint[] = [snapshot(0)];
  let k = 1;
  while (k < recordAt.length && recordAt[k] === 0) timeseries.push(snapshot(0)), k++;
  for (let step = 0; step < steps; step++) {
    const tStart = (step * problem.duration) / steps;
    const tEnd = ((step + 1) * problem.duration) / steps;
    if (model.setTime(tEnd)) {
      flush();
      for (let i = 0; i < n; i++) work += p[i] * (model.energies[i] - energies[i]);
      up.set(model.rateUp);
      down.set(model.rateDown);
      energies.set(model.energies);
    }
    pending += tEnd - tStart;
    if (k < recordAt.length && recordAt[k] === step + 1) {
      flush();
      while (k < recordAt.length && recordAt[k] === step + 1) timeseries.push(snapshot(tEnd)), k++;
    }
  }
  flush();

  return {
    engine: 'master-equation',
    work: exact(work),
    heat: exact(heat),
    energyChange: exact(dot(p, energies) - initialEnergy),
    initialOccupancy,
    finalOccupancy: Array.from(p),
    timeseries,
    probabilities: p,
  };
}
