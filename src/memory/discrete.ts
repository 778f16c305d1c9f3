import { ConfigError } from '../errors.js';
import type { InitialSpec, Problem } from '../engines/problem.js';
import { buildPotential, type Potential, type PotentialSpec } from '../physics/potentials.js';
import { compileSchedule, type Schedule, type ScheduleSpec } from '../physics/schedules.js';
import { exitKinetics } from '../thermo/first-passage.js';

/**
 * Discrete-state memory models (THEORY.md §2): states i on a chain with
 * energies E_i(t), saddle energies B_i(t) between neighbours i and i+1, and
 * Arrhenius rates
 *
 *   k_{i -> i+1} = nu_i exp(-(B_i - E_i)),   k_{i+1 -> i} = nu_i exp(-(B_i - E_{i+1}))   (kT = 1).
 *
 * The prefactor nu_i is one number per barrier, shared by both directions, so
 * k_{i->j} / k_{j->i} = exp(-(E_j - E_i)): detailed balance with exp(-E_i) at
 * every t, and local detailed balance ln(k_ij/k_ji) = Q_ij with Q_ij = E_i - E_j
 * the heat released by the jump. The model is a thermodynamically consistent
 * Markov jump process whatever the parameters; it approximates the continuous
 * Langevin cell only for barriers >> kT (Kramers' regime).
 *
 * Rule for barriers that vanish (small barrier height, or a tilt beyond the
 * critical tilt where a minimum and a saddle merge): every saddle energy is
 * clamped to B_i >= max(E_i, E_{i+1}), so no rate exceeds nu_i: the state
 * that has lost its barrier empties at the saturated rate nu_i. How the
 * potential-derived model reaches that limit continuously is described at
 * PotentialChainModel.
 */

/** A discrete model given directly: energies per state, barriers between neighbours i and i+1. */
export type DiscreteSpec = {
  kind: 'discrete';
  /** E_i(t) in kT, one schedule per state. */
  energies: ScheduleSpec[];
  /** B_i(t) in kT between states i and i+1 (length = states - 1). */
  barriers: ScheduleSpec[];
  /** nu in 1 / reduced time, the same for every barrier and both directions. */
  attemptFrequency: number;
};

/** What a discrete-state engine can run: a potential with memory states, or a discrete model. */
export type MemorySpec = PotentialSpec | DiscreteSpec;

/**
 * How a potential's crossings become rates (docs/kinetics.md): 'exact' (the
 * default) from the exact mean first-passage times of the same 1-D potential,
 * 'kramers' from Kramers' formula (high-barrier asymptotics).
 */
export type RateModel = 'exact' | 'kramers';
export const RATE_MODELS: readonly RateModel[] = ['exact', 'kramers'];

/** A Problem whose potential may also be a DiscreteSpec (Monte-Carlo and master-equation engines). */
export type DiscreteProblem = Omit<Problem, 'potential'> & { potential: MemorySpec; rates?: RateModel };

/** Default largest state space; the master equation's cost grows with it. */
export const DEFAULT_MAX_STATES = 4096;

export function isDiscreteSpec(spec: MemorySpec): spec is DiscreteSpec {
  return spec.kind === 'discrete';
}

export interface DiscreteModel {
  readonly source: 'potential' | 'discrete';
  readonly stateCount: number;
  /**
   * Evaluate the protocol at time t (once per step, for all replicas).
   * Returns false when nothing changed since the last call (constant
   * protocol), so engines can skip work.
   */
  setTime(t: number): boolean;
  /** E_i at the current time, kT. */
  readonly energies: Float64Array;
  /** B_i between states i and i+1 (length stateCount - 1), kT, after clamping. */
  readonly barriers: Float64Array;
  /** nu_i of barrier i, 1 / reduced time. */
  readonly prefactors: Float64Array;
  /** k_{i -> i+1} (0 for the last state). */
  readonly rateUp: Float64Array;
  /** k_{i -> i-1} (0 for the first state). */
  readonly rateDown: Float64Array;
  /** Total escape rate of each state, rateUp + rateDown. */
  readonly escapeRate: Float64Array;
  energy(i: number): number;
  /** k_{i -> j}; 0 unless |i - j| = 1. */
  rate(i: number, j: number): number;
  /** Current protocol parameters, by name (a fresh object). */
  parameters(): Record<string, number>;
  /** The state a position belongs to (for InitialSpec 'fixed'), or -1. */
  classify(x: number): number;
}

