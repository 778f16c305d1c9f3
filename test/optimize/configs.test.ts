import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnyConfig, runAnyConfig } from '../../src/experiments/dispatch.js';

/** The ready configs of `limsim optimize` run as they are and violate no bound; the erasure ones start from the shipped protocol. */
const configs = readdirSync('sim-configs/optimize')
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join('sim-configs', 'optimize', f));

describe('sim-configs/optimize', () => {
  it.each(configs)('%s runs and violates no applicable bound', (path) => {
    const run = runAnyConfig(loadAnyConfig(path), { replicas: 300 });
    if (run.kind === 'training') {
      // The LIM barrier start (lim-barrier.yaml): its verdict (heat above the LIM bound, loss matched) holds.
      expect(run.run.summary.verdict.failures).toEqual([]);
      return;
    }
    expect(run.kind).toBe('physics');
    if (run.kind !== 'physics') return;
    expect(run.run.summary.bounds.filter((b) => b.violated)).toEqual([]);
    const config = run.run.summary.provenance.config;
    if (config.potential.kind === 'double-well') {
      // The shipped four-stage protocol of sim-configs/erasure-fokker-planck.yaml, scaled to tau.
      const q = config.time.duration / 4;
      expect(config.potential.barrierHeight).toEqual({ kind: 'table', points: [[0, 8], [q, 1], [2 * q, 1], [3 * q, 8], [4 * q, 8]] });
      expect(config.potential.tilt).toEqual({ kind: 'table', points: [[0, 0], [q, 0], [2 * q, 3], [3 * q, 3], [4 * q, 0]] });
    }
  });
});
