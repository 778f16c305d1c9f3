import { LangevinEnsemble, type Integrator } from '../../engines/langevin.js';
import type { Problem } from '../../engines/problem.js';
import { CompactHoppingEnsemble, levelIndexArray, type LevelIndexArray } from '../../memory/compact-hopping.js';
import type { RateModel } from '../../memory/discrete.js';
import { LinearizedDrive } from '../../memory/washboard-hopping.js';
import type { LimCalibration } from '../calibration.js';
import { kramersMobility, lifsonJacksonMobility } from '../../memory/washboard.js';
import type { PotentialSpec } from '../../physics/potentials.js';
import { randomStream } from '../../physics/rng.js';
import { BoltzmannSampler } from '../../physics/sampling.js';
import { compileSchedule, type ScheduleSpec } from '../../physics/schedules.js';
import { conventionalOverwriteBound, limBound, polygonNodes, type CopySnapshot, type LimBound } from '../lim-bound.js';
import { integratedMobility, type CompiledBarrierSchedule } from '../schedules.js';
import { meanOf } from './bit-words.js';
import { levelValue, nearestLevel, type HeatSplit, type LevelMap, type ParameterStore, type StoreBounds, type StoreRun } from './types.js';

export type LimEngine = 'langevin' | 'monte-carlo';

export interface LimStoreOptions {
  map: LevelMap;
  engine: LimEngine;
  /** Monte-Carlo hopping rates (docs/kinetics.md §1): exact (default) or Kramers'. */
  rates: RateModel;
  integrator: Integrator;
  /** kappa: tilt per unit gradient, F_i = -kappa dL/dw_i (kT per level spacing per (loss / parameter unit)). */
  tiltGain: number;
  /** Largest |F| applied (a drive limit), kT per level spacing; larger tilts are clipped. */
  maxTilt: number;
  /**
   * 'linear': F = -kappa g. 'linearized' (Monte-Carlo only): the tilt whose hopping drift is
   * r kappa g exactly (LinearizedDrive), capped below the critical tilt (docs/lim-calibration.md §3).
   */
  drive: 'linear' | 'linearized';
  /**
   * Linearized drive only: the last fraction of the updates runs the linear drive F = -kappa g
   * (capped below the critical tilt), whose hopping rates obey detailed balance on the levels at
   * temperature step / kappa, so each cell settles into its lower level before the barrier rises
   * (docs/lim-calibration.md §3). 0 = none.
   */
  annealFraction: number;
  /** Barrier of the settling phase (calibration.ts annealBarrier), kT. */
  settlingBarrier?: number;
  settlingTiltCap?: number;
  /** How kappa and the barrier were derived from the task, when they were (diagnostics). */
  calibration?: LimCalibration;
  barrier: CompiledBarrierSchedule;
  /** Langevin step, or the Monte-Carlo protocol step, during training. */
  dt: number;
  /** Wall stiffness of the cell during training (kT per level spacing^2). */
  wallStiffness: number;
  consolidation: {
    /** E_ret, kT. */
    barrier: number;
    /** Time of the barrier raise. */
    duration: number;
    dt: number;
    wallStiffness: number;
  };
  /** Exact level entropy (nats) of each parameter's initial distribution over the copies (a number: the same for all, no per-parameter array held). */
  initialLevelEntropy: Float64Array | number;
  /** Conventional-memory reference: E_ret of a digital memory following the same level path. */
  conventionalBarrier: number;
  path: string;
}

/** Level indices of every cell (Uint8 up to 256 levels, Uint16 up to 2^16: 1 or 2 bytes per cell). */
type LevelArray = LevelIndexArray;
const levelArray = levelIndexArray;

/** A Float32 copy of every cell's coordinate (the Langevin cells' snapshot). */
class Float32Snapshot implements CopySnapshot {
  readonly length: number;
  private readonly values: Float32Array;
  constructor(positions: ArrayLike<number>) {
    this.values = Float32Array.from(positions);
    this.length = this.values.length;
  }
  decode(out: Float32Array): void {
    out.set(this.values);
  }
}

