import { randomStream } from '../physics/rng.js';
import { requireInteger, type Dataset, type SampleBatch } from './dataset-types.js';
import { checkCall, MulticlassModel, type Model } from './model-core.js';

/**
 * Softmax (multinomial logistic) regression: z_k = W_k . x + b_k, p_k =
 * e^{z_k} / sum_l e^{z_l}, loss = mean cross entropy -ln p_y.
 * Flat layout: [0, K d) W row-major (class k, feature j at k d + j), then b (K).
 * Gradient per sample: dL/dz_k = p_k - [k = y]; dW_kj = (p_k - [k = y]) x_j, db_k = p_k - [k = y].
 * ln sum e^{z} by the max shift (no overflow). Plain loops (see linear-models.ts for why not ndarray);
 * the logits of one sample sit in a preallocated scratch vector, so a call allocates nothing.
 */
const INIT_STD = 0.01;

export class SoftmaxRegressionModel extends MulticlassModel implements Model {
  readonly name = 'softmax-regression';
  readonly task = 'multiclass' as const;
  readonly parameterCount: number;
  protected readonly logits: Float64Array;

  constructor(
    readonly featureCount: number,
    readonly classCount: number,
  ) {
    super();
    requireInteger('model.featureCount', featureCount, 1);
    requireInteger('model.classCount', classCount, 2);
    this.parameterCount = classCount * (featureCount + 1);
    this.logits = new Float64Array(classCount);
  }

  parameterName(index: number): string {
    const d = this.featureCount;
    const weights = this.classCount * d;
    return index < weights ? `class[${Math.floor(index / d)}].weight[${index % d}]` : `class[${index - weights}].bias`;
  }

  initParameters(seed: number): Float64Array {
    const rng = randomStream(seed, 0, `model-init:${this.name}`);
    const params = new Float64Array(this.parameterCount);
    for (let i = 0; i < params.length; i++) params[i] = INIT_STD * rng.normal();
    return params;
  }

  /** Logits of sample i into this.logits; returns ln sum_k e^{z_k}. */
  private forward(params: Float64Array, data: Dataset, i: number): number {
    const d = this.featureCount;
    const K = this.classCount;
    const x = data.features;
    const row = i * d;
    const biases = K * d;
    let top = -Infinity;
    for (let k = 0; k < K; k++) {
      let z = params[biases + k];
      const w = k * d;
      for (let j = 0; j < d; j++) z += params[w + j] * x[row + j];
      this.logits[k] = z;
      if (z > top) top = z;
    }
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(this.logits[k] - top);
    return top + Math.log(sum);
  }

  protected pass(params: Float64Array, data: Dataset, batch: SampleBatch | undefined, grad: Float64Array | null): number {
    const count = checkCall(this, params, data, batch);
    const d = this.featureCount;
    const K = this.classCount;
    const biases = K * d;
    if (grad) grad.fill(0);
    let total = 0;
    for (let s = 0; s < count; s++) {
      const i = batch ? batch[s] : s;
      const y = data.targets[i];
      const lse = this.forward(params, data, i);
      total += lse - this.logits[y];
      if (grad) {
        const row = i * d;
        for (let k = 0; k < K; k++) {
          const slope = Math.exp(this.logits[k] - lse) - (k === y ? 1 : 0);
          const w = k * d;
          for (let j = 0; j < d; j++) grad[w + j] += slope * data.features[row + j];
          grad[biases + k] += slope;
        }
      }
    }
    if (grad) for (let p = 0; p < grad.length; p++) grad[p] /= count;
    return total / count;
  }

  protected forwardSample(params: Float64Array, data: Dataset, i: number): void {
    this.forward(params, data, i);
  }
}

export function createSoftmaxRegression(featureCount: number, classCount: number): SoftmaxRegressionModel {
  return new SoftmaxRegressionModel(featureCount, classCount);
}
