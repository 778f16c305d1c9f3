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
