import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { loadAnyConfig } from '../experiments/dispatch.js';
import { runCrooks, type CrooksResult } from '../experiments/crooks.js';
import { formatEstimate, formatNumber } from '../report/format.js';
import { linePlot } from '../report/plots.js';
import { runFolder, toCsv, writeFiles } from '../report/results.js';
import { flagVerdictFailure } from './exit-status.js';
import { integerOption } from './options.js';

interface CrooksFlags {
  out?: string;
  seed?: number;
  replicas?: number;
  workers?: number;
  json?: boolean;
}

/** The summary written as crooks.json. */
export function crooksSummary(c: CrooksResult, folder: string) {
  const meanWork = (run: CrooksResult['forward']) => run.summary.results.work;
  return {
    name: c.name,
    folder,
    bennettFreeEnergy: c.bennett,
    freeEnergyChange: c.freeEnergyChange,
    jarzynskiForward: c.jarzynskiForward,
    jarzynskiReverse: c.jarzynskiReverse,
    forward: { work: meanWork(c.forward), provenance: c.forward.summary.provenance },
    reverse: { work: meanWork(c.reverse), provenance: c.reverse.summary.provenance },
    verdict: c.holds ? 'holds' : 'failed',
    verdictRule: '|BAR - Delta F| <= 4 bootstrap SE',
  };
}

async function crooksPlot(c: CrooksResult): Promise<string> {
  const x = c.histogram.map((b) => b.work);
  return linePlot({
    title: `${c.name}: Crooks, P_F(W) against P_R(-W)`,
    xLabel: 'work W [kT]',
    yLabel: 'probability density [1/kT]',
    series: [
      { name: 'P_F(W) forward', x, y: c.histogram.map((b) => b.forwardDensity) },
      { name: 'P_R(-W) reverse', x, y: c.histogram.map((b) => b.reverseDensity) },
    ],
    verticalRules: [{ label: 'Delta F', x: c.freeEnergyChange }],
    yZero: true,
  });
}

export function registerCrooksCommand(program: Command): void {
  program
    .command('crooks')
    .description(
      'run a config forward and time-reversed (each from equilibrium) and estimate Delta F by Bennett\'s acceptance ratio; exits 3 when it misses Delta F by more than 4 SE',
    )
    .argument('<config>', 'a physics config with initial: boltzmann on langevin or monte-carlo, e.g. sim-configs/barrier-raise.yaml')
    .option('--out <dir>', 'results folder (default results/<name>-crooks-<stamp>/)')
    .option('--seed <n>', 'override the config seed (the reverse run uses seed + 1000003)', integerOption('--seed', 0))
    .option('--replicas <n>', 'override the number of replicas of each direction', integerOption('--replicas', 1))
    .option('--workers <n>', 'worker threads for Langevin ensembles (results do not depend on it)', integerOption('--workers', 1))
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (configPath: string, flags: CrooksFlags) => {
      const config = loadAnyConfig(configPath);
      if (config.kind !== 'physics') throw new ConfigError('kind', 'is "training"; crooks runs physics configs');
      const c = runCrooks(config.loaded, { seed: flags.seed, replicas: flags.replicas, workers: flags.workers });
      const folder = flags.out ?? runFolder('results', `${c.name}-crooks`);
      const summary = crooksSummary(c, folder);
      const csv = toCsv(
        ['work_kT', 'forward_density', 'reverse_density_at_minus_W', 'log_ratio', 'W_minus_deltaF'],
        c.histogram.map((b) => [b.work, b.forwardDensity, b.reverseDensity, Number.isFinite(b.logRatio) ? b.logRatio : '', b.work - c.freeEnergyChange]),
      );
      writeFiles(folder, {
        'crooks-work.csv': csv,
        'crooks.svg': await crooksPlot(c),
        // crooks.json last: its presence marks a complete folder.
        'crooks.json': JSON.stringify(summary, null, 2) + '\n',
      });
      if (flags.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      else {
        const lines = [
          `${c.name}: Crooks forward + reverse, ${c.forward.summary.provenance.replicas} replicas each`,
          `  <W_F> = ${formatEstimate(c.forward.summary.results.work.mean, c.forward.summary.results.work.se)} kT, <W_R> = ${formatEstimate(c.reverse.summary.results.work.mean, c.reverse.summary.results.work.se)} kT`,
          `  Delta F by BAR       ${formatEstimate(c.bennett.mean, c.bennett.se)} kT (bootstrap SE)`,
          ...(c.jarzynskiForward ? [`  Delta F by Jarzynski ${formatEstimate(c.jarzynskiForward.mean, c.jarzynskiForward.se)} kT (forward), ${c.jarzynskiReverse ? formatEstimate(c.jarzynskiReverse.mean, c.jarzynskiReverse.se) : 'n/a'} kT (reverse)`] : []),
          `  Delta F of the model ${formatNumber(c.freeEnergyChange)} kT`,
          `verdict: BAR ${c.holds ? 'equals' : 'MISSES'} Delta F within 4 SE (${formatNumber((c.bennett.mean - c.freeEnergyChange) / c.bennett.se)} SE)`,
          `results: ${folder}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (!c.holds) flagVerdictFailure();
    });
}