export interface DiscreteModelOptions {
  /** Engine name for the error when the potential has no memory states. */
  engine?: string;
  /** Largest allowed number of states (default DEFAULT_MAX_STATES). */
  maxStates?: number;
  /** Config path of the potential, for errors (default 'potential'). */
  path?: string;
  /** Rates of a potential-derived model (default 'exact'); ignored by a DiscreteSpec. */
  rates?: RateModel;
}

/**
 * The chain's rates from energies, barriers and prefactors (shared by both
 * ways to build a model). Clamps B_i >= max(E_i, E_{i+1}).
 */
abstract class ChainModel implements DiscreteModel {
  abstract readonly source: 'potential' | 'discrete';
  readonly energies: Float64Array;
  readonly barriers: Float64Array;
  readonly prefactors: Float64Array;
  readonly rateUp: Float64Array;
  readonly rateDown: Float64Array;
  readonly escapeRate: Float64Array;

  constructor(readonly stateCount: number) {
    this.energies = new Float64Array(stateCount);
    this.barriers = new Float64Array(Math.max(stateCount - 1, 0));
    this.prefactors = new Float64Array(Math.max(stateCount - 1, 0));
    this.rateUp = new Float64Array(stateCount);
    this.rateDown = new Float64Array(stateCount);
    this.escapeRate = new Float64Array(stateCount);
  }

  abstract setTime(t: number): boolean;
  abstract parameters(): Record<string, number>;
  abstract classify(x: number): number;

  protected updateRates(): void {
    const e = this.energies;
    for (let i = 0; i + 1 < this.stateCount; i++) {
      const barrier = Math.max(this.barriers[i], e[i], e[i + 1]);
      this.barriers[i] = barrier;
      const nu = this.prefactors[i];
      this.rateUp[i] = nu * Math.exp(-(barrier - e[i]));
      this.rateDown[i + 1] = nu * Math.exp(-(barrier - e[i + 1]));
    }
    for (let i = 0; i < this.stateCount; i++) this.escapeRate[i] = this.rateUp[i] + this.rateDown[i];
  }

  energy(i: number): number {
    return this.energies[i];
  }

  rate(i: number, j: number): number {
    if (j === i + 1) return this.rateUp[i];
    if (j === i - 1) return this.rateDown[i];
    return 0;
  }
}

/** A model given by schedules: E_i(t), B_i(t) and one attempt frequency. */
class DirectChainModel extends ChainModel {
  readonly source = 'discrete' as const;
  private readonly energyOf: Schedule[];
  private readonly barrierOf: Schedule[];
  private readonly nu: number;
  /** Barrier schedule values before clamping (compared to detect a change). */
  private readonly rawBarriers: Float64Array;
  private evaluated = false;

  constructor(spec: DiscreteSpec, path: string, maxStates: number) {
    if (!Array.isArray(spec.energies) || spec.energies.length === 0) {
      throw new ConfigError(`${path}.energies`, 'expected a non-empty list of state energies (kT)');
    }
    const n = spec.energies.length;
    if (n > maxStates) {
      throw new ConfigError(`${path}.energies`, `${n} states exceed the limit of ${maxStates} states (maxStates)`);
    }
    if (!Array.isArray(spec.barriers) || spec.barriers.length !== n - 1) {
      throw new ConfigError(
        `${path}.barriers`,
        `has ${Array.isArray(spec.barriers) ? spec.barriers.length : 'no'} entries; expected ${n - 1} (one between each pair of neighbouring states)`,
      );
    }
    if (!(Number.isFinite(spec.attemptFrequency) && spec.attemptFrequency > 0)) {
      throw new ConfigError(`${path}.attemptFrequency`, `is ${spec.attemptFrequency}; expected a positive number (1 / reduced time)`);
    }
    super(n);
    this.energyOf = spec.energies.map((s, i) => compileSchedule(s, `${path}.energies[${i}]`));
    this.barrierOf = spec.barriers.map((s, i) => compileSchedule(s, `${path}.barriers[${i}]`));
    this.nu = spec.attemptFrequency;
    this.rawBarriers = new Float64Array(n - 1);
    this.prefactors.fill(this.nu);
    this.setTime(0);
  }

