/** `limsim report <dir>`: report.html and report.md for a run folder or a sweep folder. */
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import type { FigureFormat } from '../report/report.js';

const FORMATS: readonly FigureFormat[] = ['png', 'pdf'];

/** --formats png,pdf | png | pdf | none: the copies written beside each plots/*.svg. */
export function parseFormats(text: string): FigureFormat[] {
  if (text.trim() === 'none') return [];
  const list = text.split(',').map((s) => s.trim());
  for (const f of list) {
    if (!FORMATS.includes(f as FigureFormat)) throw new ConfigError('--formats', `got "${text}"; expected a comma list of png, pdf, or none`);
  }
  return list as FigureFormat[];
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write report.html (self-contained, plots inline) and report.md for a run folder or a sweep folder; plots/*.svg with PNG and PDF copies')
    .argument('<dir>', 'a run folder (summary.json) or a sweep folder (sweep.json)')
    .option('--fit-from <tau>', 'sweeps: fit Q_inf + B/tau only over durations >= tau')
    .option('--formats <list>', 'copies beside each plots/*.svg: png,pdf (default), png, pdf or none')
    .option('--linear-counts', 'histograms on a linear count axis (default: log counts, so the tails show)')
    .action(async (dir: string, flags: { fitFrom?: string; formats?: string; linearCounts?: boolean }) => {
      const minDuration = flags.fitFrom === undefined ? undefined : Number(flags.fitFrom);
      if (minDuration !== undefined && !(minDuration >= 0)) throw new ConfigError('--fit-from', `got "${flags.fitFrom}"; expected a duration >= 0`);
      // Loaded here, not at the top: --help and --version need none of it (issue 12).
      const { writeReport } = await import('../report/report.js');
      const formats = flags.formats === undefined ? undefined : parseFormats(flags.formats);
      const files = await writeReport(dir, { minDuration, logCounts: !flags.linearCounts, ...(formats ? { formats } : {}) });
      process.stdout.write(`wrote ${files.filter((f) => /report\.(html|md)$/.test(f)).join(', ')}\n`);
    });
}
