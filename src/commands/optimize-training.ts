import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import type { TrainingOptimizeReport } from '../optimize/training-run.js';
import { formatEstimate, formatNumber, textTable } from '../report/format.js';
import { runFolder, writeFiles } from '../report/results.js';
import { flagVerdictFailure } from './exit-status.js';
import type { OptimizeFlags } from './optimize.js';

/**
 * `limsim optimize <training config> --vary stores[i].barrier`: loaded by the optimize
 * command's action (dynamic import) when the config is kind: training.
 */

export interface TrainingOptimizeFlags {
  vary: string[];
  knots: number;
  constraint: string[];
  /** Nelder-Mead evaluations. */
  maxEvaluations: number;
  validationCopies?: number;
  out?: string;
  json?: boolean;
}

/** finalLoss<=X (absolute), barrier>=E, barrier<=E; anything else is refused. */
export function parseTrainingConstraints(items: string[]): { lossLimit?: number; barrierLower?: number; barrierUpper?: number } {
  const out: { lossLimit?: number; barrierLower?: number; barrierUpper?: number } = {};
  for (const item of items) {
    const match = /^\s*(finalLoss|barrier)\s*(<=|>=)\s*(\S+)\s*$/.exec(item);
    const value = match ? Number(match[3]) : NaN;
    if (!match || !Number.isFinite(value)) {
      throw new ConfigError('--constraint', `got "${item}"; a training config takes finalLoss<=VALUE, barrier>=VALUE or barrier<=VALUE (kT)`);
    }
    if (match[1] === 'finalLoss') {
      if (match[2] !== '<=') throw new ConfigError('--constraint', `got "${item}"; the final loss takes an upper limit (finalLoss<=...)`);
      out.lossLimit = value;
    } else if (match[2] === '>=') out.barrierLower = value;
    else out.barrierUpper = value;
  }
  return out;
}

function summaryText(r: TrainingOptimizeReport, folder: string): string {
  const v = r.validation;
  const est = (e: { mean: number; se: number }) => formatEstimate(e.mean, e.se);
  return [
    `optimized ${r.field.path} for the least LIM heat: ${r.theta.length} knot values at t = ${r.field.knotTimes.map((t) => formatNumber(t)).join(', ')}; ` +
      `Nelder-Mead, ${r.iterations.length - 1} iterations, ${r.evaluations} training runs of ${r.searchCopies} copies (common random numbers, noise seed ${r.searchNoiseSeed}; ${r.reason})`,
    `final loss limit ${formatNumber(r.lossLimit)} (${r.lossLimitSource})`,
    ...r.constraintMethod.map((c) => `constraint: ${c}`),
    `search sample (biased low at its best point; not for the verdict): config's schedule ${est(r.searchGiven.heat)} kT, ` +
      `start table ${est(r.searchStart.heat)} kT, best ${est(r.searchBest.heat)} kT at loss ${est(r.searchBest.loss)}`,
    textTable(
      ['knot t', "config's E_b kT", 'optimized E_b kT', "config's eta", 'optimized eta'],
      r.field.knotTimes.map((t, k) => {
        const e = r.field.configBarrier(t);
        return [formatNumber(t), formatNumber(e), formatNumber(r.theta[k]), formatNumber(r.field.learningRateOf(e)), formatNumber(r.field.learningRateOf(r.theta[k]))];
      }),
    ),
    '',
    `validation, fresh noise, ${v.optimized.copies} copies each:`,
    textTable(
      ['schedule', 'heat kT', 'final loss', 'loss limit - loss (SE)', 'LIM bound kT', 'heat / LIM bound'],
      [v.start, v.optimized].map((x) => [x.label, est(x.heat), est(x.loss), x.lossMarginSe.toFixed(1), est(x.limBound), est(x.boundRatio)]),
    ),
    `heat optimized - config's: ${est(r.heatDifference)} kT (${r.heatDifference.z.toFixed(1)} SE); ratio optimized / config's ${est(r.heatRatio)}`,
    `answer: ${r.answer}`,
    ...(r.violated ? r.failures.map((f) => `VERDICT: FAILED, ${f}`) : ['verdict: ok (both validation runs hold their bounds; the optimized loss is not above the limit beyond 4 SE)']),
    `results: ${folder} (optimized config: ${join(folder, 'optimized.yaml')})`,
  ].join('\n');
}

