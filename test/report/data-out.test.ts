import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnyConfig, runAnyConfig } from '../../src/experiments/dispatch.js';
import { writePhysicsRun } from '../../src/commands/run.js';
import { csvColumnName } from '../../src/experiments/sweep/rows.js';
import { datasetCsv } from '../../src/report/results.js';
import { loadTrainingData } from '../../src/experiments/training-run.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'limsim-data-out-'));

const parse = (text: string) => {
  const [header, ...lines] = text.trim().split('\n');
  return { header: header.split(','), rows: lines.map((l) => l.split(',')) };
};

describe('data out', () => {
  it('record.trajectories: true writes one row per trajectory whose means are the summary and whose ledger closes (dU = W - Q)', () => {
    const config = join(dir, 'erasure.yaml');
    const base = readFileSync(join(root, 'sim-configs', 'landauer-erasure.yaml'), 'utf8');
    writeFileSync(config, base.replace(/^record:\n/m, 'record:\n  trajectories: true\n'));
    const any = runAnyConfig(loadAnyConfig(config), { replicas: 200 });
    if (any.kind !== 'physics') throw new Error('expected physics');
    const out = join(dir, 'run');
    writePhysicsRun(any.run, out);
    const { header, rows } = parse(readFileSync(join(out, 'trajectories.csv'), 'utf8'));
    expect(header).toEqual(['trajectory', 'work_kT', 'heat_kT', 'energy_change_kT', 'final_state', 'initial_position', 'final_position']);
    expect(rows).toHaveLength(200);
    const col = (name: string) => rows.map((r) => Number(r[header.indexOf(name)]));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const r = any.run.summary.results;
    expect(mean(col('work_kT'))).toBeCloseTo(r.work.mean, 12);
    expect(mean(col('heat_kT'))).toBeCloseTo(r.heat.mean, 12);
    const w = col('work_kT');
    const q = col('heat_kT');
    col('energy_change_kT').forEach((du, i) => expect(Math.abs(du - (w[i] - q[i]))).toBeLessThan(1e-9));
    // The final states are the final occupancy.
    expect(mean(col('final_state'))).toBeCloseTo(r.finalOccupancy[1], 12);
  });

  it('without record.trajectories no trajectories.csv is written', () => {
    const any = runAnyConfig(loadAnyConfig(join(root, 'sim-configs', 'landauer-erasure.yaml')), { replicas: 50 });
    if (any.kind !== 'physics') throw new Error('expected physics');
    const files = writePhysicsRun(any.run, join(dir, 'plain'));
    expect(files.some((f) => f.endsWith('trajectories.csv'))).toBe(false);
  });

  it('a training data set exports the split it used, one row per sample', () => {
    const loaded = loadAnyConfig(join(root, 'sim-configs', 'lim-logistic-regression.yaml'));
    if (loaded.kind !== 'training') throw new Error('expected training');
    const splits = loadTrainingData(loaded.loaded.config, loaded.loaded.path);
    const { header, rows } = parse(datasetCsv(splits));
    expect(header[0]).toBe('split');
    expect(header[header.length - 1]).toBe('target');
    expect(header).toHaveLength(splits.train.featureCount + 3);
    expect(rows.filter((r) => r[0] === 'train')).toHaveLength(splits.train.sampleCount);
    expect(rows.filter((r) => r[0] === 'test')).toHaveLength(splits.test?.sampleCount ?? 0);
    // Same config, same seed: the same data, byte for byte.
    expect(datasetCsv(loadTrainingData(loaded.loaded.config, loaded.loaded.path))).toBe(datasetCsv(splits));
  });

  it('every CSV column is snake_case with its unit', () => {
    expect(csvColumnName('heat.mean')).toBe('heat_kT_mean');
    expect(csvColumnName('heat.se')).toBe('heat_kT_se');
    expect(csvColumnName('energyChange.se')).toBe('energy_change_kT_se');
    expect(csvColumnName('bound.second-law.value')).toBe('bound_second_law_kT');
    expect(csvColumnName('bound.landauer.se')).toBe('bound_landauer_kT_se');
    expect(csvColumnName('finalOccupancy[1]')).toBe('final_occupancy_1');
    expect(csvColumnName('store.lim.heat.mean')).toBe('store_lim_heat_kT_mean');
    expect(csvColumnName('temperatureK')).toBe('temperature_K');
    for (const name of ['time.duration', 'stores[2].bits', 'store.digital.finalLoss.se']) expect(csvColumnName(name)).toMatch(/^[a-z0-9_]+$/);
  });
});

describe('--json on sweep and merge', () => {
  it('sweep shards and their merge print one JSON document each, naming the folder and the rows', async () => {
    const { runSweepCommand } = await import('../../src/commands/sweep.js');
    const { runMergeCommand } = await import('../../src/commands/merge.js');
    const config = join(root, 'sim-configs', 'landauer-erasure.yaml');
    const base = { grid: ['time.duration=5,10'], set: ['replicas=40', 'record.points=3'], workers: 1, report: false, quiet: true, json: true };
    const shards: string[] = [];
    for (const shard of ['1/2', '2/2']) {
      let stdout = '';
      await runSweepCommand(config, { ...base, shard, out: join(dir, `shard-${shard[0]}`) }, (t) => (stdout += t));
      const summary = JSON.parse(stdout);
      expect(summary).toMatchObject({ name: 'landauer-erasure', ran: 1, rows: 1, selected: 1, shard: { index: Number(shard[0]), count: 2 } });
      expect(readFileSync(summary.files.csv, 'utf8').split('\n')[0]).toContain('heat_kT_mean');
      shards.push(summary.dir);
    }
    let stdout = '';
    await runMergeCommand(shards, { out: join(dir, 'merged'), report: false, json: true }, (t) => (stdout += t));
    const merged = JSON.parse(stdout);
    expect(merged).toMatchObject({ name: 'landauer-erasure', rows: 2, points: 2, missing: [] });
  });
});
