import { ConfigError } from '../errors.js';
import type { DiscreteProblem } from '../memory/discrete.js';
import { solveFokkerPlanck, type FokkerPlanckOptions, type FokkerPlanckResult } from './fokker-planck.js';
import { solveMasterEquation, type MasterEquationOptions, type MasterEquationResult } from './master-equation.js';
import type { EngineResult, Estimate, Problem } from './problem.js';

/**
 * Discretisation-error estimates for the deterministic engines (docs/kinetics.md,
 * "Deterministic engines"). Their averages carry no sampling noise, but they
 * are solutions of a discretised problem: reporting SE 0 would make every
 * comparison with them infinitely sharp. Each wrapper runs the engine again on
 * coarser grids and puts the Richardson estimate of the fine run's error into
 * the SE fields (which bounds and compare read), with seKind 'discretisation'.
 *
 * Richardson (Richardson 1911; e.g. LeVeque, Finite Difference Methods, §A.6):
 * an error e(h) = C h^p of a run at step h, the same run at step r h gives
 *   e(h) ~= (X(r h) - X(h)) / (r^p - 1).
 * The reported value stays the fine run's X(h) (not the extrapolated one), so the
 * estimate is that of the number reported.
 */

/** Which orders the estimate assumes, and the parts it found (same units as the quantity). */
export interface DiscretisationReport {
  seKind: 'discretisation';
  /** Per quantity: the estimated error of the reported (fine) value from each grid direction. */
  components: Record<'work' | 'heat' | 'energyChange', Record<string, number>>;
  /** The runs behind the estimate, with their step sizes. */
  runs: { label: string; cells?: number; dt: number; work: number }[];
  assumptions: string;
}

export type WithDiscretisationError<R extends EngineResult> = R & { seKind: 'discretisation'; discretisation: DiscretisationReport };

/** Space is refined by sqrt(2) (SG, second order: r^2 - 1 = 1); time by 2 (backward Euler, first order: r - 1 = 1). */
const SPACE_RATIO = Math.SQRT2;
const TIME_RATIO = 2;

type Quantity = 'work' | 'heat' | 'energyChange';
const QUANTITIES: Quantity[] = ['work', 'heat', 'energyChange'];

/**
 * Combine the error parts: sum of magnitudes. Their signed sum is the estimated
 * error, but parts of opposite sign may cancel by accident at one grid; the sum of
 * magnitudes cannot understate it that way.
 */
function withError(estimate: Estimate, parts: number[]): Estimate {
  const se = parts.reduce((s, e) => s + Math.abs(e), 0);
  return { mean: estimate.mean, se, n: estimate.n };
}

/** Steps the engines take for duration and dt (whole steps no longer than dt). */
function steps(duration: number, dt: number): number {
  return Math.max(1, Math.ceil(duration / dt - 1e-9));
}

/**
 * Fokker-Planck with a discretisation error: the run as configured (N cells,
 * step dt), again with N / sqrt(2) cells (Scharfetter-Gummel fluxes are second
 * order in h for smooth U: e_h = X(N/sqrt2) - X(N)), and again with half the
 * steps (backward Euler is first order in dt: e_dt = (X(2dt) - X(dt)) / (r - 1),
 * r the actual step ratio). SE = |e_h| + |e_dt|. Costs about 2.2 runs.
 * test/engines/discretisation-error.test.ts checks the orders on a harmonic drag.
 */
