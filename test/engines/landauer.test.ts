import { describe, expect, it } from 'vitest';
import { runLangevin } from '../../src/engines/langevin.js';
import { bitEntropy } from '../../src/thermo/estimators.js';
import { erasureProtocol } from '../../src/experiments/verify.js';

/** The landauer-erasure protocol (sim-configs/landauer-erasure.yaml) scaled to duration tau. */
function erasure(tau: number) {
  return runLangevin({
    potential: erasureProtocol(tau),
    duration: tau,
    dt: 1e-3,
    friction: 1,
    initial: { kind: 'bits', probabilities: [0.5, 0.5] },
    replicas: 2000,
    seed: 3,
    recordPoints: 2,
  });
}

describe('Landauer erasure', () => {
  const durations = [5, 10, 20];
  const runs = durations.map((tau) => ({ tau, result: erasure(tau) }));

  it.each(runs)('tau = $tau: <Q> >= kT (ln 2 - H(eps)) and >= kT ln 2, within 4 SE', ({ result }) => {
    const eps = result.finalOccupancy[0];
    expect(eps).toBeLessThan(0.1); // the bit was erased into state 1
    const floor = Math.LN2 - bitEntropy(eps);
    expect(result.heat.mean).toBeGreaterThan(floor - 4 * result.heat.se);
    expect(result.heat.mean).toBeGreaterThan(Math.LN2 - 4 * result.heat.se);
  });

  it('the heat falls toward the floor as the protocol slows down', () => {
    const heat = runs.map((r) => r.result.heat);
    expect(heat[0].mean).toBeGreaterThan(heat[1].mean);
    expect(heat[1].mean).toBeGreaterThan(heat[2].mean);
    // The fall from tau = 5 to tau = 20 is resolved beyond 4 combined SE.
    expect(heat[0].mean - heat[2].mean).toBeGreaterThan(4 * Math.hypot(heat[0].se, heat[2].se));
  });
});
