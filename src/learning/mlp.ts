import { ConfigError } from '../errors.js';
import { randomStream } from '../physics/rng.js';
import { requireInteger, type Dataset, type SampleBatch, type Task } from './dataset-types.js';
import { checkCall, crossEntropyFromLogit, sigmoid, type Model, SinglePassModel } from './model-core.js';

/**
 * One-hidden-layer perceptron: h = tanh(W1 x + b1), z = w2 . h + b2.
 * Binary task: p = sigmoid(z), mean cross entropy. Regression: y_hat = z,
 * loss (1/2m) sum (z - y)^2, the same scale as linear regression.
 *
 * Flat parameter layout (H hidden units, d features):
 *   [0, H d)            W1, row-major: weight of feature j into unit h at h d + j
 *   [H d, H d + H)      b1
 *   [H d + H, H d + 2H) w2
 *   H d + 2H            b2
 *
 * Backpropagation per sample, with delta = dLoss_i/dz (p - y or z - y):
 *   dw2_h = delta h_h,  db2 = delta,
 *   da_h = delta w2_h (1 - h_h^2)   (tanh' = 1 - tanh^2),
 *   dW1_hj = da_h x_j,  db1_h = da_h.
 * Plain Float64Array loops (see linear-models.ts for why not ndarray); the
 * hidden activations of the current sample sit in one preallocated scratch
 * vector, so a gradient call allocates nothing.
 */
export interface MlpOptions {
  featureCount: number;
  hiddenUnits: number;
  task: Task;
}

export class MlpModel extends SinglePassModel implements Model {
  readonly name: string;
  readonly task: Task;
  readonly featureCount: number;
  readonly hiddenUnits: number;
  readonly parameterCount: number;
  readonly accuracy?: (params: Float64Array, data: Dataset, batch?: SampleBatch) => number;
  private readonly hidden: Float64Array;
  private readonly b1Offset: number;
  private readonly w2Offset: number;
  private readonly b2Offset: number;

  constructor(options: MlpOptions) {
    super();
    this.featureCount = requireInteger('model.featureCount', options.featureCount, 1);
    this.hiddenUnits = requireInteger('model.hiddenUnits', options.hiddenUnits, 1);
    if (options.task !== 'binary' && options.task !== 'regression') {
      throw new ConfigError('model.task', `expected 'binary' or 'regression', got ${String(options.task)}`);
    }
    this.task = options.task;
    this.name = 'mlp';
    const d = this.featureCount;
    const hCount = this.hiddenUnits;
    this.b1Offset = hCount * d;
    this.w2Offset = this.b1Offset + hCount;
    this.b2Offset = this.w2Offset + hCount;
    this.parameterCount = this.b2Offset + 1;
    this.hidden = new Float64Array(hCount);
    if (this.task === 'binary') {
      this.accuracy = (params, data, batch) => this.classificationAccuracy(params, data, batch);
    }
  }

  parameterName(index: number): string {
    const d = this.featureCount;
    if (index < this.b1Offset) return `hidden[${Math.floor(index / d)}].weight[${index % d}]`;
    if (index < this.w2Offset) return `hidden[${index - this.b1Offset}].bias`;
    if (index < this.b2Offset) return `output.weight[${index - this.w2Offset}]`;
    return 'output.bias';
  }

  /**
   * Glorot-style scale for tanh units: input weights N(0, 1/d), output weights
   * N(0, 1/H), biases 0. Units start in the linear part of tanh, and the random
   * input weights break the symmetry between hidden units.
   */
  initParameters(seed: number): Float64Array {
    const rng = randomStream(seed, 0, `model-init:${this.name}`);
    const params = new Float64Array(this.parameterCount);
    const inputStd = 1 / Math.sqrt(this.featureCount);
    const outputStd = 1 / Math.sqrt(this.hiddenUnits);
    for (let p = 0; p < this.b1Offset; p++) params[p] = inputStd * rng.normal();
    for (let p = this.w2Offset; p < this.b2Offset; p++) params[p] = outputStd * rng.normal();
    return params;
  }

  /** Fills the hidden scratch vector for sample i and returns the output logit z. */
  private forward(params: Float64Array, x: Float64Array, row: number): number {
    const d = this.featureCount;
    const hidden = this.hidden;
    let z = params[this.b2Offset];
    for (let h = 0; h < this.hiddenUnits; h++) {
      let a = params[this.b1Offset + h];
      const weights = h * d;
      for (let j = 0; j < d; j++) a += params[weights + j] * x[row + j];
      const activation = Math.tanh(a);
      hidden[h] = activation;
      z += params[this.w2Offset + h] * activation;
    }
    return z;
  }

  protected pass(params: Float64Array, data: Dataset, batch: SampleBatch | undefined, grad: Float64Array | null): number {
    const count = checkCall(this, params, data, batch);
    const d = this.featureCount;
    const x = data.features;
    const hidden = this.hidden;
    const binary = this.task === 'binary';
    if (grad) grad.fill(0);
    let total = 0;
    for (let k = 0; k < count; k++) {
      const i = batch ? batch[k] : k;
      const row = i * d;
      const z = this.forward(params, x, row);
      const y = data.targets[i];
      let delta: number;
      if (binary) {
        total += crossEntropyFromLogit(z, y);
        delta = sigmoid(z) - y;
      } else {
        delta = z - y;
        total += 0.5 * delta * delta;
      }
      if (!grad) continue;
      grad[this.b2Offset] += delta;
      for (let h = 0; h < this.hiddenUnits; h++) {
        const activation = hidden[h];
        grad[this.w2Offset + h] += delta * activation;
        const da = delta * params[this.w2Offset + h] * (1 - activation * activation);
        grad[this.b1Offset + h] += da;
        const weights = h * d;
        for (let j = 0; j < d; j++) grad[weights + j] += da * x[row + j];
      }
    }
    if (grad) for (let p = 0; p < this.parameterCount; p++) grad[p] /= count;
    return total / count;
  }

  predict(params: Float64Array, data: Dataset, out = new Float64Array(data.sampleCount)): Float64Array {
    checkCall(this, params, data, null);
    const binary = this.task === 'binary';
    for (let i = 0; i < data.sampleCount; i++) {
      const z = this.forward(params, data.features, i * this.featureCount);
      out[i] = binary ? sigmoid(z) : z;
    }
    return out;
  }

  private classificationAccuracy(params: Float64Array, data: Dataset, batch?: SampleBatch): number {
    const count = checkCall(this, params, data, batch);
    let correct = 0;
    for (let k = 0; k < count; k++) {
      const i = batch ? batch[k] : k;
      const z = this.forward(params, data.features, i * this.featureCount);
      if ((z >= 0 ? 1 : 0) === data.targets[i]) correct++;
    }
    return correct / count;
  }
}

export function createMlp(options: MlpOptions): MlpModel {
  return new MlpModel(options);
}
