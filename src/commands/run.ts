import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { checkBudget, configCost, physicsCost } from '../experiments/cost.js';
import type { AnyConfig } from '../experiments/dispatch.js';
import type { RunOverrides } from '../experiments/run.js';
import type { PhysicsConfig } from '../experiments/schema.js';
import { checkOutputFolder, checkSafeName, withFolderLock } from '../report/files.js';
import type { PhysicsRun } from '../experiments/run.js';
import { formatEstimate, formatNumber, setWideTables, textTable } from '../report/format.js';
import { datasetCsv, histogram, histogramCsv, runFolder, timeseriesCsv, trajectoriesCsv, writeFiles } from '../report/results.js';
import { integerOption, seedOption, workersOption } from './options.js';
import type { BoundReport } from '../thermo/bounds.js';
import { boundStatusText } from '../thermo/bound-status.js';
import { verdictLines } from '../experiments/verdict.js';
import { flagVerdictFailure } from './exit-status.js';
import { EXIT_CODES_HELP } from './exit-codes-help.js';

interface RunFlags {
  out?: string;
  force?: boolean;
  allowLong?: boolean;
  seed?: number;
  replicas?: number;
  workers?: number;
  json?: boolean;
}

/** The bounds of a run: measured, bound with its SE, ratio with its SE, z, verdict (holds / VIOLATED / not applicable). */
export function boundsTable(bounds: BoundReport[]): string {
  if (bounds.length === 0) return 'bounds: none applies to this run';
  const rows = bounds.map((b) => [
    `${b.name} (${b.quantity})`,
    formatEstimate(b.measured.mean, b.measured.se),
    b.boundSe > 0 ? formatEstimate(b.bound, b.boundSe) : formatNumber(b.bound),
    Number.isFinite(b.ratio) ? (b.ratioSe > 0 ? formatEstimate(b.ratio, b.ratioSe) : b.ratio.toFixed(3)) : 'n/a',
    Number.isFinite(b.z) ? b.z.toFixed(1) : b.z > 0 ? '+inf' : '-inf',
    b.status === 'violated' ? 'VIOLATED' : b.status === 'not applicable' ? 'n/a (see below)' : 'holds',
  ]);
  const lines = [textTable(['bound', 'measured (kT)', 'bound (kT)', 'ratio', 'z (SE)', 'verdict (4 SE)'], rows)];
  for (const b of bounds) if (b.status === 'not applicable') lines.push(`  ${b.name}: ${boundStatusText(b)}`);
  return lines.join('\n');
}

/** Warning lines (a schedule still changing at time.duration, ...). */
export function warningLines(warnings: string[]): string[] {
  return warnings.map((w) => `WARNING: ${w}`);
}

/** The human summary of a physics run. */
export function physicsSummaryText(run: PhysicsRun, folder: string): string {
  const { summary } = run;
  const r = summary.results;
  const p = summary.provenance;
  const row = (label: string, e: { mean: number; se: number; meanJ: number; seJ: number }) => [label, formatEstimate(e.mean, e.se), formatEstimate(e.meanJ, e.seJ)];
  const table = textTable(
    ['quantity', 'kT (mean ± SE)', 'J (mean ± SE)'],
    [
      row('work done on cells  <W>', r.work),
      row('heat to the bath    <Q>', r.heat),
      row('energy change    <dU>', r.energyChange),
      ['free-energy change  dF', formatNumber(r.freeEnergyChange.value), formatNumber(r.freeEnergyChange.valueJ)],
      ...(r.jarzynskiFreeEnergy
        ? [[
            'dF by Jarzynski -ln<exp(-W)>',
            formatEstimate(r.jarzynskiFreeEnergy.mean, r.jarzynskiFreeEnergy.se),
            formatEstimate(r.jarzynskiFreeEnergy.mean * summary.units.kTJoules, r.jarzynskiFreeEnergy.se * summary.units.kTJoules),
          ]]
        : []),
    ],
  );
  const occupancy = (o: number[]) => (o.length ? `[${o.map((v) => v.toFixed(4)).join(', ')}]` : 'n/a');
  return [
    `${summary.name}: ${p.engine}${p.integrator ? ` (${p.integrator})` : ''}, ${run.result.trajectories ? `${p.replicas} replicas` : 'ensemble averages (± is the discretisation-error estimate)'}, ${p.steps} steps of dt = ${formatNumber(p.dt)}, seed ${p.seed}, T = ${p.temperatureK} K (kT = ${formatNumber(summary.units.kTJoules)} J)`,
    table,
    `occupancy: initial ${occupancy(r.initialOccupancy)}, final ${occupancy(r.finalOccupancy)}`,
    `first law: max |dU - (W - Q)| = ${r.firstLawResidual.toExponential(2)} kT`,
    '',
    boundsTable(summary.bounds),
    ...warningLines(summary.warnings),
    `results: ${folder}`,
    ...verdictLines(summary.verdict),
  ].join('\n');
}

