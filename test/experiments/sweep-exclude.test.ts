import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadSweepSpec, planSweep } from '../../src/experiments/sweep.js';
import { sweepIdOf } from '../../src/experiments/sweep/spec.js';
import { root } from './sweep-helpers.js';

/**
 * `exclude` in a sweep file: partial assignments whose points leave the
 * Cartesian product (the matched-loss scaling study runs its precision axis at
 * one model size only). Points keep their grid index; a key that names no axis
 * is bad input naming the entry.
 */
describe('sweep exclude', () => {
  it('the scaling sweep: 5 x 3 x 2 = 30 grid points, 16 excluded, the precision axis only at N = 1e3', () => {
    const plan = planSweep(loadSweepSpec(join(root, 'sim-configs', 'sweeps', 'lim-scaling.yaml')));
    expect(plan.points).toHaveLength(14);
    for (const p of plan.points) {
      if (p.params['stores[1].bits'] !== 'auto') expect(p.params['dataset.parameters']).toBe(1000);
    }
    expect(plan.points.filter((p) => p.params['dataset.parameters'] === 1000)).toHaveLength(6);
    // Indices are the grid's: point 2 (N = 10, auto+2, Delta = 4) is gone, 6 is N = 100, auto, Delta = 4.
    expect(plan.points.map((p) => p.index).slice(0, 3)).toEqual([0, 1, 6]);
  });

  it('an entry naming no grid axis is refused, naming it; exclude changes the sweep id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'limsim-exclude-'));
    const base = join(root, 'sim-configs', 'lim-scaling-base.yaml');
    const write = (name: string, exclude: string) => {
      const path = join(dir, name);
      writeFileSync(path, `base: ${base}\ngrid:\n  dataset.parameters: [10, 100]\n  training.updateInterval: [4, 16]\n${exclude}`);
      return path;
    };
    expect(() => loadSweepSpec(write('bad.yaml', 'exclude:\n  - { training.updates: 5 }\n'))).toThrow(ConfigError);
    try {
      loadSweepSpec(write('bad2.yaml', 'exclude:\n  - { training.updates: 5 }\n'));
    } catch (err) {
      expect((err as ConfigError).path).toBe('exclude[0].training.updates');
    }
    const plain = loadSweepSpec(write('plain.yaml', ''));
    const cut = loadSweepSpec(write('cut.yaml', 'exclude:\n  - { dataset.parameters: 100, training.updateInterval: 16 }\n'));
    expect(planSweep(cut).points.map((p) => p.params)).toEqual([
      { 'dataset.parameters': 10, 'training.updateInterval': 4 },
      { 'dataset.parameters': 10, 'training.updateInterval': 16 },
      { 'dataset.parameters': 100, 'training.updateInterval': 4 },
    ]);
    expect(sweepIdOf(cut)).not.toBe(sweepIdOf(plain));
    expect(() => planSweep(loadSweepSpec(write('none.yaml', 'exclude:\n  - { dataset.parameters: 10 }\n  - { dataset.parameters: 100 }\n')))).toThrow(/leaves none/);
  });
});
