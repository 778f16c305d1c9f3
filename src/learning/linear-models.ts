import { randomStream } from '../physics/rng.js';
import { requireInteger, type Dataset, type SampleBatch, type Task } from './dataset-types.js';
import { checkCall, crossEntropyFromLogit, sigmoid, SinglePassModel, type Model } from './model-core.js';

/**
 * Linear and logistic regression: z = w . x + b, parameters [w_0 .. w_{d-1}, b].
 *
 * Plain Float64Array loops rather than ndarray: d is a handful of features, so
 * ndarray's strided views would only add indirection per element (no BLAS
 * behind them), while the loops below allocate nothing per call.
 */

/** Standard deviation of the random initial weights: small, so training starts near z = 0. */
const INIT_STD = 0.01;

abstract class AffineModel extends SinglePassModel implements Model {
  abstract readonly task: Task;
  readonly parameterCount: number;

  constructor(readonly featureCount: number) {
    super();
    requireInteger('model.featureCount', featureCount, 1);
    this.parameterCount = featureCount + 1;
  }

  parameterName(index: number): string {
    return index === this.featureCount ? 'bias' : `weight[${index}]`;
  }

  initParameters(seed: number): Float64Array {
    const rng = randomStream(seed, 0, `model-init:${this.name}`);
    const params = new Float64Array(this.parameterCount);
    for (let i = 0; i < this.parameterCount; i++) params[i] = INIT_STD * rng.normal();
    return params;
  }

  /** Loss of one sample and dLoss/dz, from its logit z and target y. */
  protected abstract sampleLoss(z: number, y: number): number;
  protected abstract lossSlope(z: number, y: number): number;
  /** Output of the model from z (the prediction, or a probability). */
  protected abstract output(z: number): number;

  /** The single pass behind loss and gradient, so the two can never disagree. */
  protected pass(params: Float64Array, data: Dataset, batch: SampleBatch | undefined, grad: Float64Array | null): number {
    const count = checkCall(this, params, data, batch);
    const d = this.featureCount;
    const x = data.features;
    const bias = params[d];
    if (grad) grad.fill(0);
    let total = 0;
    for (let k = 0; k < count; k++) {
      const i = batch ? batch[k] : k;
      const row = i * d;
      let z = bias;
      for (let j = 0; j < d; j++) z += params[j] * x[row + j];
      const y = data.targets[i];
      total += this.sampleLoss(z, y);
      if (grad) {
        const slope = this.lossSlope(z, y);
        for (let j = 0; j < d; j++) grad[j] += slope * x[row + j];
        grad[d] += slope;
      }
    }
    if (grad) for (let p = 0; p <= d; p++) grad[p] /= count;
    return total / count;
  }

  predict(params: Float64Array, data: Dataset, out = new Float64Array(data.sampleCount)): Float64Array {
    checkCall(this, params, data, null);
    const d = this.featureCount;
    for (let i = 0; i < data.sampleCount; i++) {
      let z = params[d];
      for (let j = 0; j < d; j++) z += params[j] * data.features[i * d + j];
      out[i] = this.output(z);
    }
    return out;
  }
}

/** Least squares: loss = (1/2m) sum_i (w . x_i + b - y_i)^2. */
export class LinearRegressionModel extends AffineModel {
  readonly name = 'linear-regression';
  readonly task = 'regression' as const;

  protected sampleLoss(z: number, y: number): number {
    const residual = z - y;
    return 0.5 * residual * residual;
  }

  protected lossSlope(z: number, y: number): number {
    return z - y;
  }

  protected output(z: number): number {
    return z;
  }
}

/**
 * Logistic regression: p = sigmoid(z), loss = mean binary cross entropy
 * -(1/m) sum [y ln p + (1 - y) ln(1 - p)], written as softplus terms so that
 * large |z| neither overflows nor loses the small probability; dLoss/dz = p - y.
 */
export class LogisticRegressionModel extends AffineModel {
  readonly name = 'logistic-regression';
  readonly task = 'binary' as const;

  protected sampleLoss(z: number, y: number): number {
    return crossEntropyFromLogit(z, y);
  }

  protected lossSlope(z: number, y: number): number {
    return sigmoid(z) - y;
  }

  protected output(z: number): number {
    return sigmoid(z);
  }

  accuracy(params: Float64Array, data: Dataset, batch?: SampleBatch): number {
    const count = checkCall(this, params, data, batch);
    const d = this.featureCount;
    let correct = 0;
    for (let k = 0; k < count; k++) {
      const i = batch ? batch[k] : k;
      let z = params[d];
      for (let j = 0; j < d; j++) z += params[j] * data.features[i * d + j];
      // p >= 1/2 exactly when z >= 0.
      if ((z >= 0 ? 1 : 0) === data.targets[i]) correct++;
    }
    return correct / count;
  }
}

export function createLinearRegression(featureCount: number): LinearRegressionModel {
  return new LinearRegressionModel(featureCount);
}

export function createLogisticRegression(featureCount: number): LogisticRegressionModel {
  return new LogisticRegressionModel(featureCount);
}
