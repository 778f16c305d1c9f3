/**
 * Writes, locks, names and the expression sandbox (issue 14): what the corpus
 * cannot show with one bad input each.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { evaluate as sharedEvaluate } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { ConfigError } from '../../src/errors.js';
import { physicsCost, checkBudget, MEMORY_HEADROOM } from '../../src/experiments/cost.js';
import { compileSchedule } from '../../src/physics/schedules.js';
import { checkOutputFile, checkOutputFolder, checkSafeName, fileSystemError, LOCK_FILE, lockFolder, pathInside, removeStaleTemps, writeFileAtomic } from '../../src/report/files.js';
import { physicsConfigSchema } from '../../src/experiments/schema.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'limsim-files-'));

/** The pid of a process that has exited (a killed writer). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

async function cli(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  const previous = process.cwd();
  const stderr: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.chdir(cwd);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => (stderr.push(String(c)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(['node', 'limsim', ...args]), stderr: stderr.join('') };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.chdir(previous);
  }
}

const smallRun = (extra = '') => `name: small
replicas: 100
time: { duration: 0.2, dt: 0.001 }
potential: { kind: double-well, barrierHeight: 4${extra} }
`;

describe('names and paths', () => {
  it('accepts [A-Za-z0-9._-] names and refuses traversal, separators, leading dots and long names', () => {
    for (const ok of ['erasure-speed', 'a.b_c-1', 'X']) expect(checkSafeName(ok, 'name')).toBe(ok);
    for (const bad of ['x/../../../../elsewhere', '../x', '.hidden', 'a b', 'a\\b', '', 'é', 'n'.repeat(101)]) {
      expect(() => checkSafeName(bad, 'name'), bad).toThrow(ConfigError);
    }
  });

  it('keeps joined paths inside the folder', () => {
    const dir = fresh();
    expect(pathInside(dir, 'summary.json')).toBe(join(dir, 'summary.json'));
    expect(() => pathInside(dir, '../outside.json')).toThrow(/outside the output folder/);
    expect(() => pathInside(dir, '/etc/passwd')).toThrow(/outside the output folder/);
  });
});

describe('file-system errors', () => {
  it('map every errno to one line naming the path, without the raw errno text', () => {
    for (const code of ['EACCES', 'EEXIST', 'EISDIR', 'ENOTDIR', 'ENOSPC', 'EROFS', 'EWEIRD']) {
      const err = Object.assign(new Error(`${code}: something, open '/x/y'`), { code, path: '/x/y' });
      const mapped = fileSystemError(err);
      expect(mapped).toBeInstanceOf(ConfigError);
      expect(mapped!.message).toMatch(/^\/x\/y: [^\n]+$/);
      expect(mapped!.message).not.toContain('open ');
    }
    expect(fileSystemError(new Error('not a file-system error'))).toBeNull();
  });

  it('checks output paths before any work: a file as a folder, a folder as a file, a path through a file, /proc', () => {
    const dir = fresh();
    const file = join(dir, 'f');
    writeFileSync(file, '');
    expect(() => checkOutputFolder(file)).toThrow(/exists and is a file/);
    expect(() => checkOutputFolder(join(file, 'sub'))).toThrow(/is a file, not a folder/);
    expect(() => checkOutputFolder('/proc/x')).toThrow(/inside \/proc/);
    expect(() => checkOutputFile(dir)).toThrow(/is a folder/);
    expect(checkOutputFolder(join(dir, 'new', 'deeper'))).toBe(join(dir, 'new', 'deeper'));
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });
});

describe('atomic writes', () => {
  it('writes through a hidden temp file and leaves no temp behind', () => {
    const dir = fresh();
    writeFileAtomic(join(dir, 'a.csv'), 'x,y\n1,2\n');
    expect(readFileSync(join(dir, 'a.csv'), 'utf8')).toBe('x,y\n1,2\n');
    expect(readdirSync(dir)).toEqual(['a.csv']);
  });

  it("removes a killed writer's temp files, and keeps a live writer's", () => {
    const dir = fresh();
    const dead = deadPid();
    writeFileSync(join(dir, `.timeseries.csv.${dead}.tmp`), 'half a file');
    writeFileSync(join(dir, `timeseries.csv.${dead}.tmp`), 'old-style temp');
    writeFileSync(join(dir, `.summary.json.${process.pid}.tmp`), 'being written');
    expect(removeStaleTemps(dir).sort()).toEqual([`.timeseries.csv.${dead}.tmp`, `timeseries.csv.${dead}.tmp`]);
    expect(readdirSync(dir)).toEqual([`.summary.json.${process.pid}.tmp`]);
  });

  it('a run into a folder with a stale temp file removes it', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'c.yaml'), smallRun());
    mkdirSync(join(dir, 'out'));
    const stale = join(dir, 'out', `.timeseries.csv.${deadPid()}.tmp`);
    writeFileSync(stale, 'x'.repeat(1000));
    const r = await cli(['run', 'c.yaml', '--out', 'out'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['heat-histogram.csv', 'summary.json', 'timeseries.csv', 'work-histogram.csv']);
  });
});

describe('folder locks', () => {
  it('a second writer is refused naming the holder; the lock is released after', () => {
    const dir = join(fresh(), 'run');
    const lock = lockFolder(dir, '--out', 'limsim run first');
    expect(() => lockFolder(dir, '--out', 'limsim run second')).toThrow(new RegExp(`locked by limsim run first \\(pid ${process.pid} on ${hostname()}`));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockFolder(dir).release();
  });

  it("takes over the stale lock of a dead pid (a killed sweep's folder resumes)", () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'then', command: 'limsim sweep killed' }));
    const lock = lockFolder(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('refuses a lock held on another host (its liveness cannot be checked here)', () => {
    const dir = fresh();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: 'now', command: 'limsim sweep' }));
    expect(() => lockFolder(dir)).toThrow(/pid 1 on elsewhere/);
  });
});

describe('the expression sandbox', () => {
  it('refuses allocating, looping and state-changing expressions before evaluating them', () => {
    for (const expr of ['size(zeros(100000, 100000))[1] * 0 + 8', 'sum(1:100000) * 0', "evaluate('8')", 't = 5', 'createUnit("furlong")', 'import({})', 'simplify("t")', 'derivative("t^2", "t")', 'parse("t")', 'compile("t")', 'ones(3)', 'range(1, 5)', 'matrix([1])', '5!', '{a: 1}', '"s"']) {
      expect(() => compileSchedule({ kind: 'expression', expr }, 'p'), expr).toThrow(ConfigError);
    }
    // The shared mathjs instance is untouched: no unit was created.
    expect(() => sharedEvaluate('5 furlong')).toThrow();
  });

  it('computes allowed expressions exactly and refuses non-finite values at the time they occur', () => {
    const s = compileSchedule({ kind: 'expression', expr: '8 * (1 - t / 10) + max(0, t - 5) ^ 2' }, 'p');
    expect(s(0)).toBe(8);
    expect(s(7)).toBeCloseTo(8 * 0.3 + 4, 12);
    const root = compileSchedule({ kind: 'expression', expr: 'sqrt(10 - t)' }, 'potential.tilt');
    expect(root(1)).toBe(3);
    expect(() => root(12)).toThrow(/potential\.tilt\.expr: .*gives NaN at t = 12/);
  });

  it('a schedule that turns NaN between the probe times stops the run mid-protocol: exit 2, nothing written', async () => {
    const dir = fresh();
    // NaN only for |t - 1.0001| < 2e-5: between the 2001 probe times, at step 10001 of dt = 1e-4.
    writeFileSync(join(dir, 'c.yaml'), `name: mid
replicas: 100
time: { duration: 2, dt: 0.0001 }
potential: { kind: double-well, barrierHeight: 4, tilt: { kind: expression, expr: "sqrt(abs(t - 1.0001) - 0.00002)" } }
`);
    const r = await cli(['run', 'c.yaml', '--out', 'out'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: potential\.tilt\.expr: .*gives NaN at t = 1\.0001/);
    expect(readdirSync(dir)).toEqual(['c.yaml']);
  });
});

describe('cost estimates', () => {
  const config = physicsConfigSchema.parse({ name: 'c', time: { duration: 4, dt: 0.001 }, potential: { kind: 'double-well', barrierHeight: 4 } });

  it('scale with replicas (memory) and replicas x steps (work)', () => {
    const a = physicsCost({ ...config, replicas: 1e6 });
    const b = physicsCost({ ...config, replicas: 2e6 });
    expect(b.work).toBe(2 * a.work);
    expect(a.work).toBe(1e6 * 4000);
    expect(b.bytes - a.bytes).toBe(1e6 * 96);
  });

  it('refuse more memory than the machine has, and long work unless allowed', () => {
    const huge = physicsCost({ ...config, replicas: 1e9 });
    expect(huge.bytes).toBeGreaterThan(totalmem() * MEMORY_HEADROOM);
    expect(() => checkBudget(huge, { allowLong: true })).toThrow(/GB of memory/);
    const long = physicsCost({ ...config, replicas: 1e7, time: { duration: 400, dt: 0.001 } });
    expect(long.bytes).toBeLessThan(totalmem() * MEMORY_HEADROOM);
    expect(() => checkBudget(long)).toThrow(/--allow-long/);
    expect(() => checkBudget(long, { allowLong: true })).not.toThrow();
  });

  it('--replicas 1000000000 is refused with the memory estimate in well under 2 s', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'c.yaml'), smallRun());
    const started = performance.now();
    const r = await cli(['run', 'c.yaml', '--replicas', '1000000000'], dir);
    const ms = performance.now() - started;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --replicas: got 1000000000; .*GB of memory/);
    expect(ms).toBeLessThan(2000);
    expect(readdirSync(dir)).toEqual(['c.yaml']);
  });
});
