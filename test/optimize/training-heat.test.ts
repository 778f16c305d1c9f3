import { describe, expect, it } from 'vitest';
import { storeSchema } from '../../src/experiments/training-schema.js';
import { createStore, type StoreSpec } from '../../src/learning/stores/index.js';
import { exactLevelKinetics } from '../../src/memory/exact-level-kinetics.js';
import { estimateMean } from '../../src/thermo/statistics.js';

/**
 * The schedule-dependent heat of docs/optimize.md §8: a LIM cell at its optimum, driven by
 * F = -kappa g with the tilt frozen over each window (sample and hold), releases heat even in
 * its stationary state. For L = (h/2)(w - w*)^2, in level units x (w = w_min + step x) the
 * tilt is F = -U'' x with U'' = kappa step h, and a window of length Delta at hop rate r each
 * way (linear response: drift r F, hop-count variance 2 r Delta) maps
 *   x_{k+1} = (1 - a) x_k + xi,  a = r Delta U'',  var xi = 2 r Delta,
 * so s_k = var x_k = 2 r Delta (1 - (1 - a)^{2k}) / (1 - (1 - a)^2) from x_0 = 0, and window k
 * releases E[F_k (x_{k+1} - x_k)] = U'' a s_k kT: 2 a / (2 - a) kT per window in the stationary
 * state, about eta h kT per update (eta = a / h).
 */
describe('LIM heat of the frozen tilt (sample and hold)', () => {
  it('a cell held at its optimum releases sum_k U\'\' a s_k kT over U windows, within 4 SE', () => {
    const bits = 8;
    const range: [number, number] = [-2, 2];
    const step = (range[1] - range[0]) / (2 ** bits - 1);
    // kappa small enough that the stationary tilt, F^2 ~ U'' 2/(2 - a) = 0.017 kT^2, is in linear response: the drift
    // 2 r sinh(F/2) exceeds r F by F^2/24, a 0.2 % bias on the heat (about 1 SE here; 0.9 % at kappa = 4).
    const kappa = 1;
    const h = 1;
    const barrier = 5;
    // The store's zero-tilt hop rate: exact rates by default (docs/kinetics.md).
    const r = exactLevelKinetics(barrier, 0).rateUp;
    const curvature = kappa * step * h;
    const a = 0.2;
    const interval = a / (r * curvature);
    const updates = 100;
    const copies = 4000;
    // The optimum on a level (level 128), every copy starting on it.
    const optimum = range[0] + 128 * step;
    const spec = storeSchema.parse({ kind: 'lim', bits, range, engine: 'monte-carlo', tiltGain: kappa, drive: 'linear', barrier: { kind: 'constant', value: barrier } });
    const store = createStore(spec as StoreSpec, 0, {
      run: {
        parameterCount: 1,
        copies,
        updates,
        updateInterval: interval,
        learningRate: () => a / h,
        initialParameters: new Float64Array(copies).fill(optimum),
        seed: 5,
      },
      init: { kind: 'model' },
      path: 'stores[0]',
    });
    const w = new Float64Array(copies);
    const gradient = new Float64Array(copies);
    for (let k = 0; k < updates; k++) {
      store.read(w);
      for (let c = 0; c < copies; c++) gradient[c] = h * (w[c] - optimum);
      store.update(gradient, k);
    }
    const measured = estimateMean(store.heat().update);
    let expected = 0;
    for (let k = 0; k < updates; k++) expected += curvature * a * ((2 * r * interval * (1 - (1 - a) ** (2 * k))) / (1 - (1 - a) ** 2));
    // Stationary rate 2a/(2-a) = 0.222 kT per window: the total is mostly stationary.
    expect(expected).toBeGreaterThan(0.8 * updates * ((2 * a) / (2 - a)));
    expect(Math.abs(measured.mean - expected)).toBeLessThan(4 * measured.se);
    expect(measured.se).toBeLessThan(0.01 * expected);
  });
});
