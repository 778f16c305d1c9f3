import seedrandom from 'seedrandom';

/**
 * Seeded random streams. Every stream derives from the run seed, a purpose and
 * a block index (a block is a fixed group of replicas), so results do not
 * depend on how many workers ran the blocks (docs/architecture.md, Habits).
 *
 * Generator: xoshiro128** (Blackman & Vigna, ACM TOMS 47, 36 (2021)); 128
 * bits of state, period 2^128 - 1, passes BigCrush; all 32 output bits are of
 * full quality (the ** scrambler), so disjoint bit fields of one output may be
 * used independently. Its state is seeded from seedrandom's xor4096 hash of
 * `limsim:<seed>:<purpose>:<block>`, so distinct blocks and purposes get
 * unrelated streams.
 *
 * Normals: the ziggurat of Marsaglia & Tsang (J. Stat. Softw. 5(8), 2000)
 * with 256 layers, in the layout of Doornik (2005) and Rust's rand: one 32-bit
 * output gives the layer (bits 0-7) and a signed uniform on [-1, 1) (bits
 * 8-31, 24 bits, disjoint from the layer bits: no index/value correlation,
 * the flaw Doornik found in the original RNOR). 98.5% of draws are accepted
 * by one multiply and one compare; the rest go through the exact wedge and
 * tail tests. The 24-bit uniform puts the normals on a grid of spacing
 * <= 4.7e-7 (float32-like), far below anything the dynamics can resolve.
 *
 * Why own code rather than seedrandom alone (seedrandom still seeds every
 * stream): measured on this machine (2-core AMD EPYC VM, Node 20, CPU time,
 * best of 5), seedrandom xor4096 + Marsaglia polar costs 30 ns per normal
 * (a Math.log and a Math.sqrt per pair plus two closure calls per uniform),
 * most of the old Langevin kernel's 57-59 ns per particle-step; xoshiro128**
 * + ziggurat costs 9.6 ns per normal as a method call, and the WebAssembly
 * kernels that inline it (src/engines/wasm/langevin-kernels.as.ts) ~8-8.5 ns
 * per whole particle-step, against ~6.7 ns for the same algorithm in C
 * (bench/langevin.c). Their copy of the generator, the fast path and
 * zigguratSlowPath must stay in step with this file
 * (test/engines/parallel.test.ts compares them bit for bit).
 */
export interface RandomStream {
  /** Uniform on [0, 1), 53 bits. */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** Unit exponential, density e^-x on [0, inf). */
  exponential(): number;
}

/** Words of generator state per stream (xoshiro128**: four 32-bit words). */
export const STREAM_STATE_WORDS = 4;

/** Layers of the ziggurat. */
const LAYERS = 256;
/** Right edge of the base layer (tail start) and the common layer area, for f(x) = exp(-x^2/2) and 256 layers (Marsaglia & Tsang 2000). */
const ZIGGURAT_R = 3.6541528853610088;
const ZIGGURAT_AREA = 0.00492867323399;
/** 2^23: the signed 24-bit field (bits 8-31) divided by this lies in [-1, 1). */
const FIELD_SCALE = 8388608;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;

function gauss(x: number): number {
  return Math.exp(-0.5 * x * x);
}

/**
 * Ziggurat tables for a decreasing density f on [0, inf). Layer i
 * (0 <= i < 256) is the box [0, X[i]] x [F[i], F[i+1]] with X decreasing from
 * X[0] = A / f(R) (the base box, which also carries the tail) through X[1] = R
 * to X[256] = 0, and F[i] = f(X[i]); every box has area A. A point with
 * |x| < X[i+1] lies under the curve for sure.
 */
function zigguratLayers(f: (x: number) => number, inverse: (y: number) => number, tailStart: number, area: number): { edge: Float64Array; height: Float64Array } {
  const edge = new Float64Array(LAYERS + 1);
  const height = new Float64Array(LAYERS + 1);
  edge[0] = area / f(tailStart);
  edge[1] = tailStart;
  for (let i = 1; i < LAYERS; i++) {
    const y = f(edge[i]) + area / edge[i];
    edge[i + 1] = y >= 1 ? 0 : inverse(y);
  }
  edge[LAYERS] = 0;
  for (let i = 0; i <= LAYERS; i++) height[i] = f(edge[i]);
  return { edge, height };
}

const { edge: layerEdge, height: layerHeight } = zigguratLayers(gauss, (y) => Math.sqrt(-2 * Math.log(y)), ZIGGURAT_R, ZIGGURAT_AREA);

/**
 * Fast-path tables (plain arrays of doubles: in V8 they read without the
 * typed-array buffer checks, measured ~10% faster in the kernel): a draw with
 * signed field j in layer i gives z = j * ZIGGURAT_SCALE[i] (= j X[i] / 2^23),
 * accepted at once when |z| < ZIGGURAT_NEXT_EDGE[i] (= X[i+1]).
 */
