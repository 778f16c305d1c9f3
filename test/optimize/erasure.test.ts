import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { optimizeConfigFile } from '../../src/optimize/run.js';
import { parseConstraints } from '../../src/optimize/optimize.js';

/**
 * Optimized erasure on a coarse problem (tau = 5, 500 steps, K = 1): the
 * shipped four-stage protocol as the start, the same control ranges
 * (barrier >= 1, |tilt| <= 3), final error no larger than the shipped one's.
 * The optimum must cost less work than the shipped protocol on the engine, hold
 * every bound, and keep the error limit (up to the augmented Lagrangian's margin).
 */
const config = `name: erasure-small
engine: fokker-planck
time: { duration: 5, dt: 0.01 }
fokkerPlanck: { cells: 500 }
potential:
  kind: double-well
  barrierHeight: { kind: table, points: [[0, 8], [1.25, 1], [2.5, 1], [3.75, 8], [5, 8]] }
  tilt: { kind: table, points: [[0, 0], [1.25, 0], [2.5, 3], [3.75, 3], [5, 0]] }
initial: { kind: bits, probabilities: [0.5, 0.5] }
`;

describe('limsim optimize: erasure of a bit', () => {
  it('costs less work than the shipped protocol at the same final error, above every bound', () => {
    const dir = mkdtempSync(join(tmpdir(), 'limsim-erasure-'));
    const path = join(dir, 'erasure.yaml');
    writeFileSync(path, config);
    const report = optimizeConfigFile(
      path,
      {
        vary: ['potential.barrierHeight', 'potential.tilt'],
        knots: 1,
        objective: 'work',
        constraints: parseConstraints(['finalError<=start', 'barrier>=1', 'tilt<=3', 'tilt>=-3']),
        method: 'lbfgs',
        maxIterations: 8,
        gridMargin: 0.02,
        langevinReplicas: 0,
      },
      join(dir, 'optimized.yaml'),
    );
    const r = report.result;
    expect(report.optimizedEngine.work.mean).toBeLessThan(report.startEngine.work.mean - 0.1);
    expect(r.finalError).toBeLessThan(r.errorLimit! * 1.01);
    expect(report.violated).toBe(false);
    // Every bound the engine applies is reported for both protocols, with a gap >= 0.
    for (const check of [report.startEngine, report.optimizedEngine]) {
      expect(check.bounds.map((b) => b.name).sort()).toEqual(['clausius', 'finite-time', 'landauer', 'second-law']);
      for (const b of check.bounds) expect(b.gap).toBeGreaterThanOrEqual(0);
    }
    // Box constraints hold exactly on every knot.
    const barrier = r.theta.subarray(0, 3);
    const tilt = r.theta.subarray(3, 6);
    for (const v of barrier) expect(v).toBeGreaterThan(1);
    for (const v of tilt) expect(Math.abs(v)).toBeLessThan(3);
  });
});
