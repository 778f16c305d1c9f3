/**
 * The bad-input corpus (issue 14): hundreds of inputs a new user or a careless
 * script would try, generated from tables (mutations of every shipped config
 * and sweep file, bad flags per verb, bad paths). Each must end with exit
 * code 2, exactly one stderr line that names the field or path, no stack
 * trace, nothing written, in under 10 s. They run in-process (main() from
 * src/cli.ts, in a temp working folder, stdout/stderr captured); a handful
 * go through the real CLI as a child process. The counts by outcome are
 * printed at the end.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'limsim-corpus-'));
const inputs = join(work, 'inputs');
mkdirSync(inputs);

type Data = Record<string, unknown>;
interface Case {
  what: string;
  args: string[];
  /** Text the one stderr line must contain (a field path or a file path). */
  names: string;
  /** Run the real CLI in a child process. */
  spawn?: boolean;
}

const cases: Case[] = [];
let fileCount = 0;
/** Write an input file (outside what the checks watch) and return its path. */
function input(name: string, text: string | Buffer): string {
  const path = join(inputs, `${fileCount++}-${name}`);
  writeFileSync(path, text);
  return path;
}
const clone = <T>(v: T): T => structuredClone(v);
function set(data: Data, path: string, value: unknown): Data {
  const out = clone(data);
  const keys = path.split('.');
  let node = out as Data;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Data;
  node[keys[keys.length - 1]] = value;
  return out;
}
function rename(data: Data, from: string, to: string): Data {
  const out: Data = {};
  for (const [k, v] of Object.entries(data)) out[k === from ? to : k] = v;
  return out;
}

