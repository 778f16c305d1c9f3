import { describe, expect, it, vi } from 'vitest';
import { CompactHoppingEnsemble } from '../../src/memory/compact-hopping.js';
import { buildDiscreteModel } from '../../src/memory/discrete.js';
import { EXACT_INTERPOLATION_TOLERANCE, exactLevelKinetics, levelExitTime } from '../../src/memory/exact-level-kinetics.js';
import { LinearizedDrive, WashboardHoppingEnsemble } from '../../src/memory/washboard-hopping.js';
import { exactDriftVelocity, hoppingDriftVelocity, kramersMobility, lifsonJacksonMobility } from '../../src/memory/washboard.js';

/**
 * The training stores' Monte-Carlo hopping on exact rates (docs/kinetics.md §1): the drift of a
 * tilted cell is the continuous washboard's exact (Stratonovich) drift and the zero-tilt hop rate
 * its Lifson-Jackson mobility, at low barriers where Kramers' formula is off by tens of per cent.
 */

function meanAndSe(values: Float64Array): { mean: number; se: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { mean, se: Math.sqrt(ss / (values.length - 1) / values.length) };
}

describe('exact hopping rates of a washboard level', () => {
  it('are the exact Monte-Carlo engine rates of an interior level, detailed-balanced, with the Lifson-Jackson rate at zero tilt', () => {
    for (const [barrier, tilt] of [
      [3, 0.8],
      [2, 5],
      [8, 12],
      // Past the critical tilt pi E_b (sliding from the inflection point).
      [1, 10],
      [0.5, 6],
    ]) {
      const model = buildDiscreteModel({ kind: 'washboard', barrierHeight: barrier, levels: 16, tilt, wallStiffness: 1000 }, 1, { rates: 'exact' });
      model.setTime(0);
      const k = exactLevelKinetics(barrier, tilt);
      expect(Math.abs(k.rateUp / model.rateUp[8] - 1)).toBeLessThan(1e-6);
      expect(Math.abs(k.rateDown / model.rateDown[8] - 1)).toBeLessThan(1e-6);
      expect(Math.abs(k.rateUp / k.rateDown / Math.exp(tilt) - 1)).toBeLessThan(1e-12);
      // The interpolated exit time against direct quadrature, and the drift against the Stratonovich formula.
      expect(Math.abs(Math.tanh(tilt / 2) / (k.rateUp - k.rateDown) / levelExitTime(barrier, tilt) - 1)).toBeLessThan(1e-8);
      expect(Math.abs((k.rateUp - k.rateDown) / exactDriftVelocity(barrier, tilt, 1, 2000) - 1)).toBeLessThan(1e-6);
    }
    for (const barrier of [0.5, 2.5, 10, 40]) {
      expect(Math.abs(exactLevelKinetics(barrier, 0).rateUp / lifsonJacksonMobility(barrier) - 1)).toBeLessThan(1e-9);
      expect(Math.abs(new LinearizedDrive(barrier).mobility / lifsonJacksonMobility(barrier) - 1)).toBeLessThan(1e-6);
    }
  });

  it('the (barrier, tilt)-panel rates agree with direct quadrature to EXACT_INTERPOLATION_TOLERANCE over 2-40 kT up to the drive cap, whatever the call order', async () => {
    // Log-uniform barriers (a fixed low-discrepancy sequence) plus the panel edges 2^(p/2), tilts up to the cap 0.9 pi E_b.
    const points: [number, number, number][] = [];
    for (let k = 0; k < 300; k++) {
      const barrier = 2 * 20 ** ((k * 0.6180339887) % 1);
      points.push([barrier, 0.9 * Math.PI * barrier * ((k * 0.7548776662) % 1), k % 7 === 0 ? 2.5 : 1]);
    }
    for (let p = 2; p <= 10; p++) for (const s of [1e-3, 0.5, 0.9]) points.push([2 ** (p / 2), s * Math.PI * 2 ** (p / 2), 1]);
    let worst = 0;
    for (const [barrier, tilt, friction] of points) {
      const k = exactLevelKinetics(barrier, tilt, friction);
      const time = levelExitTime(barrier, tilt, friction);
      // k_up = pi_+ / T, k_down = pi_- / T with pi_+ = 1 / (1 + e^-F).
      worst = Math.max(worst, Math.abs(k.rateUp * time * (1 + Math.exp(-tilt)) - 1), Math.abs((k.rateDown * time * (1 + Math.exp(-tilt))) / Math.exp(-tilt) - 1));
    }
    expect(worst).toBeLessThan(EXACT_INTERPOLATION_TOLERANCE);
    // A pure function of (barrier, tilt, friction): a fresh module asked in reverse order gives the same bits.
    vi.resetModules();
    const fresh = await import('../../src/memory/exact-level-kinetics.js');
    for (const [barrier, tilt, friction] of [...points].reverse()) {
      expect(fresh.exactLevelKinetics(barrier, tilt, friction).rateUp).toBe(exactLevelKinetics(barrier, tilt, friction).rateUp);
    }
  });

  it('a tilted compact ensemble at 2.5 kT drifts at the exact washboard drift within 4 SE (Kramers excluded)', () => {
    const barrier = 2.5;
    const tilt = 1;
    const cells = 4000;
    const duration = 50;
    const ensemble = new CompactHoppingEnsemble(new Int32Array(cells).fill(512), 1024, () => barrier, 1, 21);
    ensemble.setFreeTilts(() => tilt);
    const start = Float64Array.from(ensemble.level);
    ensemble.advance(1, duration);
    const velocity = meanAndSe(Float64Array.from(ensemble.level, (l, i) => (l - start[i]) / duration));
    const exact = exactDriftVelocity(barrier, tilt, 1, 2000);
    const kramers = hoppingDriftVelocity(barrier, tilt);
    expect(Math.abs(velocity.mean - exact)).toBeLessThan(4 * velocity.se);
    expect(Math.abs(kramers / exact - 1)).toBeGreaterThan(0.1);
    expect(Math.abs(velocity.mean - kramers)).toBeGreaterThan(4 * velocity.se);
    expect(ensemble.firstLawResidual()).toBeLessThan(1e-9);
  });

  it('an untilted ensemble at 3 kT hops at twice the Lifson-Jackson rate within 4 SE (Kramers excluded)', () => {
    const barrier = 3;
    const cells = 2000;
    const duration = 50;
    const ensemble = new WashboardHoppingEnsemble(new Int32Array(cells).fill(512), 1024, () => barrier, 1, 9);
    ensemble.advance(1, duration);
    const rate = meanAndSe(Float64Array.from(ensemble.jumps, (j) => j / duration));
    const exact = 2 * lifsonJacksonMobility(barrier);
    expect(Math.abs(rate.mean - exact)).toBeLessThan(4 * rate.se);
    expect(Math.abs(rate.mean - 2 * kramersMobility(barrier))).toBeGreaterThan(4 * rate.se);
    // Kramers' rates stay selectable.
    const kramersCells = new WashboardHoppingEnsemble(new Int32Array(cells).fill(512), 1024, () => barrier, 1, 9, 'kramers');
    kramersCells.advance(1, duration);
    const kramersRate = meanAndSe(Float64Array.from(kramersCells.jumps, (j) => j / duration));
    expect(Math.abs(kramersRate.mean - 2 * kramersMobility(barrier))).toBeLessThan(4 * kramersRate.se);
  });
});
