/**
 * A small `limsim` for the sweep tests: the sweep, merge, compare and report
 * commands on a commander program with the CLI's error handling (ConfigError
 * -> one line, exit 2). src/cli.ts wires the same register functions.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, EXIT_BAD_INPUT } from '../../src/errors.js';
import { registerCompareCommand } from '../../src/commands/compare.js';
import { registerMergeCommand } from '../../src/commands/merge.js';
import { registerReportCommand } from '../../src/commands/report.js';
import { registerSweepCommand } from '../../src/commands/sweep.js';

export function buildSweepProgram(): Command {
  const program = new Command();
  program.name('limsim').exitOverride().configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerSweepCommand(program);
  registerMergeCommand(program);
  registerCompareCommand(program);
  registerReportCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildSweepProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    if (err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`error: ${(err as Error).message}\n${process.env.LIMSIM_DEBUG ? `${(err as Error).stack}\n` : ''}`);
    return 1;
  }
}

if (process.argv[1] && /sweep-cli\.(ts|js)$/.test(process.argv[1])) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
