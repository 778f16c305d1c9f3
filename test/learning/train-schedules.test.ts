import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { compileBarrierSchedule, integratedMobility, mobilityFunction, type BarrierScheduleSpec, type LearningRateContext } from '../../src/learning/schedules.js';
import { dragBoundLinear, dragBoundNonlinear, integerEntropyUpperBound, limBound, polygonLength } from '../../src/learning/lim-bound.js';
import { kramersMobility, lifsonJacksonMobility } from '../../src/memory/washboard.js';
import { levelEntropy } from '../../src/thermo/estimators.js';

/**
 * LIM barrier schedules (the barrier sets the learning rate,
 * eta = step mu(E_b) kappa Delta) and the pieces of the LIM bound.
 */

const context: LearningRateContext = { duration: 100, step: 4 / 255, tiltGain: 16, updateInterval: 1, friction: 1, minBarrier: 2 };

function expectConfigError(run: () => unknown, path: string, text: RegExp): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).path).toBe(path);
    expect((err as Error).message).toMatch(text);
    return;
  }
  throw new Error(`expected a ConfigError at ${path}`);
}

describe('barrier schedules and the learning rate they set', () => {
  it('constant, linear, exponential, expression: E_b(t) as specified over the training time', () => {
    const cases: [BarrierScheduleSpec, number, number][] = [
      [{ kind: 'constant', value: 5 }, 50, 5],
      [{ kind: 'linear', from: 4, to: 8 }, 50, 6],
      [{ kind: 'exponential', from: 4, to: 16 }, 50, 8],
      [{ kind: 'expression', expr: '4 + t / 50' }, 50, 5],
    ];
    for (const [spec, t, value] of cases) expect(compileBarrierSchedule(spec, context).barrierAt(t)).toBeCloseTo(value, 10);
  });

  it('logarithmic (Robbins-Monro): eta(t)/eta(0) = (E_b(t)/E_0) / (1 + t/t_0) exactly, with the Kramers mobility', () => {
    const s = compileBarrierSchedule({ kind: 'logarithmic', offset: 3, timeScale: 10 }, context);
    for (const t of [0, 5, 20, 100]) {
      const expected = (s.barrierAt(t) / 3) / (1 + t / 10);
      expect(s.learningRateAt(t) / s.learningRateAt(0)).toBeCloseTo(expected, 12);
    }
    // And eta = step mu kappa Delta.
    expect(s.learningRateAt(0)).toBeCloseTo(context.step * kramersMobility(3) * 16, 12);
  });

  it('learning-rate: the derived barrier reproduces the requested eta(t) (both mobility models)', () => {
    for (const mobility of ['kramers', 'exact'] as const) {
      const s = compileBarrierSchedule(
        { kind: 'learning-rate', learningRate: { kind: 'expression', expr: '0.05 / (1 + t / 20)' }, mobility },
        context,
      );
      for (const t of [0, 1, 10, 37, 100]) expect(s.learningRateAt(t) / (0.05 / (1 + t / 20))).toBeCloseTo(1, 6);
      expect(s.barrierAt(100)).toBeGreaterThan(s.barrierAt(0));
    }
    // A constant learning rate gives a constant barrier (a number: constant rates).
    const constant = compileBarrierSchedule({ kind: 'learning-rate', learningRate: 0.05, mobility: 'exact' }, context);
    expect(typeof constant.spec).toBe('number');
    expect(lifsonJacksonMobility(constant.barrierAt(0)) * context.step * 16).toBeCloseTo(0.05, 8);
  });

  it('a schedule that lowers the barrier below minBarrier (the learning rate would diverge) is a ConfigError naming the time', () => {
    expectConfigError(() => compileBarrierSchedule({ kind: 'linear', from: 5, to: 1 }, context, 'stores[1].barrier'), 'stores[1].barrier', /falls to 1.* at t = 100.*diverge/);
    expectConfigError(() => compileBarrierSchedule({ kind: 'expression', expr: '5 - t' }, context, 'b'), 'b', /below minBarrier.*diverge/);
    expectConfigError(() => compileBarrierSchedule({ kind: 'expression', expr: '5 + log(t - 50)' }, context, 'b'), 'b.expr', /t = 0.*finite/);
    // The expression itself refuses a NaN (sqrt of a negative) at the first time it occurs, naming its field.
    expectConfigError(() => compileBarrierSchedule({ kind: 'expression', expr: '5 + sqrt(50 - t)' }, context, 'b'), 'b.expr', /NaN at t = 50\.\d+.*finite/);
    // A requested learning rate the cell cannot reach without dropping below minBarrier.
    expectConfigError(
      () => compileBarrierSchedule({ kind: 'learning-rate', learningRate: 5 }, context, 'b'),
      'b.learningRate',
      /minBarrier.*diverges/,
    );
    expectConfigError(
      () => compileBarrierSchedule({ kind: 'learning-rate', learningRate: { kind: 'expression', expr: '0.05 / (50 - t)' } }, context, 'b'),
      'b.learningRate.expr',
      /Infinity|minBarrier|finite/,
    );
  });

  it('integrated mobility of a constant barrier is mu T', () => {
    const m = mobilityFunction('exact', 1);
    expect(integratedMobility(() => 4, m, 100)).toBeCloseTo(100 * lifsonJacksonMobility(4), 10);
  });
});

