#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ConfigError, EXIT_BAD_INPUT, EXIT_INTERNAL } from './errors.js';
import { takeVerdictExitCode } from './commands/exit-status.js';
import { registerRunCommand } from './commands/run.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerProjectCommand } from './commands/project.js';
import { registerVerifyCommand } from './commands/verify.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerMergeCommand } from './commands/merge.js';
import { registerCompareCommand } from './commands/compare.js';
import { registerReportCommand } from './commands/report.js';
import { registerOptimizeCommand } from './commands/optimize.js';
import { registerCrooksCommand } from './commands/crooks.js';
import { VERSION } from './version.js';
import { fileSystemError } from './report/files.js';

/**
 * The `limsim` command: a thin shell over the library. Bad input (a
 * ConfigError or a command-line usage error) prints one line naming the field
 * and exits 2, without a stack trace; set LIMSIM_DEBUG=1 to see stacks.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('limsim')
    .description('Stochastic physical-memory simulator: heat of memory updates against learning-in-memory bounds')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  registerRunCommand(program);
  registerVerifyCommand(program);
  registerSweepCommand(program);
  registerMergeCommand(program);
  registerCompareCommand(program);
  registerReportCommand(program);
  registerOptimizeCommand(program);
  registerProjectCommand(program);
  registerSchemaCommand(program);
  registerCrooksCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return takeVerdictExitCode();
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    // A file-system error (EACCES, EISDIR, ENOSPC, ...) is bad input: one line naming the path.
    const fsError = fileSystemError(err);
    if (fsError) {
      process.stderr.write(`error: ${fsError.message}\n`);
      return EXIT_BAD_INPUT;
    }
    const error = err as Error;
    process.stderr.write(`error: ${error.message}\n`);
    if (process.env.LIMSIM_DEBUG) process.stderr.write(`${error.stack}\n`);
    return EXIT_INTERNAL;
  }
}

/**
 * Run main() when this module is the program's entry point, however it was reached:
 * `node dist/cli.js`, `tsx src/cli.ts`, or the `limsim` bin symlink that npm
 * installs (argv[1] is then `.../bin/limsim`, so compare resolved real paths).
 */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `limsim ... | head`: a closed pipe ends the output quietly, not with an EPIPE stack.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
