import { ConfigError } from '../errors.js';
import { randomStream, type RandomStream } from '../physics/rng.js';
import { requireInteger, requirePositive, type Dataset } from './dataset-types.js';

/**
 * Toy data sets for the learning layer, generated from a seed with no download
 * (streams with purpose 'dataset', so they never share numbers with the
 * dynamics), plus feature standardization, splits and a seeded mini-batch
 * sampler. Iris and other tables come from CSV files (csv-dataset.ts).
 */
export type { Dataset, LabelledDataset, SampleBatch, Task } from './dataset-types.js';
export { DIGITS_CSV_PATH, IRIS_CSV_PATH, IRIS_SPECIES, loadCsvDataset, loadDigits, loadIris, readCsvTable } from './csv-dataset.js';
export type { CsvDatasetOptions, CsvTable, IrisOptions } from './csv-dataset.js';
export { makeTeacherStudent, type TeacherStudentOptions } from './teacher-student.js';

/** Block of the 'dataset' stream for the samples; true weights use their own block. */
const SAMPLE_BLOCK = 0;
const TRUTH_BLOCK = 1;

// ---------------------------------------------------------------------------
// Linear regression: y = X w* + b* + noise
// ---------------------------------------------------------------------------

export interface LinearRegressionOptions {
  /** Number of samples m (default 200). */
  samples?: number;
  /** Number of features d (default: trueWeights.length, else 3). */
  features?: number;
  /** Standard deviation sigma of the Gaussian noise on y (default 0.1). */
  noiseStd?: number;
  /** True weights w* (default: drawn N(0, 1) from the seed). */
  trueWeights?: ArrayLike<number>;
  /** True intercept b* (default: drawn N(0, 1) from the seed). */
  trueBias?: number;
}

export interface LinearRegressionDataset extends Dataset {
  trueWeights: Float64Array;
  trueBias: number;
  noiseStd: number;
}

/**
 * Features x_ij ~ N(0, 1) i.i.d., targets y_i = x_i . w* + b* + sigma * eps_i,
 * eps_i ~ N(0, 1). The features and the noise come from one block of the
 * stream and the true weights from another, so fixing the weights does not
 * change X.
 */
export function makeLinearRegression(seed: number, options: LinearRegressionOptions = {}): LinearRegressionDataset {
  const samples = requireInteger('dataset.samples', options.samples ?? 200, 2);
  const features = requireInteger('dataset.features', options.features ?? options.trueWeights?.length ?? 3, 1);
  const noiseStd = requirePositive('dataset.noiseStd', options.noiseStd ?? 0.1, true);

  const truth = randomStream(seed, TRUTH_BLOCK, 'dataset');
  const trueWeights = new Float64Array(features);
  if (options.trueWeights !== undefined) {
    if (options.trueWeights.length !== features) {
      throw new ConfigError(
        'dataset.trueWeights',
        `expected ${features} weights (one per feature), got ${options.trueWeights.length}`,
      );
    }
    for (let j = 0; j < features; j++) {
      const w = options.trueWeights[j];
      if (!Number.isFinite(w)) throw new ConfigError(`dataset.trueWeights.${j}`, `expected a finite number, got ${w}`);
      trueWeights[j] = w;
    }
  } else {
    for (let j = 0; j < features; j++) trueWeights[j] = truth.normal();
  }
  const trueBias = options.trueBias ?? truth.normal();
  if (!Number.isFinite(trueBias)) throw new ConfigError('dataset.trueBias', `expected a finite number, got ${trueBias}`);

  const rng = randomStream(seed, SAMPLE_BLOCK, 'dataset');
  const x = new Float64Array(samples * features);
  const y = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    let mean = trueBias;
    for (let j = 0; j < features; j++) {
      const value = rng.normal();
      x[i * features + j] = value;
      mean += value * trueWeights[j];
    }
    y[i] = mean + noiseStd * rng.normal();
  }
  return {
    name: 'linear-regression',
    features: x,
    targets: y,
    sampleCount: samples,
    featureCount: features,
    task: 'regression',
    trueWeights,
    trueBias,
    noiseStd,
  };
}

// ---------------------------------------------------------------------------
// Binary classification toys
// ---------------------------------------------------------------------------

export interface BlobsOptions {
  /** Number of samples (default 200); classes alternate, so they are balanced. */
  samples?: number;
  /** Dimension (default 2). */
  features?: number;
  /** Distance between the two class centres (default 4). */
  separation?: number;
  /** Isotropic standard deviation of each blob (default 1). */
  std?: number;
}

/**
 * Two isotropic Gaussian blobs N(+-(separation/2) u, std^2 I), u = (1,...,1)/sqrt(d);
 * label 1 for the + blob. Balanced classes, so the Bayes classifier is the
 * hyperplane u.x = 0 with accuracy Phi(separation / (2 std)).
 */
