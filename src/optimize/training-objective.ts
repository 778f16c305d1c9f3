import { ConfigError } from '../errors.js';
import { validateAnyConfig } from '../experiments/dispatch.js';
import { runTraining } from '../experiments/training-run.js';
import type { TrainingConfig } from '../experiments/training-schema.js';
import { compileBarrierSchedule, mobilityFunction, type BarrierScheduleSpec, type MobilityModel } from '../learning/schedules.js';
import type { Schedule } from '../physics/schedules.js';

/**
 * The objective of `limsim optimize` on a training config (docs/optimize.md §8):
 * the mean heat of a LIM store, per training copy, as a function of the values of
 * its barrier schedule E_b(t) at K + 2 knots, measured on the store's own engine
 * (Monte-Carlo hopping or Langevin), with the final loss and its SE beside it.
 *
 * Parametrisation: E_b(t) is the piecewise-linear table through (t_k, theta_k),
 * t_k = k T / (K + 1), k = 0 .. K + 1, T = updates x updateInterval. Unlike a memory
 * operation (protocol.ts), a training run has no end values that define it: the
 * cells start on their levels at any barrier and the consolidation raises the
 * barrier from whatever E_b(T) is to E_ret, so all K + 2 values are free (and a
 * table needs no jump knots).
 */

export interface BarrierField {
  /** The --vary path, stores[i].barrier. */
  path: string;
  storeIndex: number;
  /** Training time T. */
  duration: number;
  knotTimes: number[];
  /** The config's barrier schedule at the knots: the starting point. */
  initialValues: number[];
  /** Box on every knot (kept exactly by a change of variables): [minBarrier, E_ret] unless given. */
  lower: number;
  upper: number;
  /** The config's schedule E_b(t) as it runs (for plots and the learning rate). */
  configBarrier: Schedule;
  /** eta(t) = step kappa Delta mu(E_b(t)): the linear-response learning rate of a barrier. */
  learningRateOf: (barrier: number) => number;
  mobility: MobilityModel;
  tiltGain: number;
  step: number;
}

interface RawStore {
  kind?: unknown;
  [key: string]: unknown;
}

/** The store index of a --vary path stores[i].barrier, or a ConfigError naming what can vary. */
export function barrierStoreIndex(raw: Record<string, unknown>, vary: string[]): number {
  const stores = (Array.isArray(raw.stores) ? raw.stores : []) as RawStore[];
  const limIndices = stores.flatMap((s, i) => (s && s.kind === 'lim' ? [i] : []));
  if (limIndices.length === 0) {
    throw new ConfigError('stores', 'has no LIM store (kind: lim); `limsim optimize` on a training config varies the barrier schedule of a LIM store');
  }
  const hint = limIndices.map((i) => `stores[${i}].barrier`).join(' or ');
  if (vary.length === 0) throw new ConfigError('--vary', `missing; expected the barrier schedule of a LIM store, ${hint}`);
  if (vary.length > 1) throw new ConfigError('--vary', `got ${vary.join(', ')}; expected one LIM barrier schedule per run (${hint})`);
  const match = /^stores\[(\d+)\]\.barrier$/.exec(vary[0]);
  if (!match) {
    throw new ConfigError('--vary', `got "${vary[0]}"; a training config can vary only the barrier schedule of a LIM store, ${hint}`);
  }
  const index = Number(match[1]);
  if (!(index < stores.length)) throw new ConfigError('--vary', `got "${vary[0]}"; the config has ${stores.length} stores (${hint})`);
  if (stores[index].kind !== 'lim') {
    throw new ConfigError('--vary', `got "${vary[0]}", a ${String(stores[index].kind)} store, which has no barrier schedule; expected ${hint}`);
  }
  return index;
}

/** Times t_k = k T / (K + 1), k = 0 .. K + 1. */
export function knotTimesOf(knots: number, duration: number): number[] {
  if (!(Number.isInteger(knots) && knots >= 0 && knots <= 50)) throw new ConfigError('--knots', `got ${knots}; expected an integer in [0, 50]`);
  return Array.from({ length: knots + 2 }, (_, k) => (k * duration) / (knots + 1));
}

/** The barrier table of knot values theta. */
export function barrierTable(field: Pick<BarrierField, 'knotTimes'>, theta: ArrayLike<number>): { kind: 'table'; points: [number, number][] } {
  return { kind: 'table', points: field.knotTimes.map((t, i): [number, number] => [t, theta[i]]) };
}

/** A deep copy of the raw config with stores[i].barrier set to the table of theta. */
export function withBarrier(raw: Record<string, unknown>, field: Pick<BarrierField, 'knotTimes' | 'storeIndex'>, theta: ArrayLike<number>): Record<string, unknown> {
  const copy = structuredClone(raw);
  const stores = copy.stores as RawStore[];
  stores[field.storeIndex] = { ...stores[field.storeIndex], barrier: barrierTable(field, theta) };
  return copy;
}

