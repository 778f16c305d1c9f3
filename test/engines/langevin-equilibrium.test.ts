import { describe, expect, it } from 'vitest';
import { LangevinEnsemble, runLangevin, type Integrator } from '../../src/engines/langevin.js';
import type { Problem } from '../../src/engines/problem.js';
import { buildPotential } from '../../src/physics/potentials.js';
import { boltzmannCdf, boltzmannDensity, uniformGrid } from '../../src/thermo/free-energy.js';
import { kolmogorovSmirnov } from '../../src/thermo/statistics.js';

const doubleWell = { kind: 'double-well', barrierHeight: 2 } as const;

/** Exact <x^2> in the double well, by quadrature. */
function exactSecondMoment(): number {
  const potential = buildPotential(doubleWell);
  const [lo, hi] = potential.domain();
  const grid = uniformGrid(lo, hi, 40_001);
  const density = boltzmannDensity(potential, grid);
  let moment = 0;
  let norm = 0;
  for (let i = 0; i < grid.length; i++) {
    moment += density[i] * grid[i] * grid[i];
    norm += density[i];
  }
  return moment / norm;
}

describe('Boltzmann stationary distribution', () => {
  const cdf = boltzmannCdf(buildPotential(doubleWell));
  it.each(['euler-maruyama', 'leimkuhler-matthews'] as Integrator[])(
    '%s relaxes from x = -1 to exp(-U)/Z (KS test, p > 0.001)',
    (integrator) => {
      const problem: Problem = {
        potential: doubleWell,
        duration: 30,
        dt: 1e-3,
        friction: 1,
        initial: { kind: 'fixed', x: -1 },
        replicas: 3000,
        seed: 11,
        recordPoints: 2,
      };
      const result = runLangevin(problem, { integrator });
      const { pValue, statistic } = kolmogorovSmirnov(result.trajectories!.finalPosition!, cdf);
      expect(pValue, `KS D = ${statistic}`).toBeGreaterThan(0.001);
    },
  );

  it('Leimkuhler-Matthews has a smaller dt bias in <x^2> than Euler-Maruyama, at two dt', () => {
    const exact = exactSecondMoment();
    const replicas = 256;
    const measure = (integrator: Integrator, dt: number) => {
      const ensemble = new LangevinEnsemble(
        { potential: doubleWell, duration: 1, dt, friction: 1, initial: { kind: 'boltzmann' }, replicas, seed: 5, recordPoints: 2 },
        { integrator },
      );
      ensemble.advance(Math.round(5 / dt), dt); // settle into the integrator's own stationary state
      // Per-replica time averages are independent: their spread gives the SE.
      const sums = new Float64Array(replicas);
      const samples = Math.round(400 / dt / 10);
      for (let k = 0; k < samples; k++) {
        ensemble.advance(10, dt);
        for (let i = 0; i < replicas; i++) sums[i] += ensemble.position[i] ** 2;
      }
      let mean = 0;
      let sq = 0;
      for (const s of sums) {
        mean += s / samples / replicas;
        sq += (s / samples) ** 2 / replicas;
      }
      return { bias: mean - exact, se: Math.sqrt((sq - mean * mean) / (replicas - 1)) };
    };
    for (const dt of [0.01, 0.02]) {
      const em = measure('euler-maruyama', dt);
      const lm = measure('leimkuhler-matthews', dt);
      // EM's first-order bias is resolved; LM's is smaller by more than the errors allow by chance.
      expect(Math.abs(em.bias)).toBeGreaterThan(4 * em.se);
      expect(Math.abs(em.bias) - Math.abs(lm.bias)).toBeGreaterThan(4 * Math.hypot(em.se, lm.se));
    }
  });
});
