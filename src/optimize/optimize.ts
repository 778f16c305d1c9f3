import { planFokkerPlanckGrid, type FokkerPlanckGrid } from '../engines/fokker-planck.js';
import type { Problem } from '../engines/problem.js';
import { ConfigError } from '../errors.js';
import type { PotentialSpec } from '../physics/potentials.js';
import { problemOf } from '../experiments/config.js';
import type { PhysicsConfig } from '../experiments/schema.js';
import type { DiscreteProblem } from '../memory/discrete.js';
import { adjointGradient, forwardSolve, type ObjectiveWeights } from './adjoint.js';
import { masterAdjointGradient, masterForward } from './master-adjoint.js';
import { minimizeLbfgs, minimizeNelderMead, type MinimizeResult } from './lbfgs.js';
import {
  applyProtocol,
  boxTransform,
  inverseBoxTransform,
  isContinuousPotential,
  parametrise,
  type VariedField,
} from './protocol.js';

/**
 * `limsim optimize`: the protocol with the least mean work or heat on the
 * Fokker-Planck engine, or for a discrete memory on the master-equation engine
 * (docs/optimize.md §2, §7). Exact gradients by the discrete adjoints
 * (adjoint.ts, master-adjoint.ts), L-BFGS on the free knot values (lbfgs.ts),
 * stopped by the projected-gradient and relative-change tests (§3). Box
 * constraints on a schedule (barrier >= minBarrier, bounded tilt) hold exactly
 * by a change of variables (protocol.ts boxTransform); the final error
 * probability by an augmented Lagrangian (Powell-Hestenes-Rockafellar, Nocedal
 * & Wright §17.4), whose last iterate may exceed the target by a reported margin.
 */

export type ObjectiveName = 'work' | 'heat';

/** Projected-gradient tolerance, kT per unit knot value (L-BFGS-B's default pgtol). */
export const DEFAULT_GRADIENT_TOLERANCE = 1e-5;
/** Relative merit change per iteration: L-BFGS-B's factr = 1e7 times the machine epsilon. */
export const DEFAULT_VALUE_TOLERANCE = 1e7 * 2.220446049250313e-16;
/** Largest relative excess of the final error over its limit that counts as feasible. */
export const CONSTRAINT_TOLERANCE = 1e-4;
/** Augmented-Lagrangian rounds (each a full L-BFGS run at fixed multiplier and penalty). */
export const AUGMENTED_LAGRANGIAN_ROUNDS = 8;
/** L-BFGS restarts per round after a stall with the projected gradient above its tolerance. */
export const MAX_RESTARTS = 3;
/** Most states of a discrete memory the master-equation adjoint takes (its cost grows as n^3 per stretch). */
export const MAX_ADJOINT_STATES = 64;
/** Default L-BFGS iterations per round (the CLI's --max-iterations default repeats it: src/commands must not import this module statically). */
export const DEFAULT_MAX_ITERATIONS = 200;

/** The stop reason in words, with the tolerance that fired. */
function describeStop(raw: string, stationarity: number, gtol: number, ftol: number, maxIterations: number, method: string): string {
  const pg = Number.isFinite(stationarity) ? `projected gradient ${stationarity.toExponential(2)}` : '';
  switch (raw) {
    case 'gradient tolerance':
      return `converged: ${pg} <= ${gtol.toExponential(1)}`;
    case 'value tolerance':
      return method === 'lbfgs'
        ? `converged: relative change of the objective per iteration <= ${ftol.toExponential(2)}${pg ? ` (${pg})` : ''}`
        : `converged: simplex values within ${ftol.toExponential(2)} (relative)`;
    case 'iteration limit':
      return `NOT converged: iteration limit (${maxIterations} L-BFGS iterations; ${pg} > ${gtol.toExponential(1)})`;
    case 'evaluation limit':
      return `NOT converged: evaluation limit (${20 * maxIterations} ${method} evaluations)`;
    default:
      if (raw.startsWith('value tolerance after')) {
        return `converged: relative change of the objective per iteration <= ${ftol.toExponential(2)}, ${raw.slice('value tolerance '.length)} at the stall (${pg} > ${gtol.toExponential(1)}: a knot may sit at a bound)`;
      }
      return raw.startsWith('line search found no decrease (') ? `converged: ${raw}; ${pg}` : `NOT converged: ${raw}${pg ? ` (${pg})` : ''}`;
  }
}

