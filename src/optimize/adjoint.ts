import {
  CompensatedSum,
  BackwardEulerOperator,
  StateMap,
  initialProbabilities,
  stepCount,
  type FokkerPlanckGrid,
} from '../engines/fokker-planck.js';
import type { Problem } from '../engines/problem.js';
import { buildPotential, type Potential } from '../physics/potentials.js';
import { energyDerivative, knotWeights, type VariedField } from './protocol.js';

/**
 * Exact gradients of the Fokker-Planck engine's mean work and heat with respect
 * to the free knot values of the protocol: the discrete adjoint of the
 * backward-Euler Scharfetter-Gummel step of src/engines/fokker-planck.ts
 * (derivation in docs/optimize.md §2). The forward pass repeats the engine's
 * step on a fixed grid (the engine's own operator, so W and Q are the engine's
 * to round-off), storing p^n and U^n; one backward sweep solves the transposed
 * tridiagonal systems A(U^m)^T mu^m = dJ/dp^m + mu^{m+1}, m = N..1, and
 *   dJ/dU^m_j = d_J/dU^m_j - mu^m . (dA/dU^m_j) p^m.
 */

export interface ForwardState {
  steps: number;
  dt: number;
  /** c = D dt / h^2 of the operator. */
  c: number;
  centres: Float64Array;
  /** p^n and U^n, n = 0..N, each `cells` long. */
  probabilities: Float64Array[];
  energies: Float64Array[];
  /** Potential parameters at t_n (n = 0..N). */
  parameters: Record<string, number>[];
  work: number;
  heat: number;
  /** Occupancy of each memory state at t = tau (cell split at state boundaries, as the engine does). */
  finalOccupancy: number[];
  /** Per-cell share of each state at t = tau: occupancy_s = sum_j stateWeights[s][j] p^N_j. */
  stateWeights: Float64Array[];
}

/** Solve the engine's step on `grid` for a problem whose potential carries the protocol. */
export function forwardSolve(problem: Problem, grid: FokkerPlanckGrid): ForwardState {
  const { cells, lower, cellWidth: h } = grid;
  const potential = buildPotential(problem.potential);
  const steps = stepCount(problem.duration, problem.dt);
  const dt = problem.duration / steps;
  const c = ((1 / problem.friction) * dt) / (h * h);
  const centres = new Float64Array(cells);
  for (let j = 0; j < cells; j++) centres[j] = lower + (j + 0.5) * h;
  const energyAt = (t: number): Float64Array => {
    potential.setTime(t);
    const u = new Float64Array(cells);
    for (let j = 0; j < cells; j++) u[j] = potential.energy(centres[j], 0);
    return u;
  };
  const energies: Float64Array[] = [energyAt(0)];
  const parameters: Record<string, number>[] = [potential.parameters()];
  const probabilities: Float64Array[] = [initialProbabilities(problem, potential, grid, energies[0])];
  const operator = new BackwardEulerOperator(cells, c);
  const work = new CompensatedSum();
  const heat = new CompensatedSum();
  for (let n = 0; n < steps; n++) {
    const uOld = energies[n];
    const uNew = energyAt((n + 1) * dt);
    parameters.push(potential.parameters());
    const p = probabilities[n];
    let stepWork = 0;
    for (let j = 0; j < cells; j++) if (p[j] > 0) stepWork += p[j] * (uNew[j] - uOld[j]);
    work.add(stepWork);
    operator.factorise(uNew);
    const pNext = new Float64Array(cells);
    operator.solve(p, pNext);
    let stepHeat = 0;
    for (let j = 0; j < cells; j++) {
      const moved = p[j] - pNext[j];
      if (moved !== 0) stepHeat += moved * uNew[j];
    }
    heat.add(stepHeat);
    energies.push(uNew);
    probabilities.push(pNext);
  }
  const { weights, occupancy } = finalStates(potential, grid, probabilities[steps], problem.duration);
  return {
    steps,
    dt,
    c,
    centres,
    probabilities,
    energies,
    parameters,
    work: work.value,
    heat: heat.value,
    finalOccupancy: occupancy,
    stateWeights: weights,
  };
}

