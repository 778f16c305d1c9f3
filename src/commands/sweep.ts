/**
 * `limsim sweep`: Cartesian sweeps over config fields on worker threads, with
 * resume and shards (docs/cluster.md). A thin shell over experiments/sweep.ts.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { canonicalJson } from '../experiments/sweep/paths.js';
import { runFolder } from '../report/results.js';
import { flagVerdictFailure } from './exit-status.js';
import { EXIT_CODES_HELP } from './exit-codes-help.js';
import { checkOutputFolder } from '../report/files.js';
import { checkBudget, sweepCost } from '../experiments/cost.js';
import { workersOption } from './options.js';

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
  /** Print a JSON summary on stdout instead of the human lines. */
  json?: boolean;
  allowLong?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Run the command; returns the output folder (or null for --dry-run). */
export async function runSweepCommand(configPath: string, flags: SweepFlags, print: (text: string) => void = (t) => process.stdout.write(t)): Promise<string | null> {
  // Loaded here, not at the top: --help and --version need none of it (issue 12).
  const { defaultWorkerCount, loadSweepSpec, parseShard, planSweep, runSweep } = await import('../experiments/sweep.js');
  const { progressFor } = await import('../experiments/sweep/progress.js');
  // --json: stdout carries one JSON document; the human lines are dropped.
  const write = flags.json ? () => {} : print;
  // Parse and validate everything before touching any file.
  const shard = flags.shard === undefined ? null : parseShard(flags.shard);
  if (flags.out !== undefined && !flags.dryRun) checkOutputFolder(flags.out, '--out');
  const spec = loadSweepSpec(configPath, { grid: flags.grid, set: flags.set, link: flags.link, timeScaling: flags.timeScaling, seeds: flags.seeds });
  const plan = planSweep(spec);
  const workers = flags.workers ?? defaultWorkerCount();
  const cost = sweepCost(plan.points.filter((p) => !shard || p.index % shard.count === shard.index - 1).map((p) => p.config), workers);
  if (flags.dryRun) {
    write(`sweep ${spec.name} (${plan.sweepId}): ${plan.points.length} points; ${cost.text} on ${workers} worker(s)\n`);
    const selected = plan.points.filter((p) => !shard || p.index % shard.count === shard.index - 1);
    for (const p of selected) write(`  ${p.index}  ${p.key}  seed ${p.seed}  ${canonicalJson(p.params)}\n`);
    if (flags.json) {
      print(JSON.stringify({ name: spec.name, sweepId: plan.sweepId, dryRun: true, cost: cost.text, points: selected.map((p) => ({ index: p.index, key: p.key, seed: p.seed, params: p.params })) }, null, 2) + '\n');
    }
    return null;
  }
  if (flags.resume && flags.out === undefined) {
    throw new ConfigError('--resume', 'needs --out: the folder of the sweep to continue');
  }
  checkBudget(cost, { allowLong: flags.allowLong, field: 'sweep' });
  const out = flags.out ?? runFolder('results', `sweep-${spec.name}`);
  const outcome = await runSweep(plan, {
    out,
    workers,
    resume: flags.resume,
    shard,
    progress: progressFor(spec.name, { quiet: flags.quiet }),
  });
  write(
    `sweep ${spec.name} (${outcome.sweepId})${shard ? `, shard ${shard.index}/${shard.count}` : ''}: ` +
      `${outcome.ran} point(s) run, ${outcome.skipped} already finished, ${outcome.rows.length}/${outcome.selected} rows in ${outcome.dir}\n`,
  );
  // Sweeps keep going past a failed point; each row carries `verdict` / `verdict_cause`.
  // Verdict lines stay loud under --json: on stderr, so stdout remains one JSON document.
  const loud = flags.json ? (t: string) => process.stderr.write(t) : print;
  const failed = outcome.rows.filter((r) => r.metrics.verdict === 'failed');
  for (const r of failed) loud(`verdict: FAILED point ${r.index} (${r.key}): ${String(r.metrics.verdict_cause ?? '')}\n`);
  if (failed.length > 0) {
    loud(`${failed.length} of ${outcome.rows.length} point(s) failed their verdict (results.csv column verdict)\n`);
    flagVerdictFailure();
  }
  let report: string | null = null;
  if (!shard && flags.report) {
    // Loaded on demand: the plotting stack (vega) is not needed to run points.
    const { writeSweepReport } = await import('../report/report.js');
    await writeSweepReport(outcome.dir);
    report = `${outcome.dir}/report.html`;
    write(`report: ${report} (and report.md, compare.csv, compare.json, plots/)\n`);
  } else if (shard) {
    write(`merge the shard folders with: limsim merge <folders...> --out <dir>\n`);
  }
  if (flags.json) {
    print(
      JSON.stringify(
        {
          name: spec.name,
          sweepId: outcome.sweepId,
          dir: outcome.dir,
          shard,
          ran: outcome.ran,
          skipped: outcome.skipped,
          rows: outcome.rows.length,
          selected: outcome.selected,
          failedPoints: failed.map((r) => ({ index: r.index, key: r.key, cause: r.metrics.verdict_cause ?? null })),
          files: { csv: `${outcome.dir}/results.csv`, jsonl: `${outcome.dir}/results.jsonl`, manifest: `${outcome.dir}/sweep.json` },
          report,
        },
        null,
        2,
      ) + '\n',
    );
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
    .option(
      '--seeds <rule>',
      'config: every point uses the config seed; independent: a seed from the sweep seed and the point key (sha256). ' +
        'Default: independent when time.duration is an axis (the report fits Q_inf + B/tau, which needs independent points), else config',
    )
    .option('--workers <n>', `worker threads (default ${Math.max(1, availableParallelism())}, the available cores)`, workersOption())
    .option('--out <dir>', 'output folder (default results/sweep-<name>-<stamp>/)')
    .option('--resume', 'continue the sweep in --out, skipping finished points')
    .option('--shard <i/n>', 'run only the points with index % n == i - 1')
    .option('--no-report', 'do not write report.html / report.md at the end')
    .option('--quiet', 'no progress output')
    .option('--dry-run', 'validate and list the points, run nothing')
    .option('--json', 'print a JSON summary on stdout (folder, points run, rows, files)')
    .option('--allow-long', 'run even when the estimated time is over the work budget (10 min)')
    .action(async (configPath: string, flags: SweepFlags) => {
      await runSweepCommand(configPath, flags);
    })
    .addHelpText('after', EXIT_CODES_HELP);
}