  setTime(t: number): boolean {
    let changed = !this.evaluated;
    for (let i = 0; i < this.stateCount; i++) {
      const e = this.energyOf[i](t);
      if (e !== this.energies[i]) changed = true;
      this.energies[i] = e;
    }
    const raw = this.rawBarriers;
    for (let i = 0; i < raw.length; i++) {
      const b = this.barrierOf[i](t);
      if (b !== raw[i]) changed = true;
      raw[i] = b;
    }
    if (!changed) return false;
    this.evaluated = true;
    this.barriers.set(raw);
    this.updateRates();
    return true;
  }

  parameters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.stateCount; i++) out[`energies[${i}]`] = this.energies[i];
    const raw = this.rawBarriers;
    for (let i = 0; i < raw.length; i++) out[`barriers[${i}]`] = raw[i];
    return out;
  }

  /** States sit at x = 0, 1, ..., n-1: x is the state index (rounded). */
  classify(x: number): number {
    const i = Math.round(x);
    return i >= 0 && i < this.stateCount ? i : -1;
  }
}

/** Exit-problem grid: nodes per well width 1/sqrt(U''), and the most intervals. */
const EXIT_NODES_PER_WIDTH = 12;
const EXIT_MAX_INTERVALS = 40_000;
/** An edge state's outer end reflects where U exceeds its minimum by this (kT): e^-50 of the weight is lost. */
const EXIT_REFLECT_KT = 50;
/** Distinct protocol values whose exact prefactors are kept. */
const EXACT_CACHE_LIMIT = 65_536;

/** Relative step of the central differences for U'' (of the well spacing). */
const CURVATURE_STEP = 1e-4;
/** Initial step (of the spacing) of the downhill walk that brackets a minimum. */
const WALK_STEP = 0.02;
/** Inflection points are located to this fraction of the spacing. */
const INFLECTION_TOLERANCE = 1e-10;

/**
 * A chain derived from a potential with memory states (double well: 2,
 * washboard: `levels`), evaluated at the potential's current parameters.
 *
 * Where the states are. U'' does not depend on a linear tilt, so the convex
 * region of each well and the concave region of each saddle are fixed by the
 * barrier and spacing alone. For neighbours i, i+1 (nominal wells x_i, x_{i+1}
 * from wellPositions(), midpoint c) the inflection points r_i in (x_i, c) and
 * l_{i+1} in (c, x_{i+1}) are found by bisection on the sign of U''. Then
 *   E_i = min U over [l_i, r_i], reached by walking downhill from x_i
 *         (the outer side of the first and last state extends to domain()),
 *   B_i = max U over [r_i, l_{i+1}] (the saddle).
 * As a tilt grows past the critical tilt, the minimum and the saddle slide to
 * the shared inflection point and merge there: E_i and B_i both become U at
 * that point, continuously, and B_i = E_i makes the state empty at rate nu_i.
 * (On the outer side of an edge washboard level, a tilt pushing into the wall
 * moves the minimum into the wall pocket, a jump: the particle slides there.)
 * Since min over [l_i, r_i] <= U(r_i) <= B_i, B_i >= max(E_i, E_{i+1}) holds
 * by construction; the clamp only removes round-off.
 *
 * Prefactor. With `rates: 'exact'` (the default) nu_i comes from the exact
 * mean first-passage times of this potential (useExactPrefactors,
 * docs/kinetics.md). With `rates: 'kramers'` it is Kramers' formula
 * (overdamped; Hanggi, Talkner, Borkovec RMP 1990 eq. 4.56):
 *   nu_i = sqrt( sqrt(U''(m_i) U''(m_{i+1})) |U''(b_i)| ) / (2 pi gamma),
 * the geometric mean of the two directions' curvatures, so that one nu serves
 * both directions and detailed balance holds with exp(-E_i) exactly. It equals
 * Kramers' nu for wells of equal curvature (any untilted double well, and every
 * level of a tilted washboard except the wall-side of edge levels); for a
 * tilted double well it differs from each direction's Kramers prefactor by
 * (U''_j / U''_i)^(1/4).
 *
 * Floor (rates: 'kramers' only). Where curvatures vanish (a barrier at its merge, or a barrier height
 * near 0) Kramers' nu goes to 0, which would freeze a state that has lost its
 * barrier. So nu_i = max(Kramers, rampCrossingRate(|E_i - E_{i+1}|, gap)):
 * the inverse mean first-passage time across the gap between the two minima
 * down a linear ramp of the same energy drop. It is symmetric in i, i+1
 * (detailed balance is kept), continuous, equals 2 D / d^2 on a flat gap and
 * the drift rate drop / (gamma gap^2) on a steep one: a vanished barrier
 * gives sliding at about the Langevin speed rather than a frozen state. The
 * floor takes over only once the lower of the two barriers has fallen to about
 * 1-2.5 kT (tilted double well and washboard, Eb = 3..20); in Kramers' regime
 * Kramers' nu is the larger one.
 */
