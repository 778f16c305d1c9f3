import { ConfigError } from '../errors.js';
import { compileSchedule, probeTimes, type Schedule, type ScheduleSpec } from '../physics/schedules.js';
import { barrierForMobility, kramersMobility, lifsonJacksonMobility } from '../memory/washboard.js';

/**
 * Barrier schedules of the learning-in-memory store (docs/physics.md §5). The
 * washboard's drift mobility is mu_eff(E_b) = r a^2 / kT with the cosine
 * Kramers rate r = (pi E_b / (gamma a^2)) e^{-E_b/kT}, so a gradient tilt
 * F = -kappa dL/dw moves the parameter w = w_min + step x by
 *
 *   dw/dt = step * mu_eff(E_b(t)) * F = -step mu_eff kappa dL/dw,
 *
 * i.e. gradient descent with learning rate eta = step mu_eff kappa Delta per
 * update window Delta (linear response, |F| a << kT). The barrier sets the
 * learning rate, eta proportional to E_b e^{-E_b}:
 *
 * - constant, linear, exponential: the usual ramps over the training time T;
 * - logarithmic: E_b(t) = E_0 + A ln(1 + t/t_0), so e^{-E_b} = e^{-E_0} (1 + t/t_0)^{-A}
 *   (Robbins-Monro for A = 1; the prefactor E_b makes eta fall a little slower:
 *   eta(t)/eta(0) = (E_b(t)/E_0) / (1 + t/t_0));
 * - expression: a mathjs expression in t;
 * - table: piecewise-linear through [t, E_b] points (what `limsim optimize` writes);
 * - learning-rate: the barrier that gives a requested eta(t) exactly, by
 *   inverting mu(E_b) = eta(t) / (step kappa Delta) with the Kramers mobility
 *   (docs/physics.md) or the exact Lifson-Jackson one (src/memory/washboard.ts).
 *
 * A barrier below `minBarrier` (default 2 kT) is rejected: the hopping picture
 * and with it the learning-rate control are gone there, and as E_b falls the
 * learning rate e^{-E_b} grows without bound (it diverges).
 */
export type BarrierScheduleSpec =
  | { kind: 'constant'; value: number }
  | { kind: 'linear'; from: number; to: number }
  | { kind: 'exponential'; from: number; to: number }
  | { kind: 'logarithmic'; offset: number; timeScale: number; amplitude?: number }
  | { kind: 'expression'; expr: string }
  | { kind: 'table'; points: [number, number][] }
  | { kind: 'learning-rate'; learningRate: ScheduleSpec; mobility?: MobilityModel };

export type MobilityModel = 'kramers' | 'exact';

/** The numbers that turn a mobility into a learning rate. */
export interface LearningRateContext {
  /** Training time T (reduced time): updates x updateInterval. */
  duration: number;
  /** Parameter step per level, (w_max - w_min) / (2^n - 1). */
  step: number;
  /** kappa, kT per (loss / parameter unit). */
  tiltGain: number;
  /** Update window Delta, reduced time. */
  updateInterval: number;
  friction: number;
  /** Lowest barrier allowed, kT. */
  minBarrier: number;
}

export interface CompiledBarrierSchedule {
  /** E_b(t) on [0, T], kT. */
  barrierAt: Schedule;
  /** The same schedule as a physics ScheduleSpec (for the Langevin engine's washboard). */
  spec: ScheduleSpec;
  /** Linear-response learning rate per update at time t: step mu(E_b(t)) kappa Delta (mobility as chosen). */
  learningRateAt: Schedule;
  mobility: MobilityModel;
}

export function mobilityFunction(model: MobilityModel, friction: number): (barrier: number) => number {
  return model === 'exact' ? (e) => lifsonJacksonMobility(e, friction) : (e) => kramersMobility(e, friction);
}

/** Samples of the table spec used for a derived schedule: about 4 per update window, at most 20001. */
function tableTimes(context: LearningRateContext): number[] {
  const windows = Math.max(1, Math.round(context.duration / context.updateInterval));
  const points = Math.min(20_001, 4 * windows + 1);
  return Array.from({ length: points }, (_, k) => (context.duration * k) / (points - 1));
}

