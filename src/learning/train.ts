import { ConfigError } from '../errors.js';
import { reportProgress } from '../engines/progress-hook.js';
import type { Estimate } from '../engines/problem.js';
import { estimateMean } from '../thermo/statistics.js';
import { createMinibatchSampler, type MinibatchSampler } from './datasets.js';
import type { Dataset } from './dataset-types.js';
import { assertModelFitsData, type Model } from './model-core.js';
import type { ParameterStore } from './stores/types.js';

/**
 * The training loop: gradient descent with the parameters living in a
 * ParameterStore (docs/physics.md §5). Each of `copies` independent copies of the
 * model reads its parameters from the store, computes its gradient on its own
 * mini-batch sequence (the full data set by default), and the store applies
 * the update with its physics. The loop never sees a heat: the stores book it
 * through their engines' ledgers (Langevin, Monte-Carlo, or calibrated pulses),
 * and the loop only reads cumulative heat for the curves.
 */
export interface TrainingTask {
  model: Model;
  data: Dataset;
  /** Held-out data for the final metrics (optional). */
  test?: Dataset;
  copies: number;
  updates: number;
  /** Reduced time per update. */
  updateInterval: number;
  /** Mini-batch size (default: full batch). */
  batchSize?: number;
  seed: number;
  /** Points of the training curves (>= 2), evenly spaced in updates from 0 to U. */
  recordPoints: number;
}

export interface CurvePoint {
  /** Updates done. */
  step: number;
  /** Reduced time. */
  time: number;
  /** Full-data training loss over the copies. */
  loss: Estimate;
  /** Training accuracy (binary tasks). */
  accuracy?: Estimate;
  /** Cumulative heat per copy so far, kT. */
  heat: Estimate;
}

export interface StoreTrainingResult {
  store: string;
  kind: ParameterStore['kind'];
  curve: CurvePoint[];
  /** Loss of the working parameters after the last update, before consolidation. */
  lossBeforeConsolidation: Estimate;
  /** Loss, accuracy of the stored (consolidated) parameters. */
  finalLoss: Estimate;
  finalAccuracy?: Estimate;
  testLoss?: Estimate;
  testAccuracy?: Estimate;
  /** Final parameters, copies x N. */
  finalParameters: Float64Array;
  /** Per-copy heat of each phase, kT. */
  heatPerCopy: { update: Float64Array; consolidation: Float64Array; retention: Float64Array; total: Float64Array };
}

/** Updates at which curve points are taken: round(j U / (P - 1)), j = 0..P-1. */
export function recordUpdates(updates: number, points: number): Int32Array {
  const out = new Int32Array(points);
  for (let j = 0; j < points; j++) out[j] = Math.round((j * updates) / (points - 1));
  return out;
}

function finiteLoss(model: Model, value: number, copy: number, step: number): number {
  if (!Number.isFinite(value)) {
    throw new ConfigError(
      'model',
      `${model.name}: the loss of copy ${copy} is ${value} at update ${step}; the training diverged (lower the learning rate or the tilt gain)`,
    );
  }
  return value;
}

/** Loss (and accuracy) of every copy on a data set. */
function evaluate(model: Model, params: Float64Array, data: Dataset, copies: number, step: number): { loss: Estimate; accuracy?: Estimate } {
  const n = model.parameterCount;
  const losses = new Float64Array(copies);
  const accuracies = model.accuracy ? new Float64Array(copies) : undefined;
  for (let c = 0; c < copies; c++) {
    const view = params.subarray(c * n, (c + 1) * n);
    losses[c] = finiteLoss(model, model.loss(view, data), c, step);
    if (accuracies && model.accuracy) accuracies[c] = model.accuracy(view, data);
  }
  return { loss: estimateMean(losses), ...(accuracies ? { accuracy: estimateMean(accuracies) } : {}) };
}

/** Train all copies in one store; returns curves, final metrics and the per-copy heat split. */
export function trainInStore(task: TrainingTask, store: ParameterStore): StoreTrainingResult {
  const { model, data, copies, updates } = task;
  assertModelFitsData(model, data);
  if (task.test) assertModelFitsData(model, task.test);
  const n = model.parameterCount;
  const params = new Float64Array(copies * n);
  const grad = new Float64Array(copies * n);
  const heat = new Float64Array(copies);
  const batchSize = task.batchSize ?? data.sampleCount;
  const samplers: (MinibatchSampler | null)[] = Array.from({ length: copies }, (_, c) =>
    batchSize === data.sampleCount ? null : createMinibatchSampler(data.sampleCount, batchSize, task.seed + 104_729 * (c + 1)),
  );
  const marks = recordUpdates(updates, task.recordPoints);
  const curve: CurvePoint[] = [];
  let mark = 0;
  const record = (step: number) => {
    while (mark < marks.length && marks[mark] === step) {
      store.read(params);
      store.cumulativeHeat(heat);
      const metrics = evaluate(model, params, data, copies, step);
      curve.push({ step, time: step * task.updateInterval, ...metrics, heat: estimateMean(heat) });
      store.checkpoint();
      mark++;
    }
  };
  for (let k = 0; k < updates; k++) {
    if ((k & 15) === 0) reportProgress(k / updates);
    record(k);
    store.read(params);
    for (let c = 0; c < copies; c++) {
      const view = params.subarray(c * n, (c + 1) * n);
      const out = grad.subarray(c * n, (c + 1) * n);
      const sampler = samplers[c];
      finiteLoss(model, model.gradient(view, data, out, sampler ? sampler.next() : null), c, k);
    }
    store.update(grad, k);
  }
  record(updates);
  store.read(params);
  const before = evaluate(model, params, data, copies, updates).loss;
  store.finish();
  // The gradient buffer is done with: it takes the final parameters (one copies x N buffer fewer at the end).
  const finalParameters = grad;
  store.readFinal(finalParameters);
  const final = evaluate(model, finalParameters, data, copies, updates);
  const test = task.test ? evaluate(model, finalParameters, task.test, copies, updates) : undefined;
  const split = store.heat();
  const total = new Float64Array(copies);
  for (let c = 0; c < copies; c++) total[c] = split.update[c] + split.consolidation[c] + split.retention[c];
  return {
    store: store.name,
    kind: store.kind,
    curve,
    lossBeforeConsolidation: before,
    finalLoss: final.loss,
    ...(final.accuracy ? { finalAccuracy: final.accuracy } : {}),
    ...(test ? { testLoss: test.loss, ...(test.accuracy ? { testAccuracy: test.accuracy } : {}) } : {}),
    finalParameters,
    heatPerCopy: { ...split, total },
  };
}
