import { randomStream, type RandomStream } from '../physics/rng.js';
import type { Schedule } from '../physics/schedules.js';
import type { RateModel } from './discrete.js';
import { levelKineticsFor } from './exact-level-kinetics.js';
import { levelKinetics, type LevelKinetics } from './washboard.js';
import { HOPPING_BLOCK, type LinearizedDrive } from './washboard-hopping.js';

/**
 * The washboard hopping ensemble of WashboardHoppingEnsemble (same discrete
 * model and rate model, exact by default, same time convention, same random streams and draw order, so the same
 * level trajectories for a seed) in 12 bytes per cell, for the LIM store at
 * 1e5 parameters (issue 11, Build 3: <= 64 B per cell for the whole run).
 *
 * What a cell keeps for the whole run: its level (Uint8 up to 256 levels,
 * Uint16 up to 2^16), its unit-exponential budget (Float64: the exact random
 * time change) and a signed tilt code (Int16) into a shared LinearizedDrive
 * table, whose rates are the exact levelKinetics of the grid tilt. Its state
 * energy E_k = U_min(E_b, F) - F k is a function of (level, tilt, barrier), so
 * it is recomputed (the same arithmetic, so the same bits) wherever the old
 * value is booked against a new one, instead of stored: every change of tilt
 * goes through a method that still knows the old one (applyTiltCodes,
 * setFreeTilts, clearTilts). Cells given a free tilt add one Float64 tilt,
 * allocated on first use; their rates are recomputed by levelKinetics each step
 * instead of cached (the same numbers). Writing tilts through the `extraTilt`
 * array (then rebookEnergies) loses the old tilt, so that path stores E_k
 * (8 B more per cell) from its first use on.
 *
 * Ledger per group (a group = one copy of the model, `groupSize` consecutive
 * cells), not per cell: the LIM store only ever reads copy totals. A jump
 * k -> j releases Q = E_k - E_j = F (j - k); a protocol change at fixed k does
 * W = E_k(new) - E_k(old); so sum_i (E_end - E_0) = W - Q per group to
 * round-off (firstLawResidual). The group sums are compensated (Neumaier), so
 * they carry no more round-off than a sum of per-cell ledgers would: 1e5 cells
 * x 1e3 updates of O(1e6) kT totals would otherwise lose ~1e-5 kT.
 */
/** Neumaier-compensated sum kept in two arrays: total = sum[g] + carry[g]. */
function addCompensated(sum: Float64Array, carry: Float64Array, g: number, x: number): void {
  const s = sum[g];
  const t = s + x;
  carry[g] += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
  sum[g] = t;
}

/** Level indices: Uint8 up to 256 levels, Uint16 up to 2^16, else Int32. */
export type LevelIndexArray = Uint8Array | Uint16Array | Int32Array;

export function levelIndexArray(levels: number, cells: number): LevelIndexArray {
  return levels <= 256 ? new Uint8Array(cells) : levels <= 65_536 ? new Uint16Array(cells) : new Int32Array(cells);
}

/**
 * Every cell's continuous coordinate at one instant, as the Float32 values
 * Float32Array.from(positions) would hold, decoded on demand. While all cells
 * carry grid tilts (or none), the coordinate level + x_m(tilt) is a function of
 * the level and the tilt code, so those are kept (3 B per cell up to 256
 * levels, 1 B when no cell is tilted) and decoded with the same arithmetic as
 * CompactHoppingEnsemble.position: the decoded values are bit-identical to a
 * Float32 copy of the positions. With free tilts the Float32 copy is kept.
 */
export class CellSnapshot {
  constructor(
    readonly length: number,
    private readonly coordinates: Float32Array | null,
    private readonly level: LevelIndexArray | null,
    private readonly code: Int16Array | null,
    private readonly table: LinearizedDrive | undefined,
    private readonly barrier: number,
    private readonly friction: number,
  ) {}

