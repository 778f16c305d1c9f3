import {
  buildDiscreteModel,
  initialProbabilities,
  protocolSteps,
  recordSteps,
  validateDiscreteProblem,
  type DiscreteModel,
  type DiscreteProblem,
} from '../memory/discrete.js';
import { reportProgress } from './progress-hook.js';
import { EXPONENTIAL_NEXT_EDGE, EXPONENTIAL_SCALE, exponentialSlowPath, randomStream, type Xoshiro128Stream } from '../physics/rng.js';
import { estimateMean } from '../thermo/statistics.js';
import type { EngineResult, TimeseriesPoint } from './problem.js';

/**
 * Kinetic Monte-Carlo engine for discrete-state memories (docs/physics.md §2-3).
 *
 * Time dependence. The protocol runs on the grid of protocolSteps(): during
 * step n the rates are those of lambda(t_{n+1}), constant within the step
 * (the same piecewise-constant rates as the master-equation engine, so the
 * two agree exactly in expectation; both converge to the continuous protocol
 * as dt -> 0).
 *
 * Sampling: the random time change (integrated hazard) form of Gillespie's
 * algorithm, exact for piecewise-constant rates. Each replica carries a unit
 * exponential budget; it leaves state s when the integrated escape rate
 * H_s(t) = int R_s dt, accumulated since it entered s, reaches the budget.
 * The jump time inside a step is solved exactly, the destination drawn with
 * probability k_{s->j} / R_s, and a fresh budget drawn (Xoshiro128Stream.
 * exponential: a ziggurat, no logarithm on its fast path). This is the same law
 * as Gillespie with "discard a waiting time that overshoots the step and redraw"
 * (memorylessness), but needs no random numbers while nothing happens: H_s(t)
 * is one clock per state shared by all replicas, each replica stores its
 * target level of that clock, and a calendar queue per state (buckets on that
 * state's clock, which is monotone whatever the protocol does) hands each step
 * only the replicas whose target is passed, visited in replica order. So the
 * cost is O(states + buckets passed) per step plus O(1) per event, not
 * O(replicas) per step; steps where most replicas are due scan them all.
 *
 * Energetics (docs/physics.md §3): a jump i -> j releases heat Q = E_i - E_j; a
 * protocol change at fixed state does work W = E_i(new) - E_i(old). Work is
 * booked lazily: a replica's W is brought up to date (telescoping sum of the
 * per-step changes of its state's energy) at each of its jumps and at the end,
 * so U_end - U_0 = W - Q per trajectory to round-off.
 *
 * Random streams: randomStream(seed, block, 'monte-carlo') per block of
 * MONTE_CARLO_BLOCK replicas, each block drawing in a fixed order, so results
 * do not depend on how blocks are distributed over workers.
 */

/** Replicas per random stream (fixed: results must not depend on worker count). */
export const MONTE_CARLO_BLOCK = 1024;
/** Clock units spanned by the calendar queue's window (targets beyond wait in an overflow list). */
const QUEUE_WINDOW = 32;
/** 2^-53: the scale of a 53-bit uniform (rng.ts, Xoshiro128Stream.uniform). */
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

export type MonteCarloProblem = DiscreteProblem;

export interface MonteCarloOptions {
  /** Largest state space accepted (default DEFAULT_MAX_STATES). */
  maxStates?: number;
}

export interface MonteCarloResult extends EngineResult {
  engine: 'monte-carlo';
  trajectories: NonNullable<EngineResult['trajectories']> & {
    initialState: Int32Array;
    /** Jumps made by each trajectory. */
    jumpCount: Int32Array;
    /** Time of each trajectory's first jump (Infinity if none): the first-passage time out of its initial state. */
    firstJumpTime: Float64Array;
  };
  /** Total number of jumps over all replicas. */
  events: number;
}

/** Index of the state whose cumulative probability first exceeds u. */
function sampleState(cumulative: Float64Array, u: number): number {
  const last = cumulative.length - 1;
  for (let i = 0; i < last; i++) if (u < cumulative[i]) return i;
  return last;
}

