/** Shared helpers for the sweep tests: a cheap config, the test CLI, file reads. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..', '..');
const driver = join(root, 'test', 'experiments', 'sweep-cli.ts');

/**
 * A harmonic trap dragged over a distance 2 in time tau: a few tens of ms per
 * point, so these tests measure the sweep machinery, not the engine.
 */
export function writeDragConfig(dir: string, replicas = 300): string {
  const path = join(dir, 'drag.yaml');
  writeFileSync(
    path,
    `name: drag-test
seed: 3
replicas: ${replicas}
time: { duration: 1, dt: 0.002 }
potential:
  kind: harmonic
  stiffness: 4
  centre: { kind: linear, from: 0, to: 2, end: 1 }
initial: { kind: boltzmann }
record: { points: 5 }
`,
  );
  return path;
}

/** The sweep/merge/compare/report commands as a user runs them (through tsx). */
export function limsimSweepCli(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', driver, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, LIMSIM_DEBUG: '' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

export function spawnSweepCli(...args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', driver, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
}

export const read = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

export function jsonlRows(dir: string): { index: number; key: string }[] {
  return read(join(dir, 'results.jsonl'))
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { index: number; key: string });
}

/** The row files of a sweep folder, byte for byte. */
export function rowFiles(dir: string): { csv: string; jsonl: string } {
  return { csv: read(join(dir, 'results.csv')), jsonl: read(join(dir, 'results.jsonl')) };
}