  /** Typed-array bytes this snapshot holds. */
  get byteLength(): number {
    return (this.coordinates?.byteLength ?? 0) + (this.level?.byteLength ?? 0) + (this.code?.byteLength ?? 0);
  }

  decode(out: Float32Array): void {
    if (this.coordinates) {
      out.set(this.coordinates);
      return;
    }
    const level = this.level!;
    const code = this.code;
    const t = this.table;
    const k: LevelKinetics = { minimumOffset: 0, minimumEnergy: 0, rateUp: 0, rateDown: 0 };
    const untilted = levelKinetics(this.barrier, 0, this.friction, k).minimumOffset;
    const tabulated = t !== undefined && this.barrier === t.barrier;
    for (let i = 0; i < this.length; i++) {
      const c = code ? code[i] : 0;
      let offset: number;
      if (c === 0) offset = untilted;
      else {
        const j = (c < 0 ? -c : c) - 1;
        if (tabulated) offset = c < 0 ? -t.minimumOffset[j] : t.minimumOffset[j];
        else offset = levelKinetics(this.barrier, c < 0 ? -t!.tilts[j] : t!.tilts[j], this.friction, k).minimumOffset;
      }
      out[i] = level[i] + offset;
    }
  }
}

export class CompactHoppingEnsemble {
  readonly cells: number;
  readonly levels: number;
  readonly groupSize: number;
  readonly groups: number;
  readonly level: LevelIndexArray;
  private readonly heatSum: Float64Array;
  private readonly heatCarry: Float64Array;
  private readonly workSum: Float64Array;
  private readonly workCarry: Float64Array;
  /** Sum of E_k over each group's cells at the start, kT. */
  readonly initialEnergy: Float64Array;
  /** E_k of every cell, kept only once tilts have been written through `extraTilt` (else recomputed). */
  private storedEnergy: Float64Array | undefined;
  private readonly budget: Float64Array;
  /** 0: free tilt (generalTilt, or 0 without it); +-(j + 1): grid tilt +-F_j of `table`. */
  private readonly code: Int16Array;
  private generalTilt: Float64Array | undefined;
  private table: LinearizedDrive | undefined;
  /** The barrier every cell's current E_k belongs to. */
  private cachedBarrier = NaN;
  private readonly streams: RandomStream[];
  private readonly kinetics: LevelKinetics = { minimumOffset: 0, minimumEnergy: 0, rateUp: 0, rateDown: 0 };
  /** Kinetics of a free tilt under the rate model. */
  private readonly levelKinetics: ReturnType<typeof levelKineticsFor>;
  time = 0;
  barrierHeight: number;

  constructor(
    initialLevel: Int32Array,
    levels: number,
    private barrierOf: Schedule,
    readonly friction: number,
    seed: number,
    groupSize = initialLevel.length,
    readonly rates: RateModel = 'exact',
  ) {
    const n = (this.cells = initialLevel.length);
    this.levelKinetics = levelKineticsFor(rates);
    if (!(groupSize > 0) || n % groupSize !== 0) throw new RangeError(`group size ${groupSize} does not divide ${n} cells`);
    this.levels = levels;
    this.groupSize = groupSize;
    this.groups = n / groupSize;
    this.level = levelIndexArray(levels, n);
    this.level.set(initialLevel);
    this.heatSum = new Float64Array(this.groups);
    this.heatCarry = new Float64Array(this.groups);
    this.workSum = new Float64Array(this.groups);
    this.workCarry = new Float64Array(this.groups);
    this.initialEnergy = new Float64Array(this.groups);
    this.budget = new Float64Array(n);
    this.code = new Int16Array(n);
    this.streams = Array.from({ length: Math.ceil(n / HOPPING_BLOCK) }, (_, b) => randomStream(seed, b, 'washboard-hopping'));
    this.barrierHeight = barrierOf(0);
    this.rebookAll(this.barrierHeight, false);
    for (let i = 0; i < n; i++) this.budget[i] = this.streams[Math.floor(i / HOPPING_BLOCK)].exponential();
    this.initialEnergy.set(this.energySums());
  }

