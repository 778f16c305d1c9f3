import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ConfigError } from '../errors.js';
import { LangevinKernel, type KernelSettings, type KernelState } from './kernels.js';
import { MAX_WORKERS } from './limits.js';

/**
 * Worker-thread parallelism for Langevin ensembles.
 *
 * The ensemble's per-cell arrays, its random-stream states and the protocol
 * table of the current segment live in SharedArrayBuffers. For each segment
 * the calling thread tabulates the protocol, wakes the workers, and then all
 * threads, the calling one included, claim blocks (BLOCK_SIZE cells, one
 * random stream each) one at a time from a shared ticket counter until none
 * is left. A block's numbers depend only on its own cells and stream, never on
 * which thread ran it or what ran beside it, so any number of threads gives
 * bit-identical arrays; the ensemble sums (timeseries) are taken afterwards
 * on the calling thread, over all cells in index order, in every case.
 *
 * The calling thread never waits for a worker to start or to answer: it only
 * waits for blocks that a worker has claimed and is running. A worker still
 * loading (or starved by other load on the machine) simply claims fewer
 * blocks, and `advance` stays synchronous, as the LangevinEnsemble API is.
 * Tickets run on from segment to segment and a claim is a compare-and-swap
 * below the segment's last ticket, so a worker that wakes late for an old
 * segment finds nothing left to claim.
 *
 * The pool is shared by every ensemble of the process and kept (unref'd) for
 * the next one: a worker thread starts once per process. Workers load only
 * kernels.ts and rng.ts (no schedules or mathjs): under tsx a worker joins
 * ~0.2 s after it is started (a later ensemble: ~2 ms), against ~2.7 s
 * measured for a first design whose workers built the potential.
 */

/** Control words of one parallel ensemble (Int32Array on a SharedArrayBuffer). */
const TICKET = 0;
const COMPLETED = 1;
const FAILED = 2;
const MESSAGE_LENGTH = 3;
/** Workers that have attached this ensemble. */
const ATTACHED = 4;
const CONTROL_WORDS = 5;
const MESSAGE_BYTES = 4096;

/** Messages from the calling thread to a worker. */
export type WorkerCommand =
  | {
      type: 'attach';
      id: number;
      settings: KernelSettings;
      replicas: number;
      buffers: Record<'position' | 'energy' | 'work' | 'heat' | 'extraTilt' | 'pendingNormal' | 'firstPassageTime' | 'streamState' | 'table' | 'control' | 'message', SharedArrayBuffer>;
    }
  | { type: 'run'; id: number; firstTicket: number; blocks: number; steps: number; dt: number }
  | { type: 'detach'; id: number };

/** A Float64Array on shared memory (for state the workers write). */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(length, 0) * Float64Array.BYTES_PER_ELEMENT));
}

export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(length, 0) * Int32Array.BYTES_PER_ELEMENT));
}

/** Check a `workers` option: a whole number >= 1. */
export function validateWorkers(workers: unknown, path = 'workers'): number {
  if (workers === undefined) return 1;
  if (typeof workers !== 'number' || !Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new ConfigError(path, `is ${String(workers)}; expected a whole number of threads from 1 to ${MAX_WORKERS}`);
  }
  return workers;
}

/**
 * Claim blocks of a segment until none is left: ticket t of a segment whose
 * first ticket is firstTicket is block t - firstTicket. After an error the
 * thread keeps claiming but no longer runs blocks (each still counts as
 * completed), so the calling thread never waits for a block nobody will run;
 * returns the first error met.
 */
function claimBlocks(
  control: Int32Array,
  kernel: LangevinKernel,
  table: Float64Array,
  firstTicket: number,
  blocks: number,
  steps: number,
  dt: number,
): { failure: unknown; ran: number } {
  const lastTicket = firstTicket + blocks;
  let failure: unknown;
  let ran = 0;
  for (;;) {
    const ticket = Atomics.load(control, TICKET);
    if (ticket >= lastTicket || ticket < firstTicket) return { failure, ran };
    if (Atomics.compareExchange(control, TICKET, ticket, ticket + 1) !== ticket) continue;
    if (failure === undefined && Atomics.load(control, FAILED) === 0) {
      const block = ticket - firstTicket;
      try {
        kernel.runBlocks(block, block + 1, table, steps, dt);
        ran++;
      } catch (error) {
        failure = error;
      }
    }
    Atomics.add(control, COMPLETED, 1);
    Atomics.notify(control, COMPLETED);
  }
}