// ---------------------------------------------------------------------------
// 1. Mutations of every shipped run and training config.
const configFiles = readdirSync(join(root, 'sim-configs')).filter((f) => f.endsWith('.yaml'));
for (const file of configFiles) {
  const data = parseYaml(readFileSync(join(root, 'sim-configs', file), 'utf8')) as Data;
  const training = data.kind === 'training';
  const stem = basename(file, '.yaml');
  const add = (what: string, mutated: unknown, names: string) =>
    cases.push({ what: `${stem}: ${what}`, args: ['run', input(`${stem}.json`, JSON.stringify(mutated))], names });
  add('an unknown top-level field', { ...data, bogusField: 1 }, 'bogusField');
  add('a typo in "name"', rename(data, 'name', 'nmae'), 'did you mean "name"');
  if ('seed' in data) add('a typo in "seed"', rename(data, 'seed', 'sede'), 'did you mean "seed"');
  add('name with ../', set(data, 'name', '../escape'), 'name');
  add('name with a slash', set(data, 'name', 'x/../../../../elsewhere'), 'name');
  add('name with a leading dot', set(data, 'name', '.hidden'), 'name');
  add('name of 300 characters', set(data, 'name', 'x'.repeat(300)), 'name');
  add('name empty', set(data, 'name', ''), 'name');
  add('name a number', set(data, 'name', 5), 'name');
  add('seed -1', set(data, 'seed', -1), 'seed');
  add('seed 1.5', set(data, 'seed', 1.5), 'seed');
  add('seed 2^53 + 1 (not a safe integer)', set(data, 'seed', 2 ** 53 + 2), 'seed');
  add('seed a string', set(data, 'seed', 'abc'), 'seed');
  add('kind unknown', set(data, 'kind', 'bogus'), 'kind');
  add('description a number', set(data, 'description', 5), 'description');
  cases.push({ what: `${stem}: a list at the top level`, args: ['run', input(`${stem}.json`, '[1, 2]')], names: 'config' });
  cases.push({ what: `${stem}: truncated JSON`, args: ['run', input(`${stem}.json`, JSON.stringify(data).slice(0, 40))], names: 'config' });
  if (!training) {
    const duration = (data.time as Data).duration as number;
    add('replicas 0', set(data, 'replicas', 0), 'replicas');
    add('replicas 1e12', set(data, 'replicas', 1e12), 'replicas');
    add('replicas 2.5', set(data, 'replicas', 2.5), 'replicas');
    add('workers 0', set(data, 'workers', 0), 'workers');
    add('workers 65 (over the limit)', set(data, 'workers', 65), 'workers');
    add('time.dt 0', set(data, 'time.dt', 0), 'time.dt');
    add('time.dt negative', set(data, 'time.dt', -1), 'time.dt');
    add('time.dt > duration', set(data, 'time.dt', duration * 2), 'time.dt');
    add('time.duration a string', set(data, 'time.duration', 'long'), 'time.duration');
    add('time.duration Infinity (as a string)', set(data, 'time.duration', 'Infinity'), 'time.duration');
    add('a typo in time.duration', { ...data, time: rename(data.time as Data, 'duration', 'durashun') }, 'did you mean "duration"');
    add('engine unknown', set(data, 'engine', 'warp-drive'), 'engine');
    add('integrator unknown', set(data, 'integrator', 'rk4'), 'integrator');
    add('record.points 1', set(data, 'record.points', 1), 'record.points');
    add('record.histogramBins 10^6', set(data, 'record.histogramBins', 1e6), 'record.histogramBins');
    add('units.temperature negative', set(data, 'units.temperature', -5), 'units.temperature');
    add('potential.kind unknown', set(data, 'potential.kind', 'triple-well'), 'potential.kind');
    add('potential missing', { ...data, potential: undefined }, 'potential');
    add('friction 0', set(data, 'friction', 0), 'friction');
    const potential = data.potential as Data;
    const key = ['barrierHeight', 'tilt', 'stiffness'].find((k) => k in potential);
    if (key) {
      const expr = (e: string) => set(data, `potential.${key}`, { kind: 'expression', expr: e });
      const field = `potential.${key}.expr`;
      add('an allocating expression', expr('size(zeros(100000, 100000))[1] * 0 + 8'), field);
      add('a range expression', expr('sum(1:100000) * 0 + 2'), field);
      add('evaluate() in an expression', expr("evaluate('8')"), field);
      add('an assignment in an expression', expr('t = 5'), field);
      add('createUnit in an expression', expr('createUnit("furlong") * 0 + 1'), field);
      add('import in an expression', expr('import({a: 1}) * 0 + 1'), field);
      add('a function definition in an expression', expr('f(x) = 1'), field);
      add('a string in an expression', expr('"abc"'), field);
      add('a matrix in an expression', expr('[1, 2]'), field);
      add('an unknown symbol in an expression', expr('4 * q'), field);
      add('an expression that does not parse', expr('4 * (1 - t'), field);
      add('an expression that turns NaN mid-protocol', expr(`sqrt(${duration / 2} - t) + 1`), field);
      add('an expression that is infinite', expr('1 / 0'), field);
      add('an expression of 5000 characters', expr(Array(1000).fill('t+1').join('+')), field);
    }
  } else {
    add('training.updates 0', set(data, 'training.updates', 0), 'training.updates');
    add('training.copies 0', set(data, 'training.copies', 0), 'training.copies');
    add('training.copies 1e9', set(data, 'training.copies', 1e9), 'training.copies');
    add('no stores', set(data, 'stores', []), 'stores');
    add('a store of unknown kind', set(data, 'stores', [{ kind: 'quantum' }]), 'stores[0]');
    add('dataset of unknown kind', set(data, 'dataset.kind', 'imagenet'), 'dataset.kind');
    add('an unknown field under training', set(data, 'training.epochz', 3), 'training.epochz');
  }
}
// bits: 20 on the LIM store of lim-linear-regression: blamed on bits, not on the learning rate.
{
  const data = parseYaml(readFileSync(join(root, 'sim-configs', 'lim-linear-regression.yaml'), 'utf8')) as Data;
  const stores = clone(data.stores as Data[]);
  const k = stores.findIndex((s) => s.kind === 'lim');
  stores[k].bits = 20;
  cases.push({ what: 'lim-linear-regression: bits 20 on the LIM store', args: ['run', input('bits.json', JSON.stringify({ ...data, stores }))], names: `stores[${k}].bits` });
  const typo = clone(data.stores as Data[]);
  typo[k] = rename(typo[k], 'tiltGain', 'tiltGian');
  cases.push({ what: 'lim-linear-regression: a typo in a store field', args: ['run', input('typo.json', JSON.stringify({ ...data, stores: typo }))], names: 'did you mean "tiltGain"' });
}
{
  const data = parseYaml(readFileSync(join(root, 'sim-configs', 'landauer-erasure.yaml'), 'utf8')) as Data;
  cases.push({ what: 'landauer-erasure: typo barierHeight', args: ['run', input('typo.json', JSON.stringify({ ...data, potential: rename(data.potential as Data, 'barrierHeight', 'barierHeight') }))], names: 'did you mean "barrierHeight"' });
}