  /** Heat released by each group's cells so far, kT. */
  get heat(): Float64Array {
    return Float64Array.from(this.heatSum, (s, g) => s + this.heatCarry[g]);
  }

  /** Work done on each group's cells so far, kT. */
  get work(): Float64Array {
    return Float64Array.from(this.workSum, (s, g) => s + this.workCarry[g]);
  }

  /** Sum of the current E_k over each group's cells (compensated), kT. */
  private energySums(): Float64Array {
    const out = new Float64Array(this.groups);
    const carry = new Float64Array(this.groups);
    for (let i = 0; i < this.cells; i++) addCompensated(out, carry, Math.floor(i / this.groupSize), this.energyOf(i));
    for (let g = 0; g < this.groups; g++) out[g] += carry[g];
    return out;
  }

  /** E_k of cell i at `barrier` and its current tilt (the kinetics land in this.kinetics). */
  private energyAt(i: number, barrier: number): number {
    const k = this.kinetics;
    this.kineticsOf(i, barrier, k);
    return k.minimumEnergy - this.tiltOf(i) * this.level[i];
  }

  /** Current E_k of cell i: stored, or recomputed at the barrier it was last booked at. */
  private energyOf(i: number): number {
    return this.storedEnergy ? this.storedEnergy[i] : this.energyAt(i, this.cachedBarrier);
  }

  /**
   * Free tilts F_i (kT per level spacing); write them, then call rebookEnergies(). Allocated on
   * first use; from then on E_k is stored (a write here overwrites the old tilt it was booked with).
   */
  get extraTilt(): Float64Array {
    if (!this.storedEnergy) {
      const stored = new Float64Array(this.cells);
      for (let i = 0; i < this.cells; i++) stored[i] = this.energyOf(i);
      this.storedEnergy = stored;
    }
    return (this.generalTilt ??= new Float64Array(this.cells));
  }

  /** Tilt of cell i. */
  private tiltOf(i: number): number {
    const c = this.code[i];
    if (c !== 0) {
      const f = this.table!.tilts[(c < 0 ? -c : c) - 1];
      return c < 0 ? -f : f;
    }
    return this.generalTilt ? this.generalTilt[i] : 0;
  }

  /** Kinetics of cell i at `barrier` into `k`: the table's (mirrored for negative codes) at its barrier, else levelKinetics. */
  private kineticsOf(i: number, barrier: number, k: LevelKinetics): void {
    const c = this.code[i];
    const t = this.table;
    if (c !== 0 && t && barrier === t.barrier) {
      const j = (c < 0 ? -c : c) - 1;
      // Mirror symmetry of the tilted cosine: k_up(-F) = k_down(F), x_m(-F) = -x_m(F), U_min(-F) = U_min(F).
      k.rateUp = c < 0 ? t.rateDown[j] : t.rateUp[j];
      k.rateDown = c < 0 ? t.rateUp[j] : t.rateDown[j];
      k.minimumOffset = c < 0 ? -t.minimumOffset[j] : t.minimumOffset[j];
      k.minimumEnergy = t.minimumEnergy[j];
      return;
    }
    this.levelKinetics(barrier, this.tiltOf(i), this.friction, k);
  }

  /** Continuous coordinate of cell i: its level plus the offset of the tilted well's minimum. */
  position(i: number): number {
    this.kineticsOf(i, this.barrierHeight, this.kinetics);
    return this.level[i] + this.kinetics.minimumOffset;
  }

  positions(out: Float64Array): void {
    for (let i = 0; i < this.cells; i++) out[i] = this.position(i);
  }

