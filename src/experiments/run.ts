import { runLangevin } from '../engines/langevin.js';
import type { EngineResult } from '../engines/problem.js';
import { runMonteCarlo } from '../engines/monte-carlo.js';
import { solveFokkerPlanckWithError, solveMasterEquationWithError } from '../engines/discretisation-error.js';
import { buildDiscreteModel, isDiscreteSpec, type DiscreteProblem } from '../memory/discrete.js';
import { ConfigError } from '../errors.js';
import { thermalEnergyJ } from '../physics/units.js';
import { freeEnergyChange } from '../thermo/free-energy.js';
import { jarzynskiFreeEnergy } from '../thermo/estimators.js';
import { applicableBounds, boundStatusText, type BoundReport } from '../thermo/bounds.js';
import { scheduleWarnings } from '../thermo/protocol-checks.js';
import type { Verdict } from './verdict.js';
import { energyReport, type EnergyReport } from '../report/format.js';
import { fokkerPlanckOptions, problemOf, type LoadedConfig } from './config.js';
import type { PhysicsConfig } from './schema.js';
import { baseProvenance, type BaseProvenance } from './provenance.js';

/** Overrides a user can give on the command line. */
export interface RunOverrides {
  seed?: number;
  replicas?: number;
  /** Worker threads (Langevin); results do not depend on it. */
  workers?: number;
  /**
   * Training only: the seed of the stores' noise (store i draws from noiseSeed + 7 i), the data,
   * initialisation and float baseline keeping the config's seed: fresh noise on the same task
   * (limsim optimize's validation runs). Default: the run's seed.
   */
  noiseSeed?: number;
}

export interface Provenance extends BaseProvenance<PhysicsConfig> {
  engine: string;
  integrator?: string;
  /** The step actually used: duration / steps. */
  dt: number;
  steps: number;
  replicas: number;
}

export interface PhysicsSummary {
  name: string;
  description?: string;
  provenance: Provenance;
  units: { energy: 'kT'; kTJoules: number; length: string; time: string };
  results: {
    work: EnergyReport;
    heat: EnergyReport;
    energyChange: EnergyReport;
    /** F(lambda(tau)) - F(lambda(0)) of the model the engine ran, kT. */
    freeEnergyChange: { value: number; valueJ: number };
    /** -kT ln <exp(-W/kT)> with a bootstrap SE, kT (runs started in equilibrium). */
    jarzynskiFreeEnergy?: { mean: number; se: number; n: number };
    /** Largest |Delta U - (W - Q)| over trajectories, kT: the first law's round-off. */
    firstLawResidual: number;
    initialOccupancy: number[];
    finalOccupancy: number[];
    /** What the SE fields are: 'sampling' (replicas) or 'discretisation' (Richardson estimate of a deterministic engine, src/engines/discretisation-error.ts). */
    seKind: 'sampling' | 'discretisation';
  };
  /** Every bound that applies to this run, held against the measured quantity (violated: beyond 4 combined SE). */
  bounds: BoundReport[];
  /** Protocol warnings, e.g. a schedule still changing at time.duration (named by its field). */
  warnings: string[];
  /** ok unless a bound is violated beyond 4 combined SE; one failure per violated bound, with its cause. */
  verdict: Verdict;
}

export interface PhysicsRun {
  summary: PhysicsSummary;
  result: EngineResult;
  problem: DiscreteProblem;
}

function firstLawResidual(result: EngineResult): number {
  const t = result.trajectories;
  if (!t) return Math.abs(result.energyChange.mean - (result.work.mean - result.heat.mean));
  let worst = 0;
  for (let i = 0; i < t.work.length; i++) worst = Math.max(worst, Math.abs(t.energyChange[i] - (t.work[i] - t.heat[i])));
  return worst;
}

function runEngine(config: PhysicsConfig, problem: DiscreteProblem): EngineResult {
  const { potential } = problem;
  switch (config.engine) {
    case 'monte-carlo':
      return runMonteCarlo(problem);
    case 'master-equation':
      return solveMasterEquationWithError(problem);
    case 'langevin':
      if (isDiscreteSpec(potential)) break;
      return runLangevin({ ...problem, potential }, { integrator: config.integrator, workers: config.workers });
    case 'fokker-planck':
      if (isDiscreteSpec(potential)) break;
      return solveFokkerPlanckWithError({ ...problem, potential }, fokkerPlanckOptions(config));
  }
  // checkPhysics rejects this combination before any run.
  throw new ConfigError('engine', `"${config.engine}" cannot run a discrete potential`);
}

