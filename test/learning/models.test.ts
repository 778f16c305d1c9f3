import { describe, expect, it } from 'vitest';
import { erf, inv } from 'mathjs';
import { ConfigError } from '../../src/errors.js';
import { randomStream } from '../../src/physics/rng.js';
import {
  createMinibatchSampler,
  makeBlobs,
  makeLinearRegression,
  makeMoons,
  makeXor,
  type Dataset,
} from '../../src/learning/datasets.js';
import {
  assertFiniteGradient,
  assertModelFitsData,
  createLinearRegression,
  createLogisticRegression,
  createMlp,
  createModel,
  crossEntropyFromLogit,
  fitFloatingPoint,
  sigmoid,
  type Model,
} from '../../src/learning/models.js';

/** Standard normal CDF. */
const normalCdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));

function randomParameters(model: Model, seed: number, scale: number): Float64Array {
  const rng = randomStream(seed, 0, 'test-params');
  return Float64Array.from({ length: model.parameterCount }, () => scale * rng.normal());
}

/**
 * Central differences (L(w + h e_i) - L(w - h e_i)) / 2h: truncation error
 * h^2 L'''/6 ~ 1e-10 and round-off ~ eps L / h ~ 1e-11 at h = 1e-5, far below
 * the 1e-6 tolerance, so any real error in the analytic gradient shows.
 */
function finiteDifferenceGradient(model: Model, params: Float64Array, data: Dataset, batch: Int32Array | null): Float64Array {
  const h = 1e-5;
  const fd = new Float64Array(model.parameterCount);
  const w = params.slice();
  for (let i = 0; i < w.length; i++) {
    const saved = w[i];
    w[i] = saved + h;
    const up = model.loss(w, data, batch);
    w[i] = saved - h;
    const down = model.loss(w, data, batch);
    w[i] = saved;
    fd[i] = (up - down) / (2 * h);
  }
  return fd;
}

/** max_i |g_i - fd_i| / max_i |g_i|: the relative error of the whole gradient vector. */
function gradientRelativeError(model: Model, params: Float64Array, data: Dataset, batch: Int32Array | null): number {
  const grad = new Float64Array(model.parameterCount);
  const lossFromGradient = model.gradient(params, data, grad, batch);
  expect(lossFromGradient).toBe(model.loss(params, data, batch));
  const fd = finiteDifferenceGradient(model, params, data, batch);
  let maxDiff = 0;
  let maxGrad = 0;
  for (let i = 0; i < grad.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(grad[i] - fd[i]));
    maxGrad = Math.max(maxGrad, Math.abs(grad[i]));
  }
  expect(maxGrad).toBeGreaterThan(1e-3); // a vanishing gradient would make the check vacuous
  return maxDiff / maxGrad;
}

describe('gradients equal central finite differences (relative error < 1e-6)', () => {
  const regression = makeLinearRegression(1, { samples: 40, features: 3, noiseStd: 0.5 });
  const binary = makeMoons(2, { samples: 40, noiseStd: 0.2 });
  const batch = createMinibatchSampler(40, 8, 5).next().slice();
  const cases: [string, Model, Dataset][] = [
    ['linear regression', createLinearRegression(3), regression],
    ['logistic regression', createLogisticRegression(2), binary],
    ['MLP, binary (sigmoid + cross entropy)', createMlp({ featureCount: 2, hiddenUnits: 5, task: 'binary' }), binary],
    ['MLP, regression (linear output + MSE)', createMlp({ featureCount: 3, hiddenUnits: 5, task: 'regression' }), regression],
  ];
  for (const [label, model, data] of cases) {
    it(`${label}: full batch and mini-batch, at three random parameter vectors`, () => {
      for (const seed of [11, 12, 13]) {
        const params = randomParameters(model, seed, 1);
        expect(gradientRelativeError(model, params, data, null)).toBeLessThan(1e-6);
        expect(gradientRelativeError(model, params, data, batch)).toBeLessThan(1e-6);
      }
    });
  }
});

