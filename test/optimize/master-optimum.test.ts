import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { solveMasterEquation } from '../../src/engines/master-equation.js';
import { parseConstraints } from '../../src/optimize/optimize.js';
import { optimizeConfigFile } from '../../src/optimize/run.js';

/**
 * The master-equation objective (docs/optimize.md §7). A two-level system with
 * a controllable gap E(t) under a fixed saddle (rates k_01 = c, k_10 = c e^E,
 * c = nu e^{-B} = 1), E: 0 -> E_f in tau from equilibrium, final state free:
 * the least work is known up to one-dimensional quadratures (§7.3), computed
 * here independently of the optimizer. The optimizer over the knots of E(t)
 * must reach it, and the Monte-Carlo re-run agree within 4 SE.
 */
function simpson(f: (x: number) => number, a: number, b: number, n = 4000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

/** W_opt of docs/optimize.md §7.3: |p'| = (K + sqrt(K^2 + 4 K c (1 - p))) / 2 on the optimum, K fixed by tau. */
function twoLevelOptimum(
  c: number,
  p0: number,
  finalGap: number,
  tau: number,
): { work: number; firstJump: number; finalOccupancy: number; protocol: (samples: number) => [number, number][] } {
  const speed = (p: number, k: number) => (k + Math.sqrt(k * k + 4 * k * c * (1 - p))) / 2;
  const kFor = (pf: number) => {
    let lo = 1e-14;
    let hi = 1e8;
    for (let i = 0; i < 200; i++) {
      const mid = Math.sqrt(lo * hi);
      if (simpson((p) => 1 / speed(p, mid), pf, p0) > tau) lo = mid;
      else hi = mid;
    }
    return Math.sqrt(lo * hi);
  };
  const work = (pf: number) => {
    const k = kFor(pf);
    return pf * finalGap + simpson((p) => Math.log((1 - p + speed(p, k) / c) / p), pf, p0);
  };
  // Golden-section search over the free final occupancy p_f.
  let a = 1e-6;
  let b = p0 - 1e-9;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let i = 0; i < 80; i++) {
    const x1 = b - g * (b - a);
    const x2 = a + g * (b - a);
    if (work(x1) < work(x2)) b = x2;
    else a = x1;
  }
  const pf = 0.5 * (a + b);
  const k = kFor(pf);
  const gap = (p: number) => Math.log((1 - p + speed(p, k) / c) / p);
  // E(t) on the optimum: p' = -|v(p)| by RK4 from p0, E = E(p); the jumps at 0+ and tau-.
  const protocol = (samples: number): [number, number][] => {
    const h = tau / samples;
    const points: [number, number][] = [[0, 0]];
    let p = p0;
    for (let n = 0; n <= samples; n++) {
      points.push([n === 0 ? 1e-9 * tau : n === samples ? tau * (1 - 1e-9) : n * h, gap(p)]);
      const f = (q: number) => -speed(q, k);
      const k1 = f(p);
      const k2 = f(p + 0.5 * h * k1);
      const k3 = f(p + 0.5 * h * k2);
      const k4 = f(p + h * k3);
      p += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    }
    points.push([tau, finalGap]);
    return points;
  };
  return { work: work(pf), firstJump: gap(p0), finalOccupancy: pf, protocol };
}

function optimize(yaml: string, vary: string[], knots: number, constraints: string[], replicas: number) {
  const dir = mkdtempSync(join(tmpdir(), 'limsim-master-opt-'));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, yaml);
  return optimizeConfigFile(
    path,
    { vary, knots, objective: 'work', constraints: parseConstraints(constraints), method: 'lbfgs', maxIterations: 200, langevinReplicas: replicas },
    join(dir, 'optimized.yaml'),
  );
}