class MonteCarloEnsemble {
  readonly n: number;
  readonly replicas: number;
  readonly blocks: number;
  readonly state: Int32Array;
  readonly initialState: Int32Array;
  /** Target level of the replica's state clock H_s at which it jumps. */
  readonly target: Float64Array;
  readonly work: Float64Array;
  readonly heat: Float64Array;
  /** Energy of the replica's state when its work was last brought up to date. */
  readonly bookedEnergy: Float64Array;
  readonly initialEnergy: Float64Array;
  readonly jumpCount: Int32Array;
  readonly firstJumpTime: Float64Array;
  /** Replicas per state. */
  readonly counts: Float64Array;
  /** State clocks H_s at the start of the current piece, and at its end. */
  readonly clock: Float64Array;
  readonly clockEnd: Float64Array;
  private readonly streams: Xoshiro128Stream[];
  /**
   * Calendar queue of targets, per state, on that state's clock (monotone,
   * whatever the protocol does to the rates): bucket k holds the replicas
   * whose target lies in [k, k + 1) / bucketsPerClockUnit, kept in slot
   * k mod slotsPerState for k in [current[s], current[s] + slotsPerState);
   * later targets wait in the state's overflow list. Singly linked lists
   * through `next`; -1 ends a list.
   */
  private readonly slotsPerState: number;
  private readonly bucketsPerClockUnit: number;
  private readonly head: Int32Array;
  /** A lower bound of the targets in each slot (exact after a walk). */
  private readonly slotMinimum: Float64Array;
  private readonly next: Int32Array;
  /** Bucket holding each state's clock at the end of the last piece. */
  private readonly current: Float64Array;
  private readonly overflowHead: Int32Array;
  private readonly overflowMinimum: Float64Array;
  /** Due replicas of the piece: a bit per replica, and their number. */
  private readonly dueBits: Int32Array;
  private dueTotal = 0;
  /**
   * False once a clock is not finite or goes backwards (rates that are not
   * finite, non-negative numbers): every step then scans every replica,
   * which needs no assumption on the clocks.
   */
  private queueUsable = true;
  /**
   * Whether steps scan every replica (the queue is then out of date). Scanning
   * is cheaper when a large fraction of the replicas is due at each step: it
   * takes over above a quarter, and hands back (rebuilding the queue) below
   * an eighth. Both find exactly the replicas with target < clockEnd.
   */
  private scanning = false;
  sumWorkBooked = 0;
  sumHeat = 0;
  sumBookedEnergy = 0;
  events = 0;
  /** Scratch: the due replicas of the block being visited, in order. */
  private readonly due = new Int32Array(MONTE_CARLO_BLOCK + 1);

