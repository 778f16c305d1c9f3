import { ConfigError } from '../errors.js';
import { reportProgress } from './progress-hook.js';
import { buildPotential, type Potential } from '../physics/potentials.js';
import { randomStream, seedStreamStates, STREAM_STATE_WORDS, Xoshiro128Stream } from '../physics/rng.js';
import { BoltzmannSampler } from '../physics/sampling.js';
import { estimateMean } from '../thermo/statistics.js';
import {
  advanceGeneric,
  BLOCK_SIZE,
  kernelSettings,
  LangevinKernel,
  protocolTableLength,
  SEGMENT_STEPS,
  tabulateProtocol,
  type KernelSettings,
  type KernelState,
} from './kernels.js';
import { ParallelRunner, sharedFloat64, sharedInt32, validateWorkers } from './parallel.js';
import type { EngineResult, Problem, TimeseriesPoint } from './problem.js';

/**
 * Overdamped Langevin engine (docs/physics.md §2):
 *   dx = -(1/gamma) U'(x, lambda(t)) dt + sqrt(2 kT / gamma) dB_t,   kT = 1,
 * with Sekimoto's discrete ledger (docs/physics.md §3), step n -> n+1:
 *   W += U(x_n, lambda_{n+1}) - U(x_n, lambda_n)        (protocol moves)
 *   Q += U(x_n, lambda_{n+1}) - U(x_{n+1}, lambda_{n+1})  (particle moves)
 * so U_N - U_0 = W - Q per trajectory, to round-off.
 */
export type Integrator = 'euler-maruyama' | 'leimkuhler-matthews';

/** Replicas per random stream. Fixed, so results do not depend on worker count. */
export { BLOCK_SIZE };

export interface LangevinOptions {
  integrator?: Integrator;
  /**
   * Per-cell extra tilt (kT per length) added to the potential's tilt; length =
   * replicas. The learning layer writes gradients here between segments.
   */
  extraTilt?: Float64Array;
  /** Record the first time each trajectory reaches x >= this level (first-passage studies). */
  firstPassageLevel?: number;
  /**
   * Threads that advance the ensemble (default 1): the calling thread plus
   * workers - 1 worker threads of a process-wide pool, which claim blocks of
   * cells as they come. Results are bit-identical for any value
   * (src/engines/parallel.ts); it is capped at the number of blocks, and
   * potentials of kind 'sum' always run on the calling thread. Call close()
   * (runLangevin does) when done.
   */
  workers?: number;
}

