import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import * as limsim from '../src/index.js';

const root = join(import.meta.dirname, '..');
const drag = () => parseYaml(readFileSync(join(root, 'sim-configs/harmonic-drag.yaml'), 'utf8')) as limsim.PhysicsConfigInput;

describe('the typed library API (src/index.ts)', () => {
  it('keeps internals out of the top-level export', () => {
    for (const name of ['uniformGrid', 'DEFAULT_QUADRATURE_INTERVALS', 'boltzmannStatistics', 'shannonEntropy']) expect(name in limsim).toBe(false);
    for (const name of ['runPhysics', 'runTraining', 'runSweep', 'compareResults', 'writeRun', 'writeReport', 'validateConfig']) {
      expect(typeof (limsim as Record<string, unknown>)[name]).toBe('function');
    }
  });

  it('runPhysics on a config object gives the same numbers as the CLI path on the file (thin wrapper)', () => {
    const fromObject = limsim.runPhysics(drag(), { replicas: 200 });
    const fromFile = limsim.runAnyConfig(limsim.loadAnyConfig(join(root, 'sim-configs/harmonic-drag.yaml')), { replicas: 200 });
    expect(fromFile.kind).toBe('physics');
    if (fromFile.kind !== 'physics') return;
    expect(fromObject.summary.results.work).toEqual(fromFile.run.summary.results.work);
    expect(fromObject.summary.results.heat).toEqual(fromFile.run.summary.results.heat);
  });

  it('refuses the wrong kind and bad fields with a ConfigError naming the field', async () => {
    const training = parseYaml(readFileSync(join(root, 'sim-configs/train-mlp-xor.yaml'), 'utf8')) as limsim.TrainingConfigInput;
    expect(() => limsim.runPhysics(training as unknown as limsim.PhysicsConfigInput)).toThrow(/^kind: /);
    expect(() => limsim.runTraining(drag() as unknown as limsim.TrainingConfigInput)).toThrow(/^kind: /);
    expect(() => limsim.validateConfig({ ...drag(), replicas: 0 })).toThrow(limsim.ConfigError);
    await expect(limsim.runSweep({ base: drag(), grid: { replicas: [100] }, seeds: 'random' as 'config' }, { out: join(root, '.vitest-tmp', 'never') })).rejects.toThrow(/^seeds: /);
  });
});