  /** The coordinates of every cell now, in the smallest exact form (CellSnapshot). */
  snapshot(): CellSnapshot {
    const free = this.generalTilt?.some((f) => f !== 0) ?? false;
    if (free) {
      const coordinates = new Float32Array(this.cells);
      for (let i = 0; i < this.cells; i++) coordinates[i] = this.position(i);
      return new CellSnapshot(this.cells, coordinates, null, null, undefined, this.barrierHeight, this.friction);
    }
    const level = this.level.slice();
    const coded = this.code.some((c) => c !== 0);
    return new CellSnapshot(this.cells, null, level, coded ? this.code.slice() : null, this.table, this.barrierHeight, this.friction);
  }

  /** Energies of every cell at `barrier` and its current tilt; the change is booked as work if `book`. */
  private rebookAll(barrier: number, book: boolean): void {
    const { level, workSum, workCarry, groupSize, storedEnergy } = this;
    const k = this.kinetics;
    for (let i = 0; i < this.cells; i++) {
      const old = book ? this.energyOf(i) : 0;
      this.kineticsOf(i, barrier, k);
      const e = k.minimumEnergy - this.tiltOf(i) * level[i];
      if (book) addCompensated(workSum, workCarry, Math.floor(i / groupSize), e - old);
      if (storedEnergy) storedEnergy[i] = e;
    }
    this.cachedBarrier = barrier;
    this.barrierHeight = barrier;
  }

  /**
   * Grid tilts from LinearizedDrive.codeFor for every cell (an array, or a function of the cell
   * index called once per cell in order), booking their work at fixed level (W += E_new - E_old).
   */
  applyTiltCodes(drive: LinearizedDrive, codes: ArrayLike<number> | ((cell: number) => number)): void {
    const barrier = this.barrierOf(this.time);
    if (barrier !== drive.barrier) throw new RangeError(`drive table at E_b = ${drive.barrier}, ensemble at ${barrier}`);
    if (drive.rates !== this.rates) throw new RangeError(`drive table with ${drive.rates} rates, ensemble with ${this.rates}`);
    if (drive.points > 32_767) throw new RangeError(`drive table of ${drive.points} points does not fit an Int16 code`);
    if (barrier !== this.cachedBarrier) this.rebookAll(barrier, true);
    const codeOf = typeof codes === 'function' ? codes : (i: number) => codes[i];
    const { tilts, minimumEnergy } = drive;
    const { level, workSum, workCarry, code, groupSize, storedEnergy } = this;
    // The old table at the current barrier: a coded cell's old E_k is read from it directly (energyAt's arithmetic).
    const previous = this.table && this.table.barrier === this.cachedBarrier ? this.table : undefined;
    for (let i = 0; i < this.cells; i++) {
      // The old E_k (with the old table and code), then the new one.
      const was = code[i];
      let old: number;
      if (!storedEnergy && previous && was !== 0) {
        const j = (was < 0 ? -was : was) - 1;
        old = previous.minimumEnergy[j] - (was < 0 ? -previous.tilts[j] : previous.tilts[j]) * level[i];
      } else old = this.energyOf(i);
      const c = codeOf(i);
      const j = (c < 0 ? -c : c) - 1;
      const f = c < 0 ? -tilts[j] : tilts[j];
      code[i] = c;
      const e = minimumEnergy[j] - f * level[i];
      addCompensated(workSum, workCarry, Math.floor(i / groupSize), e - old);
      if (storedEnergy) storedEnergy[i] = e;
    }
    this.table = drive;
  }

