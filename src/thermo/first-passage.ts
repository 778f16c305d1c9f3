import type { Potential } from '../physics/potentials.js';

/**
 * Exact mean first-passage time of overdamped diffusion from `start` to an
 * absorbing level `target` > start, reflecting far to the left (Gardiner,
 * Handbook of Stochastic Methods, §5.2.7):
 *   T = (gamma / kT) int_start^target dy e^{U(y)/kT} int_{-inf}^y e^{-U(z)/kT} dz.
 * Evaluated at the potential's current parameters with the trapezoid rule on
 * `points` nodes from the left edge of potential.domain() (cumulative inner integral).
 */
export function meanFirstPassageTime(
  potential: Potential,
  start: number,
  target: number,
  friction = 1,
  points = 200_001,
): number {
  const [left] = potential.domain();
  const lo = Math.min(left, start);
  const h = (target - lo) / (points - 1);
  // Shift energies by the start's energy to keep exponentials in range.
  const reference = potential.energy(start, 0);
  let inner = 0;
  let outer = 0;
  let previousBoltzmann = Math.exp(-(potential.energy(lo, 0) - reference));
  let previousIntegrand = 0;
  for (let k = 1; k < points; k++) {
    const y = lo + k * h;
    const u = potential.energy(y, 0) - reference;
    const boltzmann = Math.exp(-u);
    inner += 0.5 * h * (previousBoltzmann + boltzmann);
    previousBoltzmann = boltzmann;
    const integrand = y >= start ? Math.exp(u) * inner : 0;
    // Trapezoid on [y - h, y]; the first node at or beyond start is handled by the
    // zero integrand before it (h-accurate at that node, negligible for fine grids).
    outer += 0.5 * h * (previousIntegrand + integrand);
    previousIntegrand = integrand;
  }
  return friction * outer;
}

/** How a crossing leaves a state: mean exit time and the probability that it leaves to the right. */
export interface ExitKinetics {
  /** Mean first-passage time out of the interval, reduced time. */
  meanExitTime: number;
  /** Probability that the exit is through the right end (1 when the left end reflects). */
  rightProbability: number;
  /** Richardson estimate of the quadrature's relative error of meanExitTime. */
  relativeError: number;
}

/**
 * Exit of overdamped diffusion (kT = 1) started at x0 from [a, b]: each end
 * absorbing, or reflecting where `reflectLeft` / `reflectRight` say so (never
 * both). The backward equation gamma^-1 e^U (e^-U T')' = -1 (Gardiner,
 * Handbook of Stochastic Methods, §5.2.7-5.2.8) gives, with
 *   psi = e^U, I(y) = int_a^y e^-U, Psi_L = int_a^x0 psi, Psi_R = int_x0^b psi,
 *   J_L = int_a^x0 psi I, J_R = int_x0^b psi I,
 * both ends absorbing:  pi_+ = Psi_L / (Psi_L + Psi_R),  T = gamma (pi_+ J_R - pi_- J_L);
 * left end reflecting:  pi_+ = 1,  T = gamma J_R;
 * right end reflecting: pi_+ = 0,  T = gamma (I(b) Psi_L - J_L).
 * Quadrature: the trapezoid rule on two uniform grids ([a, x0] and [x0, b],
 * so x0 is a node) of about `intervals` steps in all, run again at twice the
 * steps and Richardson-extrapolated (the nested trapezoid error is a series
 * in h^2). Energies are shifted by U(x0), so barriers up to ~700 kT above or
 * below the start stay in range.
 */
export function exitKinetics(
  energy: (x: number) => number,
  a: number,
  x0: number,
  b: number,
  options: { friction?: number; reflectLeft?: boolean; reflectRight?: boolean; intervals?: number } = {},
): ExitKinetics {
  const friction = options.friction ?? 1;
  const intervals = Math.max(options.intervals ?? 1000, 8);
  const nLeft = Math.max(2, Math.round((intervals * (x0 - a)) / (b - a)));
  const nRight = Math.max(2, intervals - nLeft);
  const coarse = exitOnGrid(energy, a, x0, b, nLeft, nRight, options);
  const fine = exitOnGrid(energy, a, x0, b, 2 * nLeft, 2 * nRight, options);
  const time = (4 * fine.time - coarse.time) / 3;
  const right = (4 * fine.right - coarse.right) / 3;
  return {
    meanExitTime: friction * time,
    rightProbability: Math.min(1, Math.max(0, right)),
    relativeError: Math.abs(fine.time - coarse.time) / 3 / Math.abs(time),
  };
}

/** One trapezoid evaluation of exitKinetics (time in units of gamma). */
function exitOnGrid(
  energy: (x: number) => number,
  a: number,
  x0: number,
  b: number,
  nLeft: number,
  nRight: number,
  options: { reflectLeft?: boolean; reflectRight?: boolean },
): { time: number; right: number } {
  const reference = energy(x0);
  // Cumulative I (from a), and the pieces Psi and J on each side of x0.
  let inner = 0;
  let psiPrevious = Math.exp(energy(a) - reference);
  let boltzmannPrevious = 1 / psiPrevious;
  let integrandPrevious = 0; // psi(a) I(a) = 0
  const side = (from: number, to: number, n: number) => {
    const h = (to - from) / n;
    let psiSum = 0;
    let jSum = 0;
    for (let k = 1; k <= n; k++) {
      const y = k === n ? to : from + k * h;
      const u = energy(y) - reference;
      const psi = Math.exp(u);
      const boltzmann = Math.exp(-u);
      inner += 0.5 * h * (boltzmannPrevious + boltzmann);
      const integrand = psi * inner;
      psiSum += 0.5 * h * (psiPrevious + psi);
      jSum += 0.5 * h * (integrandPrevious + integrand);
      psiPrevious = psi;
      boltzmannPrevious = boltzmann;
      integrandPrevious = integrand;
    }
    return { psi: psiSum, j: jSum };
  };
  const left = side(a, x0, nLeft);
  const right = side(x0, b, nRight);
  if (options.reflectLeft) return { time: right.j, right: 1 };
  if (options.reflectRight) return { time: inner * left.psi - left.j, right: 0 };
  const total = left.psi + right.psi;
  const up = left.psi / total;
  const down = right.psi / total;
  return { time: up * right.j - down * left.j, right: up };
}