function writeFailure(control: Int32Array, message: Uint8Array, error: unknown): void {
  const bytes = new TextEncoder().encode(error instanceof Error ? (error.stack ?? error.message) : String(error));
  const length = Math.min(bytes.length, message.length);
  message.set(bytes.subarray(0, length));
  Atomics.store(control, MESSAGE_LENGTH, length);
  Atomics.store(control, FAILED, 1);
}

/**
 * The bootstrap each worker evaluates: it loads src/workers/ensemble-worker
 * (.ts through tsx's tsImport when running from source under tsx or vitest,
 * plain .js from dist/).
 *
 * Why not `new Worker(url, { execArgv: ['--import', 'tsx'] })`: Node 20 does
 * not apply module loaders given in a worker's execArgv (nodejs/node#47747;
 * measured here: ERR_UNKNOWN_FILE_EXTENSION), while tsx's tsImport works in a
 * worker, also while the calling thread blocks in Atomics.wait.
 */
function workerBootstrap(): string {
  const typescript = import.meta.url.endsWith('.ts');
  const workerUrl = new URL(`../workers/ensemble-worker.${typescript ? 'ts' : 'js'}`, import.meta.url).href;
  const load = typescript
    ? `import(${JSON.stringify(tsxApiUrl())}).then(({ tsImport }) => tsImport(${JSON.stringify(workerUrl)}, ${JSON.stringify(import.meta.url)}))`
    : `import(${JSON.stringify(workerUrl)})`;
  // A worker that fails to load claims nothing; the calling thread runs its share.
  return `${load}.catch((error) => { process.stderr.write('limsim ensemble worker failed to load: ' + ((error && error.stack) || error) + '\\n'); });`;
}

/** tsx's ESM API module, found from this package's dependencies. */
function tsxApiUrl(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(manifest), 'dist', 'esm', 'api', 'index.mjs')).href;
}

/** The process-wide worker threads, each with a command port and a wake-up word. */
class WorkerPool {
  private readonly workers: { worker: Worker; port: MessagePort }[] = [];
  /** Word k counts the commands sent to worker k (it sleeps on it). */
  private wake = sharedInt32(MAX_WORKERS);

  get size(): number {
    return this.workers.length;
  }

