/** The exit codes of `run` (and `sweep`, `compare`), for --help (README, "Exit codes"). */
export const EXIT_CODES_HELP = `
Exit codes:
  0  ran, and every verdict holds
  1  internal error (a bug; LIMSIM_DEBUG=1 prints the stack)
  2  bad input: one line naming the field, the value and what was expected; nothing written
  3  ran and wrote its results, but a verdict failed: a bound violated beyond 4 combined SE,
     a training store that misses its float baseline by more than comparison.lossTolerance,
     or a diverged training (the summary ends with one "verdict: FAILED" line per cause)`;
