import { ConfigError } from '../errors.js';
import { buildPotential, type Potential, type PotentialSpec } from '../physics/potentials.js';
import type { EngineResult, Estimate, Problem, TimeseriesPoint } from './problem.js';

/**
 * Fokker-Planck engine: the exact ensemble average of the overdamped Langevin
 * dynamics (THEORY.md §2), kT = 1, D = kT / gamma,
 *
 *   d_t rho = -d_x J,   J = -(1/gamma) U' rho - D d_x rho,
 *
 * solved by finite volumes on a uniform grid with reflecting (zero-flux) ends.
 *
 * Space: the Scharfetter-Gummel flux (Scharfetter & Gummel, IEEE TED 16, 64
 * (1969)) between cells j and j+1, with delta = U_{j+1} - U_j (kT),
 *   J_{j+1/2} = (D/h) [ B(delta) rho_j - B(-delta) rho_{j+1} ],  B(z) = z / (e^z - 1),
 * is the exact flux of a constant-J solution through a linear potential: it
 * vanishes for rho_j proportional to exp(-U_j), so the discrete Boltzmann density
 * is a fixed point to round-off, and it is second order in h for smooth U.
 *
 * Time: backward Euler, first order in dt, one tridiagonal (Thomas) solve per
 * step. Its matrix is an M-matrix with unit column sums: probability is
 * conserved, stays positive for any dt, and each step at fixed lambda is a
 * Markov kernel in detailed balance with exp(-U_j), so the discrete process
 * obeys the second law exactly (W >= Delta F_grid, Q >= -Delta S_grid). Crank-
 * Nicolson would be second order but loses both properties for large dt.
 *
 * Energetics (THEORY.md §3), the splitting the Langevin ledger uses, on cell
 * probabilities p_j = rho_j h, step n -> n+1:
 *   W += sum_j p_j^n     [U_j(lambda_{n+1}) - U_j(lambda_n)]   (protocol moves, density fixed)
 *   Q += sum_j (p_j^n - p_j^{n+1}) U_j(lambda_{n+1})            (density relaxes, protocol fixed)
 * so <U>_{n+1} - <U>_n = W_n - Q_n identically, and the first law closes to
 * round-off. Summing by parts, Q_n = -dt sum_j J_{j+1/2} (U_{j+1} - U_j), the
 * discrete form of -int dt int J U' dx.
 */

export interface FokkerPlanckOptions {
  /**
   * Number of finite-volume cells over the domain. Default: the smallest even
   * number meeting twice the grid requirements (see planFokkerPlanckGrid).
   */
  cells?: number;
}

/** Largest energy change between neighbouring cells in the relevant region (kT) a grid may have. */
export const MAX_ENERGY_STEP_KT = 1;
/** Fewest cells per well width (2 sqrt(kT / U'') at a minimum) a grid may have. */
export const MIN_CELLS_PER_WELL = 10;
/** Default grids meet the requirements with this safety factor. */
export const DEFAULT_GRID_MARGIN = 2;
/** Cells with U - U_min above this (kT) carry weight < 2e-9 of the peak: outside the relevant region. */
export const RELEVANT_ENERGY_KT = 20;
/** Evenly spaced times at which the protocol is probed for the domain and the grid check. */
const PROBE_TIMES = 201;
/** Resolution of the probe grid used to size a default grid. */
const PROBE_CELLS = 20_000;
const MIN_DEFAULT_CELLS = 100;

export interface GridDiagnostics {
  /** Largest |U_{j+1} - U_j| with either cell within RELEVANT_ENERGY_KT of the minimum, kT; where and when. */
  maxEnergyStep: { value: number; x: number; t: number };
  /** Fewest cells across a relevant well's width 2 sqrt(kT/U''); where and when (Infinity without wells). */
  minCellsPerWell: { value: number; x: number; t: number; width: number };
}

export interface FokkerPlanckGrid {
  lower: number;
  upper: number;
  cells: number;
  /** Cell width h, well spacings. */
  cellWidth: number;
  diagnostics: GridDiagnostics;
}

