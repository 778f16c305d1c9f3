/**
 * The Langevin hot loops in AssemblyScript, compiled to WebAssembly by
 * scripts/build-wasm.ts into langevin-kernels.wasm.ts (run `npm run
 * build:wasm` after editing; test/engines/wasm-build.test.ts fails while the
 * committed binary is stale).
 *
 * Why WebAssembly: the same loop in TypeScript measured ~10 ns per
 * particle-step against ~6.7 ns in C (bench/langevin.c, gcc -O3
 * -march=native); V8 keeps fewer values in registers around the ziggurat's
 * rare slow path and checks element kinds and bounds on every array access.
 * Compiled here it measured ~8.5 ns. The numbers are bit-identical to the
 * TypeScript generic kernel (src/engines/kernels.ts: advanceGeneric): IEEE
 * double arithmetic in the same operation order, no fused multiply-add, and
 * exp/log/sin/cos imported from the host's Math (the very functions
 * potentials.ts and rng.ts call). test/engines/parallel.test.ts checks this
 * for every kind and both integrators.
 *
 * One block of at most 256 cells per call: the host copies the block's cells
 * into `cells` (CELL_SLOTS doubles per cell: x, U, W, Q, extra tilt, pending
 * normal), their first-passage times into `firstPassage`, the block's
 * xoshiro128** state into `stream` and the segment's protocol table (one row
 * of TABLE_COLUMNS doubles per step: three parameters, then t_{n+1}) into
 * `table`, calls runSegment, and copies them back.
 */

@external('env', 'exp') declare function hostExp(x: f64): f64;
@external('env', 'log') declare function hostLog(x: f64): f64;
@external('env', 'sin') declare function hostSin(x: f64): f64;
@external('env', 'cos') declare function hostCos(x: f64): f64;

const BLOCK_CELLS: i32 = 256;
const CELL_SLOTS: i32 = 6;
const MAX_STEPS: i32 = 512;
const TABLE_COLUMNS: i32 = 4;
const LAYERS: i32 = 256;

const DOUBLE_WELL: i32 = 0;
const WASHBOARD: i32 = 1;
const HARMONIC: i32 = 2;

/** Right edge of the ziggurat's base layer (rng.ts: ZIGGURAT_R). */
const ZIGGURAT_R: f64 = 3.6541528853610088;
const TWO_POW_MINUS_53: f64 = 1.0 / 9007199254740992.0;

const cells: usize = memory.data(BLOCK_CELLS * CELL_SLOTS * 8, 16);
const firstPassage: usize = memory.data(BLOCK_CELLS * 8, 16);
const table: usize = memory.data(MAX_STEPS * TABLE_COLUMNS * 8, 16);
const stream: usize = memory.data(16, 16);
/** Ziggurat tables from rng.ts (written once by the host): scale, next edge, heights. */
const zigguratScale: usize = memory.data(LAYERS * 8, 16);
const zigguratNextEdge: usize = memory.data(LAYERS * 8, 16);
const zigguratHeight: usize = memory.data((LAYERS + 1) * 8, 16);

export function cellsOffset(): usize {
  return cells;
}
export function firstPassageOffset(): usize {
  return firstPassage;
}
export function tableOffset(): usize {
  return table;
}
export function streamOffset(): usize {
  return stream;
}
export function zigguratScaleOffset(): usize {
  return zigguratScale;
}
export function zigguratNextEdgeOffset(): usize {
  return zigguratNextEdge;
}
export function zigguratHeightOffset(): usize {
  return zigguratHeight;
}

/** One xoshiro128** output from the state in `stream` (rng.ts: nextInt32). */
@inline function nextWord(): i32 {
  let s0 = load<i32>(stream);
  let s1 = load<i32>(stream, 4);
  let s2 = load<i32>(stream, 8);
  let s3 = load<i32>(stream, 12);
  const result = rotl<i32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<i32>(s3, 11);
  store<i32>(stream, s0);
  store<i32>(stream, s1, 4);
  store<i32>(stream, s2, 8);
  store<i32>(stream, s3, 12);
  return result;
}

/** Uniform on [0, 1) from 27 + 26 bits of two outputs (rng.ts: uniform). */
@inline function uniform53(): f64 {
  const high = <u32>nextWord() >>> 5;
  const low = <u32>nextWord() >>> 6;
  return (<f64>high * 67108864.0 + <f64>low) * TWO_POW_MINUS_53;
}

