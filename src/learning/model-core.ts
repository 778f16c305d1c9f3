import { ConfigError } from '../errors.js';
import type { Dataset, SampleBatch, Task } from './dataset-types.js';

/**
 * A differentiable model whose parameters live in one flat Float64Array, so
 * the training loop can keep parameter i in physical memory cell i: it reads
 * the cell positions into a vector, asks for the gradient in another vector,
 * and turns gradient component i into the tilt on cell i.
 *
 * Losses are means over the samples of the batch (the full data set when the
 * batch is null), so the gradient scale does not depend on the batch size.
 */
export interface Model {
  readonly name: string;
  readonly task: Task;
  readonly featureCount: number;
  readonly parameterCount: number;
  /** Human-readable name of parameter i (e.g. 'weight[2]', 'hidden[3].weight[1]'). */
  parameterName(index: number): string;
  /** Small seeded random starting point (stream purpose 'model-init'). */
  initParameters(seed: number): Float64Array;
  /** Mean loss over the batch. */
  loss(params: Float64Array, data: Dataset, batch?: SampleBatch): number;
  /**
   * Writes dLoss/dparams into `out` (length parameterCount, overwritten) and
   * returns the loss at `params`. Throws ConfigError (path 'model') naming the
   * parameter if a component is NaN or infinite.
   */
  gradient(params: Float64Array, data: Dataset, out: Float64Array, batch?: SampleBatch): number;
  /** Model output per sample: the prediction (regression) or P(y = 1 | x) (binary). */
  predict(params: Float64Array, data: Dataset, out?: Float64Array): Float64Array;
  /** Classification only: fraction of samples whose predicted class (p >= 1/2, or the argmax) equals the label. */
  accuracy?(params: Float64Array, data: Dataset, batch?: SampleBatch): number;
}

/**
 * Throws ConfigError (path 'model') at the first NaN or infinite component of
 * `grad`, naming the model and the parameter index (the CLI turns it into exit
 * code 2: the run diverged, usually a learning rate or tilt gain too large).
 */
export function assertFiniteGradient(
  modelName: string,
  grad: Float64Array,
  parameterName?: (index: number) => string,
): void {
  for (let i = 0; i < grad.length; i++) {
    if (!Number.isFinite(grad[i])) {
      const label = parameterName ? ` (${parameterName(i)})` : '';
      throw new ConfigError(
        'model',
        `${modelName}: gradient component ${i}${label} is ${grad[i]}; the loss is not finite at these parameters ` +
          '(diverged: lower the learning rate or the tilt gain)',
      );
    }
  }
}

/**
 * Checks that `data` suits `model`: same feature count, same task, and binary
 * targets in {0, 1}. Throws ConfigError (path 'model') otherwise. O(m): call it
 * once before training, not per step.
 */
export function assertModelFitsData(model: Model, data: Dataset): void {
  if (data.featureCount !== model.featureCount) {
    throw new ConfigError(
      'model',
      `${model.name} expects ${model.featureCount} features, data set '${data.name}' has ${data.featureCount}`,
    );
  }
  if (data.task !== model.task) {
    throw new ConfigError('model', `${model.name} is a ${model.task} model, data set '${data.name}' is a ${data.task} task`);
  }
  if (data.features.length !== data.sampleCount * data.featureCount || data.targets.length !== data.sampleCount) {
    throw new ConfigError('model', `data set '${data.name}' arrays do not match sampleCount x featureCount`);
  }
  if (data.task === 'binary') {
    for (let i = 0; i < data.sampleCount; i++) {
      const y = data.targets[i];
      if (y !== 0 && y !== 1) {
        throw new ConfigError('model', `data set '${data.name}': binary target of sample ${i} is ${y}, expected 0 or 1`);
      }
    }
  }
  if (data.task === 'multiclass') {
    const classes = (model as { classCount?: number }).classCount ?? data.classCount ?? 0;
    for (let i = 0; i < data.sampleCount; i++) {
      const y = data.targets[i];
      if (!(Number.isInteger(y) && y >= 0 && y < classes)) {
        throw new ConfigError('model', `data set '${data.name}': class of sample ${i} is ${y}, expected an integer in 0..${classes - 1}`);
      }
    }
  }
}

