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

/**
 * Run `fn` as part `index` of `count` equal parts of a job: its progress
 * 0..1 is reported as (index + f) / count (e.g. one store of a training run).
 */
export function progressPart<T>(index: number, count: number, fn: () => T): T {
  const outer = hook;
  if (!outer) return fn();
  hook = (f) => outer((index + f) / count);
  try {
    return fn();
  } finally {
    hook = outer;
  }
}
