import type { EngineResult, Estimate } from '../engines/problem.js';
import { buildDiscreteModel, isDiscreteSpec, type DiscreteProblem } from '../memory/discrete.js';
import { buildPotential } from '../physics/potentials.js';
import { LN2 } from '../physics/units.js';
import { bitEntropy, levelEntropy, levelEntropyStandardError, wasserstein2Grid, wasserstein2Samples } from './estimators.js';
import { boltzmannStatistics } from './free-energy.js';

/**
 * Thermodynamic bounds (docs/physics.md §4-§5; derivations in docs/bounds.md).
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
 * F_neq = <U> - T S and F_neq(rho_tau) >= F(lambda_tau). Source: docs/physics.md
 * §3-§4; Seifert, Rep. Prog. Phys. 75, 126001 (2012).
 */
export function secondLawWorkBound(freeEnergyChange: number, initialRelativeEntropy = 0): number {
  return freeEnergyChange - initialRelativeEntropy;
}

/**
 * Clausius form for the heat released (kT): Sigma = Delta S_sys + Q/T >= 0, so
 * <Q> >= -T Delta S_sys = S_initial - S_final (entropies in nats).
 * Source: docs/physics.md §3; Seifert (2012).
 */
export function clausiusHeatBound(initialEntropy: number, finalEntropy: number): number {
  return initialEntropy - finalEntropy;
}

/**
 * Landauer's bound for erasing one bit that starts at p = 1/2 into one state
 * with certainty: <Q> >= kT ln 2 (kT). Source: Landauer, IBM J. Res. Dev. 5,
 * 183 (1961); docs/physics.md §4.
 */
export function landauerBound(): number {
  return LN2;
}

/**
 * Partial erasure of a bit from p = 1/2 to final error probability eps:
 * <Q> >= kT (ln 2 - H(eps)) (kT), H the bit entropy in nats.
 * Source: docs/physics.md §4; Berut et al., Nature 483, 187 (2012).
 */
export function partialErasureBound(errorProbability: number): number {
  return LN2 - bitEntropy(errorProbability);
}

/**
 * Logical (coarse-grained) Landauer bound for any change of the memory-state
 * distribution: <Q> >= kT [H(p_initial) - H(p_final)] (kT), H the Shannon
 * entropy of the occupancies in nats. Exact when start and end are in local
 * equilibrium within each state with equal within-state entropies (the same
 * symmetric memory potential at both ends). Source: docs/physics.md §3-§4.
 */
export function informationErasureBound(initialOccupancy: ArrayLike<number>, finalOccupancy: ArrayLike<number>): number {
  return levelEntropy(initialOccupancy) - levelEntropy(finalOccupancy);
}

/**
 * Finite-time (optimal-transport) bound on the entropy production of an
 * overdamped process of duration tau between densities rho_0 and rho_tau
 * (kT): T Sigma >= gamma W2(rho_0, rho_tau)^2 / tau, W2 in well spacings.
 * Source: Aurell, Mejia-Monasterio, Muratore-Ginanneschi, PRL 106, 250601
 * (2011); Proesmans, Ehrich, Bechhoefer, PRL 125, 100602 (2020); docs/physics.md §4.
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
 * int v dt = L). Source: docs/physics.md §4-§5.
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
 * Talkner, Borkovec, Rev. Mod. Phys. 62, 251 (1990); docs/physics.md §2.
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
 * nu = pi E_b / (gamma a^2) (docs/physics.md §5).
 */
export function kramersPrefactorWashboard(barrierHeight: number, spacing = 1, friction = 1): number {
  return (Math.PI * barrierHeight) / (friction * spacing * spacing);
}

/**
 * Hopping rate from one washboard well to ONE neighbour (per reduced time):
 * r = (pi E_b / (gamma a^2)) exp(-E_b / kT); a well empties at 2r, and a small
 * tilt F gives the drift v = r a^2 F / kT (docs/physics.md §5).
 */