/** Per-call checks cheap enough for every gradient evaluation. O(batch). */
export function checkCall(model: Pick<Model, 'name' | 'featureCount' | 'parameterCount'>, params: Float64Array, data: Dataset, batch: SampleBatch): number {
  if (params.length !== model.parameterCount) {
    throw new RangeError(`${model.name}: expected ${model.parameterCount} parameters, got ${params.length}`);
  }
  if (data.featureCount !== model.featureCount) {
    throw new ConfigError(
      'model',
      `${model.name} expects ${model.featureCount} features, data set '${data.name}' has ${data.featureCount}`,
    );
  }
  const count = batch ? batch.length : data.sampleCount;
  if (count === 0) throw new RangeError(`${model.name}: empty batch`);
  if (batch) {
    for (let k = 0; k < batch.length; k++) {
      if (batch[k] < 0 || batch[k] >= data.sampleCount) {
        throw new RangeError(`${model.name}: batch index ${batch[k]} outside 0..${data.sampleCount - 1}`);
      }
    }
  }
  return count;
}

/**
 * Mean binary cross entropy of one sample from its logit z, written so that it
 * never overflows: softplus(z) - y z = y softplus(-z) + (1 - y) softplus(z),
 * softplus(+-z) = max(+-z, 0) + log1p(exp(-|z|)).
 */
export function crossEntropyFromLogit(z: number, y: number): number {
  const tail = Math.log1p(Math.exp(-Math.abs(z)));
  return tail + y * Math.max(-z, 0) + (1 - y) * Math.max(z, 0);
}

/** Logistic sigmoid 1 / (1 + e^-z), evaluated on the side where exp cannot overflow. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * A model whose loss and gradient come from one pass over the data (the
 * gradient pass also returns the loss): loss, the gradient buffer check and
 * the finiteness check live here once for every model.
 */
export abstract class SinglePassModel {
  abstract readonly name: string;
  abstract readonly parameterCount: number;
  abstract parameterName(index: number): string;
  /** Bound once, so a gradient call allocates no closure for its finiteness check. */
  protected readonly nameOfParameter = (index: number): string => this.parameterName(index);

  /** Mean loss over the batch; with `grad`, also writes dLoss/dparams into it. */
  protected abstract pass(params: Float64Array, data: Dataset, batch: SampleBatch | undefined, grad: Float64Array | null): number;

  loss(params: Float64Array, data: Dataset, batch?: SampleBatch): number {
    return this.pass(params, data, batch, null);
  }

  gradient(params: Float64Array, data: Dataset, out: Float64Array, batch?: SampleBatch): number {
    if (out.length !== this.parameterCount) {
      throw new RangeError(`${this.name}: gradient buffer has ${out.length} entries, expected ${this.parameterCount}`);
    }
    const value = this.pass(params, data, batch, out);
    assertFiniteGradient(this.name, out, this.nameOfParameter);
    return value;
  }
}

/**
 * A softmax classifier: its predicted class is the argmax of the logits that
 * `forwardSample` leaves in `logits`. predict and accuracy are written once here
 * for softmax regression and the softmax MLP.
 */
export abstract class MulticlassModel extends SinglePassModel {
  abstract readonly classCount: number;
  abstract readonly featureCount: number;
  protected abstract readonly logits: Float64Array;
  /** Compute the logits of sample i into this.logits. */
  protected abstract forwardSample(params: Float64Array, data: Dataset, i: number): void;

  private predictedClass(params: Float64Array, data: Dataset, i: number): number {
    this.forwardSample(params, data, i);
    let best = 0;
    for (let k = 1; k < this.classCount; k++) if (this.logits[k] > this.logits[best]) best = k;
    return best;
  }

  /** The predicted class (argmax of the logits) of every sample. */
  predict(params: Float64Array, data: Dataset, out = new Float64Array(data.sampleCount)): Float64Array {
    checkCall(this, params, data, null);
    for (let i = 0; i < data.sampleCount; i++) out[i] = this.predictedClass(params, data, i);
    return out;
  }

  accuracy(params: Float64Array, data: Dataset, batch?: SampleBatch): number {
    const count = checkCall(this, params, data, batch);
    let correct = 0;
    for (let s = 0; s < count; s++) {
      const i = batch ? batch[s] : s;
      if (this.predictedClass(params, data, i) === data.targets[i]) correct++;
    }
    return correct / count;
  }
}
