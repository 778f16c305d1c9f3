/**
 * `limsim sweep`: Cartesian sweeps over config fields on worker threads, with
 * resume and shards (docs/cluster.md). A thin shell over experiments/sweep.ts.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { canonicalJson } from '../experiments/sweep/paths.js';
import { runFolder } from '../report/results.js';
import { integerOption } from './options.js';

export interface SweepFlags {
  grid: string[];
  set: string[];
  link?: string[];
  timeScaling?: boolean;
  seeds?: string;
  workers?: number;
  out?: string;
  resume?: boolean;
  shard?: string;
  report: boolean;
  quiet?: boolean;
  dryRun?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Run the command; returns the output folder (or null for --dry-run). */
export async function runSweepCommand(configPath: string, flags: SweepFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<string | null> {
  // Loaded here, not at the top: --help and --version need none of it (issue 12).
  const { defaultWorkerCount, loadSweepSpec, parseShard, planSweep, runSweep } = await import('../experiments/sweep.js');
  const { progressFor } = await import('../experiments/sweep/progress.js');
  // Parse and validate everything before touching any file.
  const shard = flags.shard === undefined ? null : parseShard(flags.shard);
  const spec = loadSweepSpec(configPath, { grid: flags.grid, set: flags.set, link: flags.link, timeScaling: flags.timeScaling, seeds: flags.seeds });
  const plan = planSweep(spec);
  if (flags.dryRun) {
    write(`sweep ${spec.name} (${plan.sweepId}): ${plan.points.length} points\n`);
    for (const p of plan.points) {
      if (!shard || p.index % shard.count === shard.index - 1) write(`  ${p.index}  ${p.key}  seed ${p.seed}  ${canonicalJson(p.params)}\n`);
    }
    return null;
  }
  if (flags.resume && flags.out === undefined) {
    throw new ConfigError('--resume', 'needs --out: the folder of the sweep to continue');
  }
  const out = flags.out ?? runFolder('results', `sweep-${spec.name}`);
  const outcome = await runSweep(plan, {
    out,
    workers: flags.workers ?? defaultWorkerCount(),
    resume: flags.resume,
    shard,
    progress: progressFor(spec.name, { quiet: flags.quiet }),
  });
  write(
    `sweep ${spec.name} (${outcome.sweepId})${shard ? `, shard ${shard.index}/${shard.count}` : ''}: ` +
      `${outcome.ran} point(s) run, ${outcome.skipped} already finished, ${outcome.rows.length}/${outcome.selected} rows in ${outcome.dir}\n`,
  );
  if (!shard && flags.report) {
    // Loaded on demand: the plotting stack (vega) is not needed to run points.
    const { writeSweepReport } = await import('../report/report.js');
    await writeSweepReport(outcome.dir);
    write(`report: ${outcome.dir}/report.html (and report.md, compare.csv, compare.json, plots/)\n`);
  } else if (shard) {
    write(`merge the shard folders with: limsim merge <folders...> --out <dir>\n`);
  }
  return outcome.dir;
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('run a Cartesian sweep over config fields (a config plus --grid, or a sweep file: sim-configs/sweeps/*.yaml)')
    .argument('<config>', 'a config file, or a sweep file with base/set/grid (docs/cluster.md)')
    .option('--grid <key=v1,v2,...>', 'an axis: a dotted field path and its values (JSON when they parse, else strings); repeat for more axes', collect, [])
    .option('--set <key=value>', 'a fixed override for every point; repeatable', collect, [])
    .option('--link <key=field,...>', 'fields that take the value of grid key `key` at every point (e.g. the same bits in several stores); repeatable', collect, [])
    .option('--time-scaling', 'stretch the potential schedules with time.duration (tables keep their shape)')
    .option('--seeds <rule>', 'config: every point uses the config seed (default); independent: a seed from the point key')
    .option('--workers <n>', `worker threads (default ${Math.max(1, availableParallelism())}, the available cores)`, integerOption('--workers', 1))
    .option('--out <dir>', 'output folder (default results/sweep-<name>-<stamp>/)')
    .option('--resume', 'continue the sweep in --out, skipping finished points')
    .option('--shard <i/n>', 'run only the points with index % n == i - 1')
    .option('--no-report', 'do not write report.html / report.md at the end')
    .option('--quiet', 'no progress output')
    .option('--dry-run', 'validate and list the points, run nothing')
    .action(async (configPath: string, flags: SweepFlags) => {
      await runSweepCommand(configPath, flags);
    });
}
