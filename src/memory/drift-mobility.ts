import { LangevinEnsemble, type Integrator } from '../engines/langevin.js';
import type { Estimate, Problem } from '../engines/problem.js';
import { estimateMean } from '../thermo/statistics.js';

/**
 * Measure the drift of the tilted washboard on the Langevin engine: cells
 * start at the bottom of the middle level of a long washboard (walls far
 * away), relax for `burnIn`, then their displacement over `duration` gives the
 * mean drift velocity v (levels per reduced time) and the mobility v / F.
 * Used to check mu_eff = r a^2 / kT (docs/physics.md §5) against the engine.
 */
export interface DriftMeasurementOptions {
  barrierHeight: number;
  tilt: number;
  duration: number;
  dt: number;
  replicas: number;
  seed: number;
  burnIn?: number;
  levels?: number;
  integrator?: Integrator;
}

export interface DriftMeasurement {
  velocity: Estimate;
  /** v / F, with SE. */
  mobility: Estimate;
}

export function measureDrift(options: DriftMeasurementOptions): DriftMeasurement {
  const levels = options.levels ?? 256;
  const problem: Problem = {
    potential: { kind: 'washboard', barrierHeight: options.barrierHeight, levels, tilt: options.tilt, wallStiffness: 1000 },
    duration: options.duration,
    dt: options.dt,
    friction: 1,
    initial: { kind: 'fixed', x: Math.floor(levels / 2) },
    replicas: options.replicas,
    seed: options.seed,
    recordPoints: 2,
  };
  const ensemble = new LangevinEnsemble(problem, { integrator: options.integrator ?? 'euler-maruyama' });
  const burnIn = options.burnIn ?? 1;
  ensemble.advance(Math.max(1, Math.round(burnIn / options.dt)), burnIn / Math.max(1, Math.round(burnIn / options.dt)));
  const start = Float64Array.from(ensemble.position);
  const steps = Math.max(1, Math.round(options.duration / options.dt));
  ensemble.advance(steps, options.duration / steps);
  ensemble.close();
  const displacement = new Float64Array(options.replicas);
  for (let i = 0; i < options.replicas; i++) displacement[i] = (ensemble.position[i] - start[i]) / options.duration;
  const velocity = estimateMean(displacement);
  return { velocity, mobility: { mean: velocity.mean / options.tilt, se: velocity.se / Math.abs(options.tilt), n: velocity.n } };
}
