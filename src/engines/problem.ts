import type { PotentialSpec } from '../physics/potentials.js';

/**
 * What is simulated, separate from how (the engine) and from what is recorded:
 * the Problem / Algorithm / solve split of DifferentialEquations.jl (docs/architecture.md).
 * Everything is in reduced units: kT = 1, length = well spacing,
 * time = gamma * length^2 / kT.
 */

/** How the ensemble starts. */
export type InitialSpec =
  /** Every replica at x. */
  | { kind: 'fixed'; x: number }
  /** Exactly sampled from exp(-U(x, lambda(0))/kT) / Z. */
  | { kind: 'boltzmann' }
  /**
   * A memory state drawn with the given probabilities (one per well or level),
   * then x from the Boltzmann distribution restricted to that state.
   */
  | { kind: 'bits'; probabilities: number[] };

export interface Problem {
  potential: PotentialSpec;
  /** Protocol duration tau (reduced time). */
  duration: number;
  /** Integration step (reduced time). */
  dt: number;
  /** Friction gamma (1 in reduced units). */
  friction: number;
  initial: InitialSpec;
  /** Independent trajectories. */
  replicas: number;
  seed: number;
  /** Number of evenly spaced time points recorded for the timeseries (>= 2). */
  recordPoints: number;
}

/** Standard statistic: mean, its standard error, and the sample count. */
export interface Estimate {
  mean: number;
  /** Standard error of the mean (0 for exact solvers). */
  se: number;
  n: number;
}

export interface TimeseriesPoint {
  t: number;
  /** Ensemble-mean work done on the cells so far, kT. */
  work: number;
  /** Ensemble-mean heat released to the bath so far, kT. */
  heat: number;
  /** Ensemble-mean potential energy, kT. */
  energy: number;
  /** Fraction of the ensemble in each memory state. */
  occupancy: number[];
  /** Protocol parameter values at t. */
  parameters: Record<string, number>;
}

export type EngineName = 'langevin' | 'monte-carlo' | 'master-equation' | 'fokker-planck';

/** What every engine returns; sampling engines add per-trajectory arrays. */
export interface EngineResult {
  engine: EngineName;
  work: Estimate;
  heat: Estimate;
  energyChange: Estimate;
  /** Occupancy of each memory state at t = 0 and t = duration. */
  initialOccupancy: number[];
  finalOccupancy: number[];
  timeseries: TimeseriesPoint[];
  /** Per-trajectory ledger (sampling engines only). */
  trajectories?: {
    work: Float64Array;
    heat: Float64Array;
    energyChange: Float64Array;
    initialPosition?: Float64Array;
    finalPosition?: Float64Array;
    finalState: Int32Array;
  };
}
