import { ConfigError } from '../errors.js';
import type { Dataset } from './dataset-types.js';
import { createMinibatchSampler } from './datasets.js';
import { assertModelFitsData, type Model } from './model-core.js';

/**
 * The ideal floating-point baseline: plain gradient descent
 * w_{k+1} = w_k - eta grad L(w_k) with no physics, against which the
 * in-memory training runs are compared.
 */
export interface FloatFitOptions {
  /** Step size eta (> 0). */
  learningRate: number;
  /** Number of updates (integer >= 0). */
  steps: number;
  /** Mini-batch size (default: the full data set, i.e. deterministic gradient descent). */
  batchSize?: number;
  /** Seeds the initial parameters (unless given) and the mini-batch order. */
  seed: number;
  /** Start here instead of model.initParameters(seed); copied, not modified. */
  initialParameters?: Float64Array;
}

export interface FloatFitResult {
  /** Parameters after the last step. */
  parameters: Float64Array;
  /** Full-data loss before update k (k = 0 .. steps - 1) and after the last one (index steps). */
  lossCurve: Float64Array;
  finalLoss: number;
}

/**
 * Runs `steps` updates of (mini-batch) gradient descent. The loss curve always
 * holds the full-data loss, so full-batch and mini-batch runs compare directly;
 * for a full batch it comes free with each gradient. Throws ConfigError
 * (path 'model') if the gradient turns non-finite.
 */
export function fitFloatingPoint(model: Model, data: Dataset, options: FloatFitOptions): FloatFitResult {
  const { learningRate, steps, seed } = options;
  if (!(Number.isFinite(learningRate) && learningRate > 0)) {
    throw new ConfigError('fit.learningRate', `expected a finite number > 0, got ${learningRate}`);
  }
  if (!Number.isInteger(steps) || steps < 0) {
    throw new ConfigError('fit.steps', `expected an integer >= 0, got ${steps}`);
  }
  assertModelFitsData(model, data);
  const batchSize = options.batchSize ?? data.sampleCount;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > data.sampleCount) {
    throw new ConfigError('fit.batchSize', `expected an integer in 1..${data.sampleCount} (the sample count), got ${batchSize}`);
  }
  const fullBatch = batchSize === data.sampleCount;
  const sampler = fullBatch ? null : createMinibatchSampler(data.sampleCount, batchSize, seed);

  let params: Float64Array;
  if (options.initialParameters !== undefined) {
    if (options.initialParameters.length !== model.parameterCount) {
      throw new ConfigError(
        'fit.initialParameters',
        `expected ${model.parameterCount} parameters for ${model.name}, got ${options.initialParameters.length}`,
      );
    }
    params = options.initialParameters.slice();
  } else {
    params = model.initParameters(seed);
  }
  const grad = new Float64Array(model.parameterCount);
  const lossCurve = new Float64Array(steps + 1);

  for (let step = 0; step < steps; step++) {
    if (sampler === null) {
      lossCurve[step] = model.gradient(params, data, grad);
    } else {
      lossCurve[step] = model.loss(params, data);
      model.gradient(params, data, grad, sampler.next());
    }
    for (let p = 0; p < params.length; p++) params[p] -= learningRate * grad[p];
  }
  lossCurve[steps] = model.loss(params, data);
  return { parameters: params, lossCurve, finalLoss: lossCurve[steps] };
}
