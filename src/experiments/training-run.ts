import { dirname, isAbsolute, resolve } from 'node:path';
import { progressPart } from '../engines/progress-hook.js';
import { ConfigError } from '../errors.js';
import { baseProvenance, type BaseProvenance } from './provenance.js';
import type { Estimate } from '../engines/problem.js';
import {
  fitStandardization,
  IRIS_CSV_PATH,
  loadCsvDataset,
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
  name: string;
  /** Measured / bound (null when the bound <= 0). */
  ratio: number | null;
  /** Measured mean >= bound. */
  holds: boolean;
  /** Measured mean below the bound by more than 4 SE. */
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
  floatBaseline: { finalLoss: number; finalAccuracy?: number; note: string };
  lossTolerance: number;
  stores: StoreSummary[];
  comparisons: HeatComparison[];
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
    if (store.kind !== 'float' && !(Number.isInteger(store.bits) && store.bits >= 1)) {
      throw new ConfigError(`stores[${i}].bits`, `precision of ${store.bits} bits; expected an integer number of bits >= 1 (a memory needs at least two levels)`);
    }
  });
  compileSchedule(config.training.learningRate, 'training.learningRate');
  // LIM barrier schedules are checked now (they need no data): a diverging schedule fails before any training.
  const t = config.training;
  config.stores.forEach((store, i) => {
    if (store.kind !== 'lim' || !(store.range[1] > store.range[0])) return;
    const step = (store.range[1] - store.range[0]) / (2 ** store.bits - 1);
    compileBarrierSchedule(
      store.barrier,
      { duration: t.updates * t.updateInterval, step, tiltGain: store.tiltGain, updateInterval: t.updateInterval, friction: 1, minBarrier: store.minBarrier },
      `stores[${i}].barrier`,
    );
  });
  if (config.training.batchSize !== undefined && config.training.batchSize < 1) {
    throw new ConfigError('training.batchSize', `is ${config.training.batchSize}; expected >= 1`);
  }
}

function ratioSe(a: Estimate, b: Estimate): { mean: number; se: number } {
  const mean = a.mean / b.mean;
  return { mean, se: Math.abs(mean) * Math.hypot(a.se / a.mean, b.se / b.mean) };
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
  if (typeof t.learningRate === 'number') {
    const fit = fitFloatingPoint(model, train, { learningRate: t.learningRate, steps: t.updates, seed: config.seed, batchSize, initialParameters: modelInit });
    baselineLoss = fit.finalLoss;
    baselineAccuracy = model.accuracy ? model.accuracy(fit.parameters, train) : undefined;
  } else {
    const run = { parameterCount: model.parameterCount, copies: 1, updates: t.updates, updateInterval: t.updateInterval, learningRate, initialParameters: modelInit, seed: config.seed };
    const result = trainInStore({ ...task, copies: 1 }, new FloatStore('baseline', run));
    baselineLoss = result.finalLoss.mean;
    baselineAccuracy = result.finalAccuracy?.mean;
  }

  // Build every store first (validation, bit calibrations), then train: bad input fails before any training.
  const calibrations = new Map<string, BitWriteCalibration>();
  const stores = config.stores.map((spec, index) => {
    const run = {
      parameterCount: model.parameterCount,
      copies: t.copies,
      updates: t.updates,
      updateInterval: t.updateInterval,
      learningRate,
      initialParameters: initial,
      seed: config.seed + 7 * index,
    };
    const name = storeName(spec as StoreSpec, index, config.stores as StoreSpec[]);
    return createStore(spec as StoreSpec, index, { run, init, path: `stores[${index}]`, calibrations, name });
  });
  // Progress (a terminal line under `limsim run`): each store is an equal part of the run.
  const results: StoreTrainingResult[] = stores.map((store, i) => progressPart(i, stores.length, () => trainInStore(task, store)));

  const temperatureK = config.units.temperature;
  const limIndex = config.stores.findIndex((s) => s.kind === 'lim');
  const limBoundTotal = limIndex >= 0 ? (stores[limIndex].bounds().lim as LimBound).total : null;
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
    const lossExcess = (result.finalLoss.mean - baselineLoss) / Math.abs(baselineLoss);
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
        name: bounds.applicableName,
        ratio: boundValue > 0 ? total.mean / boundValue : null,
        holds: total.mean >= boundValue,
        violated: total.mean < boundValue - 4 * total.se,
      },
      limBoundRatio: limBoundTotal !== null && limBoundTotal > 0 ? total.mean / limBoundTotal : null,
      ...(lim ? { lim: lim as LimBound } : {}),
      ...(typeof bounds.conventionalEstimate === 'number' ? { conventionalEstimate: bounds.conventionalEstimate } : {}),
      bounds: otherBounds,
      diagnostics: store.diagnostics(),
    };
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
    },
    lossTolerance: tolerance,
    stores: summaries,
    comparisons,
  };
  return { summary, results };
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
  // Ratios to 3 significant digits: the bounds they divide by are exact, the heats carry ~1% SEs.
  const ratio = (v: number | null) => (v === null ? 'n/a' : String(Number(v.toPrecision(3))));
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
      String(Number(x.bound.value.toPrecision(4))),
      ratio(x.bound.ratio),
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
      `; matched loss = within ${100 * s.lossTolerance}% of it`,
    main,
    split,
    ...(limRatios.length ? [`heat/LIM bound of the other stores: ${limRatios.map((x) => `${x.name} ${ratio(x.limBoundRatio)}`).join(', ')}`] : []),
    ...(retentionSimulated ? [] : ['retention: the heat of holding the trained values is not simulated for these stores']),
  ];
  for (const x of s.stores) {
    if (x.lim) {
      lines.push(
        `${x.name} LIM bound: update ${formatNumber(x.lim.update)} kT (linear-response gamma_eff l^2/T: ${formatNumber(x.lim.updateLinear)}) ` +
          `+ information ${formatNumber(x.lim.information)} kT = ${formatNumber(x.lim.total)} kT; ` +
          `N n kT ln 2 = ${formatNumber(x.lim.consolidationTerm)} kT`,
      );
    }
  }
  for (const c of s.comparisons) {
    lines.push(
      `heat ${c.conventional} / ${c.lim} = ${formatEstimate(c.heatRatio.mean, c.heatRatio.se)}` +
        (c.matchedLoss ? ' (final losses matched)' : ' (final losses NOT both within tolerance of the float baseline)'),
    );
  }
  const broken = s.stores.filter((x) => !x.bound.holds);
  lines.push(broken.length === 0 ? 'bounds: measured heat >= applicable bound for every store' : `bounds: BELOW the bound: ${broken.map((x) => x.name).join(', ')}`);
  lines.push(`results: ${folder}`);
  return lines.join('\n');
}