export interface FokkerPlanckResult extends EngineResult {
  engine: 'fokker-planck';
  grid: FokkerPlanckGrid;
  /** Cell centres x_j = lower + (j + 1/2) h. */
  centres: Float64Array;
  /** Probability density (per length, cell averages) at t = 0 and t = duration. */
  initialDensity: Float64Array;
  finalDensity: Float64Array;
  /** Shannon entropy of the grid density, -sum_j p_j ln(p_j / h), nats, at t = 0 and t = duration. */
  initialEntropy: number;
  finalEntropy: number;
  /** Steps taken and the step used (duration / steps). */
  steps: number;
  dt: number;
}

/** Same convention as the Langevin engine: whole steps no longer than dt. */
function stepCount(duration: number, dt: number): number {
  return Math.max(1, Math.ceil(duration / dt - 1e-9));
}

/** Breakpoints of every schedule in a potential spec (table points, ramp ends) inside [0, duration]. */
function scheduleBreakpoints(spec: unknown, duration: number, out: number[]): void {
  if (Array.isArray(spec)) {
    for (const item of spec) scheduleBreakpoints(item, duration, out);
    return;
  }
  if (typeof spec !== 'object' || spec === null) return;
  const record = spec as Record<string, unknown>;
  if (record.kind === 'table' && Array.isArray(record.points)) {
    for (const point of record.points as [number, number][]) out.push(point[0]);
  } else if ((record.kind === 'linear' || record.kind === 'exponential') && typeof record.end === 'number') {
    out.push(typeof record.start === 'number' ? record.start : 0, record.end);
  } else {
    for (const value of Object.values(record)) scheduleBreakpoints(value, duration, out);
  }
}

function probeTimesOf(spec: PotentialSpec, duration: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < PROBE_TIMES; i++) times.push((duration * i) / (PROBE_TIMES - 1));
  const breaks: number[] = [];
  scheduleBreakpoints(spec, duration, breaks);
  for (const t of breaks) {
    if (t > 0 && t < duration) {
      // Both sides of a kink: the extreme parameter values sit there.
      times.push(t, Math.max(0, t - 1e-9 * duration), Math.min(duration, t + 1e-9 * duration));
    }
  }
  return times.sort((a, b) => a - b);
}

/** Measure a grid of `cells` cells on [lower, upper] against the requirements at every probe time. */
function assessGrid(potential: Potential, times: number[], lower: number, upper: number, cells: number): GridDiagnostics {
  const h = (upper - lower) / cells;
  const energy = new Float64Array(cells);
  const diagnostics: GridDiagnostics = {
    maxEnergyStep: { value: 0, x: lower, t: 0 },
    minCellsPerWell: { value: Infinity, x: lower, t: 0, width: Infinity },
  };
  const eps = 1e-6 * (upper - lower);
  for (const t of times) {
    potential.setTime(t);
    let minimum = Infinity;
    for (let j = 0; j < cells; j++) {
      const u = potential.energy(lower + (j + 0.5) * h, 0);
      energy[j] = u;
      if (u < minimum) minimum = u;
    }
    const ceiling = minimum + RELEVANT_ENERGY_KT;
    for (let j = 0; j + 1 < cells; j++) {
      if (Math.min(energy[j], energy[j + 1]) > ceiling) continue;
      const step = Math.abs(energy[j + 1] - energy[j]);
      if (step > diagnostics.maxEnergyStep.value) {
        diagnostics.maxEnergyStep = { value: step, x: lower + (j + 1) * h, t };
      }
    }
    for (let j = 0; j < cells; j++) {
      if (energy[j] > ceiling) continue;
      const left = j > 0 ? energy[j - 1] : Infinity;
      const right = j + 1 < cells ? energy[j + 1] : Infinity;
      if (!(energy[j] < left && energy[j] <= right)) continue;
      const x = lower + (j + 0.5) * h;
      const curvature = (potential.force(x - eps, 0) - potential.force(x + eps, 0)) / (2 * eps);
      if (!(curvature > 0)) continue;
      const width = 2 / Math.sqrt(curvature);
      const perWell = width / h;
      if (perWell < diagnostics.minCellsPerWell.value) diagnostics.minCellsPerWell = { value: perWell, x, t, width };
    }
  }
  return diagnostics;
}