  constructor(
    readonly model: DiscreteModel,
    problem: MonteCarloProblem,
    start: Float64Array,
  ) {
    const n = (this.n = model.stateCount);
    const replicas = (this.replicas = problem.replicas);
    const blocks = (this.blocks = Math.ceil(replicas / MONTE_CARLO_BLOCK));
    this.state = new Int32Array(replicas);
    this.initialState = new Int32Array(replicas);
    this.target = new Float64Array(replicas);
    this.work = new Float64Array(replicas);
    this.heat = new Float64Array(replicas);
    this.bookedEnergy = new Float64Array(replicas);
    this.initialEnergy = new Float64Array(replicas);
    this.jumpCount = new Int32Array(replicas);
    this.firstJumpTime = new Float64Array(replicas).fill(Infinity);
    this.counts = new Float64Array(n);
    this.clock = new Float64Array(n);
    this.clockEnd = new Float64Array(n);
    this.streams = Array.from({ length: blocks }, (_, b) => randomStream(problem.seed, b, 'monte-carlo'));

    // Slots: a power of two per state, about two per replica in all (at most
    // 4096 per state). The window spans QUEUE_WINDOW clock units: a target
    // lies that far beyond its clock with probability e^-QUEUE_WINDOW.
    let slots = 16;
    while (slots < 4096 && slots * n < 2 * replicas) slots *= 2;
    this.slotsPerState = slots;
    this.bucketsPerClockUnit = slots / QUEUE_WINDOW;
    this.head = new Int32Array(n * slots).fill(-1);
    this.slotMinimum = new Float64Array(n * slots).fill(Infinity);
    this.next = new Int32Array(replicas).fill(-1);
    this.current = new Float64Array(n);
    this.overflowHead = new Int32Array(n).fill(-1);
    this.overflowMinimum = new Float64Array(n).fill(Infinity);
    this.dueBits = new Int32Array(Math.ceil(replicas / 32));

    const cumulative = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) cumulative[i] = total += start[i];
    const energies = model.energies;
    for (let b = 0; b < blocks; b++) {
      const stream = this.streams[b];
      const end = Math.min(replicas, (b + 1) * MONTE_CARLO_BLOCK);
      for (let r = b * MONTE_CARLO_BLOCK; r < end; r++) {
        const s = sampleState(cumulative, stream.uniform() * total);
        this.state[r] = s;
        this.initialState[r] = s;
        this.initialEnergy[r] = this.bookedEnergy[r] = energies[s];
        this.sumBookedEnergy += energies[s];
        this.counts[s]++;
        this.target[r] = stream.exponential();
      }
    }
    this.rebuildQueue();
  }

  /** File every replica afresh, its state's clock at `clock` (after a piece: every target lies at or beyond it). */
  private rebuildQueue(): void {
    const n = this.n;
    for (let s = 0; s < n; s++) this.current[s] = Math.floor(this.clock[s] * this.bucketsPerClockUnit);
    this.head.fill(-1);
    this.slotMinimum.fill(Infinity);
    this.overflowHead.fill(-1);
    this.overflowMinimum.fill(Infinity);
    for (let r = 0; r < this.replicas; r++) this.enqueue(r, this.state[r], this.target[r]);
  }

  /** File replica r (in state s, target level) in the calendar queue. */
  private enqueue(r: number, s: number, level: number): void {
    const slots = this.slotsPerState;
    const bucket = Math.floor(level * this.bucketsPerClockUnit);
    if (bucket < this.current[s] + slots) {
      // bucket >= current[s] (a target is never below its clock's end), and
      // `&` takes an integer double mod 2^32, so this is bucket mod slots.
      const slot = s * slots + (bucket & (slots - 1));
      this.next[r] = this.head[slot];
      this.head[slot] = r;
      if (level < this.slotMinimum[slot]) this.slotMinimum[slot] = level;
    } else {
      this.next[r] = this.overflowHead[s];
      this.overflowHead[s] = r;
      if (bucket < this.overflowMinimum[s]) this.overflowMinimum[s] = bucket;
    }
  }

  private markDue(r: number): void {
    this.dueBits[r >> 5] |= 1 << (r & 31);
    this.dueTotal++;
  }

  /** Mark every replica of a slot due and empty it. */
  private takeSlot(slot: number): void {
    let r = this.head[slot];
    if (r < 0) return;
    this.head[slot] = -1;
    this.slotMinimum[slot] = Infinity;
    const next = this.next;
    while (r >= 0) {
      this.markDue(r);
      r = next[r];
    }
  }

  /** Mark due the replicas of a slot whose target is below `end`, keep the others. */
  private takeSlotBelow(slot: number, end: number): void {
    const { next, target, head } = this;
    let previous = -1;
    let r = head[slot];
    let minimum = Infinity;
    while (r >= 0) {
      const following = next[r];
      const level = target[r];
      if (level < end) {
        if (previous < 0) head[slot] = following;
        else next[previous] = following;
        this.markDue(r);
      } else {
        if (level < minimum) minimum = level;
        previous = r;
      }
      r = following;
    }
    this.slotMinimum[slot] = minimum;
  }

  /** Mark due the overflow replicas of state s below `end`; file those now within the window. */
  private takeOverflow(s: number, end: number): void {
    let r = this.overflowHead[s];
    this.overflowHead[s] = -1;
    this.overflowMinimum[s] = Infinity;
    while (r >= 0) {
      const following = this.next[r];
      const level = this.target[r];
      if (level < end) this.markDue(r);
      else this.enqueue(r, s, level);
      r = following;
    }
  }

  /** Advance every replica over [start, start + length] at the model's current (constant) rates. */
  advance(start: number, length: number): void {
    const n = this.n;
    const escape = this.model.escapeRate;
    const { clock, clockEnd } = this;
    for (let s = 0; s < n; s++) clockEnd[s] = clock[s] + escape[s] * length;
    if (this.queueUsable) {
      // Bucket numbers stay exact integers well below 2^53.
      const limit = 2 ** 50 / this.bucketsPerClockUnit;
      for (let s = 0; s < n; s++) if (!(clockEnd[s] >= clock[s] && clockEnd[s] <= limit)) this.queueUsable = false;
    }
    if (this.queueUsable && !this.scanning) {
      const due = this.advanceQueued(start, length);
      clock.set(clockEnd);
      if (4 * due > this.replicas) this.scanning = true;
    } else {
      const due = this.advanceScanning(start, length);
      clock.set(clockEnd);
      if (this.queueUsable && 8 * due < this.replicas) {
        this.rebuildQueue();
        this.scanning = false;
      }
    }
  }

  /**
   * Find the due replicas (target < clockEnd of their state) in the calendar
   * queue, then make their jumps block by block, in replica order: the same
   * visits, draws and summation order as scanning every replica.
   */
  private advanceQueued(start: number, length: number): number {
    const n = this.n;
    const slots = this.slotsPerState;
    const mask = slots - 1;
    const clockEnd = this.clockEnd;
    this.dueTotal = 0;
    for (let s = 0; s < n; s++) {
      const end = clockEnd[s];
      // Monotone rounding: bucket(level) < bucketEnd implies level < end.
      const bucketEnd = Math.floor(end * this.bucketsPerClockUnit);
      const first = this.current[s];
      const base = s * slots;
      if (bucketEnd - first >= slots) {
        for (let slot = base; slot < base + slots; slot++) this.takeSlot(slot);
      } else {
        for (let k = first; k < bucketEnd; k++) this.takeSlot(base + (k & mask));
      }
      const last = base + (bucketEnd & mask);
      if (this.slotMinimum[last] < end) this.takeSlotBelow(last, end);
      this.current[s] = bucketEnd;
      if (this.overflowMinimum[s] < bucketEnd + slots) this.takeOverflow(s, end);
    }
    const dueTotal = this.dueTotal;
    if (dueTotal === 0) return 0;
    const { dueBits, due } = this;
    const words = dueBits.length;
    for (let b = 0; b < this.blocks; b++) {
      let dueCount = 0;
      const endWord = Math.min(words, ((b + 1) * MONTE_CARLO_BLOCK) >> 5);
      for (let w = (b * MONTE_CARLO_BLOCK) >> 5; w < endWord; w++) {
        let bits = dueBits[w];
        if (bits === 0) continue;
        dueBits[w] = 0;
        while (bits !== 0) {
          const lowest = bits & -bits;
          due[dueCount++] = (w << 5) + 31 - Math.clz32(lowest);
          bits ^= lowest;
        }
      }
      if (dueCount > 0) this.jumpDue(this.streams[b], dueCount, start, length, true);
    }
    return dueTotal;
  }

  /** Steps without the queue: scan every replica for a passed target; returns the due replicas. */
  private advanceScanning(start: number, length: number): number {
    const { state, target, clockEnd, due } = this;
    let dueTotal = 0;
    for (let b = 0; b < this.blocks; b++) {
      const end = Math.min(this.replicas, (b + 1) * MONTE_CARLO_BLOCK);
      // Without a branch per replica (a few % are due, at random places).
      let dueCount = 0;
      for (let r = b * MONTE_CARLO_BLOCK; r < end; r++) {
        due[dueCount] = r;
        dueCount += target[r] < clockEnd[state[r]] ? 1 : 0;
      }
      dueTotal += dueCount;
      this.jumpDue(this.streams[b], dueCount, start, length, false);
    }
    return dueTotal;
  }

  /**
   * Make every jump in the piece [start, start + length] of the replicas
   * due[0..dueCount-1] (one block's, in replica order, drawing from its
   * stream), refiling them in the queue if `queued`. The ensemble sums are
   * carried in locals, added event by event in the same order as always (so
   * the reported sums are unchanged).
   */
  private jumpDue(stream: Xoshiro128Stream, dueCount: number, start: number, length: number, queued: boolean): void {
    const { state, target, work, heat, bookedEnergy, jumpCount, firstJumpTime, counts, clock, clockEnd } = this;
    const energies = this.model.energies;
    const up = this.model.rateUp;
    const escape = this.model.escapeRate;
    let sumWorkBooked = this.sumWorkBooked;
    let sumHeat = this.sumHeat;
    let sumBookedEnergy = this.sumBookedEnergy;
    let events = this.events;
    // The block's xoshiro128** state in locals: the inline draws below are
    // Xoshiro128Stream.uniform() step for step (rng.ts; the invariance test
    // compares with the method bit for bit).
    const words = stream.state;
    let x0 = words[0];
    let x1 = words[1];
    let x2 = words[2];
    let x3 = words[3];
    const due = this.due;
    const exponentialScale = EXPONENTIAL_SCALE;
    const exponentialNextEdge = EXPONENTIAL_NEXT_EDGE;
    for (let i = 0; i < dueCount; i++) {
      const r = due[i];
      let s = state[r];
      let level = target[r];
      let elapsed = 0;
      let booked = bookedEnergy[r];
      let workHere = work[r];
      let heatHere = heat[r];
      const jumpsBefore = jumpCount[r];
      let jumps = jumpsBefore;
      do {
        const rate = escape[s];
        // The clock of s reaches the target `level` at this time into the piece.
        elapsed = Math.min(Math.max((level - clock[s]) / rate, elapsed), length);
        // u = stream.uniform(): two outputs, 27 + 26 bits.
        let y = x1;
        let m = Math.imul(y, 5);
        const high = Math.imul((m << 7) | (m >>> 25), 9) >>> 5;
        let t2 = x2 ^ x0;
        let t3 = x3 ^ y;
        x1 = y ^ t2;
        x0 ^= t3;
        x2 = t2 ^ (y << 9);
        x3 = (t3 << 11) | (t3 >>> 21);
        y = x1;
        m = Math.imul(y, 5);
        const low = Math.imul((m << 7) | (m >>> 25), 9) >>> 6;
        t2 = x2 ^ x0;
        t3 = x3 ^ y;
        x1 = y ^ t2;
        x0 ^= t3;
        x2 = t2 ^ (y << 9);
        x3 = (t3 << 11) | (t3 >>> 21);
        const next = (high * 67108864 + low) * TWO_POW_MINUS_53 * rate < up[s] ? s + 1 : s - 1;
        const energyHere = energies[s];
        const energyNext = energies[next];
        const workDone = energyHere - booked;
        const heatReleased = energyHere - energyNext;
        workHere += workDone;
        heatHere += heatReleased;
        sumWorkBooked += workDone;
        sumHeat += heatReleased;
        sumBookedEnergy += energyNext - booked;
        booked = energyNext;
        counts[s]--;
        counts[next]++;
        if (jumps === 0) firstJumpTime[r] = start + elapsed;
        jumps++;
        s = next;
        // A fresh unit exponential budget: stream.exponential(), its
        // ziggurat fast path inline (rng.ts), the rare slow path called with
        // the generator state handed over and taken back.
        y = x1;
        m = Math.imul(y, 5);
        const word = Math.imul((m << 7) | (m >>> 25), 9);
        t2 = x2 ^ x0;
        t3 = x3 ^ y;
        x1 = y ^ t2;
        x0 ^= t3;
        x2 = t2 ^ (y << 9);
        x3 = (t3 << 11) | (t3 >>> 21);
        const layer = word & 255;
        let budget = (word >>> 8) * exponentialScale[layer];
        if (!(budget < exponentialNextEdge[layer])) {
          words[0] = x0;
          words[1] = x1;
          words[2] = x2;
          words[3] = x3;
          exponentialSlowPath(stream, layer, word >>> 8);
          budget = stream.result[0];
          x0 = words[0];
          x1 = words[1];
          x2 = words[2];
          x3 = words[3];
        }
        level = clock[s] + escape[s] * elapsed + budget;
      } while (level < clockEnd[s]);
      events += jumps - jumpsBefore;
      jumpCount[r] = jumps;
      bookedEnergy[r] = booked;
      work[r] = workHere;
      heat[r] = heatHere;
      state[r] = s;
      target[r] = level;
      if (queued) this.enqueue(r, s, level);
    }
    words[0] = x0;
    words[1] = x1;
    words[2] = x2;
    words[3] = x3;
    this.sumWorkBooked = sumWorkBooked;
    this.sumHeat = sumHeat;
    this.sumBookedEnergy = sumBookedEnergy;
    this.events = events;
  }

  /** Ensemble means now (the model at the current protocol). */
  snapshot(t: number): TimeseriesPoint {
    const energies = this.model.energies;
    let energy = 0;
    for (let s = 0; s < this.n; s++) energy += this.counts[s] * energies[s];
    const N = this.replicas;
    return {
      t,
      work: (this.sumWorkBooked + energy - this.sumBookedEnergy) / N,
      heat: this.sumHeat / N,
      energy: energy / N,
      occupancy: Array.from(this.counts, (c) => c / N),
      parameters: this.model.parameters(),
    };
  }

  /** Bring every replica's work up to the current protocol (at the end of the run). */
  bookFinalWork(): void {
    const energies = this.model.energies;
    for (let r = 0; r < this.replicas; r++) {
      const e = energies[this.state[r]];
      this.work[r] += e - this.bookedEnergy[r];
      this.bookedEnergy[r] = e;
    }
    this.sumWorkBooked = 0;
    this.sumBookedEnergy = 0;
  }
}

