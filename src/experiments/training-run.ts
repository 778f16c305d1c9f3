import { dirname, isAbsolute, resolve } from 'node:path';
import { progressPart } from '../engines/progress-hook.js';
import { ConfigError } from '../errors.js';
import { baseProvenance, type BaseProvenance } from './provenance.js';
import type { Estimate } from '../engines/problem.js';
import {
  fitStandardization,
  DIGITS_CSV_PATH,
  IRIS_CSV_PATH,
  loadCsvDataset,
  loadDigits,
  makeTeacherStudent,
  loadIris,
  makeBlobs,
  makeLinearRegression,
  makeMoons,
  makeXor,
  splitDataset,
  standardize,
  type Dataset,
} from '../learning/datasets.js';
import { createModel, fitFloatingPoint, type Model } from '../learning/models.js';
import { createStore, FloatStore, initialParameters, storeName, type InitSpec, type StoreSpec } from '../learning/stores/index.js';
import type { StoreBounds } from '../learning/stores/types.js';
import type { LimBound } from '../learning/lim-bound.js';
import { compileBarrierSchedule } from '../learning/schedules.js';
import type { CalibrationTask } from '../learning/calibration.js';
import { marginalPrecision, ROUNDING_SHARE, type PrecisionCalibration } from '../learning/precision.js';
import { taskCurvature } from '../learning/calibration.js';
import { knownOptimumLoss } from '../learning/optimum.js';
import { linearizedPathHeat } from '../learning/lim-path-heat.js';
import { trainInStore, type StoreTrainingResult, type TrainingTask } from '../learning/train.js';
import type { BitWriteCalibration } from '../memory/bit-write.js';
import { randomStream } from '../physics/rng.js';
import { compileSchedule } from '../physics/schedules.js';
import { thermalEnergyJ } from '../physics/units.js';
import { energyReport, formatEstimate, formatNumber, textTable, type EnergyReport } from '../report/format.js';
import { toCsv } from '../report/results.js';
import { estimateMean } from '../thermo/statistics.js';
import type { LoadedConfig } from './config.js';
import type { RunOverrides } from './run.js';
import type { TrainingConfig } from './training-schema.js';
import { checkLowerBound, ratioStandardError, VIOLATION_SIGMAS } from '../thermo/bounds.js';
import { verdictLines, type Verdict, type VerdictFailure } from './verdict.js';

/**
 * `limsim run` on a training config: build the data set and model, run the
 * float baseline, train every store, and hold each store's heat against its
 * applicable bound and against the LIM bound of the run.
 */

export interface TrainingProvenance extends BaseProvenance<TrainingConfig> {
  copies: number;
}

export interface BoundCheckReport {
  /** Lower bound on the mean total heat per copy, kT. */
  value: number;
  /** SE of the bound when estimated from the copies (the LIM bound's bootstrap), kT. */
  boundSe: number;
  name: string;
  /** Measured / bound (null when the bound <= 0). */
  ratio: number | null;
  /** Delta-method SE of the ratio (null without a ratio). */
  ratioSe: number | null;
  /** (measured - bound) / sqrt(se^2 + boundSe^2). */
  z: number;
  /** Not violated: the measured mean is not below the bound by more than 4 combined SE. */
  holds: boolean;
  /** Measured mean below the bound by more than 4 combined SE. */
  violated: boolean;
}

export interface StoreSummary {
  name: string;
  kind: string;
  finalLoss: Estimate;
  finalAccuracy?: Estimate;
  lossBeforeConsolidation: Estimate;
  testLoss?: Estimate;
  testAccuracy?: Estimate;
  /** (final loss - float baseline loss) / float baseline loss. */
  lossExcess: number;
  /** lossExcess <= comparison.lossTolerance. */
  matchesFloat: boolean;
  /** Precision n of the store (null for float). */
  bits: number | null;
  /** How n was derived, when the config left it to the task (bits absent, 'auto' or 'auto+k'; src/learning/precision.ts). */
  precision?: PrecisionCalibration;
  /** Linearized-drive LIM store: the heat per copy of its drive along the float path (src/learning/lim-path-heat.ts), a model beside the measurement. */
  pathHeatModel?: number;
  heat: {
    /** Total heat per copy; its SE includes any calibration error. */
    total: EnergyReport;
    update: EnergyReport;
    consolidation: EnergyReport;
    retention: EnergyReport;
    perUpdate: EnergyReport;
    perParameter: EnergyReport;
  };
  bound: BoundCheckReport;
  /** Total heat / the LIM bound of this run's LIM store (null without a LIM store). */
  limBoundRatio: number | null;
  /** Delta-method SE of limBoundRatio. */
  limBoundRatioSe: number | null;
  lim?: LimBound;
  conventionalEstimate?: number;
  bounds: Omit<StoreBounds, 'lim'>;
  diagnostics: Record<string, unknown>;
}

export interface HeatComparison {
  /** A conventional store (digital or consolidation) and the LIM store it is compared with. */
  conventional: string;
  lim: string;
  /** Heat(conventional) / heat(LIM), with SE. */
  heatRatio: { mean: number; se: number };
  /** Both final losses within the tolerance of the float baseline. */
  matchedLoss: boolean;
}

