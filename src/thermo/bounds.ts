import type { EngineResult, Estimate } from '../engines/problem.js';
import { buildDiscreteModel, isDiscreteSpec, type DiscreteProblem } from '../memory/discrete.js';
import { buildPotential } from '../physics/potentials.js';
import { LN2 } from '../physics/units.js';
import {
  bitEntropy,
  levelEntropy,
  sampledLevelEntropy,
  wasserstein2Grid,
  wasserstein2Samples,
  wasserstein2SquaredDebiased,
} from './estimators.js';
import { schedulesChangedOverRun, stiffestCurvature } from './protocol-checks.js';
import { boltzmannStatistics } from './free-energy.js';

/**
 * Thermodynamic bounds (THEORY.md §4-§5; derivations in docs/bounds.md).
 * Reduced units: energies in kT, lengths in well spacings, times in
 * gamma length^2 / kT, rates per reduced time. Multiply an energy by
 * thermalEnergyJ(T) (physics/units.ts) for joules.
 */

// ---------------------------------------------------------------- energy bounds

/**
 * Second law for the work (kT): <W> >= Delta F - D(rho_0 || pi_0), where
 * Delta F = F(lambda_tau) - F(lambda_0) and D is the relative entropy (nats)
 * of the initial density to the Boltzmann density at lambda_0 (0 when the run
 * starts in equilibrium). From W - Delta F_neq = T Sigma >= 0 with
 * F_neq = <U> - T S and F_neq(rho_tau) >= F(lambda_tau). Source: THEORY.md
 * §3-§4; Seifert, Rep. Prog. Phys. 75, 126001 (2012).
 */
export function secondLawWorkBound(freeEnergyChange: number, initialRelativeEntropy = 0): number {
  return freeEnergyChange - initialRelativeEntropy;
}

/**
 * Clausius form for the heat released (kT): Sigma = Delta S_sys + Q/T >= 0, so
 * <Q> >= -T Delta S_sys = S_initial - S_final (entropies in nats).
 * Source: THEORY.md §3; Seifert (2012).
 */
export function clausiusHeatBound(initialEntropy: number, finalEntropy: number): number {
  return initialEntropy - finalEntropy;
}

/**
 * Landauer's bound for erasing one bit that starts at p = 1/2 into one state
 * with certainty: <Q> >= kT ln 2 (kT). Source: Landauer, IBM J. Res. Dev. 5,
 * 183 (1961); THEORY.md §4.
 */
export function landauerBound(): number {
  return LN2;
}

/**
 * Partial erasure of a bit from p = 1/2 to final error probability eps:
 * <Q> >= kT (ln 2 - H(eps)) (kT), H the bit entropy in nats.
 * Source: THEORY.md §4; Berut et al., Nature 483, 187 (2012).
 */
export function partialErasureBound(errorProbability: number): number {
  return LN2 - bitEntropy(errorProbability);
}

/**
 * Logical (coarse-grained) Landauer bound for any change of the memory-state
 * distribution: <Q> >= kT [H(p_initial) - H(p_final)] (kT), H the Shannon
 * entropy of the occupancies in nats. Exact when start and end are in local
 * equilibrium within each state with equal within-state entropies (the same
 * symmetric memory potential at both ends). Source: THEORY.md §3-§4.
 */
export function informationErasureBound(initialOccupancy: ArrayLike<number>, finalOccupancy: ArrayLike<number>): number {
  return levelEntropy(initialOccupancy) - levelEntropy(finalOccupancy);
}

/**
 * Finite-time (optimal-transport) bound on the entropy production of an
 * overdamped process of duration tau between densities rho_0 and rho_tau
 * (kT): T Sigma >= gamma W2(rho_0, rho_tau)^2 / tau, W2 in well spacings.
 * Source: Aurell, Mejia-Monasterio, Muratore-Ginanneschi, PRL 106, 250601
 * (2011); Proesmans, Ehrich, Bechhoefer, PRL 125, 100602 (2020); THEORY.md §4.
 */
