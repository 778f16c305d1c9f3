import { ConfigError } from '../errors.js';
import { reverseProtocol } from '../physics/reverse-protocol.js';
import { bennettFreeEnergy, crooksHistograms, type CrooksBin } from '../thermo/bennett.js';
import type { Estimate } from '../engines/problem.js';
import type { LoadedConfig } from './config.js';
import { runPhysics, type PhysicsRun, type RunOverrides } from './run.js';
import type { PhysicsConfig } from './schema.js';

/**
 * `limsim crooks <config>` (docs/kinetics.md, "Crooks and BAR"): the config's
 * protocol run forward from equilibrium at lambda(0), and time-reversed,
 * lambda_R(t) = lambda(tau - t), from equilibrium at lambda(tau); Bennett's
 * acceptance ratio from both work samples, held against Delta F of the model
 * (quadrature of exp(-U), or -ln sum exp(-E_i) for the discrete engines).
 */

/** The reverse run's seed: far from the forward one, so neighbouring config seeds do not share streams. */
export const REVERSE_SEED_OFFSET = 1_000_003;

export interface CrooksResult {
  name: string;
  forward: PhysicsRun;
  reverse: PhysicsRun;
  /** BAR Delta F with its bootstrap SE, kT. */
  bennett: Estimate;
  /** Delta F of the model the engine ran, kT (exact: quadrature or discrete sum). */
  freeEnergyChange: number;
  /** Jarzynski estimates of Delta F from each direction alone (forward: -ln<e^-W_F>, reverse: +ln<e^-W_R>). */
  jarzynskiForward?: Estimate;
  jarzynskiReverse?: Estimate;
  /** P_F(W) and P_R(-W) on a shared grid (crossing at W = Delta F). */
  histogram: CrooksBin[];
  /** |BAR - Delta F| <= 4 SE. */
  holds: boolean;
}

/** The config of the reverse process: time-reversed schedules, equilibrium start at lambda(tau). */
export function reverseConfig(config: PhysicsConfig): PhysicsConfig {
  return {
    ...config,
    name: `${config.name}-reverse`,
    potential: reverseProtocol(config.potential, config.time.duration),
    initial: { kind: 'boltzmann' },
    seed: config.seed + REVERSE_SEED_OFFSET,
  };
}

export function runCrooks(loaded: LoadedConfig<PhysicsConfig>, overrides: RunOverrides = {}): CrooksResult {
  const config = loaded.config;
  if (config.engine !== 'langevin' && config.engine !== 'monte-carlo') {
    throw new ConfigError('engine', `is "${config.engine}"; crooks needs per-trajectory works: "langevin" or "monte-carlo"`);
  }
  if (config.initial.kind !== 'boltzmann') {
    throw new ConfigError('initial.kind', `is "${config.initial.kind}"; Crooks' theorem needs an equilibrium start: "boltzmann"`);
  }
  const forward = runPhysics(loaded, overrides);
  const seed = forward.summary.provenance.seed;
  const reverse = runPhysics(
    { ...loaded, config: reverseConfig({ ...config, seed }) },
    { ...overrides, seed: seed + REVERSE_SEED_OFFSET },
  );
  const wF = forward.result.trajectories!.work;
  const wR = reverse.result.trajectories!.work;
  const bennett = bennettFreeEnergy(wF, wR, { seed });
  const freeEnergyChange = forward.summary.results.freeEnergyChange.value;
  const jr = reverse.summary.results.jarzynskiFreeEnergy;
  return {
    name: config.name,
    forward,
    reverse,
    bennett,
    freeEnergyChange,
    jarzynskiForward: forward.summary.results.jarzynskiFreeEnergy,
    jarzynskiReverse: jr ? { mean: -jr.mean, se: jr.se, n: jr.n } : undefined,
    histogram: crooksHistograms(wF, wR, config.record.histogramBins),
    holds: Math.abs(bennett.mean - freeEnergyChange) <= 4 * bennett.se,
  };
}
