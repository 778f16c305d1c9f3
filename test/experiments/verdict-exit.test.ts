import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Failed verdicts reach the exit code (README "Exit codes"): results written, verdict lines printed, exit 3. */
const root = resolve(__dirname, '../..');
function limsim(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LIMSIM_DEBUG: '' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
const folder = mkdtempSync(join(tmpdir(), 'limsim-verdict-'));

describe('verdicts in the exit code', () => {
  it('the 2-bit LIM store of the precision-bits sweep (reduced to 4 copies): exit 3, a verdict line naming the cause', () => {
    // sim-configs/sweeps/precision-bits.yaml at stores[*].bits = 2: the LIM store of train-side-by-side.yaml
    // (tiltGain 16, learning rate 0.05, 2 bits over [-2, 2]) against the float baseline.
    const file = join(folder, 'lim-2-bits.yaml');
    writeFileSync(
      file,
      `kind: training
name: lim-2-bits
seed: 1
dataset: { kind: linear-regression, samples: 200, features: 3, noiseStd: 0.5 }
model: { kind: linear-regression }
training: { copies: 4, updates: 200, updateInterval: 1, learningRate: 0.05, recordPoints: 41 }
stores:
  - kind: float
  - kind: lim
    bits: 2
    range: [-2, 2]
    tiltGain: 16
    barrier: { kind: learning-rate, learningRate: 0.05, mobility: exact }
    consolidation: { barrier: 40, duration: 2 }
comparison: { lossTolerance: 0.05 }
`,
    );
    const out = join(folder, 'out-2-bits');
    const { code, stdout, stderr } = limsim('run', file, '--out', out);
    expect(code, stderr).toBe(3);
    const verdicts = stdout.trim().split('\n').filter((l) => l.startsWith('verdict:'));
    expect(verdicts.length).toBe(1);
    expect(verdicts[0]).toMatch(/FAILED store lim: final loss/);
    // step kappa Delta = (4/3) 16 = 21.3 against 2 / lambda_max of the loss.
    expect(verdicts[0]).toMatch(/sliding learning rate step kappa Delta = 21\.33\d* above 2 \/ lambda_max/);
    expect(verdicts[0]).toMatch(/thermal floor N step \/ \(2 kappa\) = 0\.1666/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.verdict.ok).toBe(false);
    expect(summary.verdict.failures).toHaveLength(1);
    expect(summary.verdict.failures[0].cause).toMatch(/sliding learning rate/);
  }, 60000);

  it('a physics run whose verdicts hold exits 0 and says so; --help documents the codes', () => {
    const out = join(folder, 'out-ok');
    const { code, stdout, stderr } = limsim('run', 'sim-configs/two-state-master-equation.yaml', '--out', out);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/verdict: ok/);
    const help = limsim('run', '--help');
    expect(help.stdout).toMatch(/Exit codes:/);
    expect(help.stdout).toMatch(/3 +ran and wrote its results, but a verdict failed/);
  }, 60000);

  it('a diverged training exits 3 with a verdict line: overflowing (lr 5) and non-finite (lr 50) gradient descent', () => {
    for (const [rate, pattern] of [
      [5, /verdict: FAILED float baseline: diverged: final loss .* above the initial loss .*2 \/ lambda_max/],
      [50, /verdict: FAILED training: diverged: /],
    ] as const) {
      const file = join(folder, `diverge-${rate}.yaml`);
      writeFileSync(
        file,
        `kind: training
name: diverge
seed: 1
dataset: { kind: linear-regression, samples: 50, features: 2, noiseStd: 0.3 }
model: { kind: linear-regression }
training: { copies: 2, updates: 200, learningRate: ${rate} }
stores:
  - kind: float
`,
      );
      const out = join(folder, `out-diverge-${rate}`);
      const { code, stdout, stderr } = limsim('run', file, '--out', out);
      expect(code, stderr).toBe(3);
      expect(stdout).toMatch(pattern);
      expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).verdict.ok).toBe(false);
    }
  }, 60000);
});
