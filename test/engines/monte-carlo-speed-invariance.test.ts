import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MONTE_CARLO_BLOCK, runMonteCarlo, type MonteCarloProblem, type MonteCarloResult } from '../../src/engines/monte-carlo.js';
import type { TimeseriesPoint } from '../../src/engines/problem.js';
import { buildDiscreteModel, initialProbabilities, protocolSteps, recordSteps, type MemorySpec } from '../../src/memory/discrete.js';
import { randomStream } from '../../src/physics/rng.js';
import { estimateMean } from '../../src/thermo/statistics.js';

/**
 * The optimized Monte-Carlo engine against a plain reference implementation
 * of the same documented algorithm (src/engines/monte-carlo.ts header), bit
 * for bit: the engine's smallest-target bookkeeping, due lists and inlined
 * loops only decide which replicas to visit, never what happens to them, so
 * every reported number must equal the reference exactly (no tolerance).
 *
 * Reference: every protocol step visits every replica in index order; a
 * replica whose target level of its state clock H_s is passed jumps (in the
 * integrated-hazard form of Gillespie's algorithm) until its new target lies
 * beyond the step. Random draws come from randomStream(seed, block,
 * 'monte-carlo') per block of MONTE_CARLO_BLOCK replicas, in replica order;
 * the ensemble sums (heat, booked work, booked energy) are accumulated in
 * global replica order, event by event.
 */

function referenceMonteCarlo(problem: MonteCarloProblem): MonteCarloResult {
  const model = buildDiscreteModel(problem.potential, problem.friction, { engine: 'monte-carlo' });
  model.setTime(0);
  const start = initialProbabilities(model, problem.initial);
  const n = model.stateCount;
  const N = problem.replicas;
  const { energies, rateUp, escapeRate } = model;
  const streams = Array.from({ length: Math.ceil(N / MONTE_CARLO_BLOCK) }, (_, b) => randomStream(problem.seed, b, 'monte-carlo'));
  const streamOf = (r: number) => streams[Math.floor(r / MONTE_CARLO_BLOCK)];

  const state = new Int32Array(N);
  const initialState = new Int32Array(N);
  const target = new Float64Array(N);
  const work = new Float64Array(N);
  const heat = new Float64Array(N);
  const bookedEnergy = new Float64Array(N);
  const initialEnergy = new Float64Array(N);
  const jumpCount = new Int32Array(N);
  const firstJumpTime = new Float64Array(N).fill(Infinity);
  const counts = new Float64Array(n);
  const clock = new Float64Array(n);
  const clockEnd = new Float64Array(n);
  let sumWorkBooked = 0;
  let sumHeat = 0;
  let sumBookedEnergy = 0;
  let events = 0;

  const cumulative = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cumulative[i] = total += start[i];
  for (let r = 0; r < N; r++) {
    const stream = streamOf(r);
    const u = stream.uniform() * total;
    let s = n - 1;
    for (let i = 0; i < n - 1; i++) {
      if (u < cumulative[i]) {
        s = i;
        break;
      }
    }
    state[r] = initialState[r] = s;
    initialEnergy[r] = bookedEnergy[r] = energies[s];
    sumBookedEnergy += energies[s];
    counts[s]++;
    target[r] = stream.exponential();
  }

  const snapshot = (t: number): TimeseriesPoint => {
    let energy = 0;
    for (let s = 0; s < n; s++) energy += counts[s] * energies[s];
    return {
      t,
      work: (sumWorkBooked + energy - sumBookedEnergy) / N,
      heat: sumHeat / N,
      energy: energy / N,
      occupancy: Array.from(counts, (c) => c / N),
      parameters: model.parameters(),
    };
  };

  const steps = protocolSteps(problem.duration, problem.dt);
  const recordAt = recordSteps(steps, problem.recordPoints);
  const timeseries: TimeseriesPoint[] = [];
  let k = 0;
  while (k < recordAt.length && recordAt[k] === 0) timeseries.push(snapshot(0)), k++;
  for (let step = 0; step < steps; step++) {
    const tStart = (step * problem.duration) / steps;
    const tEnd = ((step + 1) * problem.duration) / steps;
    const length = tEnd - tStart;
    model.setTime(tEnd);
    for (let s = 0; s < n; s++) clockEnd[s] = clock[s] + escapeRate[s] * length;
    for (let r = 0; r < N; r++) {
      let s = state[r];
      let level = target[r];
      if (!(level < clockEnd[s])) continue;
      const stream = streamOf(r);
      let elapsed = 0;
      do {
        const rate = escapeRate[s];
        elapsed = Math.min(Math.max((level - clock[s]) / rate, elapsed), length);
        const next = stream.uniform() * rate < rateUp[s] ? s + 1 : s - 1;
        const workDone = energies[s] - bookedEnergy[r];
        const heatReleased = energies[s] - energies[next];
        work[r] += workDone;
        heat[r] += heatReleased;
        sumWorkBooked += workDone;
        sumHeat += heatReleased;
        sumBookedEnergy += energies[next] - bookedEnergy[r];
        bookedEnergy[r] = energies[next];
        counts[s]--;
        counts[next]++;
        if (jumpCount[r] === 0) firstJumpTime[r] = tStart + elapsed;
        jumpCount[r]++;
        events++;
        s = next;
        level = clock[s] + escapeRate[s] * elapsed + stream.exponential();
      } while (level < clockEnd[s]);
      state[r] = s;
      target[r] = level;
    }
    clock.set(clockEnd);
    while (k < recordAt.length && recordAt[k] === step + 1) timeseries.push(snapshot(tEnd)), k++;
  }

  const energyChange = new Float64Array(N);
  for (let r = 0; r < N; r++) {
    const e = energies[state[r]];
    work[r] += e - bookedEnergy[r];
    energyChange[r] = e - initialEnergy[r];
  }
  const initialOccupancy = new Array<number>(n).fill(0);
  for (let r = 0; r < N; r++) initialOccupancy[initialState[r]] += 1 / N;
  return {
    engine: 'monte-carlo',
    work: estimateMean(work),
    heat: estimateMean(heat),
    energyChange: estimateMean(energyChange),
    initialOccupancy,
    finalOccupancy: Array.from(counts, (c) => c / N),
    timeseries,
    trajectories: { work, heat, energyChange, finalState: state, initialState, jumpCount, firstJumpTime },
    events,
  };
}