/** Write summary.json, timeseries.csv and the work/heat histograms of a run. */
export function writePhysicsRun(run: PhysicsRun, folder: string): string[] {
  const bins = run.summary.provenance.config.record.histogramBins;
  const files: Record<string, string> = {
    'timeseries.csv': timeseriesCsv(run.result.timeseries),
  };
  const t = run.result.trajectories;
  if (t) {
    files['work-histogram.csv'] = histogramCsv(histogram(t.work, bins), 'kT');
    files['heat-histogram.csv'] = histogramCsv(histogram(t.heat, bins), 'kT');
    if (run.summary.provenance.config.record.trajectories) files['trajectories.csv'] = trajectoriesCsv(t);
  }
  // summary.json last: its presence marks a complete run folder.
  files['summary.json'] = JSON.stringify(run.summary, null, 2) + '\n';
  return writeFiles(folder, files);
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a simulation config (YAML or JSON) and write its results')
    .argument('<config>', 'config file, e.g. sim-configs/landauer-erasure.yaml')
    .option('--out <dir>', 'results folder (default results/<name>-<stamp>/)')
    .option('--seed <n>', 'override the config seed', seedOption())
    .option('--replicas <n>', 'override the number of replicas (training configs: at most this many training copies)', integerOption('--replicas', 1))
    .option('--workers <n>', 'worker threads for Langevin ensembles (results do not depend on it)', workersOption())
    .option('--json', 'print the summary as JSON on stdout')
    .option('--wide', 'do not wrap tables to 100 columns')
    .option('--force', 'write over a finished run in --out')
    .option('--allow-long', 'run even when the estimated time is over the work budget (10 min)')
    .action(async (configPath: string, flags: RunFlags & { wide?: boolean }) => {
      setWideTables(flags.wide ?? false);
      // The output folder is checked before any work: a file, /proc or an unwritable folder is exit 2 now.
      if (flags.out !== undefined) await checkRunFolder(flags.out, flags.force);
      // Loaded here, not at the top: --help and --version need none of it (issue 12).
      const { loadAnyConfig, runAnyConfig } = await import('../experiments/dispatch.js');
      const { finiteAtStart, loadTrainingData, trainingFiles, trainingSummaryText } = await import('../experiments/training-run.js');
      const { startRunProgress } = await import('../experiments/sweep/progress.js');
      const config = loadAnyConfig(configPath);
      const overrides = await checkRunOverrides(config, { seed: flags.seed, replicas: flags.replicas, workers: flags.workers }, flags.allowLong);
      const name = checkSafeName(config.loaded.config.name, 'name');
      const folder = flags.out ?? runFolder('results', name);
      // One writer per folder; a failed run releases the lock and removes a folder it created (nothing written).
      await withFolderLock(folder, '--out', `limsim run ${configPath}`, () => {
        let any: import('../experiments/dispatch.js').AnyRun;
        // Progress on stderr for a run that takes more than a few seconds (terminals only; never on stdout).
        const stopProgress = flags.json ? () => {} : startRunProgress(name);
        try {
          any = runAnyConfig(config, overrides);
        } catch (err) {
          stopProgress();
          // A training that diverged (a NaN loss or gradient) is a failed verdict, not bad input: the config
          // was valid and ran. Write a summary that says so, print the verdict line, exit 3.
          if (config.kind !== 'training' || !(err instanceof ConfigError) || !/diverged/.test(err.message) || !finiteAtStart(config.loaded)) throw err;
          const verdict = { ok: false, failures: [{ what: 'training', cause: `diverged: ${err.message}` }] };
          writeFiles(folder, { 'summary.json': JSON.stringify({ kind: 'training', name, diverged: true, verdict, folder }, null, 2) + '\n' });
          process.stdout.write([`${name}: the training diverged`, `results: ${folder}`, ...verdictLines(verdict)].join('\n') + '\n');
          flagVerdictFailure();
          return;
        }
        stopProgress();
        if (any.kind === 'training') {
          // dataset.csv: the train/test split the run used, regenerated from the config as run (seeded, so identical).
          const p = any.run.summary.provenance;
          writeFiles(folder, { 'dataset.csv': datasetCsv(loadTrainingData(p.config, p.configPath)), ...trainingFiles(any.run) });
          if (flags.json) process.stdout.write(JSON.stringify({ ...any.run.summary, folder }, null, 2) + '\n');
          else process.stdout.write(trainingSummaryText(any.run, folder) + '\n');
          if (!any.run.summary.verdict.ok) flagVerdictFailure();
          return;
        }
        const { run } = any;
        writePhysicsRun(run, folder);
        if (flags.json) process.stdout.write(JSON.stringify({ ...run.summary, folder }, null, 2) + '\n');
        else process.stdout.write(physicsSummaryText(run, folder) + '\n');
        if (!run.summary.verdict.ok) flagVerdictFailure();
      });
    })
    .addHelpText('after', EXIT_CODES_HELP);
}