export interface ParsedConstraints {
  /** Upper limit on the final error probability, or 'start' for the starting protocol's. */
  finalError?: number | 'start';
  bounds: Map<string, { lower?: number; upper?: number }>;
  /** The constraint strings as given. */
  text: string[];
}

/** Parse --constraint strings: finalError<=0.01 | finalError<=start | barrier>=1 | tilt<=5 | potential.tilt>=-5. */
export function parseConstraints(items: string[]): ParsedConstraints {
  const out: ParsedConstraints = { bounds: new Map(), text: [...items] };
  for (const item of items) {
    const match = /^\s*([A-Za-z][\w.[\]]*)\s*(<=|>=)\s*(\S+)\s*$/.exec(item);
    if (!match) {
      throw new ConfigError('--constraint', `got "${item}"; expected NAME<=VALUE or NAME>=VALUE, e.g. 'finalError<=0.01' or 'barrier>=1'`);
    }
    const [, rawName, op, rawValue] = match;
    if (rawName === 'finalError') {
      if (op !== '<=') throw new ConfigError('--constraint', `got "${item}"; the final error takes an upper limit (finalError<=...)`);
      if (rawValue === 'start') {
        out.finalError = 'start';
        continue;
      }
      const value = Number(rawValue);
      if (!(value > 0 && value < 1)) throw new ConfigError('--constraint', `got "${item}"; expected a final error limit in (0, 1) or "start"`);
      out.finalError = value;
      continue;
    }
    const value = Number(rawValue);
    if (!Number.isFinite(value)) throw new ConfigError('--constraint', `got "${item}"; expected a finite number after ${op}`);
    const name = rawName === 'barrier' ? 'barrierHeight' : rawName;
    const bound = out.bounds.get(name) ?? {};
    if (op === '>=') bound.lower = value;
    else bound.upper = value;
    out.bounds.set(name, bound);
  }
  return out;
}

export interface OptimizeOptions {
  vary: string[];
  knots: number;
  objective: ObjectiveName;
  constraints: ParsedConstraints;
  method: 'lbfgs' | 'nelder-mead';
  /** L-BFGS iterations per augmented-Lagrangian round (or Nelder-Mead evaluations / 20). */
  maxIterations: number;
  /** Projected-gradient tolerance (default DEFAULT_GRADIENT_TOLERANCE). */
  gradientTolerance?: number;
  /** Relative merit change per iteration (default DEFAULT_VALUE_TOLERANCE). */
  valueTolerance?: number;
  /** Each side of the starting protocol's grid is widened by this fraction (same cell width), so the protocol may move. */
  gridMargin?: number;
  /** Cells of the optimization grid (default: the config's fokkerPlanck.cells, else the engine's default); the engine re-run keeps the config's. */
  cells?: number;
}

export interface IterationRow {
  iteration: number;
  /** Augmented-Lagrangian round (1 without an error constraint). */
  round: number;
  merit: number;
  objective: number;
  finalError: number;
  gradientNorm: number;
  evaluations: number;
}

export interface OptimizeResult {
  fields: VariedField[];
  startTheta: Float64Array;
  theta: Float64Array;
  objectiveName: ObjectiveName;
  startObjective: number;
  objective: number;
  startWork: number;
  startHeat: number;
  work: number;
  heat: number;
  /** Final error probability 1 - p_target(tau) (NaN without memory states) and its limit. */
  targetState: number;
  startError: number;
  finalError: number;
  errorLimit?: number;
  iterations: IterationRow[];
  evaluations: number;
  converged: boolean;
  reason: string;
  /** Projected-gradient norm of the merit at the result (kT per unit of the knot values; NaN for Nelder-Mead). */
  stationarity: number;
  /** L-BFGS restarts after a stall at a saturated bound (all rounds). */
  restarts: number;
  tolerances: { gradient: number; value: number; constraint: number };
  /** The engine whose exact mean is the objective. */
  engine: 'fokker-planck' | 'master-equation';
  /** The Fokker-Planck optimization grid (absent for the master equation). */
  grid?: FokkerPlanckGrid;
  steps: number;
  dt: number;
  /** How each constraint is held, for the output. */
  constraintMethod: string[];
}

