import cliProgress from 'cli-progress';

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

class BarProgress implements ProgressSink {
  private readonly bar: cliProgress.SingleBar;

  constructor(name: string, stream: NodeJS.WritableStream) {
    this.bar = new cliProgress.SingleBar(
      {
        format: `sweep ${name} {bar} {value}/{total} points | {percentage}% | elapsed {duration_formatted} | ETA {eta_formatted} | {last}`,
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