export function finiteTimeBound(wasserstein2: number, duration: number, friction = 1): number {
  if (!(duration > 0)) throw new RangeError(`finiteTimeBound: duration = ${duration}; expected > 0`);
  return (friction * wasserstein2 * wasserstein2) / duration;
}

/** finiteTimeBound with W2 from two equal-size samples of the initial and final positions (sorted-sample formula). */
export function finiteTimeBoundFromSamples(
  initialPositions: ArrayLike<number>,
  finalPositions: ArrayLike<number>,
  duration: number,
  friction = 1,
): number {
  return finiteTimeBound(wasserstein2Samples(initialPositions, finalPositions), duration, friction);
}

/**
 * finiteTimeBound with W2 from two densities on the same uniform grid of cells
 * [lo + j dx, lo + (j+1) dx] (via their quantile functions).
 */
export function finiteTimeBoundFromDensities(
  lo: number,
  dx: number,
  initialDensity: ArrayLike<number>,
  finalDensity: ArrayLike<number>,
  duration: number,
  friction = 1,
): number {
  return finiteTimeBound(wasserstein2Grid(lo, dx, initialDensity, finalDensity), duration, friction);
}

/**
 * Drag bound (kT): moving a parameter (or a rigid distribution) a distance L
 * in time tau through friction gamma dissipates at least gamma L^2 / tau;
 * constant speed attains it (Cauchy-Schwarz on int gamma v^2 dt with
 * int v dt = L). Source: THEORY.md §4-§5.
 */
export function dragBound(friction: number, distance: number, duration: number): number {
  if (!(duration > 0)) throw new RangeError(`dragBound: duration = ${duration}; expected > 0`);
  return (friction * distance * distance) / duration;
}

// ---------------------------------------------------------------- rates and retention

/**
 * Kramers' overdamped escape rate over a barrier (per reduced time):
 *   r = sqrt(U''(x_min) |U''(x_b)|) / (2 pi gamma) exp(-E_b / kT),
 * curvatures in kT per length^2, E_b in kT. Valid for E_b >> kT; the relative
 * error is O(kT / E_b). Source: Kramers, Physica 7, 284 (1940); Hanggi,
 * Talkner, Borkovec, Rev. Mod. Phys. 62, 251 (1990); THEORY.md §2.
 */
export function kramersRate(curvatureMinimum: number, curvatureBarrier: number, barrierHeight: number, friction = 1, kT = 1): number {
  return kramersPrefactor(curvatureMinimum, curvatureBarrier, friction) * Math.exp(-barrierHeight / kT);
}

/** The attempt frequency nu = sqrt(U''(x_min) |U''(x_b)|) / (2 pi gamma) of kramersRate. */
export function kramersPrefactor(curvatureMinimum: number, curvatureBarrier: number, friction = 1): number {
  return Math.sqrt(curvatureMinimum * Math.abs(curvatureBarrier)) / (2 * Math.PI * friction);
}

/**
 * Kramers prefactor of the quartic double well U = E_b ((x/x_m)^2 - 1)^2:
 * U''(x_m) = 8 E_b / x_m^2, |U''(0)| = 4 E_b / x_m^2, so
 * nu = sqrt(32) E_b / (2 pi gamma x_m^2).
 */
export function kramersPrefactorDoubleWell(barrierHeight: number, wellPosition = 1, friction = 1): number {
  const scale = barrierHeight / (wellPosition * wellPosition);
  return kramersPrefactor(8 * scale, 4 * scale, friction);
}

/** Escape rate out of one well of the untilted quartic double well (per reduced time). */
export function kramersRateDoubleWell(barrierHeight: number, wellPosition = 1, friction = 1, kT = 1): number {
  return kramersPrefactorDoubleWell(barrierHeight, wellPosition, friction) * Math.exp(-barrierHeight / kT);
}