/**
 * The state of an ensemble (OpenMM's Context): positions, energies and the
 * running ledger, advanced by `advance`. Observers read it between segments.
 *
 * State per cell: position, energy, work, heat and extraTilt (8 bytes each),
 * plus the stored normal for Leimkuhler-Matthews and the first-passage time
 * only when they are used, plus the t = 0 records initialPosition and
 * initialEnergy; and 16 bytes of generator state per block of BLOCK_SIZE
 * cells: 56 bytes per cell for Euler-Maruyama, 64 for Leimkuhler-Matthews.
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
  /** The stored normal xi_{n+1} of Leimkuhler-Matthews, per cell (empty for Euler-Maruyama). */
  private readonly pendingNormal: Float64Array;
  readonly extraTilt: Float64Array;
  /** First time each cell reached firstPassageLevel; empty when no level was given (see firstPassageTime). */
  private readonly passageTime: Float64Array;
  private untrackedPassageTime: Float64Array | undefined;
  readonly integrator: Integrator;
  readonly friction: number;
  /** Threads advancing the ensemble (1 = the calling thread only). */
  readonly workers: number;
  private readonly firstPassageLevel: number;
  private readonly blocks: number;
  /** xoshiro128** state of each block's 'langevin' stream (STREAM_STATE_WORDS words per block). */
  private readonly streamState: Int32Array;
  /** The tilt array the kernel reads: extraTilt itself, or its shared copy when workers read it. */
  private readonly kernelTilt: Float64Array;
  private readonly kernelState: KernelState;
  private readonly settings: KernelSettings;
  /** The protocol of the current segment, one row per step (shared with the workers). */
  private readonly table: Float64Array;
  /** The calling thread's kernel (undefined for generic potentials). */
  private readonly kernel: LangevinKernel | undefined;
  private readonly runner: ParallelRunner | undefined;
  private readonly scratchStream = new Xoshiro128Stream();
  time = 0;

  constructor(problem: Problem, options: LangevinOptions = {}) {
    this.potential = buildPotential(problem.potential);
    this.replicas = problem.replicas;
    this.integrator = options.integrator ?? 'euler-maruyama';
    this.friction = problem.friction;
    const n = problem.replicas;
    this.blocks = Math.ceil(n / BLOCK_SIZE);
    const leimkuhler = this.integrator === 'leimkuhler-matthews';
    this.firstPassageLevel = options.firstPassageLevel ?? Infinity;
    this.settings = kernelSettings(this.potential, leimkuhler, this.friction, this.firstPassageLevel);
    // Generic potentials (sums) are evaluated through the Potential interface on the calling thread only.
    const requested = validateWorkers(options.workers);
    const threads = this.settings.kind === 'generic' ? 1 : requested;
    this.workers = Math.max(1, Math.min(threads, this.blocks));
    const parallel = this.workers > 1;
    // Worker threads read and write the state in place: SharedArrayBuffers.
    const float64 = parallel ? sharedFloat64 : (length: number) => new Float64Array(length);
    this.position = float64(n);
    this.energy = float64(n);
    this.work = float64(n);
    this.heat = float64(n);
    this.pendingNormal = float64(leimkuhler ? n : 0);
    this.extraTilt = options.extraTilt ?? float64(n);
    if (this.extraTilt.length !== n) {
      throw new ConfigError('extraTilt', `has ${this.extraTilt.length} entries; expected one per replica (${n})`);
    }
    this.kernelTilt = parallel && !(this.extraTilt.buffer instanceof SharedArrayBuffer) ? sharedFloat64(n) : this.extraTilt;
    this.passageTime = float64(this.firstPassageLevel === Infinity ? 0 : n).fill(Infinity);
    this.streamState = parallel ? sharedInt32(this.blocks * STREAM_STATE_WORDS) : new Int32Array(this.blocks * STREAM_STATE_WORDS);
    seedStreamStates(problem.seed, this.blocks, 'langevin', this.streamState);
    this.potential.setTime(0);
    this.initialise(problem);
    this.initialPosition = Float64Array.from(this.position);
    this.initialEnergy = Float64Array.from(this.energy);
    this.kernelState = {
      replicas: n,
      position: this.position,
      energy: this.energy,
      work: this.work,
      heat: this.heat,
      extraTilt: this.kernelTilt,
      pendingNormal: this.pendingNormal,
      firstPassageTime: this.passageTime,
      streamState: this.streamState,
    };
    this.table = float64(protocolTableLength());
    this.kernel = this.settings.kind === 'generic' ? undefined : new LangevinKernel(this.kernelState, this.settings);
    this.runner = parallel && this.kernel ? new ParallelRunner(this.kernelState, this.settings, this.table, this.kernel, this.blocks, this.workers) : undefined;
  }

  private initialise(problem: Problem): void {
    const { initial } = problem;
    const pot = this.potential;
    const initStreams = Array.from({ length: this.blocks }, (_, b) => randomStream(problem.seed, b, 'initial'));
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
    // Leimkuhler-Matthews carries one normal per cell from step to step,
    // drawn from the block's dynamics stream before its first step.
    if (this.integrator === 'leimkuhler-matthews') {
      const rng = new Xoshiro128Stream();
      for (let block = 0; block < this.blocks; block++) {
        rng.loadState(this.streamState, block * STREAM_STATE_WORDS);
        const end = Math.min((block + 1) * BLOCK_SIZE, this.replicas);
        for (let i = block * BLOCK_SIZE; i < end; i++) this.pendingNormal[i] = rng.normal();
        rng.saveState(this.streamState, block * STREAM_STATE_WORDS);
      }
    }
  }

  /** First time each cell reached x >= firstPassageLevel (Infinity if not yet, or if no level was given). */
  get firstPassageTime(): Float64Array {
    if (this.passageTime.length === this.replicas) return this.passageTime;
    return (this.untrackedPassageTime ??= new Float64Array(this.replicas).fill(Infinity));
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

  /**
   * Advance `steps` steps of size dt; step n ends at t = time + (n + 1) dt.
   * Hot loop (src/engines/kernels.ts, WebAssembly for the specialised kinds): no allocation; the schedules are
   * evaluated once per step, on the calling thread.
   */
  advance(steps: number, dt: number): void {
    if (steps <= 0) return;
    if (this.kernelTilt !== this.extraTilt) this.kernelTilt.set(this.extraTilt);
    const startTime = this.time;
    if (!this.kernel) {
      advanceGeneric(this.potential, this.kernelState, this.settings, 0, this.blocks, steps, dt, startTime, this.scratchStream);
    } else {
      for (let done = 0; done < steps; done += SEGMENT_STEPS) {
        const count = Math.min(SEGMENT_STEPS, steps - done);
        tabulateProtocol(this.potential, this.settings.kind, this.table, done, count, dt, startTime);
        if (this.runner) this.runner.run(count, dt);
        else this.kernel.runBlocks(0, this.blocks, this.table, count, dt);
      }
    }
    // Time from the step count, not by summing dt: no drift of round-off.
    this.time = startTime + steps * dt;
    this.potential.setTime(this.time);
  }

  /**
   * Bytes of state per cell: `advanced`, the arrays the kernel carries from
   * step to step (x, U, W, Q, extraTilt, and the stored normal for
   * Leimkuhler-Matthews, plus the block's generator state shared by its
   * cells); `total`, every per-cell array the ensemble holds while it runs,
   * including first-passage times (when tracked) and the t = 0 records.
   */
  bytesPerCell(): { advanced: number; total: number } {
    const n = this.replicas;
    const stream = this.streamState.byteLength / n;
    const advanced =
      (this.position.byteLength + this.energy.byteLength + this.work.byteLength + this.heat.byteLength + this.extraTilt.byteLength + this.pendingNormal.byteLength) / n +
      stream;
    const records = (this.passageTime.byteLength + this.initialPosition.byteLength + this.initialEnergy.byteLength) / n;
    const sharedTilt = this.kernelTilt !== this.extraTilt ? this.kernelTilt.byteLength / n : 0;
    // The per-block generator state is counted in `advanced`; the protocol table is per ensemble, not per cell.
    return { advanced, total: advanced + records + sharedTilt };
  }

  /**
   * With workers > 1: wait (up to timeoutMs) until the worker threads have
   * joined, and return how many have. Optional: blocks a worker has not
   * claimed are run by the calling thread, so results never depend on it.
   */
  waitForWorkers(timeoutMs = 60_000): number {
    return this.runner ? this.runner.waitForWorkers(timeoutMs) : 0;
  }

  /** Blocks (per segment) run by the calling thread and by all threads so far; equal without workers. */
  threadShare(): { callerBlocks: number; totalBlocks: number } {
    return this.runner ? { callerBlocks: this.runner.callerBlocks, totalBlocks: this.runner.totalBlocks } : { callerBlocks: 1, totalBlocks: 1 };
  }

  /** Release the worker threads, if any (the ensemble can still be read, not advanced). */
  close(): void {
    this.runner?.close();
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
  try {
    let done = 0;
    for (let k = 1; k < problem.recordPoints; k++) {
      const target = Math.round((k * steps) / (problem.recordPoints - 1));
      ensemble.advance(target - done, dt);
      done = target;
      timeseries.push(ensemble.snapshot());
      reportProgress(k / (problem.recordPoints - 1));
    }
  } finally {
    ensemble.close();
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