// ---------------------------------------------------------------------------
// 2. Mutations of every shipped sweep file.
for (const file of readdirSync(join(root, 'sim-configs', 'sweeps')).filter((f) => f.endsWith('.yaml'))) {
  const data = parseYaml(readFileSync(join(root, 'sim-configs', 'sweeps', file), 'utf8')) as Data;
  data.base = join(root, 'sim-configs', 'sweeps', String(data.base));
  const stem = basename(file, '.yaml');
  const add = (what: string, mutated: unknown, names: string, extra: string[] = []) =>
    cases.push({ what: `sweep ${stem}: ${what}`, args: ['sweep', input(`${stem}.json`, JSON.stringify(mutated)), '--quiet', ...extra], names });
  add('name x/../../../../elsewhere', set(data, 'name', 'x/../../../../elsewhere'), 'name');
  add('name with a leading dot', set(data, 'name', '.x'), 'name');
  add('name of 300 characters', set(data, 'name', 'n'.repeat(300)), 'name');
  add('an unknown field', { ...data, gird: data.grid }, 'gird');
  add('base missing', { ...data, base: undefined }, 'base');
  add('base that does not exist', set(data, 'base', join(work, 'nope.yaml')), 'nope.yaml');
  add('base that is a folder', set(data, 'base', work), 'config');
  add('seeds unknown', set(data, 'seeds', 'lucky'), 'seeds');
  add('an axis with no values', set(data, 'grid', { 'time.duration': [] }), 'time.duration');
  add('an axis on an unknown field', set(data, 'grid', { 'time.durationx': [1, 2] }), 'time.durationx');
  add('a malformed axis path', set(data, 'grid', { 'time..duration': [1, 2] }), 'time..duration');
  add('a grid of 22500 points', set({ ...data, link: undefined, exclude: undefined }, 'grid', { seed: Array.from({ length: 150 }, (_, i) => i), replicas: Array.from({ length: 150 }, (_, i) => i + 10) }), '--grid');
  add('--workers 65', data, '--workers', ['--workers', '65']);
  add('--shard 0/2', data, '--shard', ['--shard', '0/2']);
  add('--shard 3/2', data, '--shard', ['--shard', '3/2']);
  add('--resume without --out', data, '--resume', ['--resume']);
}