/**
 * Kramers prefactor of the cosine washboard U = (E_b/2)(1 - cos(2 pi x/a)):
 * U'' = 2 pi^2 E_b / a^2 at both the minimum and the barrier, so
 * nu = pi E_b / (gamma a^2) (THEORY.md §5).
 */
export function kramersPrefactorWashboard(barrierHeight: number, spacing = 1, friction = 1): number {
  return (Math.PI * barrierHeight) / (friction * spacing * spacing);
}

/**
 * Hopping rate from one washboard well to ONE neighbour (per reduced time):
 * r = (pi E_b / (gamma a^2)) exp(-E_b / kT); a well empties at 2r, and a small
 * tilt F gives the drift v = r a^2 F / kT (THEORY.md §5).
 */
export function kramersRateWashboard(barrierHeight: number, spacing = 1, friction = 1, kT = 1): number {
  return kramersPrefactorWashboard(barrierHeight, spacing, friction) * Math.exp(-barrierHeight / kT);
}

/**
 * Retention barrier (kT): a bit held for t_ret with error probability at most
 * eps needs E_b >= kT ln(r_0 t_ret / eps), r_0 the Kramers prefactor (the
 * error of a full well after t_ret is at most r t_ret = r_0 e^{-E_b/kT} t_ret
 * for r t_ret << 1). Source: THEORY.md §4.
 */
export function retentionBarrier(prefactor: number, holdTime: number, errorProbability: number, kT = 1): number {
  if (!(errorProbability > 0 && errorProbability < 1)) {
    throw new RangeError(`retentionBarrier: errorProbability = ${errorProbability}; expected in (0, 1)`);
  }
  return kT * Math.log((prefactor * holdTime) / errorProbability);
}

/**
 * retentionBarrier for the quartic double well, whose prefactor itself grows
 * with the barrier (nu = c E_b): the fixed point of E = ln(c E t_ret / eps) in
 * kT = 1 units, by iteration (the map contracts with slope 1/E < 1 for E > 1).
 */
export function retentionBarrierDoubleWell(holdTime: number, errorProbability: number, wellPosition = 1, friction = 1): number {
  let barrier = Math.max(1, retentionBarrier(kramersPrefactorDoubleWell(1, wellPosition, friction), holdTime, errorProbability));
  for (let i = 0; i < 100; i++) {
    const next = retentionBarrier(kramersPrefactorDoubleWell(barrier, wellPosition, friction), holdTime, errorProbability);
    if (Math.abs(next - barrier) < 1e-13 * Math.max(1, barrier)) return next;
    barrier = next;
  }
  return barrier;
}

// ---------------------------------------------------------------- checks

/** The number of combined standard errors a measurement must fall below a bound to violate it. */
export const VIOLATION_SIGMAS = 4;

export interface BoundCheck {
  /** The lower bound, kT. */
  bound: number;
  /** Standard error of the bound when it is itself estimated from samples (occupancies, W2, path lengths), kT. */
  boundSe: number;
  measured: Estimate;
  /** measured.mean - bound, kT. */
  excess: number;
  /** (measured.mean - bound) / sqrt(se^2 + boundSe^2): the excess in combined SE (+-Infinity when both SEs are 0). */
  z: number;
  /** measured.mean / bound; NaN when bound <= 1e-12 kT (no meaningful ratio). */
  ratio: number;
  /** Delta-method SE of the ratio: |ratio| sqrt((se/measured)^2 + (boundSe/bound)^2); NaN without a ratio. */
  ratioSe: number;
  /** bound - measured.mean > 4 sqrt(se^2 + boundSe^2) + tolerance. */
  violated: boolean;
}

/** Delta-method SE of a / b for independent estimates: |a/b| sqrt((se_a/a)^2 + (se_b/b)^2). */
export function ratioStandardError(a: number, seA: number, b: number, seB: number): number {
  const ratio = a / b;
  if (!Number.isFinite(ratio)) return NaN;
  // Written without dividing by a, so a = 0 gives the SE se_a / |b|.
  return Math.sqrt((seA / b) ** 2 + ((ratio * seB) / b) ** 2);
}