describe('limsim optimize on the master equation', () => {
  it('the derived two-level optimum, run as a protocol on the master-equation engine, does the derived work and ends at the derived p_f', () => {
    const exact = twoLevelOptimum(1, 0.5, 4, 2);
    const result = solveMasterEquation({
      potential: { kind: 'discrete', attemptFrequency: Math.exp(6), energies: [0, { kind: 'table', points: exact.protocol(400) }], barriers: [6] },
      duration: 2,
      dt: 2 / 8000,
      friction: 1,
      initial: { kind: 'boltzmann' },
      replicas: 1,
      seed: 1,
      recordPoints: 2,
    });
    console.info(`derived protocol on the engine: W ${result.work.mean.toFixed(6)} (derived ${exact.work.toFixed(6)}), p_1(tau) ${result.finalOccupancy[1].toFixed(5)} (derived ${exact.finalOccupancy.toFixed(5)})`);
    expect(Math.abs(result.work.mean / exact.work - 1)).toBeLessThan(2e-4);
    expect(Math.abs(result.finalOccupancy[1] - exact.finalOccupancy)).toBeLessThan(2e-4);
  });

  it('two-level system with a controllable gap: reaches the derived least work within 0.5 %, Monte-Carlo within 4 SE', () => {
    // B = 6, nu = e^6: c = 1, and the clamp B >= E never acts (E <= 6 by the box).
    const yaml = `name: two-level-gap
engine: master-equation
seed: 3
time: { duration: 2, dt: 0.002 }
potential:
  kind: discrete
  attemptFrequency: ${Math.exp(6)}
  energies: [0, { kind: linear, from: 0, to: 4, end: 2 }]
  barriers: [6]
initial: { kind: boltzmann }
`;
    const exact = twoLevelOptimum(1, 0.5, 4, 2);
    const report = optimize(yaml, ['potential.energies[1]'], 8, ['energies<=6'], 8000);
    const r = report.result;
    console.info(
      `two-level gap: W_opt ${exact.work.toFixed(6)} (E(0+) ${exact.firstJump.toFixed(4)}), start ${r.startObjective.toFixed(6)}, ` +
        `optimized ${r.objective.toFixed(6)} (E(0+) ${r.theta[0].toFixed(4)}), ${r.reason}; Monte-Carlo ${report.langevin!.work.mean.toFixed(4)} ± ${report.langevin!.work.se.toFixed(4)}`,
    );
    expect(r.engine).toBe('master-equation');
    expect(r.converged).toBe(true);
    // The test can tell: the linear ramp costs more than 3 % above the optimum.
    expect(r.startObjective).toBeGreaterThan(1.03 * exact.work);
    expect(Math.abs(r.objective / exact.work - 1)).toBeLessThan(0.005);
    expect(Math.abs(r.theta[0] - exact.firstJump)).toBeLessThan(0.01);
    // The engine re-run of the optimized config is the objective; Monte-Carlo samples it.
    expect(Math.abs(report.optimizedEngine.work.mean - r.objective)).toBeLessThan(1e-9);
    const mc = report.langevin!;
    expect(mc.engine).toBe('monte-carlo');
    expect(Math.abs(mc.work.mean - r.objective)).toBeLessThan(4 * mc.work.se);
    expect(report.violated).toBe(false);
    const secondLaw = report.optimizedEngine.bounds.find((b) => b.name === 'second-law')!;
    expect(secondLaw.bound).toBeCloseTo(Math.log(2) - Math.log(1 + Math.exp(-4)), 10);
    expect(secondLaw.gap).toBeGreaterThan(0);
  });

  it('discrete bit erasure: less work and heat than the four-stage protocol at its final error, above Landauer, Monte-Carlo within 4 SE', () => {
    const yaml = `name: discrete-erasure-small
engine: master-equation
seed: 5
time: { duration: 10, dt: 0.02 }
potential:
  kind: discrete
  attemptFrequency: 1
  energies: [0, { kind: table, points: [[0, 0], [2.5, 0], [5, 5], [7.5, 5], [10, 0]] }]
  barriers: [{ kind: table, points: [[0, 8], [2.5, 1], [5, 1], [7.5, 8], [10, 8]] }]
initial: { kind: bits, probabilities: [0.5, 0.5] }
`;
    const report = optimize(
      yaml,
      ['potential.energies[1]', 'potential.barriers[0]'],
      3,
      ['finalError<=start', 'barriers>=1', 'energies<=5', 'energies>=-5'],
      8000,
    );
    const r = report.result;
    console.info(`discrete erasure: W ${r.startObjective.toFixed(5)} -> ${r.objective.toFixed(5)}, error ${r.startError.toPrecision(6)} -> ${r.finalError.toPrecision(6)}; ${r.reason}`);
    expect(r.converged).toBe(true);
    expect(report.optimizedEngine.work.mean).toBeLessThan(report.startEngine.work.mean - 0.1);
    expect(report.optimizedEngine.heat.mean).toBeLessThan(report.startEngine.heat.mean);
    expect(r.finalError).toBeLessThanOrEqual(r.errorLimit! * (1 + r.tolerances.constraint));
    expect(report.violated).toBe(false);
    for (const check of [report.startEngine, report.optimizedEngine, report.langevin!]) {
      expect(check.bounds.map((b) => b.name).sort()).toEqual(['clausius', 'landauer', 'second-law']);
      for (const b of check.bounds) expect(b.violated).toBe(false);
    }
    // Landauer at the measured error: Q >= ln 2 - H(eps), never crossed by the optimum.
    const landauer = report.optimizedEngine.bounds.find((b) => b.name === 'landauer')!;
    const eps = r.finalError;
    expect(landauer.bound).toBeCloseTo(Math.log(2) + eps * Math.log(eps) + (1 - eps) * Math.log(1 - eps), 6);
    expect(landauer.gap).toBeGreaterThan(0);
    const mc = report.langevin!;
    expect(Math.abs(mc.heat.mean - report.optimizedEngine.heat.mean)).toBeLessThan(4 * mc.heat.se);
  });
});