function fmt(value: number): string {
  return Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : String(value);
}

/**
 * The grid of a Fokker-Planck run: the union of potential.domain() over the
 * protocol (probed at 201 evenly spaced times and at every schedule
 * breakpoint), divided into `options.cells` cells or, by default, into enough
 * cells to meet twice the requirements below. Throws a ConfigError (path
 * 'fokkerPlanck.cells') when the grid is too coarse: anywhere within
 * RELEVANT_ENERGY_KT of the minimum the potential may change by at most
 * MAX_ENERGY_STEP_KT between neighbouring cells, and every relevant well must
 * span at least MIN_CELLS_PER_WELL cells across its width 2 sqrt(kT/U'').
 */
export function planFokkerPlanckGrid(problem: Problem, options: FokkerPlanckOptions = {}): FokkerPlanckGrid {
  const potential = buildPotential(problem.potential);
  const times = probeTimesOf(problem.potential, problem.duration);
  let lower = Infinity;
  let upper = -Infinity;
  for (const t of times) {
    potential.setTime(t);
    const [a, b] = potential.domain();
    lower = Math.min(lower, a);
    upper = Math.max(upper, b);
  }
  if (!(Number.isFinite(lower) && Number.isFinite(upper) && upper > lower)) {
    throw new ConfigError('potential', `the domain over the protocol is [${lower}, ${upper}]; expected a finite interval`);
  }
  let cells = options.cells;
  if (cells === undefined) {
    const probe = assessGrid(potential, times, lower, upper, PROBE_CELLS);
    const probeWidth = (upper - lower) / PROBE_CELLS;
    // Energy step scales with h; cells per well with 1/h.
    const byStep = (probe.maxEnergyStep.value / probeWidth / MAX_ENERGY_STEP_KT) * DEFAULT_GRID_MARGIN;
    const byWell = (MIN_CELLS_PER_WELL * DEFAULT_GRID_MARGIN) / probe.minCellsPerWell.width;
    const perLength = Math.max(byStep, Number.isFinite(byWell) ? byWell : 0);
    cells = Math.max(MIN_DEFAULT_CELLS, 2 * Math.ceil(((upper - lower) * perLength) / 2));
  } else if (!(Number.isInteger(cells) && cells >= 3)) {
    throw new ConfigError('fokkerPlanck.cells', `is ${cells}; expected an integer >= 3`);
  }
  const diagnostics = assessGrid(potential, times, lower, upper, cells);
  const h = (upper - lower) / cells;
  const { maxEnergyStep: step, minCellsPerWell: well } = diagnostics;
  const neededByStep = Math.ceil((cells * step.value) / MAX_ENERGY_STEP_KT);
  const neededByWell = Math.ceil((cells * MIN_CELLS_PER_WELL) / well.value);
  if (step.value > MAX_ENERGY_STEP_KT) {
    throw new ConfigError(
      'fokkerPlanck.cells',
      `${cells} cells (h = ${fmt(h)}) on [${fmt(lower)}, ${fmt(upper)}] are too coarse: at t = ${fmt(step.t)} the potential ` +
        `changes by ${fmt(step.value)} kT between neighbouring cells near x = ${fmt(step.x)}; at most ` +
        `${MAX_ENERGY_STEP_KT} kT is allowed within ${RELEVANT_ENERGY_KT} kT of the minimum. Use at least ` +
        `${Math.max(neededByStep, neededByWell)} cells (or omit cells for the default)`,
    );
  }
  if (well.value < MIN_CELLS_PER_WELL) {
    throw new ConfigError(
      'fokkerPlanck.cells',
      `${cells} cells (h = ${fmt(h)}) on [${fmt(lower)}, ${fmt(upper)}] are too coarse: at t = ${fmt(well.t)} the well ` +
        `at x = ${fmt(well.x)} has width 2 sqrt(kT/U'') = ${fmt(well.width)}, covered by ${fmt(well.value)} cells; ` +
        `at least ${MIN_CELLS_PER_WELL} are needed. Use at least ${Math.max(neededByStep, neededByWell)} cells ` +
        `(or omit cells for the default)`,
    );
  }
  return { lower, upper, cells, cellWidth: h, diagnostics };
}