export interface TrainingSummary {
  kind: 'training';
  name: string;
  description?: string;
  provenance: TrainingProvenance;
  units: { energy: 'kT'; kTJoules: number; time: string; parameterLevelSpacing: string };
  task: {
    dataset: string;
    samples: number;
    features: number;
    task: string;
    model: string;
    parameters: number;
    updates: number;
    updateInterval: number;
    trainingTime: number;
    batchSize: number;
    copies: number;
  };
  floatBaseline: {
    finalLoss: number;
    finalAccuracy?: number;
    note: string;
    /** Loss at the model's known optimum (teacher-student, least squares), and how it was found. */
    optimumLoss?: number;
    optimumMethod?: string;
    /** Stores that end below the float loss by more than lossTolerance, resolved beyond 4 SE: the baseline had not converged. */
    notConverged?: { store: string; belowPercent: number; sigmas: number }[];
  };
  /** Warnings that do not fail the verdict (e.g. an unconverged float baseline). */
  warnings: string[];
  lossTolerance: number;
  /** Curvature of the training loss at the float baseline's parameters (computed for a LIM diagnosis only). */
  lossCurvature?: { lambdaMax: number; trace: number; note: string };
  stores: StoreSummary[];
  comparisons: HeatComparison[];
  /**
   * ok unless a store's heat is below its bound beyond 4 combined SE, or a store's final loss exceeds the
   * float baseline by more than lossTolerance, resolved beyond 4 SE of the copies.
   */
  verdict: Verdict;
}

export interface TrainingRun {
  summary: TrainingSummary;
  results: StoreTrainingResult[];
}

/** Resolve a data path: absolute, else relative to the config file's folder. */
function dataPath(path: string, configPath: string): string {
  return isAbsolute(path) ? path : resolve(dirname(configPath), path);
}

/** The training (and optional test) data of a config. */
export function loadTrainingData(config: TrainingConfig, configPath: string): { train: Dataset; test?: Dataset } {
  const d = config.dataset;
  const seed = config.seed;
  let data: Dataset;
  switch (d.kind) {
    case 'linear-regression':
      data = makeLinearRegression(seed, d);
      break;
    case 'blobs':
      data = makeBlobs(seed, d);
      break;
    case 'xor':
      data = makeXor(seed, d);
      break;
    case 'moons':
      data = makeMoons(seed, d);
      break;
    case 'iris':
      data = loadIris({ ...d, path: d.path ? dataPath(d.path, configPath) : IRIS_CSV_PATH });
      break;
    case 'teacher-student':
      data = makeTeacherStudent(seed, d);
      break;
    case 'digits':
      data = loadDigits(d.path ? dataPath(d.path, configPath) : DIGITS_CSV_PATH);
      break;
    case 'csv':
      data = loadCsvDataset(dataPath(d.path, configPath), {
        labelColumn: d.labelColumn,
        ...(d.featureColumns ? { featureColumns: d.featureColumns } : {}),
        ...(d.task ? { task: d.task } : {}),
        ...(d.positiveClass !== undefined ? { positiveClass: d.positiveClass } : {}),
        ...(d.classes ? { classes: d.classes } : {}),
      });
      break;
  }
  let train = data;
  let test: Dataset | undefined;
  if (config.testFraction !== undefined) {
    const split = splitDataset(data, { testFraction: config.testFraction, seed });
    train = split.train;
    test = split.test;
  }
  if (d.standardize) {
    const scaling = fitStandardization(train);
    train = standardize(train, scaling);
    if (test) test = standardize(test, scaling);
  }
  return test ? { train, test } : { train };
}

