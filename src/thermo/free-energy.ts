import type { Potential, PotentialSpec } from '../physics/potentials.js';
import { buildPotential } from '../physics/potentials.js';
import { differentialEntropy } from './estimators.js';

/**
 * Equilibrium thermodynamics of a potential by quadrature (docs/physics.md §3), kT = 1:
 *   Z = int exp(-U(x)) dx,  F = -ln Z,  <U> = int U exp(-U) dx / Z,  S = <U> - F.
 * Composite Simpson over potential.domain() (where the Boltzmann weight is
 * non-negligible), summed as a log-sum-exp around the minimum energy so that
 * barriers of hundreds of kT neither overflow nor underflow.
 */

/** Simpson intervals over the domain: an even number; h = width / 20000 resolves wells of width > ~1e-3 of the domain. */
export const DEFAULT_QUADRATURE_INTERVALS = 20_000;

export interface BoltzmannStatistics {
  /** ln Z (Z in length units). */
  logPartition: number;
  /** F = -kT ln Z, kT. */
  freeEnergy: number;
  /** <U> under exp(-U)/Z, kT. */
  meanEnergy: number;
  /** Shannon (differential) entropy S = -int rho ln rho dx = <U> - F, nats. */
  entropy: number;
  /** Equilibrium probability of each memory state (potential.classify); [] for a plain trap. */
  occupancy: number[];
}

function simpsonWeight(i: number, intervals: number): number {
  if (i === 0 || i === intervals) return 1;
  return i % 2 === 1 ? 4 : 2;
}

/**
 * Boltzmann statistics of `potential` at its current parameters (call
 * setTime first), with an extra tilt (kT / length). `intervals` is rounded up
 * to an even number.
 */
export function boltzmannStatistics(
  potential: Potential,
  extraTilt = 0,
  intervals = DEFAULT_QUADRATURE_INTERVALS,
): BoltzmannStatistics {
  const m = 2 * Math.ceil(Math.max(intervals, 2) / 2);
  const [lo, hi] = potential.domain();
  const h = (hi - lo) / m;
  const energies = new Float64Array(m + 1);
  let minimum = Infinity;
  for (let i = 0; i <= m; i++) {
    const u = potential.energy(lo + i * h, extraTilt);
    energies[i] = u;
    if (u < minimum) minimum = u;
  }
  // Shifted sums: sum w exp(-(U - U_min)) and sum w (U - U_min) exp(-(U - U_min)).
  let weight = 0;
  let energyWeight = 0;
  for (let i = 0; i <= m; i++) {
    const du = energies[i] - minimum;
    const b = simpsonWeight(i, m) * Math.exp(-du);
    weight += b;
    energyWeight += b * du;
  }
  const occupancy = stateOccupancy(potential, extraTilt, lo, h, energies, minimum, weight);
  const logPartition = -minimum + Math.log(weight * (h / 3));
  const meanEnergy = minimum + energyWeight / weight;
  const freeEnergy = -logPartition;
  return {
    logPartition,
    freeEnergy,
    meanEnergy,
    entropy: meanEnergy - freeEnergy,
    occupancy,
  };
}

/**
 * Equilibrium weight of each memory state, Simpson panel by panel: a panel
 * [x_2i, x_2i+2] whose three nodes classify alike goes to that state; a panel
 * cut by a state boundary (located by bisection on classify) is integrated by
 * Simpson on each side, so the step in the integrand costs O(h^5), not O(h).
 */
