import { exitKinetics } from '../thermo/first-passage.js';
import type { RateModel } from './discrete.js';
import { levelKinetics, lifsonJacksonMobility, type LevelKinetics } from './washboard.js';

/**
 * Exact hopping rates of an interior level of the tilted cosine washboard
 * U(x) = E_b/2 (1 - cos 2 pi x) - F x (spacing 1, kT = 1), the `rates: exact`
 * model of src/memory/discrete.ts (docs/kinetics.md §1) for the Monte-Carlo
 * paths that give every cell its own tilt (washboard-hopping.ts,
 * compact-hopping.ts, bit-write.ts).
 *
 * Milestoning on the minima: from the minimum m, the next other minimum is
 * m - 1 or m + 1, after a mean time T (the mean exit time from [m - 1, m + 1]),
 * to the right with probability pi_+ (Gardiner §5.2.7-5.2.8). The interval's
 * halves are translates, U(x + 1) = U(x) - F, so Psi_R = e^-F Psi_L and
 *   pi_+ = 1 / (1 + e^-F)   (exactly),     k_up = pi_+ / T,  k_down = pi_- / T,
 * whence k_up / k_down = e^F (detailed balance with E_k = U_min - F k, exactly)
 * and the drift (pi_+ - pi_-) / T = tanh(F/2) / T is the Stratonovich drift of
 * the continuous washboard. At F = 0, T = gamma I_0(E_b/2)^2 / 2 (the rate is the
 * Lifson-Jackson mobility; used in closed form). Past the critical tilt pi E_b the well is gone; the
 * start is the inflection point x = sign(F)/4 (levelKinetics' convention), and
 * T is the sliding time.
 *
 * Cost: T(F) comes from exitKinetics (quadrature, ~1e-4 s). A cell's tilt is any
 * real, so below the critical tilt ln T is interpolated, per barrier, in
 * theta = asin(F / (pi E_b)) on Chebyshev-Lobatto nodes (ln T is analytic in
 * theta: F = pi E_b sin theta and the start m = theta / 2 pi are), and past it
 * ln(T F / tanh(F/2)) (0 for free sliding) in u = pi E_b / F; each table's node
 * count is doubled until it matches direct quadrature to
 * EXACT_INTERPOLATION_TOLERANCE at sampled midpoints. Tables are cached per
 * barrier; an untilted cell's rate is the Lifson-Jackson mobility in closed form.
 */

/** Relative accuracy the interpolated ln T is held to (checked at build against direct quadrature). */
export const EXACT_INTERPOLATION_TOLERANCE = 1e-9;
/** Quadrature nodes per well width 1 / sqrt(U''), as src/memory/discrete.ts uses. */
const NODES_PER_WIDTH = 12;
const MAX_INTERVALS = 40_000;
const TABLE_CACHE_LIMIT = 4096;

/** Mean time from the minimum (or inflection point) of level 0 to either neighbouring level's, by quadrature. */
export function levelExitTime(barrier: number, tilt: number, friction = 1): number {
  const f = Math.abs(tilt);
  const e = barrier;
  const s = e > 0 ? f / (Math.PI * e) : Infinity;
  const x0 = s < 1 ? Math.asin(s) / (2 * Math.PI) : 0.25;
  // Well width from the stiffest curvature on the interval: 2 pi^2 E_b at most.
  const width = 1 / Math.sqrt(Math.max(2 * Math.PI * Math.PI * e, 1e-12));
  const intervals = Math.min(MAX_INTERVALS, Math.max(200, Math.ceil((NODES_PER_WIDTH * 2) / width)));
  const energy = (x: number) => 0.5 * e * (1 - Math.cos(2 * Math.PI * x)) - f * x;
  return exitKinetics(energy, x0 - 1, x0, x0 + 1, { friction, intervals }).meanExitTime;
}

/** A smooth function on [a, b] by barycentric interpolation on Chebyshev-Lobatto nodes (Berrut & Trefethen 2004). */
class ChebyshevInterpolant {
  readonly nodes: Float64Array;
  readonly values: Float64Array;
  constructor(
    private readonly f: (t: number) => number,
    readonly a: number,
    readonly b: number,
    count: number,
  ) {
    this.nodes = new Float64Array(count + 1);
    this.values = new Float64Array(count + 1);
    for (let j = 0; j <= count; j++) {
      const t = a + 0.5 * (b - a) * (1 - Math.cos((Math.PI * j) / count));
      this.nodes[j] = t;
      this.values[j] = f(t);
    }
  }

  at(t: number): number {
    const { nodes, values } = this;
    const n = nodes.length - 1;
    let num = 0;
    let den = 0;
    for (let j = 0; j <= n; j++) {
      const d = t - nodes[j];
      if (d === 0) return values[j];
      // Barycentric weights of Lobatto nodes: (-1)^j, halved at the ends.
      const w = (j & 1 ? -1 : 1) * (j === 0 || j === n ? 0.5 : 1);
      const q = w / d;
      num += q * values[j];
      den += q;
    }
    return num / den;
  }

  /** Largest error at sampled midpoints between nodes, against f itself. */
  worstError(): number {
    let worst = 0;
    const n = this.nodes.length - 1;
    for (let j = 0; j < n; j += Math.max(1, Math.floor(n / 8))) {
      const t = 0.5 * (this.nodes[j] + this.nodes[j + 1]);
      worst = Math.max(worst, Math.abs(this.at(t) - this.f(t)));
    }
    return worst;
  }

  /** Doubling the nodes from 32 until the sampled error is below `tolerance` (at most 512). */
  static converged(f: (t: number) => number, a: number, b: number, tolerance: number): ChebyshevInterpolant {
    let table = new ChebyshevInterpolant(f, a, b, 32);
    while (table.worstError() > tolerance && table.nodes.length < 512) table = new ChebyshevInterpolant(f, a, b, 2 * (table.nodes.length - 1));
    return table;
  }
}