/** The ziggurat's wedge and tail tests for a draw that failed the fast test (rng.ts: zigguratSlowPath). */
function slowNormal(firstLayer: i32, firstField: i32): f64 {
  let layer = firstLayer;
  let field = firstField;
  while (true) {
    const z = <f64>field * load<f64>(zigguratScale + (<usize>layer << 3));
    if (abs<f64>(z) < load<f64>(zigguratNextEdge + (<usize>layer << 3))) return z;
    if (layer == 0) {
      let tail: f64;
      let y: f64;
      do {
        tail = -hostLog(1 - uniform53()) / ZIGGURAT_R;
        y = -hostLog(1 - uniform53());
      } while (y + y < tail * tail);
      return z < 0 ? -(ZIGGURAT_R + tail) : ZIGGURAT_R + tail;
    }
    const u = uniform53();
    const below = load<f64>(zigguratHeight + (<usize>layer << 3));
    const above = load<f64>(zigguratHeight + (<usize>(layer + 1) << 3));
    const height = below + u * (above - below);
    if (height < hostExp(-0.5 * z * z)) return z;
    const word = nextWord();
    layer = word & 255;
    field = word >> 8;
  }
}

/**
 * Advance `count` cells by `steps` steps. kind: 0 double well, 1 washboard,
 * 2 harmonic; leimkuhler: 1 for Leimkuhler-Matthews, 0 for Euler-Maruyama;
 * drift = dt/gamma; noise = the kick amplitude; level = the first-passage
 * level (Infinity when not tracked); wallStiffness and levels: washboard only.
 */
export function runSegment(kind: i32, leimkuhler: i32, count: i32, steps: i32, drift: f64, noise: f64, level: f64, wallStiffness: f64, levels: f64): void {
  // Each call below is inlined with constant kind and integrator, so every
  // combination is its own loop with no per-cell branch on either.
  if (kind == DOUBLE_WELL) {
    if (leimkuhler) segment(DOUBLE_WELL, true, count, steps, drift, noise, level, wallStiffness, levels);
    else segment(DOUBLE_WELL, false, count, steps, drift, noise, level, wallStiffness, levels);
  } else if (kind == WASHBOARD) {
    if (leimkuhler) segment(WASHBOARD, true, count, steps, drift, noise, level, wallStiffness, levels);
    else segment(WASHBOARD, false, count, steps, drift, noise, level, wallStiffness, levels);
  } else if (kind == HARMONIC) {
    if (leimkuhler) segment(HARMONIC, true, count, steps, drift, noise, level, wallStiffness, levels);
    else segment(HARMONIC, false, count, steps, drift, noise, level, wallStiffness, levels);
  } else {
    unreachable();
  }
}

/**
 * Per cell and step (Sekimoto's ledger, as advanceGeneric):
 *   uShifted = U(x_n, lambda_{n+1});  W += uShifted - U_n
 *   x_{n+1} = x_n + (dt/gamma) F(x_n) + kick
 *   U_{n+1} = U(x_{n+1}, lambda_{n+1});  Q += uShifted - U_{n+1}
 * The energy and force expressions keep the operation order of
 * src/physics/potentials.ts (bit-identity):
 *   double well  U = E_b ((x/x_m)^2 - 1)^2 - (F + f_i) x,  -U' = -4 E_b s (s^2 - 1)/x_m + F + f_i
 *   washboard    U = (E_b/2)(1 - cos(2 pi x/a)) - (F + f_i) x + (k_w/2)(x - edge)^2 outside [-a/2, (L - 1/2) a]
 *   harmonic     U = (k/2)(x - c)^2 - (F + f_i) x
 * with table columns (E_b, x_m, F), (E_b, a, F), (k, c, F).
 */