export function makeBlobs(seed: number, options: BlobsOptions = {}): Dataset {
  const samples = requireInteger('dataset.samples', options.samples ?? 200, 2);
  const features = requireInteger('dataset.features', options.features ?? 2, 1);
  const separation = requirePositive('dataset.separation', options.separation ?? 4, true);
  const std = requirePositive('dataset.std', options.std ?? 1);
  const offset = separation / 2 / Math.sqrt(features);
  const rng = randomStream(seed, SAMPLE_BLOCK, 'dataset');
  const x = new Float64Array(samples * features);
  const y = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % 2;
    const centre = label === 1 ? offset : -offset;
    for (let j = 0; j < features; j++) x[i * features + j] = centre + std * rng.normal();
    y[i] = label;
  }
  return { name: 'blobs', features: x, targets: y, sampleCount: samples, featureCount: features, task: 'binary' };
}

export interface XorOptions {
  /** Number of samples (default 200); the four clusters take turns, so they are balanced. */
  samples?: number;
  /** Standard deviation of each cluster around its corner (default 0.25). */
  noiseStd?: number;
}

/**
 * XOR: four Gaussian clusters at the corners (+-1, +-1); label 1 where the two
 * coordinates have opposite signs (x1 XOR x2). No hyperplane separates the
 * classes, so a linear model stays near accuracy 1/2 while an MLP can reach
 * the Bayes accuracy (close to 1 for noiseStd << 1).
 */
export function makeXor(seed: number, options: XorOptions = {}): Dataset {
  const samples = requireInteger('dataset.samples', options.samples ?? 200, 4);
  const noiseStd = requirePositive('dataset.noiseStd', options.noiseStd ?? 0.25, true);
  const rng = randomStream(seed, SAMPLE_BLOCK, 'dataset');
  const x = new Float64Array(samples * 2);
  const y = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const corner = i % 4;
    const bit1 = corner & 1;
    const bit2 = (corner >> 1) & 1;
    x[2 * i] = (bit1 ? 1 : -1) + noiseStd * rng.normal();
    x[2 * i + 1] = (bit2 ? 1 : -1) + noiseStd * rng.normal();
    y[i] = bit1 ^ bit2;
  }
  return { name: 'xor', features: x, targets: y, sampleCount: samples, featureCount: 2, task: 'binary' };
}

export interface MoonsOptions {
  /** Number of samples (default 200); classes alternate. */
  samples?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate (default 0.1). */
  noiseStd?: number;
}

/**
 * Two interleaving half circles (the construction of scikit-learn's make_moons,
 * with the angle drawn uniformly instead of on a grid): class 0 on
 * (cos t, sin t), class 1 on (1 - cos t, 1/2 - sin t), t ~ U[0, pi].
 */
export function makeMoons(seed: number, options: MoonsOptions = {}): Dataset {
  const samples = requireInteger('dataset.samples', options.samples ?? 200, 2);
  const noiseStd = requirePositive('dataset.noiseStd', options.noiseStd ?? 0.1, true);
  const rng = randomStream(seed, SAMPLE_BLOCK, 'dataset');
  const x = new Float64Array(samples * 2);
  const y = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % 2;
    const t = Math.PI * rng.uniform();
    const cx = label === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const cy = label === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    x[2 * i] = cx + noiseStd * rng.normal();
    x[2 * i + 1] = cy + noiseStd * rng.normal();
    y[i] = label;
  }
  return { name: 'moons', features: x, targets: y, sampleCount: samples, featureCount: 2, task: 'binary' };
}

// ---------------------------------------------------------------------------
// Feature standardization (z-score)
// ---------------------------------------------------------------------------

/** Per-feature mean and standard deviation, measured on a training set. */
export interface FeatureScaling {
  mean: Float64Array;
  /** Population standard deviation (1/m); a constant feature gets 1 (centred only). */
  std: Float64Array;
}

/** Mean and population standard deviation of each feature of `train`. */
export function fitStandardization(train: Dataset): FeatureScaling {
  const { featureCount: d, sampleCount: m, features } = train;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let i = 0; i < m; i++) for (let j = 0; j < d; j++) mean[j] += features[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= m;
  // Two-pass variance: no cancellation when a feature has a large common offset.
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < d; j++) {
      const dev = features[i * d + j] - mean[j];
      std[j] += dev * dev;
    }
  }
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j] / m);
    std[j] = s > 0 ? s : 1;
  }
  return { mean, std };
}

/**
 * A copy of `data` with z-scored features (x - mean) / std. Use the scaling of
 * the training set for every split, so the test set sees the same transform.
 */
export function standardize(data: Dataset, scaling: FeatureScaling): Dataset {
  const d = data.featureCount;
  if (scaling.mean.length !== d || scaling.std.length !== d) {
    throw new ConfigError(
      'dataset.standardize',
      `scaling has ${scaling.mean.length} features, data set '${data.name}' has ${d}`,
    );
  }
  const out = new Float64Array(data.features.length);
  for (let i = 0; i < data.sampleCount; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = (data.features[i * d + j] - scaling.mean[j]) / scaling.std[j];
  }
  return { ...baseFields(data), features: out, targets: data.targets.slice() };
}

