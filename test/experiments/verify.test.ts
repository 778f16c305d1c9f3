import { describe, expect, it } from 'vitest';
import { runVerify } from '../../src/experiments/verify.js';

describe('limsim verify --quick', () => {
  const checks = runVerify({ quick: true });
  it('covers the validation list of the Monte-Carlo/bounds issue', () => {
    const names = checks.map((c) => c.name).join('\n');
    for (const topic of ['Boltzmann', 'Kramers escape, Langevin', 'Monte-Carlo escape vs exact rate', 'Jarzynski', 'Landauer', 'first law', 'Fokker-Planck', 'master equation', 'no bound violated']) {
      expect(names).toContain(topic);
    }
  });
  it.each(checks.map((c) => [c.name, c] as const))('%s passes', (_name, check) => {
    expect(check.pass, JSON.stringify(check)).toBe(true);
  });
});