function packedDoubles(values: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) out.push(values[i]);
  return out;
}
export const ZIGGURAT_SCALE: readonly number[] = packedDoubles(layerEdge.subarray(0, LAYERS).map((x) => x / FIELD_SCALE));
export const ZIGGURAT_NEXT_EDGE: readonly number[] = packedDoubles(layerEdge.subarray(1, LAYERS + 1));

/**
 * The exponential ziggurat (Marsaglia & Tsang 2000, f(x) = e^-x, 256 layers):
 * one 32-bit output gives the layer (bits 0-7) and an unsigned 24-bit uniform
 * (bits 8-31); x = field * EXPONENTIAL_SCALE[i] (= field X[i] / 2^24) is
 * accepted at once when x < EXPONENTIAL_NEXT_EDGE[i] (= X[i+1]), ~99% of
 * draws. The tail beyond R is R plus a fresh unit exponential
 * (memorylessness). Why not -ln(1 - u): Math.log measured ~25 ns of the
 * Monte-Carlo engine's ~90 ns per event; this fast path is a multiply and a
 * compare.
 */
const EXPONENTIAL_R = 7.69711747013104972;
const EXPONENTIAL_AREA = 3.949659822581572e-3;
const UNSIGNED_FIELD_SCALE = 16777216;
const { edge: exponentialEdge, height: exponentialHeight } = zigguratLayers((x) => Math.exp(-x), (y) => -Math.log(y), EXPONENTIAL_R, EXPONENTIAL_AREA);
export const EXPONENTIAL_SCALE: readonly number[] = packedDoubles(exponentialEdge.subarray(0, LAYERS).map((x) => x / UNSIGNED_FIELD_SCALE));
export const EXPONENTIAL_NEXT_EDGE: readonly number[] = packedDoubles(exponentialEdge.subarray(1, LAYERS + 1));
/** f(X[i]) for i = 0 .. 256: the wedge test's layer heights (a copy; the WebAssembly kernels load it). */
export function zigguratLayerHeights(): Float64Array {
  return layerHeight.slice();
}

/**
 * One xoshiro128** stream. The four state words live in an Int32Array, not
 * in object fields: V8 keeps only 31-bit integers unboxed in fields, so
 * storing full 32-bit words there allocates a heap number per store (measured:
 * ~64 scavenges per 6.5e7 kernel steps through the slow path alone).
 */
export class Xoshiro128Stream implements RandomStream {
  readonly state = new Int32Array(STREAM_STATE_WORDS);
  /** Scratch for the ziggurat slow path: raw outputs in, the finished normal out. */
  readonly words = new Int32Array(4);
  readonly result = new Float64Array(1);

  /** Seed from the hash of `text` (seedrandom xor4096); never all-zero. */
  static fromText(text: string): Xoshiro128Stream {
    const stream = new Xoshiro128Stream();
    const seeder = seedrandom.xor4096(text);
    const state = stream.state;
    for (let k = 0; k < STREAM_STATE_WORDS; k++) state[k] = seeder.int32();
    if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
    return stream;
  }

  /** Copy the state to `out[offset .. offset + 3]` (e.g. a shared state array). */
  saveState(out: Int32Array, offset: number): void {
    const state = this.state;
    out[offset] = state[0];
    out[offset + 1] = state[1];
    out[offset + 2] = state[2];
    out[offset + 3] = state[3];
  }

  loadState(source: Int32Array, offset: number): void {
    const state = this.state;
    state[0] = source[offset];
    state[1] = source[offset + 1];
    state[2] = source[offset + 2];
    state[3] = source[offset + 3];
  }

