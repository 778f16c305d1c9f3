import {
  buildDiscreteModel,
  initialProbabilities,
  protocolSteps,
  recordSteps,
  validateDiscreteProblem,
  type DiscreteModel,
  type DiscreteProblem,
} from '../memory/discrete.js';
import { randomStream, type RandomStream, type Xoshiro128Stream } from '../physics/rng.js';
import { estimateMean } from '../thermo/statistics.js';
import type { EngineResult, TimeseriesPoint } from './problem.js';

/**
 * Kinetic Monte-Carlo engine for discrete-state memories (THEORY.md §2-3).
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
 * probability k_{s->j} / R_s, and a fresh budget drawn. This is the same law
 * as Gillespie with "discard a waiting time that overshoots the step and redraw"
 * (memorylessness), but needs no random numbers while nothing happens: H_s(t)
 * is one clock per state shared by all replicas, each replica stores its
 * target level of that clock, and a block of replicas is visited only when the
 * smallest target in it is passed. So at high barriers or on long holds the
 * cost is O(states) per step plus O(1) per event, not O(replicas) per step.
 *
 * Energetics (THEORY.md §3): a jump i -> j releases heat Q = E_i - E_j; a
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
/**
 * Replicas per group for the smallest-target bookkeeping (divides the block):
 * an event makes the engine visit the group, not the whole block. Visiting
 * groups in order keeps each block's random draws in replica order, so the
 * group size does not change results.
 */
const GROUP = 64;
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