/**
 * Hold a measured quantity (e.g. dissipated heat or work) against a lower
 * bound as a one-sided test: a violation is a measured mean more than 4
 * combined standard errors (plus an absolute numerical `tolerance`) below the
 * bound, (bound - measured) > 4 sqrt(se_m^2 + se_b^2) + tolerance.
 */
export function checkLowerBound(measured: Estimate, bound: number, options: { boundSe?: number; tolerance?: number } = {}): BoundCheck {
  const boundSe = options.boundSe ?? 0;
  const tolerance = options.tolerance ?? 0;
  const combined = Math.sqrt(measured.se * measured.se + boundSe * boundSe);
  const excess = measured.mean - bound;
  const z = combined > 0 ? excess / combined : excess === 0 || Math.abs(excess) <= tolerance ? 0 : Math.sign(excess) * Infinity;
  const ratio = bound > 1e-12 ? measured.mean / bound : NaN;
  return {
    bound,
    boundSe,
    measured,
    excess,
    z,
    ratio,
    ratioSe: Number.isFinite(ratio) ? ratioStandardError(measured.mean, measured.se, bound, boundSe) : NaN,
    violated: -excess > VIOLATION_SIGMAS * combined + tolerance,
  };
}

export type BoundQuantity = 'work' | 'heat' | 'entropyProduction';

/** One assumption a bound needs, and whether this run was checked against it. */
export interface BoundAssumption {
  assumption: string;
  /** true: tested on this run's protocol or data; false: stated only (true by construction or not testable here). */
  checked: boolean;
  /** The outcome of the check (true when not checked). */
  holds: boolean;
  detail?: string;
}

export type BoundStatus = 'holds' | 'violated' | 'not applicable';

export interface BoundReport extends BoundCheck {
  name: 'second-law' | 'clausius' | 'landauer' | 'finite-time';
  /** The quantity the bound constrains (entropyProduction is T Sigma = <Q> + T Delta S_sys, kT). */
  quantity: BoundQuantity;
  source: string;
  /** What has to hold for the bound to apply as computed here (one line). */
  assumptions: string;
  /** Each assumption, checked or stated. */
  checks: BoundAssumption[];
  /** Every checked assumption holds; a bound that does not apply is never violated. */
  applicable: boolean;
  /** The assumptions that failed (empty when applicable). */
  failedAssumptions: string[];
  status: BoundStatus;
}

/** The one-line verdict of a bound: holds, VIOLATED, or not applicable with the failed assumption. */
export function boundStatusText(b: Pick<BoundReport, 'status' | 'failedAssumptions'>): string {
  if (b.status === 'not applicable') return `not applicable (assumption failed: ${b.failedAssumptions.join('; ')})`;
  return b.status === 'violated' ? 'VIOLATED' : 'holds';
}

/** What an engine may add to EngineResult: the grid densities of the Fokker-Planck engine. */
interface DensityResult {
  centres: Float64Array;
  grid: { lower: number; cellWidth: number };
  initialDensity: Float64Array;
  finalDensity: Float64Array;
  initialEntropy: number;
  finalEntropy: number;
}

function hasDensities(result: EngineResult): result is EngineResult & DensityResult {
  const r = result as Partial<DensityResult>;
  return r.initialDensity instanceof Float64Array && r.finalDensity instanceof Float64Array && typeof r.initialEntropy === 'number';
}

export interface ApplicableBoundsOptions {
  /** Delta F to use instead of quadrature (e.g. a discrete-state engine's own free energies), kT. */
  freeEnergyChange?: number;
  /** Absolute numerical tolerance for a violation, kT (default: round-off, 1e-9 max(1, |bound|, |measured|)). */
  tolerance?: number;
  /** The Langevin integrator that ran ('euler-maruyama' or 'leimkuhler-matthews'): its time-step error is checked. */
  integrator?: string;
  /** Seed of the bootstrap of sample-estimated bounds (default problem.seed). */
  seed?: number;
}