@inline function segment(kind: i32, leimkuhler: bool, count: i32, steps: i32, drift: f64, noise: f64, level: f64, wallStiffness: f64, levels: f64): void {
  let s0 = load<i32>(stream);
  let s1 = load<i32>(stream, 4);
  let s2 = load<i32>(stream, 8);
  let s3 = load<i32>(stream, 12);
  const end = cells + <usize>count * (CELL_SLOTS * 8);
  const twoPi = 2 * Math.PI;
  const halfWall = 0.5 * wallStiffness;
  for (let k: i32 = 0; k < steps; k++) {
    const row = table + <usize>k * (TABLE_COLUMNS * 8);
    const p0 = load<f64>(row);
    const p1 = load<f64>(row, 8);
    const tilt = load<f64>(row, 16);
    const tNext = load<f64>(row, 24);
    // Per-step constants: -4 E_b (double well), E_b/2 and -E_b pi (washboard), k/2 and -k (harmonic).
    const c0 = kind == DOUBLE_WELL ? -4 * p0 : 0.5 * p0;
    const c1 = kind == WASHBOARD ? -p0 * Math.PI : -p0;
    const lo = -0.5 * p1;
    const hi = (levels - 0.5) * p1;
    for (let p = cells, f = firstPassage; p < end; p += CELL_SLOTS * 8, f += 8) {
      const xi = load<f64>(p);
      const cellTilt = load<f64>(p, 32);
      const totalTilt = tilt + cellTilt;
      let uShifted: f64;
      let force: f64;
      if (kind == DOUBLE_WELL) {
        const s = xi / p1;
        const q = s * s - 1;
        uShifted = p0 * q * q - totalTilt * xi;
        force = (c0 * s * q) / p1 + tilt + cellTilt;
      } else if (kind == WASHBOARD) {
        const phase = (twoPi * xi) / p1;
        uShifted = c0 * (1 - hostCos(phase)) - totalTilt * xi;
        force = (c1 * hostSin(phase)) / p1 + tilt + cellTilt;
        if (xi < lo) {
          uShifted += halfWall * (xi - lo) * (xi - lo);
          force -= wallStiffness * (xi - lo);
        } else if (xi > hi) {
          uShifted += halfWall * (xi - hi) * (xi - hi);
          force -= wallStiffness * (xi - hi);
        }
      } else {
        const d = xi - p1;
        uShifted = c0 * d * d - totalTilt * xi;
        force = c1 * d + tilt + cellTilt;
      }
      store<f64>(p, load<f64>(p, 16) + (uShifted - load<f64>(p, 8)), 16);
      // xoshiro128** step and ziggurat fast path (rng.ts: nextInt32, normal).
      const r = rotl<i32>(s1 * 5, 7) * 9;
      const t9 = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t9;
      s3 = rotl<i32>(s3, 11);
      const layer = <usize>(r & 255) << 3;
      let z = <f64>(r >> 8) * load<f64>(zigguratScale + layer);
      if (!(abs<f64>(z) < load<f64>(zigguratNextEdge + layer))) {
        store<i32>(stream, s0);
        store<i32>(stream, s1, 4);
        store<i32>(stream, s2, 8);
        store<i32>(stream, s3, 12);
        z = slowNormal(r & 255, r >> 8);
        s0 = load<i32>(stream);
        s1 = load<i32>(stream, 4);
        s2 = load<i32>(stream, 8);
        s3 = load<i32>(stream, 12);
      }
      let kick: f64;
      if (leimkuhler) {
        kick = noise * (load<f64>(p, 40) + z);
        store<f64>(p, z, 40);
      } else {
        kick = noise * z;
      }
      const xNext = xi + drift * force + kick;
      let uNext: f64;
      if (kind == DOUBLE_WELL) {
        const s = xNext / p1;
        const q = s * s - 1;
        uNext = p0 * q * q - totalTilt * xNext;
      } else if (kind == WASHBOARD) {
        uNext = c0 * (1 - hostCos((twoPi * xNext) / p1)) - totalTilt * xNext;
        if (xNext < lo) uNext += halfWall * (xNext - lo) * (xNext - lo);
        else if (xNext > hi) uNext += halfWall * (xNext - hi) * (xNext - hi);
      } else {
        const d = xNext - p1;
        uNext = c0 * d * d - totalTilt * xNext;
      }
      store<f64>(p, load<f64>(p, 24) + (uShifted - uNext), 24);
      store<f64>(p, xNext);
      store<f64>(p, uNext, 8);
      if (xNext >= level && load<f64>(f) == Infinity) store<f64>(f, tNext);
    }
  }
  store<i32>(stream, s0);
  store<i32>(stream, s1, 4);
  store<i32>(stream, s2, 8);
  store<i32>(stream, s3, 12);
}
