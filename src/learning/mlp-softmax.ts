import { randomStream } from '../physics/rng.js';
import { requireInteger, type Dataset, type SampleBatch } from './dataset-types.js';
import { checkCall, MulticlassModel, type Model } from './model-core.js';

/**
 * One-hidden-layer tanh perceptron with a softmax output, for multiclass data:
 * h = tanh(W1 x + b1), z = W2 h + b2 (K logits), loss = mean cross entropy -ln softmax(z)_y.
 *
 * Flat layout (H hidden units, d features, K classes):
 *   [0, H d)                W1, unit h feature j at h d + j
 *   [H d, H d + H)          b1
 *   [H d + H, H d + H + K H) W2, class k unit h at k H + h
 *   then b2 (K)
 * Backpropagation per sample, delta_k = p_k - [k = y]:
 *   dW2_kh = delta_k h_h, db2_k = delta_k, da_h = (sum_k delta_k W2_kh)(1 - h_h^2),
 *   dW1_hj = da_h x_j, db1_h = da_h.
 * Scratch vectors for one sample, so a call allocates nothing.
 */
export class SoftmaxMlpModel extends MulticlassModel implements Model {
  readonly name = 'mlp';
  readonly task = 'multiclass' as const;
  readonly parameterCount: number;
  private readonly hidden: Float64Array;
  protected readonly logits: Float64Array;
  private readonly b1: number;
  private readonly w2: number;
  private readonly b2: number;

  constructor(
    readonly featureCount: number,
    readonly hiddenUnits: number,
    readonly classCount: number,
  ) {
    super();
    requireInteger('model.featureCount', featureCount, 1);
    requireInteger('model.hiddenUnits', hiddenUnits, 1);
    requireInteger('model.classCount', classCount, 2);
    this.b1 = hiddenUnits * featureCount;
    this.w2 = this.b1 + hiddenUnits;
    this.b2 = this.w2 + classCount * hiddenUnits;
    this.parameterCount = this.b2 + classCount;
    this.hidden = new Float64Array(hiddenUnits);
    this.logits = new Float64Array(classCount);
  }

  parameterName(index: number): string {
    const d = this.featureCount;
    const H = this.hiddenUnits;
    if (index < this.b1) return `hidden[${Math.floor(index / d)}].weight[${index % d}]`;
    if (index < this.w2) return `hidden[${index - this.b1}].bias`;
    if (index < this.b2) return `output[${Math.floor((index - this.w2) / H)}].weight[${(index - this.w2) % H}]`;
    return `output[${index - this.b2}].bias`;
  }

  /** Glorot-style: input weights N(0, 1/d), output weights N(0, 1/H), biases 0 (as mlp.ts). */
  initParameters(seed: number): Float64Array {
    const rng = randomStream(seed, 0, `model-init:${this.name}`);
    const params = new Float64Array(this.parameterCount);
    const inputStd = 1 / Math.sqrt(this.featureCount);
    const outputStd = 1 / Math.sqrt(this.hiddenUnits);
    for (let p = 0; p < this.b1; p++) params[p] = inputStd * rng.normal();
    for (let p = this.w2; p < this.b2; p++) params[p] = outputStd * rng.normal();
    return params;
  }

  /** Hidden activations and logits of the sample at `row`; returns ln sum e^z. */
  private forward(params: Float64Array, x: Float64Array, row: number): number {
    const d = this.featureCount;
    const H = this.hiddenUnits;
    for (let h = 0; h < H; h++) {
      let a = params[this.b1 + h];
      const w = h * d;
      for (let j = 0; j < d; j++) a += params[w + j] * x[row + j];
      this.hidden[h] = Math.tanh(a);
    }
    let top = -Infinity;
    for (let k = 0; k < this.classCount; k++) {
      let z = params[this.b2 + k];
      const w = this.w2 + k * H;
      for (let h = 0; h < H; h++) z += params[w + h] * this.hidden[h];
      this.logits[k] = z;
      if (z > top) top = z;
    }
    let sum = 0;
    for (let k = 0; k < this.classCount; k++) sum += Math.exp(this.logits[k] - top);
    return top + Math.log(sum);
  }

  protected pass(params: Float64Array, data: Dataset, batch: SampleBatch | undefined, grad: Float64Array | null): number {
    const count = checkCall(this, params, data, batch);
    const d = this.featureCount;
    const H = this.hiddenUnits;
    const K = this.classCount;
    const x = data.features;
    if (grad) grad.fill(0);
    let total = 0;
    for (let s = 0; s < count; s++) {
      const i = batch ? batch[s] : s;
      const row = i * d;
      const y = data.targets[i];
      const lse = this.forward(params, x, row);
      total += lse - this.logits[y];
      if (!grad) continue;
      for (let k = 0; k < K; k++) this.logits[k] = Math.exp(this.logits[k] - lse) - (k === y ? 1 : 0);
      for (let h = 0; h < H; h++) {
        const act = this.hidden[h];
        let back = 0;
        for (let k = 0; k < K; k++) {
          const w = this.w2 + k * H + h;
          grad[w] += this.logits[k] * act;
          back += this.logits[k] * params[w];
        }
        const da = back * (1 - act * act);
        grad[this.b1 + h] += da;
        const w1 = h * d;
        for (let j = 0; j < d; j++) grad[w1 + j] += da * x[row + j];
      }
      for (let k = 0; k < K; k++) grad[this.b2 + k] += this.logits[k];
    }
    if (grad) for (let p = 0; p < grad.length; p++) grad[p] /= count;
    return total / count;
  }

  protected forwardSample(params: Float64Array, data: Dataset, i: number): void {
    this.forward(params, data.features, i * this.featureCount);
  }
}
