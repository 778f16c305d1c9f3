import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { compileSchedule } from '../../src/physics/schedules.js';
import { assignmentAt, mergeAxes, parseGridFlag, pointCount, splitTopLevel } from '../../src/experiments/sweep/grid.js';
import { formatPath, parsePath, setAt } from '../../src/experiments/sweep/paths.js';
import { buildPoint, independentSeed, loadSweepSpec, parseShard, planSweep, pointKey, sweepIdOf } from '../../src/experiments/sweep/spec.js';
import { applyTimeScaling } from '../../src/experiments/sweep/stretch.js';

const root = join(import.meta.dirname, '..', '..');

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('grid flags and field paths', () => {
  it('parses dotted paths with indices, and prints them back', () => {
    expect(parsePath('potential.tilt.points[2][1]')).toEqual(['potential', 'tilt', 'points', 2, 1]);
    expect(formatPath(parsePath('potential.terms[0].barrierHeight'))).toBe('potential.terms[0].barrierHeight');
    expect(configError(() => parsePath('time..duration')).path).toBe('--grid');
    expect(configError(() => parsePath('[3]')).path).toBe('--grid');
  });

  it('splits values at top-level commas only, and parses JSON values', () => {
    expect(splitTopLevel('1,{"a":[1,2]},"x,y",[3,4]')).toEqual(['1', '{"a":[1,2]}', '"x,y"', '[3,4]']);
    const axis = parseGridFlag('potential.barrierHeight=4,{"kind":"linear","from":8,"to":1,"end":2},abc');
    expect(axis.key).toBe('potential.barrierHeight');
    expect(axis.values).toEqual([4, { kind: 'linear', from: 8, to: 1, end: 2 }, 'abc']);
    expect(configError(() => parseGridFlag('time.duration')).path).toBe('--grid');
    expect(configError(() => parseGridFlag('time.duration=1,,2')).message).toMatch(/empty value/);
  });

  it('enumerates the Cartesian product row-major (first axis slowest) and merges same-key axes in place', () => {
    const axes = mergeAxes([{ key: 'a', values: [1, 2] }, { key: 'b', values: ['x', 'y', 'z'] }], [{ key: 'a', values: [5, 6] }]);
    expect(axes.map((a) => a.key)).toEqual(['a', 'b']);
    expect(pointCount(axes)).toBe(6);
    expect(assignmentAt(axes, 0)).toEqual([['a', 5], ['b', 'x']]);
    expect(assignmentAt(axes, 4)).toEqual([['a', 6], ['b', 'y']]);
  });

  it('keys a point by its assignment, independent of axis order', () => {
    expect(pointKey([['a', 1], ['b', { y: 2, x: 1 }]])).toBe(pointKey([['b', { x: 1, y: 2 }], ['a', 1]]));
    expect(pointKey([['a', 1]])).not.toBe(pointKey([['a', 2]]));
    expect(independentSeed(1, 'k')).toBe(independentSeed(1, 'k'));
    expect(independentSeed(1, 'k')).not.toBe(independentSeed(2, 'k'));
  });

  it('setAt creates missing mappings but not missing list elements', () => {
    const data: Record<string, unknown> = { time: { duration: 1 }, list: [1, 2] };
    setAt(data, parsePath('units.temperature'), 310, 'units.temperature');
    expect(data.units).toEqual({ temperature: 310 });
    expect(configError(() => setAt(data, parsePath('list[5]'), 0, 'list[5]')).message).toMatch(/has 2 elements/);
    expect(configError(() => setAt(data, parsePath('time.duration.x'), 0, 'time.duration.x')).message).toMatch(/not a mapping/);
  });

  it('--shard accepts i/n with 1 <= i <= n only', () => {
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 });
    for (const bad of ['3/2', '0/2', '1/0', 'a/b', '1']) expect(configError(() => parseShard(bad)).path).toBe('--shard');
  });
});

describe('time scaling', () => {
  it('stretches tables, ramps, logarithmic scales and expressions by duration / base duration', () => {
    const point: Record<string, unknown> = {
      time: { duration: 40 },
      potential: {
        kind: 'sum',
        terms: [
          { kind: 'double-well', barrierHeight: { kind: 'table', points: [[0, 8], [5, 1], [20, 8]] }, tilt: { kind: 'linear', from: 0, to: 3, start: 5, end: 10 } },
          { kind: 'washboard', levels: 4, barrierHeight: { kind: 'logarithmic', offset: 2, timeScale: 3 }, tilt: { kind: 'expression', expr: 'sin(t) + 2 * t' } },
        ],
      },
    };
    const before = compileSchedule({ kind: 'expression', expr: 'sin(t) + 2 * t' });
    expect(applyTimeScaling(point, 20, { duration: 'time.duration', schedules: ['potential'] })).toBe(2);
    const terms = (point.potential as { terms: Record<string, Record<string, unknown>>[] }).terms;
    expect(terms[0].barrierHeight.points).toEqual([[0, 8], [10, 1], [40, 8]]);
    expect([terms[0].tilt.start, terms[0].tilt.end]).toEqual([10, 20]);
    expect(terms[1].barrierHeight.timeScale).toBe(6);
    const after = compileSchedule(terms[1].tilt as { kind: 'expression'; expr: string });
    for (const t of [0, 0.7, 3, 11]) expect(after(2 * t)).toBeCloseTo(before(t), 12);
  });
});