/** Physics spec and function of a barrier schedule (not yet range-checked). */
function compileShape(spec: BarrierScheduleSpec, context: LearningRateContext, path: string): { spec: ScheduleSpec; barrierAt: Schedule } {
  const T = context.duration;
  switch (spec.kind) {
    case 'constant':
      return { spec: spec.value, barrierAt: () => spec.value };
    case 'linear':
    case 'exponential': {
      const physics: ScheduleSpec = { kind: spec.kind, from: spec.from, to: spec.to, start: 0, end: T };
      if (spec.kind === 'exponential' && !(spec.from > 0 && spec.to > 0)) {
        throw new ConfigError(`${path}.from`, `exponential barrier ramp needs from > 0 and to > 0 kT (got ${spec.from} -> ${spec.to})`);
      }
      return { spec: physics, barrierAt: compileSchedule(physics, path) };
    }
    case 'logarithmic': {
      if (!(spec.timeScale > 0)) throw new ConfigError(`${path}.timeScale`, `is ${spec.timeScale}; expected t_0 > 0 (reduced time)`);
      const physics: ScheduleSpec = { kind: 'logarithmic', offset: spec.offset, amplitude: spec.amplitude ?? 1, timeScale: spec.timeScale };
      return { spec: physics, barrierAt: compileSchedule(physics, path) };
    }
    case 'expression': {
      const physics: ScheduleSpec = { kind: 'expression', expr: spec.expr };
      return { spec: physics, barrierAt: compileSchedule(physics, path) };
    }
    case 'table': {
      const physics: ScheduleSpec = { kind: 'table', points: spec.points.map((p): [number, number] => [p[0], p[1]]) };
      return { spec: physics, barrierAt: compileSchedule(physics, path) };
    }
    case 'learning-rate': {
      const requested = compileSchedule(spec.learningRate, `${path}.learningRate`);
      const mobilityOf = mobilityFunction(spec.mobility ?? 'kramers', context.friction);
      const fastest = mobilityOf(context.minBarrier);
      const perMobility = context.step * context.tiltGain * context.updateInterval;
      const barrierOfRate = (t: number): number => {
        const eta = requested(t);
        if (!(Number.isFinite(eta) && eta > 0)) {
          throw new ConfigError(`${path}.learningRate`, `is ${eta} at t = ${t}; expected a finite learning rate > 0`);
        }
        const mobility = eta / perMobility;
        if (mobility > fastest) {
          throw new ConfigError(
            `${path}.learningRate`,
            `asks for eta = ${eta.toPrecision(4)} at t = ${t}, which needs mobility ${mobility.toPrecision(4)} > ${fastest.toPrecision(4)}, ` +
              `the mobility at minBarrier = ${context.minBarrier} kT: the barrier would have to fall below minBarrier ` +
              `(the learning rate e^{-E_b} diverges as E_b falls); lower the learning rate or raise tiltGain`,
          );
        }
        const barrier = barrierForMobility(mobility, mobilityOf, context.minBarrier, 700);
        if (!Number.isFinite(barrier)) {
          throw new ConfigError(`${path}.learningRate`, `eta = ${eta} at t = ${t} needs a barrier above 700 kT; expected a larger learning rate`);
        }
        return barrier;
      };
      const points = tableTimes(context).map((t): [number, number] => [t, barrierOfRate(t)]);
      // A constant learning rate gives a constant barrier: keep it a number (constant rates, faster kernels).
      const constant = points.every((p) => p[1] === points[0][1]);
      const physics: ScheduleSpec = constant ? points[0][1] : { kind: 'table', points };
      return { spec: physics, barrierAt: compileSchedule(physics, path) };
    }
  }
}

/**
 * Compile and check a barrier schedule over [0, T]: finite everywhere and never
 * below minBarrier (else the learning rate would diverge). Throws ConfigError
 * at `path` naming the time and value.
 */
export function compileBarrierSchedule(spec: BarrierScheduleSpec, context: LearningRateContext, path = 'barrier'): CompiledBarrierSchedule {
  if (!(Number.isFinite(context.minBarrier) && context.minBarrier > 0)) {
    throw new ConfigError(`${path}.minBarrier`, `is ${context.minBarrier}; expected a barrier > 0 kT`);
  }
  const shape = compileShape(spec, context, path);
  const times = probeTimes(shape.spec, context.duration);
  const windows = Math.max(1, Math.round(context.duration / context.updateInterval));
  for (let k = 0; k <= windows; k++) times.push(Math.min(k * context.updateInterval, context.duration));
  let lowest = Infinity;
  let lowestTime = 0;
  for (const t of times) {
    let value: number;
    try {
      value = shape.barrierAt(t);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(path, `fails at t = ${t}: ${(err as Error).message}`);
    }
    if (!Number.isFinite(value)) {
      throw new ConfigError(path, `gives ${value} kT at t = ${t}; expected a finite barrier (the learning rate e^{-E_b} would be undefined)`);
    }
    if (value < lowest) {
      lowest = value;
      lowestTime = t;
    }
  }
  if (lowest < context.minBarrier) {
    throw new ConfigError(
      path,
      `falls to ${lowest.toPrecision(4)} kT at t = ${lowestTime.toPrecision(4)}, below minBarrier = ${context.minBarrier} kT: ` +
        `the learning rate, proportional to e^{-E_b/kT}, would diverge as the barrier vanishes; expected E_b(t) >= minBarrier over [0, ${context.duration}]`,
    );
  }
  const mobility: MobilityModel = spec.kind === 'learning-rate' ? (spec.mobility ?? 'kramers') : 'kramers';
  const mobilityOf = mobilityFunction(mobility, context.friction);
  const perMobility = context.step * context.tiltGain * context.updateInterval;
  return {
    barrierAt: shape.barrierAt,
    spec: shape.spec,
    learningRateAt: (t) => perMobility * mobilityOf(shape.barrierAt(t)),
    mobility,
  };
}

/**
 * int_0^T mobility(E_b(t)) dt by Simpson's rule on `intervals` panels: the
 * "mobility budget" of a training run, which sets the drag bound
 * (src/learning/lim-bound.ts).
 */
export function integratedMobility(barrierAt: Schedule, mobilityOf: (barrier: number) => number, duration: number, intervals = 2000): number {
  const m = 2 * Math.ceil(intervals / 2);
  const h = duration / m;
  let sum = 0;
  for (let i = 0; i <= m; i++) {
    const w = i === 0 || i === m ? 1 : i % 2 === 1 ? 4 : 2;
    sum += w * mobilityOf(barrierAt(i * h));
  }
  return (sum * h) / 3;
}
