import { Document, isScalar, isSeq, visit } from 'yaml';
import { ConfigError } from '../errors.js';
import { readConfigFile } from '../experiments/config.js';
import { validateAnyConfig } from '../experiments/dispatch.js';
import { linePlot } from '../report/plots.js';
import { toCsv } from '../report/results.js';
import { VIOLATION_SIGMAS } from '../thermo/bounds.js';
import { minimizeNelderMead } from './lbfgs.js';
import { boxTransform, inverseBoxTransform } from './protocol.js';
import { barrierField, barrierStoreIndex, evaluateTraining, withBarrier, type BarrierField, type TrainingEvaluation } from './training-objective.js';

/**
 * `limsim optimize` on a training config (docs/optimize.md §8): the LIM barrier
 * schedule with the least heat for the config's number of updates and a final
 * loss within the tolerance of the float baseline.
 *
 * The objective is stochastic (hopping or Langevin noise), so:
 * 1. Search: Nelder-Mead on the K + 2 knot values, every evaluation with common
 *    random numbers (the config's copies and the store's own noise seed, seed + 7 i,
 *    exactly what `limsim run` draws), the loss constraint held with a margin of
 *    SEARCH_LOSS_MARGIN_SE standard errors by an exact (L1) penalty.
 * 2. Validation: the optimized schedule and the config's schedule as given, each
 *    re-run with fresh noise (its own seed) and more copies. Every reported heat,
 *    loss and ratio comes from these runs, not from the search sample, whose best
 *    point is biased low by the selection.
 */

/** Margin, in SE of the search sample's copies, between the search's final loss and the limit. */
export const SEARCH_LOSS_MARGIN_SE = 6;
/** Noise seeds of the validation runs: seed + 7 i + these offsets (independent of the search's and of each other). */
export const VALIDATION_SEED_OFFSETS = { optimized: 1_000_003, start: 2_000_003 } as const;

export interface TrainingOptimizeOptions {
  vary: string[];
  knots: number;
  /** Upper limit on the final loss (default: float baseline x (1 + comparison.lossTolerance)). */
  lossLimit?: number;
  barrierLower?: number;
  barrierUpper?: number;
  /** Nelder-Mead evaluations. */
  maxEvaluations: number;
  /** Copies of each validation run (default 4 x the config's copies). */
  validationCopies?: number;
}

export interface TrainingIterationRow {
  iteration: number;
  evaluations: number;
  merit: number;
  heat: number;
  heatSe: number;
  loss: number;
  lossSe: number;
}

export interface ValidationRow extends TrainingEvaluation {
  label: string;
  /** (limit - loss) / SE: the constraint is met beyond 4 SE when > 4, violated beyond 4 SE when < -4. */
  lossMarginSe: number;
  /** Heat / LIM bound (delta-method SE). */
  boundRatio: { mean: number; se: number };
}

export interface TrainingOptimizeReport {
  configPath: string;
  field: BarrierField;
  startTheta: number[];
  theta: number[];
  lossLimit: number;
  lossLimitSource: string;
  floatLoss: number;
  searchCopies: number;
  searchNoiseSeed: number;
  iterations: TrainingIterationRow[];
  evaluations: number;
  converged: boolean;
  reason: string;
  /** Search sample (common random numbers) of the config's schedule as given, of its K-knot table (the start) and of the optimum: the last biased by selection, none for verdicts. */
  searchGiven: TrainingEvaluation;
  searchStart: TrainingEvaluation;
  searchBest: TrainingEvaluation;
  validation: { optimized: ValidationRow; start: ValidationRow };
  /** Heat(optimized) - heat(config's schedule), independent runs: SE = hypot. */
  heatDifference: { mean: number; se: number; z: number };
  heatRatio: { mean: number; se: number };
  answer: string;
  constraintMethod: string[];
  optimizedConfig: Record<string, unknown>;
  optimizedYaml: string;
  /** Failed verdict: a validation run's own verdict failed, or the optimized loss is above the limit beyond 4 SE. */
  violated: boolean;
  failures: string[];
}

function ratio(a: { mean: number; se: number }, b: { mean: number; se: number }): { mean: number; se: number } {
  const mean = a.mean / b.mean;
  return { mean, se: Math.abs(mean) * Math.hypot(a.se / a.mean, b.se / b.mean) };
}