export function kramersRateWashboard(barrierHeight: number, spacing = 1, friction = 1, kT = 1): number {
  return kramersPrefactorWashboard(barrierHeight, spacing, friction) * Math.exp(-barrierHeight / kT);
}

/**
 * Retention barrier (kT): a bit held for t_ret with error probability at most
 * eps needs E_b >= kT ln(r_0 t_ret / eps), r_0 the Kramers prefactor (the
 * error of a full well after t_ret is at most r t_ret = r_0 e^{-E_b/kT} t_ret
 * for r t_ret << 1). Source: docs/physics.md §4.
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

export interface BoundCheck {
  /** The lower bound, kT. */
  bound: number;
  /** Standard error of the bound when it is itself estimated (e.g. from a measured occupancy), kT. */
  boundSe: number;
  measured: Estimate;
  /** measured.mean - bound, kT. */
  excess: number;
  /** measured.mean / bound; NaN when bound <= 1e-12 kT (no meaningful ratio). */
  ratio: number;
  /** measured.mean < bound - 4 sqrt(se^2 + boundSe^2) - tolerance. */
  violated: boolean;
}

/**
 * Hold a measured quantity (e.g. dissipated heat or work) against a lower
 * bound: a violation is a measured mean more than 4 combined standard errors
 * (plus an absolute numerical `tolerance`) below the bound.
 */
export function checkLowerBound(measured: Estimate, bound: number, options: { boundSe?: number; tolerance?: number } = {}): BoundCheck {
  const boundSe = options.boundSe ?? 0;
  const tolerance = options.tolerance ?? 0;
  const spread = 4 * Math.sqrt(measured.se * measured.se + boundSe * boundSe);
  return {
    bound,
    boundSe,
    measured,
    excess: measured.mean - bound,
    ratio: bound > 1e-12 ? measured.mean / bound : NaN,
    violated: measured.mean < bound - spread - tolerance,
  };
}

export type BoundQuantity = 'work' | 'heat' | 'entropyProduction';