// ---------------------------------------------------------------------------
// Subsets, splits and mini-batches
// ---------------------------------------------------------------------------

function baseFields(data: Dataset): Dataset {
  const base: Dataset = {
    name: data.name,
    features: data.features,
    targets: data.targets,
    sampleCount: data.sampleCount,
    featureCount: data.featureCount,
    task: data.task,
  };
  if (data.featureNames !== undefined) base.featureNames = data.featureNames.slice();
  if (data.classCount !== undefined) base.classCount = data.classCount;
  return base;
}

/** The samples of `data` at `indices`, copied, in that order. */
export function subsetDataset(data: Dataset, indices: ArrayLike<number>, name = data.name): Dataset {
  const d = data.featureCount;
  const features = new Float64Array(indices.length * d);
  const targets = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= data.sampleCount) {
      throw new RangeError(`subsetDataset: index ${i} outside 0..${data.sampleCount - 1}`);
    }
    features.set(data.features.subarray(i * d, (i + 1) * d), k * d);
    targets[k] = data.targets[i];
  }
  return { ...baseFields(data), name, features, targets, sampleCount: indices.length };
}

/** In-place Fisher-Yates shuffle driven by `rng`. */
function shuffle(indices: Int32Array, rng: RandomStream): void {
  for (let i = indices.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = indices[i];
    indices[i] = indices[j];
    indices[j] = t;
  }
}

export interface SplitOptions {
  /** Fraction of samples held out for testing, in (0, 1). */
  testFraction: number;
  seed: number;
}

/**
 * Seeded random train/test split. For binary tasks the split is stratified:
 * each class contributes round(testFraction * classCount) samples to the test
 * set, so both sets keep the class balance of the whole.
 */
export function splitDataset(data: Dataset, options: SplitOptions): { train: Dataset; test: Dataset } {
  const { testFraction, seed } = options;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new ConfigError('dataset.testFraction', `expected a number in (0, 1), got ${testFraction}`);
  }
  const rng = randomStream(seed, 0, 'split');
  const groups: Int32Array[] = [];
  if (data.task === 'binary') {
    for (const label of [0, 1]) {
      const members: number[] = [];
      for (let i = 0; i < data.sampleCount; i++) if (data.targets[i] === label) members.push(i);
      groups.push(Int32Array.from(members));
    }
  } else {
    groups.push(Int32Array.from({ length: data.sampleCount }, (_, i) => i));
  }
  const trainIdx: number[] = [];
  const testIdx: number[] = [];
  for (const group of groups) {
    shuffle(group, rng);
    const testCount = Math.round(testFraction * group.length);
    for (let k = 0; k < group.length; k++) (k < testCount ? testIdx : trainIdx).push(group[k]);
  }
  if (trainIdx.length === 0 || testIdx.length === 0) {
    throw new ConfigError(
      'dataset.testFraction',
      `${testFraction} of ${data.sampleCount} samples leaves an empty ${trainIdx.length === 0 ? 'training' : 'test'} set`,
    );
  }
  return {
    train: subsetDataset(data, trainIdx, `${data.name}/train`),
    test: subsetDataset(data, testIdx, `${data.name}/test`),
  };
}

/** Draws mini-batches of sample indices; see createMinibatchSampler. */
export interface MinibatchSampler {
  readonly batchSize: number;
  /**
   * The next batch. The returned array is reused by the following call (no
   * allocation per step): copy it if it must outlive the step.
   */
  next(): Int32Array;
}

/**
 * Sampling without replacement by epochs: shuffle 0..m-1, hand out consecutive
 * chunks of batchSize, reshuffle when fewer than batchSize indices remain (the
 * remainder is dropped for that epoch). Every index is used at most once per
 * epoch, so the mini-batch gradient is an unbiased estimate of the full one.
 */
export function createMinibatchSampler(sampleCount: number, batchSize: number, seed: number): MinibatchSampler {
  requireInteger('dataset.sampleCount', sampleCount, 1);
  requireInteger('batchSize', batchSize, 1);
  if (batchSize > sampleCount) {
    throw new ConfigError('batchSize', `expected at most ${sampleCount} (the number of samples), got ${batchSize}`);
  }
  const rng = randomStream(seed, 0, 'minibatch');
  const order = Int32Array.from({ length: sampleCount }, (_, i) => i);
  const batch = new Int32Array(batchSize);
  let cursor = sampleCount; // forces a shuffle on the first call
  return {
    batchSize,
    next(): Int32Array {
      if (cursor + batchSize > sampleCount) {
        shuffle(order, rng);
        cursor = 0;
      }
      for (let k = 0; k < batchSize; k++) batch[k] = order[cursor + k];
      cursor += batchSize;
      return batch;
    },
  };
}
