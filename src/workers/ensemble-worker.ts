import { workerData } from 'node:worker_threads';
import { serveEnsembleWorker } from '../engines/parallel.js';

/**
 * A worker thread of the Langevin ensemble pool (src/engines/parallel.ts): it
 * sleeps until the calling thread sends commands, then claims and advances
 * blocks of the ensemble named in them. It loads only the kernels and the
 * random streams, not the potentials or their schedules: the calling thread
 * tabulates the protocol into shared memory.
 */
serveEnsembleWorker(workerData);