export interface BoundReport extends BoundCheck {
  name: 'second-law' | 'clausius' | 'landauer' | 'finite-time';
  /** The quantity the bound constrains (entropyProduction is T Sigma = <Q> + T Delta S_sys, kT). */
  quantity: BoundQuantity;
  source: string;
  /** What has to hold for the bound to apply as computed here. */
  assumptions: string;
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

/**
 * The bounds that apply to a run, each held against the quantity it constrains.
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
 *   there: the state is all the system has).
 * - landauer (heat), >= 2 states and the state entropy drops:
 *   <Q> >= H(p_0) - H(p_tau), p_0 exact from the initial spec, p_tau measured
 *   (its sampling SE in boundSe). On a continuous model this assumes local
 *   equilibrium within each state with equal within-state entropies at both ends.
 * - finite-time: with densities, T Sigma = <Q> + S(rho_tau) - S(rho_0) >=
 *   gamma W2^2 / tau; with sampled initial and final positions (no entropies),
 *   the work form <W> >= Delta F - D(rho_0 || pi_0) + gamma W2^2 / tau, which
 *   follows because <W> - Delta F + D(rho_0 || pi_0) = T Sigma + D(rho_tau || pi_tau)
 *   >= T Sigma.
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
  const sampled = result.work.se > 0 || result.trajectories !== undefined;
  const samples = result.trajectories?.work.length ?? result.work.n;

  const reports: BoundReport[] = [];
  const add = (
    name: BoundReport['name'],
    quantity: BoundQuantity,
    measured: Estimate,
    bound: number,
    boundSe: number,
    source: string,
    assumptions: string,
  ): void => {
    const check = checkLowerBound(measured, bound, { boundSe, tolerance: tol(bound, measured.mean) });
    reports.push({ name, quantity, source, assumptions, ...check });
  };

  if (initialRelativeEntropy !== undefined) {
    add(
      'second-law',
      'work',
      result.work,
      secondLawWorkBound(deltaF, initialRelativeEntropy),
      0,
      'docs/physics.md §3-§4; Seifert, Rep. Prog. Phys. 75, 126001 (2012)',
      `initial ${initial.kind} start (${initial.kind === 'bits' ? 'Boltzmann restricted to each state, weighted by the bit probabilities' : initial.kind === 'fixed' ? 'all weight in one state' : 'equilibrium at lambda(0)'}); ` +
        `Delta F = ${deltaF.toPrecision(6)} kT ${
          options.freeEnergyChange !== undefined ? 'as given' : discrete ? 'from the discrete model, F = -ln sum exp(-E_i)' : 'by quadrature of the potential'
        }; D(p_0 || pi_0) = ${initialRelativeEntropy.toPrecision(6)} nats`,
    );
  }

  const sampledSe = sampled ? levelEntropyStandardError(result.finalOccupancy, samples) : 0;
  if (hasDensities(result)) {
    add(
      'clausius',
      'heat',
      result.heat,
      clausiusHeatBound(result.initialEntropy, result.finalEntropy),
      0,
      'docs/physics.md §3 (Sigma = Delta S_sys + Q/T >= 0); Seifert (2012)',
      'Markovian dynamics in contact with one bath; S_sys the Shannon entropy of the grid density',
    );
  } else if (discrete && initialOccupancy !== undefined) {
    add(
      'clausius',
      'heat',
      result.heat,
      clausiusHeatBound(levelEntropy(initialOccupancy), levelEntropy(result.finalOccupancy)),
      sampledSe,
      'docs/physics.md §3 (Sigma = Delta S_sys + Q/T >= 0); Seifert (2012)',
      'Markov jump process with detailed-balanced rates; S_sys = H(p), the Shannon entropy of the state occupancy',
    );
  }

  if (model.stateCount >= 2 && initialOccupancy !== undefined) {
    const bound = informationErasureBound(initialOccupancy, result.finalOccupancy);
    if (bound > 0) {
      add(
        'landauer',
        'heat',
        result.heat,
        bound,
        sampledSe,
        'Landauer, IBM J. Res. Dev. 5, 183 (1961); Berut et al., Nature 483, 187 (2012); docs/physics.md §4',
        discrete
          ? 'exact on a discrete model (its system entropy is H(p))'
          : 'start and end in local equilibrium within each memory state, with equal within-state entropies ' +
              '(the same symmetric memory potential at both ends); then -T Delta S_sys = H(p_0) - H(p_tau)',
      );
    }
  }

  const source = 'Aurell et al., PRL 106, 250601 (2011); Proesmans, Ehrich, Bechhoefer, PRL 125, 100602 (2020); docs/physics.md §4';
  if (hasDensities(result)) {
    const w2 = wasserstein2Grid(result.grid.lower, result.grid.cellWidth, result.initialDensity, result.finalDensity);
    const entropyProduction = result.heat.mean + result.finalEntropy - result.initialEntropy;
    add(
      'finite-time',
      'entropyProduction',
      { mean: entropyProduction, se: 0, n: result.heat.n },
      finiteTimeBound(w2, tau, gamma),
      0,
      source,
      `overdamped dynamics; W2(rho_0, rho_tau) = ${w2.toPrecision(6)} from the grid densities; T Sigma = <Q> + S(rho_tau) - S(rho_0)`,
    );
  } else if (!discrete && result.trajectories?.initialPosition && result.trajectories.finalPosition && initialRelativeEntropy !== undefined) {
    const w2 = wasserstein2Samples(result.trajectories.initialPosition, result.trajectories.finalPosition);
    add(
      'finite-time',
      'work',
      result.work,
      secondLawWorkBound(deltaF, initialRelativeEntropy) + finiteTimeBound(w2, tau, gamma),
      0,
      source,
      `overdamped dynamics started in (restricted) equilibrium: <W> - Delta F + D(rho_0 || pi_0) = T Sigma + D(rho_tau || pi_tau) >= gamma W2^2 / tau; ` +
        `W2 = ${w2.toPrecision(6)} from equal-size sorted samples (biased upward by O(sigma^2 ln ln n / n), its noise not in boundSe)`,
    );
  }
  return reports;
}
