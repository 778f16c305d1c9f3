import { appendFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadSweepSpec, mergeSweeps, planSweep, runSweep } from '../../src/experiments/sweep.js';
import type { ProgressSink } from '../../src/experiments/sweep/progress.js';
import { runSweepCommand, type SweepFlags } from '../../src/commands/sweep.js';
import { jsonlRows, limsimSweepCli, read, rowFiles, spawnSweepCli, writeDragConfig } from './sweep-helpers.js';

/**
 * The sweep machinery: rows do not depend on the worker count, shards merge
 * into the unsharded files, a SIGKILLed sweep resumes with no lost and no
 * duplicated row, and bad input exits 2 without touching finished rows.
 */
const quiet: ProgressSink = { start() {}, pointDone() {}, stop() {} };
const dir = mkdtempSync(join(tmpdir(), 'limsim-sweep-'));
const config = writeDragConfig(dir);
const grid = ['time.duration=0.5,1,2', 'seed=1,2'];
const plan = () => planSweep(loadSweepSpec(config, { grid }));

describe('sweep: determinism, shards, merge', () => {
  const runs = (async () => {
    const one = await runSweep(plan(), { out: join(dir, 'w1'), workers: 1, progress: quiet });
    const two = await runSweep(plan(), { out: join(dir, 'w2'), workers: 2, progress: quiet });
    const shard1 = await runSweep(plan(), { out: join(dir, 's1'), workers: 2, shard: { index: 1, count: 2 }, progress: quiet });
    const shard2 = await runSweep(plan(), { out: join(dir, 's2'), workers: 1, shard: { index: 2, count: 2 }, progress: quiet });
    return { one, two, shard1, shard2 };
  })();

  it('1 worker and 2 workers give byte-identical results.csv and results.jsonl, sorted by point index', async () => {
    const { one } = await runs;
    expect(one.rows.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rowFiles(join(dir, 'w2'))).toEqual(rowFiles(join(dir, 'w1')));
    const csv = read(join(dir, 'w1', 'results.csv')).trim().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0].startsWith('index,key,time_duration,seed,duration,dt,steps,replicas,engine,temperature_K,kT_J,work_kT_mean,work_kT_se,heat_kT_mean,heat_kT_se,')).toBe(true);
    // The row carries the physics: heat per point with its SE, and the bounds.
    const slow = one.rows[5];
    expect(slow.params).toEqual({ 'time.duration': 2, seed: 2 });
    expect(slow.metrics.duration).toBe(2);
    expect(slow.metrics['heat.se']).toBeGreaterThan(0);
    expect(slow.bounds.map((b) => b.name)).toContain('second-law');
  });

  it('shard i/n runs the points with index % n == i - 1, and merged shards equal the unsharded run', async () => {
    const { shard1, shard2 } = await runs;
    expect(shard1.rows.map((r) => r.index)).toEqual([0, 2, 4]);
    expect(shard2.rows.map((r) => r.index)).toEqual([1, 3, 5]);
    const merged = mergeSweeps([join(dir, 's2'), join(dir, 's1')], join(dir, 'merged'));
    expect(merged.missing).toEqual([]);
    expect(merged.manifest.status).toBe('complete');
    expect(rowFiles(join(dir, 'merged'))).toEqual(rowFiles(join(dir, 'w1')));
  });

  it('merge refuses a folder (or a results file) of another sweep, exit 2, and writes nothing', async () => {
    await runs;
    const other = await runSweep(planSweep(loadSweepSpec(config, { grid: ['time.duration=0.5', 'seed=1,2'] })), {
      out: join(dir, 'other'),
      workers: 1,
      progress: quiet,
    });
    expect(other.sweepId).not.toBe((await runs).one.sweepId);
    const out = join(dir, 'merge-refused');
    const res = limsimSweepCli('merge', join(dir, 's1'), join(dir, 'other', 'results.jsonl'), '--out', out);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: .*other.*is from sweep [0-9a-f]{16}.*not sweep [0-9a-f]{16}.*refusing to merge/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(read(join(out, 'results.csv'))).toBe('');
    // A row of another sweep pasted into a shard's results.jsonl is caught too.
    const tampered = join(dir, 'tampered');
    cpSync(join(dir, 's1'), tampered, { recursive: true });
    appendFileSync(join(tampered, 'results.jsonl'), readFileSync(join(dir, 'other', 'results.jsonl'), 'utf8').split('\n')[0] + '\n');
    expect(() => mergeSweeps([join(dir, 's2'), tampered], join(dir, 'merge-tampered'))).toThrow(ConfigError);
  });
});

