/** `limsim merge`: join the shard folders of one sweep (docs/cluster.md). */
import type { Command } from 'commander';

export async function runMergeCommand(
  folders: string[],
  flags: { out: string; report: boolean; json?: boolean },
  print: (text: string) => void = (t) => process.stdout.write(t),
): Promise<string> {
  // Loaded here, not at the top: --help and --version need none of it (issue 12).
  const { mergeSweeps } = await import('../experiments/sweep.js');
  // --json: stdout carries one JSON document; the human lines are dropped.
  const write = flags.json ? () => {} : print;
  const outcome = mergeSweeps(folders, flags.out);
  const m = outcome.manifest;
  write(`merged ${folders.length} folder(s) of sweep ${m.name} (${m.sweepId}): ${outcome.rows.length}/${m.pointCount} points in ${outcome.dir}\n`);
  if (outcome.missing.length > 0) {
    process.stderr.write(`warning: ${outcome.missing.length} point(s) have no row yet: ${outcome.missing.slice(0, 20).join(', ')}${outcome.missing.length > 20 ? ', ...' : ''}\n`);
  }
  let report: string | null = null;
  if (flags.report && outcome.missing.length === 0) {
    // Loaded on demand: the plotting stack (vega) is not needed to run points.
    const { writeSweepReport } = await import('../report/report.js');
    await writeSweepReport(outcome.dir);
    report = `${outcome.dir}/report.html`;
    write(`report: ${report}\n`);
  }
  if (flags.json) {
    print(
      JSON.stringify(
        { name: m.name, sweepId: m.sweepId, dir: outcome.dir, folders, rows: outcome.rows.length, points: m.pointCount, missing: outcome.missing, report },
        null,
        2,
      ) + '\n',
    );
  }
  return outcome.dir;
}

export function registerMergeCommand(program: Command): void {
  program
    .command('merge')
    .description('join shard folders of one sweep into one folder (rows sorted by point index); refuses folders of another sweep')
    .argument('<folders...>', 'shard output folders (or their results.jsonl)')
    .requiredOption('--out <dir>', 'the merged folder (new or empty)')
    .option('--no-report', 'do not write report.html / report.md')
    .option('--json', 'print a JSON summary on stdout (folder, rows, missing points)')
    .action(async (folders: string[], flags: { out: string; report: boolean; json?: boolean }) => {
      await runMergeCommand(folders, flags);
    });
}
