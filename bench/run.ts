/**
 * `npm run bench [-- --json] [-- --quick]`: the performance figures of issue 6,
 * side by side on this machine.
 *
 * - Langevin kernel: ns per particle-step, double well with the Sekimoto
 *   ledger (E_b 4 -> 1 and F 0 -> 2 ramps, from x = -1), Euler-Maruyama and
 *   Leimkuhler-Matthews, one thread; the same algorithm in C
 *   (bench/langevin.c, gcc -O3 -march=native) and in numpy
 *   (bench/langevin_numpy.py), run interleaved with limsim's own runs (its WebAssembly kernel, driven
 *   through LangevinEnsemble as in any run); the ratios.
 * - Worker threads: wall time of the same kernel on 131072 cells with 1 and 2
 *   threads, the speed-up, and whether the arrays are bit-identical.
 * - Monte-Carlo events per second, Fokker-Planck cell-steps per second.
 * - The wall time of `npm start`.
 * - Bytes of state per cell; garbage collections during the timed kernel runs
 *   (zero means no allocation in the hot loop: a per-step allocation would
 *   fill the young generation thousands of times over).
 *
 * Timing: each figure is the best of several repeats (the least disturbed by
 * other load on the machine); CPU time is used for per-core figures, wall time
 * for the worker speed-up and npm start. The load average before and after is
 * recorded with the results. Results: results/bench-<stamp>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { solveFokkerPlanck } from '../src/engines/fokker-planck.js';
import { BLOCK_SIZE, LangevinEnsemble, type Integrator } from '../src/engines/langevin.js';
import { runMonteCarlo, type MonteCarloProblem } from '../src/engines/monte-carlo.js';
import type { Problem } from '../src/engines/problem.js';
import { writeFileAtomic } from '../src/report/files.js';
import { hoppingC, storeThroughput } from './store-throughput.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const jsonOnly = argv.includes('--json');
const quick = argv.includes('--quick');

const REPEATS = quick ? 2 : 5;
const KERNEL_REPLICAS = 65_536;
const KERNEL_STEPS = quick ? 300 : 1000;
const DT = 1e-3;
const PARALLEL_REPLICAS = 131_072;
const PARALLEL_STEPS = quick ? 150 : 400;

const log = (text: string): void => {
  if (!jsonOnly) process.stderr.write(`${text}\n`);
};

/** The bench protocol, the same in bench/langevin.c and bench/langevin_numpy.py. */
function kernelProblem(replicas: number, steps: number): Problem {
  const duration = steps * DT;
  return {
    potential: {
      kind: 'double-well',
      barrierHeight: { kind: 'linear', from: 4, to: 1, end: duration },
      tilt: { kind: 'linear', from: 0, to: 2, end: duration },
      wellPosition: 1,
    },
    duration,
    dt: DT,
    friction: 1,
    initial: { kind: 'fixed', x: -1 },
    replicas,
    seed: 12345,
    recordPoints: 2,
  };
}

// Garbage collections, by time, to count those inside a timed interval.
const gcTimes: number[] = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcTimes.push(entry.startTime);
});
gcObserver.observe({ entryTypes: ['gc'] });
const flushObservers = () => new Promise<void>((done) => setTimeout(done, 20));
const gcIntervals: [number, number][] = [];

interface KernelTiming {
  cpuNsPerStep: number;
  wallNsPerStep: number;
  meanWork: number;
  meanHeat: number;
  maxFirstLawResidual: number;
}

function best(timings: KernelTiming[]): KernelTiming {
  return {
    ...timings[timings.length - 1],
    cpuNsPerStep: Math.min(...timings.map((t) => t.cpuNsPerStep)),
    wallNsPerStep: Math.min(...timings.map((t) => t.wallNsPerStep)),
  };
}

