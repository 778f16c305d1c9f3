import { ConfigError } from '../errors.js';
import { MAX_WORKERS } from '../engines/limits.js';

/**
 * Parse a command-line integer option, naming the flag on error. Only plain
 * decimal digits are accepted ("1e3", "0x10", "5.0" and " 7" are refused) and
 * the value must be a safe integer (<= 2^53 - 1), so `--seed 9007199254740993`
 * is refused rather than silently run as ...992.
 */
export function integerOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text;
      throw new ConfigError(flag, `got "${shown}"; expected an integer from ${min} to ${max}`);
    }
    return value;
  };
}

/** --seed: an integer 0 .. 2^53 - 1 (the schema's range). */
export const seedOption = () => integerOption('--seed', 0);

/** --workers: 1 .. MAX_WORKERS, the same limit as the config schema and the thread pools. */
export const workersOption = () => integerOption('--workers', 1, MAX_WORKERS);

/** Parse a command-line number option that must be > 0. */
export function positiveOption(flag: string) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
      throw new ConfigError(flag, `got "${text}"; expected a number > 0`);
    }
    return value;
  };
}
