import { runLangevin } from '../engines/langevin.js';
import { solveFokkerPlanck } from '../engines/fokker-planck.js';
import { solveMasterEquation } from '../engines/master-equation.js';
import { runMonteCarlo } from '../engines/monte-carlo.js';
import type { EngineResult, Problem } from '../engines/problem.js';
import { buildPotential, type PotentialSpec } from '../physics/potentials.js';
import { applicableBounds, kramersRateDoubleWell } from '../thermo/bounds.js';
import { bitEntropy, jarzynskiFreeEnergy } from '../thermo/estimators.js';
import { boltzmannCdf, freeEnergyChange } from '../thermo/free-energy.js';
import { meanFirstPassageTime } from '../thermo/first-passage.js';
import { censoredExponentialRate, kolmogorovSmirnov } from '../thermo/statistics.js';

/**
 * The physics validation suite behind `limsim verify`: each check runs an
 * engine and holds a measured value against an analytic one (or another
 * engine) at a stated tolerance, with fixed seeds.
 */
export interface VerifyCheck {
  name: string;
  /** Measured value (kT, rate, p-value, ... as `unit` says). */
  measured: number;
  /** Its standard error (0 when exact). */
  error: number;
  /** What it is held against. */
  expected: number;
  /** The tolerance in words, e.g. "4 SE" or "> 0.001". */
  tolerance: string;
  unit: string;
  pass: boolean;
}

export interface VerifyOptions {
  /** Small ensembles: the whole suite within a minute on 2 cores. */
  quick?: boolean;
  seed?: number;
}

const base = { friction: 1, recordPoints: 2 } as const;

/** The landauer-erasure protocol (sim-configs/landauer-erasure.yaml) over duration tau. */
export function erasureProtocol(tau: number): PotentialSpec {
  const q = tau / 4;
  return {
    kind: 'double-well',
    barrierHeight: { kind: 'table', points: [[0, 8], [q, 1], [2 * q, 1], [3 * q, 8]] },
    tilt: { kind: 'table', points: [[0, 0], [q, 0], [2 * q, 3], [3 * q, 3], [4 * q, 0]] },
  };
}

function within(name: string, measured: number, error: number, expected: number, unit: string, sigmas = 4): VerifyCheck {
  return { name, measured, error, expected, tolerance: `${sigmas} SE`, unit, pass: Math.abs(measured - expected) <= sigmas * error };
}

function atLeast(name: string, measured: number, error: number, floor: number, unit: string): VerifyCheck {
  return { name, measured, error, expected: floor, tolerance: '>= (4 SE)', unit, pass: measured >= floor - 4 * error };
}

