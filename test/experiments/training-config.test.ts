import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadAnyConfig, runAnyConfig, validateAnyConfig } from '../../src/experiments/dispatch.js';

/**
 * `limsim run` on training configs: bad input names its cause and exits 2;
 * a good config writes summary.json (with provenance) and training-curves.csv.
 */

const root = join(import.meta.dirname, '../..');

function limsim(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LIMSIM_DEBUG: '' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const folder = mkdtempSync(join(tmpdir(), 'limsim-training-'));

function writeConfig(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

const dataset = 'dataset: { kind: linear-regression, samples: 50, features: 2 }\nmodel: { kind: linear-regression }\n';
const training = 'training: { copies: 2, updates: 5, learningRate: 0.05, recordPoints: 3 }\n';
const lim = (extra: string) =>
  `kind: training\nname: bad\n${dataset}${training}stores:\n  - kind: float\n  - kind: lim\n    bits: 4\n    range: [-2, 2]\n    tiltGain: 4\n    barrier: { kind: constant, value: 4 }\n${extra}`;

writeFileSync(join(folder, 'malformed.csv'), 'x1,x2,y\n1,2,0.5\n3,abc,0.1\n');
writeFileSync(join(folder, 'huge.csv'), 'x1,x2,y\n1e308,2,0.5\n3,1,0.1\n-1e308,1,0.3\n');
writeFileSync(join(folder, 'ok.csv'), 'x1,x2,y\n1,2,0.5\n3,1,0.1\n-1,1,0.3\n0,0,0.2\n');

const csvConfig = (file: string, store = '  - kind: float\n') =>
  `kind: training\nname: bad\ndataset: { kind: csv, path: ${file}, labelColumn: y, standardize: false }\nmodel: { kind: linear-regression }\n${training}stores:\n${store}`;

const cases: { what: string; config: string; path: string; expected: RegExp }[] = [
  { what: 'precision below 1 bit (0 bits)', config: lim('').replace('bits: 4', 'bits: 0'), path: 'stores[1].bits', expected: /precision of 0 bits.*>= 1/ },
  { what: 'fractional precision (0.5 bits)', config: lim('').replace('bits: 4', 'bits: 0.5'), path: 'stores[1].bits', expected: /precision of 0.5 bits/ },
  {
    what: 'a barrier schedule that makes the learning rate diverge',
    config: lim('').replace('barrier: { kind: constant, value: 4 }', 'barrier: { kind: linear, from: 4, to: 0.5 }'),
    path: 'stores[1].barrier',
    expected: /falls to 0\.5.*diverge/,
  },
  {
    what: 'a requested learning rate the cell cannot reach',
    config: lim('').replace('barrier: { kind: constant, value: 4 }', 'barrier: { kind: learning-rate, learningRate: 100 }'),
    path: 'stores[1].barrier.learningRate',
    expected: /minBarrier.*diverges/,
  },
  { what: 'a dataset file that is missing', config: csvConfig('no-such-file.csv'), path: 'dataset.path', expected: /no such file/ },
  { what: 'a malformed dataset file', config: csvConfig('malformed.csv'), path: 'dataset.path', expected: /malformed\.csv:3: column 'x2' is not a number: 'abc'/ },
  { what: 'a model whose gradient turns non-finite (overflowing data)', config: csvConfig('huge.csv'), path: 'model', expected: /gradient component \d.*is (Infinity|-Infinity|NaN)/ },
  {
    what: 'a model whose gradient turns non-finite during training (diverging learning rate)',
    config: csvConfig('ok.csv').replace('learningRate: 0.05', 'learningRate: 40').replace('updates: 5', 'updates: 400'),
    path: 'model',
    expected: /(gradient component|loss of copy).*(Infinity|NaN).*diverged/,
  },
  { what: 'an unknown store kind', config: lim('').replace('kind: lim', 'kind: quantum'), path: 'stores[1].kind', expected: /"float".*quantum/ },
  {
    what: 'a digital store with too many bits for a word',
    config: `kind: training\nname: bad\n${dataset}${training}stores:\n  - kind: digital\n    bits: 40\n    range: [-2, 2]\n`,
    path: 'stores[0].bits',
    expected: /at most 24/,
  },
];

/** The cause as the library reports it (the CLI prints the same message and exits 2). */
function configError(text: string): { path: string; message: string } {
  const file = writeConfig('bad-lib.yaml', text);
  try {
    runAnyConfig(loadAnyConfig(file));
  } catch (err) {
    if (err instanceof ConfigError) return { path: err.path, message: err.message };
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('bad training input: a ConfigError naming the field and the cause', () => {
  it.each(cases)('$what', ({ config, path, expected }) => {
    const error = configError(config);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(expected);
  });

  // Through the CLI (a process each, ~3 s): exit code 2, one line, no stack trace.
  it.each([cases[0], cases[6]])('CLI exit 2: $what', ({ config, path, expected }) => {
    const file = writeConfig('bad.yaml', config);
    const { code, stderr, stdout } = limsim('run', file, '--out', join(folder, 'never'));
    expect(code, stdout + stderr).toBe(2);
    expect(stderr.startsWith(`error: ${path}:`), stderr).toBe(true);
    expect(stderr).toMatch(expected);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('limsim run on a good training config', () => {
  const text = `kind: training
name: tiny-lim
seed: 5
dataset: { kind: linear-regression, samples: 60, features: 2, noiseStd: 0.3 }
model: { kind: linear-regression }
training: { copies: 4, updates: 30, learningRate: 0.05, recordPoints: 4 }
stores:
  - kind: float
  - kind: digital
    bits: 6
    range: [-2, 2]
    calibration: { engine: monte-carlo, replicas: 200 }
  - kind: lim
    bits: 6
    range: [-2, 2]
    tiltGain: 4
    barrier: { kind: learning-rate, learningRate: 0.05 }
`;

  it('prints per store the final loss, heat in kT and J, heat per update and the bound ratios; writes summary.json and training-curves.csv', () => {
    const file = writeConfig('tiny.yaml', text);
    const out = join(folder, 'tiny-out');
    const { code, stdout, stderr } = limsim('run', file, '--out', out);
    expect(code, stderr).toBe(0);
    for (const header of ['final loss', 'heat kT', 'heat J', 'heat/update kT', 'heat/bound', 'heat/LIM bound']) expect(stdout).toContain(header);
    expect(stdout).toMatch(/heat digital \/ lim = /);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.kind).toBe('training');
    expect(summary.provenance.configSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.provenance.seed).toBe(5);
    expect(summary.stores.map((s: { name: string }) => s.name)).toEqual(['float', 'digital', 'lim']);
    for (const s of summary.stores) expect(s.bound.holds).toBe(true);
    const csv = readFileSync(join(out, 'training-curves.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('store,update,time,loss_mean,loss_se,accuracy_mean,accuracy_se,heat_kT_mean,heat_kT_se,heat_J_mean');
    expect(csv.length).toBe(1 + 3 * 4);
    expect(existsSync(join(out, 'summary.json'))).toBe(true);
  });

  it('the same seed gives the same summary (timestamps aside); another seed other numbers', () => {
    const raw = { kind: 'training', name: 'repro', seed: 5, dataset: { kind: 'xor', samples: 40 }, model: { kind: 'mlp', hiddenUnits: 2 },
      training: { copies: 3, updates: 20, learningRate: 0.3, recordPoints: 3 },
      stores: [{ kind: 'lim', engine: 'monte-carlo', bits: 5, range: [-4, 4], tiltGain: 8, barrier: { kind: 'logarithmic', offset: 3, timeScale: 5 } }] };
    const summaryOf = (seed: number) => {
      const run = runAnyConfig(validateAnyConfig({ ...raw, seed }, '', 'x.yaml'));
      if (run.kind !== 'training') throw new Error('training expected');
      const s = JSON.parse(JSON.stringify(run.run.summary));
      delete s.provenance.createdAt;
      return s;
    };
    const a = summaryOf(5);
    expect(summaryOf(5)).toEqual(a);
    expect(summaryOf(6).stores[0].heat.total.mean).not.toBe(a.stores[0].heat.total.mean);
  });
});
