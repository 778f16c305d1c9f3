import { Worker } from 'node:worker_threads';
import { ConfigError } from '../../errors.js';
import type { PointTask, WorkerReply } from './task.js';
import type { SweepRow } from './store.js';

/**
 * Run point tasks on worker threads (node:worker_threads), one point per
 * worker at a time, handing out tasks in the given order. Rows come back
 * through `onRow` as points finish; the first failure stops the run (rows
 * already delivered stay delivered) and is rethrown, a ConfigError as a
 * ConfigError.
 *
 * Workers outlive a run: idle ones are kept (unref'd, so they never hold the
 * process open) and reused by the next run in the same process, which saves
 * their start-up (loading the engines) when a program runs several sweeps.
 */
export function spawnSweepWorker(): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Running from TypeScript sources (tsx, vitest): register tsx's loader in
    // the worker before importing the .ts entry. (`execArgv: ['--import', 'tsx']`
    // does not apply the loader to a worker's .ts entry on Node 20.)
    const entry = new URL('../../workers/sweep-worker.ts', here).href;
    const api = import.meta.resolve('tsx/esm/api');
    const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(bootstrap, { eval: true });
  }
  return new Worker(new URL('../../workers/sweep-worker.js', here));
}

interface PooledWorker {
  worker: Worker;
  /** Resolves when the worker's message listener is in place. */
  ready: Promise<void>;
}

const idle: PooledWorker[] = [];

function startWorker(): PooledWorker {
  const worker = spawnSweepWorker();
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (msg: unknown) => {
      if ((msg as { ready?: boolean })?.ready) {
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve();
      }
    };
    worker.on('message', onMessage);
    worker.on('error', reject);
  });
  ready.catch(() => {}); // reported through the run's own error handling
  return { worker, ready };
}

/** Stop the idle workers (they are unref'd, so this is only needed for a tidy shutdown). */
export async function closeSweepWorkers(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(all.map((p) => p.worker.terminate()));
}

function rebuildError(error: { name: string; message: string; path?: string; stack?: string }, task: PointTask): Error {
  if (error.name === 'ConfigError' && error.path !== undefined) {
    return new ConfigError(error.path, error.message.slice(error.path.length + 2));
  }
  const e = new Error(`sweep point ${task.index} (${task.key}) failed: ${error.message}`);
  if (error.stack) e.stack = `${e.message}\n--- in the worker ---\n${error.stack}`;
  return e;
}

export function runOnWorkers(tasks: PointTask[], workerCount: number, onRow: (row: SweepRow) => void): Promise<void> {
  if (tasks.length === 0) return Promise.resolve();
  const count = Math.max(1, Math.min(workerCount, tasks.length));
  return new Promise<void>((resolve, reject) => {
    let next = 0;
    let running = count;
    let failed = false;
    const members: PooledWorker[] = [];
    const inFlight = new Map<Worker, PointTask>();
    const detach: (() => void)[] = [];

    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      detach.forEach((d) => d());
      // A failed run's workers may be mid-point or broken: stop them rather than reuse.
      for (const m of members) void m.worker.terminate();
      reject(err);
    };
    const release = (m: PooledWorker) => {
      inFlight.delete(m.worker);
      m.worker.unref();
      idle.push(m);
      if (--running === 0) {
        detach.forEach((d) => d());
        resolve();
      }
    };
    const dispatch = (m: PooledWorker) => {
      if (failed) return;
      if (next < tasks.length) {
        const task = tasks[next++];
        inFlight.set(m.worker, task);
        m.worker.postMessage(task);
      } else release(m);
    };

    for (let k = 0; k < count; k++) {
      const m = idle.pop() ?? startWorker();
      members.push(m);
      const w = m.worker;
      w.ref();
      const onMessage = (msg: WorkerReply) => {
        const task = inFlight.get(w);
        if (!task) return;
        if (!msg.ok) return fail(rebuildError(msg.error, task));
        try {
          onRow(msg.row);
        } catch (err) {
          return fail(err as Error);
        }
        dispatch(m);
      };
      const onError = (err: Error) => fail(err);
      const onExit = (code: number) => {
        if (!failed) fail(new Error(`sweep worker exited with code ${code}${inFlight.has(w) ? ` while running point ${inFlight.get(w)?.index}` : ''}`));
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      detach.push(() => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      });
      m.ready.then(
        () => dispatch(m),
        (err: Error) => fail(err),
      );
    }
  });
}
