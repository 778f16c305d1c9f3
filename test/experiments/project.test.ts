import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProjection, runProject } from '../../src/commands/project.js';
import { ConfigError } from '../../src/errors.js';
import {
  BRAIN_SCALE,
  DEFAULT_SIZES,
  H100_JOULES_PER_FLOP,
  projectSizes,
  projectWorkload,
  type Workload,
} from '../../src/experiments/project.js';
import { checkSvg } from '../../src/report/svg-check.js';

const LN2 = Math.log(2);
const KT300 = 1.380649e-23 * 300; // J, exact SI k_B

/** Relative agreement: the formulas are closed-form, so only round-off separates them. */
function expectRel(actual: number, expected: number, rel = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, none thrown');
}

describe('projectWorkload: each formula against a hand computation (brain-scale preset)', () => {
  const p = projectWorkload(BRAIN_SCALE);
  // Hand values: N = 1e15, D = 20 N = 2e16, n = 8, T = 1e7 s, 300 K, e = 700 W / 989.4e12 FLOP/s.
  const N = 1e15;
  const D = 2e16;

  it('counts: FLOPs = 6 N D, steps = D (one token per step), updates = N D', () => {
    expectRel(p.counts.flops.value, 6 * N * D); // 1.2e32
    expectRel(p.counts.updateSteps.value, D);
    expectRel(p.counts.parameterUpdates.value, N * D); // 2e31
    expectRel(p.counts.secondsPerUpdate.value, 1e7 / D); // 5e-10 s
  });

  it('information floor N n kT ln 2 = 1e15 * 8 * ln2 * 4.1419e-21 J', () => {
    expectRel(p.energies.informationFloor.joules, 1e15 * 8 * LN2 * KT300);
    // the rounded kT of docs/physics.md §1 agrees to its 5 digits: 2.2968e-5 J
    expectRel(p.energies.informationFloor.joules, 1e15 * 8 * LN2 * 4.1419e-21, 2e-5);
    expectRel(p.energies.informationFloor.kT, 1e15 * 8 * LN2);
  });

  it('Landauer floor U n kT ln 2 with U = N D parameter updates', () => {
    expectRel(p.energies.landauerFloor.joules, N * D * 8 * LN2 * KT300); // 4.594e11 J
  });

  it('LIM speed term N kT (t0/T) (S s)^2 and its straight-path minimum N kT (t0/T) 4^n/6', () => {
    expectRel(p.energies.limSpeed.joules, N * KT300 * (1e-9 / 1e7) * D * D); // 4e31 kT = 1.657e11 J
    expectRel(p.energies.limSpeedStraightPath.joules, N * KT300 * (1e-9 / 1e7) * (256 * 256) / 6);
    expectRel(p.energies.limBound.joules, p.energies.informationFloor.joules + p.energies.limSpeed.joules);
  });

  it('conventional U f n E_ret kT and accelerator e 6ND', () => {
    expectRel(p.energies.conventional.joules, N * D * 0.5 * 8 * 50 * KT300); // 200 kT per update
    expectRel(p.energies.accelerator.joules, (700 / 989.4e12) * 6 * N * D); // 8.49e19 J
    expectRel(H100_JOULES_PER_FLOP, 7.0750e-13, 1e-4);
  });

  it('every figure states formula, substituted numbers and assumptions', () => {
    for (const f of Object.values(p.energies)) {
      expect(f.formula.length).toBeGreaterThan(3);
      expect(f.substituted).toMatch(/\d/);
      expect(f.assumptions.length).toBeGreaterThan(0);
      expectRel(f.kT, f.joules / KT300);
    }
  });
});