/** A checkpoint whose coordinates the bound never reads (one copy: no leave-one-out estimate), kept as its size only. */
class UnkeptSnapshot implements CopySnapshot {
  constructor(readonly length: number) {}
  decode(): void {
    throw new Error('a snapshot of a single-copy run is never kept');
  }
}

/** Sum of a per-cell array over each copy (copy c holds cells c n .. c n + n - 1). */
function sumPerCopy(perCell: Float64Array, n: number, copies: number): Float64Array {
  const out = new Float64Array(copies);
  for (let i = 0; i < perCell.length; i++) out[Math.floor(i / n)] += perCell[i];
  return out;
}

/** What the LIM store needs from its cells, whichever engine moves them. */
interface LimCells {
  /** Continuous coordinate (levels) of every cell, and of cell i. */
  positions(out: Float64Array): void;
  position(i: number): number;
  /** Every cell's coordinate now, kept for the LIM bound. */
  snapshot(): CopySnapshot;
  levels(out: LevelArray | Int32Array): void;
  /** The cells' own level array, when they keep one (read-only; saves a copy). */
  liveLevels?(): LevelArray;
  /** Free tilts F_i = tiltOf(i) (called once per cell, in order), booking their work. */
  setTilts(tiltOf: (cell: number) => number): void;
  rebookEnergies(): void;
  /** Advance one update window. */
  advanceWindow(): void;
  /** Monte-Carlo only: set tabulated grid tilts (LinearizedDrive codes), booking their work. */
  applyTiltCodes?(drive: LinearizedDrive, codeOf: (cell: number) => number): void;
  /** Tilt off, then raise the barrier to E_ret. */
  consolidate(): void;
  /** Heat of the updates (up to the consolidation) and of the consolidation, per copy, kT. */
  updateHeatPerCopy(): Float64Array;
  consolidationHeatPerCopy(): Float64Array;
  /** Largest |dU - (W - Q)| over cells and phases, kT. */
  firstLawResidual(): number;
}

/** Rebook-free copy of positions into a fresh ensemble: U and the ledger start from the given coordinates. */
function placeCells(ensemble: LangevinEnsemble, positions: Float64Array): void {
  const pot = ensemble.potential;
  pot.setTime(ensemble.time);
  for (let i = 0; i < ensemble.replicas; i++) {
    const x = positions[i];
    const u = pot.energy(x, ensemble.extraTilt[i]);
    ensemble.position[i] = x;
    ensemble.energy[i] = u;
    ensemble.initialPosition[i] = x;
    ensemble.initialEnergy[i] = u;
  }
}

class LangevinCells implements LimCells {
  private readonly training: LangevinEnsemble;
  private consolidation: LangevinEnsemble | undefined;
  private readonly updateHeat: Float64Array;
  private readonly consolidationHeat: Float64Array;
  private readonly steps: number;
  private readonly stepSize: number;

  constructor(
    private readonly options: LimStoreOptions,
    initialLevels: Int32Array,
    private readonly interval: number,
    private readonly seed: number,
    private readonly parameters: number,
  ) {
    const cells = initialLevels.length;
    const problem: Problem = {
      potential: this.washboard(options.barrier.spec, options.wallStiffness),
      duration: interval,
      dt: options.dt,
      friction: 1,
      initial: { kind: 'fixed', x: 0 },
      replicas: cells,
      seed,
      recordPoints: 2,
    };
    this.training = new LangevinEnsemble(problem, { integrator: options.integrator });
    // Each cell starts in equilibrium inside the well of its initial level (zero tilt, barrier E_b(0)).
    const sampler = new BoltzmannSampler(this.training.potential, 0);
    const rng = randomStream(seed, 0, 'lim-initial');
    const x = Float64Array.from(initialLevels, (level) => sampler.sample(rng, level));
    placeCells(this.training, x);
    this.updateHeat = this.training.heat;
    this.consolidationHeat = new Float64Array(cells);
    this.steps = Math.max(1, Math.ceil(interval / options.dt - 1e-9));
    this.stepSize = interval / this.steps;
  }