/** Tilts beyond this (kT per level) are not put to exitKinetics: its e^F would near overflow. */
export const LARGEST_TABULATED_TILT = 600;

class BarrierRates {
  /** ln T in theta = asin(F / F_c), below the critical tilt F_c = pi E_b. */
  private readonly belowCritical: ChebyshevInterpolant | undefined;
  /** ln(T F / tanh(F/2)) in u = F_c / F, from the critical tilt to LARGEST_TABULATED_TILT (-> 0 as F -> infinity). */
  private readonly aboveCritical: ChebyshevInterpolant | undefined;
  private readonly critical: number;
  /** Largest tilt of belowCritical (F_c, or LARGEST_TABULATED_TILT for barriers above LARGEST_TABULATED_TILT / pi). */
  private readonly tabulatedBelow: number;
  constructor(
    readonly barrier: number,
    readonly friction: number,
  ) {
    this.critical = Math.PI * barrier;
    this.tabulatedBelow = Math.min(this.critical, LARGEST_TABULATED_TILT);
    if (!(barrier > 0)) return;
    // ln T errors are relative errors of T.
    this.belowCritical = ChebyshevInterpolant.converged(
      (theta) => Math.log(levelExitTime(barrier, this.critical * Math.sin(theta), friction)),
      0,
      Math.asin(this.tabulatedBelow / this.critical),
      EXACT_INTERPOLATION_TOLERANCE,
    );
    if (this.critical < LARGEST_TABULATED_TILT) {
      const sliding = (u: number) => {
        const f = this.critical / u;
        return Math.log((levelExitTime(barrier, f, friction) * f) / Math.tanh(f / 2));
      };
      this.aboveCritical = ChebyshevInterpolant.converged(sliding, this.critical / LARGEST_TABULATED_TILT, 1, EXACT_INTERPOLATION_TOLERANCE);
    }
  }

  /** T at |F|; NaN where it is not tabulated (tilts above LARGEST_TABULATED_TILT below a critical tilt beyond it). */
  exitTime(tilt: number): number {
    const f = Math.abs(tilt);
    // Free drift-diffusion: the drift is F exactly, so T = tanh(F/2) / F (1/2 at F = 0).
    if (!(this.barrier > 0)) return this.friction * (f === 0 ? 0.5 : Math.tanh(f / 2) / f);
    if (f <= this.tabulatedBelow && f < this.critical) return Math.exp(this.belowCritical!.at(Math.asin(f / this.critical)));
    if (this.aboveCritical) {
      // Beyond the largest tabulated tilt the correction ln(T F / tanh(F/2)) is held at its value there (it falls as (F_c / F)^2).
      const u = Math.max(this.critical / f, this.aboveCritical.a);
      return (Math.exp(this.aboveCritical.at(u)) * Math.tanh(f / 2)) / f;
    }
    return NaN;
  }
}

const tables = new Map<string, BarrierRates>();

function ratesAt(barrier: number, friction: number): BarrierRates {
  const key = `${barrier}|${friction}`;
  let table = tables.get(key);
  if (!table) {
    if (tables.size >= TABLE_CACHE_LIMIT) tables.clear();
    table = new BarrierRates(barrier, friction);
    tables.set(key, table);
  }
  return table;
}

let lastTable: BarrierRates | undefined;
/** The untilted rate of the last barrier asked (a barrier ramp asks each value once per cell). */
let untilted = { barrier: NaN, friction: NaN, rate: NaN };

/** levelKinetics with the exact rates: the same minimum offset and energy, k_up = pi_+ / T, k_down = pi_- / T. */
export function exactLevelKinetics(barrierHeight: number, tilt: number, friction = 1, out?: LevelKinetics): LevelKinetics {
  const result = levelKinetics(barrierHeight, tilt, friction, out);
  if (tilt === 0 && barrierHeight > 0) {
    // Untilted: k = 1 / (2 T) = the Lifson-Jackson mobility 1 / (gamma I_0(E_b/2)^2), in closed form (no table).
    if (untilted.barrier !== barrierHeight || untilted.friction !== friction) {
      untilted = { barrier: barrierHeight, friction, rate: lifsonJacksonMobility(barrierHeight, friction) };
    }
    result.rateUp = untilted.rate;
    result.rateDown = untilted.rate;
    return result;
  }
  const table = lastTable && lastTable.barrier === barrierHeight && lastTable.friction === friction ? lastTable : (lastTable = ratesAt(barrierHeight, friction));
  const time = table.exitTime(tilt);
  // Tilts above LARGEST_TABULATED_TILT kT per level short of a barrier's critical tilt (E_b > 190 kT) would
  // overflow the quadrature: they keep Kramers' rates (as src/memory/discrete.ts does beyond 600 kT).
  if (Number.isNaN(time)) return result;
  // pi_+ = 1 / (1 + e^-F) and pi_- = e^-F / (1 + e^-F), written so neither overflows or cancels.
  const q = Math.exp(-Math.abs(tilt));
  const downhill = 1 / (1 + q);
  const uphill = q / (1 + q);
  result.rateUp = (tilt >= 0 ? downhill : uphill) / time;
  result.rateDown = (tilt >= 0 ? uphill : downhill) / time;
  return result;
}

/** The level kinetics of a rate model (src/memory/discrete.ts RateModel): exact (default) or Kramers' closed form. */
export function levelKineticsFor(rates: RateModel): (barrierHeight: number, tilt: number, friction?: number, out?: LevelKinetics) => LevelKinetics {
  return rates === 'kramers' ? levelKinetics : exactLevelKinetics;
}