/** Run a discrete-state memory through its protocol by kinetic Monte-Carlo. */
export function runMonteCarlo(problem: MonteCarloProblem, options: MonteCarloOptions = {}): MonteCarloResult {
  validateDiscreteProblem(problem, true);
  const model = buildDiscreteModel(problem.potential, problem.friction, { engine: 'monte-carlo', maxStates: options.maxStates, rates: problem.rates });
  model.setTime(0);
  const start = initialProbabilities(model, problem.initial);
  const ensemble = new MonteCarloEnsemble(model, problem, start);

  const steps = protocolSteps(problem.duration, problem.dt);
  const recordAt = recordSteps(steps, problem.recordPoints);
  const timeseries: TimeseriesPoint[] = [ensemble.snapshot(0)];
  let k = 1;
  while (k < recordAt.length && recordAt[k] === 0) timeseries.push(ensemble.snapshot(0)), k++;
  for (let step = 0; step < steps; step++) {
    const tStart = (step * problem.duration) / steps;
    const tEnd = ((step + 1) * problem.duration) / steps;
    model.setTime(tEnd);
    ensemble.advance(tStart, tEnd - tStart);
    while (k < recordAt.length && recordAt[k] === step + 1) {
      timeseries.push(ensemble.snapshot(tEnd));
      k++;
      reportProgress((step + 1) / steps);
    }
  }

  ensemble.bookFinalWork();
  const replicas = problem.replicas;
  const energyChange = new Float64Array(replicas);
  for (let r = 0; r < replicas; r++) energyChange[r] = ensemble.bookedEnergy[r] - ensemble.initialEnergy[r];
  const n = model.stateCount;
  const initialOccupancy = new Array<number>(n).fill(0);
  for (let r = 0; r < replicas; r++) initialOccupancy[ensemble.initialState[r]] += 1 / replicas;
  return {
    engine: 'monte-carlo',
    work: estimateMean(ensemble.work),
    heat: estimateMean(ensemble.heat),
    energyChange: estimateMean(energyChange),
    initialOccupancy,
    finalOccupancy: Array.from(ensemble.counts, (c) => c / replicas),
    timeseries,
    trajectories: {
      work: ensemble.work,
      heat: ensemble.heat,
      energyChange,
      finalState: ensemble.state,
      initialState: ensemble.initialState,
      jumpCount: ensemble.jumpCount,
      firstJumpTime: ensemble.firstJumpTime,
    },
    events: ensemble.events,
  };
}