/** Checks beyond the schema that need no training: bits, ranges, schedules, stores (builds nothing heavy). */
export function checkTraining(config: TrainingConfig): void {
  const names = new Set<string>();
  config.stores.forEach((store, i) => {
    const name = storeName(store as StoreSpec, i, config.stores as StoreSpec[]);
    if (names.has(name)) throw new ConfigError(`stores[${i}].name`, `'${name}' is used twice; expected distinct store names`);
    names.add(name);
    // Calibrated precision (absent, 'auto', 'auto+k') is resolved at run time from the float baseline.
    if (store.kind !== 'float' && typeof store.bits === 'number' && !(Number.isInteger(store.bits) && store.bits >= 1)) {
      throw new ConfigError(`stores[${i}].bits`, `precision of ${store.bits} bits; expected an integer number of bits >= 1 (a memory needs at least two levels)`);
    }
  });
  compileSchedule(config.training.learningRate, 'training.learningRate');
  // LIM barrier schedules are checked now (they need no data): a diverging schedule fails before any training.
  const t = config.training;
  config.stores.forEach((store, i) => {
    if (store.kind !== 'lim' || store.tiltGain === undefined || store.barrier === undefined) return;
    // A calibrated store (no tiltGain, barrier, range or bits given) derives them from the task at run time.
    const { range, bits: given } = store;
    if (range === undefined || !(range[1] > range[0]) || typeof given !== 'number') return;
    const tiltGain = store.tiltGain;
    const contextFor = (bits: number) => ({
      duration: t.updates * t.updateInterval,
      step: (range[1] - range[0]) / (2 ** bits - 1),
      tiltGain,
      updateInterval: t.updateInterval,
      friction: 1,
      minBarrier: store.minBarrier,
    });
    try {
      compileBarrierSchedule(store.barrier, contextFor(given), `stores[${i}].barrier`);
    } catch (err) {
      // The learning rate per update is step x mobility x tiltGain x interval: with many bits the level
      // step is so small that no barrier >= minBarrier reaches the rate. Blame the precision when fewer
      // bits would do (the usual cause: bits raised on a store tuned for fewer).
      if (!(err instanceof ConfigError) || !err.path.endsWith('.barrier.learningRate')) throw err;
      let fits = 0;
      for (let n = given - 1; n >= 1 && fits === 0; n--) {
        try {
          compileBarrierSchedule(store.barrier, contextFor(n), `stores[${i}].barrier`);
          fits = n;
        } catch {
          // still too fine
        }
      }
      if (fits === 0) throw err;
      throw new ConfigError(
        `stores[${i}].bits`,
        `is ${given}: the level step ${contextFor(given).step.toPrecision(3)} is too fine for stores[${i}].barrier.learningRate at minBarrier = ${store.minBarrier} kT; expected bits <= ${fits} with this learning rate and tiltGain (or a lower learning rate, or a larger tiltGain)`,
      );
    }
  });
  if (config.training.batchSize !== undefined && config.training.batchSize < 1) {
    throw new ConfigError('training.batchSize', `is ${config.training.batchSize}; expected >= 1`);
  }
}

function ratioSe(a: Estimate, b: Estimate): { mean: number; se: number } {
  const mean = a.mean / b.mean;
  return { mean, se: Math.abs(mean) * Math.hypot(a.se / a.mean, b.se / b.mean) };
}

/**
 * Whether the loss and gradient are finite at the model's initialisation: a NaN or
 * infinity there is bad input (e.g. overflowing data, exit 2), one that appears only
 * later is a diverged training (a failed verdict, exit 3).
 */
export function finiteAtStart(loaded: LoadedConfig<TrainingConfig>): boolean {
  try {
    const { train } = loadTrainingData(loaded.config, loaded.path);
    const model = createModel(loaded.config.model, train);
    const gradient = new Float64Array(model.parameterCount);
    return Number.isFinite(model.gradient(model.initParameters(loaded.config.seed), train, gradient));
  } catch (err) {
    if (err instanceof ConfigError) return false;
    throw err;
  }
}