/** One limsim kernel run (LangevinEnsemble.advance): a fresh ensemble, `steps` steps timed. */
function timeLimsimKernel(integrator: Integrator): KernelTiming {
  const problem = kernelProblem(KERNEL_REPLICAS, KERNEL_STEPS);
  const ensemble = new LangevinEnsemble(problem, { integrator });
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  ensemble.advance(KERNEL_STEPS, DT);
  const wall1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  gcIntervals.push([wall0, wall1]);
  const n = KERNEL_REPLICAS;
  let work = 0;
  let heat = 0;
  let residual = 0;
  for (let i = 0; i < n; i++) {
    work += ensemble.work[i] / n;
    heat += ensemble.heat[i] / n;
    const du = ensemble.energy[i] - ensemble.initialEnergy[i];
    const scale = Math.abs(ensemble.work[i]) + Math.abs(ensemble.heat[i]) + 1;
    residual = Math.max(residual, Math.abs(du - (ensemble.work[i] - ensemble.heat[i])) / scale);
  }
  const perStep = n * KERNEL_STEPS;
  return {
    cpuNsPerStep: ((cpu.user + cpu.system) * 1e3) / perStep,
    wallNsPerStep: ((wall1 - wall0) * 1e6) / perStep,
    meanWork: work,
    meanHeat: heat,
    maxFirstLawResidual: residual,
  };
}

function toolVersion(command: string, args: string[]): string | undefined {
  const out = spawnSync(command, args, { encoding: 'utf8' });
  if (out.error || out.status !== 0) return undefined;
  return (out.stdout || out.stderr).split('\n')[0].trim();
}

/** Run an external reference (C binary or numpy script); undefined when it fails. */
function runReference(command: string, args: string[]): KernelTiming | undefined {
  const out = spawnSync(command, args, { encoding: 'utf8' });
  if (out.error || out.status !== 0) {
    log(`  reference ${command} failed: ${out.error?.message ?? out.stderr}`);
    return undefined;
  }
  return JSON.parse(out.stdout) as KernelTiming;
}

interface ParallelTiming {
  threads: number;
  wallMs: number;
  cpuMs: number;
  nsPerStepPerCell: number;
  /** Fraction of the blocks the calling thread ran (0.5 = an even split with one worker). */
  callerShare: number;
}

function timeParallel(threads: number): { timing: ParallelTiming; ensemble: LangevinEnsemble } {
  const problem = kernelProblem(PARALLEL_REPLICAS, PARALLEL_STEPS);
  const ensemble = new LangevinEnsemble(problem, { workers: threads });
  // Steady state: the workers joined and their kernels compiled (the pool lives
  // for the whole process, so this is paid once, not per ensemble).
  ensemble.waitForWorkers();
  ensemble.advance(10, DT);
  const before = ensemble.threadShare();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  ensemble.advance(PARALLEL_STEPS, DT);
  const wall1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const after = ensemble.threadShare();
  ensemble.close();
  const wallMs = wall1 - wall0;
  const callerShare = threads === 1 ? 1 : (after.callerBlocks - before.callerBlocks) / (after.totalBlocks - before.totalBlocks);
  return {
    timing: { threads, wallMs, cpuMs: (cpu.user + cpu.system) / 1e3, nsPerStepPerCell: (wallMs * 1e6) / (PARALLEL_REPLICAS * PARALLEL_STEPS), callerShare },
    ensemble,
  };
}