/** Run the suite; checks are independent and ordered as in the README. */
export function runVerify(options: VerifyOptions = {}): VerifyCheck[] {
  const scale = options.quick ? 1 : 4;
  const seed = options.seed ?? 2024;
  const checks: VerifyCheck[] = [];
  const boundRuns: { label: string; problem: Problem; result: EngineResult }[] = [];

  // First law per trajectory (Langevin ledger): |dU - (W - Q)| / (|W| + |Q| + 1) at round-off.
  {
    const problem: Problem = { ...base, potential: erasureProtocol(4), duration: 4, dt: 1e-3, initial: { kind: 'bits', probabilities: [0.5, 0.5] }, replicas: 200, seed };
    const t = runLangevin(problem).trajectories!;
    let worst = 0;
    for (let i = 0; i < t.work.length; i++) {
      worst = Math.max(worst, Math.abs(t.energyChange[i] - (t.work[i] - t.heat[i])) / (Math.abs(t.work[i]) + Math.abs(t.heat[i]) + 1));
    }
    checks.push({ name: 'first law per trajectory (Langevin)', measured: worst, error: 0, expected: 0, tolerance: '< 1e-9 relative', unit: 'rel.', pass: worst < 1e-9 });
  }

  // Boltzmann: Leimkuhler-Matthews relaxes from x = -1 to exp(-U)/Z (KS test).
  {
    const potential: PotentialSpec = { kind: 'double-well', barrierHeight: 2 };
    const result = runLangevin(
      { ...base, potential, duration: 25, dt: 2e-3, initial: { kind: 'fixed', x: -1 }, replicas: 1000 * scale, seed },
      { integrator: 'leimkuhler-matthews' },
    );
    const cdf = boltzmannCdf(buildPotential(potential));
    const { pValue } = kolmogorovSmirnov(result.trajectories!.finalPosition!, cdf);
    checks.push({ name: 'Boltzmann density (Langevin LM, KS p-value)', measured: pValue, error: 0, expected: 0.001, tolerance: '> 0.001', unit: 'p', pass: pValue > 0.001 });
  }

  // Kramers: Langevin escape at 4 kT against the exact first-passage rate; the formula's error shrinks with E_b.
  {
    const potential: PotentialSpec = { kind: 'double-well', barrierHeight: 4 };
    const duration = 60;
    const { firstPassageTime } = runLangevin(
      { ...base, potential, duration, dt: 2e-3, initial: { kind: 'fixed', x: -1 }, replicas: 400 * scale, seed },
      { firstPassageLevel: 1 },
    );
    const measured = censoredExponentialRate(firstPassageTime, duration);
    const exact = 1 / meanFirstPassageTime(buildPotential(potential), -1, 1);
    checks.push(within('Kramers escape, Langevin vs exact MFPT (4 kT)', measured.rate, measured.se, exact, '1/time'));
    const errors = [4, 6, 8].map((eb) => {
      const rate = 1 / meanFirstPassageTime(buildPotential({ kind: 'double-well', barrierHeight: eb }), -1, 1);
      return Math.abs(rate / kramersRateDoubleWell(eb) - 1);
    });
    checks.push({
      name: 'Kramers formula rel. error at 4, 6, 8 kT shrinks',
      measured: errors[2],
      error: 0,
      expected: errors[0],
      tolerance: `${errors.map((e) => (100 * e).toFixed(1) + '%').join(' > ')}`,
      unit: 'rel.',
      pass: errors[0] > errors[1] && errors[1] > errors[2],
    });
  }

  // Monte-Carlo escape equals the exact rate 1/MFPT of the same potential (rates: exact, docs/kinetics.md);
  // 20000 replicas resolve it to < 1 %, so the Kramers rate (5.7 % low at 8 kT, 4.3 % at 10 kT) would fail.
  for (const barrierHeight of [8, 10]) {
    const potential: PotentialSpec = { kind: 'double-well', barrierHeight };
    const exact = 1 / meanFirstPassageTime(buildPotential(potential), -1, 1);
    const duration = 6 / exact;
    const mc = runMonteCarlo({ ...base, potential, duration, dt: duration / 1000, initial: { kind: 'fixed', x: -1 }, replicas: 20000 * scale, seed });
    const measured = censoredExponentialRate(mc.trajectories.firstJumpTime, duration);
    checks.push(within(`Monte-Carlo escape vs exact rate 1/MFPT (${barrierHeight} kT)`, measured.rate, measured.se, exact, '1/time'));
  }

  // Jarzynski and the second law on a barrier raise from equilibrium (sim-configs/barrier-raise.yaml).
  {
    const potential: PotentialSpec = { kind: 'double-well', barrierHeight: { kind: 'linear', from: 2, to: 8, end: 2 } };
    const problem: Problem = { ...base, potential, duration: 2, dt: 1e-3, initial: { kind: 'boltzmann' }, replicas: 2000 * scale, seed };
    const result = runLangevin(problem, { integrator: 'leimkuhler-matthews' });
    const deltaF = freeEnergyChange(potential, 0, 2);
    const j = jarzynskiFreeEnergy(result.trajectories!.work, { seed });
    checks.push(within('Jarzynski -ln<exp(-W)> = dF (barrier raise)', j.mean, j.se, deltaF, 'kT'));
    checks.push(atLeast('second law <W> >= dF (barrier raise)', result.work.mean, result.work.se, deltaF, 'kT'));
    boundRuns.push({ label: 'barrier raise', problem, result });
  }

  // Landauer: the erasure heat stays above kT (ln 2 - H(eps)) and approaches it as tau grows (Fokker-Planck: exact averages).
  {
    const heats = [5, 20, 80].map((tau) => {
      const problem: Problem = { ...base, potential: erasureProtocol(tau), duration: tau, dt: 2e-3, initial: { kind: 'bits', probabilities: [0.5, 0.5] }, replicas: 1, seed };
      const result = solveFokkerPlanck(problem);
      boundRuns.push({ label: `erasure tau=${tau} (FP)`, problem, result });
      return { tau, heat: result.heat.mean, floor: Math.LN2 - bitEntropy(result.finalOccupancy[0]) };
    });
    const falling = heats.every((h, i) => i === 0 || h.heat < heats[i - 1].heat);
    const last = heats[heats.length - 1];
    checks.push({
      name: 'Landauer: <Q> falls toward ln2 - H(eps) (FP, tau 5/20/80)',
      measured: last.heat,
      error: 0,
      expected: last.floor,
      tolerance: `falling, >= floor (${heats.map((h) => h.heat.toFixed(3)).join(' > ')})`,
      unit: 'kT',
      pass: falling && heats.every((h) => h.heat >= h.floor),
    });
  }

  // Langevin and Fokker-Planck agree on <W> and <Q> for landauer-erasure.
  {
    const tau = 10;
    const problem: Problem = { ...base, potential: erasureProtocol(tau), duration: tau, dt: 1e-3, initial: { kind: 'bits', probabilities: [0.5, 0.5] }, replicas: 1000 * scale, seed };
    const langevin = runLangevin(problem);
    const fp = solveFokkerPlanck(problem);
    checks.push(within('erasure <W>: Langevin vs Fokker-Planck', langevin.work.mean, langevin.work.se, fp.work.mean, 'kT'));
    checks.push(within('erasure <Q>: Langevin vs Fokker-Planck', langevin.heat.mean, langevin.heat.se, fp.heat.mean, 'kT'));
    boundRuns.push({ label: 'erasure tau=10 (Langevin)', problem, result: langevin });
  }

  // Monte-Carlo and the master equation agree on a time-dependent two-state protocol.
  {
    const problem: Problem = {
      ...base,
      potential: { kind: 'double-well', barrierHeight: 4, tilt: { kind: 'linear', from: -1, to: 4, end: 20 } },
      duration: 20,
      dt: 0.01,
      initial: { kind: 'boltzmann' },
      replicas: 5000 * scale,
      seed,
    };
    const mc = runMonteCarlo(problem);
    const me = solveMasterEquation(problem);
    checks.push(within('tilt ramp <Q>: Monte-Carlo vs master equation', mc.heat.mean, mc.heat.se, me.heat.mean, 'kT'));
    const p = me.finalOccupancy[1];
    const occupancySe = Math.sqrt((p * (1 - p)) / problem.replicas);
    checks.push(within('tilt ramp occupancy p1: Monte-Carlo vs master eq.', mc.finalOccupancy[1], occupancySe, p, 'prob.'));
    boundRuns.push({ label: 'tilt ramp (MC)', problem, result: mc });
  }

  // Finite-time bound on a harmonic drag (sim-configs/harmonic-drag.yaml).
  {
    const problem: Problem = {
      ...base,
      potential: { kind: 'harmonic', stiffness: 4, centre: { kind: 'linear', from: 0, to: 4, end: 4 } },
      duration: 4,
      dt: 1e-3,
      initial: { kind: 'boltzmann' },
      replicas: 1000 * scale,
      seed,
    };
    const result = runLangevin(problem);
    const exact = 4 - 0.25 * (1 - Math.exp(-16));
    checks.push(within('harmonic drag <W> = v^2[tau - (1 - e^{-k tau})/k]', result.work.mean, result.work.se, exact, 'kT'));
    boundRuns.push({ label: 'harmonic drag', problem, result });
  }

  // No applicable bound is violated in any of the runs above.
  {
    const reports = boundRuns.flatMap(({ label, problem, result }) => applicableBounds(problem, result).map((r) => ({ label, ...r })));
    const violated = reports.filter((r) => r.violated);
    checks.push({
      name: `no bound violated (${reports.length} checks: ${[...new Set(reports.map((r) => r.name))].join(', ')})`,
      measured: violated.length,
      error: 0,
      expected: 0,
      tolerance: 'none beyond 4 SE',
      unit: 'count',
      pass: violated.length === 0,
    });
  }
  return checks;
}