/** A unit exponential from a uniform on [0, 1). */
function unitExponential(stream: RandomStream): number {
  return -Math.log(1 - stream.uniform());
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
  /** Smallest target per (group, state), per (block, state), and per state over all replicas. */
  readonly groupMinimum: Float64Array;
  readonly blockMinimum: Float64Array;
  readonly minimum: Float64Array;
  private readonly streams: Xoshiro128Stream[];
  /** Groups of GROUP replicas (the last may be partial). */
  readonly groups: number;
  /** Whether steps scan every replica (true) or use the smallest targets (false). */
  private dense = false;
  sumWorkBooked = 0;
  sumHeat = 0;
  sumBookedEnergy = 0;
  events = 0;
  /** Scratch: the due replicas of the range being visited. */
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
    this.groups = Math.ceil(replicas / GROUP);
    this.groupMinimum = new Float64Array(this.groups * n);
    this.blockMinimum = new Float64Array(blocks * n);
    this.minimum = new Float64Array(n);
    this.streams = Array.from({ length: blocks }, (_, b) => randomStream(problem.seed, b, 'monte-carlo'));

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
        this.target[r] = unitExponential(stream);
      }
      for (let g = (b * MONTE_CARLO_BLOCK) / GROUP; g * GROUP < end; g++) this.refreshGroupMinimum(g);
      this.refreshBlockMinimum(b);
    }
    this.refreshMinimum();
  }

  private refreshGroupMinimum(g: number): void {
    const n = this.n;
    const mins = this.groupMinimum;
    const offset = g * n;
    mins.fill(Infinity, offset, offset + n);
    const end = Math.min(this.replicas, (g + 1) * GROUP);
    for (let r = g * GROUP; r < end; r++) {
      const k = offset + this.state[r];
      if (this.target[r] < mins[k]) mins[k] = this.target[r];
    }
  }

  private refreshBlockMinimum(b: number): void {
    const n = this.n;
    const mins = this.blockMinimum;
    const offset = b * n;
    mins.fill(Infinity, offset, offset + n);
    const firstGroup = (b * MONTE_CARLO_BLOCK) / GROUP;
    const endGroup = Math.ceil(Math.min(this.replicas, (b + 1) * MONTE_CARLO_BLOCK) / GROUP);
    for (let g = firstGroup; g < endGroup; g++) {
      for (let s = 0; s < n; s++) {
        const v = this.groupMinimum[g * n + s];
        if (v < mins[offset + s]) mins[offset + s] = v;
      }
    }
  }

  private refreshMinimum(): void {
    const n = this.n;
    this.minimum.fill(Infinity);
    for (let b = 0; b < this.blocks; b++) {
      for (let s = 0; s < n; s++) {
        const v = this.blockMinimum[b * n + s];
        if (v < this.minimum[s]) this.minimum[s] = v;
      }
    }
  }

  /** Advance every replica over [start, start + length] at the model's current (constant) rates. */
  advance(start: number, length: number): void {
    const n = this.n;
    const escape = this.model.escapeRate;
    const { clock, clockEnd } = this;
    for (let s = 0; s < n; s++) clockEnd[s] = clock[s] + escape[s] * length;
    if (this.dense) this.advanceDense(start, length);
    else this.advanceSparse(start, length);
    clock.set(clockEnd);
  }

  /**
   * Dense steps (most groups hold a due replica): one pass over all replicas,
   * no smallest-target bookkeeping (it goes stale and is rebuilt on leaving
   * the dense mode). Leaves it when the step's events could touch at most
   * an eighth of the groups.
   */
  private advanceDense(start: number, length: number): void {
    const eventsBefore = this.events;
    for (let b = 0; b < this.blocks; b++) {
      this.jumpRange(b * MONTE_CARLO_BLOCK, Math.min(this.replicas, (b + 1) * MONTE_CARLO_BLOCK), this.streams[b], start, length);
    }
    if (8 * (this.events - eventsBefore) < this.groups) {
      for (let g = 0; g < this.groups; g++) this.refreshGroupMinimum(g);
      for (let b = 0; b < this.blocks; b++) this.refreshBlockMinimum(b);
      this.refreshMinimum();
      this.dense = false;
    }
  }

  /**
   * Sparse steps: visit only blocks, then groups, whose smallest target of
   * some state is passed. Switches to the dense mode when more than half of
   * the groups were visited (the bookkeeping then costs more than it saves).
   */
  private advanceSparse(start: number, length: number): void {
    const n = this.n;
    const clockEnd = this.clockEnd;
    let due = false;
    for (let s = 0; s < n; s++) if (this.minimum[s] < clockEnd[s]) due = true;
    if (!due) return;
    let visited = 0;
    for (let b = 0; b < this.blocks; b++) {
      const offset = b * n;
      for (let s = 0; s < n; s++) {
        if (this.blockMinimum[offset + s] < clockEnd[s]) {
          visited += this.jumpBlock(b, start, length);
          break;
        }
      }
    }
    this.refreshMinimum();
    if (2 * visited > this.groups) this.dense = true;
  }

  /** Make every due jump of block b in the piece [start, start + length], group by group; returns the groups visited. */
  private jumpBlock(b: number, start: number, length: number): number {
    const n = this.n;
    const stream = this.streams[b];
    const clockEnd = this.clockEnd;
    const firstGroup = (b * MONTE_CARLO_BLOCK) / GROUP;
    const endGroup = Math.ceil(Math.min(this.replicas, (b + 1) * MONTE_CARLO_BLOCK) / GROUP);
    let visited = 0;
    for (let g = firstGroup; g < endGroup; g++) {
      const offset = g * n;
      for (let s = 0; s < n; s++) {
        if (this.groupMinimum[offset + s] < clockEnd[s]) {
          this.jumpRange(g * GROUP, Math.min(this.replicas, (g + 1) * GROUP), stream, start, length);
          this.refreshGroupMinimum(g);
          visited++;
          break;
        }
      }
    }
    this.refreshBlockMinimum(b);
    return visited;
  }

  /**
   * Make every due jump of replicas first..end-1 (one block's stream, in
   * replica order). The ensemble sums are carried in locals, added event by
   * event in the same order as always (so the reported sums are unchanged).
   */
  private jumpRange(first: number, end: number, stream: Xoshiro128Stream, start: number, length: number): void {
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
    // The due replicas first, in order, without a branch per replica (at fine
    // steps a few % are due, at random places: a branch mispredicts).
    const due = this.due;
    let dueCount = 0;
    for (let r = first; r < end; r++) {
      due[dueCount] = r;
      dueCount += target[r] < clockEnd[state[r]] ? 1 : 0;
    }
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
        // A fresh unit exponential budget, -ln(1 - u).
        y = x1;
        m = Math.imul(y, 5);
        const high2 = Math.imul((m << 7) | (m >>> 25), 9) >>> 5;
        t2 = x2 ^ x0;
        t3 = x3 ^ y;
        x1 = y ^ t2;
        x0 ^= t3;
        x2 = t2 ^ (y << 9);
        x3 = (t3 << 11) | (t3 >>> 21);
        y = x1;
        m = Math.imul(y, 5);
        const low2 = Math.imul((m << 7) | (m >>> 25), 9) >>> 6;
        t2 = x2 ^ x0;
        t3 = x3 ^ y;
        x1 = y ^ t2;
        x0 ^= t3;
        x2 = t2 ^ (y << 9);
        x3 = (t3 << 11) | (t3 >>> 21);
        level = clock[s] + escape[s] * elapsed + -Math.log(1 - (high2 * 67108864 + low2) * TWO_POW_MINUS_53);
      } while (level < clockEnd[s]);
      events += jumps - jumpsBefore;
      jumpCount[r] = jumps;
      bookedEnergy[r] = booked;
      work[r] = workHere;
      heat[r] = heatHere;
      state[r] = s;
      target[r] = level;
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
  const model = buildDiscreteModel(problem.potential, problem.friction, { engine: 'monte-carlo', maxStates: options.maxStates });
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
