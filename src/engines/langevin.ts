import { ConfigError } from '../errors.js';
import { buildPotential, type Potential } from '../physics/potentials.js';
import { randomStream, type RandomStream } from '../physics/rng.js';
import { BoltzmannSampler } from '../physics/sampling.js';
import { estimateMean } from '../thermo/statistics.js';
import type { EngineResult, Problem, TimeseriesPoint } from './problem.js';

/**
 * Overdamped Langevin engine (THEORY.md §2):
 *   dx = -(1/gamma) U'(x, lambda(t)) dt + sqrt(2 kT / gamma) dB_t,   kT = 1,
 * with Sekimoto's discrete ledger (THEORY.md §3), step n -> n+1:
 *   W += U(x_n, lambda_{n+1}) - U(x_n, lambda_n)        (protocol moves)
 *   Q += U(x_n, lambda_{n+1}) - U(x_{n+1}, lambda_{n+1})  (particle moves)
 * so U_N - U_0 = W - Q per trajectory, to round-off.
 */
export type Integrator = 'euler-maruyama' | 'leimkuhler-matthews';

/** Replicas per random stream. Fixed, so results do not depend on worker count. */
export const BLOCK_SIZE = 256;

export interface LangevinOptions {
  integrator?: Integrator;
  /**
   * Per-cell extra tilt (kT per length) added to the potential's tilt; length =
   * replicas. The learning layer writes gradients here between segments.
   */
  extraTilt?: Float64Array;
  /** Record the first time each trajectory reaches x >= this level (first-passage studies). */
  firstPassageLevel?: number;
}

/**
 * The state of an ensemble (OpenMM's Context): positions, energies and the
 * running ledger, advanced by `advance`. Observers read it between segments.
 */
export class LangevinEnsemble {
  readonly potential: Potential;
  readonly replicas: number;
  readonly position: Float64Array;
  readonly initialPosition: Float64Array;
  /** U(x_i, lambda(t)) of each cell at the current time. */
  readonly energy: Float64Array;
  readonly initialEnergy: Float64Array;
  readonly work: Float64Array;
  readonly heat: Float64Array;
  /** The stored normal xi_{n+1} of Leimkuhler-Matthews, per cell. */
  private readonly pendingNormal: Float64Array;
  readonly extraTilt: Float64Array;
  readonly firstPassageTime: Float64Array;
  private readonly streams: RandomStream[];
  readonly integrator: Integrator;
  readonly friction: number;
  private readonly firstPassageLevel: number;
  time = 0;

  constructor(problem: Problem, options: LangevinOptions = {}) {
    this.potential = buildPotential(problem.potential);
    this.replicas = problem.replicas;
    this.integrator = options.integrator ?? 'euler-maruyama';
    this.friction = problem.friction;
    const n = problem.replicas;
    this.position = new Float64Array(n);
    this.energy = new Float64Array(n);
    this.work = new Float64Array(n);
    this.heat = new Float64Array(n);
    this.pendingNormal = new Float64Array(n);
    this.extraTilt = options.extraTilt ?? new Float64Array(n);
    if (this.extraTilt.length !== n) {
      throw new ConfigError('extraTilt', `has ${this.extraTilt.length} entries; expected one per replica (${n})`);
    }
    this.firstPassageLevel = options.firstPassageLevel ?? Infinity;
    this.firstPassageTime = new Float64Array(n).fill(Infinity);
    const blocks = Math.ceil(n / BLOCK_SIZE);
    this.streams = Array.from({ length: blocks }, (_, b) => randomStream(problem.seed, b, 'langevin'));
    this.potential.setTime(0);
    this.initialise(problem);
    this.initialPosition = Float64Array.from(this.position);
    this.initialEnergy = Float64Array.from(this.energy);
  }

  private initialise(problem: Problem): void {
    const { initial } = problem;
    const pot = this.potential;
    const initStreams = this.streams.map((_, b) => randomStream(problem.seed, b, 'initial'));
    const samplers = new Map<number, BoltzmannSampler>();
    const samplerFor = (tilt: number): BoltzmannSampler => {
      let sampler = samplers.get(tilt);
      if (!sampler) {
        sampler = new BoltzmannSampler(pot, tilt);
        samplers.set(tilt, sampler);
      }
      return sampler;
    };
    const cumulative: number[] = [];
    if (initial.kind === 'bits') {
      let total = 0;
      for (const p of initial.probabilities) cumulative.push((total += p));
    }
    for (let i = 0; i < this.replicas; i++) {
      const rng = initStreams[Math.floor(i / BLOCK_SIZE)];
      const tilt = this.extraTilt[i];
      let x: number;
      switch (initial.kind) {
        case 'fixed':
          x = initial.x;
          break;
        case 'boltzmann':
          x = samplerFor(tilt).sample(rng);
          break;
        case 'bits': {
          const u = rng.uniform() * cumulative[cumulative.length - 1];
          let state = 0;
          while (state < cumulative.length - 1 && u >= cumulative[state]) state++;
          x = samplerFor(tilt).sample(rng, state);
          break;
        }
      }
      this.position[i] = x;
      this.energy[i] = pot.energy(x, tilt);
    }
    // Leimkuhler-Matthews carries one normal per cell from step to step.
    if (this.integrator === 'leimkuhler-matthews') {
      for (let i = 0; i < this.replicas; i++) this.pendingNormal[i] = this.streams[Math.floor(i / BLOCK_SIZE)].normal();
    }
  }

