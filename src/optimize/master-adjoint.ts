import { propagateChain } from '../engines/master-equation.js';
import {
  buildDiscreteModel,
  initialProbabilities,
  protocolSteps,
  recordSteps,
  type DiscreteProblem,
  type DiscreteSpec,
} from '../memory/discrete.js';
import { compileSchedule } from '../physics/schedules.js';
import type { ObjectiveWeights } from './adjoint.js';
import { knotWeights, type VariedField } from './protocol.js';

/**
 * Exact gradients of the master-equation engine's mean work and heat (and
 * final occupancies) for a discrete memory (potential.kind: discrete) with
 * respect to the free knot values of its energy and barrier schedules
 * (derivation in docs/optimize.md §7).
 *
 * Forward pass: the engine's own loop (src/engines/master-equation.ts): at each
 * protocol change the work <p, E_new - E_old>, then p <- exp(K t) p over each
 * stretch of constant rates by the engine's propagateChain (uniformization),
 * the heat of a stretch <p_start - p_end, E>. So W and Q are the engine's to
 * round-off. Each stretch s (s = 1..S) is stored with its energies E^s, rates,
 * duration t_s, protocol time and the probabilities at its start and end.
 *
 * Backward pass: with M_s = exp(K_s t_s), the adjoint
 *   lambda^S = dJ/dp^S,   lambda^s = dJ/dp^s + M_{s+1}^T lambda^{s+1},
 * and dJ/dk = lambda^s . (dM_s/dk) p^{s-1} for every rate k of stretch s.
 * The derivative of the matrix exponential is exact, by the Daleckii-Krein
 * formula in the symmetrised frame: detailed balance makes
 * S = D^{-1/2} K D^{1/2} (D = diag exp(-E_i)) symmetric tridiagonal,
 * S = V diag(l) V^T, and for any direction dK
 *   lambda^T dM p = sum_ij F_ij G_ij,   F = t D^{-1/2} dK D^{1/2},
 *   G = V (Phi o alpha beta^T) V^T,   alpha = V^T D^{1/2} lambda,  beta = V^T D^{-1/2} p,
 *   Phi_ab = (e^{l_a t} - e^{l_b t}) / (l_a t - l_b t)   (e^{l_a t} when equal)
 * (Higham, Functions of Matrices, SIAM 2008, Thm 3.11 and eq. 10.15).
 * The rates' analytic derivatives: k_{i->i+1} = nu exp(-(B*_i - E_i)),
 * k_{i+1->i} = nu exp(-(B*_i - E_{i+1})), B*_i = max(B_i, E_i, E_{i+1}) (the
 * clamp of src/memory/discrete.ts), differentiated on its active branch.
 */

export interface MasterStretch {
  /** Protocol time whose rates hold in this stretch (the end of the step that set them). */
  protocolTime: number;
  duration: number;
  energies: Float64Array;
  /** Barrier schedule values B_i before clamping. */
  barriers: Float64Array;
  up: Float64Array;
  down: Float64Array;
  /** p at the start and end of the stretch. */
  start: Float64Array;
  end: Float64Array;
}

