import { ConfigError } from '../errors.js';
import type { Dataset } from './dataset-types.js';
import { createLinearRegression, createLogisticRegression } from './linear-models.js';
import type { Model } from './model-core.js';
import { createMlp } from './mlp.js';
import { createSoftmaxRegression } from './softmax.js';
import { SoftmaxMlpModel } from './mlp-softmax.js';
import { TeacherStudentModel } from './teacher-student.js';

/**
 * The toy models trained in memory: linear regression, logistic regression and
 * a one-hidden-layer tanh MLP, all reading their parameters from a flat
 * Float64Array and writing gradients into another (model-core.ts).
 */
export type { Model } from './model-core.js';
export { assertFiniteGradient, assertModelFitsData, crossEntropyFromLogit, sigmoid } from './model-core.js';
export {
  createLinearRegression,
  createLogisticRegression,
  LinearRegressionModel,
  LogisticRegressionModel,
} from './linear-models.js';
export { createMlp, MlpModel, type MlpOptions } from './mlp.js';
export { createSoftmaxRegression, SoftmaxRegressionModel } from './softmax.js';
export { SoftmaxMlpModel } from './mlp-softmax.js';
export { fitFloatingPoint, type FloatFitOptions, type FloatFitResult } from './float-reference.js';

export type ModelKind = 'linear-regression' | 'logistic-regression' | 'softmax-regression' | 'teacher-student' | 'mlp';
export const MODEL_KINDS: readonly ModelKind[] = ['linear-regression', 'logistic-regression', 'softmax-regression', 'teacher-student', 'mlp'];

export interface ModelSpec {
  kind: ModelKind;
  /** MLP only: number of tanh hidden units (default 8). */
  hiddenUnits?: number;
}

/**
 * The model of `spec` sized for `data` (feature count; the MLP's output follows
 * the data set's task). Throws ConfigError when the kind cannot serve the task.
 */
export function createModel(spec: ModelSpec, data: Dataset): Model {
  switch (spec.kind) {
    case 'linear-regression':
      if (data.task !== 'regression') {
        throw new ConfigError('model.kind', `linear-regression needs a regression data set, '${data.name}' is ${data.task}`);
      }
      return createLinearRegression(data.featureCount);
    case 'logistic-regression':
      if (data.task !== 'binary') {
        throw new ConfigError('model.kind', `logistic-regression needs a binary data set, '${data.name}' is ${data.task}`);
      }
      return createLogisticRegression(data.featureCount);
    case 'teacher-student':
      if (data.name !== 'teacher-student') throw new ConfigError('model.kind', `teacher-student needs the teacher-student data set, got '${data.name}'`);
      return new TeacherStudentModel(data.featureCount, (data as Dataset & { noiseStd?: number }).noiseStd ?? 0);
    case 'softmax-regression':
      if (data.task !== 'multiclass' || data.classCount === undefined) {
        throw new ConfigError('model.kind', `softmax-regression needs a multiclass data set, '${data.name}' is ${data.task}`);
      }
      return createSoftmaxRegression(data.featureCount, data.classCount);
    case 'mlp':
      if (data.task === 'multiclass') return new SoftmaxMlpModel(data.featureCount, spec.hiddenUnits ?? 8, data.classCount ?? 0);
      return createMlp({ featureCount: data.featureCount, hiddenUnits: spec.hiddenUnits ?? 8, task: data.task });
    default:
      throw new ConfigError('model.kind', `expected one of ${MODEL_KINDS.join(', ')}, got ${String((spec as ModelSpec).kind)}`);
  }
}