/** The engine's state map at t = tau as linear weights on the cell probabilities. */
function finalStates(potential: Potential, grid: FokkerPlanckGrid, p: Float64Array, duration: number): { weights: Float64Array[]; occupancy: number[] } {
  const states = potential.stateCount;
  potential.setTime(duration);
  const map = new StateMap(grid.lower, grid.cellWidth, grid.cells);
  map.update(potential);
  const weights = Array.from({ length: states }, () => new Float64Array(grid.cells));
  for (let j = 0; j < grid.cells; j++) {
    const f = map.leftFraction[j];
    if (map.leftState[j] >= 0) weights[map.leftState[j]][j] += f;
    if (f < 1 && map.rightState[j] >= 0) weights[map.rightState[j]][j] += 1 - f;
  }
  const occupancy = weights.map((w) => w.reduce((sum, wj, j) => sum + wj * p[j], 0));
  return { weights, occupancy };
}

/** B(z) and B(-z), B(z) = z / (e^z - 1), computed as the engine's factorise does. */
function bernoulliPair(delta: number): [number, number] {
  if (delta === 0) return [1, 1];
  if (delta > 0) {
    const bPlus = delta / Math.expm1(delta);
    return [bPlus, bPlus + delta];
  }
  const bMinus = -delta / Math.expm1(-delta);
  return [bMinus - delta, bMinus];
}

/**
 * B'(z) = (e^z - 1 - z e^z) / (e^z - 1)^2, for z > 0 as
 * e^{-z} (1 - e^{-z} - z) / (1 - e^{-z})^2, its series -1/2 + z/6 - z^3/180 + z^5/5040
 * near 0, and B'(-z) = -1 - B'(z) (from B(-z) = B(z) + z).
 */
export function bernoulliDerivative(z: number): number {
  const a = Math.abs(z);
  let positive: number;
  if (a < 0.05) {
    const a2 = a * a;
    positive = -0.5 + a / 6 - (a * a2) / 180 + (a * a2 * a2) / 5040;
  } else {
    const e = Math.exp(-a);
    const oneMinus = -Math.expm1(-a);
    positive = (e * (oneMinus - a)) / (oneMinus * oneMinus);
  }
  return z >= 0 ? positive : -1 - positive;
}

/** What the gradient is of: a W + b Q + sum_s terminal[s] occupancy_s(tau). */
export interface ObjectiveWeights {
  work: number;
  heat: number;
  /** Weight of each state's final occupancy (length = memory states; may be empty). */
  occupancy?: number[];
}

/**
 * Gradient of a W + b Q + sum_s w_s occupancy_s with respect to the free knot
 * values of `fields` (concatenated per field, knot order), by one backward sweep.
 */
