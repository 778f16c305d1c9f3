import { ConfigError } from '../errors.js';

/** Parse a command-line integer option, naming the flag on error. */
export function integerOption(flag: string, min: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) {
      throw new ConfigError(flag, `got "${text}"; expected an integer >= ${min}`);
    }
    return value;
  };
}

/** Parse a command-line number option that must be > 0. */
export function positiveOption(flag: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isFinite(value) || value <= 0) {
      throw new ConfigError(flag, `got "${text}"; expected a number > 0`);
    }
    return value;
  };
}