describe('losses', () => {
  it('linear regression loss is (1/2m) sum of squared residuals', () => {
    const data = makeLinearRegression(3, { samples: 10, features: 2 });
    const model = createLinearRegression(2);
    const w = Float64Array.from([0.3, -0.7, 0.2]);
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      const r = w[0] * data.features[2 * i] + w[1] * data.features[2 * i + 1] + w[2] - data.targets[i];
      sum += r * r;
    }
    expect(model.loss(w, data)).toBeCloseTo(sum / 20, 14);
  });

  it('cross entropy from the logit matches -[y ln p + (1-y) ln(1-p)] and stays exact at extreme logits', () => {
    for (const z of [-5, -0.3, 0, 0.7, 4]) {
      for (const y of [0, 1]) {
        const p = sigmoid(z);
        const naive = -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
        expect(crossEntropyFromLogit(z, y)).toBeCloseTo(naive, 13);
      }
    }
    // The naive form gives ln(0) = -Infinity here; the softplus form gives the limits.
    expect(crossEntropyFromLogit(1000, 0)).toBe(1000);
    expect(crossEntropyFromLogit(-1000, 1)).toBe(1000);
    expect(crossEntropyFromLogit(1000, 1)).toBe(0);
    // Small-probability regime: loss = ln(1 + e^-z) ~ e^-z, kept to full relative precision.
    expect(crossEntropyFromLogit(40, 1) / Math.exp(-40)).toBeCloseTo(1, 12);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
  });

  it('logistic regression gives finite loss and gradient at huge weights', () => {
    const data = makeBlobs(4, { samples: 20 });
    const model = createLogisticRegression(2);
    const grad = new Float64Array(3);
    const loss = model.gradient(Float64Array.from([1e6, 1e6, 0]), data, grad);
    expect(Number.isFinite(loss)).toBe(true);
    for (const g of grad) expect(Number.isFinite(g)).toBe(true);
  });
});

