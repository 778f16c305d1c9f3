/**
 * The verdict words of a bound row, in a module with no dependencies so that the
 * CLI can print them without loading the physics (src/thermo/bounds.ts re-exports them).
 */
export type BoundStatus = 'holds' | 'violated' | 'not applicable';

/** The one-line verdict of a bound: holds, VIOLATED, or not applicable with the failed assumption. */
export function boundStatusText(b: { status: BoundStatus; failedAssumptions: string[] }): string {
  if (b.status === 'not applicable') return `not applicable (assumption failed: ${b.failedAssumptions.join('; ')})`;
  return b.status === 'violated' ? 'VIOLATED' : 'holds';
}
