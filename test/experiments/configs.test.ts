import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnyConfig, runAnyConfig } from '../../src/experiments/dispatch.js';

/** Every shipped config runs (at reduced size) and no applicable bound is violated: none rots. */
const configs = readdirSync('sim-configs')
  .filter((f) => /\.ya?ml$|\.json$/.test(f))
  .map((f) => join('sim-configs', f));

describe('shipped configs', () => {
  it.each(configs)('%s runs and violates no applicable bound', (path) => {
    const config = loadAnyConfig(path);
    const run = runAnyConfig(config, { replicas: 300 });
    if (run.kind === 'physics') {
      const { bounds, results } = run.run.summary;
      expect(results.firstLawResidual).toBeLessThan(1e-9 * Math.max(1, Math.abs(results.work.mean)) + 1e-9);
      const violated = bounds.filter((b) => b.violated);
      expect(violated, JSON.stringify(violated)).toEqual([]);
    }
  });
});
