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

/** Exit code for bad input. */
export const EXIT_BAD_INPUT = 2;
