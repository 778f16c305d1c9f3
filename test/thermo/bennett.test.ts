import { describe, expect, it } from 'vitest';
import { loadPhysicsConfig } from '../../src/experiments/config.js';
import { runCrooks } from '../../src/experiments/crooks.js';
import { ConfigError } from '../../src/errors.js';
import { reverseSchedule } from '../../src/physics/reverse-protocol.js';
import { compileSchedule, type ScheduleSpec } from '../../src/physics/schedules.js';
import { randomStream } from '../../src/physics/rng.js';
import { bennettAcceptanceRatio, bennettFreeEnergy, crooksHistograms } from '../../src/thermo/bennett.js';
import { freeEnergyChange } from '../../src/thermo/free-energy.js';

/** Gaussian works that obey Crooks' theorem: W_F ~ N(dF + s^2/2, s^2), W_R ~ N(-dF + s^2/2, s^2). */
function gaussianWorks(deltaF: number, sigma: number, n: number, seed: number) {
  const rng = randomStream(seed, 0, 'test');
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  const forward = Float64Array.from({ length: n }, () => deltaF + sigma * sigma / 2 + sigma * normal());
  const reverse = Float64Array.from({ length: n }, () => -deltaF + sigma * sigma / 2 + sigma * normal());
  return { forward, reverse };
}

describe("Bennett's acceptance ratio", () => {
  it('recovers Delta F from Gaussian Crooks pairs within 4 bootstrap SE; unequal sample sizes too', () => {
    const { forward, reverse } = gaussianWorks(1.7, 1.5, 3000, 4);
    const bar = bennettFreeEnergy(forward, reverse, { seed: 1 });
    expect(Math.abs(bar.mean - 1.7)).toBeLessThan(4 * bar.se);
    // Dissipation sigma^2/2 = 1.125 kT: the mean work alone is resolved as biased.
    expect(bar.se).toBeLessThan(0.05);
    const uneven = bennettFreeEnergy(forward.subarray(0, 800), reverse, { seed: 2 });
    expect(Math.abs(uneven.mean - 1.7)).toBeLessThan(4 * uneven.se);
  });

  it('solves the BAR equation: both Fermi sums are equal at the root', () => {
    const { forward, reverse } = gaussianWorks(-0.4, 1, 500, 9);
    const df = bennettAcceptanceRatio(forward, reverse);
    const fermi = (x: number) => 1 / (1 + Math.exp(x));
    const left = Array.from(forward, (w) => fermi(w - df)).reduce((a, b) => a + b, 0);
    const right = Array.from(reverse, (w) => fermi(w + df)).reduce((a, b) => a + b, 0);
    expect(Math.abs(left - right)).toBeLessThan(1e-9 * left);
  });

  it('Crooks histograms: P_F(W) / P_R(-W) = exp(W - dF) where both are populated', () => {
    const { forward, reverse } = gaussianWorks(1, 1, 200_000, 5);
    const bins = crooksHistograms(forward, reverse, 30).filter((b) => b.forwardDensity > 0.1 && b.reverseDensity > 0.1);
    expect(bins.length).toBeGreaterThan(3);
    for (const b of bins) expect(Math.abs(b.logRatio - (b.work - 1))).toBeLessThan(0.1);
  });
});

describe('time-reversed schedules: s_R(t) = s(tau - t)', () => {
  const tau = 10;
  const specs: ScheduleSpec[] = [
    3,
    { kind: 'table', points: [[0, 8], [2.5, 1], [5, 1], [7.5, 8]] },
    { kind: 'linear', from: 2, to: 8, end: 6 },
    { kind: 'linear', from: 2, to: 8, start: 1, end: 14 },
    { kind: 'exponential', from: 1, to: 9, start: 2, end: 8 },
    { kind: 'logarithmic', offset: 2, amplitude: 0.5, timeScale: 3 },
    { kind: 'expression', expr: '4 + 3 * sin(t / 2) + t^2 / 50' },
  ];
  it.each(specs.map((s) => [JSON.stringify(s), s] as const))('%s', (_name, spec) => {
    const forward = compileSchedule(spec, 'forward');
    const reversed = compileSchedule(reverseSchedule(spec, tau), 'reversed');
    for (let t = 0; t <= tau; t += 0.37) expect(reversed(t)).toBeCloseTo(forward(tau - t), 12);
  });
});

describe('limsim crooks on sim-configs/barrier-raise.yaml (barrier 2 -> 8 kT in tau = 2)', () => {
  const loaded = loadPhysicsConfig('sim-configs/barrier-raise.yaml');
  const result = runCrooks(loaded, { replicas: 2000 });

  it('BAR Delta F equals the quadrature Delta F within 4 SE', () => {
    const exact = freeEnergyChange(loaded.config.potential as never, 0, loaded.config.time.duration);
    expect(result.freeEnergyChange).toBeCloseTo(exact, 12);
    expect(Math.abs(result.bennett.mean - exact)).toBeLessThan(4 * result.bennett.se);
    expect(result.holds).toBe(true);
    // Not a vacuous check: the dissipated work <W_F> - Delta F is resolved by the BAR SE.
    expect(result.forward.summary.results.work.mean - exact).toBeGreaterThan(4 * result.bennett.se);
    // The reverse run starts in equilibrium at lambda(tau) = 8 kT and lowers the barrier back to 2 kT.
    expect(result.reverse.result.timeseries[0].parameters.barrierHeight).toBeCloseTo(8, 12);
    expect(result.reverse.result.timeseries.at(-1)!.parameters.barrierHeight).toBeCloseTo(2, 12);
    // Second law in reverse: <W_R> >= -Delta F.
    expect(result.reverse.summary.results.work.mean).toBeGreaterThan(-exact - 4 * result.reverse.summary.results.work.se);
  });

  it('refuses a start out of equilibrium or an engine without trajectories (ConfigError)', () => {
    const bits = { ...loaded, config: { ...loaded.config, initial: { kind: 'fixed' as const, x: -1 } } };
    expect(() => runCrooks(bits)).toThrow(ConfigError);
    const fp = { ...loaded, config: { ...loaded.config, engine: 'fokker-planck' as const } };
    expect(() => runCrooks(fp)).toThrow(/langevin/);
  });
});