/**
 * Every reported number as its exact bit pattern, keyed by field path
 * (per-trajectory arrays as a SHA-256 of their bytes, so a difference names
 * the array without printing it).
 */
function fingerprint(value: unknown, path = 'result', out: Record<string, string> = {}): Record<string, string> {
  if (typeof value === 'number') {
    const bits = new DataView(new ArrayBuffer(8));
    bits.setFloat64(0, value);
    out[path] = `${value} [${bits.getBigUint64(0).toString(16)}]`;
  } else if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    out[path] = `${value.constructor.name}(${bytes.length} bytes) ${createHash('sha256').update(bytes).digest('hex')}`;
  } else if (Array.isArray(value)) {
    out[`${path}.length`] = String(value.length);
    value.forEach((item, i) => fingerprint(item, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value).sort()) fingerprint((value as Record<string, unknown>)[key], `${path}.${key}`, out);
  } else {
    out[path] = String(value);
  }
  return out;
}

function problem(potential: MemorySpec, over: Partial<MonteCarloProblem> = {}): MonteCarloProblem {
  return {
    potential,
    duration: 20,
    dt: 0.01,
    friction: 1,
    initial: { kind: 'bits', probabilities: [0.5, 0.5] },
    replicas: 5000,
    seed: 11,
    recordPoints: 5,
    ...over,
  };
}

/** The issue-6 bench chain: 16 levels, barriers 1 kT, nu = 10, energies tilted by a ramp F(t) i. */
function benchChain(duration: number): MemorySpec {
  const levels = 16;
  return {
    kind: 'discrete',
    energies: Array.from({ length: levels }, (_, i) => ({ kind: 'linear' as const, from: 0, to: -0.05 * i, end: duration })),
    barriers: Array.from({ length: levels - 1 }, () => 1),
    attemptFrequency: 10,
  };
}
const uniform16 = { kind: 'bits' as const, probabilities: Array.from({ length: 16 }, () => 1 / 16) };