describe('non-finite gradients', () => {
  it('assertFiniteGradient names the model and the parameter index, with ConfigError path "model"', () => {
    const grad = Float64Array.from([0.1, 0.2, NaN, 0.4]);
    let caught: unknown;
    try {
      assertFiniteGradient('linear-regression', grad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).path).toBe('model');
    expect((caught as Error).message).toMatch(/linear-regression.*component 2.*NaN/);
    expect(() => assertFiniteGradient('m', Float64Array.from([1, Infinity]))).toThrow(/component 1 .*Infinity/);
  });

  it('every model throws from gradient() when a parameter is NaN or the loss overflows', () => {
    const regression = makeLinearRegression(5, { samples: 10, features: 2 });
    const linear = createLinearRegression(2);
    const params = Float64Array.from([0, 0, 0]);
    params[1] = NaN;
    expect(() => linear.gradient(params, regression, new Float64Array(3))).toThrow(ConfigError);
    // Residuals of 1e300 square to Infinity; the gradient component then overflows too.
    expect(() => linear.gradient(Float64Array.from([1e308, 1e308, 1e308]), regression, new Float64Array(3))).toThrow(
      /linear-regression: gradient component \d \(/,
    );
    const mlp = createMlp({ featureCount: 2, hiddenUnits: 3, task: 'binary' });
    const mlpParams = mlp.initParameters(1);
    // An infinite hidden bias only saturates tanh (finite gradient); an infinite output weight does not.
    mlpParams[10] = Infinity; // output.weight[1]
    expect(() => mlp.gradient(mlpParams, makeXor(1, { samples: 8 }), new Float64Array(mlp.parameterCount))).toThrow(
      /mlp: gradient component \d+ \(hidden\[1\]\.(weight\[\d\]|bias)\) is (NaN|-?Infinity)/,
    );
  });
});

describe('models and data must match', () => {
  it('assertModelFitsData rejects wrong feature counts, tasks and non-binary targets', () => {
    const blobs = makeBlobs(1, { samples: 10, features: 3 });
    expect(() => assertModelFitsData(createLogisticRegression(2), blobs)).toThrow(/expects 2 features.*has 3/);
    expect(() => assertModelFitsData(createLinearRegression(3), blobs)).toThrow(/regression model.*binary task/);
    const bad = { ...blobs, targets: blobs.targets.map((y, i) => (i === 4 ? 0.5 : y)) };
    expect(() => assertModelFitsData(createLogisticRegression(3), bad)).toThrow(/sample 4 is 0.5/);
  });

  it('createModel sizes the model from the data set and refuses a kind that cannot serve the task', () => {
    const xor = makeXor(1, { samples: 8 });
    const mlp = createModel({ kind: 'mlp', hiddenUnits: 4 }, xor);
    expect(mlp.parameterCount).toBe(4 * 2 + 4 + 4 + 1);
    expect(mlp.task).toBe('binary');
    expect(typeof mlp.accuracy).toBe('function');
    expect(createModel({ kind: 'mlp' }, makeLinearRegression(1)).accuracy).toBeUndefined();
    expect(() => createModel({ kind: 'linear-regression' }, xor)).toThrow(ConfigError);
    expect(() => createMlp({ featureCount: 2, hiddenUnits: 0, task: 'binary' })).toThrow(/model.hiddenUnits/);
  });

  it('parameter names follow the flat layout', () => {
    const mlp = createMlp({ featureCount: 3, hiddenUnits: 2, task: 'regression' });
    const names = Array.from({ length: mlp.parameterCount }, (_, i) => mlp.parameterName(i));
    expect(names).toEqual([
      'hidden[0].weight[0]', 'hidden[0].weight[1]', 'hidden[0].weight[2]',
      'hidden[1].weight[0]', 'hidden[1].weight[1]', 'hidden[1].weight[2]',
      'hidden[0].bias', 'hidden[1].bias', 'output.weight[0]', 'output.weight[1]', 'output.bias',
    ]);
    expect(createLinearRegression(2).parameterName(2)).toBe('bias');
  });

  it('initial parameters are seeded: same seed, same vector', () => {
    const mlp = createMlp({ featureCount: 2, hiddenUnits: 6, task: 'binary' });
    expect(mlp.initParameters(3)).toEqual(mlp.initParameters(3));
    expect(mlp.initParameters(3)).not.toEqual(mlp.initParameters(4));
  });
});

/** OLS on the design [X, 1]: estimate and covariance sigma^2 (A^T A)^-1. */
function ordinaryLeastSquares(data: Dataset, noiseStd: number): { estimate: number[]; standardErrors: number[] } {
  const d = data.featureCount;
  const p = d + 1;
  const ata = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const aty = new Array<number>(p).fill(0);
  const row = new Array<number>(p);
  for (let i = 0; i < data.sampleCount; i++) {
    for (let j = 0; j < d; j++) row[j] = data.features[i * d + j];
    row[d] = 1;
    for (let a = 0; a < p; a++) {
      aty[a] += row[a] * data.targets[i];
      for (let b = 0; b < p; b++) ata[a][b] += row[a] * row[b];
    }
  }
  const ataInv = inv(ata) as number[][];
  const estimate = ataInv.map((r) => r.reduce((s, v, b) => s + v * aty[b], 0));
  const standardErrors = ataInv.map((r, a) => noiseStd * Math.sqrt(r[a]));
  return { estimate, standardErrors };
}

describe('linear regression by plain gradient descent', () => {
  const noiseStd = 0.3;
  const fit = (seed: number) => {
    const data = makeLinearRegression(seed, { samples: 200, features: 3, noiseStd });
    // Hessian (1/m) A^T A ~ I for standard-normal features: eta = 0.5 contracts the error by ~1/2 per step.
    const result = fitFloatingPoint(createLinearRegression(3), data, { learningRate: 0.5, steps: 200, seed });
    return { data, result, ols: ordinaryLeastSquares(data, noiseStd) };
  };

  it('converges to the OLS solution and recovers w*, b* within 4 standard errors of sigma^2 (A^T A)^-1', () => {
    const { data, result, ols } = fit(11);
    const truth = [...data.trueWeights, data.trueBias];
    for (let a = 0; a < 4; a++) {
      expect(Math.abs(result.parameters[a] - ols.estimate[a])).toBeLessThan(1e-9);
      expect(Math.abs(result.parameters[a] - truth[a])).toBeLessThan(4 * ols.standardErrors[a]);
    }
    // At the optimum, the loss is half the mean squared residual: ~ sigma^2 (m - p) / (2m).
    const expectedLoss = (noiseStd ** 2 * (200 - 4)) / 400;
    const lossSe = (noiseStd ** 2 * Math.sqrt(2 * (200 - 4))) / 400; // chi-square with m - p dof
    expect(Math.abs(result.finalLoss - expectedLoss)).toBeLessThan(4 * lossSe);
  });

  it('over 40 data sets, (estimate - truth) / SE has mean 0 and variance 1', () => {
    const z: number[] = [];
    for (let seed = 100; seed < 140; seed++) {
      const { data, result, ols } = fit(seed);
      const truth = [...data.trueWeights, data.trueBias];
      for (let a = 0; a < 4; a++) z.push((result.parameters[a] - truth[a]) / ols.standardErrors[a]);
    }
    const n = z.length;
    const mean = z.reduce((s, v) => s + v, 0) / n;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(4 * Math.sqrt(2 / (n - 1)));
  });

  it('full-batch loss never increases when eta <= 1/L (L the largest Hessian eigenvalue)', () => {
    const data = makeLinearRegression(21, { samples: 100, features: 4, noiseStd: 0.5 });
    // Largest eigenvalue of (1/m) A^T A by power iteration.
    const p = 5;
    const hessian = Array.from({ length: p }, () => new Float64Array(p));
    for (let i = 0; i < data.sampleCount; i++) {
      for (let a = 0; a < p; a++) {
        const xa = a < 4 ? data.features[i * 4 + a] : 1;
        for (let b = 0; b < p; b++) hessian[a][b] += (xa * (b < 4 ? data.features[i * 4 + b] : 1)) / data.sampleCount;
      }
    }
    let v = new Float64Array(p).fill(1);
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      const w = hessian.map((r) => r.reduce((s, h, b) => s + h * v[b], 0));
      lambda = Math.hypot(...w);
      v = Float64Array.from(w, (x) => x / lambda);
    }
    const { lossCurve } = fitFloatingPoint(createLinearRegression(4), data, { learningRate: 1 / lambda, steps: 100, seed: 2 });
    // Descent lemma: L(w - eta g) <= L(w) - (eta/2)|g|^2 for eta <= 1/L. Once converged the
    // steps change the loss by less than its last bits, so allow round-off of a few ulp.
    for (let k = 1; k < lossCurve.length; k++) expect(lossCurve[k]).toBeLessThanOrEqual(lossCurve[k - 1] * (1 + 4 * Number.EPSILON));
    expect(lossCurve[100]).toBeLessThan(0.5 * lossCurve[0]);
    // Beyond 2/L gradient descent on a quadratic diverges along the top eigenvector.
    expect(() =>
      fitFloatingPoint(createLinearRegression(4), data, { learningRate: 2.5 / lambda, steps: 5000, seed: 2 }),
    ).toThrow(ConfigError);
  });
});

