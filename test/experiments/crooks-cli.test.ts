import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli.js';

/** `limsim crooks`: files, verdict line and exit codes (0 holds, 2 bad input, nothing written). */
async function crooks(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await main(['node', 'limsim', 'crooks', ...args]);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('limsim crooks', () => {
  it('barrier raise: writes crooks.json, crooks-work.csv, crooks.svg; verdict holds; exit 0', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'limsim-crooks-')), 'out');
    const { code, out } = await crooks(['sim-configs/barrier-raise.yaml', '--replicas', '600', '--out', dir]);
    expect(code).toBe(0);
    expect(out).toMatch(/verdict: BAR equals Delta F within 4 SE/);
    const summary = JSON.parse(readFileSync(join(dir, 'crooks.json'), 'utf8'));
    expect(summary.verdict).toBe('holds');
    expect(Math.abs(summary.bennettFreeEnergy.mean - summary.freeEnergyChange)).toBeLessThan(4 * summary.bennettFreeEnergy.se);
    const csv = readFileSync(join(dir, 'crooks-work.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('work_kT,forward_density,reverse_density_at_minus_W,log_ratio,W_minus_deltaF');
    expect(csv.length).toBe(1 + 40); // a header and record.histogramBins (default 40) rows
    expect(readFileSync(join(dir, 'crooks.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('a start out of equilibrium is bad input: exit 2, one line naming initial.kind, nothing written', async () => {
    const base = mkdtempSync(join(tmpdir(), 'limsim-crooks-bad-'));
    const config = join(base, 'fixed.yaml');
    writeFileSync(
      config,
      'name: fixed\nengine: langevin\nreplicas: 10\ntime: { duration: 1, dt: 0.001 }\npotential: { kind: double-well, barrierHeight: 4 }\ninitial: { kind: fixed, x: -1 }\n',
    );
    const dir = join(base, 'out');
    const { code, err } = await crooks([config, '--out', dir]);
    expect(code).toBe(2);
    expect(err).toMatch(/^error: initial\.kind: .*boltzmann/);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(existsSync(dir)).toBe(false);
  });
});
