import type { RateModel } from '../../memory/discrete.js';
import { ConfigError } from '../../errors.js';
import type { Integrator } from '../../engines/langevin.js';
import { calibrateBitWrite, DEFAULT_WRITE_PULSE, type BitEngine, type BitWriteCalibration, type WritePulse } from '../../memory/bit-write.js';
import type { RandomStream } from '../../physics/rng.js';
import { compileBarrierSchedule, type BarrierScheduleSpec } from '../schedules.js';
import { levelEntropy } from '../../thermo/estimators.js';
import { ConsolidationStore } from './consolidation.js';
import { DigitalStore, type WriteScheme } from './digital.js';
import { FloatStore } from './float.js';
import { LimStore, type LimEngine } from './lim.js';
import { annealBarrier, calibrateLimGain, rangeFromFloat, taskCurvature, type CalibrationTask } from '../calibration.js';
import { kramersMobility, lifsonJacksonMobility } from '../../memory/washboard.js';
import { levelMap, type LevelMap, type ParameterStore, type StoreRun } from './types.js';
import { calibratePrecision, parseBitsRequest, type PrecisionCalibration } from '../precision.js';

export type { ParameterStore, StoreRun, StoreKind, HeatSplit, StoreBounds, LevelMap } from './types.js';
export { FloatStore } from './float.js';
export { DigitalStore } from './digital.js';
export { ConsolidationStore } from './consolidation.js';
export { LimStore } from './lim.js';

/** How the copies' parameters start. */
export type InitSpec =
  /** The model's seeded initialisation, the same for every copy (as the float baseline). */
  | { kind: 'model' }
  /** Each copy and parameter uniform on [lo, hi] (full uncertainty over the levels when [lo, hi] is the store's range). */
  | { kind: 'uniform'; range: [number, number] };

export interface CalibrationSpec {
  engine: BitEngine;
  replicas: number;
  dt?: number;
}

interface BitStoreCommon {
  name?: string;
  /** A number of bits; absent, 'auto' or 'auto+k': calibrated from the task (src/learning/precision.ts). */
  bits?: number | string;
  /** Absent: derived from the float baseline's parameter extent (calibration.ts rangeFromFloat). */
  range?: [number, number];
  rounding: 'stochastic' | 'nearest';
  writePulse?: Partial<WritePulse>;
  calibration: CalibrationSpec;
}

export type FloatStoreSpec = { kind: 'float'; name?: string };
export type DigitalStoreSpec = BitStoreCommon & { kind: 'digital'; retentionBarrier: number; scheme: WriteScheme; settlingFraction?: number };
export type ConsolidationStoreSpec = BitStoreCommon & {
  kind: 'consolidation';
  shortTermBarrier: number;
  longTermBarrier: number;
  consolidationInterval: number;
};
export type LimStoreSpec = {
  kind: 'lim';
  name?: string;
  /** A number of bits; absent, 'auto' or 'auto+k': calibrated from the task (src/learning/precision.ts). */
  bits?: number | string;
  /** Absent: derived from the float baseline's parameter extent (calibration.ts rangeFromFloat). */
  range?: [number, number];
  engine: LimEngine;
  integrator: Integrator;
  /** Monte-Carlo hopping rates (docs/kinetics.md §1); absent: exact. */
  rates?: RateModel;
  /** Absent: derived from the task (calibration.ts calibrateLimGain). */
  tiltGain?: number;
  maxTilt?: number;
  dt?: number;
  wallStiffness?: number;
  /** Absent: the barrier that gives training.learningRate at the tilt gain. */
  barrier?: BarrierScheduleSpec;
  /** Default: 'linearized' for a calibrated Monte-Carlo store, else 'linear'. */
  drive?: 'linear' | 'linearized';
  annealFraction?: number;
  minBarrier: number;
  consolidation: { barrier: number; duration: number; dt?: number };
  conventionalBarrier: number;
};
export type StoreSpec = FloatStoreSpec | DigitalStoreSpec | ConsolidationStoreSpec | LimStoreSpec;

