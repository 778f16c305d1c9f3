import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import {
  createMinibatchSampler,
  fitStandardization,
  IRIS_CSV_PATH,
  loadCsvDataset,
  loadIris,
  makeBlobs,
  makeLinearRegression,
  makeMoons,
  makeXor,
  splitDataset,
  standardize,
  type Dataset,
} from '../../src/learning/datasets.js';

const scratch = mkdtempSync(join(tmpdir(), 'limsim-datasets-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let fileCount = 0;
function csvFile(text: string): string {
  const path = join(scratch, `table-${fileCount++}.csv`);
  writeFileSync(path, text);
  return path;
}

/** Runs fn, expects a ConfigError, returns it. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function column(data: Dataset, j: number, rows?: (i: number) => boolean): number[] {
  const values: number[] = [];
  for (let i = 0; i < data.sampleCount; i++) if (!rows || rows(i)) values.push(data.features[i * data.featureCount + j]);
  return values;
}

const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const variance = (v: number[]) => {
  const m = mean(v);
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / (v.length - 1);
};

describe('generated data sets are reproducible', () => {
  const generators: [string, (seed: number) => Dataset][] = [
    ['linear regression', (s) => makeLinearRegression(s)],
    ['blobs', (s) => makeBlobs(s)],
    ['xor', (s) => makeXor(s)],
    ['moons', (s) => makeMoons(s)],
  ];
  for (const [name, make] of generators) {
    it(`${name}: same seed, identical arrays; another seed, different arrays`, () => {
      const a = make(42);
      const b = make(42);
      expect(a.features).toEqual(b.features);
      expect(a.targets).toEqual(b.targets);
      expect(a.features.length).toBe(a.sampleCount * a.featureCount);
      expect(make(43).features).not.toEqual(a.features);
    });
  }
});

describe('linear regression data: y = X w* + b* + noise', () => {
  it('features are N(0, 1) and residuals y - X w* - b* are N(0, sigma^2) (4 standard errors)', () => {
    const m = 5000;
    const sigma = 0.3;
    const data = makeLinearRegression(1, { samples: m, features: 2, trueWeights: [1.5, -2], trueBias: 0.25, noiseStd: sigma });
    for (let j = 0; j < 2; j++) {
      const x = column(data, j);
      expect(Math.abs(mean(x))).toBeLessThan(4 / Math.sqrt(m));
      expect(Math.abs(variance(x) - 1)).toBeLessThan(4 * Math.sqrt(2 / (m - 1)));
    }
    const residuals = Array.from(
      { length: m },
      (_, i) => data.targets[i] - 1.5 * data.features[2 * i] + 2 * data.features[2 * i + 1] - 0.25,
    );
    expect(Math.abs(mean(residuals))).toBeLessThan((4 * sigma) / Math.sqrt(m));
    expect(Math.abs(variance(residuals) - sigma ** 2)).toBeLessThan(4 * sigma ** 2 * Math.sqrt(2 / (m - 1)));
  });

  it('fixing the true weights does not change X; defaults draw them from the seed', () => {
    const drawn = makeLinearRegression(5, { features: 3 });
    const fixed = makeLinearRegression(5, { trueWeights: [1, 2, 3], trueBias: 0 });
    expect(fixed.features).toEqual(drawn.features);
    expect(Array.from(fixed.trueWeights)).toEqual([1, 2, 3]);
    expect(makeLinearRegression(5).trueWeights).toEqual(drawn.trueWeights);
  });

  it('rejects bad options with ConfigError naming the field', () => {
    expect(configError(() => makeLinearRegression(1, { samples: 1 })).path).toBe('dataset.samples');
    expect(configError(() => makeLinearRegression(1, { features: 2, trueWeights: [1, 2, 3] })).path).toBe('dataset.trueWeights');
    expect(configError(() => makeLinearRegression(1, { noiseStd: -1 })).path).toBe('dataset.noiseStd');
    expect(configError(() => makeBlobs(1, { std: 0 })).path).toBe('dataset.std');
  });
});

describe('classification toys', () => {
  it('blobs: balanced classes centred at +-(separation/2) u, u = (1,...,1)/sqrt(d), spread std', () => {
    const m = 4000;
    const d = 3;
    const data = makeBlobs(2, { samples: m, features: d, separation: 5, std: 0.7 });
    let positives = 0;
    for (let i = 0; i < m; i++) positives += data.targets[i];
    expect(positives).toBe(m / 2);
    const centre = 5 / 2 / Math.sqrt(d);
    for (const label of [0, 1]) {
      for (let j = 0; j < d; j++) {
        const x = column(data, j, (i) => data.targets[i] === label);
        expect(Math.abs(mean(x) - (label ? centre : -centre))).toBeLessThan((4 * 0.7) / Math.sqrt(x.length));
        expect(Math.abs(variance(x) - 0.49)).toBeLessThan(4 * 0.49 * Math.sqrt(2 / (x.length - 1)));
      }
    }
  });

  it('xor: four balanced clusters at (+-1, +-1), label = sign(x1) XOR sign(x2)', () => {
    const data = makeXor(3, { samples: 4000, noiseStd: 0.2 });
    // A coordinate flips sign with probability Phi(-1/0.2) = 2.9e-7: labels follow the quadrant.
    for (let i = 0; i < data.sampleCount; i++) {
      expect(data.targets[i]).toBe(data.features[2 * i] * data.features[2 * i + 1] < 0 ? 1 : 0);
    }
    for (const sx of [-1, 1]) {
      for (const sy of [-1, 1]) {
        const inCluster = (i: number) => Math.sign(data.features[2 * i]) === sx && Math.sign(data.features[2 * i + 1]) === sy;
        const x = column(data, 0, inCluster);
        expect(x.length).toBe(1000);
        expect(Math.abs(mean(x) - sx)).toBeLessThan((4 * 0.2) / Math.sqrt(1000));
      }
    }
  });

  it('moons: without noise every point lies on its unit half circle', () => {
    const data = makeMoons(4, { samples: 400, noiseStd: 0 });
    for (let i = 0; i < data.sampleCount; i++) {
      const [x, y] = [data.features[2 * i], data.features[2 * i + 1]];
      if (data.targets[i] === 0) {
        expect(Math.hypot(x, y)).toBeCloseTo(1, 12);
        expect(y).toBeGreaterThanOrEqual(0);
      } else {
        expect(Math.hypot(x - 1, y - 0.5)).toBeCloseTo(1, 12);
        expect(y).toBeLessThanOrEqual(0.5);
      }
    }
  });
});

describe('Iris (data/iris.csv)', () => {
  it('has 150 rows, 4 features, 3 species of 50', () => {
    const all = loadIris({ positiveClass: 'setosa', negativeClass: 'rest' });
    expect(all.sampleCount).toBe(150);
    expect(all.featureCount).toBe(4);
    expect(all.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(all.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    for (const species of all.classes) expect(all.labels.filter((l) => l === species).length).toBe(50);
    let positives = 0;
    for (let i = 0; i < 150; i++) positives += all.targets[i];
    expect(positives).toBe(50);
  });

  it("matches Fisher's published values (R's datasets::iris), not the two UCI transcription errors", () => {
    const all = loadIris({ negativeClass: 'rest' });
    // Column sums of R's iris: 876.5, 458.6, 563.7, 179.9 (UCI's file gives 458.1, 563.8, 179.8).
    const sums = [876.5, 458.6, 563.7, 179.9];
    for (let j = 0; j < 4; j++) expect(column(all, j).reduce((s, v) => s + v, 0)).toBeCloseTo(sums[j], 9);
    // Samples 35 and 38 (1-based) as in Fisher (1936).
    expect(Array.from(all.features.subarray(34 * 4, 35 * 4))).toEqual([4.9, 3.1, 1.5, 0.2]);
    expect(Array.from(all.features.subarray(37 * 4, 38 * 4))).toEqual([4.9, 3.6, 1.4, 0.1]);
  });

  it('selects two species for a binary task (default setosa 0 vs versicolor 1)', () => {
    const pair = loadIris();
    expect(pair.sampleCount).toBe(100);
    expect(pair.classes).toEqual(['setosa', 'versicolor']);
    for (let i = 0; i < 100; i++) expect(pair.targets[i]).toBe(pair.labels[i] === 'versicolor' ? 1 : 0);
    const hard = loadIris({ positiveClass: 'Iris-virginica', negativeClass: 'VERSICOLOR' });
    expect(hard.classes).toEqual(['versicolor', 'virginica']);
    expect(configError(() => loadIris({ positiveClass: 'rose' })).path).toBe('iris.positiveClass');
    expect(configError(() => loadIris({ positiveClass: 'setosa', negativeClass: 'setosa' })).path).toBe('iris.negativeClass');
    expect(IRIS_CSV_PATH.endsWith(join('data', 'iris.csv'))).toBe(true);
  });
});

describe('CSV loader', () => {
  it('reads a labelled table: quoted fields, CRLF, blank lines, numeric labels', () => {
    const path = csvFile('a,b,"label"\r\n1.5,-2e-1,"cat"\r\n\r\n3,4,dog\r\n0.5,.25,cat\r\n');
    const data = loadCsvDataset(path, { labelColumn: 'label', positiveClass: 'dog' });
    expect(data.task).toBe('binary');
    expect(Array.from(data.features)).toEqual([1.5, -0.2, 3, 4, 0.5, 0.25]);
    expect(Array.from(data.targets)).toEqual([0, 1, 0]);
    const numeric = loadCsvDataset(csvFile('x,y\n1,2.5\n2,3.5\n'), { labelColumn: 'y' });
    expect(numeric.task).toBe('regression');
    expect(Array.from(numeric.targets)).toEqual([2.5, 3.5]);
    const bits = loadCsvDataset(csvFile('y,x\n1,0.1\n0,0.2\n'), { labelColumn: 'y', task: 'binary' });
    expect(Array.from(bits.targets)).toEqual([1, 0]);
  });

  it('a missing file raises ConfigError naming the path', () => {
    const path = join(scratch, 'no-such-file.csv');
    const error = configError(() => loadCsvDataset(path, { labelColumn: 'y' }));
    expect(error.path).toBe('dataset.path');
    expect(error.message).toContain(path);
    expect(configError(() => loadIris({ path })).message).toContain(path);
  });

  it('malformed files raise ConfigError naming file and line', () => {
    const wrongCount = csvFile('a,b,y\n1,2,0\n\n3,4\n');
    expect(configError(() => loadCsvDataset(wrongCount, { labelColumn: 'y' })).message).toBe(
      `dataset.path: ${wrongCount}:4: expected 3 columns (as in the header), found 2`,
    );
    const nonNumeric = csvFile('a,b,y\n1,2,0\n3,four,1\n');
    expect(configError(() => loadCsvDataset(nonNumeric, { labelColumn: 'y' })).message).toContain(
      `${nonNumeric}:3: column 'b' is not a number: 'four'`,
    );
    const emptyField = csvFile('a,b,y\n1,,0\n');
    expect(configError(() => loadCsvDataset(emptyField, { labelColumn: 'y' })).message).toContain(`${emptyField}:2: column 'b'`);
    const notANumber = csvFile('a,y\nNaN,0\n');
    expect(configError(() => loadCsvDataset(notANumber, { labelColumn: 'y' })).message).toContain(`${notANumber}:2:`);
    const empty = csvFile('\n  \n');
    expect(configError(() => loadCsvDataset(empty, { labelColumn: 'y' })).message).toContain(`${empty} is empty`);
    const headerOnly = csvFile('a,y\n');
    expect(configError(() => loadCsvDataset(headerOnly, { labelColumn: 'y' })).message).toContain('no data rows');
    const unterminated = csvFile('a,y\n1,"x\n');
    expect(configError(() => loadCsvDataset(unterminated, { labelColumn: 'y' })).message).toContain(
      `${unterminated}:2: unterminated quoted field`,
    );
    const duplicate = csvFile('a,a,y\n1,2,3\n');
    expect(configError(() => loadCsvDataset(duplicate, { labelColumn: 'y' })).message).toContain(`${duplicate}:1: duplicate column`);
    const badLabel = csvFile('a,y\n1,0\n2,maybe\n');
    expect(configError(() => loadCsvDataset(badLabel, { labelColumn: 'y', task: 'binary' })).message).toContain(`${badLabel}:3:`);
  });

  it('unknown columns and classes raise ConfigError naming the option', () => {
    const path = csvFile('a,b,y\n1,2,u\n3,4,v\n');
    expect(configError(() => loadCsvDataset(path, { labelColumn: 'z' })).path).toBe('dataset.labelColumn');
    expect(configError(() => loadCsvDataset(path, { labelColumn: 'y', featureColumns: ['a', 'c'] })).path).toBe(
      'dataset.featureColumns.1',
    );
    expect(configError(() => loadCsvDataset(path, { labelColumn: 'y', positiveClass: 'w' })).path).toBe('dataset.positiveClass');
    expect(configError(() => loadCsvDataset(path, { labelColumn: 'y', positiveClass: 'u', classes: ['u'] })).path).toBe(
      'dataset.classes',
    );
  });
});

describe('standardization, splits and mini-batches', () => {
  it('z-scores with training statistics: train gets mean 0 / std 1, test the same affine map', () => {
    const data = makeLinearRegression(9, { samples: 300, features: 3 });
    const shifted = { ...data, features: data.features.map((x, k) => 10 * x + 1000 * (k % 3)) };
    const { train, test } = splitDataset(shifted, { testFraction: 0.25, seed: 1 });
    const scaling = fitStandardization(train);
    const z = standardize(train, scaling);
    for (let j = 0; j < 3; j++) {
      const v = column(z, j);
      expect(mean(v)).toBeCloseTo(0, 12);
      expect(Math.sqrt((variance(v) * (v.length - 1)) / v.length)).toBeCloseTo(1, 12);
    }
    const zTest = standardize(test, scaling);
    for (let k = 0; k < test.features.length; k++) {
      const j = k % 3;
      expect(zTest.features[k]).toBeCloseTo((test.features[k] - scaling.mean[j]) / scaling.std[j], 12);
    }
    expect(test.features[0]).not.toBe(zTest.features[0]); // a copy, the input is untouched
    const constant = { ...data, features: data.features.map((x, k) => (k % 3 === 0 ? 7 : x)) };
    const c = fitStandardization(constant);
    expect(c.std[0]).toBe(1);
    expect(standardize(constant, c).features[0]).toBe(0);
  });

  it('a binary split is stratified, disjoint, exhaustive and seeded', () => {
    const data = makeBlobs(1, { samples: 101 });
    const { train, test } = splitDataset(data, { testFraction: 0.2, seed: 3 });
    expect(train.sampleCount + test.sampleCount).toBe(101);
    const count = (d: Dataset) => d.targets.reduce((s, y) => s + y, 0);
    expect(count(test)).toBe(10); // round(0.2 * 50) positives
    expect(test.sampleCount - count(test)).toBe(10); // round(0.2 * 51) negatives
    const key = (d: Dataset, i: number) => `${d.features[2 * i]},${d.features[2 * i + 1]}`;
    const seen = new Set<string>();
    for (const d of [train, test]) for (let i = 0; i < d.sampleCount; i++) seen.add(key(d, i));
    expect(seen.size).toBe(101);
    expect(splitDataset(data, { testFraction: 0.2, seed: 3 }).test.features).toEqual(test.features);
    expect(configError(() => splitDataset(data, { testFraction: 1, seed: 3 })).path).toBe('dataset.testFraction');
  });

  it('the mini-batch sampler visits every index once per epoch and is seeded', () => {
    const m = 30;
    const sampler = createMinibatchSampler(m, 6, 2);
    for (let epoch = 0; epoch < 20; epoch++) {
      const seen: number[] = [];
      for (let b = 0; b < 5; b++) seen.push(...sampler.next());
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: m }, (_, i) => i));
    }
    const a = createMinibatchSampler(m, 7, 4);
    const b = createMinibatchSampler(m, 7, 4);
    for (let k = 0; k < 10; k++) {
      const batch = a.next();
      expect(batch).toEqual(b.next());
      expect(new Set(batch).size).toBe(7); // without replacement (2 left over per epoch are dropped)
    }
    expect(a.next()).toBe(a.next()); // one buffer, reused: no allocation per step
    expect(configError(() => createMinibatchSampler(5, 6, 1)).path).toBe('batchSize');
  });

  it('each index is drawn equally often: counts over many epochs are uniform (chi-square, 4 SE)', () => {
    const m = 20;
    const batchSize = 3; // 6 batches per epoch, 2 indices dropped at random
    const sampler = createMinibatchSampler(m, batchSize, 6);
    const counts = new Float64Array(m);
    const batches = 60000;
    for (let k = 0; k < batches; k++) for (const i of sampler.next()) counts[i]++;
    const expected = (batches * batchSize) / m;
    let chi2 = 0;
    for (const c of counts) chi2 += (c - expected) ** 2 / expected;
    // Counts are less variable than multinomial (each index at most once per epoch),
    // so chi2 <= (m - 1) + 4 sqrt(2 (m - 1)) is a one-sided bound that must hold.
    expect(chi2).toBeLessThan(m - 1 + 4 * Math.sqrt(2 * (m - 1)));
  });
});