export async function optimizeTrainingAction(configPath: string, name: string, flags: TrainingOptimizeFlags): Promise<void> {
  const { optimizeTrainingConfig, scheduleCsv, trainingIterationsCsv, trainingSchedulePlots } = await import('../optimize/training-run.js');
  const constraints = parseTrainingConstraints(flags.constraint);
  const folder = flags.out ?? runFolder('results', `${name}-optimize`);
  const report = optimizeTrainingConfig(configPath, {
    vary: flags.vary,
    knots: flags.knots,
    ...constraints,
    maxEvaluations: flags.maxEvaluations,
    ...(flags.validationCopies !== undefined ? { validationCopies: flags.validationCopies } : {}),
  });
  const configOut = join(folder, 'optimized.yaml');
  const v = report.validation;
  const summary = {
    kind: 'training',
    objectiveName: 'heat',
    objective: v.optimized.heat.mean,
    objectiveSe: v.optimized.heat.se,
    startObjective: v.start.heat.mean,
    startObjectiveSe: v.start.heat.se,
    iterations: report.iterations.length - 1,
    evaluations: report.evaluations,
    converged: report.converged,
    stopReason: report.reason,
    optimizedConfig: configOut,
    folder,
    method: 'nelder-mead',
    field: report.field.path,
    knots: { times: report.field.knotTimes, start: report.startTheta, optimized: report.theta, lower: report.field.lower, upper: report.field.upper },
    tiltGain: report.field.tiltGain,
    step: report.field.step,
    lossLimit: report.lossLimit,
    lossLimitSource: report.lossLimitSource,
    floatLoss: report.floatLoss,
    constraints: report.constraintMethod,
    search: { copies: report.searchCopies, noiseSeed: report.searchNoiseSeed, given: report.searchGiven, start: report.searchStart, best: report.searchBest },
    validation: v,
    heatDifference: report.heatDifference,
    heatRatio: report.heatRatio,
    answer: report.answer,
    violated: report.violated,
    failures: report.failures,
  };
  writeFiles(folder, {
    'optimized.yaml': report.optimizedYaml,
    'iterations.csv': trainingIterationsCsv(report),
    'schedule.csv': scheduleCsv(report),
    ...(await trainingSchedulePlots(report)),
    'summary.json': JSON.stringify(summary, (_, x) => (typeof x === 'function' ? undefined : x), 2) + '\n',
  });
  if (flags.json) process.stdout.write(JSON.stringify(summary, (_, x) => (typeof x === 'function' ? undefined : x), 2) + '\n');
  else process.stdout.write(summaryText(report, folder) + '\n');
  if (report.violated) flagVerdictFailure();
}

/** Default Nelder-Mead budget (training runs) when --max-iterations is not given. */
export const DEFAULT_TRAINING_EVALUATIONS = 150;

/**
 * The optimize command's dispatch: a training config goes to the LIM barrier optimizer
 * (returns true when it did); a physics config returns false and the protocol optimizer runs.
 */
export async function trainingDispatch(
  configPath: string,
  flags: OptimizeFlags,
  source: (option: string) => string | undefined,
): Promise<boolean> {
  const { readConfigFile } = await import('../experiments/config.js');
  const { raw } = readConfigFile(configPath);
  const kind = raw !== null && typeof raw === 'object' ? (raw as { kind?: unknown }).kind : undefined;
  if (kind !== 'training') {
    if (flags.validationCopies !== undefined) throw new ConfigError('--validation-copies', 'applies to training configs only (the LIM barrier optimizer)');
    return false;
  }
  const given = (option: string) => source(option) === 'cli';
  if (given('objective') && flags.objective !== 'heat') {
    throw new ConfigError('--objective', `got "${flags.objective}"; a training config is optimized for the LIM heat (--objective heat)`);
  }
  if (given('method') && flags.method !== 'nelder-mead') {
    throw new ConfigError('--method', `got "${flags.method}"; the training objective is a Monte-Carlo estimate with no exact gradient, so expected nelder-mead`);
  }
  for (const [option, flag] of [['langevinReplicas', '--langevin-replicas'], ['gridMargin', '--grid-margin'], ['cells', '--cells']] as const) {
    if (given(option)) throw new ConfigError(flag, 'applies to physics configs (Fokker-Planck objective) only; a training config is validated by --validation-copies');
  }
  const name = typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : 'config';
  await optimizeTrainingAction(configPath, name, {
    vary: flags.vary,
    knots: flags.knots,
    constraint: flags.constraint,
    maxEvaluations: given('maxIterations') ? flags.maxIterations : DEFAULT_TRAINING_EVALUATIONS,
    ...(flags.validationCopies !== undefined ? { validationCopies: flags.validationCopies } : {}),
    ...(flags.out !== undefined ? { out: flags.out } : {}),
    ...(flags.json ? { json: true } : {}),
  });
  return true;
}
