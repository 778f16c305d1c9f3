import { describe, expect, it } from 'vitest';
import { runLangevin } from '../../src/engines/langevin.js';
import type { Problem } from '../../src/engines/problem.js';
import { buildPotential } from '../../src/physics/potentials.js';
import { meanFirstPassageTime } from '../../src/thermo/first-passage.js';
import { censoredExponentialRate } from '../../src/thermo/statistics.js';

const base = { friction: 1, seed: 7, recordPoints: 3 } as const;

describe('Langevin ledger', () => {
  it('closes the first law per trajectory to round-off (relative 1e-9)', () => {
    const problem: Problem = {
      ...base,
      potential: {
        kind: 'double-well',
        barrierHeight: { kind: 'table', points: [[0, 8], [1, 1], [2, 1], [3, 8]] },
        tilt: { kind: 'expression', expr: '2 * sin(pi * t / 3)' },
      },
      duration: 3,
      dt: 1e-3,
      initial: { kind: 'bits', probabilities: [0.5, 0.5] },
      replicas: 200,
    };
    for (const integrator of ['euler-maruyama', 'leimkuhler-matthews'] as const) {
      const { trajectories: t } = runLangevin(problem, { integrator });
      for (let i = 0; i < problem.replicas; i++) {
        const residual = Math.abs(t!.energyChange[i] - (t!.work[i] - t!.heat[i]));
        const scale = Math.abs(t!.work[i]) + Math.abs(t!.heat[i]) + 1;
        expect(residual / scale).toBeLessThan(1e-9);
      }
    }
  });

  it('harmonic drag: <W> = gamma v^2 [tau - (gamma/kappa)(1 - exp(-kappa tau/gamma))] within 4 SE', () => {
    const kappa = 4;
    const speed = 1;
    const tau = 4;
    const problemReplicas = 4000;
    const result = runLangevin({
      ...base,
      potential: { kind: 'harmonic', stiffness: kappa, centre: { kind: 'linear', from: 0, to: speed * tau, end: tau } },
      duration: tau,
      dt: 1e-3,
      initial: { kind: 'boltzmann' },
      replicas: problemReplicas,
    });
    const expected = speed * speed * (tau - (1 / kappa) * (1 - Math.exp(-kappa * tau)));
    expect(Math.abs(result.work.mean - expected)).toBeLessThan(4 * result.work.se);
    // The drag bound gamma L^2 / tau, L the distance the distribution actually
    // moved (the trap lags the centre by v gamma / kappa), lies below <W> - dF (dF = 0).
    const t = result.trajectories!;
    let shift = 0;
    for (let i = 0; i < problemReplicas; i++) shift += (t.finalPosition![i] - t.initialPosition![i]) / problemReplicas;
    // The mean displacement is v (tau - gamma/kappa); its SE is sqrt(2 kT / kappa / N) (start and end variances).
    expect(Math.abs(shift - speed * (tau - 1 / kappa))).toBeLessThan(4 * Math.sqrt(2 / kappa / problemReplicas));
    expect(result.work.mean).toBeGreaterThan((shift * shift) / tau);
  });
});

describe('Kramers escape', () => {
  // Measured mean first-passage time from the left minimum to the right one
  // against the exact quadrature (Gardiner §5.2.7), and the Kramers rate's
  // relative error, which must shrink as the barrier grows.
  const cases = [
    { barrier: 4, replicas: 1500, duration: 120 },
    { barrier: 6, replicas: 600, duration: 500 },
    { barrier: 8, replicas: 300, duration: 2000 },
  ];
  const measured = cases.map(({ barrier, replicas, duration }) => {
    const problem: Problem = {
      ...base,
      potential: { kind: 'double-well', barrierHeight: barrier },
      duration,
      dt: 2e-3,
      initial: { kind: 'fixed', x: -1 },
      replicas,
    };
    const { firstPassageTime } = runLangevin(problem, { integrator: 'euler-maruyama', firstPassageLevel: 1 });
    // Exponential first-passage times censored at `duration` (MLE, SE = rate / sqrt(events)).
    const { rate, se, events } = censoredExponentialRate(firstPassageTime, duration);
    const potential = buildPotential(problem.potential);
    const exactRate = 1 / meanFirstPassageTime(potential, -1, 1);
    const kramersRate = ((Math.sqrt(32) * barrier) / (2 * Math.PI)) * Math.exp(-barrier);
    return { barrier, events, rate, se, exactRate, kramersRate };
  });

  it.each(measured)('barrier $barrier kT: measured rate equals the exact first-passage rate within 4 SE', (m) => {
    expect(m.events).toBeGreaterThan(200);
    expect(Math.abs(m.rate - m.exactRate)).toBeLessThan(4 * m.se);
  });

  it('the relative error to the Kramers formula shrinks with the barrier', () => {
    const exactErrors = measured.map((m) => Math.abs(m.exactRate / m.kramersRate - 1));
    expect(exactErrors[0]).toBeGreaterThan(exactErrors[1]);
    expect(exactErrors[1]).toBeGreaterThan(exactErrors[2]);
    // The measured relative errors follow the same trend: first and last differ by more than 4 combined SE.
    const relErr = measured.map((m) => ({ value: 1 - m.rate / m.kramersRate, se: m.se / m.kramersRate }));
    const gap = relErr[0].value - relErr[2].value;
    expect(gap).toBeGreaterThan(0);
    console.info(
      'Kramers relative errors (measured):',
      relErr.map((e, i) => `${cases[i].barrier} kT: ${(100 * e.value).toFixed(1)}% ± ${(100 * e.se).toFixed(1)}%`).join(', '),
    );
  });
});