export interface EvaluationOptions {
  /** Training copies (the run's SE is over them). */
  copies: number;
  /** Seed of the store's hopping / Langevin noise; the data and float baseline keep the config's seed. */
  noiseSeed: number;
}

export interface TrainingEvaluation {
  heat: { mean: number; se: number };
  loss: { mean: number; se: number };
  floatLoss: number;
  /** The LIM bound of the run (drag + information) and its bootstrap SE, kT. */
  limBound: { mean: number; se: number };
  copies: number;
  noiseSeed: number;
  /** The run's verdict (heat against its bound, loss against the tolerance). */
  verdictOk: boolean;
  verdictFailures: string[];
  diagnostics: Record<string, unknown>;
}

/**
 * Train the LIM store alone (the float baseline runs too; other stores are left out:
 * they do not depend on the barrier) with `copies` copies and the given noise seed.
 * With noiseSeed = seed + 7 i this is exactly what `limsim run` does for stores[i].
 */
export function evaluateTraining(raw: Record<string, unknown>, configPath: string, storeIndex: number, options: EvaluationOptions): TrainingEvaluation {
  const copy = structuredClone(raw);
  copy.stores = [(raw.stores as RawStore[])[storeIndex]];
  copy.training = { ...(copy.training as Record<string, unknown>), copies: options.copies };
  const any = validateAnyConfig(copy, '', configPath);
  if (any.kind !== 'training') throw new ConfigError('kind', 'expected a training config');
  const { summary } = runTraining(any.loaded, { noiseSeed: options.noiseSeed });
  const store = summary.stores[0];
  if (!store.lim) throw new Error('internal: the LIM store reported no LIM bound');
  return {
    heat: { mean: store.heat.total.mean, se: store.heat.total.se },
    loss: { mean: store.finalLoss.mean, se: store.finalLoss.se },
    floatLoss: summary.floatBaseline.finalLoss,
    limBound: { mean: store.lim.total, se: store.lim.totalSe },
    copies: options.copies,
    noiseSeed: options.noiseSeed,
    verdictOk: summary.verdict.ok,
    verdictFailures: summary.verdict.failures.map((f) => `${f.what}: ${f.cause}`),
    diagnostics: store.diagnostics,
  };
}

/**
 * The varied barrier of a validated training config, its knots and box, from the
 * config and the store's diagnostics of a first run (the tilt gain and level step,
 * derived from the task when the config leaves them out).
 */
export function barrierField(
  config: TrainingConfig,
  storeIndex: number,
  knots: number,
  diagnostics: Record<string, unknown>,
  bounds: { lower?: number; upper?: number },
): BarrierField {
  const spec = config.stores[storeIndex];
  if (spec.kind !== 'lim') throw new ConfigError(`stores[${storeIndex}]`, 'expected a LIM store');
  const path = `stores[${storeIndex}]`;
  const annealFraction = Number(diagnostics.annealFraction ?? 0);
  if (annealFraction > 0) {
    throw new ConfigError(
      `${path}.annealFraction`,
      `is ${annealFraction} (the settling phase sets its own barrier over the last ${100 * annealFraction} % of the updates); ` +
        'expected annealFraction: 0 for limsim optimize, which varies the barrier over the whole training',
    );
  }
  const t = config.training;
  const duration = t.updates * t.updateInterval;
  const tiltGain = Number(diagnostics.tiltGain);
  const step = Number(diagnostics.step);
  const mobility: MobilityModel = spec.engine === 'langevin' ? 'exact' : 'kramers';
  const barrierSpec: BarrierScheduleSpec =
    (spec.barrier as BarrierScheduleSpec | undefined) ?? { kind: 'learning-rate', learningRate: t.learningRate, mobility };
  const compiled = compileBarrierSchedule(
    barrierSpec,
    { duration, step, tiltGain, updateInterval: t.updateInterval, friction: 1, minBarrier: spec.minBarrier },
    `${path}.barrier`,
  );
  const knotTimes = knotTimesOf(knots, duration);
  const lower = bounds.lower ?? spec.minBarrier;
  const upper = bounds.upper ?? spec.consolidation.barrier;
  if (!(upper > lower)) throw new ConfigError('--constraint', `bounds the barrier to [${lower}, ${upper}] kT; expected lower < upper`);
  if (lower < spec.minBarrier) {
    throw new ConfigError('--constraint', `barrier>=${lower} is below ${path}.minBarrier = ${spec.minBarrier} kT, which the store enforces; expected >= ${spec.minBarrier}`);
  }
  const mu = mobilityFunction(mobility, 1);
  const perMobility = step * tiltGain * t.updateInterval;
  return {
    path: `${path}.barrier`,
    storeIndex,
    duration,
    knotTimes,
    initialValues: knotTimes.map((time) => Math.min(upper, Math.max(lower, compiled.barrierAt(time)))),
    lower,
    upper,
    configBarrier: compiled.barrierAt,
    learningRateOf: (barrier) => perMobility * mu(barrier),
    mobility,
    tiltGain,
    step,
  };
}
