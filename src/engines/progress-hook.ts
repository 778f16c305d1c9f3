/**
 * A process-wide hook through which an engine reports the fraction of its
 * protocol done (at each recorded time point). `limsim run` sets it to draw a
 * progress line on a terminal (src/experiments/sweep/progress.ts); otherwise
 * it is a no-op, and it never changes what an engine computes.
 */
let hook: ((fraction: number) => void) | null = null;

export function setProgressHook(fn: ((fraction: number) => void) | null): void {
  hook = fn;
}

export function reportProgress(fraction: number): void {
  hook?.(fraction);
}
