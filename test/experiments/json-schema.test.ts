import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { limsimJsonSchemaText } from '../../src/experiments/json-schema.js';
import { validateFile, validationLine } from '../../src/commands/validate.js';
import { ConfigError } from '../../src/errors.js';

/**
 * The shipped JSON Schema (schema/limsim.schema.json): current with the zod
 * schemas, and every file under sim-configs/ (physics, training, sweep files)
 * valid against it with a well-kept validator (ajv, draft 2020-12). Plus
 * `limsim validate`, which runs the loader's own checks.
 */
const root = join(import.meta.dirname, '..', '..');
const schemaPath = join(root, 'schema', 'limsim.schema.json');

/** The CLI as a user runs it, through tsx (as test/cli.test.ts does). */
function limsim(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, LIMSIM_DEBUG: '' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const configs = filesUnder(join(root, 'sim-configs')).filter((f) => /\.(ya?ml|json)$/.test(f));
const ajv = new Ajv2020.default({ allErrors: false, strict: false });
const validateSchema = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
const check = (data: unknown) => (validateSchema(data) ? 'valid' : ajv.errorsText(validateSchema.errors));

describe('schema/limsim.schema.json', () => {
  it('equals the schema regenerated from the zod schemas (run `npm run schema` after changing them)', () => {
    expect(readFileSync(schemaPath, 'utf8')).toBe(limsimJsonSchemaText());
  });

  it('covers every shipped file kind: physics, training and sweep files are all present', () => {
    const kinds = configs.map((f) => {
      const raw = parseYaml(readFileSync(f, 'utf8')) as Record<string, unknown>;
      return 'base' in raw ? 'sweep' : raw.kind === 'training' ? 'training' : 'physics';
    });
    expect(new Set(kinds)).toEqual(new Set(['physics', 'training', 'sweep']));
  });

  for (const file of configs) {
    const name = relative(root, file);
    it(`${name} validates against it and names it in its first line`, () => {
      const text = readFileSync(file, 'utf8');
      expect(check(parseYaml(text))).toBe('valid');
      const depth = relative(join(root, 'sim-configs'), file).split('/').length;
      expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=${'../'.repeat(depth)}schema/limsim.schema.json`);
    });
  }

  it('rejects what the loader rejects, against the right kind of file', () => {
    const physics = parseYaml(readFileSync(join(root, 'sim-configs/harmonic-drag.yaml'), 'utf8')) as Record<string, unknown>;
    const training = parseYaml(readFileSync(join(root, 'sim-configs/train-mlp-xor.yaml'), 'utf8')) as Record<string, unknown>;
    const sweep = parseYaml(readFileSync(join(root, 'sim-configs/sweeps/precision-bits.yaml'), 'utf8')) as Record<string, unknown>;
    expect(check({ ...physics, engine: 'warp-drive' })).toMatch(/engine/);
    expect(check({ ...physics, replicas: 0 })).toMatch(/replicas/);
    expect(check({ ...training, stores: [] })).toMatch(/stores/);
    expect(check({ ...training, engine: 'langevin' })).toMatch(/additional/);
    expect(check({ ...sweep, seeds: 'random' })).toMatch(/seeds/);
    expect(check({ ...sweep, grids: {} })).toMatch(/additional/);
    expect(check({ ...sweep, base: 3 })).toMatch(/base/);
    expect(check({ ...sweep, grid: { 'stores[1].bits': [] } })).toMatch(/grid/);
    expect(check({ ...sweep, grid: { 'stores[1].bits': 4 } })).toBe('valid'); // a single value is a one-point axis
  });
});

describe('limsim validate', () => {
  it('reports the kind of each shipped file', async () => {
    expect(validationLine(await validateFile(join(root, 'sim-configs/harmonic-drag.yaml')))).toBe('ok: physics (harmonic-drag)');
    expect((await validateFile(join(root, 'sim-configs/train-mlp-xor.yaml'))).kind).toBe('training');
    expect(await validateFile(join(root, 'sim-configs/sweeps/precision-bits.yaml'))).toEqual({ kind: 'sweep', name: 'precision-bits', points: 7 });
  });

  it('runs the checks beyond the schema: an unstable dt passes the JSON Schema but not validate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limsim-validate-'));
    const file = join(dir, 'stiff.yaml');
    const text = readFileSync(join(root, 'sim-configs/harmonic-drag.yaml'), 'utf8').replace('stiffness: 4', 'stiffness: 4000');
    writeFileSync(file, text);
    expect(check(parseYaml(text))).toBe('valid');
    await expect(validateFile(file)).rejects.toThrow(ConfigError);
    await expect(validateFile(file)).rejects.toThrow(/time\.dt/);
  });

  it('a grid value that breaks a point is named by the sweep check', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limsim-validate-'));
    const file = join(dir, 'sweep.yaml');
    writeFileSync(file, `base: ${join(root, 'sim-configs/harmonic-drag.yaml')}\ngrid:\n  replicas: [100, -1]\n`);
    await expect(validateFile(file)).rejects.toThrow(/replicas/);
  });

  it('through the CLI: exit 0 with ok, exit 2 with one line naming the field', () => {
    const ok = limsim('validate', 'sim-configs/train-side-by-side.yaml');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('ok: training (train-side-by-side)\n');
    const dir = mkdtempSync(join(tmpdir(), 'limsim-validate-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\ntime: { duration: 1, dt: 0.001 }\npotential: { kind: double-well, barrierHeight: -4 }\n');
    const bad = limsim('validate', file);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^error: potential\.barrierHeight/);
  });
});