function validateProblem(problem: Problem): void {
  const positive: [string, number][] = [
    ['duration', problem.duration],
    ['dt', problem.dt],
    ['friction', problem.friction],
  ];
  for (const [path, value] of positive) {
    if (!(value > 0 && Number.isFinite(value))) throw new ConfigError(path, `is ${value}; expected a positive finite number`);
  }
  if (!(Number.isInteger(problem.recordPoints) && problem.recordPoints >= 2)) {
    throw new ConfigError('recordPoints', `is ${problem.recordPoints}; expected an integer >= 2`);
  }
}

/** Initial cell probabilities p_j (sum 1) from problem.initial, at lambda(0) (potential set to t = 0). */
function initialProbabilities(problem: Problem, potential: Potential, grid: FokkerPlanckGrid, energy: Float64Array): Float64Array {
  const { cells, lower, cellWidth: h } = grid;
  const p = new Float64Array(cells);
  const initial = problem.initial;
  let minimum = Infinity;
  for (let j = 0; j < cells; j++) minimum = Math.min(minimum, energy[j]);
  switch (initial.kind) {
    case 'boltzmann': {
      let total = 0;
      for (let j = 0; j < cells; j++) total += p[j] = Math.exp(-(energy[j] - minimum));
      for (let j = 0; j < cells; j++) p[j] /= total;
      return p;
    }
    case 'bits': {
      const probabilities = initial.probabilities;
      const states = potential.stateCount;
      if (states === 0 || probabilities.length !== states) {
        throw new ConfigError(
          'initial.probabilities',
          `has ${probabilities.length} entries; the potential has ${states} memory states` +
            (states === 0 ? ' (a plain trap: use initial.kind "boltzmann")' : ''),
        );
      }
      let sum = 0;
      for (const [i, q] of probabilities.entries()) {
        if (!(q >= 0)) throw new ConfigError(`initial.probabilities[${i}]`, `is ${q}; expected a probability >= 0`);
        sum += q;
      }
      if (!(Math.abs(sum - 1) < 1e-6)) throw new ConfigError('initial.probabilities', `sum to ${sum}; expected 1`);
      // Boltzmann restricted to each state's cells, weighted by the state's probability.
      const stateOf = new Int32Array(cells);
      const stateWeight = new Float64Array(states);
      for (let j = 0; j < cells; j++) {
        const s = potential.classify(lower + (j + 0.5) * h);
        stateOf[j] = s;
        if (s >= 0) stateWeight[s] += Math.exp(-(energy[j] - minimum));
      }
      for (let s = 0; s < states; s++) {
        if (probabilities[s] > 0 && !(stateWeight[s] > 0)) {
          throw new ConfigError(`initial.probabilities[${s}]`, `is ${probabilities[s]} but state ${s} has no Boltzmann weight on the grid at t = 0`);
        }
      }
      for (let j = 0; j < cells; j++) {
        const s = stateOf[j];
        p[j] = s >= 0 && probabilities[s] > 0 ? (probabilities[s] / sum) * (Math.exp(-(energy[j] - minimum)) / stateWeight[s]) : 0;
      }
      return p;
    }
    case 'fixed': {
      // A discrete delta: the mass split linearly between the two cell centres
      // bracketing x, so the mean position is exactly x (the one-cell-wide limit
      // of a narrow Gaussian).
      const x = initial.x;
      if (!(x >= grid.lower && x <= grid.upper)) {
        throw new ConfigError('initial.x', `is ${x}; expected inside the Fokker-Planck domain [${fmt(grid.lower)}, ${fmt(grid.upper)}]`);
      }
      const s = (x - lower) / h - 0.5;
      if (s <= 0) p[0] = 1;
      else if (s >= cells - 1) p[cells - 1] = 1;
      else {
        const j = Math.floor(s);
        const frac = s - j;
        p[j] = 1 - frac;
        p[j + 1] += frac;
      }
      return p;
    }
  }
}

