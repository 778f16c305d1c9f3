import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { LangevinEnsemble, runLangevin, type Integrator, type LangevinOptions } from '../../src/engines/langevin.js';
import { terminateWorkerPool } from '../../src/engines/parallel.js';
import type { Problem } from '../../src/engines/problem.js';
import type { PotentialSpec } from '../../src/physics/potentials.js';

/**
 * Parallel ensembles and the specialised kernels must not change a single
 * bit: every block has its own random stream, and the specialised kernels
 * evaluate the same expressions as the Potential classes.
 */

afterAll(() => terminateWorkerPool());

/** Erasure-like protocol: barrier and tilt both move, so the ledger books work and heat. */
const doubleWell: PotentialSpec = {
  kind: 'double-well',
  barrierHeight: { kind: 'table', points: [[0, 6], [0.5, 1], [1, 1], [1.5, 6]] },
  tilt: { kind: 'expression', expr: '2 * sin(pi * t / 2)' },
  wellPosition: { kind: 'linear', from: 1, to: 1.2, end: 2 },
};
const washboard: PotentialSpec = {
  kind: 'washboard',
  barrierHeight: { kind: 'linear', from: 6, to: 2, end: 2 },
  spacing: 1,
  levels: 4,
  tilt: { kind: 'linear', from: 0, to: 3, end: 2 },
  wallStiffness: 50,
};
const harmonic: PotentialSpec = {
  kind: 'harmonic',
  stiffness: { kind: 'linear', from: 2, to: 6, end: 2 },
  centre: { kind: 'linear', from: 0, to: 1.5, end: 2 },
  tilt: 0.3,
};

function problem(potential: PotentialSpec, replicas: number, initial: Problem['initial']): Problem {
  return { potential, duration: 2, dt: 2e-3, friction: 1, initial, replicas, seed: 21, recordPoints: 5 };
}

/** Per-cell extra tilts, as the learning layer would write them (five values: each needs its own Boltzmann sampler at t = 0). */
function tilts(replicas: number): Float64Array {
  return Float64Array.from({ length: replicas }, (_, i) => 0.25 * ((i % 5) - 2));
}

/** Equal arrays and timeseries; `parameterNames` false when the two name their protocol parameters differently (sum vs plain). */
function expectSameRun(a: ReturnType<typeof runLangevin>, b: ReturnType<typeof runLangevin>, parameterNames = true): void {
  const ta = a.trajectories!;
  const tb = b.trajectories!;
  // toEqual on typed arrays compares every element (Object.is semantics for NaN/-0 aside, exact values).
  expect(tb.work).toEqual(ta.work);
  expect(tb.heat).toEqual(ta.heat);
  expect(tb.energyChange).toEqual(ta.energyChange);
  expect(tb.finalPosition).toEqual(ta.finalPosition);
  expect(tb.finalState).toEqual(ta.finalState);
  expect(b.firstPassageTime).toEqual(a.firstPassageTime);
  const strip = (run: ReturnType<typeof runLangevin>) => run.timeseries.map(({ parameters, ...rest }) => (parameterNames ? { parameters, ...rest } : rest));
  expect(strip(b)).toEqual(strip(a));
  expect(b.heat).toEqual(a.heat);
}

