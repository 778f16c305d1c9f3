import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { readConfigFile } from '../../src/experiments/config.js';
import { validateAnyConfig } from '../../src/experiments/dispatch.js';
import { runTraining } from '../../src/experiments/training-run.js';
import { compileBarrierSchedule } from '../../src/learning/schedules.js';
import { kramersMobility } from '../../src/memory/washboard.js';
import { evaluateTraining, withBarrier } from '../../src/optimize/training-objective.js';
import { optimizeTrainingConfig, VALIDATION_SEED_OFFSETS } from '../../src/optimize/training-run.js';

/**
 * `limsim optimize` on a training config (docs/optimize.md §8), at reduced size:
 * linear regression with 2 features and a bias, 60 updates, 8 copies, K = 1.
 */
const small = `kind: training
name: small-lim-barrier
seed: 3
dataset: { kind: linear-regression, samples: 100, features: 2, noiseStd: 0.5 }
model: { kind: linear-regression }
training: { copies: 8, updates: 60, updateInterval: 1, learningRate: 0.1, recordPoints: 5 }
stores:
  - kind: float
  - kind: lim
    bits: 8
    range: [-2, 2]
    engine: monte-carlo
    tiltGain: 16
    drive: linearized
    annealFraction: 0
    barrier: { kind: learning-rate, learningRate: 0.1 }
comparison: { lossTolerance: 0.05 }
`;

async function limsimInProcess(...args: string[]) {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'limsim', ...args]);
    return { code, stderr };
  } finally {
    spy.mockRestore();
  }
}