export function solveFokkerPlanckWithError(
  problem: Problem,
  options: FokkerPlanckOptions = {},
): WithDiscretisationError<FokkerPlanckResult> {
  const fine = solveFokkerPlanck(problem, options);
  // The second grid is coarser (N / sqrt 2) when that grid still passes the engine's grid
  // check, else finer (N sqrt 2): a grid the check refuses is no estimate of anything.
  // Both give e(h) = (X(h') - X(h)) / ((h'/h)^2 - 1): for h' < h the denominator is negative.
  let otherCells = Math.max(3, Math.round(fine.grid.cells / SPACE_RATIO));
  let otherSpace: FokkerPlanckResult;
  try {
    otherSpace = solveFokkerPlanck(problem, { ...options, cells: otherCells });
  } catch (err) {
    if (!(err instanceof ConfigError) || err.path !== 'fokkerPlanck.cells') throw err;
    otherCells = Math.round(fine.grid.cells * SPACE_RATIO);
    otherSpace = solveFokkerPlanck(problem, { ...options, cells: otherCells });
  }
  const coarseCells = otherCells;
  const spaceRatio = fine.grid.cells / coarseCells;
  const coarseSpace = otherSpace;
  const coarseSteps = Math.max(1, Math.floor(fine.steps / TIME_RATIO));
  const coarseTime =
    coarseSteps < fine.steps ? solveFokkerPlanck({ ...problem, dt: problem.duration / coarseSteps }, { ...options, cells: fine.grid.cells }) : fine;
  const timeRatio = fine.steps / coarseSteps;
  const components = {} as DiscretisationReport['components'];
  const result = { ...fine } as WithDiscretisationError<FokkerPlanckResult>;
  for (const q of QUANTITIES) {
    const space = (coarseSpace[q].mean - fine[q].mean) / (spaceRatio * spaceRatio - 1);
    const time = timeRatio > 1 ? (coarseTime[q].mean - fine[q].mean) / (timeRatio - 1) : 0;
    components[q] = { space, time };
    result[q] = withError(fine[q], [space, time]);
  }
  result.seKind = 'discretisation';
  result.discretisation = {
    seKind: 'discretisation',
    components,
    runs: [
      { label: 'reported', cells: fine.grid.cells, dt: fine.dt, work: fine.work.mean },
      { label: coarseCells < fine.grid.cells ? 'coarse space' : 'fine space', cells: coarseCells, dt: coarseSpace.dt, work: coarseSpace.work.mean },
      { label: 'coarse time', cells: fine.grid.cells, dt: coarseTime.dt, work: coarseTime.work.mean },
    ],
    assumptions: 'Richardson: Scharfetter-Gummel second order in h (cells / sqrt 2), backward Euler first order in dt (half the steps); SE = |e_h| + |e_dt|',
  };
  return result;
}

/**
 * Master equation with the error of its protocol grid: the rates are held at
 * lambda(t_{n+1}) over step n (first order in the step), while each step's
 * propagation is exact. So e = (X(2 dt) - X(dt)) / (r - 1) from a run with half
 * the steps; a constant protocol gives e = 0 (the solution is then exact).
 */
export function solveMasterEquationWithError(
  problem: DiscreteProblem,
  options: MasterEquationOptions = {},
): WithDiscretisationError<MasterEquationResult> {
  const fine = solveMasterEquation(problem, options);
  const fineSteps = steps(problem.duration, problem.dt);
  const coarseSteps = Math.max(1, Math.floor(fineSteps / TIME_RATIO));
  const coarse = coarseSteps < fineSteps ? solveMasterEquation({ ...problem, dt: problem.duration / coarseSteps }, options) : fine;
  const ratio = fineSteps / coarseSteps;
  const components = {} as DiscretisationReport['components'];
  const result = { ...fine } as WithDiscretisationError<MasterEquationResult>;
  for (const q of QUANTITIES) {
    const time = ratio > 1 ? (coarse[q].mean - fine[q].mean) / (ratio - 1) : 0;
    components[q] = { protocolStep: time };
    result[q] = withError(fine[q], [time]);
  }
  result.seKind = 'discretisation';
  result.discretisation = {
    seKind: 'discretisation',
    components,
    runs: [
      { label: 'reported', dt: problem.duration / fineSteps, work: fine.work.mean },
      { label: 'coarse protocol step', dt: problem.duration / coarseSteps, work: coarse.work.mean },
    ],
    assumptions: 'Richardson: rates held at lambda(t_{n+1}) over each step, first order in the protocol step (half the steps); propagation within a step exact',
  };
  return result;
}