/** Run a validated training config. */
export function runTraining(loaded: LoadedConfig<TrainingConfig>, overrides: RunOverrides = {}): TrainingRun {
  const config: TrainingConfig = {
    ...loaded.config,
    seed: overrides.seed ?? loaded.config.seed,
    // `replicas` (limsim run --replicas) caps the number of training copies: a reduced-size run
    // (test/experiments/configs.test.ts runs every config with replicas: 300), never a larger one.
    training: { ...loaded.config.training, copies: Math.min(overrides.replicas ?? Infinity, loaded.config.training.copies) },
  };
  checkTraining(config);
  const { train, test } = loadTrainingData(config, loaded.path);
  const model: Model = createModel(config.model, train);
  const t = config.training;
  const batchSize = t.batchSize ?? train.sampleCount;
  if (batchSize > train.sampleCount) {
    throw new ConfigError('training.batchSize', `is ${batchSize}; expected at most the ${train.sampleCount} training samples`);
  }
  const learningRate = compileSchedule(t.learningRate, 'training.learningRate');
  const modelInit = model.initParameters(config.seed);
  const init = t.init as InitSpec;
  const initRng = randomStream(config.seed, 0, 'training-init');
  const initial = initialParameters(init, modelInit, t.copies, initRng);
  const task: TrainingTask = {
    model,
    data: train,
    ...(test ? { test } : {}),
    copies: t.copies,
    updates: t.updates,
    updateInterval: t.updateInterval,
    batchSize,
    seed: config.seed,
    recordPoints: t.recordPoints,
  };

  // The float baseline: plain gradient descent from the model's initialisation.
  let baselineLoss: number;
  let baselineAccuracy: number | undefined;
  let baselineParameters: Float64Array = modelInit;
  if (typeof t.learningRate === 'number') {
    const fit = fitFloatingPoint(model, train, { learningRate: t.learningRate, steps: t.updates, seed: config.seed, batchSize, initialParameters: modelInit });
    baselineLoss = fit.finalLoss;
    baselineParameters = fit.parameters;
    baselineAccuracy = model.accuracy ? model.accuracy(fit.parameters, train) : undefined;
  } else {
    const run = { parameterCount: model.parameterCount, copies: 1, updates: t.updates, updateInterval: t.updateInterval, learningRate, initialParameters: modelInit, seed: config.seed };
    const result = trainInStore({ ...task, copies: 1 }, new FloatStore('baseline', run));
    baselineLoss = result.finalLoss.mean;
    baselineAccuracy = result.finalAccuracy?.mean;
    baselineParameters = result.finalParameters;
  }
  // Settings a store leaves out are derived from the task (docs/lim-calibration.md).
  let meanRate = 0;
  for (let k = 0; k < t.updates; k++) meanRate += learningRate(k * t.updateInterval) / t.updates;
  const calibrationTask: CalibrationTask = {
    model,
    data: train,
    floatParameters: baselineParameters,
    floatLoss: baselineLoss,
    lossTolerance: config.comparison.lossTolerance,
    meanLearningRate: meanRate,
    seed: config.seed,
  };

  // Build every store first (validation, bit calibrations), then train: bad input fails before any training.
  const calibrations = new Map<string, BitWriteCalibration>();
  const precisions = new Map<string, PrecisionCalibration>();
  const stores = config.stores.map((spec, index) => {
    const run = {
      parameterCount: model.parameterCount,
      copies: t.copies,
      updates: t.updates,
      updateInterval: t.updateInterval,
      learningRate,
      initialParameters: initial,
      seed: (overrides.noiseSeed ?? config.seed) + 7 * index,
      // train() checkpoints at each of the recordPoints marks.
      checkpoints: t.recordPoints,
    };
    const name = storeName(spec as StoreSpec, index, config.stores as StoreSpec[]);
    return createStore(spec as StoreSpec, index, { run, init, path: `stores[${index}]`, calibrations, precisions, name, task: calibrationTask, learningRateSpec: t.learningRate });
  });
  // Progress (a terminal line under `limsim run`): each store is an equal part of the run.
  const results: StoreTrainingResult[] = stores.map((store, i) => progressPart(i, stores.length, () => trainInStore(task, store)));

  const temperatureK = config.units.temperature;
  const limIndex = config.stores.findIndex((s) => s.kind === 'lim');
  const limBoundOfRun = limIndex >= 0 ? (stores[limIndex].bounds().lim as LimBound) : null;
  const initialLoss = model.loss(modelInit, train);
  const tolerance = config.comparison.lossTolerance;
  const summaries: StoreSummary[] = stores.map((store, i) => {
    const result = results[i];
    const h = result.heatPerCopy;
    const totalEstimate = estimateMean(h.total);
    const totalSe = Math.hypot(totalEstimate.se, store.systematicHeatSe());
    const total = { ...totalEstimate, se: totalSe };
    const perUpdate = { mean: total.mean / t.updates, se: total.se / t.updates, n: total.n };
    const perParameter = { mean: total.mean / model.parameterCount, se: total.se / model.parameterCount, n: total.n };
    const bounds = store.bounds();
    const { lim, ...otherBounds } = bounds;
    const boundValue = bounds.applicable;
    const boundSe = lim ? (lim as LimBound).totalSe : 0;
    const check = checkLowerBound(total, boundValue, { boundSe, tolerance: 1e-9 * Math.max(1, Math.abs(boundValue)) });
    const lossExcess = (result.finalLoss.mean - baselineLoss) / Math.abs(baselineLoss);
    const diagnostics = store.diagnostics();
    const precision = precisions.get(`stores[${i}]`);
    const traceH = Number((diagnostics.calibration as { curvature?: { traceH?: number } } | undefined)?.curvature?.traceH);
    const pathHeatModel =
      store.kind === 'lim' && diagnostics.drive === 'linearized' && traceH > 0 && init.kind === 'model'
        ? linearizedPathHeat({ start: modelInit, end: baselineParameters, tiltGain: Number(diagnostics.tiltGain), step: Number(diagnostics.step), meanCurvature: traceH / model.parameterCount })
        : NaN;
    return {
      name: store.name,
      kind: store.kind,
      finalLoss: result.finalLoss,
      ...(result.finalAccuracy ? { finalAccuracy: result.finalAccuracy } : {}),
      lossBeforeConsolidation: result.lossBeforeConsolidation,
      ...(result.testLoss ? { testLoss: result.testLoss } : {}),
      ...(result.testAccuracy ? { testAccuracy: result.testAccuracy } : {}),
      lossExcess,
      matchesFloat: lossExcess <= tolerance,
      bits: typeof diagnostics.bits === 'number' ? diagnostics.bits : null,
      ...(precision ? { precision } : {}),
      ...(Number.isFinite(pathHeatModel) ? { pathHeatModel } : {}),
      heat: {
        total: energyReport(total, temperatureK),
        update: energyReport(estimateMean(h.update), temperatureK),
        consolidation: energyReport(estimateMean(h.consolidation), temperatureK),
        retention: energyReport(estimateMean(h.retention), temperatureK),
        perUpdate: energyReport(perUpdate, temperatureK),
        perParameter: energyReport(perParameter, temperatureK),
      },
      bound: {
        value: boundValue,
        boundSe,
        name: bounds.applicableName,
        ratio: boundValue > 0 ? total.mean / boundValue : null,
        ratioSe: boundValue > 0 ? ratioStandardError(total.mean, total.se, boundValue, boundSe) : null,
        z: check.z,
        holds: !check.violated,
        violated: check.violated,
      },
      limBoundRatio: limBoundOfRun !== null && limBoundOfRun.total > 0 ? total.mean / limBoundOfRun.total : null,
      limBoundRatioSe:
        limBoundOfRun !== null && limBoundOfRun.total > 0 ? ratioStandardError(total.mean, total.se, limBoundOfRun.total, limBoundOfRun.totalSe) : null,
      ...(lim ? { lim: lim as LimBound } : {}),
      ...(typeof bounds.conventionalEstimate === 'number' ? { conventionalEstimate: bounds.conventionalEstimate } : {}),
      bounds: otherBounds,
      diagnostics,
    };
  });

  // The loss curvature only when a diagnosis needs it (it costs 2 N full-batch gradients): at the
  // baseline's end point, or at the initialisation when the baseline diverged.
  const baselineDiverged = !(baselineLoss <= initialLoss);
  const curvature =
    baselineDiverged || summaries.some((x) => x.kind === 'lim' && !x.matchesFloat)
      ? lossCurvature(model, train, baselineDiverged ? modelInit : baselineParameters)
      : undefined;

  // A store far below the float loss (beyond the tolerance, resolved over the copies) means the float baseline
  // had not converged: matchesFloat stays the issue's rule, the reader gets the optimum to compare with.
  const optimum = knownOptimumLoss(model, train);
  const notConverged = summaries
    .map((x) => {
      const lowLimit = baselineLoss - tolerance * Math.abs(baselineLoss);
      const gap = lowLimit - x.finalLoss.mean;
      const sigmas = x.finalLoss.se > 0 ? gap / x.finalLoss.se : gap > 0 ? Infinity : -Infinity;
      return { store: x.name, belowPercent: -100 * x.lossExcess, sigmas, resolved: gap > 0 && sigmas > VIOLATION_SIGMAS };
    })
    .filter((x) => x.resolved)
    .map(({ store, belowPercent, sigmas }) => ({ store, belowPercent, sigmas: Number.isFinite(sigmas) ? sigmas : Number.MAX_VALUE }));
  const warnings = notConverged.map(
    (x) =>
      `float baseline not converged: store ${x.store} ends ${x.belowPercent.toPrecision(3)} % below it (beyond lossTolerance ${100 * tolerance} % by more than ${VIOLATION_SIGMAS} SE); ` +
      (optimum
        ? `compare against the optimum loss ${formatNumber(optimum.loss)} (${optimum.method}): the float baseline ${formatNumber(baselineLoss)} is ${(100 * (baselineLoss - optimum.loss) / Math.abs(optimum.loss)).toPrecision(3)} % above it`
        : 'compare against a float baseline run to convergence (more updates or a larger training.learningRate)'),
  );

  // A given precision whose rounding floor eats more than half the loss budget (docs/lim-calibration.md §4a):
  // say so, since such a store sits at the tolerance's edge whatever its physics.
  config.stores.forEach((spec, i) => {
    const d = summaries[i].diagnostics as { bits?: unknown; range?: unknown };
    if (typeof (spec as { bits?: unknown }).bits !== 'number' || typeof d.bits !== 'number' || !Array.isArray(d.range)) return;
    const range = d.range as [number, number];
    const marginal = marginalPrecision({ traceH: taskCurvature(calibrationTask).traceH, range, bits: d.bits, lossBudget: tolerance * Math.abs(baselineLoss), maxBits: spec.kind === 'lim' ? 16 : 24 });
    if (!marginal) return;
    warnings.push(
      `stores[${i}] (${summaries[i].name}): precision at the tolerance's edge: the rounding floor tr(H) step^2 / 24 = ${formatNumber(marginal.roundingFloor)} of ${d.bits} bits over ` +
        `[${formatNumber(range[0])}, ${formatNumber(range[1])}] is ${(100 * marginal.budgetShare).toPrecision(3)} % of the loss budget ${formatNumber(tolerance * Math.abs(baselineLoss))} ` +
        `(more than ${100 * ROUNDING_SHARE} %), so the store may miss the float loss whatever its physics; ` +
        (marginal.leastFeasibleBits !== null ? `bits: auto gives ${marginal.leastFeasibleBits} bits over this range (docs/lim-calibration.md §4a)` : 'no precision up to the store\'s limit keeps half the budget over this range: narrow the range'),
    );
  });

  const comparisons: HeatComparison[] = [];
  for (const conventional of summaries.filter((s) => s.kind === 'digital' || s.kind === 'consolidation')) {
    for (const lim of summaries.filter((s) => s.kind === 'lim')) {
      comparisons.push({
        conventional: conventional.name,
        lim: lim.name,
        heatRatio: ratioSe(conventional.heat.total, lim.heat.total),
        matchedLoss: conventional.matchesFloat && lim.matchesFloat,
      });
    }
  }

  const summary: TrainingSummary = {
    kind: 'training',
    name: config.name,
    ...(config.description ? { description: config.description } : {}),
    provenance: { ...baseProvenance(loaded, config, temperatureK), copies: t.copies },
    units: {
      energy: 'kT',
      kTJoules: thermalEnergyJ(temperatureK),
      time: 'gamma * a^2 / kT (a = level spacing)',
      parameterLevelSpacing: 'w = w_min + step * x, step = (w_max - w_min) / (2^n - 1)',
    },
    task: {
      dataset: train.name,
      samples: train.sampleCount,
      features: train.featureCount,
      task: train.task,
      model: model.name,
      parameters: model.parameterCount,
      updates: t.updates,
      updateInterval: t.updateInterval,
      trainingTime: t.updates * t.updateInterval,
      batchSize,
      copies: t.copies,
    },
    floatBaseline: {
      finalLoss: baselineLoss,
      ...(baselineAccuracy !== undefined ? { finalAccuracy: baselineAccuracy } : {}),
      note: 'float64 gradient descent from the model initialisation with training.learningRate (fitFloatingPoint)',
      ...(optimum ? { optimumLoss: optimum.loss, optimumMethod: optimum.method } : {}),
      ...(notConverged.length ? { notConverged } : {}),
    },
    warnings,
    lossTolerance: tolerance,
    ...(curvature ? { lossCurvature: curvature } : {}),
    stores: summaries,
    comparisons,
    verdict: trainingVerdict(summaries, baselineLoss, tolerance, curvature?.lambdaMax ?? NaN, t.copies, model.parameterCount, initialLoss),
  };
  return { summary, results };
}