// ---------------------------------------------------------------------------
// 3. Bad flags and paths per verb.
const cheap = join(root, 'sim-configs', 'harmonic-drag.yaml');
const sweepFile = join(root, 'sim-configs', 'sweeps', 'erasure-speed.yaml');
const aFile = input('a-file.txt', 'not a folder\n');
const aDir = join(inputs, 'a-dir');
mkdirSync(aDir);
const run = (what: string, extra: string[], names: string, config = cheap) => cases.push({ what: `run: ${what}`, args: ['run', config, ...extra], names });
run('--seed x', ['--seed', 'x'], '--seed');
run('--seed -1', ['--seed', '-1'], '--seed');
run('--seed 1.5', ['--seed', '1.5'], '--seed');
run('--seed 1e3', ['--seed', '1e3'], '--seed');
run('--seed 9007199254740993', ['--seed', '9007199254740993'], '--seed');
run('--replicas 0', ['--replicas', '0'], '--replicas');
run('--replicas abc', ['--replicas', 'abc'], '--replicas');
run('--replicas 1000000000', ['--replicas', '1000000000'], '--replicas');
run('--replicas 20000000 (memory fits, work over budget)', ['--replicas', '20000000'], '--allow-long');
run('--workers 0', ['--workers', '0'], '--workers');
run('--workers 65', ['--workers', '65'], '--workers');
run('--out an existing file', ['--out', aFile], '--out');
run('--out inside a file', ['--out', join(aFile, 'sub')], 'a-file.txt');
run('--out /proc/x', ['--out', '/proc/x'], '/proc');
run('--out /sys/x', ['--out', '/sys/x'], '/sys');
run('--out empty', ['--out', ''], '--out');
run('an unknown flag', ['--bogus'], '--bogus');
run('a config that does not exist', [], 'nope.yaml', join(work, 'nope.yaml'));
run('a config that is a folder', [], 'config', aDir);
run('an empty config', [], 'config', input('empty.yaml', ''));
run('a binary config', [], 'config', input('binary.yaml', Buffer.from([0, 159, 146, 150, 255, 0, 1, 2, 10, 0, 200])));
run('a config of 2 MB', [], 'config', input('big.yaml', `name: big\n# ${'x'.repeat(2_000_000)}\n`));
run('a YAML alias bomb', [], 'config', input('bomb.yaml', ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n') + '\n'));
run('a YAML syntax error', [], 'config', input('syntax.yaml', 'name: [unclosed\n  time: }\n'));
cases.push({ what: 'run: no config argument', args: ['run'], names: 'config' });
cases.push({ what: 'an unknown verb', args: ['frobnicate'], names: 'frobnicate' });
// A finished run folder: writing over it needs --force. A folder locked by a live process (this one).
const finished = join(inputs, 'finished-run');
mkdirSync(finished);
writeFileSync(join(finished, 'summary.json'), '{}\n');
run('--out a finished run without --force', ['--out', finished], '--force');
const locked = join(inputs, 'locked-run');
mkdirSync(locked);
writeFileSync(join(locked, '.limsim.lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: 'now', command: 'limsim run (test)' }) + '\n');
run('--out a folder locked by a live process', ['--out', locked], 'locked by');

const sweep = (what: string, extra: string[], names: string, file = sweepFile) => cases.push({ what: `sweep: ${what}`, args: ['sweep', file, '--quiet', ...extra], names });
sweep('--grid without =', ['--grid', 'time.duration'], '--grid');
sweep('--grid with no values', ['--grid', 'time.duration='], 'time.duration');
sweep('--grid a negative duration', ['--grid', 'time.duration=-1,1'], 'time.duration');
sweep('--set on an unknown field', ['--set', 'bogus=1'], 'bogus');
sweep('--set replicas to a string', ['--set', 'replicas=lots'], 'replicas');
sweep('--shard x', ['--shard', 'x'], '--shard');
sweep('--seeds weird', ['--seeds', 'weird'], '--seeds');
sweep('--workers 0', ['--workers', '0'], '--workers');
sweep('--out an existing file', ['--out', aFile], '--out');
sweep('--out /proc/x', ['--out', '/proc/x'], '/proc');
sweep('--link to no axis', ['--link', 'nope=replicas'], 'nope');
sweep('memory over the machine', ['--set', 'replicas=100000000', '--grid', 'time.duration=1000,2000'], 'memory');
sweep('work over the budget', ['--set', 'replicas=1000000', '--grid', 'time.duration=100,200'], '--allow-long');
sweep('a config that does not exist', [], 'nope.yaml', join(work, 'nope.yaml'));

const verb = (what: string, args: string[], names: string) => cases.push({ what, args, names });
verb('merge: a folder that does not exist', ['merge', join(work, 'no-such-shard'), '--out', join(work, 'merged')], 'no-such-shard');
verb('merge: a folder that is not a sweep', ['merge', aDir, '--out', join(work, 'merged')], 'a-dir');
verb('merge: no --out', ['merge', aDir], '--out');
verb('merge: no folders', ['merge', '--out', join(work, 'merged')], 'folders');
verb('compare: a path that does not exist', ['compare', join(work, 'nothing-here')], 'nothing-here');
verb('compare: a folder with no results', ['compare', aDir], 'a-dir');
verb('compare: --fit-from -1', ['compare', aDir, '--fit-from', '-1'], '--fit-from');
verb('compare: --json and --csv', ['compare', aDir, '--json', '--csv'], '--json');
verb('compare: --out an existing file', ['compare', aDir, '--out', aFile], '--out');
verb('report: a folder that does not exist', ['report', join(work, 'nothing-here')], 'nothing-here');
verb('report: a folder with no results', ['report', aDir], 'a-dir');
verb('report: --fit-from x', ['report', aDir, '--fit-from', 'x'], '--fit-from');
verb('project: --params 1e300', ['project', '--params', '1e300'], '--params');
verb('project: --params x', ['project', '--params', 'x'], '--params');
verb('project: --params -5', ['project', '--params', '-5'], '--params');
verb('project: --precision 0', ['project', '--precision', '0'], '--precision');
verb('project: --preset unknown', ['project', '--preset', 'galaxy-brain'], '--preset');
verb('project: --out an existing file', ['project', '--out', aFile], '--out');
verb('project: --out /proc/x', ['project', '--out', '/proc/x'], '/proc');
verb('verify: --seed x', ['verify', '--seed', 'x'], '--seed');
verb('verify: --seed 9007199254740993', ['verify', '--seed', '9007199254740993'], '--seed');
verb('verify: an unknown flag', ['verify', '--bogus'], '--bogus');
verb('schema: --out a folder', ['schema', '--out', aDir], '--out');
verb('schema: --out /proc/x', ['schema', '--out', '/proc/x'], '/proc');
verb('schema: --out inside a file', ['schema', '--out', join(aFile, 'schema.json')], 'a-file.txt');

// A handful through the real CLI (the installed entry point's behaviour: exit code, stderr, no native crash).
const traversal = input('traversal.yaml', `name: x/../../../../elsewhere\nbase: ${join(root, 'sim-configs', 'landauer-erasure.yaml')}\ngrid:\n  time.duration: [1, 2]\n`);
const landauer = parseYaml(readFileSync(join(root, 'sim-configs', 'landauer-erasure.yaml'), 'utf8')) as Data;
cases.push({ what: 'spawned: run --out an existing file', args: ['run', cheap, '--out', aFile], names: '--out', spawn: true });
cases.push({ what: 'spawned: run --replicas 1000000000', args: ['run', cheap, '--replicas', '1000000000'], names: 'GB of memory', spawn: true });
cases.push({ what: 'spawned: the allocating expression', args: ['run', input('alloc.json', JSON.stringify(set(landauer, 'potential.tilt', { kind: 'expression', expr: 'size(zeros(100000, 100000))[1] * 0 + 8' })))], names: 'potential.tilt.expr', spawn: true });
cases.push({ what: 'spawned: the traversal sweep', args: ['sweep', traversal, '--quiet'], names: 'name', spawn: true });

// ---------------------------------------------------------------------------

/** Every file under the working folder except the inputs (relative path, size, mtime). */
function snapshot(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) {
        out.push(`${relative(work, path)}/`);
        walk(path);
      } else out.push(`${relative(work, path)} ${stat.size} ${stat.mtimeMs}`);
    }
  };
  walk(work);
  return out.sort();
}

async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (stdout.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'limsim', ...args]);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } catch (e) {
    return { code: -1, stdout: stdout.join(''), stderr: `${stderr.join('')}thrown: ${(e as Error).stack}` };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Run the real CLI in a child process (through tsx, as `npx tsx src/cli.ts` would). */
function spawned(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'cli.ts'), ...args], {
      cwd: work,
      env: { ...process.env, LIMSIM_DEBUG: '' },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : -1), stdout, stderr, ms: performance.now() - started }));
  });
}