describe('mini-batch gradient descent', () => {
  it('the mini-batch gradients of one epoch average to the full gradient', () => {
    const data = makeLinearRegression(31, { samples: 60, features: 2 });
    const model = createMlp({ featureCount: 2, hiddenUnits: 4, task: 'regression' });
    const params = model.initParameters(1);
    const full = new Float64Array(model.parameterCount);
    model.gradient(params, data, full);
    const sampler = createMinibatchSampler(60, 12, 9);
    const sum = new Float64Array(model.parameterCount);
    const grad = new Float64Array(model.parameterCount);
    for (let b = 0; b < 5; b++) {
      model.gradient(params, data, grad, sampler.next());
      for (let i = 0; i < grad.length; i++) sum[i] += grad[i] / 5;
    }
    for (let i = 0; i < grad.length; i++) expect(sum[i]).toBeCloseTo(full[i], 12);
  });

  it('is reproducible from the seed', () => {
    const data = makeLinearRegression(41, { samples: 200, features: 3, noiseStd: 0.3 });
    const options = { learningRate: 0.05, steps: 500, batchSize: 20, seed: 8 };
    const a = fitFloatingPoint(createLinearRegression(3), data, options);
    const b = fitFloatingPoint(createLinearRegression(3), data, options);
    expect(a.lossCurve).toEqual(b.lossCurve);
    expect(a.lossCurve.length).toBe(501);
    expect(fitFloatingPoint(createLinearRegression(3), data, { ...options, seed: 9 }).lossCurve).not.toEqual(a.lossCurve);
  });

  it('one-sample SGD hovers above the least-squares minimum by the stochastic floor (eta/4) tr(Sigma)', () => {
    // Near the optimum w*, SGD is w <- w - eta (H (w - w*) + xi), Cov(xi) = Sigma, the covariance of
    // the per-sample gradients r_i a_i at w*. The stationary Lyapunov equation H C + C H = eta Sigma
    // (to first order in eta) gives tr(H C) = (eta/2) tr(Sigma), i.e. an excess loss
    // <L(w) - L(w*)> = (1/2) tr(H C) = (eta/4) tr(Sigma).
    // Neglected: the O(eta lambda_max / 2) ~ 1% discrete-time term, and the anti-correlation of
    // reshuffled epochs, O(1 / (eta lambda m)) ~ 2.5% here; together below the 4% allowance.
    const m = 2000;
    const d = 3;
    const eta = 0.02;
    const data = makeLinearRegression(43, { samples: m, features: d, noiseStd: 0.3 });
    const optimum = fitFloatingPoint(createLinearRegression(d), data, { learningRate: 0.5, steps: 400, seed: 1 });
    let traceSigma = 0;
    for (let i = 0; i < m; i++) {
      let z = optimum.parameters[d];
      let norm2 = 1; // |a_i|^2 with a_i = [x_i, 1]
      for (let j = 0; j < d; j++) {
        z += optimum.parameters[j] * data.features[i * d + j];
        norm2 += data.features[i * d + j] ** 2;
      }
      traceSigma += ((z - data.targets[i]) ** 2 * norm2) / m;
    }
    const predicted = (eta / 4) * traceSigma;
    const steps = 60000;
    const burnIn = 1000; // 20 relaxation times 1/(eta lambda)
    const block = 1000; // >> the loss autocorrelation time 1/(2 eta lambda) = 25 steps: blocks are independent
    const { lossCurve } = fitFloatingPoint(createLinearRegression(d), data, { learningRate: eta, steps, batchSize: 1, seed: 8 });
    const blockMeans: number[] = [];
    for (let start = burnIn; start + block <= steps; start += block) {
      let sum = 0;
      for (let k = start; k < start + block; k++) sum += lossCurve[k] - optimum.finalLoss;
      blockMeans.push(sum / block);
    }
    const n = blockMeans.length;
    const excess = blockMeans.reduce((s, v) => s + v, 0) / n;
    const se = Math.sqrt(blockMeans.reduce((s, v) => s + (v - excess) ** 2, 0) / (n - 1) / n);
    expect(Math.abs(excess - predicted)).toBeLessThan(4 * se + 0.04 * predicted);
  });

  it('rejects bad options with ConfigError naming the field', () => {
    const data = makeXor(1, { samples: 8 });
    const model = createLogisticRegression(2);
    expect(() => fitFloatingPoint(model, data, { learningRate: 0, steps: 1, seed: 1 })).toThrow(/fit.learningRate/);
    expect(() => fitFloatingPoint(model, data, { learningRate: 0.1, steps: 1.5, seed: 1 })).toThrow(/fit.steps/);
    expect(() => fitFloatingPoint(model, data, { learningRate: 0.1, steps: 1, batchSize: 9, seed: 1 })).toThrow(/fit.batchSize/);
  });
});