/** Largest precision per kind: a word must fit an Int32 (digital), a washboard 2^16 levels (LIM). */
export const MAX_BITS = { digital: 24, consolidation: 24, lim: 16 } as const;

/** The store's name: its own, else its kind (with the index when the kind appears more than once). */
export function storeName(spec: StoreSpec, index: number, all: readonly StoreSpec[] = [spec]): string {
  if (spec.name) return spec.name;
  return all.filter((s) => s.kind === spec.kind).length > 1 ? `${spec.kind}-${index}` : spec.kind;
}

function checkBits(bits: number, kind: keyof typeof MAX_BITS, path: string): void {
  if (!(Number.isInteger(bits) && bits >= 1)) {
    throw new ConfigError(`${path}.bits`, `precision of ${bits} bits; expected an integer number of bits >= 1 (a memory needs at least two levels)`);
  }
  if (bits > MAX_BITS[kind]) {
    throw new ConfigError(`${path}.bits`, `${bits} bits; expected at most ${MAX_BITS[kind]} for a ${kind} store`);
  }
}

function checkRange(range: [number, number], path: string): void {
  if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[1] > range[0])) {
    throw new ConfigError(`${path}.range`, `is [${range.join(', ')}]; expected [w_min, w_max] with w_min < w_max`);
  }
}

function checkBarrier(value: number, path: string): void {
  if (!(Number.isFinite(value) && value > 0)) throw new ConfigError(path, `is ${value}; expected a barrier > 0 kT`);
}

/** Exact entropy (nats) of the level distribution of one parameter at the start. */
export function initialLevelEntropy(init: InitSpec, map: LevelMap): number {
  if (init.kind === 'model') return 0;
  const [lo, hi] = init.range;
  const p = new Float64Array(map.levels);
  for (let k = 0; k < map.levels; k++) {
    // Values in [w_k - step/2, w_k + step/2] round to level k (the edges take everything beyond).
    const left = k === 0 ? -Infinity : map.min + (k - 0.5) * map.step;
    const right = k === map.levels - 1 ? Infinity : map.min + (k + 0.5) * map.step;
    p[k] = Math.max(0, Math.min(right, hi) - Math.max(left, lo)) / (hi - lo);
  }
  return levelEntropy(p);
}

/** What the factory needs besides the spec. */
export interface StoreContext {
  run: StoreRun;
  init: InitSpec;
  /** Config path of the store, for errors (e.g. 'stores[2]'). */
  path: string;
  /** Store name (default storeName(spec, index)). */
  name?: string;
  /** Calibrations already made in this run, by key (the same bit is calibrated once). */
  calibrations?: Map<string, BitWriteCalibration>;
  /** The task, for settings derived from it (docs/lim-calibration.md); needed when a spec leaves them out. */
  task?: CalibrationTask;
  /** Calibrated precisions of this run, by store path (filled by createStore when bits are calibrated). */
  precisions?: Map<string, PrecisionCalibration>;
  /** training.learningRate as given (the derived LIM barrier reproduces it). */
  learningRateSpec?: import('../../physics/schedules.js').ScheduleSpec;
}

/** The given range, else the float baseline's extent. */
function storeRange(range: [number, number] | undefined, context: StoreContext, path: string): [number, number] {
  if (range) return range;
  if (!context.task) throw new ConfigError(`${path}.range`, 'is missing; expected [w_min, w_max] (no float baseline to derive it from)');
  return rangeFromFloat(context.task);
}

/**
 * The store's bits: given (checked), else the least n whose rounding floor fits
 * the loss budget over `range` (src/learning/precision.ts), recorded in
 * context.precisions under the store's path.
 */
function storeBits(bits: number | string | undefined, kind: keyof typeof MAX_BITS, range: [number, number], context: StoreContext, path: string): number {
  const request = parseBitsRequest(bits, `${path}.bits`);
  if (request.kind === 'given') {
    checkBits(request.bits, kind, path);
    return request.bits;
  }
  if (!context.task) throw new ConfigError(`${path}.bits`, `is ${bits ?? 'absent'}; expected a number of bits (no float baseline to calibrate the precision from)`);
  const precision = calibratePrecision({ task: context.task, range, offset: request.offset, maxBits: MAX_BITS[kind], path: `${path}.bits` });
  context.precisions?.set(path, precision);
  return precision.bits;
}