/** The child-process cases run first, in beforeAll. */
const spawnedResults = new Map<Case, { code: number; stdout: string; stderr: string; ms: number }>();
let spawnedWrote: string[] = [];
async function runSpawned(): Promise<void> {
  const before = snapshot();
  const batch = cases.filter((c) => c.spawn);
  // One after another: on 2 shared cores, parallel children only stretch each other's time.
  for (const c of batch) spawnedResults.set(c, await spawned(c.args));
  spawnedWrote = snapshot().filter((f) => !before.includes(f));
}

/**
 * 10 s per input in-process; a child process also starts Node and compiles the
 * TypeScript sources with tsx (1-2 s on an idle machine, far more on a loaded one).
 */
const limitMs = (c: Case) => (c.spawn ? 30_000 : 10_000);
const outcomes = new Map<string, number>();
const slowest: { what: string; ms: number; spawned: boolean }[] = [];
const previousCwd = process.cwd();
beforeAll(async () => {
  process.chdir(work);
  await runSpawned();
}, 200_000);
afterAll(() => {
  process.chdir(previousCwd);
  const counts = [...outcomes.entries()].map(([k, v]) => `${k}: ${v}`).join(', ');
  slowest.sort((a, b) => b.ms - a.ms);
  console.log(`bad-input corpus: ${cases.length} inputs (${cases.filter((c) => c.spawn).length} through a child process); outcomes: ${counts}`);
  const inProcessMax = Math.max(...slowest.filter((s) => !s.spawned).map((s) => s.ms));
  console.log(`slowest in-process: ${inProcessMax.toFixed(0)} ms; slowest: ${slowest.slice(0, 5).map((s) => `${s.what} ${s.ms.toFixed(0)} ms`).join('; ')}`);
  rmSync(work, { recursive: true, force: true });
});