  /**
   * Set every cell's free tilt (no grid code) to tiltOf(i) (called once per cell in order, or 0
   * for all without it), booking the work at fixed level: E_k(new tilt, E_b(now)) - E_k(old).
   */
  setFreeTilts(tiltOf?: (cell: number) => number): void {
    const barrier = this.barrierOf(this.time);
    const general = tiltOf ? (this.generalTilt ??= new Float64Array(this.cells)) : this.generalTilt;
    const { level, workSum, workCarry, code, groupSize, storedEnergy } = this;
    const k = this.kinetics;
    for (let i = 0; i < this.cells; i++) {
      const old = this.energyOf(i);
      code[i] = 0;
      if (general) general[i] = tiltOf ? tiltOf(i) : 0;
      this.kineticsOf(i, barrier, k);
      const e = k.minimumEnergy - this.tiltOf(i) * level[i];
      addCompensated(workSum, workCarry, Math.floor(i / groupSize), e - old);
      if (storedEnergy) storedEnergy[i] = e;
    }
    this.cachedBarrier = barrier;
    this.barrierHeight = barrier;
  }

  /** Every cell takes its free tilt from `extraTilt` (0 if never written); the work is booked at fixed level. */
  rebookEnergies(): void {
    if (!this.storedEnergy) {
      // Nothing was written through extraTilt (it would have stored E_k): the free tilts stand.
      this.setFreeTilts(this.generalTilt ? (i) => this.generalTilt![i] : undefined);
      return;
    }
    this.code.fill(0);
    this.rebookAll(this.barrierOf(this.time), true);
  }

  /** Tilt off in every cell (booking the work at fixed level). */
  clearTilts(): void {
    this.setFreeTilts();
  }

  /** Replace the barrier schedule (absolute time) from now on, booking the work of any jump in E_b now. */
  setBarrierSchedule(schedule: Schedule): void {
    this.barrierOf = schedule;
    this.rebookAll(schedule(this.time), true);
  }

  /** Largest |sum_i (E_i - E_i(0)) - (W - Q)| over the groups, kT. */
  firstLawResidual(): number {
    let worst = 0;
    const energy = this.energySums();
    const { heat, work } = this;
    for (let g = 0; g < this.groups; g++) worst = Math.max(worst, Math.abs(energy[g] - this.initialEnergy[g] - (work[g] - heat[g])));
    return worst;
  }

  /** Advance `steps` protocol steps of length h (rates of the barrier at the step's end, WashboardHoppingEnsemble.advance). */
  advance(steps: number, h: number): void {
    const top = this.levels - 1;
    const { level, budget, heatSum, heatCarry, groupSize } = this;
    const k = this.kinetics;
    const start = this.time;
    for (let step = 0; step < steps; step++) {
      const tNext = start + (step + 1) * h;
      const barrier = this.barrierOf(tNext);
      if (barrier !== this.cachedBarrier) this.rebookAll(barrier, true);
      const storedEnergy = this.storedEnergy;
      for (let block = 0, first = 0; first < this.cells; block++, first += HOPPING_BLOCK) {
        const rng = this.streams[block];
        const end = Math.min(first + HOPPING_BLOCK, this.cells);
        for (let i = first; i < end; i++) {
          this.kineticsOf(i, barrier, k);
          const rateUp = k.rateUp;
          const rateDown = k.rateDown;
          const tilt = this.tiltOf(i);
          let kk = level[i];
          let remaining = h;
          let b = budget[i];
          let q = 0;
          for (;;) {
            const up = kk < top ? rateUp : 0;
            const down = kk > 0 ? rateDown : 0;
            const total = up + down;
            if (!(total > 0) || b > total * remaining) {
              b -= total * remaining;
              break;
            }
            remaining -= b / total;
            const next = rng.uniform() * total < up ? kk + 1 : kk - 1;
            // E_k - E_next = -F k + F next.
            q += tilt * (next - kk);
            kk = next;
            b = rng.exponential();
          }
          budget[i] = b;
          if (q !== 0) addCompensated(heatSum, heatCarry, Math.floor(i / groupSize), q);
          if (kk !== level[i]) {
            level[i] = kk;
            // Without stored energies E_k is recomputed from the new level when next booked.
            if (storedEnergy) storedEnergy[i] = k.minimumEnergy - tilt * kk;
          }
        }
      }
      this.time = tNext;
    }
  }
}