  /**
   * Book the work of a protocol change made outside the time loop (e.g. the
   * learning layer changing extraTilt between update windows): W += U_new - U_old.
   */
  rebookEnergies(): void {
    const pot = this.potential;
    pot.setTime(this.time);
    for (let i = 0; i < this.replicas; i++) {
      const u = pot.energy(this.position[i], this.extraTilt[i]);
      this.work[i] += u - this.energy[i];
      this.energy[i] = u;
    }
  }

  /** Advance `steps` steps of size dt. Hot loop: no allocation, one schedule evaluation per step. */
  advance(steps: number, dt: number): void {
    const pot = this.potential;
    const { position: x, energy: u, work, heat, extraTilt, pendingNormal, firstPassageTime } = this;
    const drift = dt / this.friction;
    const leimkuhler = this.integrator === 'leimkuhler-matthews';
    // EM: sqrt(2 kT dt / gamma) xi; LM: sqrt(kT dt / (2 gamma)) (xi_n + xi_{n+1}).
    const noise = leimkuhler ? Math.sqrt(dt / (2 * this.friction)) : Math.sqrt((2 * dt) / this.friction);
    const level = this.firstPassageLevel;
    const trackPassage = level !== Infinity;
    const n = this.replicas;
    const startTime = this.time;
    for (let step = 0; step < steps; step++) {
      // Time from the step count, not by summing dt: no drift of round-off.
      const tNext = startTime + (step + 1) * dt;
      pot.setTime(tNext);
      for (let block = 0, start = 0; start < n; block++, start += BLOCK_SIZE) {
        const rng = this.streams[block];
        const end = Math.min(start + BLOCK_SIZE, n);
        for (let i = start; i < end; i++) {
          const xi = x[i];
          const tilt = extraTilt[i];
          const uShifted = pot.energy(xi, tilt);
          work[i] += uShifted - u[i];
          let kick: number;
          if (leimkuhler) {
            const next = rng.normal();
            kick = noise * (pendingNormal[i] + next);
            pendingNormal[i] = next;
          } else {
            kick = noise * rng.normal();
          }
          const xNext = xi + drift * pot.force(xi, tilt) + kick;
          const uNext = pot.energy(xNext, tilt);
          heat[i] += uShifted - uNext;
          x[i] = xNext;
          u[i] = uNext;
          if (trackPassage && xNext >= level && firstPassageTime[i] === Infinity) firstPassageTime[i] = tNext;
        }
      }
      this.time = tNext;
    }
  }

  /** Ensemble means and occupancy at the current time. */
  snapshot(): TimeseriesPoint {
    const pot = this.potential;
    pot.setTime(this.time);
    const states = pot.stateCount;
    const occupancy = new Array<number>(states).fill(0);
    let work = 0;
    let heat = 0;
    let energy = 0;
    for (let i = 0; i < this.replicas; i++) {
      work += this.work[i];
      heat += this.heat[i];
      energy += this.energy[i];
      if (states > 0) occupancy[pot.classify(this.position[i])]++;
    }
    const n = this.replicas;
    return {
      t: this.time,
      work: work / n,
      heat: heat / n,
      energy: energy / n,
      occupancy: occupancy.map((c) => c / n),
      parameters: pot.parameters(),
    };
  }

  /** Memory state of every cell now. */
  states(): Int32Array {
    const out = new Int32Array(this.replicas);
    for (let i = 0; i < this.replicas; i++) out[i] = this.potential.classify(this.position[i]);
    return out;
  }
}

/** Number of whole steps covering `duration` with steps no longer than `dt`. */
export function stepCount(duration: number, dt: number): number {
  return Math.max(1, Math.ceil(duration / dt - 1e-9));
}

/** Run a Problem on the Langevin engine: the whole protocol, recording problem.recordPoints points. */
export function runLangevin(problem: Problem, options: LangevinOptions = {}): EngineResult & { firstPassageTime: Float64Array } {
  const ensemble = new LangevinEnsemble(problem, options);
  const steps = stepCount(problem.duration, problem.dt);
  const dt = problem.duration / steps;
  const timeseries: TimeseriesPoint[] = [ensemble.snapshot()];
  let done = 0;
  for (let k = 1; k < problem.recordPoints; k++) {
    const target = Math.round((k * steps) / (problem.recordPoints - 1));
    ensemble.advance(target - done, dt);
    done = target;
    timeseries.push(ensemble.snapshot());
  }
  const energyChange = new Float64Array(problem.replicas);
  for (let i = 0; i < problem.replicas; i++) energyChange[i] = ensemble.energy[i] - ensemble.initialEnergy[i];
  return {
    engine: 'langevin',
    work: estimateMean(ensemble.work),
    heat: estimateMean(ensemble.heat),
    energyChange: estimateMean(energyChange),
    initialOccupancy: timeseries[0].occupancy,
    finalOccupancy: timeseries[timeseries.length - 1].occupancy,
    timeseries,
    trajectories: {
      work: ensemble.work,
      heat: ensemble.heat,
      energyChange,
      initialPosition: ensemble.initialPosition,
      finalPosition: ensemble.position,
      finalState: ensemble.states(),
    },
    firstPassageTime: ensemble.firstPassageTime,
  };
}