/**
 * lambda_max and tr(H) of the training loss's Hessian at `at` (the float
 * baseline's end point), by central differences of the gradient (step 1e-4 per
 * parameter, symmetrised) and power iteration: what the LIM diagnosis compares
 * the sliding learning rate with (gradient descent overshoots above 2 / lambda_max).
 * Cost: 2 N gradients; skipped (NaN) above 400 parameters.
 */
export function lossCurvature(model: Model, data: Dataset, at: Float64Array): { lambdaMax: number; trace: number; note: string } {
  const n = model.parameterCount;
  const note = 'Hessian of the training loss at the float baseline parameters (central differences, power iteration)';
  if (n > 400) return { lambdaMax: NaN, trace: NaN, note: `${note}: skipped above 400 parameters` };
  const h = 1e-4;
  const hessian = new Float64Array(n * n);
  const w = Float64Array.from(at);
  const plus = new Float64Array(n);
  const minus = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w0 = w[i];
    w[i] = w0 + h;
    model.gradient(w, data, plus);
    w[i] = w0 - h;
    model.gradient(w, data, minus);
    w[i] = w0;
    for (let j = 0; j < n; j++) hessian[i * n + j] = (plus[j] - minus[j]) / (2 * h);
  }
  let trace = 0;
  for (let i = 0; i < n; i++) {
    trace += hessian[i * n + i];
    for (let j = 0; j < i; j++) hessian[i * n + j] = hessian[j * n + i] = 0.5 * (hessian[i * n + j] + hessian[j * n + i]);
  }
  // Power iteration on H + c I (c = sum of |H_ij|, a Gershgorin bound) so the top eigenvalue is the largest one.
  let shift = 0;
  for (const v of hessian) shift += Math.abs(v);
  let x = new Float64Array(n).fill(1 / Math.sqrt(n));
  let lambda = 0;
  for (let it = 0; it < 500; it++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let sum = shift * x[i];
      for (let j = 0; j < n; j++) sum += hessian[i * n + j] * x[j];
      y[i] = sum;
    }
    const norm = Math.hypot(...y);
    if (!(norm > 0)) break;
    for (let i = 0; i < n; i++) y[i] /= norm;
    const next = norm - shift;
    x = y;
    if (Math.abs(next - lambda) <= 1e-10 * Math.max(1, Math.abs(next))) {
      lambda = next;
      break;
    }
    lambda = next;
  }
  return { lambdaMax: lambda, trace, note };
}