  private washboard(barrierHeight: ScheduleSpec, wallStiffness: number): PotentialSpec {
    return { kind: 'washboard', barrierHeight, levels: this.options.map.levels, wallStiffness };
  }

  private get active(): LangevinEnsemble {
    return this.consolidation ?? this.training;
  }

  positions(out: Float64Array): void {
    out.set(this.active.position);
  }

  position(i: number): number {
    return this.active.position[i];
  }

  snapshot(): CopySnapshot {
    return new Float32Snapshot(this.active.position);
  }

  setTilts(tiltOf: (cell: number) => number): void {
    const tilt = this.training.extraTilt;
    for (let i = 0; i < tilt.length; i++) tilt[i] = tiltOf(i);
    this.training.rebookEnergies();
  }

  updateHeatPerCopy(): Float64Array {
    return sumPerCopy(this.updateHeat, this.parameters, this.updateHeat.length / this.parameters);
  }

  consolidationHeatPerCopy(): Float64Array {
    return sumPerCopy(this.consolidationHeat, this.parameters, this.consolidationHeat.length / this.parameters);
  }

  levels(out: LevelArray): void {
    const ensemble = this.active;
    for (let i = 0; i < ensemble.replicas; i++) out[i] = ensemble.potential.classify(ensemble.position[i]);
  }

  rebookEnergies(): void {
    this.training.rebookEnergies();
  }

  advanceWindow(): void {
    this.training.advance(this.steps, this.stepSize);
  }

  consolidate(): void {
    const training = this.training;
    training.extraTilt.fill(0);
    training.rebookEnergies();
    training.close();
    const c = this.options.consolidation;
    const startBarrier = this.options.barrier.barrierAt(training.time);
    const cells = training.replicas;
    const problem: Problem = {
      potential: this.washboard({ kind: 'linear', from: startBarrier, to: c.barrier, start: 0, end: c.duration }, c.wallStiffness),
      duration: c.duration,
      dt: c.dt,
      friction: 1,
      initial: { kind: 'fixed', x: 0 },
      replicas: cells,
      // A stream of its own: the consolidation must not replay the training's noise.
      seed: this.seed + 1_000_003,
      recordPoints: 2,
    };
    const ensemble = new LangevinEnsemble(problem, { integrator: this.options.integrator });
    // The walls stiffen at fixed x (no change for a cell inside its walls); the new ledger starts here.
    placeCells(ensemble, training.position);
    const steps = Math.max(1, Math.ceil(c.duration / c.dt - 1e-9));
    ensemble.advance(steps, c.duration / steps);
    ensemble.close();
    this.consolidation = ensemble;
    this.consolidationHeat.set(ensemble.heat);
  }

  firstLawResidual(): number {
    let worst = 0;
    const t = this.training;
    for (let i = 0; i < t.replicas; i++) worst = Math.max(worst, Math.abs(t.energy[i] - t.initialEnergy[i] - (t.work[i] - t.heat[i])));
    const c = this.consolidation;
    if (c) {
      for (let i = 0; i < c.replicas; i++) worst = Math.max(worst, Math.abs(c.energy[i] - c.initialEnergy[i] - (c.work[i] - c.heat[i])));
    }
    return worst;
  }
}

/**
 * Monte-Carlo cells: the compact hopping ensemble (src/memory/compact-hopping.ts), its ledger
 * summed per copy (one group = the N cells of one copy).
 */
class HoppingCells implements LimCells {
  private readonly ensemble: CompactHoppingEnsemble;
  private readonly steps: number;
  private readonly stepSize: number;
  private heatAtConsolidation: Float64Array | undefined;
  private readonly consolidationHeat: Float64Array;

  constructor(
    private readonly options: LimStoreOptions,
    initialLevels: Int32Array,
    interval: number,
    seed: number,
    parameters: number,
  ) {
    this.ensemble = new CompactHoppingEnsemble(initialLevels, options.map.levels, options.barrier.barrierAt, 1, seed, parameters, options.rates);
    this.consolidationHeat = new Float64Array(this.ensemble.groups);
    // A constant barrier keeps the rates constant over a window: one exact step suffices.
    const constant = typeof options.barrier.spec === 'number';
    this.steps = constant ? 1 : Math.max(1, Math.ceil(interval / options.dt - 1e-9));
    this.stepSize = interval / this.steps;
  }