  /** Grow to at least `count` workers (never shrinks; idle workers sleep and do not hold the process). */
  ensure(count: number): void {
    while (this.workers.length < count) {
      const index = this.workers.length;
      if (index >= this.wake.length) throw new Error(`parallel ensemble: at most ${this.wake.length} worker threads`);
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(workerBootstrap(), {
        eval: true,
        workerData: { index, wake: this.wake.buffer, port: port2 },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      worker.on('error', (error) => process.stderr.write(`limsim ensemble worker ${index}: ${error.message}\n`));
      this.workers.push({ worker, port: port1 });
    }
  }

  /** Send a command to the first `count` workers and wake them. */
  send(command: WorkerCommand, count = this.workers.length): void {
    for (let k = 0; k < Math.min(count, this.workers.length); k++) {
      this.workers[k].port.postMessage(command);
      Atomics.add(this.wake, k, 1);
      Atomics.notify(this.wake, k);
    }
  }

  /** Stop every worker (for tests and tools that want a clean exit). */
  async terminate(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
  }
}

const pool = new WorkerPool();
let nextEnsembleId = 1;

/** Terminate the shared worker threads (they are unref'd; this is only for a tidy shutdown). */
export function terminateWorkerPool(): Promise<void> {
  return pool.terminate();
}

function sharedBuffer(array: Float64Array | Int32Array, name: string): SharedArrayBuffer {
  if (!(array.buffer instanceof SharedArrayBuffer)) throw new Error(`parallel ensemble: ${name} is not on a SharedArrayBuffer`);
  return array.buffer;
}

/** One ensemble's link to the worker pool: `threads - 1` workers plus the calling thread. */
export class ParallelRunner {
  private readonly id = nextEnsembleId++;
  private readonly control = sharedInt32(CONTROL_WORDS);
  private readonly message = new Uint8Array(new SharedArrayBuffer(MESSAGE_BYTES));
  private readonly helpers: number;
  private closed = false;
  /** Blocks run by the calling thread and in total (block-segments), for diagnostics. */
  callerBlocks = 0;
  totalBlocks = 0;

  /**
   * `table` must be the shared protocol table the caller fills before each
   * run; `kernel` is the calling thread's own kernel over the same state.
   */
  constructor(
    state: KernelState,
    settings: KernelSettings,
    private readonly table: Float64Array,
    private readonly kernel: LangevinKernel,
    private readonly blocks: number,
    threads: number,
  ) {
    this.helpers = threads - 1;
    pool.ensure(this.helpers);
    pool.send(
      {
        type: 'attach',
        id: this.id,
        settings,
        replicas: state.replicas,
        buffers: {
          position: sharedBuffer(state.position, 'position'),
          energy: sharedBuffer(state.energy, 'energy'),
          work: sharedBuffer(state.work, 'work'),
          heat: sharedBuffer(state.heat, 'heat'),
          extraTilt: sharedBuffer(state.extraTilt, 'extraTilt'),
          pendingNormal: sharedBuffer(state.pendingNormal, 'pendingNormal'),
          firstPassageTime: sharedBuffer(state.firstPassageTime, 'firstPassageTime'),
          streamState: sharedBuffer(state.streamState, 'streamState'),
          table: sharedBuffer(table, 'table'),
          control: this.control.buffer as SharedArrayBuffer,
          message: this.message.buffer as SharedArrayBuffer,
        },
      },
      this.helpers,
    );
  }

  /** Run every block through the `steps` steps tabulated in the table; returns when all are done. */
  run(steps: number, dt: number): void {
    if (this.closed) throw new Error('parallel ensemble: closed');
    const control = this.control;
    const firstTicket = Atomics.load(control, TICKET);
    const target = firstTicket + this.blocks;
    pool.send({ type: 'run', id: this.id, firstTicket, blocks: this.blocks, steps, dt }, this.helpers);
    const { failure, ran } = claimBlocks(control, this.kernel, this.table, firstTicket, this.blocks, steps, dt);
    this.callerBlocks += ran;
    this.totalBlocks += this.blocks;
    if (failure !== undefined) writeFailure(control, this.message, failure);
    for (;;) {
      const completed = Atomics.load(control, COMPLETED);
      if (completed >= target) break;
      Atomics.wait(control, COMPLETED, completed);
    }
    if (failure !== undefined) throw failure;
    if (Atomics.load(control, FAILED) !== 0) {
      const text = new TextDecoder().decode(this.message.slice(0, Atomics.load(control, MESSAGE_LENGTH)));
      throw new Error(`parallel ensemble: a worker failed: ${text}`);
    }
  }

  /**
   * Block until all `threads - 1` workers have attached this ensemble, or
   * timeoutMs passes; returns how many have. Not needed for correctness (the
   * calling thread runs whatever the workers do not): for benchmarks and
   * tests that want the workers in from the first step.
   */
  waitForWorkers(timeoutMs: number): number {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const attached = Atomics.load(this.control, ATTACHED);
      const remaining = deadline - Date.now();
      if (attached >= this.helpers || remaining <= 0) return attached;
      Atomics.wait(this.control, ATTACHED, attached, remaining);
    }
  }

  /** Let the workers drop this ensemble. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    pool.send({ type: 'detach', id: this.id }, this.helpers);
  }
}

/** The worker side (src/workers/ensemble-worker.ts runs this): sleep, drain commands, claim blocks. */
export function serveEnsembleWorker(data: { index: number; wake: SharedArrayBuffer; port: MessagePort }): void {
  const wake = new Int32Array(data.wake);
  const ensembles = new Map<number, { kernel: LangevinKernel; table: Float64Array; control: Int32Array; message: Uint8Array }>();
  let seen = 0;
  for (;;) {
    Atomics.wait(wake, data.index, seen);
    seen = Atomics.load(wake, data.index);
    for (let received = receiveMessageOnPort(data.port); received; received = receiveMessageOnPort(data.port)) {
      const command = received.message as WorkerCommand;
      switch (command.type) {
        case 'attach': {
          const b = command.buffers;
          const state: KernelState = {
            replicas: command.replicas,
            position: new Float64Array(b.position),
            energy: new Float64Array(b.energy),
            work: new Float64Array(b.work),
            heat: new Float64Array(b.heat),
            extraTilt: new Float64Array(b.extraTilt),
            pendingNormal: new Float64Array(b.pendingNormal),
            firstPassageTime: new Float64Array(b.firstPassageTime),
            streamState: new Int32Array(b.streamState),
          };
          const control = new Int32Array(b.control);
          ensembles.set(command.id, { kernel: new LangevinKernel(state, command.settings), table: new Float64Array(b.table), control, message: new Uint8Array(b.message) });
          Atomics.add(control, ATTACHED, 1);
          Atomics.notify(control, ATTACHED);
          break;
        }
        case 'run': {
          const ensemble = ensembles.get(command.id);
          if (!ensemble) break;
          const { failure } = claimBlocks(ensemble.control, ensemble.kernel, ensemble.table, command.firstTicket, command.blocks, command.steps, command.dt);
          if (failure !== undefined) writeFailure(ensemble.control, ensemble.message, failure);
          break;
        }
        case 'detach':
          ensembles.delete(command.id);
          break;
      }
    }
  }
}