/** The grid of the starting protocol, widened on each side by `margin` of its span at the same cell width. */
export function optimizationGrid(problem: Problem, cells: number | undefined, margin: number): FokkerPlanckGrid {
  const grid = planFokkerPlanckGrid(problem, { cells });
  const extra = Math.round(margin * grid.cells);
  return {
    ...grid,
    lower: grid.lower - extra * grid.cellWidth,
    upper: grid.upper + extra * grid.cellWidth,
    cells: grid.cells + 2 * extra,
  };
}

/** Optimize the protocol of a validated physics config (any engine; the objective is the Fokker-Planck mean, or the master equation's for a discrete memory). */
export function optimizeProtocol(config: PhysicsConfig, options: OptimizeOptions): OptimizeResult {
  if (!(Number.isInteger(options.maxIterations) && options.maxIterations >= 1)) {
    throw new ConfigError('--max-iterations', `got ${options.maxIterations}; expected an integer >= 1`);
  }
  const duration = config.time.duration;
  const root = config as unknown as Record<string, unknown>;
  const fields = parametrise(root, options.vary, { knots: options.knots, duration, bounds: options.constraints.bounds });
  for (const name of options.constraints.bounds.keys()) {
    if (!fields.some((f) => f.path === name || f.leaf === name || f.group === name)) {
      throw new ConfigError('--constraint', `bounds "${name}", which no --vary field is (varied: ${fields.map((f) => f.path).join(', ')})`);
    }
  }
  const startTheta = Float64Array.from(fields.flatMap((f) => f.initialValues));
  const backend = objectiveBackend(config, root, fields, startTheta, options);
  const { grid } = backend;
  const objectiveOf = (s: Evaluation) => (options.objective === 'work' ? s.work : s.heat);

  const start = backend.evaluate(startTheta);
  const states = start.finalOccupancy.length;
  let targetState = -1;
  let errorLimit: number | undefined;
  const limit = options.constraints.finalError;
  if (states >= 2) targetState = start.finalOccupancy.indexOf(Math.max(...start.finalOccupancy));
  const errorOf = (s: Evaluation) => (targetState >= 0 ? 1 - s.finalOccupancy[targetState] : NaN);
  const startError = errorOf(start);
  if (limit !== undefined) {
    if (states < 2) throw new ConfigError('--constraint', 'finalError needs a potential with memory states (double-well or washboard)');
    errorLimit = limit === 'start' ? startError : limit;
    if (!(errorLimit > 0)) throw new ConfigError('--constraint', `the starting protocol's final error is ${startError}; expected > 0 for finalError<=start`);
  }

  // Unconstrained variables phi: theta = T(phi) inside each field's box.
  const boxes = fields.flatMap((f) => f.knotTimes.map(() => [f.lower, f.upper] as const));
  const thetaOf = (phi: Float64Array) => {
    const theta = new Float64Array(phi.length);
    const slope = new Float64Array(phi.length);
    phi.forEach((v, i) => ([theta[i], slope[i]] = boxTransform(v, boxes[i][0], boxes[i][1])));
    return { theta, slope };
  };
  const phi0 = Float64Array.from(startTheta, (v, i) => inverseBoxTransform(v, boxes[i][0], boxes[i][1]));

  // Augmented Lagrangian on g = (error - limit) / limit <= 0: psi = (max(0, nu + rho g)^2 - nu^2) / (2 rho).
  let nu = 0;
  let rho = 10;
  const recent: { phi: Float64Array; objective: number; error: number; theta?: Float64Array; gradient?: Float64Array }[] = [];
  const remember = (phi: Float64Array, objective: number, error: number, theta?: Float64Array, gradient?: Float64Array) => {
    recent.push({ phi, objective, error, theta, gradient });
    if (recent.length > 64) recent.shift();
  };
  // The latest evaluation at phi (its merit gradient depends on the round's multiplier and penalty).
  const lookup = (phi: Float64Array) => {
    for (let k = recent.length - 1; k >= 0; k--) {
      const r = recent[k];
      if (r.phi.length === phi.length && r.phi.every((v, i) => v === phi[i])) return r;
    }
    return undefined;
  };
  const meritOf = (objective: number, error: number): { merit: number; dMeritdError: number } => {
    if (errorLimit === undefined) return { merit: objective, dMeritdError: 0 };
    const g = (error - errorLimit) / errorLimit;
    const active = Math.max(0, nu + rho * g);
    return { merit: objective + (active * active - nu * nu) / (2 * rho), dMeritdError: active / errorLimit };
  };
  let evaluations = 0;
  const valueAndGradient = (phi: Float64Array) => {
    evaluations++;
    const { theta, slope } = thetaOf(phi);
    const state = backend.evaluate(theta);
    const objective = objectiveOf(state);
    const error = errorOf(state);
    const { merit, dMeritdError } = meritOf(objective, error);
    const occupancy = new Array<number>(states).fill(0);
    if (targetState >= 0) occupancy[targetState] = -dMeritdError;
    const gradTheta = state.gradient({
      work: options.objective === 'work' ? 1 : 0,
      heat: options.objective === 'heat' ? 1 : 0,
      occupancy,
    });
    remember(Float64Array.from(phi), objective, error, theta, gradTheta);
    return { value: merit, gradient: Float64Array.from(gradTheta, (g, i) => g * slope[i]) };
  };
  const valueOnly = (phi: Float64Array) => {
    evaluations++;
    const state = backend.evaluate(thetaOf(phi).theta);
    const objective = objectiveOf(state);
    const error = errorOf(state);
    remember(Float64Array.from(phi), objective, error);
    return meritOf(objective, error).merit;
  };

  const iterations: IterationRow[] = [
    {
      iteration: 0,
      round: 0,
      merit: objectiveOf(start),
      objective: objectiveOf(start),
      finalError: startError,
      gradientNorm: NaN,
      evaluations: 1,
    },
  ];
  // Stopping rule (docs/optimize.md §3): the projected-gradient norm in theta,
  // max_i |theta_i - clamp(theta_i - dM/dtheta_i, lo_i, hi_i)| <= gradientTolerance,
  // or a relative change of the merit per iteration <= valueTolerance (L-BFGS-B's two tests).
  const gradientTolerance = options.gradientTolerance ?? DEFAULT_GRADIENT_TOLERANCE;
  const valueTolerance = options.valueTolerance ?? DEFAULT_VALUE_TOLERANCE;
  const projectedGradient = (phi: Float64Array, gradPhi: Float64Array): number => {
    const hit = lookup(phi);
    if (!hit?.theta || !hit.gradient) return Math.max(...Array.from(gradPhi, Math.abs));
    let worst = 0;
    hit.theta.forEach((t, i) => {
      const moved = Math.min(boxes[i][1], Math.max(boxes[i][0], t - hit.gradient![i]));
      worst = Math.max(worst, Math.abs(t - moved));
    });
    return worst;
  };
  let phi: Float64Array = phi0;
  let converged = false;
  let reason = '';
  let stationarity = NaN;
  let totalRestarts = 0;
  const rounds = errorLimit === undefined ? 1 : AUGMENTED_LAGRANGIAN_ROUNDS;
  let previousViolation = Infinity;
  for (let round = 1; round <= rounds; round++) {
    const onIteration = (r: { value: number; gradientNorm: number; x: Float64Array }) => {
      const hit = lookup(r.x);
      iterations.push({
        iteration: iterations.length,
        round,
        merit: r.value,
        objective: hit?.objective ?? NaN,
        finalError: hit?.error ?? NaN,
        gradientNorm: r.gradientNorm,
        evaluations,
      });
    };
    let result: MinimizeResult;
    if (options.method === 'lbfgs') {
      // A knot driven onto a bound saturates its change of variables (dtheta/dphi -> 0), so L-BFGS can
      // stall there (the relative-change test fires) although the projected gradient says it should come
      // back. Then restart: knots whose projected gradient exceeds the tolerance are re-mapped 1 % inside
      // their box (inverseBoxTransform), the L-BFGS memory is dropped. Iterations count against the round's limit.
      let used = 0;
      let restarts = 0;
      for (;;) {
        result = minimizeLbfgs(valueAndGradient, phi, {
          maxIterations: Math.max(1, options.maxIterations - used),
          gradientTolerance,
          valueTolerance,
          stationarity: projectedGradient,
          onIteration,
        });
        used += result.iterations;
        phi = result.x;
        const pg = projectedGradient(result.x, result.gradient);
        if (result.reason === 'iteration limit' || used >= options.maxIterations || pg <= gradientTolerance || restarts >= MAX_RESTARTS) break;
        const hit = lookup(result.x);
        if (!hit?.theta || !hit.gradient) break;
        const { theta: t, gradient: gt } = hit;
        phi = Float64Array.from(result.x, (v, i) => {
          const moved = Math.min(boxes[i][1], Math.max(boxes[i][0], t[i] - gt[i]));
          return Math.abs(t[i] - moved) > gradientTolerance ? inverseBoxTransform(t[i], boxes[i][0], boxes[i][1]) : v;
        });
        restarts++;
      }
      result = { ...result, iterations: used };
      stationarity = projectedGradient(result.x, result.gradient);
      if (result.reason === 'value tolerance' && stationarity > gradientTolerance) {
        result = { ...result, reason: `value tolerance after ${restarts} restarts` };
      }
      totalRestarts += restarts;
    } else {
      result = minimizeNelderMead(valueOnly, phi, { maxEvaluations: 20 * options.maxIterations, valueTolerance, onIteration });
      phi = result.x;
      stationarity = NaN;
    }
    converged = result.converged;
    reason = describeStop(result.reason, stationarity, gradientTolerance, valueTolerance, options.maxIterations, options.method);
    if (errorLimit === undefined) break;
    const hit = lookup(phi);
    const error = hit ? hit.error : errorOf(backend.evaluate(thetaOf(phi).theta));
    const g = (error - errorLimit) / errorLimit;
    nu = Math.max(0, nu + rho * g);
    const violation = Math.max(0, g);
    if (violation <= CONSTRAINT_TOLERANCE && result.converged) {
      reason += `; augmented-Lagrangian round ${round}: final error within ${CONSTRAINT_TOLERANCE} (relative) of its limit`;
      break;
    }
    if (round === rounds) {
      if (violation > CONSTRAINT_TOLERANCE) reason += `; augmented-Lagrangian round limit (${rounds}): final error ${(100 * g).toFixed(3)} % above its limit`;
      else reason += `; augmented-Lagrangian round limit (${rounds})`;
      converged = false;
    }
    if (violation > 0.25 * previousViolation) rho *= 10;
    previousViolation = violation;
  }

  const theta = thetaOf(phi).theta;
  const final = backend.evaluate(theta);
  const constraintMethod: string[] = [];
  for (const f of fields) {
    if (Number.isFinite(f.lower) || Number.isFinite(f.upper)) {
      constraintMethod.push(
        `${f.lower} <= ${f.path} <= ${f.upper}: exact, by a change of variables (softplus / logistic) on every free knot` +
          (f.positive && !options.constraints.bounds.has(f.path) && !options.constraints.bounds.has(f.leaf) ? ' (default lower bound: half the smallest starting value)' : ''),
      );
    }
  }
  if (errorLimit !== undefined) {
    constraintMethod.push(
      `finalError = 1 - p_${targetState}(tau) <= ${errorLimit}${limit === 'start' ? " (the starting protocol's)" : ''}: augmented Lagrangian (PHR), ` +
        `multiplier ${nu.toPrecision(4)}, penalty ${rho}; the result may exceed the limit by the reported margin`,
    );
  }
  return {
    fields,
    startTheta,
    theta,
    objectiveName: options.objective,
    startObjective: objectiveOf(start),
    objective: objectiveOf(final),
    startWork: start.work,
    startHeat: start.heat,
    work: final.work,
    heat: final.heat,
    targetState,
    startError,
    finalError: errorOf(final),
    ...(errorLimit !== undefined ? { errorLimit } : {}),
    iterations,
    evaluations,
    converged,
    reason,
    stationarity,
    restarts: totalRestarts,
    tolerances: { gradient: gradientTolerance, value: valueTolerance, constraint: CONSTRAINT_TOLERANCE },
    engine: backend.engine,
    ...(grid ? { grid } : {}),
    steps: final.steps,
    dt: final.dt,
    constraintMethod,
  };
}


