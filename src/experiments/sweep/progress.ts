import cliProgress from 'cli-progress';
import { setProgressHook } from '../../engines/progress-hook.js';

/**
 * Sweep progress on stderr: a bar with ETA on a terminal (cli-progress), plain
 * lines otherwise (logs, CI, cluster jobs), one per finished point. The ETA is
 * the mean time per point finished in this session times the points left.
 */
export interface ProgressSink {
  start(total: number, done: number): void;
  pointDone(label: string): void;
  stop(): void;
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - 60 * m)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

class PlainProgress implements ProgressSink {
  private total = 0;
  private done = 0;
  private startDone = 0;
  private started = 0;

  constructor(
    private readonly name: string,
    private readonly write: (line: string) => void,
  ) {}

  start(total: number, done: number): void {
    this.total = total;
    this.done = done;
    this.startDone = done;
    this.started = Date.now();
    this.write(`sweep ${this.name}: ${total} points${done > 0 ? `, ${done} already finished (resumed)` : ''}`);
  }

  pointDone(label: string): void {
    this.done++;
    const elapsed = (Date.now() - this.started) / 1000;
    const perPoint = elapsed / (this.done - this.startDone);
    const eta = perPoint * (this.total - this.done);
    const pct = ((100 * this.done) / Math.max(1, this.total)).toFixed(1);
    this.write(`sweep ${this.name}: ${this.done}/${this.total} (${pct}%) ${label} | elapsed ${formatSeconds(elapsed)} | ETA ${formatSeconds(eta)}`);
  }

  stop(): void {}
}

/** A sweep name cut to 24 characters for the bar. */
export function shortName(name: string): string {
  return name.length <= 24 ? name : `${name.slice(0, 23)}…`;
}

class BarProgress implements ProgressSink {
  private readonly bar: cliProgress.SingleBar;

  constructor(name: string, stream: NodeJS.WritableStream) {
    this.bar = new cliProgress.SingleBar(
      {
        // What matters first (% and ETA), the bar and the last point after: cli-progress cuts the
        // line at the terminal width, so at 80 columns only the last point's label is lost.
        format: `sweep ${shortName(name)} {percentage}% ETA {eta_formatted} {bar} {value}/{total} | {last}`,
        barsize: 20,
        stream,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(total: number, done: number): void {
    this.bar.start(total, done, { last: '' });
  }

  pointDone(label: string): void {
    this.bar.increment(1, { last: label });
  }

  stop(): void {
    this.bar.stop();
  }
}

/** A bar on a TTY, plain lines otherwise; `quiet` prints nothing. */
export function progressFor(name: string, options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): ProgressSink {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { start() {}, pointDone() {}, stop() {} };
  if (stream.isTTY) return new BarProgress(name, stream);
  return new PlainProgress(name, (line) => stream.write(`${line}\n`));
}

/**
 * Progress of a single run on stderr, only on a terminal and only once the
 * run has taken a few seconds: "run <name>  42% | elapsed 3.1 s | ETA 4.2 s"
 * (under 80 columns), redrawn at most 4 times a second and cleared at the end.
 * The engines report the fraction done at each recorded time point through
 * src/engines/progress-hook.ts (a no-op when no run progress is active).
 */

export interface RunProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Seconds before the line appears (default 3). */
  after?: number;
  now?: () => number;
}

/** Show progress for `name` until the returned stop() is called. */
export function startRunProgress(name: string, options: RunProgressOptions = {}): () => void {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY) return () => {};
  const now = options.now ?? Date.now;
  const after = (options.after ?? 3) * 1000;
  const started = now();
  let drawn = 0;
  let shown = false;
  setProgressHook((fraction: number) => {
    const t = now();
    if (t - started < after || t - drawn < 250) return;
    drawn = t;
    shown = true;
    stream.write(`\r${runProgressLine(name, fraction, (t - started) / 1000)}\x1b[K`);
  });
  return () => {
    setProgressHook(null);
    if (shown) stream.write('\r\x1b[K');
  };
}

/** The progress line of a run: percent, elapsed and ETA first, the name cut to fit 80 columns. */
export function runProgressLine(name: string, fraction: number, elapsedSeconds: number): string {
  const f = Math.min(1, Math.max(0, fraction));
  const eta = f > 0 ? (elapsedSeconds * (1 - f)) / f : NaN;
  return `run ${shortName(name)} ${(100 * f).toFixed(0).padStart(3)}% | elapsed ${formatSeconds(elapsedSeconds)} | ETA ${formatSeconds(eta)}`;
}
