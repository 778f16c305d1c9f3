/**
 * Worker-thread limit, one constant for the config schema, the --workers flag,
 * the sweep pool and the Langevin thread pool (whose wake-up words are sized
 * by it). More threads than cores only adds contention on this workload.
 */
export const MAX_WORKERS = 64;
