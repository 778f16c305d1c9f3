import { describe, expect, it } from 'vitest';
import { validateAnyConfig } from '../../src/experiments/dispatch.js';
import { ConfigError } from '../../src/errors.js';

// A unit harmonic trap: dt * U'' / gamma <= 0.5 gives the limit dt <= 0.5 exactly,
// which the finite-difference curvature computes as 0.49999... (issue 10, Why 9).
function trap(dt: number): unknown {
  return {
    name: 'dt-limit',
    engine: 'langevin',
    integrator: 'euler-maruyama',
    seed: 1,
    replicas: 10,
    time: { duration: 1, dt },
    potential: { kind: 'harmonic', stiffness: 1 },
    initial: { kind: 'boltzmann' },
  };
}

describe('time.dt stability limit', () => {
  it('accepts dt exactly at the limit 0.5 / U\'\'', () => {
    expect(() => validateAnyConfig(trap(0.5), '', 'trap.yaml')).not.toThrow();
  });
  it('rejects dt above it and prints the limit with enough digits', () => {
    let error: unknown;
    try {
      validateAnyConfig(trap(0.51), '', 'trap.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^time\.dt: is 0\.51; expected <= 0\.500000 /);
  });
});