/**
 * Why a LIM store missed its baseline, from its diagnostics (docs/lim-bounds.md §2, §6.3):
 * the sliding learning rate step kappa Delta above 2 / lambda_max (large gradients
 * remove the barrier and the cell overshoots), the thermal floor N step / (2 kappa)
 * (equipartition of the stationary density exp(-(kappa/step) L)) above the
 * tolerance, and clipped tilts.
 */
export function diagnoseLimStore(
  diagnostics: Record<string, unknown>,
  parameters: number,
  baselineLoss: number,
  tolerance: number,
  lambdaMax: number,
): string[] {
  const causes: string[] = [];
  const step = Number(diagnostics.step);
  const kappa = Number(diagnostics.tiltGain);
  const slidingDiagnostic = diagnostics.slidingLearningRate as { value?: number; applies?: boolean } | undefined;
  // Under the linearized drive the tilt is capped below the critical tilt: no cell can slide.
  const sliding = slidingDiagnostic?.applies === false ? NaN : Number(slidingDiagnostic?.value);
  if (Number.isFinite(sliding) && Number.isFinite(lambdaMax) && lambdaMax > 0 && sliding > 2 / lambdaMax) {
    causes.push(`sliding learning rate step kappa Delta = ${formatNumber(sliding)} above 2 / lambda_max = ${formatNumber(2 / lambdaMax)} (large gradients overshoot)`);
  }
  const floor = (parameters * step) / (2 * kappa);
  if (Number.isFinite(floor) && floor > tolerance * Math.abs(baselineLoss)) {
    causes.push(
      `thermal floor N step / (2 kappa) = ${formatNumber(floor)} above the tolerance ${formatNumber(tolerance * Math.abs(baselineLoss))} ` +
        `(${100 * tolerance}% of the float loss; raise tiltGain or the precision)`,
    );
  }
  const clipped = Number(diagnostics.clippedTiltFraction);
  if (clipped > 0) causes.push(`clipped tilt: ${(100 * clipped).toPrecision(3)}% of the tilts hit maxTilt = ${formatNumber(Number(diagnostics.maxTilt))}`);
  return causes;
}

