import { ConfigError } from '../errors.js';
import { reportProgress } from './progress-hook.js';
import { buildPotential, type Potential, type PotentialSpec } from '../physics/potentials.js';
import type { EngineResult, Estimate, Problem, TimeseriesPoint } from './problem.js';

/**
 * Fokker-Planck engine: the exact ensemble average of the overdamped Langevin
 * dynamics (docs/physics.md §2), kT = 1, D = kT / gamma,
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
 * Energetics (docs/physics.md §3), the splitting the Langevin ledger uses, on cell
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
/**
 * The grid spans only where U - U_min <= this (kT) at some probe time, inside
 * the union of domain(): beyond it the Boltzmann weight is < 2e-22 at every
 * time, and density cannot climb there against such a slope.
 */
export const GRID_ENERGY_CUTOFF_KT = 50;
/** Evenly spaced times at which the protocol is probed for the domain and the grid check. */
const PROBE_TIMES = 201;
/** Resolution of the probe grid used to size a default grid. */
const PROBE_CELLS = 20_000;
const MIN_DEFAULT_CELLS = 100;
/** Largest grid: a tridiagonal solve per step over more cells means the potential does not confine the density. */
export const MAX_CELLS = 200_000;

export interface GridDiagnostics {
  /** Largest |U_{j+1} - U_j| with either cell within RELEVANT_ENERGY_KT of the minimum, kT; where and when. */
  maxEnergyStep: { value: number; x: number; t: number };
  /** Fewest cells across a relevant well's width 2 sqrt(kT/U''); where and when (Infinity without wells). */
  minCellsPerWell: { value: number; x: number; t: number; width: number };
  /** Smallest interval holding every cell centre within GRID_ENERGY_CUTOFF_KT of the minimum at some probe time. */
  reach: [number, number];
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
export function stepCount(duration: number, dt: number): number {
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
    reach: [Infinity, -Infinity],
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
    for (let j = 0; j < cells; j++) {
      if (energy[j] - minimum > GRID_ENERGY_CUTOFF_KT) continue;
      const x = lower + (j + 0.5) * h;
      if (x < diagnostics.reach[0]) diagnostics.reach[0] = x;
      if (x > diagnostics.reach[1]) diagnostics.reach[1] = x;
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
 * Where a 'bits' start puts weight at t = 0: every point within
 * GRID_ENERGY_CUTOFF_KT of the minimum of its own state, for states with p > 0
 * (a state can sit far above the global minimum).
 */
function initialStateReach(problem: Problem, potential: Potential, lower: number, upper: number): [number, number] {
  const reach: [number, number] = [Infinity, -Infinity];
  const initial = problem.initial;
  if (initial.kind === 'fixed') return [initial.x, initial.x];
  if (initial.kind !== 'bits' || potential.stateCount === 0) return reach;
  potential.setTime(0);
  const h = (upper - lower) / PROBE_CELLS;
  const stateMinimum = new Float64Array(potential.stateCount).fill(Infinity);
  for (let j = 0; j < PROBE_CELLS; j++) {
    const x = lower + (j + 0.5) * h;
    const s = potential.classify(x);
    if (s >= 0) stateMinimum[s] = Math.min(stateMinimum[s], potential.energy(x, 0));
  }
  for (let j = 0; j < PROBE_CELLS; j++) {
    const x = lower + (j + 0.5) * h;
    const s = potential.classify(x);
    if (s < 0 || !(initial.probabilities[s] > 0)) continue;
    if (potential.energy(x, 0) - stateMinimum[s] <= GRID_ENERGY_CUTOFF_KT) {
      reach[0] = Math.min(reach[0], x);
      reach[1] = Math.max(reach[1], x);
    }
  }
  return reach;
}

/**
 * The grid of a Fokker-Planck run. The interval: the union of
 * potential.domain() over the protocol (probed at 201 evenly spaced times and
 * at every schedule breakpoint), trimmed to where U - U_min <=
 * GRID_ENERGY_CUTOFF_KT at some probe time (and to the initial states'
 * wells), with two probe cells of margin. It is divided into `options.cells`
 * cells or, by default, into enough cells to meet the requirements below with a
 * factor DEFAULT_GRID_MARGIN to spare. Throws a ConfigError (path
 * 'fokkerPlanck.cells') when the grid is too coarse: anywhere within
 * RELEVANT_ENERGY_KT of the minimum the potential may change by at most
 * MAX_ENERGY_STEP_KT between neighbouring cells, and every relevant well must
 * span at least MIN_CELLS_PER_WELL cells across its width 2 sqrt(kT/U'').
 */
export function planFokkerPlanckGrid(problem: Problem, options: FokkerPlanckOptions = {}): FokkerPlanckGrid {
  validateProblem(problem);
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
  const initial = problem.initial;
  if (initial.kind === 'fixed' && !(initial.x >= lower && initial.x <= upper)) {
    throw new ConfigError('initial.x', `is ${initial.x}; expected inside the potential's domain [${fmt(lower)}, ${fmt(upper)}]`);
  }
  const probe = assessGrid(potential, times, lower, upper, PROBE_CELLS);
  const probeWidth = (upper - lower) / PROBE_CELLS;
  const stateReach = initialStateReach(problem, potential, lower, upper);
  lower = Math.max(lower, Math.min(probe.reach[0], stateReach[0]) - 2 * probeWidth);
  upper = Math.min(upper, Math.max(probe.reach[1], stateReach[1]) + 2 * probeWidth);
  // Cells the requirements need (no margin), from the fine probe: the energy
  // step scales with h, the cells per well with 1/h.
  const byStep = probe.maxEnergyStep.value / probeWidth / MAX_ENERGY_STEP_KT;
  const byWell = MIN_CELLS_PER_WELL / probe.minCellsPerWell.width;
  const requiredCells = Math.ceil((upper - lower) * Math.max(byStep, Number.isFinite(byWell) ? byWell : 0));
  let cells = options.cells;
  if (cells === undefined) {
    cells = Math.max(MIN_DEFAULT_CELLS, 2 * Math.ceil((DEFAULT_GRID_MARGIN * requiredCells) / 2));
  } else if (!(Number.isInteger(cells) && cells >= 3)) {
    throw new ConfigError('fokkerPlanck.cells', `is ${cells}; expected an integer >= 3`);
  }
  if (cells > MAX_CELLS) {
    throw new ConfigError(
      'potential',
      `resolving it over [${fmt(lower)}, ${fmt(upper)}] needs ${cells} cells, beyond the Fokker-Planck limit of ${MAX_CELLS}; ` +
        'expected a potential that confines the density to a few well spacings at every time (a barrier or trap that does not vanish)',
    );
  }
  const diagnostics = assessGrid(potential, times, lower, upper, cells);
  const h = (upper - lower) / cells;
  const { maxEnergyStep: step, minCellsPerWell: well } = diagnostics;
  // A suggestion with 10% to spare over the probe's estimate.
  const suggestion = Math.max(Math.ceil(1.1 * requiredCells), Math.ceil((1.1 * cells * step.value) / MAX_ENERGY_STEP_KT));
  if (step.value > MAX_ENERGY_STEP_KT) {
    throw new ConfigError(
      'fokkerPlanck.cells',
      `${cells} cells (h = ${fmt(h)}) on [${fmt(lower)}, ${fmt(upper)}] are too coarse: at t = ${fmt(step.t)} the potential ` +
        `changes by ${fmt(step.value)} kT between neighbouring cells near x = ${fmt(step.x)}; at most ` +
        `${MAX_ENERGY_STEP_KT} kT is allowed within ${RELEVANT_ENERGY_KT} kT of the minimum. Use at least ` +
        `${suggestion} cells (or omit cells for the default)`,
    );
  }
  if (well.value < MIN_CELLS_PER_WELL) {
    throw new ConfigError(
      'fokkerPlanck.cells',
      `${cells} cells (h = ${fmt(h)}) on [${fmt(lower)}, ${fmt(upper)}] are too coarse: at t = ${fmt(well.t)} the well ` +
        `at x = ${fmt(well.x)} has width 2 sqrt(kT/U'') = ${fmt(well.width)}, covered by ${fmt(well.value)} cells; ` +
        `at least ${MIN_CELLS_PER_WELL} are needed. Use at least ${suggestion} cells ` +
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

/**
 * Which memory state each cell belongs to, at the potential's current
 * parameters. A cell whose two edges classify differently is split at the
 * state boundary (found by bisection on classify) in proportion to length, as
 * the density is taken constant on a cell: occupancies are then O(h^2)
 * accurate instead of O(h rho_boundary).
 */
export class StateMap {
  readonly leftState: Int32Array;
  readonly rightState: Int32Array;
  /** Fraction of the cell in leftState (1 for an undivided cell). */
  readonly leftFraction: Float64Array;

  constructor(
    private readonly lower: number,
    private readonly h: number,
    cells: number,
  ) {
    this.leftState = new Int32Array(cells);
    this.rightState = new Int32Array(cells);
    this.leftFraction = new Float64Array(cells);
  }

  update(potential: Potential): void {
    const { lower, h, leftState, rightState, leftFraction } = this;
    let edgeState = potential.classify(lower);
    for (let j = 0; j < leftState.length; j++) {
      const a = lower + j * h;
      const nextState = potential.classify(a + h);
      leftState[j] = edgeState;
      rightState[j] = nextState;
      if (edgeState === nextState) {
        leftFraction[j] = 1;
      } else {
        let lo = 0;
        let hi = 1;
        for (let k = 0; k < 40; k++) {
          const mid = 0.5 * (lo + hi);
          if (potential.classify(a + mid * h) === edgeState) lo = mid;
          else hi = mid;
        }
        leftFraction[j] = 0.5 * (lo + hi);
      }
      edgeState = nextState;
    }
  }

  /** Add each cell's share of `values` to its states' entries of `out`. */
  accumulate(values: Float64Array, out: ArrayLike<number> & { [i: number]: number }): void {
    const { leftState, rightState, leftFraction } = this;
    for (let j = 0; j < values.length; j++) {
      const v = values[j];
      if (v === 0) continue;
      const f = leftFraction[j];
      if (leftState[j] >= 0) out[leftState[j]] += f * v;
      if (f < 1 && rightState[j] >= 0) out[rightState[j]] += (1 - f) * v;
    }
  }
}

/** Initial cell probabilities p_j (sum 1) from problem.initial, at lambda(0) (potential set to t = 0). */
export function initialProbabilities(problem: Problem, potential: Potential, grid: FokkerPlanckGrid, energy: Float64Array): Float64Array {
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
      // Boltzmann restricted to the cells wholly inside each state, weighted by
      // the state's probability. A cell cut by a state boundary starts empty, so
      // the initial occupancy is exactly the given probabilities (the cost: a
      // one-cell hole of weight O(h rho_boundary)).
      const map = new StateMap(lower, h, cells);
      map.update(potential);
      const stateWeight = new Float64Array(states);
      for (let j = 0; j < cells; j++) {
        const s = map.leftState[j];
        if (s >= 0 && map.leftFraction[j] === 1) stateWeight[s] += Math.exp(-(energy[j] - minimum));
      }
      for (let s = 0; s < states; s++) {
        if (probabilities[s] > 0 && !(stateWeight[s] > 0)) {
          throw new ConfigError(`initial.probabilities[${s}]`, `is ${probabilities[s]} but state ${s} has no Boltzmann weight on the grid at t = 0`);
        }
      }
      for (let j = 0; j < cells; j++) {
        const s = map.leftState[j];
        const whole = s >= 0 && map.leftFraction[j] === 1 && probabilities[s] > 0;
        p[j] = whole ? (probabilities[s] / sum) * (Math.exp(-(energy[j] - minimum)) / stateWeight[s]) : 0;
      }
      return p;
    }
    case 'fixed': {
      // A discrete delta: the mass split linearly between the two cell centres
      // bracketing x, so the mean position is exactly x (the one-cell-wide limit
      // of a narrow Gaussian).
      const x = initial.x;
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
 * The backward-Euler operator (I - dt L) of one step at fixed lambda, from the
 * Scharfetter-Gummel flux, with c = D dt / h^2 and delta_j = U_{j+1} - U_j:
 *   lower_j = -c B(delta_{j-1}),  upper_j = -c B(-delta_j),
 *   diag_j  = 1 + c [B(-delta_{j-1}) + B(delta_j)]   (terms across a wall omitted).
 * Columns sum to 1 (probability is conserved) and the matrix is an M-matrix, so
 * the Thomas sweeps below only add positive terms to the solution: p stays >= 0.
 * The factorisation is kept, so steps at an unchanged protocol reuse it.
 */
export class BackwardEulerOperator {
  /** c B(delta_j): minus the sub-diagonal of row j+1. */
  private readonly lowerCoupling: Float64Array;
  /** upper_j / pivot_j of the LU factorisation. */
  private readonly upperPrime: Float64Array;
  private readonly inversePivot: Float64Array;
  private readonly scratch: Float64Array;

  constructor(
    private readonly cells: number,
    private readonly c: number,
  ) {
    this.lowerCoupling = new Float64Array(cells);
    this.upperPrime = new Float64Array(cells);
    this.inversePivot = new Float64Array(cells);
    this.scratch = new Float64Array(cells);
  }

  /**
   * Factorise for cell energies U_j (kT). B(z) = z / (e^z - 1) and
   * B(-z) = B(z) + z are each computed on the side where they are the larger,
   * so neither loses digits to cancellation.
   */
  factorise(energy: Float64Array): void {
    const { cells, c, lowerCoupling, upperPrime, inversePivot } = this;
    let previousLower = 0; // c B(delta_{j-1}) feeding row j
    let previousUpper = 0; // c B(-delta_{j-1})
    for (let j = 0; j < cells; j++) {
      let bPlus = 0;
      let bMinus = 0;
      if (j + 1 < cells) {
        const delta = energy[j + 1] - energy[j];
        if (delta === 0) {
          bPlus = 1;
          bMinus = 1;
        } else if (delta > 0) {
          bPlus = delta / Math.expm1(delta);
          bMinus = bPlus + delta;
        } else {
          bMinus = -delta / Math.expm1(-delta);
          bPlus = bMinus - delta;
        }
      }
      const upper = c * bMinus;
      const pivot = 1 + previousUpper + c * bPlus + (j > 0 ? previousLower * upperPrime[j - 1] : 0);
      inversePivot[j] = 1 / pivot;
      upperPrime[j] = -upper / pivot;
      lowerCoupling[j] = c * bPlus;
      previousLower = c * bPlus;
      previousUpper = upper;
    }
  }

  /** Solve (I - dt L) out = p with the current factorisation. */
  solve(p: Float64Array, out: Float64Array): void {
    const { cells, lowerCoupling, upperPrime, inversePivot, scratch } = this;
    scratch[0] = p[0] * inversePivot[0];
    for (let j = 1; j < cells; j++) scratch[j] = (p[j] + lowerCoupling[j - 1] * scratch[j - 1]) * inversePivot[j];
    out[cells - 1] = scratch[cells - 1];
    for (let j = cells - 2; j >= 0; j--) out[j] = scratch[j] - upperPrime[j] * out[j + 1];
  }
}

/** Whether the protocol parameters equal `previous` (updated in place). */
function sameParameters(potential: Potential, previous: number[]): boolean {
  const current = Object.values(potential.parameters());
  let same = current.length === previous.length;
  for (let i = 0; i < current.length; i++) {
    if (current[i] !== previous[i]) same = false;
    previous[i] = current[i];
  }
  previous.length = current.length;
  return same;
}

/** Neumaier's compensated sum: the ledger over 1e5+ steps stays at round-off (also the adjoint's forward pass, src/optimize/adjoint.ts). */
export class CompensatedSum {
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
 * restricted to the cells wholly inside each state (potential.classify)
 * weighted by the state probabilities; 'fixed', a discrete delta at x (see
 * initialProbabilities).
 */
export function solveFokkerPlanck(problem: Problem, options: FokkerPlanckOptions = {}): FokkerPlanckResult {
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
  const operator = new BackwardEulerOperator(cells, c);
  const stateMap = new StateMap(lower, h, cells);

  potential.setTime(0);
  for (let j = 0; j < cells; j++) energyOld[j] = potential.energy(centres[j], 0);
  const parameterValues: number[] = [];
  sameParameters(potential, parameterValues);
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
      stateMap.update(potential);
      stateMap.accumulate(prob, occupancy);
    }
    return { t, work: work.value, heat: heat.value, energy: meanEnergy(prob, energy), occupancy, parameters: potential.parameters() };
  };
  const timeseries: TimeseriesPoint[] = [snapshot(0, p, energyOld)];
  const recordStepOf = (k: number): number => Math.round((k * steps) / (problem.recordPoints - 1));
  let nextRecord = 1;
  let factorised = false;

  for (let n = 0; n < steps; n++) {
    const t = (n + 1) * dt;
    potential.setTime(t);
    // A held protocol (same parameters) does no work and keeps the operator.
    const unchanged = sameParameters(potential, parameterValues);
    if (!(factorised && unchanged)) {
      let stepWork = 0;
      for (let j = 0; j < cells; j++) {
        const u = potential.energy(centres[j], 0);
        energyNew[j] = u;
        if (p[j] > 0) stepWork += p[j] * (u - energyOld[j]);
      }
      work.add(stepWork);
      [energyOld, energyNew] = [energyNew, energyOld];
      operator.factorise(energyOld);
      factorised = true;
    }
    // Backward Euler at lambda_{n+1}: (I - dt L) p^{n+1} = p^n; energyOld now holds U(lambda_{n+1}).
    operator.solve(p, pNext);
    let stepHeat = 0;
    for (let j = 0; j < cells; j++) {
      const moved = p[j] - pNext[j];
      if (moved !== 0) stepHeat += moved * energyOld[j];
    }
    heat.add(stepHeat);
    [p, pNext] = [pNext, p];
    // Several record points share one step when recordPoints > steps + 1.
    while (nextRecord < problem.recordPoints && recordStepOf(nextRecord) === n + 1) {
      timeseries.push(snapshot(t, p, energyOld));
      nextRecord++;
      reportProgress(nextRecord / problem.recordPoints);
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