/** Equilibrium of the model an engine actually ran, at t = 0 and t = tau. */
interface ModelEquilibrium {
  kind: 'continuous' | 'discrete';
  stateCount: number;
  initialFreeEnergy: number;
  finalFreeEnergy: number;
  /** Equilibrium state occupancy at t = 0. */
  initialOccupancy: number[];
  /** The state of a position at t = 0 (for a 'fixed' start), or -1. */
  classify(x: number): number;
}

/** F = -ln sum_i exp(-E_i) and p_i = exp(-E_i) / Z of a discrete model's state energies. */
function discreteEquilibrium(energies: Float64Array): { freeEnergy: number; occupancy: number[] } {
  let lowest = Infinity;
  for (const e of energies) lowest = Math.min(lowest, e);
  let z = 0;
  for (const e of energies) z += Math.exp(-(e - lowest));
  return { freeEnergy: lowest - Math.log(z), occupancy: Array.from(energies, (e) => Math.exp(-(e - lowest)) / z) };
}

function modelEquilibrium(problem: DiscreteProblem, result: EngineResult): ModelEquilibrium {
  const spec = problem.potential;
  if (isDiscreteSpec(spec) || result.engine === 'monte-carlo' || result.engine === 'master-equation') {
    // The discrete engines' own model: state energies E_i (for a potential, its
    // well minima), so F = -ln sum exp(-E_i), not the quadrature of U.
    const model = buildDiscreteModel(spec, problem.friction);
    model.setTime(0);
    const start = discreteEquilibrium(model.energies);
    model.setTime(problem.duration);
    const end = discreteEquilibrium(model.energies);
    model.setTime(0);
    return {
      kind: 'discrete',
      stateCount: model.stateCount,
      initialFreeEnergy: start.freeEnergy,
      finalFreeEnergy: end.freeEnergy,
      initialOccupancy: start.occupancy,
      classify: (x) => model.classify(x),
    };
  }
  const potential = buildPotential(spec);
  potential.setTime(problem.duration);
  const end = boltzmannStatistics(potential);
  potential.setTime(0);
  const start = boltzmannStatistics(potential);
  return {
    kind: 'continuous',
    stateCount: potential.stateCount,
    initialFreeEnergy: start.freeEnergy,
    finalFreeEnergy: end.freeEnergy,
    initialOccupancy: start.occupancy,
    classify: (x) => potential.classify(x),
  };
}

const stated = (assumption: string, detail?: string): BoundAssumption => ({ assumption, checked: false, holds: true, ...(detail ? { detail } : {}) });
const tested = (assumption: string, holds: boolean, detail?: string): BoundAssumption => ({ assumption, checked: true, holds, ...(detail ? { detail } : {}) });