/**
 * B(z) = z / (e^z - 1) and B(-z) = B(z) + z, both without cancellation: each
 * is computed directly on the side where it is the larger.
 */
function fillBernoulli(energy: Float64Array, bPlus: Float64Array, bMinus: Float64Array): void {
  for (let j = 0; j + 1 < energy.length; j++) {
    const delta = energy[j + 1] - energy[j];
    if (delta === 0) {
      bPlus[j] = 1;
      bMinus[j] = 1;
    } else if (delta > 0) {
      const small = delta / Math.expm1(delta);
      bPlus[j] = small;
      bMinus[j] = small + delta;
    } else {
      const small = -delta / Math.expm1(-delta);
      bMinus[j] = small;
      bPlus[j] = small - delta;
    }
  }
}

/** Neumaier's compensated sum: the ledger over 1e5+ steps stays at round-off. */
class CompensatedSum {
  private sum = 0;
  private carry = 0;
  add(value: number): void {
    const t = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.carry += this.sum - t + value;
    else this.carry += value - t + this.sum;
    this.sum = t;
  }
  get value(): number {
    return this.sum + this.carry;
  }
}

function exact(mean: number): Estimate {
  // n = 0: an exact ensemble average, not a sample mean.
  return { mean, se: 0, n: 0 };
}

/**
 * Solve the Fokker-Planck equation for a Problem (replicas and seed are not
 * used: the result is the exact ensemble average up to discretisation, se = 0).
 * Initial densities: 'boltzmann' at lambda(0); 'bits', the Boltzmann density
 * restricted to each state's cells (potential.classify at the cell centres)
 * weighted by the state probabilities; 'fixed', a discrete delta at x (see
 * initialProbabilities).
 */