describe('classification', () => {
  it('logistic regression on two blobs reaches accuracy > 0.95, at the Bayes rate Phi(separation / 2 std)', () => {
    const separation = 4;
    const train = makeBlobs(3, { samples: 400, separation });
    const test = makeBlobs(4, { samples: 4000, separation });
    const model = createLogisticRegression(2);
    const { parameters } = fitFloatingPoint(model, train, { learningRate: 0.5, steps: 1000, seed: 1 });
    const bayes = normalCdf(separation / 2); // 0.977
    const trainAccuracy = model.accuracy(parameters, train);
    const testAccuracy = model.accuracy(parameters, test);
    expect(trainAccuracy).toBeGreaterThan(0.95);
    expect(testAccuracy).toBeGreaterThan(0.95);
    expect(Math.abs(trainAccuracy - bayes)).toBeLessThan(4 * Math.sqrt((bayes * (1 - bayes)) / 400));
    expect(Math.abs(testAccuracy - bayes)).toBeLessThan(4 * Math.sqrt((bayes * (1 - bayes)) / 4000));
    // The boundary is perpendicular to u = (1, 1)/sqrt 2, through the origin.
    expect(Math.abs(Math.atan2(parameters[1], parameters[0]) - Math.PI / 4)).toBeLessThan(0.15);
    // predict returns P(y = 1 | x), consistent with accuracy's threshold.
    const p = model.predict(parameters, test);
    let agree = 0;
    for (let i = 0; i < test.sampleCount; i++) agree += (p[i] >= 0.5 ? 1 : 0) === test.targets[i] ? 1 : 0;
    expect(agree / test.sampleCount).toBe(testAccuracy);
  });

  it('the MLP learns XOR (accuracy > 0.9), which no linear classifier can (at most 3 of 4 clusters)', () => {
    const train = makeXor(7, { samples: 200 });
    const test = makeXor(8, { samples: 2000 });
    const mlp = createMlp({ featureCount: 2, hiddenUnits: 8, task: 'binary' });
    const fit = fitFloatingPoint(mlp, train, { learningRate: 0.5, steps: 2000, seed: 1 });
    expect(mlp.accuracy!(fit.parameters, train)).toBeGreaterThan(0.9);
    expect(mlp.accuracy!(fit.parameters, test)).toBeGreaterThan(0.9);
    const logistic = createLogisticRegression(2);
    const linearFit = fitFloatingPoint(logistic, train, { learningRate: 0.5, steps: 2000, seed: 1 });
    expect(logistic.accuracy(linearFit.parameters, test)).toBeLessThan(0.75 + 4 * Math.sqrt((0.75 * 0.25) / 2000));
  });

  it('the MLP separates the two moons on held-out data', () => {
    const train = makeMoons(5, { samples: 200, noiseStd: 0.1 });
    const test = makeMoons(6, { samples: 2000, noiseStd: 0.1 });
    const mlp = createMlp({ featureCount: 2, hiddenUnits: 16, task: 'binary' });
    const fit = fitFloatingPoint(mlp, train, { learningRate: 0.5, steps: 3000, seed: 1 });
    expect(mlp.accuracy!(fit.parameters, test)).toBeGreaterThan(0.97);
  });
});