/** YAML with every table point on one line. */
function compactYaml(data: unknown): string {
  const doc = new Document(data);
  visit(doc, {
    Seq(_, node) {
      if (node.items.length <= 2 && node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

export function optimizeTrainingConfig(configPath: string, options: TrainingOptimizeOptions): TrainingOptimizeReport {
  const { raw } = readConfigFile(configPath);
  const source = raw as Record<string, unknown>;
  const any = validateAnyConfig(raw, '', configPath);
  if (any.kind !== 'training') throw new ConfigError('kind', 'expected a training config');
  const config = any.loaded.config;
  const storeIndex = barrierStoreIndex(source, options.vary);
  if (!(Number.isInteger(options.maxEvaluations) && options.maxEvaluations >= 1)) {
    throw new ConfigError('--max-iterations', `got ${options.maxEvaluations}; expected an integer >= 1`);
  }
  const copies = config.training.copies;
  if (copies < 2) throw new ConfigError('training.copies', `is ${copies}; expected >= 2 (the loss constraint needs an SE over copies)`);
  const validationCopies = options.validationCopies ?? 4 * copies;
  if (!(Number.isInteger(validationCopies) && validationCopies >= 2)) {
    throw new ConfigError('--validation-copies', `got ${validationCopies}; expected an integer >= 2`);
  }
  const searchNoiseSeed = config.seed + 7 * storeIndex;

  // The config's schedule as given, on the search noise: tilt gain and level step for the field.
  const given = evaluateTraining(source, configPath, storeIndex, { copies, noiseSeed: searchNoiseSeed });
  const field = barrierField(config, storeIndex, options.knots, given.diagnostics, { lower: options.barrierLower, upper: options.barrierUpper });
  const floatLoss = given.floatLoss;
  const tolerance = config.comparison.lossTolerance;
  const lossLimit = options.lossLimit ?? floatLoss + tolerance * Math.abs(floatLoss);
  const lossLimitSource =
    options.lossLimit !== undefined ? '--constraint finalLoss<=' + options.lossLimit : `float baseline ${floatLoss.toPrecision(6)} x (1 + comparison.lossTolerance ${tolerance})`;
  if (!(lossLimit > floatLoss)) {
    throw new ConfigError('--constraint', `finalLoss<=${lossLimit} is not above the float baseline ${floatLoss.toPrecision(6)}; expected a limit the float training itself meets`);
  }

  // Unconstrained phi -> theta in [lower, upper] (protocol.ts boxTransform).
  const thetaOf = (phi: Float64Array) => Array.from(phi, (v) => boxTransform(v, field.lower, field.upper)[0]);
  const phi0 = Float64Array.from(field.initialValues, (v) => inverseBoxTransform(v, field.lower, field.upper));
  const evaluate = (theta: number[]) => evaluateTraining(withBarrier(source, field, theta), configPath, storeIndex, { copies, noiseSeed: searchNoiseSeed });
  const searchStart = evaluate(thetaOf(phi0));
  const heatScale = Math.max(searchStart.heat.mean, 1);
  const slack = lossLimit - floatLoss;
  // Exact L1 penalty: any point whose loss (plus the margin) exceeds the limit costs more than its heat by
  // 10 x the starting heat per unit of violation (in units of limit - float loss).
  const meritOf = (e: TrainingEvaluation) => {
    const violation = Math.max(0, (e.loss.mean + SEARCH_LOSS_MARGIN_SE * e.loss.se - lossLimit) / slack);
    return e.heat.mean + 10 * heatScale * violation;
  };
  const seen = new Map<string, { theta: number[]; evaluation: TrainingEvaluation; merit: number }>();
  const key = (phi: Float64Array) => Array.from(phi).join(',');
  let evaluations = 0;
  const f = (phi: Float64Array): number => {
    const hit = seen.get(key(phi));
    if (hit) return hit.merit;
    evaluations++;
    const theta = thetaOf(phi);
    let evaluation: TrainingEvaluation;
    try {
      evaluation = evaluate(theta);
    } catch (err) {
      // A schedule the store refuses (e.g. a Langevin step too fine) is outside the feasible set.
      if (err instanceof ConfigError) return Infinity;
      throw err;
    }
    const merit = Number.isFinite(evaluation.heat.mean) && Number.isFinite(evaluation.loss.mean) ? meritOf(evaluation) : Infinity;
    seen.set(key(phi), { theta, evaluation, merit });
    return merit;
  };
  seen.set(key(phi0), { theta: thetaOf(phi0), evaluation: searchStart, merit: meritOf(searchStart) });
  const iterations: TrainingIterationRow[] = [
    {
      iteration: 0,
      evaluations: 1,
      merit: meritOf(searchStart),
      heat: searchStart.heat.mean,
      heatSe: searchStart.heat.se,
      loss: searchStart.loss.mean,
      lossSe: searchStart.loss.se,
    },
  ];
  const result = minimizeNelderMead(f, phi0, {
    maxEvaluations: options.maxEvaluations,
    initialStep: 0.15,
    valueTolerance: 1e-4,
    onIteration: (r) => {
      const hit = seen.get(key(r.x));
      iterations.push({
        iteration: r.iteration,
        evaluations,
        merit: r.value,
        heat: hit?.evaluation.heat.mean ?? NaN,
        heatSe: hit?.evaluation.heat.se ?? NaN,
        loss: hit?.evaluation.loss.mean ?? NaN,
        lossSe: hit?.evaluation.loss.se ?? NaN,
      });
    },
  });
  const best = seen.get(key(result.x));
  if (!best) throw new Error('internal: the best point was never evaluated');
  const theta = best.theta;

  // Validation: fresh noise, more copies, both schedules.
  const optimizedConfig = withBarrier(source, field, theta);
  const validate = (label: string, data: Record<string, unknown>, offset: number): ValidationRow => {
    const e = evaluateTraining(data, configPath, storeIndex, { copies: validationCopies, noiseSeed: searchNoiseSeed + offset });
    return { ...e, label, lossMarginSe: (lossLimit - e.loss.mean) / e.loss.se, boundRatio: ratio(e.heat, e.limBound) };
  };
  const optimized = validate('optimized', optimizedConfig, VALIDATION_SEED_OFFSETS.optimized);
  const start = validate("config's schedule", source, VALIDATION_SEED_OFFSETS.start);
  const diffMean = optimized.heat.mean - start.heat.mean;
  const diffSe = Math.hypot(optimized.heat.se, start.heat.se);
  const heatDifference = { mean: diffMean, se: diffSe, z: diffMean / diffSe };
  const heatRatio = ratio(optimized.heat, start.heat);
  const meets = optimized.lossMarginSe > VIOLATION_SIGMAS;
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const answer =
    (heatDifference.z < -VIOLATION_SIGMAS
      ? `the optimized schedule releases ${pct(-diffMean / start.heat.mean)} less heat than the config's (ratio ${heatRatio.mean.toFixed(4)} ± ${heatRatio.se.toFixed(4)}, ${(-heatDifference.z).toFixed(1)} SE)`
      : heatDifference.z > VIOLATION_SIGMAS
        ? `the optimized schedule releases MORE heat than the config's (ratio ${heatRatio.mean.toFixed(4)} ± ${heatRatio.se.toFixed(4)}, ${heatDifference.z.toFixed(1)} SE): the search found nothing better`
        : `the optimized and the config's schedule release the same heat within 4 SE (ratio ${heatRatio.mean.toFixed(4)} ± ${heatRatio.se.toFixed(4)}, ${heatDifference.z.toFixed(1)} SE)`) +
    (meets
      ? `, at a final loss below the limit by ${optimized.lossMarginSe.toFixed(1)} SE`
      : `; its final loss is NOT resolved below the limit (${optimized.lossMarginSe.toFixed(1)} SE)`);

  const failures: string[] = [];
  for (const v of [optimized, start]) for (const failure of v.verdictFailures) failures.push(`validation, ${v.label}: ${failure}`);
  if (optimized.lossMarginSe < -VIOLATION_SIGMAS) {
    failures.push(`validation, optimized: final loss ${optimized.loss.mean} above the limit ${lossLimit} by ${(-optimized.lossMarginSe).toFixed(1)} SE`);
  }
  const constraintMethod = [
    `${field.lower} <= ${field.path} <= ${field.upper} kT on every knot: exact, by a change of variables (logistic)`,
    `final loss <= ${lossLimit.toPrecision(6)} (${lossLimitSource}): in the search, exact L1 penalty on loss + ${SEARCH_LOSS_MARGIN_SE} SE (copies of the search sample); ` +
      `checked on the validation run (met beyond 4 SE: ${meets ? 'yes' : 'no'})`,
  ];
  const header = [
    `# Written by limsim optimize from ${configPath}: ${field.path} with the least LIM heat for ${config.training.updates} updates and final loss <= ${lossLimit.toPrecision(6)}.`,
    `# Validation (${validationCopies} copies, fresh noise): heat ${optimized.heat.mean.toPrecision(6)} ± ${optimized.heat.se.toPrecision(2)} kT, ` +
      `config's schedule ${start.heat.mean.toPrecision(6)} ± ${start.heat.se.toPrecision(2)} kT; ratio ${heatRatio.mean.toFixed(4)} ± ${heatRatio.se.toFixed(4)}.`,
  ].join('\n');
  optimizedConfig.name = `${config.name}-optimized`;
  optimizedConfig.description = `${config.name} with ${field.path} optimized for the least LIM heat (limsim optimize, ${options.knots} interior knots)`;
  return {
    configPath,
    field,
    startTheta: field.initialValues,
    theta,
    lossLimit,
    lossLimitSource,
    floatLoss,
    searchCopies: copies,
    searchNoiseSeed,
    iterations,
    evaluations: evaluations + 1,
    converged: result.converged,
    reason: result.reason,
    searchGiven: given,
    searchStart,
    searchBest: best.evaluation,
    validation: { optimized, start },
    heatDifference,
    heatRatio,
    answer,
    constraintMethod,
    optimizedConfig,
    optimizedYaml: `${header}\n${compactYaml(optimizedConfig)}`,
    violated: failures.length > 0,
    failures,
  };
}

/** iterations.csv of the search (search-sample values, biased low at the best point). */
export function trainingIterationsCsv(report: TrainingOptimizeReport): string {
  return toCsv(
    ['iteration', 'evaluations', 'merit_kT', 'heat_kT', 'heat_se_kT', 'final_loss', 'final_loss_se'],
    report.iterations.map((r) => [r.iteration, r.evaluations, r.merit, r.heat, r.heatSe, r.loss, r.lossSe]),
  );
}

/** schedule.csv: both barrier schedules and their linear-response learning rates on a fine grid. */
export function scheduleSamples(report: TrainingOptimizeReport, samples = 201): { t: number[]; configBarrier: number[]; optimizedBarrier: number[]; configRate: number[]; optimizedRate: number[] } {
  const { field, theta } = report;
  const t = Array.from({ length: samples }, (_, i) => (field.duration * i) / (samples - 1));
  const table = (time: number) => {
    const k = Math.min(field.knotTimes.length - 2, Math.floor((time / field.duration) * (field.knotTimes.length - 1)));
    const s = (time - field.knotTimes[k]) / (field.knotTimes[k + 1] - field.knotTimes[k]);
    return theta[k] + s * (theta[k + 1] - theta[k]);
  };
  const configBarrier = t.map(field.configBarrier);
  const optimizedBarrier = t.map(table);
  return {
    t,
    configBarrier,
    optimizedBarrier,
    configRate: configBarrier.map(field.learningRateOf),
    optimizedRate: optimizedBarrier.map(field.learningRateOf),
  };
}

export function scheduleCsv(report: TrainingOptimizeReport): string {
  const s = scheduleSamples(report);
  return toCsv(
    ['t', 'barrier_config_kT', 'barrier_optimized_kT', 'learning_rate_config', 'learning_rate_optimized'],
    s.t.map((t, i) => [t, s.configBarrier[i], s.optimizedBarrier[i], s.configRate[i], s.optimizedRate[i]]),
  );
}

/** barrier.svg and learning-rate.svg: the config's schedule against the optimized one. */
export async function trainingSchedulePlots(report: TrainingOptimizeReport): Promise<Record<string, string>> {
  const s = scheduleSamples(report);
  const xLabel = 'training time t [gamma a^2 / kT] (one update per updateInterval)';
  return {
    'barrier.svg': await linePlot({
      title: `${report.field.path}: the config's schedule and the least-heat one`,
      xLabel,
      yLabel: 'barrier E_b [kT]',
      series: [
        { name: "config's schedule", x: s.t, y: s.configBarrier },
        { name: 'optimized (least heat)', x: s.t, y: s.optimizedBarrier },
      ],
      points: false,
    }),
    'learning-rate.svg': await linePlot({
      title: 'linear-response learning rate eta = step kappa Delta mu(E_b)',
      xLabel,
      yLabel: 'eta per update',
      series: [
        { name: "config's schedule", x: s.t, y: s.configRate },
        { name: 'optimized (least heat)', x: s.t, y: s.optimizedRate },
      ],
      points: false,
      logY: true,
    }),
  };
}
