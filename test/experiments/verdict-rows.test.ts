import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompareCommand } from '../../src/commands/compare.js';
import { takeVerdictExitCode } from '../../src/commands/exit-status.js';
import { writePhysicsRun } from '../../src/commands/run.js';
import { compareEntries, type ComparisonEntry } from '../../src/experiments/compare.js';
import { loadAnyConfig, runAnyConfig, validateAnyConfig } from '../../src/experiments/dispatch.js';
import { runRow } from '../../src/experiments/sweep/rows.js';
import { runPointTask } from '../../src/experiments/sweep/task.js';
import { root } from './sweep-helpers.js';

describe('verdicts in rows, comparisons and warnings', () => {
  it('a sweep row carries verdict / verdict_cause; compare exits 3 (flagged) only when a row fails', async () => {
    const any = runAnyConfig(loadAnyConfig(join(root, 'sim-configs', 'two-state-master-equation.yaml')));
    const row = runRow(any);
    expect(row.metrics.verdict).toBe('ok');
    expect(row.metrics.verdict_cause).toBe('');
    if (any.kind !== 'physics') throw new Error('physics expected');
    const folder = join(mkdtempSync(join(tmpdir(), 'limsim-verdict-rows-')), 'run');
    writePhysicsRun(any.run, folder);
    takeVerdictExitCode();
    await runCompareCommand([folder], {}, () => {});
    expect(takeVerdictExitCode()).toBe(0);

    const failed: ComparisonEntry = {
      source: 'synthetic',
      label: 'a failed training point',
      kind: 'training',
      params: {},
      metrics: { verdict: 'failed', verdict_cause: 'store lim: final loss: 9.37 misses the float baseline' },
      bounds: [],
    };
    const c = compareEntries([failed]);
    expect(c.verdict.ok).toBe(false);
    expect(c.verdict.failures[0].cause).toMatch(/misses the float baseline/);
  });

  it('a protocol cut short: both schedules named in a warning, and the Landauer row not applicable instead of violated', () => {
    const base = loadAnyConfig(join(root, 'sim-configs', 'landauer-erasure.yaml'));
    if (base.kind !== 'physics') throw new Error('physics expected');
    const raw = { ...base.loaded.config, replicas: 400, time: { ...base.loaded.config.time, duration: 10 } };
    const run = runAnyConfig(validateAnyConfig(raw, '', 'cut.yaml'));
    if (run.kind !== 'physics') throw new Error('physics expected');
    const { warnings, bounds, verdict } = run.run.summary;
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^potential\.barrierHeight: still changing at time\.duration = 10/);
    expect(warnings[1]).toMatch(/^potential\.tilt: still changing at time\.duration = 10/);
    const landauer = bounds.find((b) => b.name === 'landauer')!;
    expect(landauer.status).toBe('not applicable');
    expect(landauer.violated).toBe(false);
    expect(verdict.ok).toBe(true);
    // The full protocol (duration 20) has no warning.
    const full = runAnyConfig(validateAnyConfig({ ...base.loaded.config, replicas: 200 }, '', 'full.yaml'));
    if (full.kind !== 'physics') throw new Error('physics expected');
    expect(full.run.summary.warnings).toEqual([]);
  }, 60000);

  it('a sweep point whose training diverges is a failed row, not a failed sweep', () => {
    const raw = {
      kind: 'training',
      name: 'diverge',
      seed: 1,
      dataset: { kind: 'linear-regression', samples: 50, features: 2, noiseStd: 0.3 },
      model: { kind: 'linear-regression' },
      training: { copies: 2, updates: 100, learningRate: 50 },
      stores: [{ kind: 'float' }],
    };
    const row = runPointTask({ sweep: 's', index: 1, key: 'k', params: { 'training.learningRate': 50 }, seed: 1, raw, source: '', path: 'x.yaml#k' });
    expect(row.metrics.verdict).toBe('failed');
    expect(String(row.metrics.verdict_cause)).toMatch(/^training: diverged: .*the training diverged/);
    const fine = runPointTask({ sweep: 's', index: 0, key: 'j', params: {}, seed: 1, raw: { ...raw, training: { ...raw.training, learningRate: 0.05 } }, source: '', path: 'x.yaml#j' });
    expect(fine.metrics.verdict).toBe('ok');
  });
});
