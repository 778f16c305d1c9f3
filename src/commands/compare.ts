/** `limsim compare`: empirical vs theoretical dissipation for runs and sweep points. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import { compareResults, comparisonCsv, comparisonJson, comparisonTable } from '../experiments/compare.js';
import { checkOutputFolder, writeFileAtomic } from '../report/files.js';
import { comparisonPlots } from '../report/report.js';
import { flagVerdictFailure } from './exit-status.js';
import { EXIT_CODES_HELP } from './exit-codes-help.js';

export interface CompareFlags {
  out?: string;
  json?: boolean;
  csv?: boolean;
  fitFrom?: string;
}

export async function runCompareCommand(paths: string[], flags: CompareFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  let minDuration: number | undefined;
  if (flags.fitFrom !== undefined) {
    minDuration = Number(flags.fitFrom);
    if (!Number.isFinite(minDuration) || minDuration < 0) throw new ConfigError('--fit-from', `got "${flags.fitFrom}"; expected a duration >= 0`);
  }
  if (flags.json && flags.csv) throw new ConfigError('--json', 'and --csv both given; expected one output format');
  if (flags.out !== undefined) checkOutputFolder(flags.out, '--out');
  const comparison = compareResults(paths, { minDuration });
  if (flags.json) write(comparisonJson(comparison));
  else if (flags.csv) write(comparisonCsv(comparison));
  else write(comparisonTable(comparison));
  if (flags.out !== undefined) {
    const written = [join(flags.out, 'compare.csv'), join(flags.out, 'compare.json')];
    writeFileAtomic(written[0], comparisonCsv(comparison));
    writeFileAtomic(written[1], comparisonJson(comparison));
    for (const plot of await comparisonPlots(comparison)) {
      const path = join(flags.out, plot.name);
      writeFileAtomic(path, plot.svg);
      written.push(path);
    }
    if (!flags.json && !flags.csv) write(`wrote ${written.join(', ')}\n`);
  }
  // Exit 3 when any row fails (a bound violated beyond 4 SE, or a run / point whose own verdict failed).
  if (!comparison.verdict.ok) flagVerdictFailure();
}

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description('empirical vs theoretical dissipation: measured ± SE, every applicable bound, ratio, violation flag; B/tau fits over protocol time')
    .argument('<results...>', 'run folders, summary.json, sweep folders or results.jsonl')
    .option('--out <dir>', 'write compare.csv, compare.json and the SVG plots into DIR')
    .option('--json', 'print JSON instead of the table')
    .option('--csv', 'print CSV instead of the table')
    .option('--fit-from <tau>', 'fit Q_inf + B/tau only over durations >= tau')
    .action(async (paths: string[], flags: CompareFlags) => {
      await runCompareCommand(paths, flags);
    })
    .addHelpText('after', EXIT_CODES_HELP);
}