  /** Next output as a signed 32-bit integer (xoshiro128**: rotl(s1 * 5, 7) * 9). */
  nextInt32(): number {
    const state = this.state;
    const s0 = state[0];
    const s1 = state[1];
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const s2 = state[2] ^ s0;
    const s3 = state[3] ^ s1;
    state[1] = s1 ^ s2;
    state[0] = s0 ^ s3;
    state[2] = s2 ^ (s1 << 9);
    state[3] = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  uniform(): number {
    // 27 + 26 bits of two outputs: every multiple of 2^-53 in [0, 1) equally likely.
    const high = this.nextInt32() >>> 5;
    const low = this.nextInt32() >>> 6;
    return (high * 67108864 + low) * TWO_POW_MINUS_53;
  }

  normal(): number {
    const r = this.nextInt32();
    const layer = r & 255;
    const z = (r >> 8) * ZIGGURAT_SCALE[layer];
    if (Math.abs(z) < ZIGGURAT_NEXT_EDGE[layer]) return z;
    zigguratSlowPath(this, layer, r >> 8);
    return this.result[0];
  }

  exponential(): number {
    const r = this.nextInt32();
    const layer = r & 255;
    const x = (r >>> 8) * EXPONENTIAL_SCALE[layer];
    if (x < EXPONENTIAL_NEXT_EDGE[layer]) return x;
    exponentialSlowPath(this, layer, r >>> 8);
    return this.result[0];
  }
}

/** Run `count` xoshiro128** steps on `state`, writing the outputs to words[0 .. count - 1]. */
function fillWords(state: Int32Array, words: Int32Array, count: number): void {
  for (let k = 0; k < count; k++) {
    const s0 = state[0];
    const s1 = state[1];
    const m = Math.imul(s1, 5);
    words[k] = Math.imul((m << 7) | (m >>> 25), 9);
    const s2 = state[2] ^ s0;
    const s3 = state[3] ^ s1;
    state[1] = s1 ^ s2;
    state[0] = s0 ^ s3;
    state[2] = s2 ^ (s1 << 9);
    state[3] = (s3 << 11) | (s3 >>> 21);
  }
}

/**
 * Finish a normal draw that failed the fast test (its layer r & 255 and
 * signed field r >> 8): Marsaglia's tail method for the base layer, the exact
 * wedge test for the others, a fresh draw when rejected. Called for ~1.5% of
 * draws; the normal is left in stream.result[0].
 *
 * Small integers in, a typed array out, and no calls that pass or return
 * doubles or full 32-bit words: so a call from the kernel's hot loop
 * allocates nothing even when V8 does not inline it (a returned double would
 * be boxed: measured ~64 scavenges per 6.5e7 particle-steps).
 */
export function zigguratSlowPath(stream: Xoshiro128Stream, firstLayer: number, firstField: number): void {
  const { state, words, result } = stream;
  let layer = firstLayer;
  let field = firstField;
  for (;;) {
    const z = field * ZIGGURAT_SCALE[layer];
    if (Math.abs(z) < ZIGGURAT_NEXT_EDGE[layer]) {
      result[0] = z;
      return;
    }
    if (layer === 0) {
      // Tail beyond R (Marsaglia 1964): x = -ln(u1)/R, y = -ln(u2), accept if 2y > x^2 (u1, u2 53-bit, in (0, 1]).
      let tail: number;
      let y: number;
      do {
        fillWords(state, words, 4);
        tail = -Math.log(1 - ((words[0] >>> 5) * 67108864 + (words[1] >>> 6)) * TWO_POW_MINUS_53) / ZIGGURAT_R;
        y = -Math.log(1 - ((words[2] >>> 5) * 67108864 + (words[3] >>> 6)) * TWO_POW_MINUS_53);
      } while (y + y < tail * tail);
      result[0] = z < 0 ? -(ZIGGURAT_R + tail) : ZIGGURAT_R + tail;
      return;
    }
    // Wedge: a height uniform in [f(X[i]), f(X[i+1])], under the curve at z?
    fillWords(state, words, 2);
    const u = ((words[0] >>> 5) * 67108864 + (words[1] >>> 6)) * TWO_POW_MINUS_53;
    const height = layerHeight[layer] + u * (layerHeight[layer + 1] - layerHeight[layer]);
    if (height < gauss(z)) {
      result[0] = z;
      return;
    }
    fillWords(state, words, 1);
    layer = words[0] & 255;
    field = words[0] >> 8;
  }
}

/**
 * Finish an exponential draw that failed the fast test (its layer r & 255
 * and unsigned field r >>> 8): the base layer's tail adds R and draws again,
 * the other layers take the exact wedge test; the result is left in
 * stream.result[0] (no double crosses the call: see zigguratSlowPath).
 */
export function exponentialSlowPath(stream: Xoshiro128Stream, firstLayer: number, firstField: number): void {
  const { state, words, result } = stream;
  let layer = firstLayer;
  let field = firstField;
  let offset = 0;
  for (;;) {
    const x = field * EXPONENTIAL_SCALE[layer];
    if (x < EXPONENTIAL_NEXT_EDGE[layer]) {
      result[0] = offset + x;
      return;
    }
    if (layer === 0) {
      offset += EXPONENTIAL_R;
    } else {
      fillWords(state, words, 2);
      const u = ((words[0] >>> 5) * 67108864 + (words[1] >>> 6)) * TWO_POW_MINUS_53;
      const height = exponentialHeight[layer] + u * (exponentialHeight[layer + 1] - exponentialHeight[layer]);
      if (height < Math.exp(-x)) {
        result[0] = offset + x;
        return;
      }
    }
    fillWords(state, words, 1);
    layer = words[0] & 255;
    field = words[0] >>> 8;
  }
}

/** The stream for block `block` of a run seeded with `seed`. */
export function randomStream(seed: number, block: number, purpose = 'dynamics'): Xoshiro128Stream {
  return Xoshiro128Stream.fromText(`limsim:${seed}:${purpose}:${block}`);
}

/** Seed the state words of `blocks` consecutive streams into one array (4 words per block), e.g. a SharedArrayBuffer for workers. */
export function seedStreamStates(seed: number, blocks: number, purpose: string, out: Int32Array): void {
  for (let b = 0; b < blocks; b++) randomStream(seed, b, purpose).saveState(out, b * STREAM_STATE_WORDS);
}