  positions(out: Float64Array): void {
    this.ensemble.positions(out);
  }

  position(i: number): number {
    return this.ensemble.position(i);
  }

  snapshot(): CopySnapshot {
    return this.ensemble.snapshot();
  }

  levels(out: LevelArray): void {
    out.set(this.ensemble.level);
  }

  liveLevels(): LevelArray {
    return this.ensemble.level;
  }

  setTilts(tiltOf: (cell: number) => number): void {
    this.ensemble.setFreeTilts(tiltOf);
  }

  rebookEnergies(): void {
    this.ensemble.rebookEnergies();
  }

  applyTiltCodes(drive: LinearizedDrive, codeOf: (cell: number) => number): void {
    this.ensemble.applyTiltCodes(drive, codeOf);
  }

  advanceWindow(): void {
    this.ensemble.advance(this.steps, this.stepSize);
  }

  consolidate(): void {
    const e = this.ensemble;
    e.clearTilts();
    const heatBefore = Float64Array.from(e.heat);
    this.heatAtConsolidation = heatBefore;
    const c = this.options.consolidation;
    const start = e.time;
    const from = this.options.barrier.barrierAt(start);
    const ramp = compileSchedule({ kind: 'linear', from, to: c.barrier, start, end: start + c.duration });
    e.setBarrierSchedule(ramp);
    const steps = Math.max(1, Math.ceil(c.duration / c.dt - 1e-9));
    e.advance(steps, c.duration / steps);
    for (let g = 0; g < e.groups; g++) this.consolidationHeat[g] = e.heat[g] - heatBefore[g];
  }

  /** Update heat: the ledger up to the start of consolidation. */
  updateHeatPerCopy(): Float64Array {
    return Float64Array.from(this.heatAtConsolidation ?? this.ensemble.heat);
  }

  consolidationHeatPerCopy(): Float64Array {
    return Float64Array.from(this.consolidationHeat);
  }

  firstLawResidual(): number {
    return this.ensemble.firstLawResidual();
  }
}

/**
 * Learning-in-memory store (docs/physics.md §5, scheme 3): one washboard cell with
 * 2^n levels per parameter, w = w_min + step x (x the cell's continuous
 * coordinate during training, its level at the end). Update k applies the tilt
 * F_i = -kappa dL/dw_i (clipped to +-maxTilt) for one window Delta while the
 * barrier follows its schedule (which sets the learning rate); finish() turns
 * the tilt off and raises the barrier to E_ret (consolidation).
 *
 * Engines: 'langevin' (LangevinEnsemble, the continuous cell, through the
 * Problem interface; the consolidation runs in a second ensemble whose walls
 * are stiff enough for E_ret, the positions carried over) or 'monte-carlo'
 * (the discrete hopping model with per-cell tilts, exact rates by default).
 */
export class LimStore implements ParameterStore {
  readonly kind = 'lim' as const;
  private readonly cells: LimCells;
  private readonly n: number;
  private readonly copies: number;
  /**
   * Levels after and before the current window (the shadow digital memory's path). The
   * Monte-Carlo cells' own level array serves as "after"; levelScratch is allocated only for cells
   * that classify positions into levels (Langevin).
   */
  private levelScratch: LevelArray | undefined;
  private readonly levelBefore: LevelArray;
  /**
   * Copy-mean coordinate of each parameter at the last checkpoint, and the polygon length of its
   * path through all checkpoints so far (levels; summed in checkpoint order, as polygonLength does):
   * 16 B per parameter instead of 8 B per parameter per checkpoint.
   */
  private lastMean: Float64Array | undefined;
  private meanPathLength: Float64Array | undefined;
  /**
   * Every cell's coordinate at the checkpoints the LIM bound's polygon runs through (one copies x N
   * snapshot each; none at the others when the checkpoint count is known in advance, so at most
   * LIM_PATH_SEGMENTS + 1 snapshots are held): the bound's noise-free path estimate and its SE
   * need the copies. The values are Float32 (its 24-bit mantissa resolves 4e-3 level even at 2^16
   * levels); the Monte-Carlo cells keep them as level + tilt code (CellSnapshot: 3 B per cell up
   * to 256 levels, 1 B untilted), decoded to the same Float32 values. A single-copy run keeps
   * none (its bound has no leave-one-out estimate).
   */
  private readonly copySnapshots: (CopySnapshot | undefined)[] = [];
  private readonly snapshotAt: Set<number> | undefined;
  private checkpoints = 0;
  private clipped = 0;
  private tilts = 0;
  private maxAbsTilt = 0;
  /** Bit flips a digital memory would make to follow the same level path, per copy. */
  private readonly shadowFlips: Float64Array;
  private readonly shadowWordWrites: Float64Array;
  private finished = false;
  private readonly retentionHeat: Float64Array;