/** The verdict of a training run: every store holds its bound and matches the float baseline. */
function trainingVerdict(
  stores: StoreSummary[],
  baselineLoss: number,
  tolerance: number,
  lambdaMax: number,
  copies: number,
  parameters: number,
  initialLoss: number,
): Verdict {
  const failures: VerdictFailure[] = [];
  // The reference itself: plain gradient descent that ends above its starting loss (or at a non-finite
  // one) diverged, and every "matches the baseline" below would be meaningless.
  if (!(baselineLoss <= initialLoss)) {
    failures.push({
      what: 'float baseline: diverged',
      cause:
        `final loss ${formatNumber(baselineLoss)} above the initial loss ${formatNumber(initialLoss)}` +
        (Number.isFinite(lambdaMax) && lambdaMax > 0 ? ` (gradient descent is unstable for a learning rate above 2 / lambda_max = ${formatNumber(2 / lambdaMax)})` : ''),
    });
  }
  for (const s of stores) {
    if (s.bound.violated) {
      failures.push({
        what: `store ${s.name}: heat below its bound`,
        cause: `${formatEstimate(s.heat.total.mean, s.heat.total.se)} kT is ${(-s.bound.z).toFixed(1)} combined SE below ${formatEstimate(s.bound.value, s.bound.boundSe)} kT (${s.bound.name})`,
      });
    }
    // A miss is a verdict only when resolved: the final loss above baseline (1 + tolerance) by more than 4 SE
    // (the copies' SE; the float baseline is deterministic). matchesFloat is the plain point comparison.
    const limit = baselineLoss + tolerance * Math.abs(baselineLoss);
    if (!s.matchesFloat && s.finalLoss.mean - limit > VIOLATION_SIGMAS * s.finalLoss.se) {
      const causes = s.kind === 'lim' ? diagnoseLimStore(s.diagnostics, parameters, baselineLoss, tolerance, lambdaMax) : [];
      failures.push({
        what: `store ${s.name}: final loss`,
        cause:
          `${formatEstimate(s.finalLoss.mean, s.finalLoss.se)} misses the float baseline ${formatNumber(baselineLoss)} by ${(100 * s.lossExcess).toPrecision(3)}% ` +
          `(> lossTolerance ${100 * tolerance}% by ${((s.finalLoss.mean - limit) / s.finalLoss.se).toFixed(1)} SE over ${copies} copies)` +
          (causes.length ? `; cause: ${causes.join('; ')}` : ''),
      });
    }
  }
  return { ok: failures.length === 0, failures };
}

/** training-curves.csv: loss, accuracy and cumulative heat against update, time, per store. */
export function trainingCurvesCsv(run: TrainingRun): string {
  const kTJ = run.summary.units.kTJoules;
  const rows: (number | string)[][] = [];
  for (const result of run.results) {
    for (const p of result.curve) {
      rows.push([
        result.store,
        p.step,
        p.time,
        p.loss.mean,
        p.loss.se,
        p.accuracy ? p.accuracy.mean : '',
        p.accuracy ? p.accuracy.se : '',
        p.heat.mean,
        p.heat.se,
        p.heat.mean * kTJ,
      ]);
    }
  }
  return toCsv(
    ['store', 'update', 'time', 'loss_mean', 'loss_se', 'accuracy_mean', 'accuracy_se', 'heat_kT_mean', 'heat_kT_se', 'heat_J_mean'],
    rows,
  );
}

/** The files of a training run: summary.json (last: its presence marks a complete folder) and training-curves.csv. */
export function trainingFiles(run: TrainingRun): Record<string, string> {
  return {
    'training-curves.csv': trainingCurvesCsv(run),
    'summary.json': JSON.stringify(run.summary, null, 2) + '\n',
  };
}

