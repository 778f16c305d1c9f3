import { describe, expect, it } from 'vitest';
import { buildPotential } from '../../src/physics/potentials.js';
import {
  boltzmannDensity,
  boltzmannStatistics,
  equilibriumOccupancy,
  freeEnergy,
  freeEnergyChange,
  shannonEntropy,
  uniformGrid,
} from '../../src/thermo/free-energy.js';

/** Modified Bessel function I_nu(z) by its power series (converges fast for z of a few units). */
function besselI(nu: number, z: number, gammaOfNuPlusOne: number): number {
  let term = Math.pow(z / 2, nu) / gammaOfNuPlusOne;
  let sum = term;
  for (let k = 1; k < 200; k++) {
    term *= (z * z) / 4 / (k * (k + nu));
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}

describe('free energy by quadrature (kT = 1)', () => {
  it('harmonic trap: F = (1/2) ln(kappa / 2 pi) - F_tilt^2 / (2 kappa), <U> = 1/2 - ..., S = (1/2) ln(2 pi e / kappa)', () => {
    const kappa = 3;
    const potential = buildPotential({ kind: 'harmonic', stiffness: kappa });
    const stats = boltzmannStatistics(potential);
    expect(stats.freeEnergy).toBeCloseTo(0.5 * Math.log(kappa / (2 * Math.PI)), 12);
    expect(stats.meanEnergy).toBeCloseTo(0.5, 12);
    expect(stats.entropy).toBeCloseTo(0.5 * Math.log((2 * Math.PI * Math.E) / kappa), 12);
    // An extra tilt f shifts the minimum: F -> F - f^2 / (2 kappa).
    expect(freeEnergy(potential, 2)).toBeCloseTo(0.5 * Math.log(kappa / (2 * Math.PI)) - 4 / (2 * kappa), 10);
  });

  it('quartic double well: Z = (pi/2) e^{-E/2} [I_{-1/4}(E/2) + I_{1/4}(E/2)]', () => {
    // int exp(-a x^4 + b x^2) dx = (pi/2) sqrt(b/2a) e^{b^2/8a} [I_{-1/4} + I_{1/4}](b^2/8a),
    // with U = E (x^2 - 1)^2: a = E, b = 2E, and a factor e^{-E}.
    const gamma34 = 1.2254167024651776; // Gamma(3/4)
    const gamma54 = 0.9064024770554771; // Gamma(5/4)
    for (const barrier of [0.5, 4, 8]) {
      const z = barrier / 2;
      const exact = (Math.PI / 2) * Math.exp(-barrier + z) * (besselI(-0.25, z, gamma34) + besselI(0.25, z, gamma54));
      const potential = buildPotential({ kind: 'double-well', barrierHeight: barrier });
      expect(freeEnergy(potential)).toBeCloseTo(-Math.log(exact), 10);
      expect(equilibriumOccupancy(potential)[0]).toBeCloseTo(0.5, 12);
    }
  });

  it('state occupancies of a tilted double well match an independent fine trapezoid rule', () => {
    const potential = buildPotential({ kind: 'double-well', barrierHeight: 3, tilt: 0.4 });
    const trapezoid = (a: number, b: number, n: number): number => {
      const h = (b - a) / n;
      let sum = 0;
      for (let i = 0; i <= n; i++) sum += (i === 0 || i === n ? 0.5 : 1) * Math.exp(-potential.energy(a + i * h, 0));
      return sum * h;
    };
    const left = trapezoid(-4, 0, 400_000);
    const right = trapezoid(0, 4, 400_000);
    expect(equilibriumOccupancy(potential)[1]).toBeCloseTo(right / (left + right), 9);
  });

  it('Delta F of a trap stiffened from 1 to 4 is ln 2 (kT)', () => {
    const dF = freeEnergyChange({ kind: 'harmonic', stiffness: { kind: 'linear', from: 1, to: 4, end: 1 } }, 0, 1);
    expect(dF).toBeCloseTo(Math.LN2, 12);
  });

  it('the Boltzmann density on a grid integrates to 1 and has the quadrature entropy', () => {
    const potential = buildPotential({ kind: 'double-well', barrierHeight: 5, tilt: 1 });
    const [lo, hi] = potential.domain();
    const grid = uniformGrid(lo, hi, 40_001);
    const dx = grid[1] - grid[0];
    const density = boltzmannDensity(potential, grid);
    expect(density.reduce((a, b) => a + b, 0) * dx).toBeCloseTo(1, 10);
    expect(shannonEntropy(density, dx)).toBeCloseTo(boltzmannStatistics(potential).entropy, 8);
  });
});