/**
 * The bounds that apply to a run, each held against the quantity it constrains
 * as a one-sided 4-SE test (docs/bounds.md §8), with the assumptions it needs
 * checked on this run. A bound whose checked assumption fails is reported as
 * not applicable and never as violated.
 * Continuous engines (Langevin, Fokker-Planck) use the potential's free energy
 * by quadrature; discrete engines (Monte-Carlo, master equation) use their
 * model's state energies E_i, F = -ln sum exp(-E_i) (their W is booked on E_i).
 *
 * - second-law (work): <W> >= Delta F - D(p_0 || pi_0). D is the initial
 *   relative entropy to equilibrium: 0 for 'boltzmann'; for 'bits',
 *   sum_s p_s ln(p_s / pi_s) (exact for the restricted-Boltzmann start the
 *   engines use); for 'fixed', -ln pi_s on a discrete model, and no bound on a
 *   continuous one (a delta start has D = infinity).
 * - clausius (heat): <Q> >= S_0 - S_tau, with the grid densities' entropies
 *   (Fokker-Planck) or, on a discrete model, the state entropies H(p) (exact
 *   there: the state is all the system has); a sampled H(p_tau) is
 *   Miller-Madow corrected, its SE in boundSe.
 * - landauer (heat), >= 2 states: <Q> >= H(p_0) - H(p_tau), p_0 exact from
 *   the initial spec, p_tau measured. Applies only when the potential at
 *   t = tau is the one at t = 0 (every schedule checked) and the information
 *   change is resolved beyond 4 SE (else it is the second law, not a Landauer
 *   claim). On a continuous model it also assumes local equilibrium within
 *   each state with equal within-state entropies at both ends.
 * - finite-time: with densities, T Sigma = <Q> + S(rho_tau) - S(rho_0) >=
 *   gamma W2^2 / tau; with sampled initial and final positions (no entropies),
 *   the work form <W> >= Delta F - D(rho_0 || pi_0) + gamma W2^2 / tau, which
 *   follows because <W> - Delta F + D(rho_0 || pi_0) = T Sigma + D(rho_tau || pi_tau)
 *   >= T Sigma; W2^2 debiased with a bootstrap SE (wasserstein2SquaredDebiased).
 *   The work form needs dynamics that keep the Boltzmann density invariant:
 *   Euler-Maruyama's stationary density is off by O(dt) (in a trap of
 *   curvature k its variance is 1/(k (1 - k dt/2))), a W2^2 of k dt^2 / 16,
 *   so the row is not applicable when gamma k dt^2 / (16 tau) exceeds the
 *   bound's combined SE.
 */
