import type { HeatSplit, ParameterStore, StoreBounds } from './stores/types.js';

/**
 * Memory footprint of a training run in typed-array bytes (issue 11, Build 3:
 * at most 64 bytes per cell). Counted, not timed: every ArrayBuffer reachable
 * from the given objects, each once, by its byteLength (deterministic, unlike
 * heapUsed). Shared tables (a drive table, per-copy ledgers) are counted too;
 * per cell they vanish as the cell count grows, which is why a per-cell figure
 * is either taken at the full size or as the slope between two sizes.
 */

/** The distinct ArrayBuffers reachable from `roots` (through own properties, arrays, maps, sets; `maxDepth` levels). */
export function reachableBuffers(roots: readonly unknown[], maxDepth = 8, into = new Set<ArrayBufferLike>()): Set<ArrayBufferLike> {
  const seen = new Set<unknown>();
  const walk = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > maxDepth) return;
    seen.add(value);
    if (ArrayBuffer.isView(value)) {
      into.add(value.buffer);
      return;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) {
        walk(k, depth + 1);
        walk(v, depth + 1);
      }
      return;
    }
    if (value instanceof Set) {
      for (const v of value) walk(v, depth + 1);
      return;
    }
    for (const key of Object.getOwnPropertyNames(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      // Own data properties only: a getter may allocate (or compute) what it returns.
      if (descriptor && 'value' in descriptor) walk(descriptor.value, depth + 1);
    }
  };
  for (const root of roots) walk(root, 0);
  return into;
}

export function bufferBytes(buffers: Iterable<ArrayBufferLike>): number {
  let bytes = 0;
  for (const b of buffers) bytes += b.byteLength;
  return bytes;
}

/** Typed-array bytes reachable from `roots`, each buffer once. */
export function typedArrayBytes(roots: readonly unknown[], maxDepth = 8): number {
  return bufferBytes(reachableBuffers(roots, maxDepth));
}

export interface RunFootprint {
  /** Largest typed-array bytes reachable from the store (cells, ledgers, bound snapshots, its run inputs) at a checkpoint or after finish(). */
  storeBytes: number;
  /** The trainer's buffers the store was handed (parameters read, gradients, final parameters), each once. */
  trainerBytes: number;
  /** Typed arrays of the other objects given (model, data). */
  otherBytes: number;
  /** The largest union of the three at one instant (a buffer shared between them counted once). */
  totalBytes: number;
}

/**
 * A ParameterStore that delegates to `store` and measures the run's footprint: after every
 * checkpoint() and after finish() it counts the buffers reachable from the store, the trainer's
 * buffers seen so far (the arrays passed to read, update and readFinal) and those of `others`.
 */
export class FootprintProbe implements ParameterStore {
  private readonly trainer = new Set<ArrayBufferLike>();
  private readonly result: RunFootprint = { storeBytes: 0, trainerBytes: 0, otherBytes: 0, totalBytes: 0 };

  constructor(
    private readonly store: ParameterStore,
    private readonly others: readonly unknown[] = [],
  ) {}

  get kind(): ParameterStore['kind'] {
    return this.store.kind;
  }

  get name(): string {
    return this.store.name;
  }

  get footprint(): RunFootprint {
    return { ...this.result };
  }

  private measure(): void {
    const store = reachableBuffers([this.store]);
    const other = reachableBuffers(this.others);
    const all = new Set([...store, ...this.trainer, ...other]);
    const r = this.result;
    r.storeBytes = Math.max(r.storeBytes, bufferBytes(store));
    r.trainerBytes = Math.max(r.trainerBytes, bufferBytes(this.trainer));
    r.otherBytes = Math.max(r.otherBytes, bufferBytes(other));
    r.totalBytes = Math.max(r.totalBytes, bufferBytes(all));
  }

  read(out: Float64Array): void {
    this.trainer.add(out.buffer);
    this.store.read(out);
  }

  update(gradient: Float64Array, index: number): void {
    this.trainer.add(gradient.buffer);
    this.store.update(gradient, index);
  }

  checkpoint(): void {
    this.store.checkpoint();
    this.measure();
  }

  finish(): void {
    this.store.finish();
    this.measure();
  }

  readFinal(out: Float64Array): void {
    this.trainer.add(out.buffer);
    this.store.readFinal(out);
    this.measure();
  }

  cumulativeHeat(out: Float64Array): void {
    this.store.cumulativeHeat(out);
  }

  heat(): HeatSplit {
    return this.store.heat();
  }

  diagnostics(): Record<string, unknown> {
    return this.store.diagnostics();
  }

  bounds(): StoreBounds {
    return this.store.bounds();
  }

  systematicHeatSe(): number {
    return this.store.systematicHeatSe();
  }
}
