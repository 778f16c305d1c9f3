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
export * from './thermo/statistics.js';
export * from './thermo/estimators.js';
export * from './thermo/free-energy.js';
export * from './thermo/bounds.js';
export { meanFirstPassageTime } from './thermo/first-passage.js';

// Experiments: configs, runs, verification, sweeps, projections.
export { loadAnyConfig, validateAnyConfig, runAnyConfig, type AnyConfig, type AnyRun } from './experiments/dispatch.js';
export { runPhysics, type PhysicsRun, type PhysicsSummary } from './experiments/run.js';
export { runVerify, type VerifyCheck } from './experiments/verify.js';
export { projectWorkload, projectSizes } from './experiments/project.js';
