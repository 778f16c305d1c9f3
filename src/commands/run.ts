import type { Command } from 'commander';
import { loadAnyConfig, runAnyConfig } from '../experiments/dispatch.js';
import type { PhysicsRun } from '../experiments/run.js';
import { loadTrainingData, trainingFiles, trainingSummaryText } from '../experiments/training-run.js';
import { formatEstimate, formatNumber, setWideTables, textTable } from '../report/format.js';
import { datasetCsv, histogram, histogramCsv, runFolder, timeseriesCsv, trajectoriesCsv, writeFiles } from '../report/results.js';
import { integerOption } from './options.js';
import { startRunProgress } from '../experiments/sweep/progress.js';
import type { BoundReport } from '../thermo/bounds.js';

interface RunFlags {
  out?: string;
  seed?: number;
  replicas?: number;
  workers?: number;
  json?: boolean;
}

/** SE of measured / bound from both SEs (first-order propagation), for printing the ratio to its precision. */
function ratioSe(b: BoundReport): number {
  const m = b.measured.mean;
  const rel = Math.hypot(m !== 0 ? b.measured.se / m : 0, b.bound !== 0 ? b.boundSe / b.bound : 0);
  return Math.abs(b.ratio) * rel;
}

/** The bounds that apply to a run: bound, measured, ratio, violation flag. */
export function boundsTable(bounds: BoundReport[]): string {
  if (bounds.length === 0) return 'bounds: none applies to this run';
  const rows = bounds.map((b) => [
    `${b.name} (${b.quantity})`,
    formatEstimate(b.measured.mean, b.measured.se),
    formatEstimate(b.bound, b.boundSe),
    Number.isFinite(b.ratio) ? formatEstimate(b.ratio, ratioSe(b)) : 'n/a',
    b.violated ? 'VIOLATED' : 'holds',
  ]);
  return textTable(['bound', 'measured (kT)', 'bound (kT)', 'ratio', 'beyond 4 SE?'], rows);
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
    `${summary.name}: ${p.engine}${p.integrator ? ` (${p.integrator})` : ''}, ${run.result.trajectories ? `${p.replicas} replicas` : 'exact ensemble averages'}, ${p.steps} steps of dt = ${formatNumber(p.dt)}, seed ${p.seed}, T = ${p.temperatureK} K (kT = ${formatNumber(summary.units.kTJoules)} J)`,
    table,
    `occupancy: initial ${occupancy(r.initialOccupancy)}, final ${occupancy(r.finalOccupancy)}`,
    `first law: max |dU - (W - Q)| = ${r.firstLawResidual.toExponential(2)} kT`,
    '',
    boundsTable(summary.bounds),
    `results: ${folder}`,
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
    .option('--seed <n>', 'override the config seed', integerOption('--seed', 0))
    .option('--replicas <n>', 'override the number of replicas (training configs: at most this many training copies)', integerOption('--replicas', 1))
    .option('--workers <n>', 'worker threads for Langevin ensembles (results do not depend on it)', integerOption('--workers', 1))
    .option('--json', 'print the summary as JSON on stdout')
    .option('--wide', 'do not wrap tables to 100 columns')
    .action((configPath: string, flags: RunFlags & { wide?: boolean }) => {
      setWideTables(flags.wide ?? false);
      const config = loadAnyConfig(configPath);
      // Progress on stderr for a run that takes more than a few seconds (terminals only; never on stdout).
      const stopProgress = flags.json ? () => {} : startRunProgress(config.loaded.config.name);
      let any: ReturnType<typeof runAnyConfig>;
      try {
        any = runAnyConfig(config, { seed: flags.seed, replicas: flags.replicas, workers: flags.workers });
      } finally {
        stopProgress();
      }
      if (any.kind === 'training') {
        const folder = flags.out ?? runFolder('results', any.run.summary.name);
        // dataset.csv: the train/test split the run used, regenerated from the config as run (seeded, so identical).
        const p = any.run.summary.provenance;
        writeFiles(folder, { 'dataset.csv': datasetCsv(loadTrainingData(p.config, p.configPath)), ...trainingFiles(any.run) });
        if (flags.json) process.stdout.write(JSON.stringify({ ...any.run.summary, folder }, null, 2) + '\n');
        else process.stdout.write(trainingSummaryText(any.run, folder) + '\n');
        return;
      }
      const { run } = any;
      const folder = flags.out ?? runFolder('results', run.summary.name);
      writePhysicsRun(run, folder);
      if (flags.json) process.stdout.write(JSON.stringify({ ...run.summary, folder }, null, 2) + '\n');
      else process.stdout.write(physicsSummaryText(run, folder) + '\n');
    });
}