const holdRate = buildDiscreteModel({ kind: 'double-well', barrierHeight: 40 }, 1).rate(0, 1);

const cases: { name: string; run: MonteCarloProblem }[] = [
  {
    name: 'double well Eb = 4, tilt ramp -1 -> 10, dt 0.01',
    run: problem({ kind: 'double-well', barrierHeight: 4, tilt: { kind: 'linear', from: -1, to: 10, end: 20 } }),
  },
  {
    name: 'washboard 4 levels, barrier 8 -> 2 -> 8 with a tilt pulse, Boltzmann start',
    run: problem(
      {
        kind: 'washboard',
        levels: 4,
        barrierHeight: { kind: 'table', points: [[0, 8], [5, 2], [15, 2], [20, 8]] },
        tilt: { kind: 'table', points: [[0, 0], [5, 0], [8, 1.5], [15, 1.5], [18, 0.5]] },
      },
      { initial: { kind: 'boltzmann' }, replicas: 3000 },
    ),
  },
  {
    name: 'direct 3-state erasure by energies',
    run: problem(
      {
        kind: 'discrete',
        energies: [0, { kind: 'linear', from: 0, to: 5, end: 15 }, { kind: 'linear', from: 0.5, to: 6, end: 15 }],
        barriers: [{ kind: 'table', points: [[0, 6], [3, 1.5], [15, 1.5], [20, 7]] }, 3],
        attemptFrequency: 3,
      },
      { initial: { kind: 'bits', probabilities: [0.3, 0.3, 0.4] }, replicas: 2500 },
    ),
  },
  {
    name: 'washboard 16 levels, Eb = 2, time-dependent tilt 0 -> 1.5 -> -0.5, dt 0.01',
    run: problem(
      { kind: 'washboard', levels: 16, barrierHeight: 2, tilt: { kind: 'table', points: [[0, 0], [4, 1.5], [10, -0.5]] } },
      { duration: 10, initial: { kind: 'bits', probabilities: Array.from({ length: 16 }, (_, i) => (i === 7 ? 1 : 0)) }, replicas: 4100, recordPoints: 11 },
    ),
  },
  {
    name: 'the bench chain (16 levels) at dt 0.01, a partial last block and group',
    run: problem(benchChain(3), { duration: 3, initial: uniform16, replicas: 5000, seed: 7, recordPoints: 11 }),
  },
  {
    name: 'the bench chain at dt 0.1',
    run: problem(benchChain(6), { duration: 6, dt: 0.1, initial: uniform16, replicas: 3000, seed: 7, recordPoints: 7 }),
  },
  {
    name: 'the bench chain at a coarse dt 1 (several jumps per step)',
    run: problem(benchChain(6), { duration: 6, dt: 1, initial: uniform16, replicas: 1500, seed: 3, recordPoints: 3 }),
  },
  {
    name: 'a 40 kT hold for 0.05 / k (sparse events)',
    run: problem({ kind: 'double-well', barrierHeight: 40 }, { duration: 0.05 / holdRate, dt: 0.05 / holdRate / 1000, initial: { kind: 'fixed', x: -1 }, replicas: 20_000, seed: 7, recordPoints: 3 }),
  },
  {
    name: 'Kramers escape, Eb = 6, all replicas leave (dt = duration / 1000)',
    run: problem({ kind: 'double-well', barrierHeight: 6 }, { duration: 4000, dt: 4, initial: { kind: 'fixed', x: -1 }, replicas: 2000, seed: 5 }),
  },
  {
    name: 'a few replicas (fewer than one group), symmetric double well Eb = 3',
    run: problem({ kind: 'double-well', barrierHeight: 3 }, { duration: 50, dt: 0.05, replicas: 37, seed: 2, recordPoints: 2 }),
  },
];

describe('Monte-Carlo engine = plain reference implementation, bit for bit', () => {
  it.each(cases)('$name', ({ run }) => {
    const engine = runMonteCarlo(run);
    const reference = referenceMonteCarlo(run);
    // The case exercises the engine: jumps happen.
    expect(reference.events).toBeGreaterThan(0);
    expect(fingerprint(engine)).toEqual(fingerprint(reference));
  });
});