/** One exact evaluation of the objective's ingredients at a protocol, with its adjoint gradient on demand. */
interface Evaluation {
  work: number;
  heat: number;
  finalOccupancy: number[];
  steps: number;
  dt: number;
  /** d(a W + b Q + w . occupancy)/dtheta by one backward sweep. */
  gradient(weights: ObjectiveWeights): Float64Array;
}

interface ObjectiveBackend {
  engine: 'fokker-planck' | 'master-equation';
  grid?: FokkerPlanckGrid;
  evaluate(theta: ArrayLike<number>): Evaluation;
}

/**
 * The deterministic engine behind the objective: Fokker-Planck on a fixed grid
 * for a continuous potential (adjoint.ts), the master equation for a discrete
 * memory (master-adjoint.ts).
 */
function objectiveBackend(
  config: PhysicsConfig,
  root: Record<string, unknown>,
  fields: VariedField[],
  startTheta: Float64Array,
  options: OptimizeOptions,
): ObjectiveBackend {
  const duration = config.time.duration;
  const base = problemOf(config);
  if (!isContinuousPotential(config.potential)) {
    for (const [flag, value] of [['--cells', options.cells], ['--grid-margin', options.gridMargin]] as const) {
      if (value !== undefined) throw new ConfigError(flag, `got ${value}; it sets the Fokker-Planck grid, and a discrete memory's objective is the master equation (no grid)`);
    }
    const states = config.potential.energies.length;
    if (states > MAX_ADJOINT_STATES) {
      throw new ConfigError('potential.energies', `has ${states} states; the master-equation adjoint (dense eigen-decomposition per stretch) takes at most ${MAX_ADJOINT_STATES}`);
    }
    const problemAt = (theta: ArrayLike<number>): DiscreteProblem => {
      const cfg = applyProtocol(root, fields, theta, duration) as { potential: DiscreteProblem['potential'] };
      return { ...(base as DiscreteProblem), potential: cfg.potential };
    };
    return {
      engine: 'master-equation',
      evaluate(theta) {
        const state = masterForward(problemAt(theta));
        return { ...state, gradient: (w) => masterAdjointGradient(state, fields, duration, w) };
      },
    };
  }
  const problemAt = (theta: ArrayLike<number>): Problem => {
    const cfg = applyProtocol(root, fields, theta, duration) as { potential: PotentialSpec };
    return { ...(base as Problem), potential: cfg.potential };
  };
  const grid = optimizationGrid(problemAt(startTheta), options.cells ?? config.fokkerPlanck?.cells, options.gridMargin ?? 0.25);
  return {
    engine: 'fokker-planck',
    grid,
    evaluate(theta) {
      const state = forwardSolve(problemAt(theta), grid);
      return {
        work: state.work,
        heat: state.heat,
        finalOccupancy: state.finalOccupancy,
        steps: state.steps,
        dt: state.dt,
        gradient: (w) => adjointGradient(state, fields, duration, w),
      };
    },
  };
}