class PotentialChainModel extends ChainModel {
  readonly source = 'potential' as const;
  readonly potential: Potential;
  /** Positions of the state minima m_i and saddles b_i at the current parameters. */
  readonly wellMinima: Float64Array;
  readonly saddlePoints: Float64Array;
  /** U'' at m_i and -U'' at b_i (clamped >= 0). */
  readonly wellCurvature: Float64Array;
  readonly saddleCurvature: Float64Array;
  private readonly leftEdge: Float64Array;
  private readonly rightEdge: Float64Array;
  private readonly friction: number;
  private lastParameters: Float64Array = new Float64Array(0);
  private evaluated = false;
  /** Typical spacing (scale of steps and differences) at the current parameters. */
  private scale = 1;

  /** Where the prefactors come from (docs/kinetics.md). */
  readonly rates: RateModel;
  /** Exact prefactors per distinct protocol value (parameters joined), computed once each. */
  private readonly exactCache = new Map<string, Float64Array>();
  /** Scratch: exact rates out of each state to its right and left neighbours. */
  private readonly exactUp: Float64Array;
  private readonly exactDown: Float64Array;

  constructor(potential: Potential, friction: number, rates: RateModel = 'exact') {
    super(potential.stateCount);
    this.potential = potential;
    this.friction = friction;
    this.rates = rates;
    this.exactUp = new Float64Array(potential.stateCount);
    this.exactDown = new Float64Array(potential.stateCount);
    const n = this.stateCount;
    this.wellMinima = new Float64Array(n);
    this.saddlePoints = new Float64Array(Math.max(n - 1, 0));
    this.wellCurvature = new Float64Array(n);
    this.saddleCurvature = new Float64Array(Math.max(n - 1, 0));
    this.leftEdge = new Float64Array(n);
    this.rightEdge = new Float64Array(n);
    this.setTime(0);
  }

  setTime(t: number): boolean {
    this.potential.setTime(t);
    const params = this.potential.parameters();
    const keys = Object.keys(params);
    if (keys.length !== this.lastParameters.length) this.lastParameters = new Float64Array(keys.length);
    let changed = !this.evaluated;
    for (let k = 0; k < keys.length; k++) {
      const v = params[keys[k]];
      if (v !== this.lastParameters[k]) changed = true;
      this.lastParameters[k] = v;
    }
    if (!changed) return false;
    this.locateStates();
    this.evaluated = true;
    if (this.rates === 'exact') this.useExactPrefactors();
    this.updateRates();
    return true;
  }

  parameters(): Record<string, number> {
    return this.potential.parameters();
  }

  /**
   * Replace the Kramers prefactors by the exact ones (docs/kinetics.md):
   * milestoning on the well minima. From m_i, the next minimum the particle
   * reaches is m_{i-1} or m_{i+1}; the exit problem from [m_{i-1}, m_{i+1}]
   * (an edge state reflects on its outer side) gives the mean holding time
   * T_i and the splitting probability pi_i+, hence k_i+ = pi_i+ / T_i and
   * k_i- = pi_i- / T_i (exitKinetics, Gardiner §5.2.7-5.2.8). One prefactor
   * per barrier keeps detailed balance with exp(-E_i) exactly:
   *   nu_i = sqrt(k_i+ k_{i+1}- exp((B_i - E_i) + (B_i - E_{i+1}))),
   * the geometric mean of the two directions' Arrhenius prefactors, so
   * k_i+ k_{i+1}- is exact and each direction is exact when the wells are
   * alike (untilted double well, interior washboard levels). A barrier too
   * high for double precision (> 600 kT) keeps the Kramers prefactor.
   * Cached per distinct protocol value.
   */
  private useExactPrefactors(): void {
    const key = this.lastParameters.join(',');
    const cached = this.exactCache.get(key);
    if (cached) {
      this.prefactors.set(cached);
      return;
    }
    const n = this.stateCount;
    const up = this.exactUp;
    const down = this.exactDown;
    // Interior levels of a washboard are translates (U(x + a) = U(x) - F a): one exit problem serves them all.
    const translates = this.potential.kind === 'washboard' && n > 3;
    for (let i = 0; i < n; i++) {
      if (translates && i > 1 && i < n - 1) {
        up[i] = up[1];
        down[i] = down[1];
        continue;
      }
      this.exitRates(i);
    }
    for (let i = 0; i + 1 < n; i++) {
      const logNu = 0.5 * (Math.log(up[i]) + Math.log(down[i + 1]) + 2 * this.barriers[i] - this.energies[i] - this.energies[i + 1]);
      const nu = Math.exp(logNu);
      if (Number.isFinite(nu) && nu > 0 && this.barriers[i] - Math.min(this.energies[i], this.energies[i + 1]) < 600) this.prefactors[i] = nu;
    }
    if (this.exactCache.size >= EXACT_CACHE_LIMIT) this.exactCache.clear();
    this.exactCache.set(key, Float64Array.from(this.prefactors));
  }