describe('sweep: kill and resume', () => {
  it('a sweep killed with SIGKILL mid-run resumes with no lost and no duplicated row', async () => {
    const killDir = mkdtempSync(join(tmpdir(), 'limsim-kill-'));
    // Slower points (2000 replicas) so the kill lands mid-sweep.
    const slowConfig = writeDragConfig(killDir, 2000);
    const killGrid = ['time.duration=1,1.5,2,2.5', 'seed=1,2,3'];
    const out = join(killDir, 'killed');
    const child = spawnSweepCli('sweep', slowConfig, ...killGrid.flatMap((g) => ['--grid', g]), '--workers', '1', '--out', out, '--no-report', '--quiet');
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Kill as soon as 3 rows are on disk.
    for (let waited = 0; jsonlRows(out).length < 3; waited += 20) {
      if (waited > 100_000) throw new Error(`the sweep did not get going: ${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const before = jsonlRows(out);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(12);

    // A write cut short leaves a partial line: resume must drop it.
    appendFileSync(join(out, 'results.jsonl'), '{"sweep":"abc","index":7,"ke');
    // Resume through the command layer (in this process, so its worker threads are reused).
    let stdout = '';
    await runSweepCommand(slowConfig, { grid: killGrid, set: [], workers: 2, out, resume: true, report: false, quiet: true }, (t) => (stdout += t));
    expect(stdout).toMatch(new RegExp(`${12 - before.length} point\\(s\\) run, ${before.length} already finished`));
    const after = jsonlRows(out);
    expect(after.map((r) => r.index)).toEqual([...Array(12).keys()]);
    expect(new Set(after.map((r) => r.key)).size).toBe(12);

    // Identical to a sweep that was never interrupted.
    const reference = await runSweep(planSweep(loadSweepSpec(slowConfig, { grid: killGrid })), { out: join(killDir, 'reference'), workers: 2, progress: quiet });
    expect(reference.rows).toHaveLength(12);
    expect(rowFiles(out)).toEqual(rowFiles(join(killDir, 'reference')));
  });
});

describe('sweep: bad input exits 2 and touches no finished row', () => {
  const finished = join(dir, 'finished');
  const ready = runSweep(plan(), { out: finished, workers: 1, progress: quiet });
  const snapshot = () => ({ ...rowFiles(finished), manifest: read(join(finished, 'sweep.json')) });
  const flags = (args: Partial<SweepFlags>): SweepFlags => ({ grid: [], set: [], report: false, quiet: true, out: finished, ...args });
  const cases: { what: string; flags: Partial<SweepFlags>; path: string; expected: RegExp }[] = [
    { what: 'a grid key that is not in the schema', flags: { grid: ['time.durationx=1,2'] }, path: 'time.durationx', expected: /value 1 .*time\.durationx: is not a known field; did you mean "duration"/ },
    { what: 'a value of the wrong type', flags: { grid: ['replicas=100,lots'] }, path: 'replicas', expected: /value "lots" .*expected/ },
    { what: 'a value out of range', flags: { grid: ['time.duration=1,-2'] }, path: 'time.duration', expected: /value -2 / },
    { what: 'a path through a number', flags: { grid: ['time.duration.x=1'] }, path: 'time.duration.x', expected: /not a mapping/ },
    { what: 'shard 3/2', flags: { grid, shard: '3/2' }, path: '--shard', expected: /got "3\/2"; expected i\/n with 1 <= i <= n/ },
    { what: 'another sweep resumed into a finished folder', flags: { grid: ['time.duration=3,4'], resume: true }, path: '--out', expected: /holds sweep [0-9a-f]{16}.*not this sweep/ },
    { what: 'a finished folder without --resume', flags: { grid }, path: '--out', expected: /already holds sweep results; pass --resume/ },
    { what: 'the same sweep resumed as a shard', flags: { grid, shard: '1/2', resume: true }, path: '--shard', expected: /holds the whole sweep; this run asks for shard 1\/2/ },
  ];

  it.each(cases)('$what: a ConfigError naming $path', async ({ flags: f, path, expected }) => {
    await ready;
    const before = snapshot();
    const error = await runSweepCommand(config, flags(f), () => {}).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).path).toBe(path);
    expect((error as ConfigError).message).toMatch(expected);
    expect(snapshot()).toEqual(before);
  });

  it('through the command line: exit 2, one line naming the key, no stack trace, no row touched', async () => {
    await ready;
    const before = snapshot();
    const res = limsimSweepCli('sweep', config, '--grid', 'time.durationx=1,2', '--out', finished, '--no-report', '--quiet');
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^error: time\.durationx: value 1 .*not a known field; did you mean "duration"/);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stdout).toBe('');
    expect(snapshot()).toEqual(before);
  });

  it('a damaged row in the middle of results.jsonl is an error on resume, not silently dropped', async () => {
    await ready;
    const damaged = join(dir, 'damaged');
    await runSweep(plan(), { out: damaged, workers: 1, shard: { index: 1, count: 3 }, progress: quiet });
    const lines = read(join(damaged, 'results.jsonl')).split('\n');
    lines[0] = lines[0].slice(0, 20);
    writeFileSync(join(damaged, 'results.jsonl'), lines.join('\n'));
    await expect(runSweep(plan(), { out: damaged, workers: 1, shard: { index: 1, count: 3 }, resume: true, progress: quiet })).rejects.toThrow(/results\.jsonl:1: is not a JSON row/);
  });
});
