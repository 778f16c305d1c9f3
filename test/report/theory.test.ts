import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnyConfig, runAnyConfig } from '../../src/experiments/dispatch.js';
import { dragMeans, harmonicDrag, kramersOccupancy } from '../../src/report/theory.js';
import { kramersRateDoubleWell } from '../../src/thermo/bounds.js';

const root = join(import.meta.dirname, '..', '..');

describe('theory overlays', () => {
  it('the dragged-trap curves match a Langevin run of sim-configs/harmonic-drag.yaml within 4 SE (<W>, <Q>, Var W = 2<W>)', () => {
    const any = runAnyConfig(loadAnyConfig(join(root, 'sim-configs', 'harmonic-drag.yaml')), { replicas: 2000 });
    if (any.kind !== 'physics') throw new Error('expected a physics run');
    const config = any.run.summary.provenance.config;
    const d = harmonicDrag(config as never);
    expect(d).not.toBeNull();
    const exact = dragMeans(d!, config.time.duration);
    const r = any.run.summary.results;
    expect(Math.abs(r.work.mean - exact.work)).toBeLessThan(4 * r.work.se);
    expect(Math.abs(r.heat.mean - exact.heat)).toBeLessThan(4 * r.heat.se);
    // The work is Gaussian with variance 2 kT <W>; the sample variance has SE var * sqrt(2 / (n - 1)).
    const w = any.run.result.trajectories!.work;
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / (w.length - 1);
    expect(Math.abs(variance - 2 * exact.work)).toBeLessThan(4 * variance * Math.sqrt(2 / (w.length - 1)));
  });

  it('the exact drag work equals the closed form of the config comment at the end of the protocol', () => {
    const d = { kappa: 4, speed: 1, start: 0, end: 4, friction: 1 };
    expect(dragMeans(d, 4).work).toBeCloseTo(4 - 0.25 * (1 - Math.exp(-16)), 12);
    // After the trap stops the work is frozen and the lag's energy decays into heat.
    expect(dragMeans(d, 10).work).toBe(dragMeans(d, 4).work);
    expect(dragMeans(d, 10).energyChange).toBeLessThan(1e-9);
  });

  it('Kramers relaxation applies only to a static untilted double well started in one well', () => {
    const base = { friction: 1, potential: { kind: 'double-well', barrierHeight: 5 }, initial: { kind: 'fixed', x: -1 } };
    const k = kramersOccupancy(base, [0, 1e6]);
    expect(k?.state).toBe(1);
    expect(k?.curve.y[0]).toBe(0);
    expect(k?.curve.y[1]).toBeCloseTo(0.5, 12);
    expect(k?.curve.name).toContain(kramersRateDoubleWell(5).toPrecision(3));
    expect(kramersOccupancy({ ...base, potential: { ...base.potential, tilt: 1 } }, [0])).toBeNull();
    expect(kramersOccupancy({ ...base, potential: { kind: 'double-well', barrierHeight: { kind: 'linear', from: 5, to: 0, end: 1 } } }, [0])).toBeNull();
    expect(kramersOccupancy({ ...base, initial: { kind: 'boltzmann' } }, [0])).toBeNull();
    expect(harmonicDrag({ potential: { kind: 'harmonic', stiffness: 4, centre: { kind: 'linear', from: 0, to: 4, end: 4 } }, initial: { kind: 'fixed', x: 0 } })).toBeNull();
  });
});