describe('sweep plans', () => {
  const dir = mkdtempSync(join(tmpdir(), 'limsim-plan-'));
  const base = join(root, 'sim-configs', 'landauer-erasure.yaml');

  it('validates every point first: a key outside the schema or a wrong type names the key and value', () => {
    const unknown = configError(() => planSweep(loadSweepSpec(base, { grid: ['time.durationx=5,10'] })));
    expect(unknown.path).toBe('time.durationx');
    expect(unknown.message).toMatch(/5/);
    expect(unknown.message).toMatch(/durationx/);
    const wrongType = configError(() => planSweep(loadSweepSpec(base, { grid: ['replicas=100,many'] })));
    expect(wrongType.path).toBe('replicas');
    expect(wrongType.message).toMatch(/"many"/);
    const badValue = configError(() => planSweep(loadSweepSpec(base, { grid: ['time.duration=20,-1'] })));
    expect(badValue.path).toBe('time.duration');
    expect(badValue.message).toMatch(/-1/);
  });

  it('reads a sweep file: base relative to it, set, grid, time scaling and independent seeds', () => {
    const file = join(dir, 'sweep.yaml');
    writeFileSync(
      file,
      `name: demo\nbase: ${base}\nset: { replicas: 50 }\ngrid: { time.duration: [10, 40] }\ntimeScaling: true\nseeds: independent\n`,
    );
    const spec = loadSweepSpec(file);
    const plan = planSweep(spec);
    expect(plan.points.map((p) => p.params)).toEqual([{ 'time.duration': 10 }, { 'time.duration': 40 }]);
    const slow = plan.points[1].config;
    if (slow.kind !== 'physics') throw new Error('expected physics');
    expect(slow.loaded.config.replicas).toBe(50);
    expect(slow.loaded.config.potential).toMatchObject({ barrierHeight: { points: [[0, 8], [10, 1], [20, 1], [30, 8], [40, 8]] } });
    expect(plan.points[0].seed).toBe(independentSeed(1, plan.points[0].key));
    // The id follows what decides the rows: a different grid is a different sweep.
    expect(sweepIdOf(spec)).toBe(sweepIdOf(loadSweepSpec(file)));
    expect(sweepIdOf(spec)).not.toBe(sweepIdOf(loadSweepSpec(file, { grid: ['time.duration=10,80'] })));
    expect(buildPoint(spec, 1).key).toBe(plan.points[1].key);
  });

  it('links: fields that follow a grid key take its value at every point, and a link to no axis is an error', () => {
    const spec = loadSweepSpec(base, { grid: ['potential.barrierHeight=6,10'], link: ['potential.barrierHeight=units.temperature'] });
    const plan = planSweep(spec);
    expect(plan.points.map((p) => (p.raw.units as { temperature: number }).temperature)).toEqual([6, 10]);
    expect(plan.points.map((p) => p.params)).toEqual([{ 'potential.barrierHeight': 6 }, { 'potential.barrierHeight': 10 }]);
    expect(sweepIdOf(spec)).not.toBe(sweepIdOf(loadSweepSpec(base, { grid: ['potential.barrierHeight=6,10'] })));
    expect(configError(() => loadSweepSpec(base, { grid: ['seed=1,2'], link: ['replicas=seed'] })).path).toBe('link replicas');
    // A follower that the schema rejects is blamed on the follower, with the leader's value.
    const bad = configError(() => planSweep(loadSweepSpec(base, { grid: ['seed=1,2'], link: ['seed=time.durationx'] })));
    expect(bad.path).toBe('time.durationx');
    expect(bad.message).toMatch(/value 1 /);
  });

  it('rejects unknown sweep-file fields and duplicate grid values', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `base: ${base}\ngird: { seed: [1, 2] }\n`);
    expect(configError(() => loadSweepSpec(file)).path).toBe('gird');
    expect(configError(() => planSweep(loadSweepSpec(base, { grid: ['seed=1,1'] }))).path).toBe('--grid');
  });
});
