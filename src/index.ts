/**
 * limsim's public library API: the same pieces the CLI is a thin shell over.
 * Physics never imports I/O; results writers live in report/.
 */
export { ConfigError, EXIT_BAD_INPUT } from './errors.js';
export { VERSION } from './version.js';

// Physics: units, potentials, schedules, random streams.
export * from './physics/units.js';
export { buildPotential, type Potential, type PotentialSpec } from './physics/potentials.js';
export { compileSchedule, type Schedule, type ScheduleSpec } from './physics/schedules.js';
export { randomStream, type RandomStream } from './physics/rng.js';
export { BoltzmannSampler } from './physics/sampling.js';

// Engines: one Problem, four ways to solve it.
export type { Problem, InitialSpec, EngineResult, Estimate, TimeseriesPoint, EngineName } from './engines/problem.js';
export { runLangevin, LangevinEnsemble, type Integrator, type LangevinOptions } from './engines/langevin.js';
export { runMonteCarlo } from './engines/monte-carlo.js';
export { solveMasterEquation } from './engines/master-equation.js';
export { solveFokkerPlanck, planFokkerPlanckGrid } from './engines/fokker-planck.js';
export { buildDiscreteModel, type DiscreteSpec, type DiscreteProblem } from './memory/discrete.js';

// Thermodynamics: estimators, free energy, bounds.
// Named, not `export *`: helpers such as uniformGrid and the quadrature constants stay internal.
export { estimateMean, kolmogorovSmirnov, censoredExponentialRate } from './thermo/statistics.js';
export {
  bitEntropy,
  levelEntropy,
  levelEntropyStandardError,
  differentialEntropy,
  wasserstein2Samples,
  wasserstein2Grid,
  bootstrap,
  jarzynskiFreeEnergy,
  normalConfidenceInterval,
  type BootstrapOptions,
  type BootstrapResult,
} from './thermo/estimators.js';
export { partitionFunction, freeEnergy, freeEnergyChange, equilibriumOccupancy, boltzmannDensity } from './thermo/free-energy.js';
export * from './thermo/bounds.js';
export { meanFirstPassageTime } from './thermo/first-passage.js';

// Experiments: configs, runs, verification, sweeps, projections.
export { loadAnyConfig, validateAnyConfig, runAnyConfig, type AnyConfig, type AnyRun } from './experiments/dispatch.js';
export type { PhysicsSummary } from './experiments/run.js';
export type { TrainingSummary } from './experiments/training-run.js';
export { runVerify, type VerifyCheck } from './experiments/verify.js';
export { projectWorkload, projectSizes } from './experiments/project.js';

// The typed API: config types, and the CLI's verbs as functions of config objects (docs/api.md).
export type { PhysicsConfig } from './experiments/schema.js';
export type { TrainingConfig } from './experiments/training-schema.js';
export { limsimJsonSchema } from './experiments/json-schema.js';
export {
  validateConfig,
  runPhysics,
  runTraining,
  runSweep,
  writeRun,
  writeReport,
  compareResults,
  comparisonCsv,
  comparisonJson,
  comparisonTable,
  type Comparison,
  type PhysicsConfigInput,
  type TrainingConfigInput,
  type ConfigInput,
  type SweepFile,
  type SweepInput,
  type ConfigOrigin,
  type RunOverrides,
  type PhysicsRun,
  type TrainingRun,
  type SweepOutcome,
  type SweepRunOptions,
} from './api.js';
