/** `limsim report <dir>`: report.html and report.md for a run folder or a sweep folder. */
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write report.html (self-contained, plots inline) and report.md for a run folder or a sweep folder')
    .argument('<dir>', 'a run folder (summary.json) or a sweep folder (sweep.json)')
    .option('--fit-from <tau>', 'sweeps: fit Q_inf + B/tau only over durations >= tau')
    .action(async (dir: string, flags: { fitFrom?: string }) => {
      const minDuration = flags.fitFrom === undefined ? undefined : Number(flags.fitFrom);
      if (minDuration !== undefined && !(minDuration >= 0)) throw new ConfigError('--fit-from', `got "${flags.fitFrom}"; expected a duration >= 0`);
      // Loaded here, not at the top: --help and --version need none of it (issue 12).
      const { writeReport } = await import('../report/report.js');
      const files = await writeReport(dir, { minDuration });
      process.stdout.write(`wrote ${files.filter((f) => /report\.(html|md)$/.test(f)).join(', ')}\n`);
    });
}
