import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePhysicsRun } from '../../src/commands/run.js';
import { loadPhysicsConfig } from '../../src/experiments/config.js';
import { runPhysics } from '../../src/experiments/run.js';

describe('barrier-raise config (Jarzynski, second law)', () => {
  const run = runPhysics(loadPhysicsConfig('sim-configs/barrier-raise.yaml'));
  const r = run.summary.results;

  it('Jarzynski: -ln <exp(-W)> equals dF from quadrature within 4 bootstrap SE', () => {
    expect(r.jarzynskiFreeEnergy).toBeDefined();
    const j = r.jarzynskiFreeEnergy!;
    expect(Math.abs(j.mean - r.freeEnergyChange.value)).toBeLessThan(4 * j.se);
  });

  it('second law: <W> >= dF, and the dissipated work is resolved', () => {
    expect(r.work.mean - r.freeEnergyChange.value).toBeGreaterThan(4 * r.work.se);
  });

  it('reports joules at the configured temperature', () => {
    expect(r.work.meanJ / r.work.mean).toBeCloseTo(1.380649e-23 * 300, 30);
  });
});

describe('reproducibility', () => {
  it('the same config and seed give an identical summary.json and timeseries (timestamps aside)', () => {
    const read = () => {
      const folder = mkdtempSync(join(tmpdir(), 'limsim-'));
      const run = runPhysics(loadPhysicsConfig('sim-configs/harmonic-drag.yaml'), { replicas: 300 });
      writePhysicsRun(run, folder);
      const summary = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8'));
      delete summary.provenance.createdAt;
      return { summary, timeseries: readFileSync(join(folder, 'timeseries.csv'), 'utf8') };
    };
    const first = read();
    const second = read();
    expect(second.summary).toEqual(first.summary);
    expect(second.timeseries).toBe(first.timeseries);
    // Worker threads change nothing in the results.
    const threaded = runPhysics(loadPhysicsConfig('sim-configs/harmonic-drag.yaml'), { replicas: 300, workers: 2 });
    expect(threaded.summary.results).toEqual(first.summary.results);
    // A different seed gives different numbers (the seed is really used).
    const other = runPhysics(loadPhysicsConfig('sim-configs/harmonic-drag.yaml'), { replicas: 300, seed: 99 });
    expect(other.summary.results.work.mean).not.toBe(first.summary.results.work.mean);
  });
});
