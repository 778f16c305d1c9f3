import { buildDiscreteModel, type RateModel } from './discrete.js';
import { ConfigError } from '../errors.js';
import { runLangevin } from '../engines/langevin.js';
import { runMonteCarlo } from '../engines/monte-carlo.js';
import type { Estimate, Problem } from '../engines/problem.js';
import { kramersRateDoubleWell } from '../thermo/bounds.js';
import { estimateMean } from '../thermo/statistics.js';

/**
 * Writing a bit of a conventional memory (docs/physics.md §5, scheme 1): the bit is
 * a quartic double well U = E_ret ((x/x_m)^2 - 1)^2 - F(t) x with a FIXED
 * retention barrier, and a write is a tilt pulse toward the target well:
 *
 *   F(t): 0 -> F_peak over the first `rampFraction` of the pulse, held, then
 *   back to 0 over the last `rampFraction`; F_peak = peakTilt * F_c,
 *   F_c = 8 E_ret / (3 sqrt 3 x_m) the critical tilt at which the start well
 *   disappears.
 *
 * A bit already in the target well stays there (the "no-op" pulse of an
 * erase applied to a 0). A bit in the other well is forced over the barrier:
 * it slides down a drop of about 2 F_peak x_m and releases that as heat, some
 * 2-3 E_ret per flip for peakTilt near 1 (so "about the barrier height per
 * flip" of docs/physics.md §5 holds as an order of magnitude; the factor is
 * measured and reported).
 *
 * The cost is CALIBRATED once per (barrier, pulse) by simulating the pulse on
 * an ensemble of single cells with the Monte-Carlo engine (runMonteCarlo, the
 * discrete Kramers model) or the Langevin engine (runLangevin), through the
 * ordinary Problem interface. The stores then draw the heat of each pulse
 * from the calibration's per-trajectory sample (the pulses on different bits
 * are independent and identical, so this has the same law as simulating each
 * pulse; test/learning/stores-physics.test.ts holds the calibration against a
 * direct Langevin simulation at a moderate barrier).
 */

export type BitEngine = 'monte-carlo' | 'langevin';

export interface WritePulse {
  /** Pulse duration tau_w, reduced time. */
  duration: number;
  /** F_peak / F_c (> 1: the start well vanishes and the flip is deterministic). */
  peakTilt: number;
  /** Fraction of the pulse spent on each ramp (0 < f <= 0.5). */
  rampFraction: number;
}

export const DEFAULT_WRITE_PULSE: WritePulse = { duration: 1, peakTilt: 1.2, rampFraction: 0.25 };

/** Critical tilt of the quartic double well, kT per length: max |U'| of the untilted well, at x = x_m / sqrt 3. */
export function criticalTiltDoubleWell(barrierHeight: number, wellPosition = 1): number {
  return (8 * barrierHeight) / (3 * Math.sqrt(3) * wellPosition);
}

/** The Problem of one write pulse toward state 1 (tilt > 0) on `replicas` cells starting in state `startState`. */
export function writePulseProblem(
  barrierHeight: number,
  pulse: WritePulse,
  startState: 0 | 1,
  options: { replicas: number; seed: number; dt: number },
): Problem {
  const peak = pulse.peakTilt * criticalTiltDoubleWell(barrierHeight);
  const tau = pulse.duration;
  const ramp = pulse.rampFraction * tau;
  const points: [number, number][] =
    ramp >= 0.5 * tau
      ? [
          [0, 0],
          [0.5 * tau, peak],
          [tau, 0],
        ]
      : [
          [0, 0],
          [ramp, peak],
          [tau - ramp, peak],
          [tau, 0],
        ];
  return {
    potential: { kind: 'double-well', barrierHeight, tilt: { kind: 'table', points } },
    duration: tau,
    dt: options.dt,
    friction: 1,
    initial: { kind: 'bits', probabilities: startState === 0 ? [1, 0] : [0, 1] },
    replicas: options.replicas,
    seed: options.seed,
    recordPoints: 2,
  };
}

/** Measured cost of write pulses on one kind of bit. */
export interface BitWriteCalibration {
  engine: BitEngine;
  barrierHeight: number;
  pulse: WritePulse;
  /** Heat (kT) of each calibration pulse applied to a bit in the OTHER well, and whether it flipped. */
  flipHeat: Float64Array;
  flipped: Uint8Array;
  /** Heat (kT) of each pulse applied to a bit already in the target well (and whether it stayed). */
  stayHeat: Float64Array;
  stayed: Uint8Array;
  /** Mean heat per flip attempt, kT, with SE. */
  meanFlipHeat: Estimate;
  /** Mean heat of a no-op pulse, kT, with SE. */
  meanStayHeat: Estimate;
  /** Fraction of flip attempts that ended in the target well. */
  flipProbability: number;
  /**
   * Leak rate out of a well of the untilted bit (per reduced time): by default the exact one,
   * 1 / MFPT(m_0 -> m_1) (buildDiscreteModel with `rates: 'exact'`, docs/kinetics.md §1), which is
   * also the Monte-Carlo engine's; with `rates: 'kramers'` Kramers' formula (thermo/bounds.ts).
   */
  leakRate: number;
}