export function solveFokkerPlanck(problem: Problem, options: FokkerPlanckOptions = {}): FokkerPlanckResult {
  validateProblem(problem);
  const grid = planFokkerPlanckGrid(problem, options);
  const { cells, lower, cellWidth: h } = grid;
  const potential = buildPotential(problem.potential);
  const steps = stepCount(problem.duration, problem.dt);
  const dt = problem.duration / steps;
  const diffusion = 1 / problem.friction; // D = kT / gamma
  const c = (diffusion * dt) / (h * h);
  const states = potential.stateCount;

  const centres = new Float64Array(cells);
  for (let j = 0; j < cells; j++) centres[j] = lower + (j + 0.5) * h;
  let energyOld: Float64Array = new Float64Array(cells);
  let energyNew: Float64Array = new Float64Array(cells);
  const bPlus = new Float64Array(cells - 1);
  const bMinus = new Float64Array(cells - 1);
  const upperPrime = new Float64Array(cells);
  const rhsPrime = new Float64Array(cells);

  potential.setTime(0);
  for (let j = 0; j < cells; j++) energyOld[j] = potential.energy(centres[j], 0);
  let p: Float64Array = initialProbabilities(problem, potential, grid, energyOld);
  let pNext: Float64Array = new Float64Array(cells);
  const initialDensity = Float64Array.from(p, (q) => q / h);
  const entropyOf = (prob: Float64Array): number => {
    let s = 0;
    for (let j = 0; j < cells; j++) if (prob[j] > 0) s -= prob[j] * Math.log(prob[j] / h);
    return s;
  };
  const initialEntropy = entropyOf(p);

  const work = new CompensatedSum();
  const heat = new CompensatedSum();
  const meanEnergy = (prob: Float64Array, energy: Float64Array): number => {
    let sum = 0;
    for (let j = 0; j < cells; j++) if (prob[j] > 0) sum += prob[j] * energy[j];
    return sum;
  };
  const initialEnergy = meanEnergy(p, energyOld);

  const snapshot = (t: number, prob: Float64Array, energy: Float64Array): TimeseriesPoint => {
    const occupancy = new Array<number>(states).fill(0);
    if (states > 0) {
      for (let j = 0; j < cells; j++) {
        const s = potential.classify(centres[j]);
        if (s >= 0) occupancy[s] += prob[j];
      }
    }
    return { t, work: work.value, heat: heat.value, energy: meanEnergy(prob, energy), occupancy, parameters: potential.parameters() };
  };
  const timeseries: TimeseriesPoint[] = [snapshot(0, p, energyOld)];
  const recordStepOf = (k: number): number => Math.round((k * steps) / (problem.recordPoints - 1));
  let nextRecord = 1;

  for (let n = 0; n < steps; n++) {
    const t = (n + 1) * dt;
    potential.setTime(t);
    let stepWork = 0;
    for (let j = 0; j < cells; j++) {
      const u = potential.energy(centres[j], 0);
      energyNew[j] = u;
      if (p[j] > 0) stepWork += p[j] * (u - energyOld[j]);
    }
    work.add(stepWork);

    // Backward Euler at lambda_{n+1}: (I - dt L) p^{n+1} = p^n, tridiagonal with
    // lower_j = -c B(delta_{j-1}), upper_j = -c B(-delta_j),
    // diag_j = 1 + c [B(-delta_{j-1}) + B(delta_j)]  (missing terms at the walls).
    fillBernoulli(energyNew, bPlus, bMinus);
    {
      const diag0 = 1 + c * bPlus[0];
      upperPrime[0] = (-c * bMinus[0]) / diag0;
      rhsPrime[0] = p[0] / diag0;
      for (let j = 1; j < cells; j++) {
        const lowerJ = -c * bPlus[j - 1];
        const diagJ = 1 + c * bMinus[j - 1] + (j + 1 < cells ? c * bPlus[j] : 0);
        const denominator = diagJ - lowerJ * upperPrime[j - 1];
        upperPrime[j] = j + 1 < cells ? (-c * bMinus[j]) / denominator : 0;
        rhsPrime[j] = (p[j] - lowerJ * rhsPrime[j - 1]) / denominator;
      }
      pNext[cells - 1] = rhsPrime[cells - 1];
      for (let j = cells - 2; j >= 0; j--) pNext[j] = rhsPrime[j] - upperPrime[j] * pNext[j + 1];
    }

    let stepHeat = 0;
    for (let j = 0; j < cells; j++) {
      const moved = p[j] - pNext[j];
      if (moved !== 0) stepHeat += moved * energyNew[j];
    }
    heat.add(stepHeat);

    [p, pNext] = [pNext, p];
    [energyOld, energyNew] = [energyNew, energyOld];
    // Several record points share one step when recordPoints > steps + 1.
    while (nextRecord < problem.recordPoints && recordStepOf(nextRecord) === n + 1) {
      timeseries.push(snapshot(t, p, energyOld));
      nextRecord++;
    }
  }

  const finalEnergy = meanEnergy(p, energyOld);
  return {
    engine: 'fokker-planck',
    work: exact(work.value),
    heat: exact(heat.value),
    energyChange: exact(finalEnergy - initialEnergy),
    initialOccupancy: timeseries[0].occupancy,
    finalOccupancy: timeseries[timeseries.length - 1].occupancy,
    timeseries,
    grid,
    centres,
    initialDensity,
    finalDensity: Float64Array.from(p, (q) => q / h),
    initialEntropy,
    finalEntropy: entropyOf(p),
    steps,
    dt,
  };
}