describe('LIM bound pieces', () => {
  it('nonlinear drag bound <= linear (gamma_eff l^2 / T) and equal to it for l << R', () => {
    expect(dragBoundNonlinear(1e-3, 10) / dragBoundLinear(1e-3, 10)).toBeCloseTo(1, 6);
    for (const l of [1, 10, 100, 1000]) expect(dragBoundNonlinear(l, 10)).toBeLessThanOrEqual(dragBoundLinear(l, 10));
  });

  it('the nonlinear bound is the minimum of int F v dt at constant F for the hop drift v = 2 r sinh(F/2)', () => {
    // Any speed profile with the same path length costs at least as much: try a two-speed profile.
    const r = 0.2;
    const T = 100;
    const l = 60;
    const cost = (v: number, t: number) => 2 * Math.asinh(v / (2 * r)) * v * t;
    const bound = dragBoundNonlinear(l, r * T);
    expect(cost(l / T, T)).toBeCloseTo(bound, 8);
    for (const share of [0.2, 0.5, 0.8]) {
      const v1 = (l * share) / (T / 2);
      const v2 = (l * (1 - share)) / (T / 2);
      expect(cost(v1, T / 2) + cost(v2, T / 2)).toBeGreaterThanOrEqual(bound * (1 - 1e-12));
    }
  });

  it('polygon length and the integer entropy bound', () => {
    expect(polygonLength([0, 3, 1, 4])).toBe(8);
    // The discretised Gaussian of variance s^2 has entropy below 1/2 ln(2 pi e (s^2 + 1/12)).
    for (const s of [0.5, 1, 3, 10]) {
      const p: number[] = [];
      let z = 0;
      for (let k = -100; k <= 100; k++) z += Math.exp(-(k * k) / (2 * s * s));
      let variance = 0;
      for (let k = -100; k <= 100; k++) {
        const q = Math.exp(-(k * k) / (2 * s * s)) / z;
        p.push(q);
        variance += q * k * k;
      }
      expect(levelEntropy(p)).toBeLessThanOrEqual(integerEntropyUpperBound(variance) + 1e-12);
    }
  });

  it('N n kT ln 2 appears as the information term when N parameters settle from full uncertainty to one level', () => {
    const bits = 3;
    const n = 2;
    const copies = 5;
    const bound = limBound({
      meanPath: new Float64Array([0, 0, 0, 0]),
      checkpoints: 2,
      parameterCount: n,
      mobilityBudget: 1,
      initialLevelEntropy: new Float64Array(n).fill(bits * Math.LN2),
      finalLevels: new Int32Array(copies * n).fill(3),
      copies,
      bits,
    });
    // Final entropy bound at zero variance: 1/2 ln(2 pi e / 12) = 0.254 nats per parameter.
    expect(bound.information).toBeCloseTo(n * (bits * Math.LN2 - integerEntropyUpperBound(0)), 12);
    expect(bound.consolidationTerm).toBeCloseTo(n * bits * Math.LN2, 12);
    expect(bound.update).toBe(0);
  });
});
