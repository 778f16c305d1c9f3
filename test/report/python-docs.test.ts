/**
 * The Python examples of docs/python.md run against a real run folder and a
 * real sweep folder. Needs /usr/bin/python3 with pandas (Debian:
 * python3-pandas); skipped otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePhysicsRun } from '../../src/commands/run.js';
import { loadAnyConfig, runAnyConfig } from '../../src/experiments/dispatch.js';
import { loadSweepSpec, planSweep, runSweep } from '../../src/experiments/sweep.js';
import { writeReport } from '../../src/report/report.js';

const root = join(import.meta.dirname, '..', '..');
const PYTHON = '/usr/bin/python3';
const hasPandas = spawnSync(PYTHON, ['-c', 'import pandas, numpy'], { encoding: 'utf8' }).status === 0;

describe.skipIf(!hasPandas)('docs/python.md', () => {
  it('its pandas examples read a run (with trajectories) and a sweep', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limsim-python-'));
    const config = join(dir, 'erasure.yaml');
    writeFileSync(config, readFileSync(join(root, 'sim-configs', 'landauer-erasure.yaml'), 'utf8').replace(/^record:\n/m, 'record:\n  trajectories: true\n'));
    const any = runAnyConfig(loadAnyConfig(config), { replicas: 100 });
    if (any.kind !== 'physics') throw new Error('expected physics');
    const run = join(dir, 'run');
    writePhysicsRun(any.run, run);
    const sweep = join(dir, 'sweep');
    const spec = loadSweepSpec(join(root, 'sim-configs', 'landauer-erasure.yaml'), {
      grid: ['time.duration=5,10,20'],
      set: ['replicas=100', 'record.points=3'],
      timeScaling: true,
      seeds: 'independent',
    });
    await runSweep(planSweep(spec), { out: sweep, workers: 1, progress: { start() {}, pointDone() {}, stop() {} } });
    await writeReport(sweep, { formats: [] });

    const blocks = [...readFileSync(join(root, 'docs', 'python.md'), 'utf8').matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks).toHaveLength(2);
    const outputs = blocks.map((code) => {
      const res = spawnSync(PYTHON, ['-c', code], { encoding: 'utf8', env: { ...process.env, LIMSIM_RUN: run, LIMSIM_SWEEP: sweep }, timeout: 60_000 });
      expect(res.status, res.stderr).toBe(0);
      return res.stdout;
    });
    // The run example prints the summary's heat and closes the first law per trajectory.
    expect(outputs[0]).toContain(`<Q> = ${any.run.summary.results.heat.mean.toFixed(4)}`);
    expect(outputs[0]).toMatch(/100 trajectories, max \|dU - \(W - Q\)\| = \d\.\d\de-1\d kT/);
    // The sweep example refits Q_inf; it is the report's fit (same weighted least squares).
    const compare = JSON.parse(readFileSync(join(sweep, 'compare.json'), 'utf8'));
    const heatFit = compare.fits.find((f: { quantity: string }) => f.quantity === 'heat');
    expect(outputs[1]).toContain(`Q_inf = ${heatFit.asymptote.value.toFixed(3)} +- ${heatFit.asymptote.se.toFixed(3)} kT`);
  });
});
