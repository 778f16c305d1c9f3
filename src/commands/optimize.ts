import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import type { ObjectiveName } from '../optimize/optimize.js';
import type { BoundGap, OptimizeReport } from '../optimize/run.js';
import { formatEstimate, formatNumber, textTable } from '../report/format.js';
import { runFolder, writeFiles } from '../report/results.js';
import { flagVerdictFailure } from './exit-status.js';
import { integerOption, positiveOption } from './options.js';
import { join } from 'node:path';

/** The flags of `limsim optimize` (physics and training configs alike). */
export interface OptimizeFlags {
  vary: string[];
  knots: number;
  objective: string;
  constraint: string[];
  method: string;
  maxIterations: number;
  gradientTolerance?: number;
  valueTolerance?: number;
  langevinReplicas?: number;
  gridMargin?: number;
  cells?: number;
  validationCopies?: number;
  out?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function boundRows(label: string, bounds: BoundGap[]): string[][] {
  return bounds.map((b) => [
    `${label}: ${b.name} (${b.quantity})`,
    formatEstimate(b.measured, b.measuredSe),
    formatEstimate(b.bound, b.boundSe),
    formatNumber(b.gap),
    b.violated ? 'VIOLATED' : 'holds',
  ]);
}

/** A loud warning when the optimizer did not converge (printed to stderr, and in the summary). */
export function notConvergedWarning(report: OptimizeReport): string | undefined {
  const r = report.result;
  return r.converged ? undefined : `WARNING: limsim optimize did NOT converge (${r.reason}); the protocol is the last iterate, not an optimum. Raise --max-iterations or loosen --gradient-tolerance.`;
}

/**
 * A loud warning when, with no finalError constraint, the optimized protocol no longer does
 * the operation: the least work of a memory operation with a free end state is often to leave
 * the state alone (an erasure that erases nothing costs nothing), which is no answer.
 * "No longer" = the final error at least doubled and grew by more than 0.01.
 */
export function operationLostWarning(report: OptimizeReport): string | undefined {
  const r = report.result;
  if (r.errorLimit !== undefined || !(r.targetState >= 0) || !Number.isFinite(r.finalError) || !Number.isFinite(r.startError)) return undefined;
  if (!(r.finalError > 2 * r.startError && r.finalError - r.startError > 0.01)) return undefined;
  return (
    `WARNING: the optimized protocol no longer does the starting protocol's operation: final error 1 - p_${r.targetState}(tau) = ${formatNumber(r.finalError)} ` +
    `against ${formatNumber(r.startError)} at the start, with no finalError constraint; add --constraint 'finalError<=start' to optimize at the same error.`
  );
}

/** Every warning of a run, in the order printed. */
export function optimizeWarnings(report: OptimizeReport): string[] {
  return [notConvergedWarning(report), operationLostWarning(report)].filter((w): w is string => w !== undefined);
}

function summaryText(report: OptimizeReport, folder: string): string {
  const r = report.result;
  const o = r.objectiveName;
  const fp = r.engine === 'fokker-planck';
  const det = fp ? 'Fokker-Planck' : 'master equation';
  const sto = report.langevin?.engine === 'monte-carlo' || !fp ? 'Monte-Carlo' : 'Langevin';
  const lines = [
    `optimized ${r.fields.map((f) => f.path).join(', ')} for the least mean ${o}: ${r.fields.reduce((n, f) => n + f.knotTimes.length, 0)} free knot values ` +
      `(${r.fields[0].knotTimes.length - 2} interior knots and the jumps at 0+ and tau- per field), ${r.iterations.length - 1} iterations, ${r.evaluations} evaluations`,
    `stop: converged ${r.converged} (${r.reason}); tolerances: projected gradient ${r.tolerances.gradient}, relative change ${r.tolerances.value.toExponential(2)}, final error ${r.tolerances.constraint} relative`,
    `objective (${det}${r.grid ? `, optimization grid ${r.grid.cells} cells` : ''}, ${r.steps} steps of dt = ${formatNumber(r.dt)}): start (the config's schedules at the knots) ${formatNumber(r.startObjective)} kT -> ${formatNumber(r.objective)} kT`,
    ...(r.grid
      ? [
          (() => {
            const engine = o === 'work' ? report.optimizedEngine.work.mean : report.optimizedEngine.heat.mean;
            return `optimized protocol on the engine's own grid (the config's): ${formatNumber(engine)} kT (${((engine / r.objective - 1) * 100).toFixed(3)} % from the optimization grid)`;
          })(),
        ]
      : []),
    ...(Number.isFinite(r.finalError) ? [`final error 1 - p_${r.targetState}(tau): start ${formatNumber(r.startError)} -> ${formatNumber(r.finalError)}${r.errorLimit !== undefined ? ` (limit ${formatNumber(r.errorLimit)})` : ''}`] : []),
    ...r.constraintMethod.map((c) => `constraint: ${c}`),
    '',
    textTable(
      ['run', '<W> (kT)', '<Q> (kT)'],
      [
        [`config as given, ${det}`, formatNumber(report.startEngine.work.mean), formatNumber(report.startEngine.heat.mean)],
        [`optimized, ${det}`, formatNumber(report.optimizedEngine.work.mean), formatNumber(report.optimizedEngine.heat.mean)],
        ...(report.langevin
          ? [[`optimized, ${sto} (${report.langevin.replicas} replicas, dt = ${formatNumber(report.langevin.dt)})`, formatEstimate(report.langevin.work.mean, report.langevin.work.se), formatEstimate(report.langevin.heat.mean, report.langevin.heat.se)]]
          : []),
      ],
    ),
    `energy left in the cell at tau, <W> - <Q> (optimized, ${det}): ${formatNumber(report.optimizedEngine.work.mean - report.optimizedEngine.heat.mean)} kT` +
      (o === 'heat' ? ' (released as heat after tau: the heat objective does not count it)' : ''),
    report.langevin
      ? `${sto} vs ${det} <${o === 'work' ? 'W' : 'Q'}>: ${report.langevin.zAgainstEngine.toFixed(2)} SE ${Math.abs(report.langevin.zAgainstEngine) <= 4 ? '(agree within 4 SE)' : '(DISAGREE beyond 4 SE)'}`
      : `${sto} re-run skipped: ${report.langevinSkipped}`,
    '',
    textTable(
      ['bound', 'measured (kT)', 'bound (kT)', 'gap (kT)', 'beyond 4 SE?'],
      [
        ...boundRows(`config ${fp ? 'FP' : 'ME'}`, report.startEngine.bounds),
        ...boundRows(`optimized ${fp ? 'FP' : 'ME'}`, report.optimizedEngine.bounds),
        ...(report.langevin ? boundRows(`optimized ${sto}`, report.langevin.bounds) : []),
      ],
    ),
    report.violated ? 'VERDICT: FAILED, a bound is violated beyond 4 SE' : 'verdict: every applicable bound holds',
    `results: ${folder} (optimized config: ${join(folder, 'optimized.yaml')})`,
  ];
  return lines.join('\n');
}

export function registerOptimizeCommand(program: Command): void {
  program
    .command('optimize')
    .description('find the protocol with the least mean work or heat (Fokker-Planck or master-equation objective, adjoint gradients, L-BFGS; or a LIM barrier schedule of a training config) and hold it against the bounds')
    .argument('<config>', 'physics config whose schedules start the search, e.g. sim-configs/optimize/harmonic-trap.yaml, or a training config with a LIM store (--vary stores[i].barrier)')
    .option('--vary <field>', 'a schedule to optimize, a dotted path (potential.centre, potential.barrierHeight, potential.tilt; potential.energies[i], potential.barriers[i] of a discrete memory; stores[i].barrier of a training config); repeatable', collect, [])
    .option('--knots <K>', 'interior knots per schedule, at t = k tau / (K + 1)', integerOption('--knots', 0), 4)
    .option('--objective <name>', 'work or heat', 'work')
    .option('--constraint <c>', "finalError<=0.01 | finalError<=start | barrier>=1 | tilt<=5 | <field>>=v; repeatable", collect, [])
    .option('--method <name>', 'lbfgs (adjoint gradients) or nelder-mead (derivative-free, for a few knots)', 'lbfgs')
    .option('--max-iterations <n>', 'L-BFGS iterations per augmented-Lagrangian round (default 200)', integerOption('--max-iterations', 1), 200)
    .option('--gradient-tolerance <g>', 'stop when the projected-gradient norm (kT per unit knot value) is below this (default 1e-5)', positiveOption('--gradient-tolerance'))
    .option('--value-tolerance <f>', 'stop when the objective changes by less than this, relative, in one iteration (default 2.2e-9)', positiveOption('--value-tolerance'))
    .option('--langevin-replicas <n>', 'replicas of the Langevin re-run (default: the config; 0: none)', integerOption('--langevin-replicas', 0))
    .option('--grid-margin <f>', 'widen the starting grid by this fraction on each side while optimizing (default 0.25)', positiveOption('--grid-margin'))
    .option('--cells <n>', 'cells of the optimization grid (the Fokker-Planck re-run keeps the config grid)', integerOption('--cells', 3))
    .option('--validation-copies <n>', 'training configs: copies of each validation run with fresh noise (default 4 x training.copies)', integerOption('--validation-copies', 2))
    .option('--out <dir>', 'output folder (default results/<name>-optimize-<stamp>/)')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (configPath: string, flags: OptimizeFlags, command: Command) => {
      // A training config (kind: training) goes to the LIM barrier optimizer (src/commands/optimize-training.ts).
      const { trainingDispatch } = await import('./optimize-training.js');
      if (await trainingDispatch(configPath, flags, (option) => command.getOptionValueSource(option))) return;
      // Loaded here, not at the top: --help and --version need none of it.
      const { parseConstraints } = await import('../optimize/optimize.js');
      const { iterationsCsv, optimizeConfigFile, protocolPlots } = await import('../optimize/run.js');
      const { readConfigFile } = await import('../experiments/config.js');
      if (flags.objective !== 'work' && flags.objective !== 'heat') {
        throw new ConfigError('--objective', `got "${flags.objective}"; expected work or heat`);
      }
      if (flags.method !== 'lbfgs' && flags.method !== 'nelder-mead') {
        throw new ConfigError('--method', `got "${flags.method}"; expected lbfgs or nelder-mead`);
      }
      const constraints = parseConstraints(flags.constraint);
      const { raw } = readConfigFile(configPath);
      const name = typeof (raw as { name?: unknown }).name === 'string' ? (raw as { name: string }).name : 'config';
      const folder = flags.out ?? runFolder('results', `${name}-optimize`);
      const configOut = join(folder, 'optimized.yaml');
      const report = optimizeConfigFile(
        configPath,
        {
          vary: flags.vary,
          knots: flags.knots,
          objective: flags.objective as ObjectiveName,
          constraints,
          method: flags.method,
          maxIterations: flags.maxIterations,
          gradientTolerance: flags.gradientTolerance,
          valueTolerance: flags.valueTolerance,
          langevinReplicas: flags.langevinReplicas,
          gridMargin: flags.gridMargin,
          cells: flags.cells,
        },
        configOut,
      );
      const r = report.result;
      const plots = await protocolPlots(r, raw as Record<string, unknown>, (raw as { time: { duration: number } }).time.duration);
      const summary = {
        objectiveName: r.objectiveName,
        objective: r.objective,
        startObjective: r.startObjective,
        iterations: r.iterations.length - 1,
        evaluations: r.evaluations,
        converged: r.converged,
        stopReason: r.reason,
        projectedGradient: Number.isFinite(r.stationarity) ? r.stationarity : null,
        tolerances: r.tolerances,
        engine: r.engine,
        optimizedConfig: configOut,
        folder,
        method: flags.method,
        constraints: r.constraintMethod,
        finalError: r.finalError,
        startFinalError: r.startError,
        errorLimit: r.errorLimit ?? null,
        warnings: optimizeWarnings(report),
        knots: r.fields.map((f, k) => {
          const offset = r.fields.slice(0, k).reduce((n, g) => n + g.knotTimes.length, 0);
          return { field: f.path, times: f.knotTimes, start: Array.from(r.startTheta.subarray(offset, offset + f.knotTimes.length)), optimized: Array.from(r.theta.subarray(offset, offset + f.knotTimes.length)) };
        }),
        optimizationGrid: r.grid ? { lower: r.grid.lower, upper: r.grid.upper, cells: r.grid.cells, steps: r.steps, dt: r.dt } : null,
        steps: r.steps,
        dt: r.dt,
        startEngine: report.startEngine,
        optimizedEngine: report.optimizedEngine,
        ...(r.engine === 'fokker-planck'
          ? { startFokkerPlanck: report.startEngine, optimizedFokkerPlanck: report.optimizedEngine, langevin: report.langevin ?? null, langevinSkipped: report.langevinSkipped ?? null }
          : { monteCarlo: report.langevin ?? null, monteCarloSkipped: report.langevinSkipped ?? null }),
        violated: report.violated,
      };
      writeFiles(folder, {
        'optimized.yaml': report.optimizedYaml,
        'iterations.csv': iterationsCsv(r),
        ...plots,
        'summary.json': JSON.stringify(summary, null, 2) + '\n',
      });
      for (const warning of optimizeWarnings(report)) process.stderr.write(warning + '\n');
      if (flags.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      else process.stdout.write(summaryText(report, folder) + '\n');
      if (report.violated) flagVerdictFailure();
    });
}