  /** Exact rates out of state i (into exactUp[i], exactDown[i]) from its exit problem. */
  private exitRates(i: number): void {
    const n = this.stateCount;
    const m = this.wellMinima;
    const x0 = m[i];
    // Grid: EXIT_NODES_PER_WIDTH nodes per well width 1 / sqrt(U'') of the stiffest extremum involved.
    let curvature = this.wellCurvature[i];
    if (i > 0) curvature = Math.max(curvature, this.wellCurvature[i - 1], this.saddleCurvature[i - 1]);
    if (i + 1 < n) curvature = Math.max(curvature, this.wellCurvature[i + 1], this.saddleCurvature[i]);
    const width = 1 / Math.sqrt(Math.max(curvature, 1e-12));
    const reference = this.energies[i];
    const [domainLo, domainHi] = this.potential.domain();
    // A reflecting end where the Boltzmann weight has fallen by e^-EXIT_REFLECT_KT (or the domain edge).
    const reflectingEnd = (direction: number, edge: number) => {
      const step = Math.min(0.25 * width, 0.05 * this.scale);
      let x = x0;
      while ((x - edge) * direction < 0 && this.u(x) - reference < EXIT_REFLECT_KT) x += direction * step;
      return direction > 0 ? Math.min(x, edge) : Math.max(x, edge);
    };
    const a = i > 0 ? m[i - 1] : reflectingEnd(-1, Math.min(domainLo, x0));
    const b = i + 1 < n ? m[i + 1] : reflectingEnd(1, Math.max(domainHi, x0));
    const intervals = Math.min(EXIT_MAX_INTERVALS, Math.max(200, Math.ceil((EXIT_NODES_PER_WIDTH * (b - a)) / width)));
    const exit = exitKinetics((x) => this.u(x), a, x0, b, {
      friction: this.friction,
      reflectLeft: i === 0,
      reflectRight: i + 1 === n,
      intervals,
    });
    this.exactUp[i] = exit.rightProbability / exit.meanExitTime;
    this.exactDown[i] = (1 - exit.rightProbability) / exit.meanExitTime;
  }

  classify(x: number): number {
    return this.potential.classify(x);
  }

  private u(x: number): number {
    return this.potential.energy(x, 0);
  }

  private force(x: number): number {
    return this.potential.force(x, 0);
  }

  /** U''(x) by central differences of the analytic force. */
  private curvature(x: number): number {
    const h = CURVATURE_STEP * this.scale;
    return (this.force(x - h) - this.force(x + h)) / (2 * h);
  }

  /**
   * Inflection point between a well at xWell (U'' > 0) and a saddle side at
   * xSaddle (U'' < 0), by bisection on the sign of U''. `previous` (the last
   * answer) is kept when U'' still changes sign across it: a tilt, the usual
   * protocol parameter, leaves U'' unchanged.
   */
  private inflection(xWell: number, xSaddle: number, previous: number): number {
    const towardSaddle = xSaddle > xWell ? 1 : -1;
    const check = INFLECTION_TOLERANCE * this.scale;
    if (
      Number.isFinite(previous) &&
      this.curvature(previous - towardSaddle * check) > 0 &&
      this.curvature(previous + towardSaddle * check) < 0
    ) {
      return previous;
    }
    let convex = xWell;
    let concave = xSaddle;
    if (!(this.curvature(convex) > 0 && this.curvature(concave) < 0)) return 0.5 * (xWell + xSaddle);
    while (Math.abs(concave - convex) > check) {
      const mid = 0.5 * (convex + concave);
      if (mid === convex || mid === concave) break;
      if (this.curvature(mid) > 0) convex = mid;
      else concave = mid;
    }
    return 0.5 * (convex + concave);
  }