describe(`the bad-input corpus (${cases.length} inputs): exit 2, one line naming the field or path, no stack trace, nothing written, under 10 s`, () => {
  it('has at least 150 inputs across every verb', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    const verbs = new Set(cases.map((c) => c.args[0]));
    for (const v of ['run', 'sweep', 'merge', 'compare', 'report', 'project', 'verify', 'schema']) expect(verbs).toContain(v);
  });

  for (const c of cases) {
    it(c.what, async () => {
      const before = snapshot();
      const started = performance.now();
      const r = c.spawn ? spawnedResults.get(c)! : await inProcess(c.args);
      const ms = c.spawn ? spawnedResults.get(c)!.ms : performance.now() - started;
      slowest.push({ what: c.what, ms, spawned: Boolean(c.spawn) });
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      const wrote = c.spawn ? spawnedWrote : snapshot().filter((f) => !before.includes(f));
      const outcome =
        r.code === -1 ? 'crash (threw)'
        : r.code !== 2 ? `exit ${r.code}`
        : /\n\s+at |thrown:/.test(r.stderr) ? 'stack trace'
        : lines.length !== 1 ? 'not one line'
        : !r.stderr.includes(c.names) ? 'field not named'
        : wrote.length > 0 ? 'wrote files'
        : ms > limitMs(c) ? 'slow'
        : 'exit 2, one line, named, nothing written';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at |thrown:/);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toContain(c.names);
      expect(wrote).toEqual([]);
      expect(ms).toBeLessThan(limitMs(c));
    }, 90_000);
  }
});