export interface MasterForwardState {
  steps: number;
  dt: number;
  attemptFrequency: number;
  initialEnergies: Float64Array;
  stretches: MasterStretch[];
  work: number;
  heat: number;
  finalOccupancy: number[];
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** The master-equation engine's run of a discrete problem, every stretch of constant rates stored. */
export function masterForward(problem: DiscreteProblem): MasterForwardState {
  const spec = problem.potential as DiscreteSpec;
  const model = buildDiscreteModel(spec, problem.friction, { engine: 'master-equation' });
  const barrierOf = spec.barriers.map((s, i) => compileSchedule(s, `potential.barriers[${i}]`));
  model.setTime(0);
  const p = initialProbabilities(model, problem.initial);
  const n = model.stateCount;
  const initialEnergies = Float64Array.from(model.energies);
  let up = Float64Array.from(model.rateUp);
  let down = Float64Array.from(model.rateDown);
  let energies = Float64Array.from(model.energies);
  let barriers = Float64Array.from(barrierOf, (b) => b(0));
  let protocolTime = 0;
  let work = 0;
  let heat = 0;
  let pending = 0;
  const stretches: MasterStretch[] = [];
  // Identical to solveMasterEquation: same merges of holds, same flushes at the record points.
  const flush = () => {
    if (pending <= 0) return;
    const start = Float64Array.from(p);
    const before = dot(p, energies);
    propagateChain(p, up, down, pending);
    heat += before - dot(p, energies);
    stretches.push({ protocolTime, duration: pending, energies, barriers, up, down, start, end: Float64Array.from(p) });
    pending = 0;
  };
  const steps = protocolSteps(problem.duration, problem.dt);
  const recordAt = recordSteps(steps, problem.recordPoints);
  let k = 1;
  while (k < recordAt.length && recordAt[k] === 0) k++;
  for (let step = 0; step < steps; step++) {
    const tStart = (step * problem.duration) / steps;
    const tEnd = ((step + 1) * problem.duration) / steps;
    if (model.setTime(tEnd)) {
      flush();
      for (let i = 0; i < n; i++) work += p[i] * (model.energies[i] - energies[i]);
      up = Float64Array.from(model.rateUp);
      down = Float64Array.from(model.rateDown);
      energies = Float64Array.from(model.energies);
      barriers = Float64Array.from(barrierOf, (b) => b(tEnd));
      protocolTime = tEnd;
    }
    pending += tEnd - tStart;
    if (k < recordAt.length && recordAt[k] === step + 1) {
      flush();
      while (k < recordAt.length && recordAt[k] === step + 1) k++;
    }
  }
  flush();
  return {
    steps,
    dt: problem.duration / steps,
    attemptFrequency: spec.attemptFrequency,
    initialEnergies,
    stretches,
    work,
    heat,
    finalOccupancy: Array.from(p),
  };
}

/**
 * Eigen-decomposition of a real symmetric matrix (row-major, n x n) by cyclic
 * Jacobi rotations (Golub & Van Loan, Matrix Computations, §8.5). Written here
 * for the few-state chains of the adjoint: accurate to round-off in every
 * eigenvalue, and no allocation beyond the outputs (one call per stretch,
 * thousands per gradient). Returns eigenvalues and V (columns = eigenvectors).
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      scale += m[i * n + i] * m[i * n + i];
      for (let j = i + 1; j < n; j++) off += m[i * n + j] * m[i * n + j];
    }
    if (off <= 1e-32 * scale || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = m[i * n + i];
  return { values, vectors: v };
}

/** (e^x - e^y) / (x - y), e^x at x = y: the divided difference of exp. */
function expDividedDifference(x: number, y: number): number {
  const hi = Math.max(x, y);
  const d = Math.abs(x - y);
  if (d < 1e-12) return Math.exp(hi) * (1 - d / 2);
  return (Math.exp(hi) * -Math.expm1(-d)) / d;
}

/**
 * One stretch of the backward pass: given lambda (the adjoint at the stretch's
 * end) and p (its start), returns M^T lambda and fills dJ/dup, dJ/ddown.
 */
function stretchAdjoint(s: MasterStretch, lambda: Float64Array, dUp: Float64Array, dDown: Float64Array): Float64Array {
  const n = lambda.length;
  const t = s.duration;
  const e = s.energies;
  let lowest = Infinity;
  for (let i = 0; i < n; i++) lowest = Math.min(lowest, e[i]);
  // sqrt of the Boltzmann weights, D^{1/2}.
  const root = Float64Array.from(e, (ei) => Math.exp(-0.5 * (ei - lowest)));
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++) sym[i * n + i] = -(s.up[i] + s.down[i]);
  for (let i = 0; i + 1 < n; i++) sym[i * n + i + 1] = sym[(i + 1) * n + i] = Math.sqrt(s.up[i] * s.down[i + 1]);
  const { values, vectors: v } = symmetricEigen(sym, n);
  const alpha = new Float64Array(n);
  const beta = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < n; i++) {
      sa += v[i * n + a] * root[i] * lambda[i];
      sb += (v[i * n + a] * s.start[i]) / root[i];
    }
    alpha[a] = sa;
    beta[a] = sb;
  }
  // M^T lambda = D^{-1/2} V e^{l t} V^T D^{1/2} lambda.
  const back = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let a = 0; a < n; a++) acc += v[i * n + a] * Math.exp(values[a] * t) * alpha[a];
    back[i] = acc / root[i];
  }
  // H = Phi o alpha beta^T, then G_ij = (V H V^T)_ij on the tridiagonal band.
  const h = new Float64Array(n * n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) h[a * n + b] = expDividedDifference(values[a] * t, values[b] * t) * alpha[a] * beta[b];
  const g = (i: number, j: number) => {
    let acc = 0;
    for (let a = 0; a < n; a++) {
      const via = v[i * n + a];
      if (via === 0) continue;
      let inner = 0;
      for (let b = 0; b < n; b++) inner += h[a * n + b] * v[j * n + b];
      acc += via * inner;
    }
    return acc;
  };
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++) diag[i] = g(i, i);
  dUp.fill(0);
  dDown.fill(0);
  for (let i = 0; i + 1 < n; i++) {
    // dK for k_{i->i+1}: K[i+1][i] += 1, K[i][i] -= 1; F = t D^{-1/2} dK D^{1/2}.
    dUp[i] = t * ((root[i] / root[i + 1]) * g(i + 1, i) - diag[i]);
    // dK for k_{i+1->i}: K[i][i+1] += 1, K[i+1][i+1] -= 1.
    dDown[i + 1] = t * ((root[i + 1] / root[i]) * g(i, i + 1) - diag[i + 1]);
  }
  return back;
}

