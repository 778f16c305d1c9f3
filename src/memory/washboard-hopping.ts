import { randomStream, type RandomStream } from '../physics/rng.js';
import type { Schedule } from '../physics/schedules.js';
import type { RateModel } from './discrete.js';
import { levelKineticsFor } from './exact-level-kinetics.js';
import type { LevelKinetics } from './washboard.js';

/**
 * Kinetic Monte-Carlo of many washboard cells (spacing 1, `levels` wells
 * between walls) that share one barrier schedule E_b(t) but each carry their
 * own tilt F_i: the Monte-Carlo path of the learning-in-memory store.
 *
 * Why not runMonteCarlo: the Monte-Carlo engine runs one discrete model for
 * all replicas, while every LIM cell has its own gradient tilt. The rates here
 * are the discrete model's for an interior level of the tilted cosine: by
 * default the exact ones (`rates: 'exact'`, exactLevelKinetics: milestoning on
 * the minima, the drift is the continuous washboard's exact drift and the zero-
 * tilt rate its Lifson-Jackson mobility), or Kramers' closed form (`'kramers'`,
 * levelKinetics, equal to buildDiscreteModel's rates with `rates: 'kramers'`;
 * checked in test/learning/stores-physics.test.ts; docs/kinetics.md §1),
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
  private readonly kineticsOf: ReturnType<typeof levelKineticsFor>;
  time = 0;
  barrierHeight: number;

  constructor(
    initialLevel: Int32Array,
    levels: number,
    private barrierOf: Schedule,
    readonly friction: number,
    seed: number,
    readonly rates: RateModel = 'exact',
  ) {
    const n = (this.cells = initialLevel.length);
    this.levels = levels;
    this.kineticsOf = levelKineticsFor(rates);
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
      this.kineticsOf(barrier, tilt, this.friction, k);
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

  /**
   * Set every cell's tilt to a grid point of `drive` (codes from LinearizedDrive.codeFor) with the
   * tabulated kinetics, booking the work at fixed level (W += E_new - E_old). The drive must belong
   * to the barrier of the coming step (checked): then advance() finds the rates current.
   */
  applyTiltCodes(drive: LinearizedDrive, codes: Int32Array): void {
    const barrier = this.barrierOf(this.time);
    if (barrier !== drive.barrier) throw new RangeError(`drive table at E_b = ${drive.barrier}, ensemble at ${barrier}`);
    if (drive.rates !== this.rates) throw new RangeError(`drive table with ${drive.rates} rates, ensemble with ${this.rates}`);
    if (barrier !== this.cachedBarrier) this.refreshRates(barrier, true);
    const { tilts, rateUp, rateDown, minimumEnergy, minimumOffset } = drive;
    for (let i = 0; i < this.cells; i++) {
      const c = codes[i];
      const j = (c < 0 ? -c : c) - 1;
      const f = c < 0 ? -tilts[j] : tilts[j];
      // Mirror symmetry of the tilted cosine: k_up(-F) = k_down(F), x_m(-F) = -x_m(F), U_min(-F) = U_min(F).
      this.rateUp[i] = c < 0 ? rateDown[j] : rateUp[j];
      this.rateDown[i] = c < 0 ? rateUp[j] : rateDown[j];
      this.minimumOffset[i] = c < 0 ? -minimumOffset[j] : minimumOffset[j];
      this.minimumEnergy[i] = minimumEnergy[j];
      this.extraTilt[i] = f;
      this.cachedTilt[i] = f;
      const e = minimumEnergy[j] - f * this.level[i];
      this.work[i] += e - this.energy[i];
      this.energy[i] = e;
    }
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

/**
 * Linearized drive of a hopping cell (docs/lim-calibration.md §3): the tilt F
 * whose mean hopping drift k_up(F) - k_down(F) equals a requested drift v, at
 * one barrier. In linear response v = r F (r the zero-tilt rate: the exact
 * Lifson-Jackson mobility with the default exact rates, Kramers' with
 * `rates: 'kramers'`); beyond it the drift grows like 2 r sinh(F/2), so a tilt
 * proportional to the gradient would overshoot on large gradients. Asking for
 * the tilt of the drift r kappa g keeps the mean update gradient descent at
 * any gradient size. Tilts stop at `capFraction` of the critical tilt pi E_b
 * (the barrier never vanishes: no sliding); larger requests are clipped.
 *
 * Table: F on a uniform grid in y = asinh(v / 2r) (F = 2y in the two-state
 * limit, so the grid is dense where the response bends), linear interpolation.
 */
export class LinearizedDrive {
  readonly barrier: number;
  /** Zero-tilt mobility r: dv/dF at F = 0. */
  readonly mobility: number;
  readonly maxTilt: number;
  readonly maxDrift: number;
  /** Grid point j: tilt F_j >= 0 and its exact level kinetics (levelKinetics), drift v_j = 2 r sinh(j dy). */
  readonly tilts: Float64Array;
  readonly drifts: Float64Array;
  readonly rateUp: Float64Array;
  readonly rateDown: Float64Array;
  readonly minimumEnergy: Float64Array;
  readonly minimumOffset: Float64Array;
  readonly yStep: number;
  private readonly yMax: number;

  /** The rate model of the tabulated kinetics (the hopping ensemble's must be the same). */
  readonly rates: RateModel;

  constructor(barrier: number, friction = 1, capFraction = 0.9, points = 2048, rates: RateModel = 'exact') {
    this.barrier = barrier;
    this.rates = rates;
    const levelKinetics = levelKineticsFor(rates);
    const k = { minimumOffset: 0, minimumEnergy: 0, rateUp: 0, rateDown: 0 };
    const drift = (f: number): number => {
      levelKinetics(barrier, f, friction, k);
      return k.rateUp - k.rateDown;
    };
    const h = 1e-6;
    this.mobility = (drift(h) - drift(-h)) / (2 * h);
    this.maxTilt = capFraction * Math.PI * barrier;
    this.maxDrift = drift(this.maxTilt);
    this.yMax = Math.asinh(this.maxDrift / (2 * this.mobility));
    this.yStep = this.yMax / (points - 1);
    this.tilts = new Float64Array(points);
    this.drifts = new Float64Array(points);
    this.rateUp = new Float64Array(points);
    this.rateDown = new Float64Array(points);
    this.minimumEnergy = new Float64Array(points);
    this.minimumOffset = new Float64Array(points);
    // Root of drift(F) = target per grid point by the Illinois variant of regula falsi (Dowell &
    // Jarratt, BIT 11, 168 (1971)) inside a shrinking bracket, started from the extrapolated previous
    // root: a few rate evaluations per point where plain bisection took 60. Measured need: a barrier
    // that changes every window rebuilds this table every window (limsim optimize on a training
    // config), and with bisection the rebuild was 98 % of such a run. The drifts stored below are
    // recomputed exactly from the tilts found, so the stochastic rounding of codeFor stays exact
    // whatever the root's last digits (tolerance 1e-13 relative).
    for (let j = 1; j < points; j++) {
      const target = 2 * this.mobility * Math.sinh(j * this.yStep);
      // The targets increase with j and drift is increasing, so the previous root brackets from below.
      let a = this.tilts[j - 1];
      let fa = j === 1 ? -target : drift(a) - target;
      let b = this.maxTilt;
      let fb = this.maxDrift - target;
      let x = j === 1 ? 2 * this.yStep : 2 * a - (j >= 2 ? this.tilts[j - 2] : 0);
      if (!(x > a && x < b)) x = 0.5 * (a + b);
      let side = 0;
      let root = x;
      for (let it = 0; it < 100; it++) {
        const fx = drift(x) - target;
        root = x;
        if (Math.abs(fx) <= 1e-13 * target || b - a <= 1e-15 * b) break;
        if (fx < 0) {
          a = x;
          fa = fx;
          if (side === -1) fb /= 2;
          side = -1;
        } else {
          b = x;
          fb = fx;
          if (side === 1) fa /= 2;
          side = 1;
        }
        x = (a * fb - b * fa) / (fb - fa);
        if (!(x > a && x < b)) x = 0.5 * (a + b);
      }
      this.tilts[j] = root;
    }
    for (let j = 0; j < points; j++) {
      levelKinetics(barrier, this.tilts[j], friction, k);
      this.drifts[j] = k.rateUp - k.rateDown;
      this.rateUp[j] = k.rateUp;
      this.rateDown[j] = k.rateDown;
      this.minimumEnergy[j] = k.minimumEnergy;
      this.minimumOffset[j] = k.minimumOffset;
    }
  }

  get points(): number {
    return this.tilts.length;
  }

  /**
   * Signed grid code for a requested drift: +-(j + 1) for grid tilt +-F_j, chosen between the two
   * grid points around the request with the probability that makes the mean drift exact
   * (stochastic rounding on the drift; `u` uniform in [0, 1)). Requests beyond the cap get the top point.
   */
  codeFor(drift: number, u: number): number {
    const a = Math.abs(drift);
    const top = this.tilts.length - 1;
    let j: number;
    if (a >= this.drifts[top]) j = top;
    else {
      j = Math.floor(Math.asinh(a / (2 * this.mobility)) / this.yStep);
      if (j >= top) j = top - 1;
      // Round-off can put the request just outside [v_j, v_{j+1}]: step to the right cell.
      while (j > 0 && this.drifts[j] > a) j--;
      while (j < top - 1 && this.drifts[j + 1] <= a) j++;
      const p = (a - this.drifts[j]) / (this.drifts[j + 1] - this.drifts[j]);
      if (u < p) j++;
    }
    return drift < 0 ? -(j + 1) : j + 1;
  }

  /** Tilt for a requested drift (levels per reduced time); NaN-free, clipped at maxTilt (returns -maxTilt..maxTilt). */
  tiltFor(drift: number): number {
    const y = Math.asinh(Math.abs(drift) / (2 * this.mobility));
    let f: number;
    if (y >= this.yMax) f = this.maxTilt;
    else {
      const u = y / this.yStep;
      const j = Math.floor(u);
      const w = u - j;
      f = this.tilts[j] + w * (this.tilts[j + 1] - this.tilts[j]);
    }
    return drift < 0 ? -f : f;
  }
}