export function adjointGradient(state: ForwardState, fields: VariedField[], duration: number, weights: ObjectiveWeights): Float64Array {
  const { steps: N, c, centres, probabilities: P, energies: U } = state;
  const cells = centres.length;
  const a = weights.work;
  const b = weights.heat;
  const sub = new Float64Array(cells);
  const diag = new Float64Array(cells);
  const sup = new Float64Array(cells);
  const scratchC = new Float64Array(cells);
  const scratchD = new Float64Array(cells);
  const bPlus = new Float64Array(cells);
  const bMinus = new Float64Array(cells);
  let muNext = new Float64Array(cells); // mu^{m+1}
  let mu = new Float64Array(cells);
  const rhs = new Float64Array(cells);
  const gU = new Float64Array(cells);
  const offsets: number[] = [];
  let total = 0;
  for (const f of fields) {
    offsets.push(total);
    total += f.knotTimes.length;
  }
  const gradient = new Float64Array(total);

  for (let m = N; m >= 1; m--) {
    const p = P[m];
    const pPrev = P[m - 1];
    const u = U[m];
    // dJ/dp^m + mu^{m+1}.
    if (m < N) {
      const uNext = U[m + 1];
      for (let j = 0; j < cells; j++) rhs[j] = (a + b) * (uNext[j] - u[j]) + muNext[j];
    } else {
      for (let j = 0; j < cells; j++) rhs[j] = -b * u[j];
      weights.occupancy?.forEach((w, s) => {
        if (w === 0) return;
        const ws = state.stateWeights[s];
        for (let j = 0; j < cells; j++) rhs[j] += w * ws[j];
      });
    }
    // A(U^m): sub_j = A[j][j-1] = -c B(delta_{j-1}), sup_j = A[j][j+1] = -c B(-delta_j); solve A^T mu = rhs.
    for (let j = 0; j + 1 < cells; j++) {
      const [bp, bm] = bernoulliPair(u[j + 1] - u[j]);
      bPlus[j] = bp;
      bMinus[j] = bm;
    }
    for (let j = 0; j < cells; j++) {
      diag[j] = 1 + (j + 1 < cells ? c * bPlus[j] : 0) + (j > 0 ? c * bMinus[j - 1] : 0);
      // Transposed: row j of A^T has A[j-1][j] = -c B(-delta_{j-1}) below and A[j+1][j] = -c B(delta_j) above.
      sub[j] = j > 0 ? -c * bMinus[j - 1] : 0;
      sup[j] = j + 1 < cells ? -c * bPlus[j] : 0;
    }
    thomas(sub, diag, sup, rhs, mu, scratchC, scratchD);
    // Explicit dependence of J on U^m: W gives p^{m-1} - p^m (only p^{N-1} at m = N); Q gives p^{m-1} - p^m.
    for (let j = 0; j < cells; j++) gU[j] = (m < N ? a * (pPrev[j] - p[j]) : a * pPrev[j]) + b * (pPrev[j] - p[j]);
    // Minus mu . (dA/dU^m_j) p^m: with G_e = c (mu_j - mu_{j+1}) [B'(delta_j) p_j + B'(-delta_j) p_{j+1}] on edge j+1/2,
    // d(mu^T A p)/dU_j = G_{j-1} - G_j.
    for (let j = 0; j + 1 < cells; j++) {
      const delta = u[j + 1] - u[j];
      const bPrime = bernoulliDerivative(delta); // B'(-delta) = -1 - B'(delta)
      const g = c * (mu[j] - mu[j + 1]) * (bPrime * p[j] - (1 + bPrime) * p[j + 1]);
      gU[j + 1] -= g;
      gU[j] += g;
    }
    // Chain to the knots: dU_j/dtheta_i = dU/dlambda (x_j) * dlambda(t_m)/dtheta_i.
    const t = m * state.dt;
    fields.forEach((field, k) => {
      const [lo, wLo, hi, wHi] = knotWeights(field, t, duration);
      if (lo < 0 && hi < 0) return;
      const dUdLambda = energyDerivative(field, state.parameters[m]);
      let dLambda = 0;
      for (let j = 0; j < cells; j++) dLambda += gU[j] * dUdLambda(centres[j]);
      if (lo >= 0) gradient[offsets[k] + lo] += wLo * dLambda;
      if (hi >= 0) gradient[offsets[k] + hi] += wHi * dLambda;
    });
    [mu, muNext] = [muNext, mu];
  }
  return gradient;
}

/** Thomas algorithm for a tridiagonal system (sub[0] and sup[n-1] unused). */
function thomas(
  sub: Float64Array,
  diag: Float64Array,
  sup: Float64Array,
  rhs: Float64Array,
  out: Float64Array,
  cPrime: Float64Array,
  dPrime: Float64Array,
): void {
  const n = diag.length;
  cPrime[0] = sup[0] / diag[0];
  dPrime[0] = rhs[0] / diag[0];
  for (let j = 1; j < n; j++) {
    const denominator = diag[j] - sub[j] * cPrime[j - 1];
    cPrime[j] = sup[j] / denominator;
    dPrime[j] = (rhs[j] - sub[j] * dPrime[j - 1]) / denominator;
  }
  out[n - 1] = dPrime[n - 1];
  for (let j = n - 2; j >= 0; j--) out[j] = dPrime[j] - cPrime[j] * out[j + 1];
}