function calibration(
  barrier: number,
  spec: BitStoreCommon,
  context: StoreContext,
  path: string,
): BitWriteCalibration {
  const pulse: WritePulse = { ...DEFAULT_WRITE_PULSE, duration: context.run.updateInterval, ...spec.writePulse };
  if (pulse.duration > context.run.updateInterval * (1 + 1e-12)) {
    throw new ConfigError(`${path}.writePulse.duration`, `is ${pulse.duration}; expected a pulse no longer than the update interval (${context.run.updateInterval})`);
  }
  const key = JSON.stringify({ barrier, pulse, c: spec.calibration, seed: context.run.seed });
  const cached = context.calibrations?.get(key);
  if (cached) return cached;
  const result = calibrateBitWrite({
    barrierHeight: barrier,
    engine: spec.calibration.engine,
    pulse,
    replicas: spec.calibration.replicas,
    seed: context.run.seed,
    dt: spec.calibration.dt,
    path: `${path}.writePulse`,
  });
  context.calibrations?.set(key, result);
  return result;
}

/** Default Langevin step of a LIM store: dt 2 pi^2 E_max = 0.2 (the cosine's curvature is 2 pi^2 E_b). */
export function defaultLimStep(maxBarrier: number): number {
  return 0.2 / (2 * Math.PI * Math.PI * maxBarrier);
}

/** Build a store from its spec. Throws ConfigError naming the field for bad input. */
export function createStore(spec: StoreSpec, index: number, context: StoreContext): ParameterStore {
  const name = context.name ?? storeName(spec, index);
  const path = context.path;
  const run = context.run;
  switch (spec.kind) {
    case 'float':
      return new FloatStore(name, run);
    case 'digital': {
      const range = storeRange(spec.range, context, path);
      checkRange(range, path);
      const bits = storeBits(spec.bits, 'digital', range, context, path);
      checkBarrier(spec.retentionBarrier, `${path}.retentionBarrier`);
      const map = levelMap(bits, range[0], range[1]);
      // Default: a settling phase when the store is calibrated from the task (no range given) and rounds
      // stochastically; a store whose range is given keeps the plain protocol unless asked.
      const settlingFraction = spec.settlingFraction ?? (context.task && spec.range === undefined && spec.rounding === 'stochastic' ? 0.1 : 0);
      return new DigitalStore(name, run, {
        map,
        barrierHeight: spec.retentionBarrier,
        scheme: spec.scheme,
        stochasticRounding: spec.rounding === 'stochastic',
        calibration: calibration(spec.retentionBarrier, spec, context, path),
        ...(settlingFraction > 0 && context.task
          ? { settling: { fraction: settlingFraction, learningRate: run.parameterCount / Math.max(taskCurvature(context.task).traceH, 1e-300) } }
          : {}),
        path,
      });
    }
    case 'consolidation': {
      const range = storeRange(spec.range, context, path);
      checkRange(range, path);
      const bits = storeBits(spec.bits, 'consolidation', range, context, path);
      checkBarrier(spec.shortTermBarrier, `${path}.shortTermBarrier`);
      checkBarrier(spec.longTermBarrier, `${path}.longTermBarrier`);
      if (!(Number.isInteger(spec.consolidationInterval) && spec.consolidationInterval >= 1)) {
        throw new ConfigError(`${path}.consolidationInterval`, `is ${spec.consolidationInterval}; expected an integer K_c >= 1 (updates between consolidations)`);
      }
      const map = levelMap(bits, range[0], range[1]);
      return new ConsolidationStore(name, run, {
        map,
        shortTermBarrier: spec.shortTermBarrier,
        longTermBarrier: spec.longTermBarrier,
        consolidationInterval: spec.consolidationInterval,
        stochasticRounding: spec.rounding === 'stochastic',
        shortTermCalibration: calibration(spec.shortTermBarrier, spec, context, path),
        longTermCalibration: calibration(spec.longTermBarrier, spec, context, path),
        path,
      });
    }
    case 'lim':
      return createLimStore(spec, name, context);
  }
}