function stateOccupancy(
  potential: Potential,
  extraTilt: number,
  lo: number,
  h: number,
  energies: Float64Array,
  minimum: number,
  weight: number,
): number[] {
  const states = potential.stateCount;
  if (states === 0) return [];
  const stateWeight = new Float64Array(states);
  const boltzmann = (x: number): number => Math.exp(-(potential.energy(x, extraTilt) - minimum));
  const simpson = (a: number, b: number): number => ((b - a) / 6) * (boltzmann(a) + 4 * boltzmann(0.5 * (a + b)) + boltzmann(b));
  const m = energies.length - 1;
  for (let i = 0; i < m; i += 2) {
    const a = lo + i * h;
    const c = a + 2 * h;
    const sa = potential.classify(a);
    const sb = potential.classify(a + h);
    const sc = potential.classify(c);
    const panel =
      Math.exp(-(energies[i] - minimum)) + 4 * Math.exp(-(energies[i + 1] - minimum)) + Math.exp(-(energies[i + 2] - minimum));
    if (sa === sb && sb === sc) {
      if (sa >= 0) stateWeight[sa] += panel;
      continue;
    }
    // One boundary per panel: between a and c, where classify leaves sa.
    let left = a;
    let right = c;
    for (let k = 0; k < 60; k++) {
      const mid = 0.5 * (left + right);
      if (potential.classify(mid) === sa) left = mid;
      else right = mid;
    }
    const boundary = 0.5 * (left + right);
    const leftPart = simpson(a, boundary);
    const rightPart = simpson(boundary, c);
    // Scaled to the panel's own weight so the occupancies sum to 1 exactly.
    const scale = panel / ((leftPart + rightPart) / (h / 3));
    if (sa >= 0) stateWeight[sa] += (leftPart / (h / 3)) * scale;
    if (sc >= 0) stateWeight[sc] += (rightPart / (h / 3)) * scale;
  }
  return Array.from(stateWeight, (w) => w / weight);
}

/** Z = int exp(-U/kT) dx at the potential's current parameters (may overflow: prefer freeEnergy). */
export function partitionFunction(potential: Potential, extraTilt = 0): number {
  return Math.exp(boltzmannStatistics(potential, extraTilt).logPartition);
}

/** F = -kT ln Z at the potential's current parameters, kT. */
export function freeEnergy(potential: Potential, extraTilt = 0): number {
  return boltzmannStatistics(potential, extraTilt).freeEnergy;
}

/** Equilibrium probability of each memory state at the current parameters. */
export function equilibriumOccupancy(potential: Potential, extraTilt = 0): number[] {
  return boltzmannStatistics(potential, extraTilt).occupancy;
}

/** F(lambda(t1)) - F(lambda(t0)) for a potential spec, kT. */
export function freeEnergyChange(spec: PotentialSpec, t0: number, t1: number, extraTilt = 0): number {
  const potential = buildPotential(spec);
  potential.setTime(t0);
  const initial = freeEnergy(potential, extraTilt);
  potential.setTime(t1);
  return freeEnergy(potential, extraTilt) - initial;
}

/**
 * The normalised Boltzmann density exp(-U(x))/Z at the points `grid` (any
 * spacing), with Z from quadrature over the whole domain.
 */
export function boltzmannDensity(potential: Potential, grid: ArrayLike<number>, extraTilt = 0): Float64Array {
  const { logPartition } = boltzmannStatistics(potential, extraTilt);
  const out = new Float64Array(grid.length);
  for (let i = 0; i < grid.length; i++) out[i] = Math.exp(-potential.energy(grid[i], extraTilt) - logPartition);
  return out;
}

/** `points` evenly spaced points from lo to hi inclusive. */
export function uniformGrid(lo: number, hi: number, points: number): Float64Array {
  const out = new Float64Array(points);
  const h = points > 1 ? (hi - lo) / (points - 1) : 0;
  for (let i = 0; i < points; i++) out[i] = lo + i * h;
  return out;
}

/**
 * Shannon entropy S = -int rho ln rho dx (nats) of a density sampled on a
 * uniform grid of spacing dx; the same function as estimators.differentialEntropy.
 */
export const shannonEntropy = differentialEntropy;

/**
 * The equilibrium CDF of a potential at its current parameters: cumulative
 * trapezoid of exp(-U)/Z on `points` nodes over domain(), linear in between
 * (for Kolmogorov-Smirnov tests of sampled positions).
 */
export function boltzmannCdf(potential: Potential, points = 40_001, extraTilt = 0): (x: number) => number {
  const [lo, hi] = potential.domain();
  const grid = uniformGrid(lo, hi, points);
  const density = boltzmannDensity(potential, grid, extraTilt);
  const h = grid[1] - grid[0];
  const cumulative = new Float64Array(points);
  for (let i = 1; i < points; i++) cumulative[i] = cumulative[i - 1] + 0.5 * h * (density[i - 1] + density[i]);
  const total = cumulative[points - 1];
  return (x) => {
    if (x <= lo) return 0;
    if (x >= hi) return 1;
    const k = Math.min(points - 2, Math.floor((x - lo) / h));
    const s = (x - grid[k]) / h;
    return (cumulative[k] + s * (cumulative[k + 1] - cumulative[k])) / total;
  };
}