describe('least-heat LIM barrier schedule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limsim-optimize-training-'));
  const config = join(dir, 'small.yaml');
  writeFileSync(config, small);
  const raw = readConfigFile(config).raw as Record<string, unknown>;

  it('a table barrier interpolates its points, gives eta = step kappa Delta mu(E_b), and is refused below minBarrier', () => {
    const context = { duration: 60, step: 4 / 255, tiltGain: 16, updateInterval: 1, friction: 1, minBarrier: 2 };
    const table = compileBarrierSchedule({ kind: 'table', points: [[0, 6], [30, 4], [60, 5]] }, context, 'stores[1].barrier');
    expect(table.barrierAt(15)).toBeCloseTo(5, 12);
    expect(table.barrierAt(45)).toBeCloseTo(4.5, 12);
    expect(table.learningRateAt(30)).toBeCloseTo(context.step * 16 * kramersMobility(4), 14);
    expect(() => compileBarrierSchedule({ kind: 'table', points: [[0, 6], [30, 1.5]] }, context, 'stores[1].barrier')).toThrow(/stores\[1\]\.barrier: falls to 1\.5/);
  });

  it('the search objective is common random numbers: one schedule and noise seed give the same heat, another seed fresh noise', () => {
    const field = { knotTimes: [0, 30, 60], storeIndex: 1 };
    const data = withBarrier(raw, field, [5, 4.5, 4]);
    const a = evaluateTraining(data, config, 1, { copies: 8, noiseSeed: 10 });
    const b = evaluateTraining(data, config, 1, { copies: 8, noiseSeed: 10 });
    const c = evaluateTraining(data, config, 1, { copies: 8, noiseSeed: 11 });
    expect(b.heat.mean).toBe(a.heat.mean);
    expect(b.loss.mean).toBe(a.loss.mean);
    expect(c.heat.mean).not.toBe(a.heat.mean);
    // Fresh noise on the same task: the two estimates agree within 4 combined SE, and the float baseline is the same.
    expect(Math.abs(c.heat.mean - a.heat.mean)).toBeLessThan(4 * Math.hypot(a.heat.se, c.heat.se));
    expect(c.floatLoss).toBe(a.floatLoss);
  });

  it('validated on fresh noise: the optimized schedule meets the loss limit beyond 4 SE and releases no more heat than the learning-rate schedule', () => {
    const report = optimizeTrainingConfig(config, { vary: ['stores[1].barrier'], knots: 1, maxEvaluations: 24, validationCopies: 32 });
    const { optimized, start } = report.validation;
    // The validation runs draw their own noise, not the search's.
    expect(optimized.noiseSeed).toBe(report.searchNoiseSeed + VALIDATION_SEED_OFFSETS.optimized);
    expect(start.noiseSeed).toBe(report.searchNoiseSeed + VALIDATION_SEED_OFFSETS.start);
    expect(optimized.copies).toBe(32);
    // The loss constraint, resolved on the validation run.
    expect(report.lossLimit).toBeCloseTo(report.floatLoss * 1.05, 12);
    expect((report.lossLimit - optimized.loss.mean) / optimized.loss.se).toBeGreaterThan(4);
    // Heat: independent runs, SE = hypot. The learning-rate schedule (eta = 0.1 for 60 updates) converges far
    // beyond the tolerance, and the heat beyond the schedule-independent path term grows with the mobility
    // budget sum eta (docs/optimize.md §8: the hops against each window's frozen tilt release about
    // eta tr(H) kT per update), so a schedule that spends less of it must release less heat, resolved beyond 4 SE.
    expect(report.heatDifference.se).toBeCloseTo(Math.hypot(optimized.heat.se, start.heat.se), 12);
    expect(report.heatDifference.z).toBeLessThan(-4);
    expect(report.heatRatio.mean).toBeLessThan(1);
    // Both hold the LIM bound (heat >= bound within 4 combined SE): the verdict of each run.
    for (const v of [optimized, start]) expect(v.heat.mean - v.limBound.mean).toBeGreaterThan(-4 * Math.hypot(v.heat.se, v.limBound.se));
    expect(report.violated).toBe(false);
    // The optimized config: a table of K + 2 = 3 knots in the box, which the config schema accepts as it is.
    const loaded = validateAnyConfig(report.optimizedConfig, '', config);
    expect(loaded.kind).toBe('training');
    const barrier = (report.optimizedConfig.stores as { barrier: { kind: string; points: [number, number][] } }[])[1].barrier;
    expect(barrier.kind).toBe('table');
    expect(barrier.points.map((p) => p[0])).toEqual([0, 30, 60]);
    for (const [, e] of barrier.points) {
      expect(e).toBeGreaterThanOrEqual(report.field.lower);
      expect(e).toBeLessThanOrEqual(report.field.upper);
    }
    expect(report.optimizedYaml).toMatch(/kind: table/);
    // `limsim run` on the optimized config (all its stores, the config's copies and seed) draws the search's
    // noise for the LIM store (seed + 7 i): it reproduces the search sample at the optimum bit for bit.
    if (loaded.kind !== 'training') return;
    const rerun = runTraining(loaded.loaded).summary.stores.find((s) => s.kind === 'lim');
    expect(rerun?.heat.total.mean).toBe(report.searchBest.heat.mean);
    expect(rerun?.finalLoss.mean).toBe(report.searchBest.loss.mean);
  }, 60_000);

  const noLim = small.replace(/  - kind: lim[\s\S]*?learningRate: 0\.1 \}\n/, '');
  const annealed = small.replace('annealFraction: 0', 'annealFraction: 0.1');
  const bad: [string, string[], RegExp][] = [
    [small, ['--vary', 'training.learningRate'], /^error: --vary: got "training.learningRate"; a training config can vary only the barrier schedule of a LIM store, stores\[1\]\.barrier/],
    [small, ['--vary', 'stores[1].tiltGain'], /^error: --vary: got "stores\[1\]\.tiltGain"/],
    [small, ['--vary', 'stores[0].barrier'], /^error: --vary: got "stores\[0\]\.barrier", a float store/],
    [noLim, ['--vary', 'stores[1].barrier'], /^error: stores: has no LIM store/],
    [small, ['--vary', 'stores[1].barrier', '--method', 'lbfgs'], /^error: --method: got "lbfgs"/],
    [small, ['--vary', 'stores[1].barrier', '--objective', 'work'], /^error: --objective: got "work"/],
    [small, ['--vary', 'stores[1].barrier', '--constraint', 'finalError<=0.01'], /^error: --constraint: got "finalError<=0.01"/],
    [small, ['--vary', 'stores[1].barrier', '--constraint', 'barrier>=1'], /^error: --constraint: barrier>=1 is below stores\[1\]\.minBarrier/],
    [annealed, ['--vary', 'stores[1].barrier'], /^error: stores\[1\]\.annealFraction: is 0\.1/],
  ];
  for (const [text, args, message] of bad) {
    it(`bad input ${args.join(' ')}${text === noLim ? ' (no LIM store)' : text === annealed ? ' (settling phase)' : ''}: one line naming the field, exit 2, nothing written`, async () => {
      const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, text);
      const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
      const run = await limsimInProcess('optimize', file, ...args, '--out', out);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }
});