function createLimStore(spec: LimStoreSpec, name: string, context: StoreContext): LimStore {
  const { path, run } = context;
  const range = storeRange(spec.range, context, path);
  checkRange(range, path);
  const bits = storeBits(spec.bits, 'lim', range, context, path);
  if (spec.tiltGain !== undefined && !(Number.isFinite(spec.tiltGain) && spec.tiltGain > 0)) {
    throw new ConfigError(`${path}.tiltGain`, `is ${spec.tiltGain}; expected kappa > 0 (kT per level spacing per unit gradient)`);
  }
  checkBarrier(spec.consolidation.barrier, `${path}.consolidation.barrier`);
  if (!(spec.consolidation.duration > 0)) {
    throw new ConfigError(`${path}.consolidation.duration`, `is ${spec.consolidation.duration}; expected a barrier-raise time > 0`);
  }
  const map = levelMap(bits, range[0], range[1]);
  const duration = run.updates * run.updateInterval;
  // Task calibration (docs/lim-calibration.md): kappa from the thermal floor, the barrier from the learning rate.
  // The hopping cells' zero-tilt rate is the Lifson-Jackson mobility with exact rates, Kramers' with Kramers rates.
  const mobilityModel = spec.engine === 'langevin' || (spec.rates ?? 'exact') === 'exact' ? 'exact' : 'kramers';
  let calibrated: ReturnType<typeof calibrateLimGain> | undefined;
  if (spec.tiltGain === undefined) {
    if (!context.task) throw new ConfigError(`${path}.tiltGain`, 'is missing; expected kappa > 0 (no task to derive it from)');
    const lowest = mobilityModel === 'exact' ? lifsonJacksonMobility(spec.minBarrier + 1) : kramersMobility(spec.minBarrier + 1);
    calibrated = calibrateLimGain({ step: map.step, parameterCount: run.parameterCount, updates: run.updates, updateInterval: run.updateInterval, task: context.task, lowestBarrierMobility: lowest });
  }
  const tiltGain = spec.tiltGain ?? (calibrated as NonNullable<typeof calibrated>).tiltGain;
  const barrierSpec: BarrierScheduleSpec = spec.barrier ?? { kind: 'learning-rate', learningRate: context.learningRateSpec ?? 0.05, mobility: mobilityModel };
  const drive = spec.drive ?? (calibrated && spec.engine === 'monte-carlo' ? 'linearized' : 'linear');
  if (drive === 'linearized' && spec.engine !== 'monte-carlo') {
    throw new ConfigError(`${path}.drive`, `is 'linearized'; expected 'linear' with engine '${spec.engine}' (the drive table is the hopping model's)`);
  }
  // Compile with a provisional step to find the largest barrier, then fix dt.
  const context0 = { duration, step: map.step, tiltGain, updateInterval: run.updateInterval, friction: 1, minBarrier: spec.minBarrier };
  const trainingBarrier = compileBarrierSchedule(barrierSpec, context0, `${path}.barrier`);
  const annealFraction = drive === 'linearized' ? (spec.annealFraction ?? 0.1) : 0;
  let barrier = trainingBarrier;
  let settlingBarrier: number | undefined;
  let settlingTiltCap: number | undefined;
  if (annealFraction > 0) {
    if (!context.task) throw new ConfigError(`${path}.annealFraction`, `is ${annealFraction}; the settling barrier needs the task's curvature (no task given)`);
    const curvature = taskCurvature(context.task);
    const first = Math.ceil((1 - annealFraction) * run.updates);
    const start = first * run.updateInterval;
    const level = annealBarrier({
      tiltGain,
      meanCurvature: Math.max(curvature.traceH, 0) / run.parameterCount,
      step: map.step,
      windows: Math.max(1, run.updates - first),
      updateInterval: run.updateInterval,
      minBarrier: spec.minBarrier,
    });
    settlingBarrier = level.barrier;
    settlingTiltCap = level.tiltCap;
    barrier = { ...trainingBarrier, barrierAt: (t) => (t >= start - 1e-12 ? level.barrier : trainingBarrier.barrierAt(t)), spec: { kind: 'table', points: [[0, trainingBarrier.barrierAt(0)]] } };
  }
  let maxBarrier = 0;
  for (let k = 0; k <= 2000; k++) maxBarrier = Math.max(maxBarrier, barrier.barrierAt((duration * k) / 2000));
  const cosineCurvature = 2 * Math.PI * Math.PI * maxBarrier;
  const wallStiffness = spec.wallStiffness ?? Math.max(100, cosineCurvature);
  const langevinStep = Math.min(defaultLimStep(maxBarrier), 0.1 / wallStiffness);
  const dt = spec.dt ?? (spec.engine === 'langevin' ? langevinStep : run.updateInterval / 10);
  if (!(dt > 0)) throw new ConfigError(`${path}.dt`, `is ${dt}; expected a step > 0`);
  if (spec.engine === 'langevin' && dt * Math.max(cosineCurvature, wallStiffness) > 0.5) {
    throw new ConfigError(
      `${path}.dt`,
      `is ${dt}; expected <= ${(0.5 / Math.max(cosineCurvature, wallStiffness)).toPrecision(3)} for a stable, accurate step ` +
        `(dt U'' <= 0.5 with U'' = max(2 pi^2 E_b,max = ${cosineCurvature.toPrecision(4)}, wall ${wallStiffness}))`,
    );
  }
  if (dt > run.updateInterval) throw new ConfigError(`${path}.dt`, `is ${dt}; expected <= the update interval ${run.updateInterval}`);
  const retention = spec.consolidation.barrier;
  const consolidationCurvature = 2 * Math.PI * Math.PI * retention;
  const consolidationDt = spec.consolidation.dt ?? 0.25 / Math.max(consolidationCurvature, 1);
  if (spec.engine === 'langevin' && consolidationDt * 2 * consolidationCurvature > 1) {
    throw new ConfigError(`${path}.consolidation.dt`, `is ${consolidationDt}; expected <= ${(0.5 / consolidationCurvature).toPrecision(3)} at E_ret = ${retention} kT`);
  }
  // Default drive limit: a drift of at most 0.1 level per Langevin step (the same for both engines, so they agree).
  const maxTilt = spec.maxTilt ?? 0.1 / (spec.engine === 'langevin' ? dt : langevinStep);
  if (!(maxTilt > 0)) throw new ConfigError(`${path}.maxTilt`, `is ${maxTilt}; expected > 0`);
  const entropy = initialLevelEntropy(context.init, map);
  return new LimStore(name, run, {
    map,
    engine: spec.engine,
    rates: spec.rates ?? 'exact',
    integrator: spec.integrator,
    tiltGain,
    maxTilt,
    drive,
    annealFraction,
    ...(settlingBarrier !== undefined ? { settlingBarrier, settlingTiltCap } : {}),
    ...(calibrated ? { calibration: calibrated } : {}),
    barrier,
    dt,
    wallStiffness,
    consolidation: {
      barrier: retention,
      duration: spec.consolidation.duration,
      dt: spec.engine === 'langevin' ? consolidationDt : spec.consolidation.dt ?? spec.consolidation.duration / 200,
      // No side pocket beyond the walls below E_ret: k_w >= 2 pi^2 E_ret (docs/lim-bounds.md §5).
      wallStiffness: Math.max(spec.wallStiffness ?? 0, consolidationCurvature),
    },
    initialLevelEntropy: entropy,
    conventionalBarrier: spec.conventionalBarrier,
    path,
  });
}

/** Initial parameters of every copy (copies x N). */
export function initialParameters(init: InitSpec, modelInit: Float64Array, copies: number, rng: RandomStream): Float64Array {
  const n = modelInit.length;
  const out = new Float64Array(copies * n);
  if (init.kind === 'model') {
    for (let c = 0; c < copies; c++) out.set(modelInit, c * n);
    return out;
  }
  const [lo, hi] = init.range;
  for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * rng.uniform();
  return out;
}