export interface CalibrationOptions {
  barrierHeight: number;
  engine: BitEngine;
  pulse?: WritePulse;
  /** Cells simulated per calibration (default 2000). */
  replicas?: number;
  seed: number;
  /** Step (Langevin) or protocol step (Monte-Carlo); default from the barrier. */
  dt?: number;
  /** Config path for errors. */
  path?: string;
  /** Rate model of the leak rate (default 'exact', as the Monte-Carlo engine's). */
  rates?: RateModel;
}

/** Rate out of one well of the untilted quartic bit of barrier E_b under a rate model. */
export function bitLeakRate(barrierHeight: number, rates: RateModel = 'exact'): number {
  if (rates === 'kramers') return kramersRateDoubleWell(barrierHeight);
  const model = buildDiscreteModel({ kind: 'double-well', barrierHeight }, 1, { rates: 'exact' });
  model.setTime(0);
  return model.rateUp[0];
}

/** A step that resolves the quartic's stiffest curvature (~13 E_b at the tilted minimum): dt U'' <= 0.25. */
export function defaultBitStep(barrierHeight: number, engine: BitEngine, duration: number): number {
  if (engine === 'monte-carlo') return duration / 1000;
  return Math.min(duration / 200, 0.25 / (13 * Math.max(barrierHeight, 1)));
}

export function validateWritePulse(pulse: WritePulse, path: string): void {
  if (!(Number.isFinite(pulse.duration) && pulse.duration > 0)) {
    throw new ConfigError(`${path}.duration`, `is ${pulse.duration}; expected a pulse duration > 0 (reduced time)`);
  }
  if (!(Number.isFinite(pulse.peakTilt) && pulse.peakTilt > 0)) {
    throw new ConfigError(`${path}.peakTilt`, `is ${pulse.peakTilt}; expected F_peak / F_c > 0`);
  }
  if (!(pulse.rampFraction > 0 && pulse.rampFraction <= 0.5)) {
    throw new ConfigError(`${path}.rampFraction`, `is ${pulse.rampFraction}; expected a fraction in (0, 0.5]`);
  }
}

/** Simulate the write pulse on fresh cells, flip (start in 0) and no-op (start in 1), on the chosen engine. */
export function calibrateBitWrite(options: CalibrationOptions): BitWriteCalibration {
  const pulse = options.pulse ?? DEFAULT_WRITE_PULSE;
  const path = options.path ?? 'writePulse';
  validateWritePulse(pulse, path);
  const { barrierHeight, engine, seed } = options;
  if (!(Number.isFinite(barrierHeight) && barrierHeight > 0)) {
    throw new ConfigError(path, `barrier height ${barrierHeight}; expected > 0 kT`);
  }
  const replicas = options.replicas ?? 2000;
  const dt = options.dt ?? defaultBitStep(barrierHeight, engine, pulse.duration);
  const run = (startState: 0 | 1, seedOffset: number) => {
    const problem = writePulseProblem(barrierHeight, pulse, startState, { replicas, seed: seed + seedOffset, dt });
    const result = engine === 'monte-carlo' ? runMonteCarlo(problem) : runLangevin(problem);
    const t = result.trajectories!;
    const inTarget = new Uint8Array(replicas);
    for (let i = 0; i < replicas; i++) inTarget[i] = t.finalState[i] === 1 ? 1 : 0;
    return { heat: Float64Array.from(t.heat), inTarget };
  };
  const flip = run(0, 0);
  const stay = run(1, 7919);
  let flips = 0;
  for (let i = 0; i < replicas; i++) flips += flip.inTarget[i];
  return {
    engine,
    barrierHeight,
    pulse,
    flipHeat: flip.heat,
    flipped: flip.inTarget,
    stayHeat: stay.heat,
    stayed: stay.inTarget,
    meanFlipHeat: estimateMean(flip.heat),
    meanStayHeat: estimateMean(stay.heat),
    flipProbability: flips / replicas,
    leakRate: bitLeakRate(barrierHeight, options.rates),
  };
}
