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
 * EXACT_INTERPOLATION_TOLERANCE at sampled midpoints. For 0.5 <= E_b < 128 the
 * theta table of a barrier is not built from quadratures but contracted from its
 * half-octave barrier panel: ln T on a tensor Chebyshev-Lobatto grid in (E_b, theta),
 * built once per panel with the same doubling and checks (at a quarter of the
 * tolerance, in both directions), its quadratures all on the panel top's grid so that
 * T is smooth in E_b (levelExitTime uses that grid too). Every table is a pure
 * function of (barrier, friction), whatever the order of the calls. Tables are cached per
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
  // Inside a barrier panel (below) the grid is the panel top's, so T is smooth in E_b across the panel.
  const panel = barrierPanel(barrier);
  return exitTimeOnGrid(barrier, tilt, friction, panel === undefined ? barrier : panelEdge(panel + 1));
}

/** levelExitTime on the grid of barrier `gridBarrier` (>= barrier). */
function exitTimeOnGrid(barrier: number, tilt: number, friction: number, gridBarrier: number): number {
  const f = Math.abs(tilt);
  const e = barrier;
  const s = e > 0 ? f / (Math.PI * e) : Infinity;
  const x0 = s < 1 ? Math.asin(s) / (2 * Math.PI) : 0.25;
  // Well width from the stiffest curvature on the interval: 2 pi^2 E_b at most.
  const width = 1 / Math.sqrt(Math.max(2 * Math.PI * Math.PI * gridBarrier, 1e-12));
  const intervals = Math.min(MAX_INTERVALS, Math.max(200, Math.ceil((NODES_PER_WIDTH * 2) / width)));
  const energy = (x: number) => 0.5 * e * (1 - Math.cos(2 * Math.PI * x)) - f * x;
  return exitKinetics(energy, x0 - 1, x0, x0 + 1, { friction, intervals }).meanExitTime;
}

/** The count + 1 Chebyshev-Lobatto nodes on [a, b], increasing. */
function lobattoNodes(a: number, b: number, count: number): Float64Array<ArrayBuffer> {
  const nodes = new Float64Array(count + 1);
  for (let j = 0; j <= count; j++) nodes[j] = a + 0.5 * (b - a) * (1 - Math.cos((Math.PI * j) / count));
  return nodes;
}

/**
 * Barycentric weights of Lobatto nodes at t ((-1)^j, halved at the ends, over t - t_j), normalized to sum 1,
 * into `out`; the interpolant at t is sum_j out_j v_j. Returns the node index if t is a node (out is then unset).
 */
function lobattoWeights(nodes: Float64Array, t: number, out: Float64Array): number {
  const n = nodes.length - 1;
  let den = 0;
  for (let j = 0; j <= n; j++) {
    const d = t - nodes[j];
    if (d === 0) return j;
    const q = ((j & 1 ? -1 : 1) * (j === 0 || j === n ? 0.5 : 1)) / d;
    out[j] = q;
    den += q;
  }
  for (let j = 0; j <= n; j++) out[j] /= den;
  return -1;
}

/**
 * Chebyshev coefficients c_0..c_n of the interpolant through values v_j at the Lobatto nodes of lobattoNodes
 * (x_j = -cos(pi j / n) on [-1, 1]): c_k = (2/n) sum''_j v_j (-1)^k cos(pi j k / n), c_0 and c_n halved, so that
 * p(x) = sum_k c_k T_k(x) (Trefethen, Approximation Theory and Approximation Practice, ch. 3).
 */
function chebyshevCoefficients(values: ArrayLike<number>): Float64Array<ArrayBuffer> {
  const n = values.length - 1;
  const cosines = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) cosines[i] = Math.cos((Math.PI * i) / n);
  const c = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) {
    let sum = 0;
    for (let j = 0; j <= n; j++) sum += (j === 0 || j === n ? 0.5 : 1) * values[j] * cosines[(j * k) % (2 * n)];
    c[k] = ((k & 1 ? -2 : 2) / n) * sum * (k === 0 || k === n ? 0.5 : 1);
  }
  return c;
}

/**
 * A smooth function on [a, b] interpolated on Chebyshev-Lobatto nodes, evaluated by Clenshaw's recurrence on
 * its Chebyshev coefficients. Measured need: the drive table's root finding evaluates it ~10^4 times per barrier;
 * against the barycentric form (a division per node) Clenshaw took 3 exact-rate training runs from 1.8 s to 1.2 s.
 */
class ChebyshevInterpolant {
  readonly nodes: Float64Array;
  readonly coefficients: Float64Array;
  constructor(
    private readonly f: (t: number) => number,
    readonly a: number,
    readonly b: number,
    count: number,
    /** The Chebyshev coefficients, if known (then f is only the check's reference). */
    coefficients?: Float64Array,
  ) {
    this.nodes = lobattoNodes(a, b, count);
    this.coefficients = coefficients ?? chebyshevCoefficients(Float64Array.from(this.nodes, f));
  }