describe('worker threads', () => {
  // 17 blocks of 256, the last one partial.
  const replicas = 16 * 256 + 37;

  it.each(['euler-maruyama', 'leimkuhler-matthews'] as Integrator[])(
    '%s: the same run with 1 and with 2 workers gives bit-identical arrays and timeseries',
    (integrator) => {
      const options = (workers: number): LangevinOptions => ({ integrator, workers, firstPassageLevel: 0.5, extraTilt: tilts(replicas) });
      const spec = problem(doubleWell, replicas, { kind: 'bits', probabilities: [0.5, 0.5] });
      const one = runLangevin(spec, options(1));
      const two = runLangevin(spec, options(2));
      expectSameRun(one, two);
      // The run did something: heat was exchanged and some cells crossed x = 0.5.
      expect(one.heat.se).toBeGreaterThan(0);
      expect(one.firstPassageTime.some((t) => Number.isFinite(t))).toBe(true);
    },
  );

  it('the worker thread takes part, and 1, 2 and 3 threads agree bit for bit over several advance calls', () => {
    const spec = problem(doubleWell, replicas, { kind: 'boltzmann' });
    const run = (workers: number) => {
      const ensemble = new LangevinEnsemble(spec, { workers, integrator: 'leimkuhler-matthews' });
      expect(ensemble.waitForWorkers(120_000)).toBe(workers - 1);
      // Uneven segments: 700 steps cross a segment boundary, then short calls.
      ensemble.advance(700, 2e-3);
      for (let k = 0; k < 5; k++) ensemble.advance(60, 2e-3);
      const share = ensemble.threadShare();
      ensemble.close();
      return { ensemble, share };
    };
    const one = run(1);
    for (const workers of [2, 3]) {
      const many = run(workers);
      for (const key of ['position', 'energy', 'work', 'heat'] as const) expect(many.ensemble[key]).toEqual(one.ensemble[key]);
      expect(many.ensemble.time).toBe(one.ensemble.time);
      // Some blocks were run by worker threads, not all by the calling thread.
      expect(many.share.callerBlocks).toBeLessThan(many.share.totalBlocks);
    }
  });

  it('washboard and harmonic cells: 1 and 2 workers agree bit for bit', () => {
    for (const potential of [washboard, harmonic]) {
      const spec = problem(potential, replicas, potential.kind === 'washboard' ? { kind: 'bits', probabilities: [0.25, 0.25, 0.25, 0.25] } : { kind: 'boltzmann' });
      expectSameRun(runLangevin(spec, { workers: 1 }), runLangevin(spec, { workers: 2 }));
    }
  });

  it('rejects a workers value that is not a whole number >= 1, naming the field', () => {
    const spec = problem(harmonic, 10, { kind: 'fixed', x: 0 });
    for (const workers of [0, 1.5, -2]) {
      expect(() => new LangevinEnsemble(spec, { workers })).toThrow(ConfigError);
      expect(() => new LangevinEnsemble(spec, { workers })).toThrow(/workers/);
    }
  });
});

describe('specialised kernels', () => {
  // A one-term sum takes the generic kernel (energy and force through the
  // Potential interface) and has exactly the same energy and force: the
  // specialised kernel must reproduce it bit for bit.
  const replicas = 3 * 256 + 11;
  const cases: { name: string; potential: PotentialSpec; initial: Problem['initial'] }[] = [
    { name: 'double well', potential: doubleWell, initial: { kind: 'bits', probabilities: [0.3, 0.7] } },
    { name: 'washboard', potential: washboard, initial: { kind: 'bits', probabilities: [0.25, 0.25, 0.25, 0.25] } },
    { name: 'harmonic', potential: harmonic, initial: { kind: 'boltzmann' } },
  ];
  for (const { name, potential, initial } of cases) {
    it.each(['euler-maruyama', 'leimkuhler-matthews'] as Integrator[])(`${name}, %s: bit-identical to the generic kernel`, (integrator) => {
      const options = (): LangevinOptions => ({ integrator, firstPassageLevel: 0.8, extraTilt: tilts(replicas) });
      const specialised = runLangevin(problem(potential, replicas, initial), options());
      const generic = runLangevin(problem({ kind: 'sum', terms: [potential] }, replicas, initial), options());
      expectSameRun(generic, specialised, false);
    });
  }

  it('a sum potential with workers runs on the calling thread and matches the 1-thread run', () => {
    const sum: PotentialSpec = { kind: 'sum', terms: [doubleWell, { kind: 'harmonic', stiffness: 0.5 }] };
    const spec = problem(sum, 600, { kind: 'boltzmann' });
    const ensemble = new LangevinEnsemble(spec, { workers: 2 });
    expect(ensemble.workers).toBe(1);
    expectSameRun(runLangevin(spec, { workers: 1 }), runLangevin(spec, { workers: 2 }));
  });
});