/**
 * F(lambda(tau)) - F(lambda(0)) in kT of the model the engine ran: quadrature
 * of exp(-U) for the continuous engines, -ln sum_i exp(-E_i) for the discrete
 * ones (whose ledger books the state energies E_i).
 */
export function memoryFreeEnergyChange(problem: DiscreteProblem, engine: PhysicsConfig['engine']): number {
  const { potential } = problem;
  const discreteEngine = engine === 'monte-carlo' || engine === 'master-equation';
  if (!isDiscreteSpec(potential) && !discreteEngine) return freeEnergyChange(potential, 0, problem.duration);
  const model = buildDiscreteModel(potential, problem.friction);
  const discreteFreeEnergy = (t: number) => {
    model.setTime(t);
    return -logSumExp(Array.from(model.energies, (e) => -e));
  };
  return discreteFreeEnergy(problem.duration) - discreteFreeEnergy(0);
}

function logSumExp(values: number[]): number {
  const top = Math.max(...values);
  return top + Math.log(values.reduce((sum, v) => sum + Math.exp(v - top), 0));
}

/** Run a validated physics config: the library call under `limsim run`. */
export function runPhysics(loaded: LoadedConfig<PhysicsConfig>, overrides: RunOverrides = {}): PhysicsRun {
  const config: PhysicsConfig = {
    ...loaded.config,
    seed: overrides.seed ?? loaded.config.seed,
    replicas: overrides.replicas ?? loaded.config.replicas,
    workers: overrides.workers ?? loaded.config.workers,
  };
  const problem = problemOf(config);
  const result = runEngine(config, problem);
  const temperatureK = config.units.temperature;
  const steps = Math.max(1, Math.ceil(problem.duration / problem.dt - 1e-9));
  const deltaF = memoryFreeEnergyChange(problem, config.engine);
  // Jarzynski's estimate -kT ln <exp(-W/kT)> applies to runs that start in equilibrium.
  const jarzynski =
    result.trajectories && config.initial.kind === 'boltzmann'
      ? jarzynskiFreeEnergy(result.trajectories.work, { seed: config.seed })
      : undefined;
  const bounds = applicableBounds(problem, result, {
    freeEnergyChange: deltaF,
    seed: config.seed,
    ...(config.engine === 'langevin' ? { integrator: config.integrator } : {}),
  });
  const summary: PhysicsSummary = {
    name: config.name,
    ...(config.description ? { description: config.description } : {}),
    provenance: {
      ...baseProvenance(loaded, config, temperatureK),
      engine: config.engine,
      ...(config.engine === 'langevin' ? { integrator: config.integrator } : {}),
      dt: problem.duration / steps,
      steps,
      replicas: config.replicas,
    },
    units: {
      energy: 'kT',
      kTJoules: thermalEnergyJ(temperatureK),
      length: 'well spacing',
      time: 'gamma * length^2 / kT',
    },
    results: {
      work: energyReport(result.work, temperatureK),
      heat: energyReport(result.heat, temperatureK),
      energyChange: energyReport(result.energyChange, temperatureK),
      freeEnergyChange: { value: deltaF, valueJ: deltaF * thermalEnergyJ(temperatureK) },
      ...(jarzynski ? { jarzynskiFreeEnergy: jarzynski } : {}),
      firstLawResidual: firstLawResidual(result),
      initialOccupancy: result.initialOccupancy,
      finalOccupancy: result.finalOccupancy,
      seKind: 'seKind' in result && result.seKind === 'discretisation' ? 'discretisation' : 'sampling',
    },
    bounds,
    warnings: scheduleWarnings(problem.potential, problem.duration),
    verdict: physicsVerdict(bounds),
  };
  return { summary, result, problem };
}

/** The verdict of a physics run: every applicable bound holds within 4 combined SE. */
export function physicsVerdict(bounds: BoundReport[]): Verdict {
  const failures = bounds
    .filter((b) => b.violated)
    .map((b) => ({
      what: `${b.name} bound (${b.quantity})`,
      cause:
        `measured ${b.measured.mean.toPrecision(4)} ± ${b.measured.se.toPrecision(2)} kT is ${(-b.z).toFixed(1)} combined SE below the bound ` +
        `${b.bound.toPrecision(4)} ± ${b.boundSe.toPrecision(2)} kT (${boundStatusText(b)})`,
    }));
  return { ok: failures.length === 0, failures };
}
