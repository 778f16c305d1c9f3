import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSweepSpec, planSweep, runSweep } from '../../src/experiments/sweep.js';
import { writeReport } from '../../src/report/report.js';
import { checkSvg } from '../../src/report/svg-check.js';
import { root } from './sweep-helpers.js';

/**
 * The ready sweep files (sim-configs/sweeps/*.yaml): every point of each
 * validates as shipped, and the training sweeps run end to end at reduced
 * size (2 copies, short training) with their report and plots. The
 * erasure-speed sweep runs at full size in sweep-erasure.test.ts.
 */
const folder = join(root, 'sim-configs', 'sweeps');
const files = readdirSync(folder).filter((f) => f.endsWith('.yaml'));

/** Reduced sizes for CI: fixed overrides and replacement axes. */
const reduced: Record<string, { set: string[]; grid: string[] }> = {
  'lim-schedules-training-time.yaml': { set: ['training.copies=2'], grid: ['training.updates=10,30'] },
  'precision-bits.yaml': { set: ['training.copies=2', 'training.updates=10'], grid: ['stores[1].bits=2,5,8'] },
  'lim-scaling.yaml': { set: ['training.copies=2', 'training.updates=10'], grid: ['dataset.parameters=10,100', 'stores[1].bits=auto,auto+2', 'training.updateInterval=4'] },
};

describe('ready sweep files', () => {
  it.each(files)('%s: every point validates', (file) => {
    const plan = planSweep(loadSweepSpec(join(folder, file)));
    expect(plan.points.length).toBeGreaterThan(1);
  });

  it('the precision sweep links the bits of every store to its one axis', () => {
    const plan = planSweep(loadSweepSpec(join(folder, 'precision-bits.yaml')));
    expect(plan.points.map((p) => p.params)).toEqual([2, 3, 4, 5, 6, 7, 8].map((n) => ({ 'stores[1].bits': n })));
    const stores = plan.points[3].raw.stores as { kind: string; bits?: number }[];
    expect(stores.filter((s) => s.kind !== 'float').map((s) => s.bits)).toEqual([5, 5, 5]);
  });

  it.each(Object.keys(reduced))('%s runs at reduced size and reports heat vs training time and loss vs heat', async (file) => {
    const out = join(mkdtempSync(join(tmpdir(), 'limsim-sweep-config-')), file.replace('.yaml', ''));
    const outcome = await runSweep(planSweep(loadSweepSpec(join(folder, file), reduced[file])), {
      out,
      workers: 2,
      progress: { start() {}, pointDone() {}, stop() {} },
    });
    expect(outcome.rows.length).toBe(outcome.selected);
    for (const row of outcome.rows) {
      expect(row.kind).toBe('training');
      expect(row.metrics['store.lim.heat.mean']).toBeGreaterThan(0);
      expect(row.bounds.some((b) => b.violated)).toBe(false);
    }
    await writeReport(out);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const svgs = [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => checkSvg(m[0]));
    const titles = svgs.map((s) => s.texts.join(' '));
    expect(titles.some((t) => t.includes('Loss vs cumulative heat'))).toBe(true);
    if (file.startsWith('lim-schedules')) expect(titles.some((t) => t.includes('Training energy vs training time'))).toBe(true);
  });
});