  constructor(
    readonly name: string,
    private readonly run: StoreRun,
    private readonly options: LimStoreOptions,
  ) {
    this.n = run.parameterCount;
    this.copies = run.copies;
    const initialLevels = Int32Array.from(run.initialParameters, (w) => nearestLevel(options.map, w));
    this.cells =
      options.engine === 'langevin'
        ? new LangevinCells(options, initialLevels, run.updateInterval, run.seed, this.n)
        : new HoppingCells(options, initialLevels, run.updateInterval, run.seed, this.n);
    this.levelBefore = levelArray(options.map.levels, initialLevels.length);
    this.levelBefore.set(initialLevels);
    this.snapshotAt = run.checkpoints !== undefined ? new Set(polygonNodes(run.checkpoints)) : undefined;
    this.shadowFlips = new Float64Array(run.copies);
    this.shadowWordWrites = new Float64Array(run.copies);
    this.retentionHeat = new Float64Array(run.copies);
  }

  read(out: Float64Array): void {
    this.cells.positions(out);
    const { min, step } = this.options.map;
    for (let i = 0; i < out.length; i++) out[i] = min + step * out[i];
  }

  private drive: LinearizedDrive | undefined;
  private driveRngStream: ReturnType<typeof randomStream> | undefined;
  private get driveRng(): ReturnType<typeof randomStream> {
    return (this.driveRngStream ??= randomStream(this.run.seed, 0, 'lim-drive'));
  }

  /** The drive table at the barrier at the start of window k, rebuilt only when the barrier changes. */
  private driveFor(index: number): LinearizedDrive {
    const barrier = this.options.barrier.barrierAt(index * this.run.updateInterval);
    if (!this.drive || this.drive.barrier !== barrier) this.drive = new LinearizedDrive(barrier, 1, 0.9, 2048, this.options.rates);
    return this.drive;
  }

  update(gradient: Float64Array, index: number): void {
    const { tiltGain, maxTilt } = this.options;
    const annealing = this.options.drive === 'linearized' && index >= Math.ceil((1 - this.options.annealFraction) * this.run.updates);
    if (annealing) {
      const cap = Math.min(this.driveFor(index).maxTilt, this.options.settlingTiltCap ?? Infinity);
      this.cells.setTilts((i) => {
        let f = -tiltGain * gradient[i];
        this.maxAbsTilt = Math.max(this.maxAbsTilt, Math.abs(f));
        if (Math.abs(f) > cap) {
          f = f > 0 ? cap : -cap;
          this.clipped++;
        }
        return f;
      });
    } else if (this.options.drive === 'linearized' && this.cells.applyTiltCodes) {
      // Tabulated grid tilts (a drive with drive.points levels), stochastically rounded so the mean drift is exact.
      const drive = this.driveFor(index);
      const gain = drive.mobility * tiltGain;
      const cellCount = this.n * this.copies;
      const rng = this.driveRng;
      let largest = 0;
      // Codes drawn cell by cell in order as the cells take them (no per-cell code buffer).
      this.cells.applyTiltCodes(drive, (i) => {
        const target = -gain * gradient[i];
        const a = Math.abs(target);
        if (a > largest) largest = a;
        if (a > drive.maxDrift) this.clipped++;
        return drive.codeFor(target, rng.uniform());
      });
      this.maxAbsTilt = Math.max(this.maxAbsTilt, largest / drive.mobility);
      this.tilts += cellCount;
      this.afterWindow();
      return;
    } else {
      this.cells.setTilts((i) => {
        let f = -tiltGain * gradient[i];
        this.maxAbsTilt = Math.max(this.maxAbsTilt, Math.abs(f));
        if (f > maxTilt) {
          f = maxTilt;
          this.clipped++;
        } else if (f < -maxTilt) {
          f = -maxTilt;
          this.clipped++;
        }
        return f;
      });
    }
    this.tilts += this.n * this.copies;
    this.afterWindow();
  }