/** The human summary of a training run: per store, final loss and accuracy, heat in kT and J, heat per update, bound ratios. */
export function trainingSummaryText(run: TrainingRun, folder: string): string {
  const s = run.summary;
  const p = s.provenance;
  const est = (e: { mean: number; se: number }) => formatEstimate(e.mean, e.se);
  // Ratios with their SE (delta method) at the precision it supports; without an SE, 3 significant digits.
  const ratio = (v: number | null, se: number | null = null) =>
    v === null ? 'n/a' : se !== null && se > 0 ? formatEstimate(v, se) : String(Number(v.toPrecision(3)));
  // Labels: the kind only when the name does not already say it ("float", not "float (float)").
  const label = (x: StoreSummary) => (x.name === x.kind ? x.name : `${x.name} (${x.kind})`);
  const hasAccuracy = s.stores.some((x) => x.finalAccuracy);
  // heat/LIM bound repeats heat/bound for a LIM store (its bound is the LIM bound): one line for the other stores instead.
  const limRatios = s.stores.filter((x) => !x.lim && x.limBoundRatio !== null);
  const main = textTable(
    ['store', 'final loss', ...(hasAccuracy ? ['accuracy'] : []), 'heat kT', 'heat J', 'bound kT', 'heat/bound'],
    s.stores.map((x) => [
      label(x),
      est(x.finalLoss),
      ...(hasAccuracy ? [x.finalAccuracy ? est(x.finalAccuracy) : 'n/a'] : []),
      est(x.heat.total),
      formatEstimate(x.heat.total.meanJ, x.heat.total.seJ),
      x.bound.boundSe > 0 ? est({ mean: x.bound.value, se: x.bound.boundSe }) : String(Number(x.bound.value.toPrecision(4))),
      ratio(x.bound.ratio, x.bound.ratioSe),
    ]),
  );
  // An exactly zero heat with zero SE is a phase the store does not have (or, for retention, that is not simulated).
  const exactZero = (e: { mean: number; se: number }) => e.mean === 0 && e.se === 0;
  const retentionSimulated = s.stores.some((x) => !exactZero(x.heat.retention));
  const phase = (e: { mean: number; se: number }) => (exactZero(e) ? 'none' : est(e));
  const split = textTable(
    ['store', 'update kT', 'consolidation kT', ...(retentionSimulated ? ['retention kT'] : []), 'heat/update kT', 'per parameter kT', 'conventional estimate kT'],
    s.stores.map((x) => [
      x.name,
      phase(x.heat.update),
      phase(x.heat.consolidation),
      ...(retentionSimulated ? [phase(x.heat.retention)] : []),
      phase(x.heat.perUpdate),
      phase(x.heat.perParameter),
      x.conventionalEstimate !== undefined ? formatNumber(x.conventionalEstimate) : 'n/a',
    ]),
  );
  const lines = [
    `${s.name}: ${s.task.model} (${s.task.parameters} parameters) on ${s.task.dataset} (${s.task.samples} samples), ` +
      `${s.task.updates} updates x ${s.task.updateInterval} = ${s.task.trainingTime} time units, ` +
      `${s.task.copies} copies, seed ${p.seed}, T = ${p.temperatureK} K (kT = ${formatNumber(s.units.kTJoules)} J)`,
    `float baseline: final loss ${formatNumber(s.floatBaseline.finalLoss)}` +
      (s.floatBaseline.finalAccuracy !== undefined ? `, accuracy ${formatNumber(s.floatBaseline.finalAccuracy)}` : '') +
      (s.floatBaseline.optimumLoss !== undefined ? ` (optimum ${formatNumber(s.floatBaseline.optimumLoss)})` : '') +
      `; matched loss = within ${100 * s.lossTolerance}% of it`,
    main,
    split,
    ...(limRatios.length ? [`heat/LIM bound of the other stores: ${limRatios.map((x) => `${x.name} ${ratio(x.limBoundRatio, x.limBoundRatioSe)}`).join(', ')}`] : []),
    ...(retentionSimulated ? [] : ['retention: the heat of holding the trained values is not simulated for these stores']),
  ];
  for (const x of s.stores) {
    if (x.lim) {
      lines.push(
        `${x.name} LIM bound: update ${formatNumber(x.lim.update)} kT (linear-response gamma_eff l^2/T: ${formatNumber(x.lim.updateLinear)}) ` +
          `+ information ${formatNumber(x.lim.information)} kT = ${formatEstimate(x.lim.total, x.lim.totalSe)} kT ` +
          `(path lengths of the ensemble-mean coordinates, ${x.lim.pathEstimator} estimate, SE by bootstrap over copies); ` +
          `N n kT ln 2 = ${formatNumber(x.lim.consolidationTerm)} kT`,
      );
    }
  }
  for (const x of s.stores) {
    if (x.precision) lines.push(`${x.name} precision: ${x.precision.bits} bits (calibrated: ${x.precision.reason})`);
  }
  for (const c of s.comparisons) {
    lines.push(
      `heat ${c.conventional} / ${c.lim} = ${formatEstimate(c.heatRatio.mean, c.heatRatio.se)}` +
        (c.matchedLoss ? ' (final losses matched)' : ' (final losses NOT both within tolerance of the float baseline)'),
    );
  }
  const broken = s.stores.filter((x) => x.bound.violated);
  lines.push(
    broken.length === 0
      ? 'bounds: no store\'s heat is below its bound by more than 4 combined SE'
      : `bounds: BELOW the bound beyond 4 SE: ${broken.map((x) => x.name).join(', ')}`,
  );
  lines.push(`results: ${folder}`);
  lines.push(...verdictLines(s.verdict));
  for (const w of s.warnings ?? []) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
