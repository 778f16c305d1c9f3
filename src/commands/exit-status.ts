import { EXIT_OK, EXIT_VERDICT_FAILED } from '../errors.js';

/**
 * The process-wide verdict of one CLI invocation. A verb that ran to the end but
 * whose verdict failed (a bound violated beyond 4 SE, a store that missed its
 * baseline, a diverged training) calls flagVerdictFailure() after writing its
 * results and its verdict lines; `main` then exits with EXIT_VERDICT_FAILED (3).
 * Bad input and internal errors are thrown and take precedence (2, 1).
 */
let verdictFailed = false;

export function flagVerdictFailure(): void {
  verdictFailed = true;
}

/** The exit code for a verb that returned normally, and reset for the next invocation. */
export function takeVerdictExitCode(): number {
  const code = verdictFailed ? EXIT_VERDICT_FAILED : EXIT_OK;
  verdictFailed = false;
  return code;
}