  at(t: number): number {
    const c = this.coefficients;
    const x = (2 * t - this.a - this.b) / (this.b - this.a);
    const x2 = 2 * x;
    let b1 = 0;
    let b2 = 0;
    for (let k = c.length - 1; k >= 1; k--) {
      const b0 = c[k] + x2 * b1 - b2;
      b2 = b1;
      b1 = b0;
    }
    return c[0] + x * b1 - b2;
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

/**
 * Barrier panels: half-octaves 2^(p/2) <= E_b < 2^((p+1)/2) over [PANEL_LOW, PANEL_HIGH), each holding
 * ln T(E_b, theta) (friction 1) on a tensor Chebyshev-Lobatto grid. Measured need: a barrier that changes
 * every Monte-Carlo step (a `table` or `learning-rate` LIM barrier) built a 1-D table of ~300 quadratures
 * per barrier, 75 % of an exact-rate training run (test/optimize/training.test.ts's search: 142 s, 2.9 s on
 * Kramers rates, 6.6 s with panels); a panel is built once and a barrier's table is a contraction of its grid.
 */
const PANELS_PER_OCTAVE = 2;
const PANEL_LOW = 0.5;
const PANEL_HIGH = 128;

/** The panel of a barrier, or undefined outside [PANEL_LOW, PANEL_HIGH) (per-barrier tables there). */
export function barrierPanel(barrier: number): number | undefined {
  if (!(barrier >= PANEL_LOW && barrier < PANEL_HIGH)) return undefined;
  return Math.floor(Math.log2(barrier) * PANELS_PER_OCTAVE);
}

function panelEdge(panel: number): number {
  return 2 ** (panel / PANELS_PER_OCTAVE);
}

/** Largest node counts of a panel's grid in E_b and theta; a panel that misses the tolerance there is not used. */
const PANEL_MAX_BARRIER_NODES = 32;
const PANEL_MAX_ANGLE_NODES = 256;

class BarrierPanel {
  readonly lo: number;
  readonly hi: number;
  barrierNodes: Float64Array = new Float64Array(0);
  angleCount = 0;
  /** Row i: the Chebyshev coefficients in theta of ln T at barrierNodes[i]. */
  grid: Float64Array = new Float64Array(0);
  /** Whether the sampled checks met the tolerance (else the panel's barriers get per-barrier tables). */
  readonly usable: boolean;
  private readonly weights = new Float64Array(PANEL_MAX_BARRIER_NODES + 1);

  constructor(panel: number) {
    this.lo = panelEdge(panel);
    this.hi = panelEdge(panel + 1);
    const top = Math.PI / 2;
    const known = new Map<string, number>();
    const direct = (e: number, theta: number): number => {
      const key = `${e} ${theta}`;
      let v = known.get(key);
      if (v === undefined) known.set(key, (v = Math.log(exitTimeOnGrid(e, Math.PI * e * Math.sin(theta), 1, this.hi))));
      return v;
    };
    // Checked at a quarter of the tolerance: the checks sample midpoints, and errors in E_b and theta add.
    const tolerance = EXACT_INTERPOLATION_TOLERANCE / 4;
    let nb = 8;
    let na = 32;
    for (;;) {
      this.barrierNodes = lobattoNodes(this.lo, this.hi, nb);
      this.angleCount = na;
      const angles = lobattoNodes(0, top, na);
      this.grid = new Float64Array((nb + 1) * (na + 1));
      for (let i = 0; i <= nb; i++) {
        const row = Float64Array.from(angles, (t) => direct(this.barrierNodes[i], t));
        this.grid.set(chebyshevCoefficients(row), i * (na + 1));
      }
      // theta: midpoints at every barrier node; E_b: midpoints at sampled angles (nodes, and the critical tilt).
      let angleError = 0;
      const angleStride = Math.max(1, Math.floor(na / 8));
      for (let i = 0; i <= nb; i++) {
        const row = new ChebyshevInterpolant(() => NaN, 0, top, na, this.grid.slice(i * (na + 1), (i + 1) * (na + 1)));
        for (let j = 0; j < na; j += angleStride) {
          const t = 0.5 * (angles[j] + angles[j + 1]);
          angleError = Math.max(angleError, Math.abs(row.at(t) - direct(this.barrierNodes[i], t)));
        }
      }
      let barrierError = 0;
      const barrierStride = Math.max(1, Math.floor(nb / 8));
      for (let i = 0; i < nb; i += barrierStride) {
        const e = 0.5 * (this.barrierNodes[i] + this.barrierNodes[i + 1]);
        const row = this.angleCoefficients(e);
        const interpolant = new ChebyshevInterpolant(() => NaN, 0, top, na, row);
        for (let j = 0; j <= na; j += angleStride) barrierError = Math.max(barrierError, Math.abs(interpolant.at(angles[j]) - direct(e, angles[j])));
        barrierError = Math.max(barrierError, Math.abs(interpolant.at(top) - direct(e, top)));
      }
      if (angleError <= tolerance && barrierError <= tolerance) {
        this.usable = true;
        return;
      }
      if ((angleError > tolerance && na >= PANEL_MAX_ANGLE_NODES) || (barrierError > tolerance && nb >= PANEL_MAX_BARRIER_NODES)) {
        this.usable = false;
        return;
      }
      if (angleError > tolerance) na *= 2;
      if (barrierError > tolerance) nb *= 2;
    }
  }

  /** The Chebyshev coefficients in theta of ln T at `barrier`: the grid contracted with the barycentric weights in E_b. */
  angleCoefficients(barrier: number): Float64Array {
    const na = this.angleCount;
    const nb = this.barrierNodes.length - 1;
    const node = lobattoWeights(this.barrierNodes, barrier, this.weights);
    if (node >= 0) return this.grid.slice(node * (na + 1), (node + 1) * (na + 1));
    const out = new Float64Array(na + 1);
    for (let i = 0; i <= nb; i++) {
      const w = this.weights[i];
      for (let j = 0; j <= na; j++) out[j] += w * this.grid[i * (na + 1) + j];
    }
    return out;
  }
}

const panels = new Map<number, BarrierPanel>();

function panelOf(barrier: number): BarrierPanel | undefined {
  const p = barrierPanel(barrier);
  if (p === undefined) return undefined;
  let panel = panels.get(p);
  if (!panel) panels.set(p, (panel = new BarrierPanel(p)));
  return panel.usable ? panel : undefined;
}

/** Tilts beyond this (kT per level) are not put to exitKinetics: its e^F would near overflow. */
export const LARGEST_TABULATED_TILT = 600;

class BarrierRates {
  /** ln T in theta = asin(F / F_c), below the critical tilt F_c = pi E_b (from the barrier's panel at friction 1, if any). */
  private readonly belowCritical: ChebyshevInterpolant | undefined;
  /** T / exp(belowCritical): the friction for a panel's table, else 1 (the quadrature's T carries it). */
  private readonly belowScale: number = 1;
  /** ln(T F / tanh(F/2)) in u = F_c / F, from the critical tilt to LARGEST_TABULATED_TILT (-> 0 as F -> infinity); built on first use. */
  private sliding: ChebyshevInterpolant | undefined;
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
    const lnTime = (theta: number) => Math.log(levelExitTime(barrier, this.critical * Math.sin(theta), friction));
    const panel = panelOf(barrier);
    if (panel) {
      this.belowCritical = new ChebyshevInterpolant(lnTime, 0, Math.PI / 2, panel.angleCount, panel.angleCoefficients(barrier));
      this.belowScale = friction;
    } else this.belowCritical = ChebyshevInterpolant.converged(lnTime, 0, Math.asin(this.tabulatedBelow / this.critical), EXACT_INTERPOLATION_TOLERANCE);
  }

  private get aboveCritical(): ChebyshevInterpolant | undefined {
    if (this.sliding || !(this.critical < LARGEST_TABULATED_TILT)) return this.sliding;
    const sliding = (u: number) => {
      const f = this.critical / u;
      return Math.log((levelExitTime(this.barrier, f, this.friction) * f) / Math.tanh(f / 2));
    };
    return (this.sliding = ChebyshevInterpolant.converged(sliding, this.critical / LARGEST_TABULATED_TILT, 1, EXACT_INTERPOLATION_TOLERANCE));
  }

  /** T at |F|; NaN where it is not tabulated (tilts above LARGEST_TABULATED_TILT below a critical tilt beyond it). */
  exitTime(tilt: number): number {
    const f = Math.abs(tilt);
    // Free drift-diffusion: the drift is F exactly, so T = tanh(F/2) / F (1/2 at F = 0).
    if (!(this.barrier > 0)) return this.friction * (f === 0 ? 0.5 : Math.tanh(f / 2) / f);
    if (f <= this.tabulatedBelow && f < this.critical) return this.belowScale * Math.exp(this.belowCritical!.at(Math.asin(f / this.critical)));
    const above = this.aboveCritical;
    if (above) {
      // Beyond the largest tabulated tilt the correction ln(T F / tanh(F/2)) is held at its value there (it falls as (F_c / F)^2).
      const u = Math.max(this.critical / f, above.a);
      return (Math.exp(above.at(u)) * Math.tanh(f / 2)) / f;
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
