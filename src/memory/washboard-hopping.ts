import { randomStream, type RandomStream } from '../physics/rng.js';
import type { Schedule } from '../physics/schedules.js';
import { levelKinetics, type LevelKinetics } from './washboard.js';

/**
 * Kinetic Monte-Carlo of many washboard cells (spacing 1, `levels` wells
 * between walls) that share one barrier schedule E_b(t) but each carry their
 * own tilt F_i: the Monte-Carlo path of the learning-in-memory store.
 *
 * Why not runMonteCarlo: the Monte-Carlo engine runs one discrete model for
 * all replicas, while every LIM cell has its own gradient tilt. The rates here
 * are the same discrete (Kramers) model, computed in closed form for an
 * interior level of the tilted cosine (levelKinetics, equal to
 * buildDiscreteModel's rates; checked in test/learning/stores-physics.test.ts),
 * with reflecting ends (no transition out of level 0 or L-1).
 *
 * Time: steps of length h with the rates of lambda(t_{n+1}) held over the step
 * (the Monte-Carlo engine's convention); within a step the jumps are exact
 * (random time change with a unit-exponential budget per cell).
 *
 * Energetics (docs/physics.md §3): state energy E_k = U_min(E_b, F) - F k. A jump
 * k -> j releases Q = E_k - E_j; a protocol change at fixed k (barrier
 * schedule, or a new tilt via rebookEnergies) does W = E_k(new) - E_k(old).
 * So E_end - E_0 = W - Q per cell to round-off.
 */
export const HOPPING_BLOCK = 256;

export class WashboardHoppingEnsemble {
  readonly cells: number;
  readonly levels: number;
  readonly level: Int32Array;
  readonly initialLevel: Int32Array;
  readonly extraTilt: Float64Array;
  readonly work: Float64Array;
  readonly heat: Float64Array;
  /** E_k of each cell at the current protocol, kT. */
  readonly energy: Float64Array;
  readonly initialEnergy: Float64Array;
  /** Jumps made by each cell. */
  readonly jumps: Int32Array;
  private readonly rateUp: Float64Array;
  private readonly rateDown: Float64Array;
  private readonly minimumEnergy: Float64Array;
  private readonly minimumOffset: Float64Array;
  private readonly budget: Float64Array;
  /** Tilt and barrier the cached rates belong to. */
  private readonly cachedTilt: Float64Array;
  private cachedBarrier = NaN;
  private readonly streams: RandomStream[];
  private readonly kinetics: LevelKinetics = { minimumOffset: 0, minimumEnergy: 0, rateUp: 0, rateDown: 0 };
  time = 0;
  barrierHeight: number;

  constructor(
    initialLevel: Int32Array,
    levels: number,
    private barrierOf: Schedule,
    readonly friction: number,
    seed: number,
  ) {
    const n = (this.cells = initialLevel.length);
    this.levels = levels;
    this.level = Int32Array.from(initialLevel);
    this.initialLevel = Int32Array.from(initialLevel);
    this.extraTilt = new Float64Array(n);
    this.work = new Float64Array(n);
    this.heat = new Float64Array(n);
    this.energy = new Float64Array(n);
    this.jumps = new Int32Array(n);
    this.rateUp = new Float64Array(n);
    this.rateDown = new Float64Array(n);
    this.minimumEnergy = new Float64Array(n);
    this.minimumOffset = new Float64Array(n);
    this.budget = new Float64Array(n);
    this.cachedTilt = new Float64Array(n).fill(NaN);
    this.streams = Array.from({ length: Math.ceil(n / HOPPING_BLOCK) }, (_, b) => randomStream(seed, b, 'washboard-hopping'));
    this.barrierHeight = barrierOf(0);
    this.refreshRates(this.barrierHeight, false);
    for (let i = 0; i < n; i++) {
      this.budget[i] = this.streams[Math.floor(i / HOPPING_BLOCK)].exponential();
    }
    this.initialEnergy = Float64Array.from(this.energy);
  }

  /** Continuous coordinate of cell i: its level plus the offset of the tilted well's minimum. */
  position(i: number): number {
    return this.level[i] + this.minimumOffset[i];
  }

  /** Recompute rates and energies where the tilt or the barrier changed; book the work if `book`. */
  private refreshRates(barrier: number, book: boolean): void {
    const barrierChanged = barrier !== this.cachedBarrier;
    const k = this.kinetics;
    for (let i = 0; i < this.cells; i++) {
      const tilt = this.extraTilt[i];
      if (!barrierChanged && tilt === this.cachedTilt[i]) continue;
      levelKinetics(barrier, tilt, this.friction, k);
      this.rateUp[i] = k.rateUp;
      this.rateDown[i] = k.rateDown;
      this.minimumEnergy[i] = k.minimumEnergy;
      this.minimumOffset[i] = k.minimumOffset;
      this.cachedTilt[i] = tilt;
      const e = k.minimumEnergy - tilt * this.level[i];
      if (book) this.work[i] += e - this.energy[i];
      this.energy[i] = e;
    }
    this.cachedBarrier = barrier;
    this.barrierHeight = barrier;
  }

  /** Book the work of tilt changes made between segments (W += E_new - E_old at fixed level). */
  rebookEnergies(): void {
    this.refreshRates(this.barrierOf(this.time), true);
  }

  /**
   * Replace the barrier schedule (absolute time) from now on, booking the work
   * of any jump in E_b at the current time at fixed levels.
   */
  setBarrierSchedule(schedule: Schedule): void {
    this.barrierOf = schedule;
    this.refreshRates(schedule(this.time), true);
  }

  /** Advance `steps` protocol steps of length h. */
  advance(steps: number, h: number): void {
    const top = this.levels - 1;
    const { level, rateUp, rateDown, budget, heat, energy, minimumEnergy, extraTilt, jumps } = this;
    const start = this.time;
    for (let step = 0; step < steps; step++) {
      const tNext = start + (step + 1) * h;
      this.refreshRates(this.barrierOf(tNext), true);
      for (let block = 0, first = 0; first < this.cells; block++, first += HOPPING_BLOCK) {
        const rng = this.streams[block];
        const end = Math.min(first + HOPPING_BLOCK, this.cells);
        for (let i = first; i < end; i++) {
          let k = level[i];
          let remaining = h;
          let b = budget[i];
          for (;;) {
            const up = k < top ? rateUp[i] : 0;
            const down = k > 0 ? rateDown[i] : 0;
            const total = up + down;
            if (!(total > 0) || b > total * remaining) {
              b -= total * remaining;
              break;
            }
            remaining -= b / total;
            const next = rng.uniform() * total < up ? k + 1 : k - 1;
            const tilt = extraTilt[i];
            // E_k - E_next = -F k + F next.
            heat[i] += tilt * (next - k);
            k = next;
            jumps[i]++;
            b = rng.exponential();
          }
          budget[i] = b;
          if (k !== level[i]) {
            level[i] = k;
            energy[i] = minimumEnergy[i] - extraTilt[i] * k;
          }
        }
      }
      this.time = tNext;
    }
  }
}