  /**
   * Root of the force in [a, b], where it changes sign: Newton's method on the
   * force (dF/dx = -U''), kept inside the shrinking bracket, bisecting when a
   * Newton step would leave it (Numerical Recipes' rtsafe).
   */
  private forceRoot(a: number, b: number): number {
    const fa = this.force(a);
    const tolerance = 1e-13 * this.scale;
    let x = 0.5 * (a + b);
    for (let k = 0; k < 100; k++) {
      const f = this.force(x);
      if (f === 0) return x;
      if (f > 0 === fa > 0) a = x;
      else b = x;
      const slope = -this.curvature(x);
      let next = slope !== 0 ? x - f / slope : NaN;
      if (!(next > Math.min(a, b) && next < Math.max(a, b))) next = 0.5 * (a + b);
      if (Math.abs(next - x) < tolerance || Math.abs(b - a) < tolerance) return next;
      x = next;
    }
    return x;
  }

  /**
   * Warm start: Newton's method on the force from the last extremum x0. Returns
   * the new extremum if it converges inside (lo, hi) with U'' of the expected
   * sign (`curvatureSign` +1 for a minimum, -1 for a saddle), else NaN (the
   * extremum has vanished or moved far: the caller searches afresh).
   */
  private polish(x0: number, lo: number, hi: number, curvatureSign: number): number {
    const tolerance = 1e-13 * this.scale;
    let x = x0;
    for (let k = 0; k < 8; k++) {
      const f = this.force(x);
      const c = this.curvature(x);
      if (!(c * curvatureSign > 0)) return NaN;
      const next = x + f / c;
      if (!(next > lo && next < hi)) return NaN;
      if (Math.abs(next - x) < tolerance) return next;
      x = next;
    }
    return NaN;
  }

  /**
   * The minimum of U on [lo, hi] reached by walking downhill from x0: steps of
   * WALK_STEP spacings (doubling only farther than a spacing from the wells),
   * bisection on the force once it changes sign; the edge if U still falls there.
   */
  private descend(x0: number, lo: number, hi: number, nearLo: number, nearHi: number): number {
    let x = Math.min(Math.max(x0, lo), hi);
    const g = this.force(x);
    if (g === 0) return x;
    const dir = g > 0 ? 1 : -1;
    let step = WALK_STEP * this.scale;
    for (let iter = 0; iter < 10_000; iter++) {
      let next = x + dir * step;
      let atEdge = false;
      if (next >= hi) {
        next = hi;
        atEdge = true;
      } else if (next <= lo) {
        next = lo;
        atEdge = true;
      }
      const gNext = this.force(next);
      if (gNext * dir <= 0) return this.forceRoot(x, next);
      if (atEdge) return next;
      x = next;
      if (x < nearLo || x > nearHi) step *= 2;
    }
    return x;
  }

  /** The maximum of U on [lo, hi] (a concave region: the saddle, or an edge when it has merged). */
  private ascend(lo: number, hi: number): number {
    const gLo = this.force(lo);
    const gHi = this.force(hi);
    // Force = -U': a maximum inside needs U rising at lo (force < 0) and falling at hi (force > 0).
    if (gLo < 0 && gHi > 0) return this.forceRoot(lo, hi);
    if (gLo >= 0 && gHi <= 0) return this.u(lo) >= this.u(hi) ? lo : hi;
    return gLo >= 0 ? lo : hi;
  }

