import type { Command } from 'commander';
import type { VerifyCheck } from '../experiments/verify.js';
import { formatEstimate, formatNumber, setWideTables, textTable } from '../report/format.js';
import { seedOption } from './options.js';

export function verifyTable(checks: VerifyCheck[]): string {
  const rows = checks.map((c) => [
    c.name,
    c.error > 0 ? formatEstimate(c.measured, c.error) : formatNumber(c.measured),
    formatNumber(c.expected),
    c.tolerance,
    c.unit,
    c.pass ? 'PASS' : 'FAIL',
  ]);
  const failed = checks.filter((c) => !c.pass).length;
  return `${textTable(['check', 'measured ± SE', 'expected', 'tolerance', 'unit', 'result'], rows)}\n\n${checks.length - failed} passed, ${failed} failed`;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('run the physics validation suite; exits 1 if any check fails')
    .option('--quick', 'small ensembles (within a minute on 2 cores)')
    .option('--seed <n>', 'seed of every check', seedOption())
    .option('--json', 'print the checks as JSON')
    .option('--wide', 'do not wrap the table to 100 columns')
    .action(async (flags: { quick?: boolean; seed?: number; json?: boolean; wide?: boolean }) => {
      setWideTables(flags.wide ?? false);
      // Loaded here, not at the top: --help and --version need none of it (issue 12).
      const { runVerify } = await import('../experiments/verify.js');
      const checks = runVerify({ quick: flags.quick, seed: flags.seed });
      if (flags.json) process.stdout.write(JSON.stringify(checks, null, 2) + '\n');
      else process.stdout.write(verifyTable(checks) + '\n');
      if (checks.some((c) => !c.pass)) process.exitCode = 1;
    });
}
