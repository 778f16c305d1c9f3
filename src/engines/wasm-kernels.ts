import { ZIGGURAT_NEXT_EDGE, ZIGGURAT_SCALE, zigguratLayerHeights } from '../physics/rng.js';
import { BLOCK_SIZE, SEGMENT_STEPS, TABLE_COLUMNS } from './kernels.js';
import { LANGEVIN_KERNELS_WASM_BASE64 } from './wasm/langevin-kernels.wasm.js';

/**
 * Loader for the WebAssembly Langevin kernels (source:
 * src/engines/wasm/langevin-kernels.as.ts). One instance per thread, made on
 * first use: the kernels are synchronous, so every ensemble on a thread can
 * share it. Its memory holds one block's working copy, a segment's protocol
 * table, a stream state and the ziggurat tables; it never grows, so the views
 * below stay valid.
 */

// The part of the WebAssembly JS API used here (lib ES2022 and @types/node 20 do not declare it).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
};

/** Kind codes of runSegment. */
export const WASM_KERNEL_KIND = { 'double-well': 0, washboard: 1, harmonic: 2 } as const;
/** Doubles per cell in `cells`: x, U, W, Q, extra tilt, pending normal. */
export const WASM_CELL_SLOTS = 6;

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  cellsOffset(): number;
  firstPassageOffset(): number;
  tableOffset(): number;
  streamOffset(): number;
  zigguratScaleOffset(): number;
  zigguratNextEdgeOffset(): number;
  zigguratHeightOffset(): number;
  runSegment(kind: number, leimkuhler: number, count: number, steps: number, drift: number, noise: number, level: number, wallStiffness: number, levels: number): void;
}

export interface WasmLangevinKernels {
  /** One block's cells, WASM_CELL_SLOTS doubles each. */
  readonly cells: Float64Array;
  /** One block's first-passage times. */
  readonly firstPassage: Float64Array;
  /** One segment's protocol table (rows of TABLE_COLUMNS doubles). */
  readonly table: Float64Array;
  /** The xoshiro128** state of the block being run. */
  readonly stream: Int32Array;
  readonly runSegment: KernelExports['runSegment'];
}

let kernels: WasmLangevinKernels | undefined;

function instantiate(): WasmLangevinKernels {
  const module = new WebAssembly.Module(Buffer.from(LANGEVIN_KERNELS_WASM_BASE64, 'base64'));
  // The host's own Math functions: the same results as potentials.ts and rng.ts, bit for bit.
  const env = { exp: Math.exp, log: Math.log, sin: Math.sin, cos: Math.cos, abort: () => { throw new Error('WebAssembly Langevin kernel aborted'); } };
  const exports = new WebAssembly.Instance(module, { env }).exports as unknown as KernelExports;
  const buffer = exports.memory.buffer;
  // The regions the AssemblyScript source reserves must hold a block and a segment.
  const fits = exports.firstPassageOffset() - exports.cellsOffset() >= BLOCK_SIZE * WASM_CELL_SLOTS * 8 && exports.streamOffset() - exports.tableOffset() >= SEGMENT_STEPS * TABLE_COLUMNS * 8;
  if (!fits) throw new Error('WebAssembly Langevin kernels: memory layout does not match BLOCK_SIZE / SEGMENT_STEPS (rebuild with npm run build:wasm)');
  const doubles = (offset: number, length: number) => new Float64Array(buffer, offset, length);
  doubles(exports.zigguratScaleOffset(), ZIGGURAT_SCALE.length).set(ZIGGURAT_SCALE);
  doubles(exports.zigguratNextEdgeOffset(), ZIGGURAT_NEXT_EDGE.length).set(ZIGGURAT_NEXT_EDGE);
  const heights = zigguratLayerHeights();
  doubles(exports.zigguratHeightOffset(), heights.length).set(heights);
  return {
    cells: doubles(exports.cellsOffset(), BLOCK_SIZE * WASM_CELL_SLOTS),
    firstPassage: doubles(exports.firstPassageOffset(), BLOCK_SIZE),
    table: doubles(exports.tableOffset(), SEGMENT_STEPS * TABLE_COLUMNS),
    stream: new Int32Array(buffer, exports.streamOffset(), 4),
    runSegment: exports.runSegment,
  };
}

/** This thread's kernels. */
export function wasmLangevinKernels(): WasmLangevinKernels {
  kernels ??= instantiate();
  return kernels;
}