export function applicableBounds(problem: DiscreteProblem, result: EngineResult, options: ApplicableBoundsOptions = {}): BoundReport[] {
  const model = modelEquilibrium(problem, result);
  const discrete = model.kind === 'discrete';
  const deltaF = options.freeEnergyChange ?? model.finalFreeEnergy - model.initialFreeEnergy;
  const tau = problem.duration;
  const gamma = problem.friction;
  const initial = problem.initial;
  const tol = (bound: number, measured: number): number => options.tolerance ?? 1e-9 * Math.max(1, Math.abs(bound), Math.abs(measured));
  const equilibrium = model.initialOccupancy;

  // Initial relative entropy to equilibrium and initial occupancy, exact from the spec.
  let initialRelativeEntropy: number | undefined;
  let initialOccupancy: number[] | undefined;
  if (initial.kind === 'boltzmann') {
    initialRelativeEntropy = 0;
    initialOccupancy = equilibrium;
  } else if (initial.kind === 'bits') {
    const total = initial.probabilities.reduce((a, b) => a + b, 0);
    initialOccupancy = initial.probabilities.map((p) => p / total);
    // D >= 0; the clamp removes round-off below zero (a start at the equilibrium occupancy).
    initialRelativeEntropy = Math.max(
      0,
      initialOccupancy.reduce((sum, p, s) => (p > 0 ? sum + p * Math.log(p / equilibrium[s]) : sum), 0),
    );
  } else if (discrete) {
    const state = model.classify(initial.x);
    if (state >= 0) {
      initialOccupancy = equilibrium.map((_, s) => (s === state ? 1 : 0));
      initialRelativeEntropy = -Math.log(equilibrium[state]);
    }
  }
  // Occupancies are sampled only by the trajectory engines; the deterministic ones
  // (master equation, Fokker-Planck) give exact occupancies even when they report a
  // discretisation SE on the energies.
  const samples = result.trajectories ? result.trajectories.work.length : 0;

  const reports: BoundReport[] = [];
  const add = (
    name: BoundReport['name'],
    quantity: BoundQuantity,
    measured: Estimate,
    bound: number,
    boundSe: number,
    source: string,
    assumptions: string,
    checks: BoundAssumption[],
  ): void => {
    const check = checkLowerBound(measured, bound, { boundSe, tolerance: tol(bound, measured.mean) });
    const failed = checks.filter((c) => c.checked && !c.holds).map((c) => c.assumption + (c.detail ? ` (${c.detail})` : ''));
    const applicable = failed.length === 0;
    const violated = applicable && check.violated;
    reports.push({
      name,
      quantity,
      source,
      assumptions,
      ...check,
      violated,
      checks,
      applicable,
      failedAssumptions: failed,
      status: !applicable ? 'not applicable' : violated ? 'violated' : 'holds',
    });
  };
  const startCheck = tested(
    `start in (restricted) equilibrium: initial ${initial.kind}`,
    initialRelativeEntropy !== undefined,
    initial.kind === 'bits' ? 'Boltzmann restricted to each state, weighted by the bit probabilities' : initial.kind === 'fixed' ? 'all weight in one state' : 'equilibrium at lambda(0)',
  );

  if (initialRelativeEntropy !== undefined) {
    add(
      'second-law',
      'work',
      result.work,
      secondLawWorkBound(deltaF, initialRelativeEntropy),
      0,
      'Seifert, Rep. Prog. Phys. 75, 126001 (2012); docs/bounds.md §1',
      `initial ${initial.kind} start; Delta F = ${deltaF.toPrecision(6)} kT ${
        options.freeEnergyChange !== undefined ? 'as given' : discrete ? 'from the discrete model, F = -ln sum exp(-E_i)' : 'by quadrature of the potential'
      }; D(p_0 || pi_0) = ${initialRelativeEntropy.toPrecision(6)} nats`,
      [startCheck, stated('Markovian dynamics in contact with one bath (true by construction of every engine)')],
    );
  }

  // H(p_tau): exact, or Miller-Madow corrected with its SE when sampled.
  const finalEntropy = sampledLevelEntropy(result.finalOccupancy, samples);
  if (hasDensities(result)) {
    add(
      'clausius',
      'heat',
      result.heat,
      clausiusHeatBound(result.initialEntropy, result.finalEntropy),
      0,
      'Seifert (2012) (Sigma = Delta S_sys + Q/T >= 0); docs/bounds.md §2',
      'Markovian dynamics in contact with one bath; S_sys the Shannon entropy of the grid density',
      [stated('Markovian dynamics in contact with one bath'), stated('S_sys the Shannon entropy of the grid density (exact on the grid)')],
    );
  } else if (discrete && initialOccupancy !== undefined) {
    add(
      'clausius',
      'heat',
      result.heat,
      clausiusHeatBound(levelEntropy(initialOccupancy), finalEntropy.mean),
      finalEntropy.se,
      'Seifert (2012) (Sigma = Delta S_sys + Q/T >= 0); docs/bounds.md §2',
      `Markov jump process with detailed-balanced rates; S_sys = H(p), the Shannon entropy of the state occupancy${samples ? ` (final H Miller-Madow corrected over ${samples} samples)` : ''}`,
      [startCheck, stated('Markov jump process with detailed-balanced rates (true by construction of the discrete model)')],
    );
  }

  if (model.stateCount >= 2 && initialOccupancy !== undefined) {
    const information = levelEntropy(initialOccupancy) - finalEntropy.mean;
    const changed = schedulesChangedOverRun(problem.potential, tau);
    const resolved = information > VIOLATION_SIGMAS * finalEntropy.se && information > tol(information, 0);
    add(
      'landauer',
      'heat',
      result.heat,
      information,
      finalEntropy.se,
      'Landauer, IBM J. Res. Dev. 5, 183 (1961); Berut et al., Nature 483, 187 (2012); docs/bounds.md §3',
      discrete
        ? 'the same model at both ends; exact on a discrete model (its system entropy is H(p))'
        : 'the same memory potential at both ends, start and end in local equilibrium within each memory state with equal ' +
            'within-state entropies; then -T Delta S_sys = H(p_0) - H(p_tau)',
      [
        tested(
          'the potential at t = tau equals the one at t = 0',
          changed.length === 0,
          changed.length ? changed.map((c) => `${c.path} goes ${c.start.toPrecision(4)} -> ${c.end.toPrecision(4)}`).join(', ') : 'every schedule evaluated at 0 and tau',
        ),
        tested(
          'information erased: H(p_0) - H(p_tau) > 4 SE',
          resolved,
          `H(p_0) - H(p_tau) = ${information.toPrecision(4)} ± ${finalEntropy.se.toPrecision(2)} nats`,
        ),
        ...(discrete ? [] : [stated('local equilibrium within each memory state at both ends')]),
      ],
    );
  }

  const source = 'Aurell et al., PRL 106, 250601 (2011); Proesmans, Ehrich, Bechhoefer, PRL 125, 100602 (2020); docs/bounds.md §4';
  if (hasDensities(result)) {
    const w2 = wasserstein2Grid(result.grid.lower, result.grid.cellWidth, result.initialDensity, result.finalDensity);
    const entropyProduction = result.heat.mean + result.finalEntropy - result.initialEntropy;
    add(
      'finite-time',
      'entropyProduction',
      { mean: entropyProduction, se: result.heat.se, n: result.heat.n },
      finiteTimeBound(w2, tau, gamma),
      0,
      source,
      `overdamped dynamics; W2(rho_0, rho_tau) = ${w2.toPrecision(6)} from the grid densities; T Sigma = <Q> + S(rho_tau) - S(rho_0)`,
      [stated('overdamped dynamics (the Fokker-Planck equation solved)')],
    );
  } else if (!discrete && result.trajectories?.initialPosition && result.trajectories.finalPosition && initialRelativeEntropy !== undefined) {
    const w2 = wasserstein2SquaredDebiased(result.trajectories.initialPosition, result.trajectories.finalPosition, {
      seed: options.seed ?? problem.seed,
    });
    const boundSe = (gamma * w2.se) / tau;
    const checks: BoundAssumption[] = [startCheck, stated('overdamped dynamics')];
    if (options.integrator === 'euler-maruyama' && !isDiscreteSpec(problem.potential)) {
      // EM's stationary density in a trap of curvature k has variance 1/(k (1 - k dt/2)): W2^2 ~ k dt^2 / 16.
      const k = stiffestCurvature(problem.potential, tau);
      const stepBias = (gamma * k * problem.dt * problem.dt) / 16 / tau;
      const resolution = Math.hypot(result.work.se, boundSe);
      checks.push(
        tested(
          'the integrator keeps the Boltzmann density invariant within the bound\'s resolution',
          stepBias <= resolution,
          `Euler-Maruyama at dt = ${problem.dt}, stiffest curvature ${k.toPrecision(3)}: stationary-density error gamma k dt^2 / (16 tau) = ${stepBias.toExponential(2)} kT against the combined SE ${resolution.toExponential(2)} kT`,
        ),
      );
    } else {
      checks.push(stated('the integrator keeps the Boltzmann density invariant (Leimkuhler-Matthews: exact in a harmonic trap, O(dt^2) otherwise)'));
    }
    add(
      'finite-time',
      'work',
      result.work,
      secondLawWorkBound(deltaF, initialRelativeEntropy) + (gamma * w2.squared) / tau,
      boundSe,
      source,
      `overdamped dynamics started in (restricted) equilibrium: <W> - Delta F + D(rho_0 || pi_0) = T Sigma + D(rho_tau || pi_tau) >= gamma W2^2 / tau; ` +
        `W2^2 = ${w2.squared.toPrecision(4)} ± ${w2.se.toPrecision(2)} from ${w2.resamples} bootstrap resamples of the replicas ` +
        `(plug-in sorted-sample ${w2.plugIn.toPrecision(4)} minus the split-sample bias ${w2.bias.toPrecision(3)})`,
      checks,
    );
  }
  return reports;
}
