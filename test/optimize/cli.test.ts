import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';
import { loadAnyConfig } from '../../src/experiments/dispatch.js';

const root = join(import.meta.dirname, '..', '..');

/** Run the CLI as a user would, through tsx. */
function limsim(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LIMSIM_DEBUG: '' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** The same main() in-process (fast, for the bad-input cases): exit code and what went to stderr. */
async function limsimInProcess(...args: string[]) {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'limsim', ...args]);
    return { code, stderr };
  } finally {
    spy.mockRestore();
  }
}

const small = `name: small-trap
engine: fokker-planck
replicas: 400
time: { duration: 0.5, dt: 0.01 }
potential: { kind: harmonic, stiffness: 2, centre: { kind: linear, from: 0, to: 1, end: 0.5 } }
`;

describe('limsim optimize on the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limsim-optimize-'));
  const config = join(dir, 'small.yaml');
  writeFileSync(config, small);

  it('--json prints objective, starting objective, iterations and the optimized config, which `limsim run` accepts as it is', () => {
    const out = join(dir, 'out');
    const run = limsim('optimize', config, '--vary', 'potential.centre', '--knots', '1', '--max-iterations', '20', '--langevin-replicas', '400', '--out', out, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.objective).toBeLessThan(summary.startObjective);
    expect(summary.iterations).toBeGreaterThan(0);
    expect(summary.converged).toBe(true);
    expect(summary.stopReason).toMatch(/^converged: /);
    expect(summary.optimizedConfig).toBe(join(out, 'optimized.yaml'));
    for (const file of ['optimized.yaml', 'iterations.csv', 'protocol-centre.svg', 'summary.json']) expect(existsSync(join(out, file))).toBe(true);
    expect(readFileSync(join(out, 'protocol-centre.svg'), 'utf8')).toMatch(/^<svg/);
    const loaded = loadAnyConfig(summary.optimizedConfig);
    expect(loaded.kind).toBe('physics');
    const rerun = limsim('run', summary.optimizedConfig, '--out', join(dir, 'rerun'), '--json');
    expect(rerun.code).toBe(0);
    expect(Math.abs(JSON.parse(rerun.stdout).results.work.mean - summary.optimizedFokkerPlanck.work.mean)).toBeLessThan(1e-12);
    // iterations.csv: the objective per iteration, non-increasing merit without constraints.
    const rows = readFileSync(join(out, 'iterations.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[2]));
    for (let i = 1; i < rows.length; i++) expect(rows[i]).toBeLessThanOrEqual(rows[i - 1]);
  });

  it('a run that stops on the iteration limit says so: converged false, the reason, and a WARNING line on stderr', async () => {
    const out = join(dir, 'limit');
    let stdout = '';
    let stderr = '';
    const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    let code: number;
    try {
      code = await main(['node', 'limsim', 'optimize', config, '--vary', 'potential.centre', '--knots', '3', '--max-iterations', '1', '--langevin-replicas', '0', '--out', out, '--json']);
    } finally {
      spyOut.mockRestore();
      spyErr.mockRestore();
    }
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.converged).toBe(false);
    expect(summary.stopReason).toMatch(/^NOT converged: iteration limit \(1 L-BFGS iterations; projected gradient/);
    expect(summary.projectedGradient).toBeGreaterThan(summary.tolerances.gradient);
    expect(stderr).toMatch(/^WARNING: limsim optimize did NOT converge \(NOT converged: iteration limit/);
  });

  const bad: [string[], RegExp][] = [
    [['--vary', 'potential.bogus'], /--vary: .*can vary stiffness, centre, tilt/],
    [['--vary', 'potential.centre', '--objective', 'entropy'], /--objective: got "entropy"/],
    [['--vary', 'potential.centre', '--constraint', 'tilt<<3'], /--constraint: got "tilt<<3"/],
    [['--vary', 'potential.centre', '--constraint', 'finalError<=0.01'], /--constraint: finalError needs a potential with memory states/],
    [['--vary', 'potential.centre', '--constraint', 'barrier>=1'], /--constraint: bounds "barrierHeight", which no --vary field is/],
    [[], /--vary: missing/],
    [['--vary', 'potential.centre', '--knots', '-1'], /--knots/],
  ];
  for (const [args, message] of bad) {
    it(`bad input ${args.join(' ') || '(no --vary)'}: one line, exit 2, nothing written`, async () => {
      const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
      const run = await limsimInProcess('optimize', config, ...args, '--out', out);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }

  const discrete = join(dir, 'discrete.yaml');
  writeFileSync(
    discrete,
    `name: small-bit
engine: master-equation
replicas: 2000
time: { duration: 4, dt: 0.02 }
potential:
  kind: discrete
  attemptFrequency: 1
  energies: [0, { kind: table, points: [[0, 0], [2, 4], [4, 0]] }]
  barriers: [{ kind: table, points: [[0, 6], [1, 1], [3, 6], [4, 6]] }]
initial: { kind: bits, probabilities: [0.5, 0.5] }
`,
  );

  it('a discrete memory: the master-equation objective, a Monte-Carlo re-run, and an optimized config `limsim run` accepts', async () => {
    const out = join(dir, 'discrete-out');
    const run = limsim('optimize', discrete, '--vary', 'potential.energies[1]', '--vary', 'potential.barriers[0]', '--knots', '1', '--constraint', 'barriers>=1', '--constraint', 'finalError<=start', '--out', out, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.engine).toBe('master-equation');
    expect(summary.optimizationGrid).toBeNull();
    expect(summary.converged).toBe(true);
    expect(summary.objective).toBeLessThan(summary.startObjective);
    expect(summary.monteCarlo.engine).toBe('monte-carlo');
    expect(Math.abs(summary.monteCarlo.zAgainstEngine)).toBeLessThan(4);
    for (const file of ['optimized.yaml', 'iterations.csv', 'protocol-energies-1.svg', 'protocol-barriers-0.svg', 'summary.json']) expect(existsSync(join(out, file))).toBe(true);
    const rerun = limsim('run', summary.optimizedConfig, '--out', join(dir, 'discrete-rerun'), '--json');
    expect(rerun.code).toBe(0);
    expect(Math.abs(JSON.parse(rerun.stdout).results.work.mean - summary.objective)).toBeLessThan(1e-12);
  });

  it('without a finalError constraint, an optimum that stops erasing is flagged: a WARNING line and `warnings` in --json', async () => {
    // The least work of an erasure with a free end state is not to erase (W -> 0, error -> 1/2).
    const out = join(dir, 'discrete-free');
    const run = limsim('optimize', discrete, '--vary', 'potential.energies[1]', '--vary', 'potential.barriers[0]', '--knots', '1', '--constraint', 'barriers>=1', '--out', out, '--json');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.finalError).toBeGreaterThan(2 * summary.startFinalError);
    expect(run.stderr).toMatch(/^WARNING: the optimized protocol no longer does the starting protocol's operation: final error 1 - p_0\(tau\) = 0\.5/);
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toContain("--constraint 'finalError<=start'");
  });

  for (const [args, message] of [
    [['--vary', 'potential.attemptFrequency'], /--vary: got "potential.attemptFrequency"; a discrete potential can vary energies\[i\], barriers\[i\]/],
    [['--vary', 'potential.energies[2]'], /--vary: got "potential.energies\[2\]"; the discrete memory has 2 energies/],
    [['--vary', 'potential.energies[1]', '--constraint', 'barriers>=1'], /--constraint: bounds "barriers", which no --vary field is/],
    [['--vary', 'potential.energies[1]', '--cells', '300'], /--cells: got 300; it sets the Fokker-Planck grid/],
  ] as [string[], RegExp][]) {
    it(`discrete bad input ${args.join(' ')}: one line, exit 2, nothing written`, async () => {
      const out = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
      const run = await limsimInProcess('optimize', discrete, ...args, '--out', out);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    });
  }
});
