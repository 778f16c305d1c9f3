import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { validateAnyConfig } from '../../src/experiments/dispatch.js';
import { runTraining } from '../../src/experiments/training-run.js';
import type { TrainingConfig } from '../../src/experiments/training-schema.js';
import type { LoadedConfig } from '../../src/experiments/config.js';
import { rangeFromFloat, type CalibrationTask } from '../../src/learning/calibration.js';
import { makeTeacherStudent } from '../../src/learning/datasets.js';
import { createModel } from '../../src/learning/models.js';
import { calibratePrecision, parseBitsRequest, ROUNDING_SHARE } from '../../src/learning/precision.js';

/**
 * Calibrated precision (docs/lim-calibration.md §4a): the chosen n is the least
 * one whose rounding floor tr(H) step^2 / 24 fits half the loss budget (n - 1
 * does not, by the same formula written out here), and stores at the
 * calibrated n reach the float loss within lossTolerance.
 */

function load(config: unknown): LoadedConfig<TrainingConfig> {
  const text = JSON.stringify(config);
  const parsed = validateAnyConfig(JSON.parse(text), text, '/tmp/precision-test.json');
  if (parsed.kind !== 'training') throw new Error('expected a training config');
  return parsed.loaded;
}

describe('least feasible precision', () => {
  // Teacher-student, isotropic: H = I, tr(H) = N exactly (Hutchinson is exact for a diagonal of ones).
  const N = 400;
  const data = makeTeacherStudent(1, { parameters: N, noiseStd: 1 });
  const model = createModel({ kind: 'teacher-student' }, data);
  const teacher = data.features.slice(N, 2 * N);
  const task: CalibrationTask = { model, data, floatParameters: teacher, floatLoss: 0.5, lossTolerance: 0.05, meanLearningRate: 0.2, seed: 1 };
  const range = rangeFromFloat(task);
  // The formula, written out: Q(n) = N ((w_max - w_min) / (2^n - 1))^2 / 24 against share x 0.05 x 0.5.
  const floor = (n: number) => (N * ((range[1] - range[0]) / (2 ** n - 1)) ** 2) / 24;
  const limit = ROUNDING_SHARE * 0.05 * 0.5;

  it('n* is feasible and n* - 1 is not', () => {
    const p = calibratePrecision({ task, range, offset: 0, maxBits: 16, path: 'stores[1].bits' });
    expect(p.traceH).toBeCloseTo(N, 9);
    expect(floor(p.bits)).toBeLessThanOrEqual(limit);
    expect(floor(p.bits - 1)).toBeGreaterThan(limit);
    expect(p.roundingFloor).toBeCloseTo(floor(p.bits), 12);
    expect(p.roundingFloorBelow).toBeCloseTo(floor(p.bits - 1), 12);
    // auto+2 adds two bits to the same n*.
    const plus = calibratePrecision({ task, range, offset: 2, maxBits: 16, path: 'stores[1].bits' });
    expect(plus.bits).toBe(p.bits + 2);
    expect(plus.leastFeasibleBits).toBe(p.bits);
  });

  it('bad requests name the field: no precision fits, offset beyond the cell, a malformed value', () => {
    const tight = { ...task, lossTolerance: 1e-12 };
    expect(() => calibratePrecision({ task: tight, range, offset: 0, maxBits: 16, path: 'stores[1].bits' })).toThrow(ConfigError);
    try {
      calibratePrecision({ task, range, offset: 12, maxBits: 16, path: 'stores[1].bits' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe('stores[1].bits');
      expect((err as ConfigError).message).toMatch(/at most 16 bits/);
    }
    expect(() => parseBitsRequest('auto-1', 'stores[1].bits')).toThrow(/'auto' or 'auto\+k'/);
    expect(parseBitsRequest(undefined, 'x')).toEqual({ kind: 'auto', offset: 0 });
    expect(parseBitsRequest('auto+3', 'x')).toEqual({ kind: 'auto', offset: 3 });
  });

  it("the schema refuses bits: 'eight' naming the field", () => {
    expect(() =>
      load({ kind: 'training', name: 'bad', dataset: { kind: 'teacher-student', parameters: 10 }, model: { kind: 'teacher-student' }, training: { updates: 5 }, stores: [{ kind: 'digital', bits: 'eight' }] }),
    ).toThrow(/stores\[0\]\.bits|stores\.0\.bits/);
  });
});

describe('a run at the calibrated precision', () => {
  it('teacher-student, N = 200: LIM (kind and engine only) and digital (nothing given) at n* reach the float loss within lossTolerance; n* - 1 is infeasible', () => {
    const run = runTraining(
      load({
        kind: 'training',
        name: 'precision-auto',
        seed: 1,
        dataset: { kind: 'teacher-student', parameters: 200, noiseStd: 1 },
        model: { kind: 'teacher-student' },
        training: { copies: 2, updates: 60, updateInterval: 4, learningRate: 0.2, recordPoints: 3 },
        stores: [{ kind: 'float' }, { kind: 'lim', engine: 'monte-carlo' }, { kind: 'digital', bits: 'auto', calibration: { engine: 'monte-carlo', replicas: 100 } }],
        comparison: { lossTolerance: 0.05 },
      }),
    );
    const s = run.summary;
    expect(s.floatBaseline.optimumLoss).toBeCloseTo(0.5, 12);
    for (const store of s.stores.filter((x) => x.kind !== 'float')) {
      const p = store.precision;
      expect(p, store.name).toBeDefined();
      if (!p) continue;
      expect(store.bits).toBe(p.bits);
      // The same formula at n* and n* - 1: feasible, infeasible.
      const q = (n: number) => (p.traceH * ((p.range[1] - p.range[0]) / (2 ** n - 1)) ** 2) / 24;
      expect(q(p.bits)).toBeLessThanOrEqual(p.roundingShare * p.lossBudget);
      expect(q(p.bits - 1)).toBeGreaterThan(p.roundingShare * p.lossBudget);
      expect(store.lossExcess, `${store.name}: ${store.finalLoss.mean}`).toBeLessThanOrEqual(s.lossTolerance);
      expect(store.matchesFloat).toBe(true);
    }
    expect(s.verdict.ok, JSON.stringify(s.verdict)).toBe(true);
  });
});

describe('limsim run: a calibrated precision that cannot exist is bad input', () => {
  it('bits: auto+20 on a LIM store exits 2 naming stores[1].bits, one line, nothing written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'limsim-precision-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'kind: training\nname: bad-bits\ndataset: { kind: teacher-student, parameters: 50 }\nmodel: { kind: teacher-student }\n' +
        'training: { copies: 2, updates: 5, learningRate: 0.2 }\nstores:\n  - kind: float\n  - kind: lim\n    bits: auto+20\n    engine: monte-carlo\n',
    );
    const root = join(import.meta.dirname, '../..');
    const out = join(dir, 'never');
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), 'run', file, '--out', out], { cwd: root, encoding: 'utf8', env: { ...process.env, LIMSIM_DEBUG: '' } });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr.startsWith('error: stores[1].bits: is auto+20'), run.stderr).toBe(true);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });
});
