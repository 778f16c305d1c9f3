import { describe, expect, it } from 'vitest';
import { validateAnyConfig } from '../../src/experiments/dispatch.js';
import { loadTrainingData } from '../../src/experiments/training-run.js';
import type { TrainingConfig } from '../../src/experiments/training-schema.js';
import type { CalibrationTask } from '../../src/learning/calibration.js';
import { fitFloatingPoint } from '../../src/learning/float-reference.js';
import { FootprintProbe, type RunFootprint } from '../../src/learning/footprint.js';
import { limBound, polygonNodes, type LimBound } from '../../src/learning/lim-bound.js';
import { createModel } from '../../src/learning/models.js';
import { createStore, initialParameters, type InitSpec, type StoreSpec } from '../../src/learning/stores/index.js';
import type { ParameterStore } from '../../src/learning/stores/types.js';
import { trainInStore, type TrainingTask } from '../../src/learning/train.js';
import { randomStream } from '../../src/physics/rng.js';

/**
 * The LIM store's memory in a training run (issue 11, Build 3: <= 64 B per cell) and the exactness
 * of its compact bound snapshots (level + tilt code instead of a Float32 coordinate).
 */

/** A teacher-student training config with one calibrated Monte-Carlo LIM store (only kind, bits, range, engine). */
function config(parameters: number, copies: number, updates: number, recordPoints: number): TrainingConfig {
  const raw = {
    kind: 'training',
    name: 'lim-footprint',
    seed: 4,
    dataset: { kind: 'teacher-student', parameters, noiseStd: 1 },
    model: { kind: 'teacher-student' },
    training: { copies, updates, updateInterval: 1, learningRate: 0.2, recordPoints },
    stores: [{ kind: 'lim', bits: 8, range: [-4, 4], engine: 'monte-carlo' }],
    comparison: { lossTolerance: 0.05 },
  };
  const any = validateAnyConfig(raw, JSON.stringify(raw), 'lim-footprint.yaml');
  if (any.kind !== 'training') throw new Error('not a training config');
  return any.loaded.config;
}

/** The LIM store of the config, built as training-run.ts builds it, and its training task. */
function limSetup(c: TrainingConfig): { store: ParameterStore; task: TrainingTask; others: unknown[] } {
  const { train } = loadTrainingData(c, 'lim-footprint.yaml');
  const model = createModel(c.model, train);
  const t = c.training;
  const modelInit = model.initParameters(c.seed);
  const init = t.init as InitSpec;
  const initial = initialParameters(init, modelInit, t.copies, randomStream(c.seed, 0, 'training-init'));
  const fit = fitFloatingPoint(model, train, { learningRate: 0.2, steps: t.updates, seed: c.seed, batchSize: train.sampleCount, initialParameters: modelInit });
  const calibrationTask: CalibrationTask = {
    model,
    data: train,
    floatParameters: fit.parameters,
    floatLoss: fit.finalLoss,
    lossTolerance: c.comparison.lossTolerance,
    meanLearningRate: 0.2,
    seed: c.seed,
  };
  const run = {
    parameterCount: model.parameterCount,
    copies: t.copies,
    updates: t.updates,
    updateInterval: t.updateInterval,
    learningRate: () => 0.2,
    initialParameters: initial,
    seed: c.seed,
    checkpoints: t.recordPoints,
  };
  const store = createStore(c.stores[0] as StoreSpec, 0, { run, init, path: 'stores[0]', task: calibrationTask, learningRateSpec: 0.2 });
  const task: TrainingTask = { model, data: train, copies: t.copies, updates: t.updates, updateInterval: 1, batchSize: train.sampleCount, seed: c.seed, recordPoints: t.recordPoints };
  return { store, task, others: [model, train] };
}

function footprintOf(parameters: number, copies: number): RunFootprint & { cells: number } {
  const { store, task, others } = limSetup(config(parameters, copies, 40, 11));
  const probe = new FootprintProbe(store, others);
  trainInStore(task, probe);
  return { ...probe.footprint, cells: parameters * copies };
}

describe('LIM store memory per cell in a training run', () => {
  it('a calibrated Monte-Carlo LIM run (2 copies, settling phase, 9 bound snapshots) holds <= 64 B per cell with its snapshots; the trainer adds its two Float64 buffers', () => {
    // Per-cell bytes as the slope between two sizes: shared tables (the drive table, per-copy ledgers) cancel.
    const small = footprintOf(2000, 2);
    const large = footprintOf(6000, 2);
    const cells = large.cells - small.cells;
    const storePerCell = (large.storeBytes - small.storeBytes) / cells;
    const trainerPerCell = (large.trainerBytes - small.trainerBytes) / cells;
    const totalPerCell = (large.totalBytes - small.totalBytes) / cells;
    // Store: Uint8 level, Float64 budget, Int16 code, Float64 free tilt of the settling phase,
    // Uint8 shadow level, initial parameters (8), copy-mean path accumulators (16 / copies),
    // snapshots: 1 (untilted start) + 7 x 3 (level + code) + 4 (Float32, settling phase) = 26;
    // plus the generator state of each block of 256 cells (0.16 B per cell).
    expect(storePerCell).toBeGreaterThanOrEqual(1 + 8 + 2 + 8 + 1 + 8 + 16 / 2 + 26);
    expect(storePerCell).toBeLessThanOrEqual(64);
    // Parameters read and gradients (the gradient buffer takes the final parameters at the end).
    expect(trainerPerCell).toBe(16);
    // The model and data (teacher weights) are per parameter; the total is the union, each buffer once.
    expect(totalPerCell).toBeGreaterThanOrEqual(storePerCell + trainerPerCell);
    expect(totalPerCell).toBeLessThanOrEqual(storePerCell + trainerPerCell + 16 / 2);
  }, 60_000);

  it('the compact snapshots give the bound and its SE bit-identical to Float32 copies of the coordinates', () => {
    const c = config(300, 4, 30, 13);
    const { store, task } = limSetup(c);
    const n = task.model.parameterCount;
    const copies = c.training.copies;
    // Record what the store kept before (Float32 copies of every coordinate) at the polygon nodes.
    const nodes = new Set(polygonNodes(c.training.recordPoints));
    const copyPath: Float32Array[] = [];
    const positions = new Float64Array(n * copies);
    const inner = store.checkpoint.bind(store);
    store.checkpoint = () => {
      inner();
      (store as unknown as { cells: { positions(out: Float64Array): void } }).cells.positions(positions);
      copyPath.push(nodes.has(copyPath.length) ? Float32Array.from(positions) : new Float32Array(0));
    };
    const result = trainInStore(task, store);
    const bound = store.bounds().lim as LimBound;
    expect(bound.pathEstimator).toBe('leave-one-out');
    expect(bound.update).toBeGreaterThan(0);
    const levels = Int32Array.from(result.finalParameters, (w) => Math.round((w + 4) / (8 / 255)));
    const reference = limBound({
      copyMeanPathLengths: Float64Array.from(bound.copyMeanPathLengths),
      copyPath,
      seed: c.seed,
      checkpoints: c.training.recordPoints,
      parameterCount: n,
      mobilityBudget: bound.mobilityBudget,
      initialLevelEntropy: Float64Array.from(bound.initialLevelEntropy),
      finalLevels: levels,
      copies,
      bits: 8,
    });
    expect(reference.pathEstimator).toBe('leave-one-out');
    expect(bound.total).toBe(reference.total);
    expect(bound.totalSe).toBe(reference.totalSe);
    expect(bound.pathLengths).toEqual(reference.pathLengths);
  });
});
