import { ConfigError } from '../errors.js';
import { randomStream } from '../physics/rng.js';
import { requireInteger, requirePositive, type Dataset, type SampleBatch } from './dataset-types.js';
import { SinglePassModel, type Model } from './model-core.js';

/**
 * Teacher-student linear regression at any size (issue 11): a student w in R^N
 * learns a teacher w* from inputs x ~ N(0, diag(h)) with y = x . w* + sigma eps.
 * Its population (infinite-sample) loss is exact and costs O(N):
 *
 *   L(w) = E[(x . w - y)^2] / 2 = (1/2) sum_i h_i (w_i - w*_i)^2 + sigma^2 / 2,
 *
 * so the optimum w = w* and L* = sigma^2 / 2 are known, and the Hessian is
 * diag(h). Spectrum h_i = i^{-alpha} (i = 1..N; alpha = 0: isotropic), teacher
 * w*_i ~ N(0, 1) seeded. Held as a Dataset of two rows (row 0 the curvatures,
 * row 1 the teacher) so the training loop and the stores need nothing new.
 */
export interface TeacherStudentOptions {
  parameters: number;
  /** Spectrum exponent alpha (default 0). */
  spectrumExponent?: number;
  /** Label noise sigma (default 0.1). */
  noiseStd?: number;
}

/** Largest student: 1e6 parameters (16 MB of teacher and curvatures). */
export const MAX_TEACHER_STUDENT_PARAMETERS = 1_000_000;

export function makeTeacherStudent(seed: number, options: TeacherStudentOptions): Dataset & { noiseStd: number } {
  const n = requireInteger('dataset.parameters', options.parameters, 1);
  if (n > MAX_TEACHER_STUDENT_PARAMETERS) throw new ConfigError('dataset.parameters', `is ${n}; expected at most ${MAX_TEACHER_STUDENT_PARAMETERS}`);
  const alpha = options.spectrumExponent ?? 0;
  if (!(Number.isFinite(alpha) && alpha >= 0)) throw new ConfigError('dataset.spectrumExponent', `is ${alpha}; expected alpha >= 0`);
  const noiseStd = requirePositive('dataset.noiseStd', options.noiseStd ?? 0.1, true);
  const features = new Float64Array(2 * n);
  const rng = randomStream(seed, 1, 'dataset');
  for (let i = 0; i < n; i++) {
    features[i] = (i + 1) ** -alpha;
    features[n + i] = rng.normal();
  }
  return { name: 'teacher-student', features, targets: new Float64Array(2), sampleCount: 2, featureCount: n, task: 'regression', noiseStd };
}

/** The student: N weights, population loss of makeTeacherStudent's data. */
export class TeacherStudentModel extends SinglePassModel implements Model {
  readonly name = 'teacher-student';
  readonly task = 'regression' as const;
  readonly parameterCount: number;

  constructor(
    readonly featureCount: number,
    private readonly noiseStd: number,
  ) {
    super();
    this.parameterCount = featureCount;
  }

  parameterName(index: number): string {
    return `weight[${index}]`;
  }

  initParameters(): Float64Array {
    return new Float64Array(this.parameterCount);
  }

  protected pass(params: Float64Array, data: Dataset, _batch: SampleBatch | undefined, grad: Float64Array | null): number {
    const n = this.parameterCount;
    if (params.length !== n || data.featureCount !== n || data.sampleCount !== 2) {
      throw new RangeError(`${this.name}: expected ${n} parameters and the teacher-student data set of ${n} features`);
    }
    const x = data.features;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const h = x[i];
      const r = params[i] - x[n + i];
      loss += 0.5 * h * r * r;
      if (grad) grad[i] = h * r;
    }
    return loss + 0.5 * this.noiseStd * this.noiseStd;
  }

  predict(params: Float64Array, data: Dataset, out = new Float64Array(data.sampleCount)): Float64Array {
    out.fill(0);
    void params;
    return out;
  }
}