  /** Run the window, then count what a digital memory would write to follow the level path. */
  private afterWindow(): void {
    this.cells.advanceWindow();
    // What a conventional n-bit memory would have to write to follow this level path.
    const levelNow = this.currentLevels();
    for (let i = 0; i < levelNow.length; i++) {
      let diff = levelNow[i] ^ this.levelBefore[i];
      if (diff === 0) continue;
      const copy = Math.floor(i / this.n);
      this.shadowWordWrites[copy]++;
      while (diff !== 0) {
        this.shadowFlips[copy] += diff & 1;
        diff >>>= 1;
      }
    }
    this.levelBefore.set(levelNow);
  }

  /** Every cell's level now: the cells' own array when they keep one, else classified into a scratch array. */
  private currentLevels(): LevelArray {
    const live = this.cells.liveLevels?.();
    if (live) return live;
    const scratch = (this.levelScratch ??= levelArray(this.options.map.levels, this.n * this.copies));
    this.cells.levels(scratch);
    return scratch;
  }

  checkpoint(): void {
    const first = !this.lastMean;
    const last = (this.lastMean ??= new Float64Array(this.n));
    const length = (this.meanPathLength ??= new Float64Array(this.n));
    for (let p = 0; p < this.n; p++) {
      let sum = 0;
      for (let c = 0; c < this.copies; c++) sum += this.cells.position(c * this.n + p);
      const mean = sum / this.copies;
      if (!first) length[p] += Math.abs(mean - last[p]);
      last[p] = mean;
    }
    const keep = !this.snapshotAt || this.snapshotAt.has(this.checkpoints);
    const cells = this.n * this.copies;
    this.copySnapshots.push(!keep ? undefined : this.copies < 2 ? new UnkeptSnapshot(cells) : this.cells.snapshot());
    this.checkpoints++;
  }

  finish(): void {
    if (this.finished) return;
    this.cells.consolidate();
    this.finished = true;
  }

  readFinal(out: Float64Array): void {
    const levels = this.currentLevels();
    for (let i = 0; i < out.length; i++) out[i] = levelValue(this.options.map, levels[i]);
  }

  cumulativeHeat(out: Float64Array): void {
    const update = this.cells.updateHeatPerCopy();
    const consolidation = this.cells.consolidationHeatPerCopy();
    for (let c = 0; c < out.length; c++) out[c] = update[c] + consolidation[c];
  }

  heat(): HeatSplit {
    return {
      update: this.cells.updateHeatPerCopy(),
      consolidation: this.cells.consolidationHeatPerCopy(),
      retention: this.retentionHeat,
    };
  }

  /**
   * The mobility that bounds the dynamics: exact (Lifson-Jackson) for the continuous cell and for
   * the hopping cell with exact rates (its zero-tilt rate, and its drift is the continuous one's), Kramers for Kramers hopping.
   */
  private boundMobility(barrier: number): number {
    return this.options.engine === 'langevin' || this.options.rates === 'exact' ? lifsonJacksonMobility(barrier) : kramersMobility(barrier);
  }

