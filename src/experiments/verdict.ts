/**
 * The verdict of a run, sweep point or comparison (issue 10; README "Exit codes"):
 * ok when every check holds; otherwise one failure per failed check with its
 * diagnosed cause. `limsim run` prints one verdict line per failure and exits 3.
 */
export interface VerdictFailure {
  /** What failed, e.g. "landauer bound (heat)" or "store lim: final loss". */
  what: string;
  /** Why, with the numbers (and for a LIM store the diagnosed mechanism). */
  cause: string;
}

export interface Verdict {
  ok: boolean;
  failures: VerdictFailure[];
}

/** The verdict lines of a human summary: one per failure, or one saying all held. */
export function verdictLines(verdict: Verdict): string[] {
  if (verdict.ok) return ['verdict: ok (every applicable check holds)'];
  return verdict.failures.map((f) => `verdict: FAILED ${f.what}: ${f.cause}`);
}

/** One string for a table column: the causes of a failed verdict, '' when ok. */
export function verdictCause(verdict: Verdict): string {
  return verdict.failures.map((f) => `${f.what}: ${f.cause}`).join(' | ');
}