describe('scaling laws', () => {
  const base: Workload = { ...BRAIN_SCALE, parameters: 1e12, tokens: 1e13 };

  it('LIM speed term halves when T doubles; floors and accelerator do not depend on T', () => {
    const a = projectWorkload(base);
    const b = projectWorkload({ ...base, trainingTime: 2 * base.trainingTime });
    expectRel(b.energies.limSpeed.joules / a.energies.limSpeed.joules, 0.5);
    expectRel(b.energies.limSpeedStraightPath.joules / a.energies.limSpeedStraightPath.joules, 0.5);
    expectRel(b.energies.informationFloor.joules, a.energies.informationFloor.joules);
    expectRel(b.energies.landauerFloor.joules, a.energies.landauerFloor.joules);
    expectRel(b.energies.accelerator.joules, a.energies.accelerator.joules);
  });

  it('consolidation term is linear in N and in n', () => {
    const a = projectWorkload(base);
    const twiceN = projectWorkload({ ...base, parameters: 2 * base.parameters });
    const twiceBits = projectWorkload({ ...base, precisionBits: 16 });
    expectRel(twiceN.energies.informationFloor.joules / a.energies.informationFloor.joules, 2);
    expectRel(twiceBits.energies.informationFloor.joules / a.energies.informationFloor.joules, 2);
  });

  it('with D = 20 N: FLOPs, Landauer floor and accelerator grow as N^2, the per-update LIM speed term as N^3', () => {
    const w: Workload = { ...BRAIN_SCALE, parameters: 1e10 };
    const a = projectWorkload(w);
    const b = projectWorkload({ ...w, parameters: 1e11 });
    expectRel(b.counts.flops.value / a.counts.flops.value, 100);
    expectRel(b.energies.landauerFloor.joules / a.energies.landauerFloor.joules, 100);
    expectRel(b.energies.accelerator.joules / a.energies.accelerator.joules, 100);
    expectRel(b.energies.limSpeed.joules / a.energies.limSpeed.joules, 1000);
  });

  it('LIM bound is above the Landauer floor for T < T* and below it for T > T* (energy-speed trade-off)', () => {
    const p = projectWorkload(base);
    const tStar = p.crossoverTrainingTime;
    // hand value: T* = t0 S^2 / (n ln2 (S - 1)) with S = 1e13 updates per parameter
    expectRel(tStar, (1e-9 * 1e13 * 1e13) / (8 * LN2 * (1e13 - 1)));
    expectRel(projectWorkload({ ...base, trainingTime: tStar }).ratios.limOverLandauer, 1, 1e-9);
    expect(projectWorkload({ ...base, trainingTime: tStar / 2 }).ratios.limOverLandauer).toBeGreaterThan(1);
    expect(projectWorkload({ ...base, trainingTime: tStar * 2 }).ratios.limOverLandauer).toBeLessThan(1);
  });

  it('projectSizes: 1e6..1e15 by decades, D = 20 N unless tokens are fixed', () => {
    expect(DEFAULT_SIZES).toEqual([1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]);
    const chinchilla = projectSizes(BRAIN_SCALE);
    expect(chinchilla.map((p) => p.workload.parameters)).toEqual([...DEFAULT_SIZES]);
    chinchilla.forEach((p) => expectRel(p.workload.tokens, 20 * p.workload.parameters));
    const fixed = projectSizes({ ...BRAIN_SCALE, tokens: 1e12 }, [1e9, 1e12]);
    expect(fixed.map((p) => p.workload.tokens)).toEqual([1e12, 1e12]);
  });
});

describe('brain-scale preset', () => {
  const p = projectWorkload(BRAIN_SCALE);
  const e = p.energies;

  it('all figures finite and positive', () => {
    for (const f of Object.values(e)) {
      expect(Number.isFinite(f.joules)).toBe(true);
      expect(f.joules).toBeGreaterThan(0);
    }
  });

  it('ordering: information floor <= LIM bound < conventional < accelerator, Landauer floor < conventional', () => {
    expect(e.informationFloor.joules).toBeLessThanOrEqual(e.limBoundStraightPath.joules);
    expect(e.limBoundStraightPath.joules).toBeLessThanOrEqual(e.limBound.joules);
    expect(e.limBound.joules).toBeLessThan(e.conventional.joules);
    expect(e.landauerFloor.joules).toBeLessThan(e.conventional.joules);
    expect(e.conventional.joules).toBeLessThan(e.accelerator.joules);
  });

  it('LIM bound vs Landauer floor: at T = 1e7 s > T* = 3.6e6 s the LIM bound is 0.36 of the floor (same order)', () => {
    // hand value: speed per update = kT t0 S / T = 2 kT; Landauer per update = 8 ln2 kT = 5.545 kT
    expectRel(p.ratios.limOverLandauer, (2 + 8 * LN2 / 2e16) / (8 * LN2), 1e-9);
    expect(p.crossoverTrainingTime).toBeLessThan(BRAIN_SCALE.trainingTime);
    expect(Math.abs(Math.log10(p.ratios.limOverLandauer))).toBeLessThan(1);
  });

  it('reports the accelerator / LIM ratio in orders of magnitude (8.71 with these assumptions)', () => {
    const expected = ((700 / 989.4e12) * 1.2e32) / (1e15 * KT300 * 4e16 + 1e15 * 8 * LN2 * KT300);
    expectRel(p.ratios.acceleratorOverLim, expected, 1e-9);
    expectRel(p.ratios.acceleratorOverLimOrders, Math.log10(expected), 1e-9);
    expect(formatProjection(p)).toMatch(/accelerator \/ LIM bound .*\(8\.71 orders of magnitude\)/);
  });
});

