import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** Run the CLI as a user would, through tsx. */
export function limsim(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LIMSIM_DEBUG: '' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const base = `name: bad
time: { duration: 1, dt: 0.001 }
potential: { kind: double-well, barrierHeight: 4 }
`;

const cases: { what: string; config: string; path: string; expected: RegExp }[] = [
  { what: 'negative temperature', config: `${base}units: { temperature: -5 }\n`, path: 'units.temperature', expected: /> 0.*-5/ },
  { what: 'unknown potential kind', config: base.replace('double-well', 'triple-well'), path: 'potential.kind', expected: /"double-well".*triple-well/ },
  {
    what: 'an expression that does not parse',
    config: base.replace('barrierHeight: 4', 'barrierHeight: { kind: expression, expr: "4 * (1 - t" }'),
    path: 'potential.barrierHeight.expr',
    expected: /does not parse/,
  },
  {
    what: 'an expression with an unknown symbol',
    config: base.replace('barrierHeight: 4', 'barrierHeight: { kind: expression, expr: "4 * q" }'),
    path: 'potential.barrierHeight.expr',
    expected: /unknown symbol.*q/,
  },
  { what: 'dt <= 0', config: base.replace('dt: 0.001', 'dt: 0'), path: 'time.dt', expected: /> 0.*got 0/ },
  {
    what: 'a barrier schedule that goes negative',
    config: base.replace('barrierHeight: 4', 'barrierHeight: { kind: linear, from: 4, to: -1, end: 1 }'),
    path: 'potential.barrierHeight',
    expected: /-1 at t = 1.*expected > 0/,
  },
  {
    what: 'bit probabilities that do not fit the potential',
    config: `${base}initial: { kind: bits, probabilities: [0.2, 0.3, 0.5] }\n`,
    path: 'initial.probabilities',
    expected: /3 entries.*\(2\)/,
  },
  {
    what: 'an engine that cannot run the potential',
    config: 'name: bad\nengine: monte-carlo\ntime: { duration: 1, dt: 0.01 }\npotential: { kind: harmonic, stiffness: 2 }\n',
    path: 'engine',
    expected: /monte-carlo engine needs a potential with memory states/,
  },
  {
    what: 'a state space too large for the master equation',
    config: 'name: bad\nengine: master-equation\ntime: { duration: 1, dt: 0.1 }\npotential: { kind: washboard, barrierHeight: 5, levels: 5000 }\n',
    path: 'potential.levels',
    expected: /5000 states exceed the master-equation limit of 4096/,
  },
  {
    what: 'a Fokker-Planck grid too coarse for the potential',
    config: `${base.replace('name: bad', 'name: bad\nengine: fokker-planck\nfokkerPlanck: { cells: 20 }')}`,
    path: 'fokkerPlanck.cells',
    expected: /too coarse.*Use at least \d+ cells/,
  },
];

describe('limsim run: bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limsim-bad-'));
  it.each(cases)('$what: exit 2, names $path, no stack trace, writes nothing', ({ config, path, expected }) => {
    const file = join(dir, `${path}.yaml`);
    writeFileSync(file, config);
    const out = join(dir, `out-${path}`);
    const { code, stderr, stdout } = limsim('run', file, '--out', out);
    expect(code).toBe(2);
    expect(stderr).toContain(`error: ${path}:`);
    expect(stderr).toMatch(expected);
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('a missing config file and a bad flag also exit 2', () => {
    expect(limsim('run', join(dir, 'nope.yaml')).code).toBe(2);
    const flag = limsim('run', 'sim-configs/harmonic-drag.yaml', '--replicas', 'many');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--replicas');
  });
});

describe('limsim run: output', () => {
  it('writes summary.json with provenance, timeseries.csv and histograms, and prints JSON with --json', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'limsim-run-')), 'drag');
    const { code, stdout } = limsim('run', 'sim-configs/harmonic-drag.yaml', '--replicas', '200', '--seed', '4', '--out', out, '--json');
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(printed.results).toEqual(summary.results);
    expect(summary.provenance).toMatchObject({ seed: 4, replicas: 200, engine: 'langevin', tool: 'limsim' });
    expect(summary.provenance.configSha256).toMatch(/^[0-9a-f]{64}$/);
    const csv = readFileSync(join(out, 'timeseries.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('time,work_kT_mean,heat_kT_mean,energy_kT_mean,stiffness,centre,tilt');
    expect(csv).toHaveLength(1 + 41);
    expect(existsSync(join(out, 'work-histogram.csv'))).toBe(true);
  });
});