function identical(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Protocol steps of the Monte-Carlo bench: fine (rates change often) and coarse (the engine's event loop alone). */
const MONTE_CARLO_DT = [0.01, 0.1];

function monteCarloProblem(dt: number): MonteCarloProblem {
  // A 16-level chain, barriers 1 kT, nu = 10, energies tilted by a ramp F(t) i:
  // ~6 jumps per replica per unit time, rates changing every step of dt.
  const levels = 16;
  const duration = quick ? 5 : 20;
  return {
    potential: {
      kind: 'discrete',
      energies: Array.from({ length: levels }, (_, i) => ({ kind: 'linear' as const, from: 0, to: -0.05 * i, end: duration })),
      barriers: Array.from({ length: levels - 1 }, () => 1),
      attemptFrequency: 10,
    },
    duration,
    dt,
    friction: 1,
    initial: { kind: 'bits', probabilities: Array.from({ length: levels }, () => 1 / levels) },
    replicas: 65_536,
    seed: 7,
    recordPoints: 11,
  };
}

function fokkerPlanckProblem(): Problem {
  const tau = quick ? 2 : 8;
  const q = tau / 4;
  return {
    potential: {
      kind: 'double-well',
      barrierHeight: { kind: 'table', points: [[0, 8], [q, 1], [2 * q, 1], [3 * q, 8]] },
      tilt: { kind: 'table', points: [[0, 0], [q, 0], [2 * q, 3], [3 * q, 3], [4 * q, 0]] },
    },
    duration: tau,
    dt: 1e-3,
    friction: 1,
    initial: { kind: 'bits', probabilities: [0.5, 0.5] },
    replicas: 1,
    seed: 1,
    recordPoints: 11,
  };
}

function timeCall<T>(run: () => T): { result: T; wallMs: number; cpuMs: number } {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const result = run();
  const wallMs = performance.now() - wall0;
  const cpu = process.cpuUsage(cpu0);
  return { result, wallMs, cpuMs: (cpu.user + cpu.system) / 1e3 };
}

const fmt = (value: number | undefined, digits = 3): string =>
  value === undefined || !Number.isFinite(value) ? 'n/a' : Number(value.toPrecision(digits)).toString();

async function main(): Promise<void> {
  const loadBefore = loadavg();
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    gcc: toolVersion('gcc', ['--version']),
    python: toolVersion('python3', ['--version']),
    numpy: toolVersion('python3', ['-c', 'import numpy; print(numpy.__version__)']),
  };
  log(`limsim bench on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}; load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

  // C reference: build once.
  const buildDir = mkdtempSync(join(tmpdir(), 'limsim-bench-'));
  let cBinary: string | undefined;
  if (machine.gcc) {
    const binary = join(buildDir, 'langevin');
    const build = spawnSync('gcc', ['-O3', '-march=native', '-o', binary, join(root, 'bench', 'langevin.c'), '-lm'], { encoding: 'utf8' });
    if (build.status === 0) cBinary = binary;
    else log(`  gcc failed: ${build.stderr}`);
  }
  const numpyScript = machine.numpy ? join(root, 'bench', 'langevin_numpy.py') : undefined;

  // 1. Kernel: limsim, C and numpy interleaved, best of REPEATS each.
  log(`Langevin kernel: ${KERNEL_REPLICAS} cells x ${KERNEL_STEPS} steps, best of ${REPEATS}`);
  const integrators: Integrator[] = ['euler-maruyama', 'leimkuhler-matthews'];
  const limsim: Record<string, KernelTiming[]> = {};
  const c: Record<string, KernelTiming[]> = {};
  const numpy: Record<string, KernelTiming[]> = {};
  // Warm-up (not timed, not counted): V8 interprets the kernel, boxing doubles,
  // until it optimizes it; allocation is only judged on the optimized runs.
  for (const integrator of integrators) timeLimsimKernel(integrator);
  gcIntervals.length = 0;
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const integrator of integrators) {
      const flag = integrator === 'euler-maruyama' ? 'em' : 'lm';
      (limsim[integrator] ??= []).push(timeLimsimKernel(integrator));
      if (cBinary) {
        const timing = runReference(cBinary, [String(KERNEL_REPLICAS), String(KERNEL_STEPS), String(DT), flag, '1']);
        if (timing) (c[integrator] ??= []).push(timing);
      }
      // numpy is slower and steadier: fewer repeats.
      if (numpyScript && rep < Math.max(1, REPEATS - 2)) {
        const timing = runReference('python3', [numpyScript, String(KERNEL_REPLICAS), String(KERNEL_STEPS), String(DT), flag, '1']);
        if (timing) (numpy[integrator] ??= []).push(timing);
      }
    }
    log(`  round ${rep + 1}/${REPEATS} done`);
  }
  const kernel = integrators.map((integrator) => {
    const limsimBest = best(limsim[integrator]);
    const cBest = c[integrator] ? best(c[integrator]) : undefined;
    const numpyBest = numpy[integrator] ? best(numpy[integrator]) : undefined;
    return {
      integrator,
      limsim: limsimBest,
      c: cBest,
      numpy: numpyBest,
      ratioLimsimToC: cBest ? limsimBest.cpuNsPerStep / cBest.cpuNsPerStep : undefined,
      ratioNumpyToLimsim: numpyBest ? numpyBest.cpuNsPerStep / limsimBest.cpuNsPerStep : undefined,
    };
  });

  // 2. Worker threads.
  log(`Worker threads: ${PARALLEL_REPLICAS} cells x ${PARALLEL_STEPS} steps, 1 and 2 threads, best of ${REPEATS + 2}`);
  const parallelRuns: Record<number, ParallelTiming[]> = { 1: [], 2: [] };
  let bitIdentical = true;
  for (let rep = 0; rep < REPEATS + 2; rep++) {
    const one = timeParallel(1);
    const two = timeParallel(2);
    parallelRuns[1].push(one.timing);
    parallelRuns[2].push(two.timing);
    for (const key of ['position', 'energy', 'work', 'heat'] as const) bitIdentical &&= identical(one.ensemble[key], two.ensemble[key]);
  }
  const bestParallel = (threads: number) => parallelRuns[threads].reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const parallel = { replicas: PARALLEL_REPLICAS, steps: PARALLEL_STEPS, one: bestParallel(1), two: bestParallel(2), speedUp: bestParallel(1).wallMs / bestParallel(2).wallMs, bitIdentical };

  // 3. Monte-Carlo and Fokker-Planck (engines owned elsewhere: timed through their public functions).
  log('Monte-Carlo and Fokker-Planck');
  type MonteCarloTiming = { dt: number; events: number; wallMs: number; cpuMs: number; eventsPerSecond: number; eventsPerCpuSecond: number } | { dt: number; error: string };
  const monteCarlo: MonteCarloTiming[] = MONTE_CARLO_DT.map((dt) => {
    try {
      const problem = monteCarloProblem(dt);
      const runs = Array.from({ length: Math.max(2, REPEATS - 2) }, () => timeCall(() => runMonteCarlo(problem)));
      const fastest = runs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
      const events = fastest.result.events;
      return { dt, events, wallMs: fastest.wallMs, cpuMs: fastest.cpuMs, eventsPerSecond: events / (fastest.wallMs / 1e3), eventsPerCpuSecond: events / (fastest.cpuMs / 1e3) };
    } catch (error) {
      return { dt, error: (error as Error).message };
    }
  });
  let fokkerPlanck: { cells: number; steps: number; wallMs: number; cpuMs: number; cellStepsPerSecond: number } | { error: string };
  try {
    const problem = fokkerPlanckProblem();
    const runs = Array.from({ length: Math.max(2, REPEATS - 2) }, () => timeCall(() => solveFokkerPlanck(problem)));
    const fastest = runs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
    const { cells } = fastest.result.grid;
    const steps = fastest.result.steps;
    fokkerPlanck = { cells, steps, wallMs: fastest.wallMs, cpuMs: fastest.cpuMs, cellStepsPerSecond: (cells * steps) / (fastest.cpuMs / 1e3) };
  } catch (error) {
    fokkerPlanck = { error: (error as Error).message };
  }

  // 4. npm start, end to end (output to a scratch folder, not results/).
  log('npm start');
  const startRuns: number[] = [];
  let startError: string | undefined;
  for (let rep = 0; rep < (quick ? 1 : 2); rep++) {
    const out = join(buildDir, `start-${rep}`);
    const wall0 = performance.now();
    const run = spawnSync('npm', ['start', '--silent', '--', '--out', out], { cwd: root, encoding: 'utf8' });
    const wall = performance.now() - wall0;
    if (run.status !== 0) {
      startError = run.stderr.split('\n').slice(-5).join(' ');
      break;
    }
    startRuns.push(wall);
  }
  const startScript = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
  const npmStart = startError ? { error: startError, script: startScript } : { wallSeconds: Math.min(...startRuns) / 1e3, script: startScript };

  // 5. Memory and allocation.
  const memory = integrators.map((integrator) => {
    const ensemble = new LangevinEnsemble(kernelProblem(4 * BLOCK_SIZE, 1), { integrator });
    return { integrator, ...ensemble.bytesPerCell() };
  });
  await flushObservers();
  const gcDuringKernel = gcTimes.filter((t) => gcIntervals.some(([a, b]) => t >= a && t <= b)).length;
  gcObserver.disconnect();
  const kernelSteps = gcIntervals.length * KERNEL_REPLICAS * KERNEL_STEPS;

  // 6. Parameter stores: cell-updates per CPU second at N = 1e5 (bench/store-throughput.ts), and the C hopping reference.
  log('parameter stores');
  const storeN = 100_000;
  const storeUpdates = quick ? 30 : 1000;
  const stores = storeThroughput(storeN, storeUpdates);
  const storeC = machine.gcc ? hoppingC(buildDir, root, storeN, storeUpdates) : null;

  rmSync(buildDir, { recursive: true, force: true });
  const loadAfter = loadavg();
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const report = {
    stamp,
    command: `npm run bench${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    machine,
    loadAverage: { before: loadBefore, after: loadAfter },
    settings: { repeats: REPEATS, kernelReplicas: KERNEL_REPLICAS, kernelSteps: KERNEL_STEPS, dt: DT, blockSize: BLOCK_SIZE },
    kernel,
    parallel,
    monteCarlo,
    fokkerPlanck,
    npmStart,
    memory,
    stores: { parameters: storeN, updates: storeUpdates, rows: stores, c: storeC },
    allocation: { timedParticleSteps: kernelSteps, garbageCollections: gcDuringKernel },
    targets: {
      kernelWithin1_5xOfC: kernel.every((k) => k.ratioLimsimToC !== undefined && k.ratioLimsimToC <= 1.5),
      speedUpAtLeast1_8: parallel.speedUp >= 1.8,
      monteCarloAtLeast1e7PerCoreSecond: monteCarlo.map((m) => ({ dt: m.dt, met: 'eventsPerCpuSecond' in m && m.eventsPerCpuSecond >= 1e7 })),
      atMost64BytesPerCell: memory.every((m) => m.total <= 64),
      noAllocationInHotLoop: gcDuringKernel === 0,
      storesAtLeast2e6CellUpdatesPerSecond: stores.map((r) => ({ store: r.store, met: r.cellUpdatesPerSecond >= 2e6 })),
      storesAtMost64BytesPerCell: stores.map((r) => ({ store: r.store, met: r.bytesPerCell <= 64, wholeRunMet: r.wholeRunBytesPerCell <= 64 })),
    },
  };
  const resultsDir = join(root, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-${stamp}.json`);
  writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`);

  if (jsonOnly) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const rows: [string, string, string][] = [];
  for (const k of kernel) {
    const name = k.integrator === 'euler-maruyama' ? 'EM' : 'LM';
    rows.push([`Langevin ${name}, limsim (WebAssembly kernel, 1 thread)`, `${fmt(k.limsim.cpuNsPerStep)} ns/particle-step`, `<W> = ${fmt(k.limsim.meanWork, 4)}, <Q> = ${fmt(k.limsim.meanHeat, 4)}, first law ${k.limsim.maxFirstLawResidual.toExponential(1)}`]);
    if (k.c) rows.push([`Langevin ${name}, C (gcc -O3 -march=native)`, `${fmt(k.c.cpuNsPerStep)} ns/particle-step`, `limsim / C = ${fmt(k.ratioLimsimToC)} (target <= 1.5); <W> = ${fmt(k.c.meanWork, 4)}, <Q> = ${fmt(k.c.meanHeat, 4)}`]);
    if (k.numpy) rows.push([`Langevin ${name}, numpy (vectorized)`, `${fmt(k.numpy.cpuNsPerStep)} ns/particle-step`, `numpy / limsim = ${fmt(k.ratioNumpyToLimsim)}; <W> = ${fmt(k.numpy.meanWork, 4)}, <Q> = ${fmt(k.numpy.meanHeat, 4)}`]);
  }
  rows.push([`Worker threads, ${PARALLEL_REPLICAS} cells, 1 thread`, `${fmt(parallel.one.wallMs)} ms wall`, `${fmt(parallel.one.nsPerStepPerCell)} ns/particle-step (wall), ${fmt(parallel.one.cpuMs)} ms CPU`]);
  rows.push([
    `Worker threads, ${PARALLEL_REPLICAS} cells, 2 threads`,
    `${fmt(parallel.two.wallMs)} ms wall`,
    `speed-up ${fmt(parallel.speedUp)} (target >= 1.8); ${fmt(parallel.two.cpuMs)} ms CPU; caller ran ${fmt(100 * parallel.two.callerShare, 2)}% of blocks; bit-identical: ${bitIdentical ? 'yes' : 'NO'}`,
  ]);
  for (const m of monteCarlo) {
    const name = `Monte-Carlo (runMonteCarlo), protocol step ${m.dt}`;
    if ('eventsPerCpuSecond' in m) {
      rows.push([name, `${fmt(m.eventsPerCpuSecond)} events/s/core`, `${fmt(m.events)} events, 65536 replicas, 16 levels, ${fmt(m.cpuMs)} ms CPU (target >= 1e7)`]);
    } else rows.push([name, 'n/a', m.error]);
  }
  if ('cellStepsPerSecond' in fokkerPlanck) {
    rows.push(['Fokker-Planck (solveFokkerPlanck)', `${fmt(fokkerPlanck.cellStepsPerSecond)} cell-steps/s`, `${fokkerPlanck.cells} cells x ${fokkerPlanck.steps} steps in ${fmt(fokkerPlanck.cpuMs)} ms CPU`]);
  } else rows.push(['Fokker-Planck (solveFokkerPlanck)', 'n/a', fokkerPlanck.error]);
  rows.push(['npm start', 'wallSeconds' in npmStart ? `${fmt(npmStart.wallSeconds)} s wall` : 'n/a', 'wallSeconds' in npmStart ? `\`${startScript}\`, end to end` : npmStart.error]);
  for (const m of memory) {
    const name = m.integrator === 'euler-maruyama' ? 'EM' : 'LM';
    rows.push([`State per cell, ${name}`, `${fmt(m.total)} bytes`, `${fmt(m.advanced)} bytes advanced by the kernel (target <= 64)`]);
  }
  for (const r of stores) {
    rows.push([
      `Store ${r.store}, ${fmt(r.parameters)} parameters x ${r.updates} updates`,
      `${fmt(r.cellUpdatesPerSecond)} cell-updates/s/core`,
      `${fmt(r.cpuSeconds)} s CPU, ${fmt(r.wallSeconds)} s wall; ${fmt(r.bytesPerCell)} bytes/cell of store state at its largest over the run (${r.checkpoints} checkpoints, bound snapshots included), ${fmt(r.wholeRunBytesPerCell)} with the loop's parameter and gradient buffers (target >= 2e6 /s, <= 64 B); final mse ${fmt(r.finalMeanSquareError, 4)}`,
    ]);
  }
  if (storeC) {
    const lim = stores[0];
    rows.push([
      'LIM hopping update, C (bench/hopping.c, gcc -O3 -march=native)',
      `${fmt(storeC.cellUpdatesPerSecond)} cell-updates/s/core`,
      `limsim / C time = ${fmt(storeC.cellUpdatesPerSecond / lim.cellUpdatesPerSecond)}; final mse ${fmt(storeC.finalMeanSquareError, 4)}`,
    ]);
  }
  rows.push(['Garbage collections in timed kernel runs', String(gcDuringKernel), `over ${fmt(kernelSteps)} particle-steps after warm-up (0 = no allocation in the hot loop)`]);
  const width = [0, 1, 2].map((col) => Math.max(...rows.map((r) => r[col].length), 8));
  const line = (cells: string[]) => `| ${cells.map((cell, col) => cell.padEnd(width[col])).join(' | ')} |`;
  const table = [line(['benchmark', 'result', 'notes']), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
  process.stdout.write(`${table}\n\n`);
  process.stdout.write(
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ${machine.gcc ?? 'no gcc'}, numpy ${machine.numpy ?? 'absent'}; load average ${loadBefore[0].toFixed(2)} before, ${loadAfter[0].toFixed(2)} after.\n`,
  );
  process.stdout.write(`Results: ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