describe('bad input', () => {
  it('library: non-positive or non-numeric fields throw ConfigError naming the field', () => {
    expect(configErrorOf(() => projectWorkload({ ...BRAIN_SCALE, parameters: -1 })).path).toBe('parameters');
    expect(configErrorOf(() => projectWorkload({ ...BRAIN_SCALE, trainingTime: 0 })).path).toBe('trainingTime');
    expect(configErrorOf(() => projectWorkload({ ...BRAIN_SCALE, precisionBits: 3.5 })).path).toBe('precisionBits');
    expect(configErrorOf(() => projectWorkload({ ...BRAIN_SCALE, temperatureK: NaN })).path).toBe('temperatureK');
  });

  it('CLI: flags that are not positive finite numbers throw ConfigError naming the flag and the value', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ params: 'abc' }, '--params'],
      [{ params: '-5' }, '--params'],
      [{ params: '' }, '--params'],
      [{ tokens: '0' }, '--tokens'],
      [{ precision: '2.5' }, '--precision'],
      [{ time: 'Infinity' }, '--time'],
      [{ temperature: '-3' }, '--temperature'],
      [{ joulesPerFlop: 'NaN' }, '--joules-per-flop'],
      [{ frictionRatio: '0.5' }, '--friction-ratio'],
      [{ flipFraction: '2' }, '--flip-fraction'],
      [{ preset: 'galaxy-scale' }, '--preset'],
    ];
    for (const [opts, flag] of cases) {
      let err: unknown = null;
      await runProject(opts, () => {}).catch((e: unknown) => (err = e));
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).path).toBe(flag);
      const raw = Object.values(opts)[0];
      expect((err as ConfigError).message).toContain(flag);
      if (raw !== '') expect((err as ConfigError).message).toContain(raw);
    }
  });

  it('runProject rejects bad flags before writing anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limsim-project-'));
    try {
      await expect(runProject({ params: 'lots', out: dir }, () => {})).rejects.toMatchObject({ path: '--params' });
      await expect(runProject({ precision: '0' }, () => {})).rejects.toBeInstanceOf(ConfigError);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('limsim project command', () => {
  it('--json prints a parseable projection with the same figures', async () => {
    let out = '';
    await runProject({ json: true }, (s) => (out += s));
    const parsed = JSON.parse(out) as { projection: { energies: { limBound: { joules: number } } } };
    expectRel(parsed.projection.energies.limBound.joules, projectWorkload(BRAIN_SCALE).energies.limBound.joules);
  });

  it('the table prints J and kT, formulas and assumptions; --sizes adds one row per size', async () => {
    let out = '';
    await runProject({ sizes: true, params: '1e12', time: '1e6' }, (s) => (out += s));
    expect(out).toContain('E_L = U n kT ln 2');
    expect(out).toContain('assumes:');
    expect(out).toMatch(/ J +[0-9.e+-]+ kT/);
    expect(out.match(/^ *1\.000e\+\d+ +[0-9.e+-]+ /gm)?.length).toBe(DEFAULT_SIZES.length);
  });

  it('--out writes projection.json and a valid log-log SVG atomically (no temp files left)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'limsim-project-'));
    try {
      await runProject({ out: join(dir, 'run') }, () => {});
      const files = readdirSync(join(dir, 'run')).sort();
      expect(files).toEqual(['energy-vs-model-size.svg', 'projection.json']);
      const json = JSON.parse(readFileSync(join(dir, 'run', 'projection.json'), 'utf8')) as { sizes: unknown[] };
      expect(json.sizes).toHaveLength(DEFAULT_SIZES.length);
      const svg = checkSvg(readFileSync(join(dir, 'run', 'energy-vs-model-size.svg'), 'utf8'));
      expect(svg.width).toBeGreaterThan(0);
      expect(svg.texts).toContain('model size N [parameters]');
      expect(svg.texts).toContain('training energy [J]');
      for (const name of ['Landauer floor', 'LIM bound (per-update path)', 'conventional memory', 'accelerator']) {
        expect(svg.texts.some((t) => t.startsWith(name))).toBe(true);
      }
      expect(svg.texts).toContain('10\u00b9\u2075'); // 10^15, decade labels as 10^n
      expect(existsSync(join(dir, 'run', `projection.json.${process.pid}.tmp`))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