  private locateStates(): void {
    const n = this.stateCount;
    const wells = this.potential.wellPositions();
    const [domainLo, domainHi] = this.potential.domain();
    this.scale = n > 1 ? (wells[n - 1] - wells[0]) / (n - 1) : Math.max(domainHi - domainLo, 1e-12) / 4;
    for (let i = 0; i + 1 < n; i++) {
      const centre = 0.5 * (wells[i] + wells[i + 1]);
      this.rightEdge[i] = this.inflection(wells[i], centre, this.evaluated ? this.rightEdge[i] : NaN);
      this.leftEdge[i + 1] = this.inflection(wells[i + 1], centre, this.evaluated ? this.leftEdge[i + 1] : NaN);
    }
    this.leftEdge[0] = Math.min(domainLo, wells[0]);
    this.rightEdge[n - 1] = Math.max(domainHi, wells[n - 1]);
    const nearLo = wells[0] - this.scale;
    const nearHi = wells[n - 1] + this.scale;
    for (let i = 0; i < n; i++) {
      const lo = this.leftEdge[i];
      const hi = this.rightEdge[i];
      const warm = this.evaluated ? this.polish(this.wellMinima[i], lo, hi, 1) : NaN;
      const m = Number.isNaN(warm) ? this.descend(wells[i], lo, hi, nearLo, nearHi) : warm;
      this.wellMinima[i] = m;
      this.energies[i] = this.u(m);
      this.wellCurvature[i] = Math.max(this.curvature(m), 0);
    }
    const twoPiGamma = 2 * Math.PI * this.friction;
    for (let i = 0; i + 1 < n; i++) {
      const lo = this.rightEdge[i];
      const hi = this.leftEdge[i + 1];
      const warm = this.evaluated ? this.polish(this.saddlePoints[i], lo, hi, -1) : NaN;
      const b = Number.isNaN(warm) ? this.ascend(lo, hi) : warm;
      this.saddlePoints[i] = b;
      this.barriers[i] = this.u(b);
      this.saddleCurvature[i] = Math.max(-this.curvature(b), 0);
      const kramers = Math.sqrt(Math.sqrt(this.wellCurvature[i] * this.wellCurvature[i + 1]) * this.saddleCurvature[i]) / twoPiGamma;
      const gap = Math.max(this.wellMinima[i + 1] - this.wellMinima[i], 1e-3 * this.scale);
      const slide = rampCrossingRate(Math.abs(this.energies[i] - this.energies[i + 1]), gap, this.friction);
      this.prefactors[i] = Math.max(kramers, slide);
    }
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(this.energies[i])) throw new Error(`discrete model: state ${i} energy is ${this.energies[i]}`);
    }
  }
}

/**
 * Inverse mean first-passage time over a distance L down a linear ramp of
 * energy drop `drop` (kT), reflecting at the top, absorbing at the bottom:
 * with Pe = drop / kT and v = drop / (gamma L),
 *   T = (L / v) [1 - (1 - exp(-Pe)) / Pe]     (-> gamma L^2 / (2 kT) as Pe -> 0).
 */
export function rampCrossingRate(drop: number, length: number, friction: number): number {
  // T = (gamma L^2 / kT) g(Pe), g(Pe) = [1 - (1 - e^{-Pe}) / Pe] / Pe; its series
  // 1/2 - Pe/6 + Pe^2/24 - Pe^3/120 avoids the cancellation at small Pe.
  const g = drop < 1e-3 ? 0.5 - drop / 6 + (drop * drop) / 24 - (drop * drop * drop) / 120 : (1 + Math.expm1(-drop) / drop) / drop;
  return 1 / (friction * length * length * g);
}

/** The config path of the field that sets a potential's number of states. */
function stateCountPath(spec: PotentialSpec, path: string): string {
  switch (spec.kind) {
    case 'washboard':
      return `${path}.levels`;
    case 'sum': {
      const k = spec.terms.findIndex((term) => term.kind === 'double-well' || term.kind === 'washboard' || term.kind === 'sum');
      return k >= 0 ? stateCountPath(spec.terms[k], `${path}.terms[${k}]`) : path;
    }
    default:
      return path;
  }
}

/**
 * Build the discrete model of a memory spec. `friction` (gamma) enters the
 * Kramers prefactor of potential-derived models; a DiscreteSpec's attempt
 * frequency is already in 1 / reduced time and ignores it.
 */
export function buildDiscreteModel(spec: MemorySpec, friction: number, options: DiscreteModelOptions = {}): DiscreteModel & {
  wellMinima?: Float64Array;
  saddlePoints?: Float64Array;
} {
  const path = options.path ?? 'potential';
  const engine = options.engine ?? 'monte-carlo';
  const maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
  if (isDiscreteSpec(spec)) return new DirectChainModel(spec, path, maxStates);
  if (!(Number.isFinite(friction) && friction > 0)) {
    throw new ConfigError('friction', `is ${friction}; expected a positive number`);
  }
  const potential = buildPotential(spec, path);
  if (potential.stateCount === 0) {
    throw new ConfigError(
      'engine',
      `the ${engine} engine needs a potential with memory states (double-well or washboard); got ${spec.kind}`,
    );
  }
  if (potential.stateCount > maxStates) {
    throw new ConfigError(
      stateCountPath(spec, path),
      `${potential.stateCount} states exceed the ${engine} limit of ${maxStates} states (maxStates)`,
    );
  }
  const rates = options.rates ?? 'exact';
  if (!RATE_MODELS.includes(rates)) {
    throw new ConfigError('rates', `is ${JSON.stringify(rates)}; expected one of ${RATE_MODELS.map((r) => `"${r}"`).join(', ')}`);
  }
  return new PotentialChainModel(potential, friction, rates);
}

