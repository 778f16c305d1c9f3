import { describe, expect, it } from 'vitest';
import { CompactHoppingEnsemble } from '../../src/memory/compact-hopping.js';
import { LinearizedDrive, WashboardHoppingEnsemble } from '../../src/memory/washboard-hopping.js';
import { exactLevelKinetics } from '../../src/memory/exact-level-kinetics.js';
import { randomStream } from '../../src/physics/rng.js';

/** Per-copy sums of a per-cell ledger. */
function perGroup(values: Float64Array, groupSize: number): Float64Array {
  const out = new Float64Array(values.length / groupSize);
  for (let i = 0; i < values.length; i++) out[Math.floor(i / groupSize)] += values[i];
  return out;
}

describe('compact hopping ensemble (the LIM store Monte-Carlo cells)', () => {
  it('makes the same jumps as WashboardHoppingEnsemble under grid, free and ramped-barrier tilts; its per-copy ledger is the sum of the per-cell one', () => {
    const copies = 3;
    const n = 400;
    const cells = copies * n;
    const levels = 64;
    const barrier = 5;
    const start = Int32Array.from({ length: cells }, (_, i) => 8 + (i % 48));
    const reference = new WashboardHoppingEnsemble(start, levels, () => barrier, 1, 7);
    const compact = new CompactHoppingEnsemble(start, levels, () => barrier, 1, 7, n);
    // The same through the setters that keep E_k unstored (setFreeTilts, applyTiltCodes with a code function).
    const unstored = new CompactHoppingEnsemble(start, levels, () => barrier, 1, 7, n);
    const free = new Float64Array(cells);
    const drive = new LinearizedDrive(barrier);
    const rng = randomStream(3, 0, 'compact-hopping-test');
    const codes = new Int16Array(cells);
    const wide = new Int32Array(cells);
    for (let window = 0; window < 20; window++) {
      if (window % 4 === 3) {
        // Free tilts (the settling phase's linear drive).
        for (let i = 0; i < cells; i++) reference.extraTilt[i] = compact.extraTilt[i] = free[i] = 3 * (rng.uniform() - 0.5);
        reference.rebookEnergies();
        compact.rebookEnergies();
        unstored.setFreeTilts((i) => free[i]);
      } else {
        for (let i = 0; i < cells; i++) wide[i] = codes[i] = drive.codeFor(4 * drive.mobility * (rng.uniform() - 0.5), rng.uniform());
        reference.applyTiltCodes(drive, wide);
        compact.applyTiltCodes(drive, codes);
        unstored.applyTiltCodes(drive, (i) => codes[i]);
      }
      reference.advance(1, 1);
      compact.advance(1, 1);
      unstored.advance(1, 1);
    }
    // Consolidation: tilt off, barrier ramp over several steps (rates recomputed each step).
    reference.extraTilt.fill(0);
    reference.rebookEnergies();
    compact.clearTilts();
    unstored.clearTilts();
    const ramp = (t: number) => barrier + Math.max(0, t - 20) * 5;
    reference.setBarrierSchedule(ramp);
    compact.setBarrierSchedule(ramp);
    unstored.setBarrierSchedule(ramp);
    reference.advance(4, 0.5);
    compact.advance(4, 0.5);
    unstored.advance(4, 0.5);
    // Unstored E_k: the same jumps and, being recomputed with the same arithmetic, the same ledger bits.
    expect(Array.from(unstored.level)).toEqual(Array.from(compact.level));
    expect(Array.from(unstored.heat)).toEqual(Array.from(compact.heat));
    expect(Array.from(unstored.work)).toEqual(Array.from(compact.work));
    expect(unstored.firstLawResidual()).toBeLessThan(1e-9);

    // The comparison means something only if the cells moved.
    let moved = 0;
    for (let i = 0; i < cells; i++) if (reference.level[i] !== start[i]) moved++;
    expect(moved).toBeGreaterThan(cells / 2);
    expect(Array.from(compact.level)).toEqual(Array.from(reference.level));
    const out = new Float64Array(cells);
    compact.positions(out);
    for (let i = 0; i < cells; i += 37) expect(out[i]).toBe(reference.position(i));
    const heat = perGroup(reference.heat, n);
    const work = perGroup(reference.work, n);
    for (let c = 0; c < copies; c++) {
      expect(Math.abs(compact.heat[c] - heat[c])).toBeLessThan(1e-9 * Math.max(1, Math.abs(heat[c])));
      expect(Math.abs(compact.work[c] - work[c])).toBeLessThan(1e-9 * Math.max(1, Math.abs(work[c])));
    }
    expect(compact.firstLawResidual()).toBeLessThan(1e-9);
  });

  it('free cells drift at k_up - k_down within 4 SE and release F per level moved', () => {
    const cells = 2000;
    const barrier = 4;
    const tilt = 1.2;
    const ensemble = new CompactHoppingEnsemble(new Int32Array(cells).fill(128), 256, () => barrier, 1, 5);
    ensemble.extraTilt.fill(tilt);
    ensemble.rebookEnergies();
    const duration = 100;
    ensemble.advance(1, duration);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < cells; i++) {
      const v = (ensemble.level[i] - 128) / duration;
      sum += v;
      sq += v * v;
    }
    const mean = sum / cells;
    const se = Math.sqrt((sq / cells - mean * mean) / (cells - 1));
    // The exact rates (the default): k_up - k_down of exactLevelKinetics.
    const k = exactLevelKinetics(barrier, tilt);
    expect(Math.abs(mean - (k.rateUp - k.rateDown))).toBeLessThan(4 * se);
    // One group: Q = F sum_i (k_i - k_i(0)).
    expect(ensemble.heat[0]).toBeCloseTo(tilt * sum * duration, 8);
  });
});
