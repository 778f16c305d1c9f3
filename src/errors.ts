/**
 * A user-input error: names the config field (dotted path), the offending value
 * and what was expected. The CLI prints it and exits with code 2, without a
 * stack trace (README, "Errors").
 */
export class ConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Exit codes of every `limsim` verb (README, "Exit codes"). */
export const EXIT_OK = 0;
/** An internal error (a bug): the message, and the stack with LIMSIM_DEBUG=1. */
export const EXIT_INTERNAL = 1;
/** Bad input: one line naming the field, the value and what was expected. */
export const EXIT_BAD_INPUT = 2;
/** The work ran and its results were written, but a verdict failed (a bound violated
 * beyond 4 combined SE, a store that missed its baseline, a diverged training). */
export const EXIT_VERDICT_FAILED = 3;