/**
 * Initial state probabilities at the model's current time (call at t = 0):
 * 'bits' as given (normalised), 'boltzmann' p_i proportional to exp(-E_i),
 * 'fixed' all weight on classify(x).
 */
export function initialProbabilities(model: DiscreteModel, initial: InitialSpec, path = 'initial'): Float64Array {
  const n = model.stateCount;
  const p = new Float64Array(n);
  switch (initial.kind) {
    case 'bits': {
      const given = initial.probabilities;
      if (!Array.isArray(given) || given.length !== n) {
        throw new ConfigError(
          `${path}.probabilities`,
          `has ${Array.isArray(given) ? given.length : 'no'} entries; expected ${n} (one per memory state)`,
        );
      }
      let total = 0;
      for (let i = 0; i < n; i++) {
        const v = given[i];
        if (!(Number.isFinite(v) && v >= 0)) {
          throw new ConfigError(`${path}.probabilities[${i}]`, `is ${v}; expected a probability >= 0`);
        }
        total += v;
      }
      if (!(Math.abs(total - 1) <= 1e-6)) {
        throw new ConfigError(`${path}.probabilities`, `sum to ${total}; expected 1`);
      }
      for (let i = 0; i < n; i++) p[i] = given[i] / total;
      return p;
    }
    case 'boltzmann': {
      let lowest = Infinity;
      for (let i = 0; i < n; i++) lowest = Math.min(lowest, model.energies[i]);
      let total = 0;
      for (let i = 0; i < n; i++) total += p[i] = Math.exp(-(model.energies[i] - lowest));
      for (let i = 0; i < n; i++) p[i] /= total;
      return p;
    }
    case 'fixed': {
      const state = model.classify(initial.x);
      if (state < 0) {
        throw new ConfigError(`${path}.x`, `is ${initial.x}; it lies in no memory state (expected a state of 0..${n - 1})`);
      }
      p[state] = 1;
      return p;
    }
  }
}

/** Validate the run fields the discrete engines use; `needsReplicas` for sampling engines. */
export function validateDiscreteProblem(problem: DiscreteProblem, needsReplicas: boolean): void {
  const positive = (value: number, field: string) => {
    if (!(Number.isFinite(value) && value > 0)) throw new ConfigError(field, `is ${value}; expected a positive number`);
  };
  positive(problem.duration, 'duration');
  positive(problem.dt, 'dt');
  if (!(Number.isInteger(problem.recordPoints) && problem.recordPoints >= 2)) {
    throw new ConfigError('recordPoints', `is ${problem.recordPoints}; expected an integer >= 2`);
  }
  if (needsReplicas && !(Number.isInteger(problem.replicas) && problem.replicas >= 1)) {
    throw new ConfigError('replicas', `is ${problem.replicas}; expected an integer >= 1`);
  }
}

/**
 * The protocol grid shared by the Monte-Carlo and master-equation engines (and
 * the same as the Langevin engine's): `steps` steps of equal length
 * h = duration / steps <= dt. During step n the rates are those of
 * lambda(t_{n+1}), t_{n+1} = (n + 1) h: the protocol moves first at fixed
 * state (work), then the state moves at fixed protocol (heat), as in
 * Sekimoto's discrete ledger (THEORY.md §3). Record point k falls on step
 * round(k steps / (recordPoints - 1)).
 */
export function protocolSteps(duration: number, dt: number): number {
  return Math.max(1, Math.ceil(duration / dt - 1e-9));
}

/** Step indices (0..steps) at which the timeseries is recorded. */
export function recordSteps(steps: number, recordPoints: number): Int32Array {
  const out = new Int32Array(recordPoints);
  for (let k = 0; k < recordPoints; k++) out[k] = Math.round((k * steps) / (recordPoints - 1));
  return out;
}