/** A run's --out: a folder (new, or a finished run with --force), outside pseudo file systems, writable. */
export async function checkRunFolder(out: string, force = false): Promise<void> {
  const { MANIFEST } = await import('../experiments/sweep/store.js');
  const dir = checkOutputFolder(out, '--out');
  if (existsSync(dir) && !force) {
    if (existsSync(join(dir, 'summary.json'))) throw new ConfigError('--out', `"${out}" holds a finished run (summary.json); pass --force to write over it, or choose another folder`);
    if (existsSync(join(dir, MANIFEST))) throw new ConfigError('--out', `"${out}" holds a sweep (${MANIFEST}); choose another folder`);
  }
}

/**
 * Command-line overrides go through the same limits as the config: --replicas
 * within the schema's range, then the cost estimate of the run as it will
 * actually go (memory always, the work budget unless --allow-long).
 */
export async function checkRunOverrides(config: AnyConfig, overrides: RunOverrides, allowLong = false): Promise<RunOverrides> {
  if (config.kind === 'physics') {
    const { MAX_REPLICAS, physicsConfigSchema } = await import('../experiments/schema.js');
    const effective: PhysicsConfig = {
      ...config.loaded.config,
      replicas: overrides.replicas ?? config.loaded.config.replicas,
      workers: overrides.workers ?? config.loaded.config.workers,
    };
    const cost = physicsCost(effective);
    if (overrides.replicas !== undefined && !physicsConfigSchema.shape.replicas.safeParse(overrides.replicas).success) {
      throw new ConfigError('--replicas', `got ${overrides.replicas}; expected an integer from 1 to ${MAX_REPLICAS} (the config's replicas range); ${cost.text}`);
    }
    checkBudget(cost, { allowLong, field: overrides.replicas !== undefined ? '--replicas' : 'config' });
  } else {
    checkBudget(configCost(config), { allowLong, field: 'config' });
  }
  return overrides;
}