/** Which varied field drives energies[i] / barriers[i], with its offset among the free values. */
function fieldIndex(fields: VariedField[]): { energy: Map<number, [VariedField, number]>; barrier: Map<number, [VariedField, number]> } {
  const energy = new Map<number, [VariedField, number]>();
  const barrier = new Map<number, [VariedField, number]>();
  let offset = 0;
  for (const f of fields) {
    const index = f.keys[f.keys.length - 1] as number;
    (f.keys[f.keys.length - 2] === 'energies' ? energy : barrier).set(index, [f, offset]);
    offset += f.knotTimes.length;
  }
  return { energy, barrier };
}

/**
 * Gradient of a W + b Q + sum_i w_i p_i(tau) with respect to the free knot
 * values of `fields` (energies[i] / barriers[i] of a discrete spec), by one
 * backward sweep over the stored stretches.
 */
export function masterAdjointGradient(state: MasterForwardState, fields: VariedField[], duration: number, weights: ObjectiveWeights): Float64Array {
  const { stretches } = state;
  const S = stretches.length;
  const n = state.initialEnergies.length;
  const a = weights.work;
  const b = weights.heat;
  const nu = state.attemptFrequency;
  const { energy, barrier } = fieldIndex(fields);
  const total = fields.reduce((sum, f) => sum + f.knotTimes.length, 0);
  const gradient = new Float64Array(total);
  const dUp = new Float64Array(n);
  const dDown = new Float64Array(n);
  const gE = new Float64Array(n);
  const gB = new Float64Array(Math.max(n - 1, 0));
  let carried: Float64Array = new Float64Array(n); // M_{s+1}^T lambda^{s+1}
  for (let s = S; s >= 1; s--) {
    const st = stretches[s - 1];
    const e = st.energies;
    // lambda^s = dJ/dp^s + M_{s+1}^T lambda^{s+1}, with p^s = st.end.
    const lambda = new Float64Array(n);
    if (s < S) {
      const eNext = stretches[s].energies;
      for (let i = 0; i < n; i++) lambda[i] = (a + b) * (eNext[i] - e[i]) + carried[i];
    } else {
      for (let i = 0; i < n; i++) lambda[i] = -b * e[i] + (weights.occupancy?.[i] ?? 0);
    }
    carried = stretchAdjoint(st, lambda, dUp, dDown);
    // Explicit dJ/dE^s: W gives p^{s-1} - [s < S] p^s, Q gives p^{s-1} - p^s.
    for (let i = 0; i < n; i++) gE[i] = (s < S ? a * (st.start[i] - st.end[i]) : a * st.start[i]) + b * (st.start[i] - st.end[i]);
    // Through the rates: ln k_up_i = ln nu - B*_i + E_i, ln k_down_{i+1} = ln nu - B*_i + E_{i+1}.
    for (let i = 0; i + 1 < n; i++) {
      const raw = st.barriers[i];
      const clamped = Math.max(raw, e[i], e[i + 1]);
      const kUp = nu * Math.exp(-(clamped - e[i]));
      const kDown = nu * Math.exp(-(clamped - e[i + 1]));
      const cUp = dUp[i] * kUp;
      const cDown = dDown[i + 1] * kDown;
      gE[i] += cUp;
      gE[i + 1] += cDown;
      // dB*_i: the active branch of the max (the raw barrier first on a tie).
      const dClamped = -(cUp + cDown);
      gB[i] = 0;
      if (raw >= e[i] && raw >= e[i + 1]) gB[i] = dClamped;
      else if (e[i] >= e[i + 1]) gE[i] += dClamped;
      else gE[i + 1] += dClamped;
    }
    // Chain to the knots: d(schedule value at the stretch's protocol time)/dtheta.
    const t = st.protocolTime;
    const chain = (map: Map<number, [VariedField, number]>, g: Float64Array) => {
      for (const [i, [field, offset]] of map) {
        const [lo, wLo, hi, wHi] = knotWeights(field, t, duration);
        if (lo >= 0) gradient[offset + lo] += wLo * g[i];
        if (hi >= 0) gradient[offset + hi] += wHi * g[i];
      }
    };
    chain(energy, gE);
    chain(barrier, gB);
  }
  return gradient;
}
