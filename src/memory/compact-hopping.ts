import { randomStream, type RandomStream } from '../physics/rng.js';
import type { Schedule } from '../physics/schedules.js';
import { levelKinetics, type LevelKinetics } from './washboard.js';
import { HOPPING_BLOCK, type LinearizedDrive } from './washboard-hopping.js';

/**
 * The washboard hopping ensemble of WashboardHoppingEnsemble (same discrete
 * Kramers model, same time convention, same random streams and draw order, so
 * the same level trajectories for a seed) in at most ~20 bytes per cell, for
 * the LIM store at 1e5 parameters (issue 11, Build 3: <= 64 B per cell).
 *
 * What a cell keeps for the whole run: its level (Uint16 up to 2^16 levels),
 * its unit-exponential budget (Float64: the exact random time change), its
 * state energy E_k (Float64: the work of the next protocol change is booked
 * against it) and a signed tilt code (Int16) into a shared LinearizedDrive
 * table, whose rates are the exact levelKinetics of the grid tilt. Cells given
 * a free tilt (the linear drive, `extraTilt` + rebookEnergies) add one Float64
 * tilt, allocated only when first used; their rates are recomputed by
 * levelKinetics each step instead of cached (the same numbers).
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

export class CompactHoppingEnsemble {
  readonly cells: number;
  readonly levels: number;
  readonly groupSize: number;
  readonly groups: number;
  readonly level: Uint16Array | Int32Array;
  private readonly heatSum: Float64Array;
  private readonly heatCarry: Float64Array;
  private readonly workSum: Float64Array;
  private readonly workCarry: Float64Array;
  /** Sum of E_k over each group's cells at the start, kT. */
  readonly initialEnergy: Float64Array;
  private readonly energy: Float64Array;
  private readonly budget: Float64Array;
  /** 0: free tilt (generalTilt, or 0 without it); +-(j + 1): grid tilt +-F_j of `table`. */
  private readonly code: Int16Array;
  private generalTilt: Float64Array | undefined;
  private table: LinearizedDrive | undefined;
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
    groupSize = initialLevel.length,
  ) {
    const n = (this.cells = initialLevel.length);
    if (!(groupSize > 0) || n % groupSize !== 0) throw new RangeError(`group size ${groupSize} does not divide ${n} cells`);
    this.levels = levels;
    this.groupSize = groupSize;
    this.groups = n / groupSize;
    this.level = levels <= 65_536 ? Uint16Array.from(initialLevel) : Int32Array.from(initialLevel);
    this.heatSum = new Float64Array(this.groups);
    this.heatCarry = new Float64Array(this.groups);
    this.workSum = new Float64Array(this.groups);
    this.workCarry = new Float64Array(this.groups);
    this.initialEnergy = new Float64Array(this.groups);
    this.energy = new Float64Array(n);
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
    for (let i = 0; i < this.cells; i++) addCompensated(out, carry, Math.floor(i / this.groupSize), this.energy[i]);
    for (let g = 0; g < this.groups; g++) out[g] += carry[g];
    return out;
  }

  /** Free tilts F_i (kT per level spacing); write them, then call rebookEnergies(). Allocated on first use. */
  get extraTilt(): Float64Array {
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
    levelKinetics(barrier, this.tiltOf(i), this.friction, k);
  }

  /** Continuous coordinate of cell i: its level plus the offset of the tilted well's minimum. */
  position(i: number): number {
    this.kineticsOf(i, this.barrierHeight, this.kinetics);
    return this.level[i] + this.kinetics.minimumOffset;
  }

  positions(out: Float64Array): void {
    for (let i = 0; i < this.cells; i++) out[i] = this.position(i);
  }

  /** Energies of every cell at `barrier` and its current tilt; the change is booked as work if `book`. */
  private rebookAll(barrier: number, book: boolean): void {
    const k = this.kinetics;
    const { energy, level, workSum, workCarry, groupSize } = this;
    for (let i = 0; i < this.cells; i++) {
      this.kineticsOf(i, barrier, k);
      const e = k.minimumEnergy - this.tiltOf(i) * level[i];
      if (book) addCompensated(workSum, workCarry, Math.floor(i / groupSize), e - energy[i]);
      energy[i] = e;
    }
    this.cachedBarrier = barrier;
    this.barrierHeight = barrier;
  }

  /** Grid tilts from LinearizedDrive.codeFor for every cell, booking their work at fixed level (W += E_new - E_old). */
  applyTiltCodes(drive: LinearizedDrive, codes: ArrayLike<number>): void {
    const barrier = this.barrierOf(this.time);
    if (barrier !== drive.barrier) throw new RangeError(`drive table at E_b = ${drive.barrier}, ensemble at ${barrier}`);
    if (drive.points > 32_767) throw new RangeError(`drive table of ${drive.points} points does not fit an Int16 code`);
    if (barrier !== this.cachedBarrier) this.rebookAll(barrier, true);
    this.table = drive;
    const { tilts, minimumEnergy } = drive;
    const { energy, level, workSum, workCarry, code, groupSize } = this;
    for (let i = 0; i < this.cells; i++) {
      const c = codes[i];
      const j = (c < 0 ? -c : c) - 1;
      const f = c < 0 ? -tilts[j] : tilts[j];
      code[i] = c;
      const e = minimumEnergy[j] - f * level[i];
      addCompensated(workSum, workCarry, Math.floor(i / groupSize), e - energy[i]);
      energy[i] = e;
    }
  }

  /** Every cell takes its free tilt from `extraTilt` (0 if never written); the work is booked at fixed level. */
  rebookEnergies(): void {
    this.code.fill(0);
    this.rebookAll(this.barrierOf(this.time), true);
  }

  /** Tilt off in every cell (booking the work at fixed level). */
  clearTilts(): void {
    this.generalTilt?.fill(0);
    this.rebookEnergies();
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
    const { level, budget, heatSum, heatCarry, energy, groupSize } = this;
    const k = this.kinetics;
    const start = this.time;
    for (let step = 0; step < steps; step++) {
      const tNext = start + (step + 1) * h;
      const barrier = this.barrierOf(tNext);
      if (barrier !== this.cachedBarrier) this.rebookAll(barrier, true);
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
            energy[i] = k.minimumEnergy - tilt * kk;
          }
        }
      }
      this.time = tNext;
    }
  }
}
