/**
 * A sweep worker thread: receives point configs (plain data), validates and
 * runs them through the same dispatch as `limsim run`, and posts back each
 * point's row. One point at a time; the parent hands out the next.
 */
import { parentPort } from 'node:worker_threads';
import { runPointTask, type PointTask, type WorkerReply } from '../experiments/sweep/task.js';

if (!parentPort) throw new Error('sweep-worker must run in a worker thread');
const port = parentPort;

port.on('message', (task: PointTask) => {
  let reply: WorkerReply;
  try {
    reply = { ok: true, index: task.index, row: runPointTask(task) };
  } catch (err) {
    const e = err as Error & { path?: string };
    reply = { ok: false, index: task.index, error: { name: e.name, message: e.message, path: e.path, stack: e.stack } };
  }
  port.postMessage(reply);
});
// Tell the parent the listener is in place (the entry may load asynchronously).
port.postMessage({ ready: true });