  limBound(): LimBound {
    const duration = this.run.updates * this.run.updateInterval;
    const budget = integratedMobility(this.options.barrier.barrierAt, (e) => this.boundMobility(e), duration);
    const finalLevels = Int32Array.from(this.currentLevels());
    return limBound({
      copyMeanPathLengths: this.meanPathLength ?? new Float64Array(this.n),
      // Snapshots kept for a different checkpoint count (a run cut short) do not fit its polygon: copy-mean estimator then.
      ...(this.snapshotAt && this.checkpoints !== this.run.checkpoints ? {} : { copySnapshots: this.copySnapshots }),
      seed: this.run.seed,
      checkpoints: this.checkpoints,
      parameterCount: this.n,
      mobilityBudget: budget,
      initialLevelEntropy:
        typeof this.options.initialLevelEntropy === 'number'
          ? new Float64Array(this.n).fill(this.options.initialLevelEntropy)
          : this.options.initialLevelEntropy,
      finalLevels,
      copies: this.copies,
      bits: this.options.map.bits,
      ...(this.options.engine === 'langevin'
        ? { wellBarriers: { initial: this.options.barrier.barrierAt(0), final: this.options.consolidation.barrier } }
        : {}),
    });
  }

  diagnostics(): Record<string, unknown> {
    const o = this.options;
    const duration = this.run.updates * this.run.updateInterval;
    const b = o.barrier;
    return {
      engine: o.engine,
      ...(o.engine === 'monte-carlo' ? { rates: o.rates } : {}),
      bits: o.map.bits,
      levels: o.map.levels,
      range: [o.map.min, o.map.max],
      step: o.map.step,
      tiltGain: o.tiltGain,
      drive: o.drive,
      annealFraction: o.annealFraction,
      ...(o.settlingBarrier !== undefined ? { settlingBarrier: o.settlingBarrier, settlingTiltCap: o.settlingTiltCap } : {}),
      maxTilt: o.drive === 'linearized' && this.drive ? this.drive.maxTilt : o.maxTilt,
      ...(o.calibration ? { calibration: o.calibration } : {}),
      largestTiltAsked: this.maxAbsTilt,
      clippedTiltFraction: this.tilts ? this.clipped / this.tilts : 0,
      barrier: { start: b.barrierAt(0), end: b.barrierAt(duration), retention: o.consolidation.barrier },
      learningRate: {
        note: 'linear response: eta = step mu(E_b) kappa Delta per update, mu from the schedule mobility model',
        mobility: b.mobility,
        start: b.learningRateAt(0),
        end: b.learningRateAt(duration),
      },
      slidingLearningRate: {
        note: 'step kappa Delta / gamma: the GD step when a large tilt removes the barrier (free sliding); above 2 / lambda_max(H) large gradients overshoot',
        value: o.map.step * o.tiltGain * this.run.updateInterval,
        // The linearized drive never tilts beyond 0.9 of the critical tilt pi E_b: no cell can slide.
        applies: o.drive !== 'linearized',
      },
      mobility: {
        kramersStart: kramersMobility(b.barrierAt(0)),
        lifsonJacksonStart: lifsonJacksonMobility(b.barrierAt(0)),
      },
      consolidation: o.consolidation,
      firstLawResidual: this.cells.firstLawResidual(),
      retention: {
        note: `no hold after consolidation is simulated (retention heat 0); a consolidated cell leaves its level at the rate 2 r(E_ret) (${o.engine === 'langevin' || o.rates === 'exact' ? 'exact' : 'Kramers'})`,
        leakRatePerCell: 2 * this.boundMobility(o.consolidation.barrier),
      },
      shadowDigitalFlipsPerCopy: meanOf(this.shadowFlips),
    };
  }

  bounds(): StoreBounds {
    const bound = this.limBound();
    return {
      applicable: bound.total,
      applicableName: 'LIM bound: drag of the ensemble-mean parameter paths (2 l asinh(l/2R), leave-one-out estimate) + Clausius information term',
      lim: bound,
      conventionalEstimate: meanOf(this.shadowFlips) * this.options.conventionalBarrier,
      conventionalEstimateName: `E_ret (${this.options.conventionalBarrier} kT) per bit flip a digital n-bit memory needs to follow the same level path`,
      conventionalLandauer: conventionalOverwriteBound(meanOf(this.shadowWordWrites), this.options.map.bits),
    };
  }

  systematicHeatSe(): number {
    return 0;
  }
}
