import type { Potential } from '../physics/potentials.js';
import { STREAM_STATE_WORDS, Xoshiro128Stream, ZIGGURAT_NEXT_EDGE, ZIGGURAT_SCALE, zigguratSlowPath } from '../physics/rng.js';

/**
 * The Langevin hot loop, one function per potential kind.
 *
 * Why per kind: calling energy()/force() through the Potential interface costs
 * two or three indirect calls per particle-step, and the dispatch goes
 * megamorphic once several potential classes have been seen (the learning
 * layer and tests use all of them). Each specialised kernel reads the
 * potential's public parameter fields after setTime() and evaluates the same
 * expressions as src/physics/potentials.ts, in the same operation order, so it
 * gives bit-identical results to the generic kernel
 * (test/engines/parallel.test.ts checks this for every kind). `sum` potentials,
 * or any potential whose fields are not there, take the generic kernel.
 *
 * Loop order: blocks outside, steps inside, over segments of SEGMENT_STEPS
 * steps whose protocol parameters are tabulated once per step (by the calling
 * thread: worker threads need no schedules). A block's cells (256 x 6
 * doubles = 12 kB) stay in L1 cache over the whole segment, and a block is
 * self-contained (its own random stream), so the order of blocks, and the
 * thread that runs them, do not change any number.
 *
 * The xoshiro128** step and the ziggurat fast path of src/physics/rng.ts are
 * inlined with the generator state held in locals (a method call that
 * updates object fields measured ~20% slower); the rare slow path (~1.5% of
 * draws) hands the state to zigguratSlowPath and takes it back. Its mere
 * presence costs ~1.5-2 ns per particle-step (V8 keeps fewer values in
 * registers around it: the loop without it measured 8.4 ns against 10.1 ns);
 * a call-free inline slow path, a separate normal-filling pass and a separate
 * physics function were each measured and none was faster.
 *
 * The double well (the bench case) has one loop per integrator, chosen once
 * per call: LM 10.9 -> 10.2 ns, EM 10.1 -> 9.9 ns per particle-step. Measured
 * and not kept: a Float64Array scratch (+2.5 ns), a stride-5 scratch for EM
 * (no change), LM's pending normals in their own plain array (+1 ns), a loop
 * variant without the first-passage test (<= 0.2 ns), and leaving the loop on
 * a slow-path draw to finish that cell outside it (LM +0.9 ns).
 */

/** Replicas per random stream; a block is the unit of work split across threads. */
export const BLOCK_SIZE = 256;
/**
 * Steps per segment: the protocol is tabulated for a segment, then every
 * block runs the whole segment with its cells in a scratch copy.
 */
export const SEGMENT_STEPS = 512;
/** Table columns per step: up to three protocol parameters, then t_{n+1}. */
export const TABLE_COLUMNS = 4;

/** The per-cell state the kernel advances (all length `replicas`, pendingNormal empty for Euler-Maruyama). */
export interface KernelState {
  readonly replicas: number;
  readonly position: Float64Array;
  readonly energy: Float64Array;
  readonly work: Float64Array;
  readonly heat: Float64Array;
  readonly extraTilt: Float64Array;
  readonly pendingNormal: Float64Array;
  readonly firstPassageTime: Float64Array;
  /** xoshiro128** state, STREAM_STATE_WORDS words per block. */
  readonly streamState: Int32Array;
}

export type KernelKind = 'double-well' | 'washboard' | 'harmonic' | 'generic';

/** Everything a kernel needs besides the state and the protocol table (plain data: it is sent to worker threads). */
export interface KernelSettings {
  kind: KernelKind;
  leimkuhlerMatthews: boolean;
  friction: number;
  /** Infinity when first passage is not tracked. */
  firstPassageLevel: number;
  /** Washboard only: wall stiffness and number of levels. */
  wallStiffness: number;
  levels: number;
}

interface DoubleWellFields {
  barrierHeight: number;
  wellPosition: number;
  tilt: number;
}
interface WashboardFields {
  barrierHeight: number;
  spacing: number;
  tilt: number;
  wallStiffness: number;
  stateCount: number;
}
interface HarmonicFields {
  stiffness: number;
  centre: number;
  tilt: number;
}

function hasNumberFields(potential: Potential, names: string[]): boolean {
  const record = potential as unknown as Record<string, unknown>;
  return names.every((name) => typeof record[name] === 'number');
}

/** The specialised kernel a potential can use, or 'generic'. */
export function kernelKind(potential: Potential): KernelKind {
  switch (potential.kind) {
    case 'double-well':
      return hasNumberFields(potential, ['barrierHeight', 'wellPosition', 'tilt']) ? 'double-well' : 'generic';
    case 'washboard':
      return hasNumberFields(potential, ['barrierHeight', 'spacing', 'tilt', 'wallStiffness', 'stateCount']) ? 'washboard' : 'generic';
    case 'harmonic':
      return hasNumberFields(potential, ['stiffness', 'centre', 'tilt']) ? 'harmonic' : 'generic';
    default:
      return 'generic';
  }
}

export function kernelSettings(potential: Potential, leimkuhlerMatthews: boolean, friction: number, firstPassageLevel: number, kind = kernelKind(potential)): KernelSettings {
  const washboard = kind === 'washboard' ? (potential as unknown as WashboardFields) : undefined;
  return {
    kind,
    leimkuhlerMatthews,
    friction,
    firstPassageLevel,
    wallStiffness: washboard?.wallStiffness ?? 0,
    levels: washboard?.stateCount ?? 0,
  };
}

/** Room for one segment's protocol table. */
export function protocolTableLength(): number {
  return SEGMENT_STEPS * TABLE_COLUMNS;
}

/**
 * Evaluate the schedules once per step for steps firstStep .. firstStep +
 * count - 1 of an advance that starts at startTime: row k holds the kind's
 * parameters after setTime(t_{n+1}) and t_{n+1} = startTime + (n + 1) dt.
 */
export function tabulateProtocol(potential: Potential, kind: KernelKind, table: Float64Array, firstStep: number, count: number, dt: number, startTime: number): void {
  for (let k = 0; k < count; k++) {
    // Time from the step count, not by summing dt: no drift of round-off.
    const tNext = startTime + (firstStep + k + 1) * dt;
    potential.setTime(tNext);
    const row = k * TABLE_COLUMNS;
    switch (kind) {
      case 'double-well': {
        const p = potential as unknown as DoubleWellFields;
        table[row] = p.barrierHeight;
        table[row + 1] = p.wellPosition;
        table[row + 2] = p.tilt;
        break;
      }
      case 'washboard': {
        const p = potential as unknown as WashboardFields;
        table[row] = p.barrierHeight;
        table[row + 1] = p.spacing;
        table[row + 2] = p.tilt;
        break;
      }
      case 'harmonic': {
        const p = potential as unknown as HarmonicFields;
        table[row] = p.stiffness;
        table[row + 1] = p.centre;
        table[row + 2] = p.tilt;
        break;
      }
      case 'generic':
        break;
    }
    table[row + 3] = tNext;
  }
}

function noiseAmplitude(settings: KernelSettings, dt: number): number {
  // EM: sqrt(2 kT dt / gamma) xi; LM: sqrt(kT dt / (2 gamma)) (xi_n + xi_{n+1}).
  return settings.leimkuhlerMatthews ? Math.sqrt(dt / (2 * settings.friction)) : Math.sqrt((2 * dt) / settings.friction);
}

/** Runs blocks of an ensemble through a tabulated segment; one instance per thread (it owns its scratch). */
export class LangevinKernel {
  private readonly scratch: KernelScratch = { cells: cellScratch(), stream: new Xoshiro128Stream(), constants: new Float64Array(4) };

  constructor(
    private readonly state: KernelState,
    private readonly settings: KernelSettings,
  ) {
    if (settings.kind === 'generic') throw new Error('LangevinKernel: generic potentials go through advanceGeneric');
  }

  /** Advance blocks [firstBlock, endBlock) by the `steps` steps of dt tabulated in `table`. */
  runBlocks(firstBlock: number, endBlock: number, table: Float64Array, steps: number, dt: number): void {
    const { state, scratch, settings } = this;
    const constants = scratch.constants;
    constants[0] = dt / settings.friction;
    constants[1] = noiseAmplitude(settings, dt);
    constants[2] = settings.firstPassageLevel;
    constants[3] = settings.leimkuhlerMatthews ? 1 : 0;
    switch (settings.kind) {
      case 'double-well':
        doubleWellSegment(table, steps, firstBlock, endBlock, state, scratch);
        break;
      case 'washboard':
        washboardSegment(table, steps, firstBlock, endBlock, state, scratch, settings.wallStiffness, settings.levels);
        break;
      case 'harmonic':
        harmonicSegment(table, steps, firstBlock, endBlock, state, scratch);
        break;
    }
  }
}

/**
 * Any potential, through the Potential interface (steps outside: setTime once
 * per step). The reference the specialised kernels must match bit for bit.
 */
export function advanceGeneric(
  potential: Potential,
  state: KernelState,
  settings: KernelSettings,
  firstBlock: number,
  endBlock: number,
  steps: number,
  dt: number,
  startTime: number,
  rng: Xoshiro128Stream,
): void {
  const { replicas: n, position: x, energy: u, work, heat, extraTilt, pendingNormal, firstPassageTime, streamState } = state;
  const { leimkuhlerMatthews: leimkuhler, firstPassageLevel: level, friction } = settings;
  const drift = dt / friction;
  const noise = noiseAmplitude(settings, dt);
  for (let step = 0; step < steps; step++) {
    const tNext = startTime + (step + 1) * dt;
    potential.setTime(tNext);
    for (let block = firstBlock; block < endBlock; block++) {
      const start = block * BLOCK_SIZE;
      const end = Math.min(start + BLOCK_SIZE, n);
      rng.loadState(streamState, block * STREAM_STATE_WORDS);
      for (let i = start; i < end; i++) {
        const xi = x[i];
        const tilt = extraTilt[i];
        const uShifted = potential.energy(xi, tilt);
        work[i] += uShifted - u[i];
        let kick: number;
        if (leimkuhler) {
          const next = rng.normal();
          kick = noise * (pendingNormal[i] + next);
          pendingNormal[i] = next;
        } else {
          kick = noise * rng.normal();
        }
        const xNext = xi + drift * potential.force(xi, tilt) + kick;
        const uNext = potential.energy(xNext, tilt);
        heat[i] += uShifted - uNext;
        x[i] = xNext;
        u[i] = uNext;
        if (xNext >= level && firstPassageTime[i] === Infinity) firstPassageTime[i] = tNext;
      }
      rng.saveState(streamState, block * STREAM_STATE_WORDS);
    }
  }
}

/*
 * The three kernels below share one skeleton: per cell and step,
 *   uShifted = U(x_n, lambda_{n+1});  W += uShifted - U_n        (protocol moves)
 *   x_{n+1} = x_n + (dt/gamma) F(x_n) + kick
 *   U_{n+1} = U(x_{n+1}, lambda_{n+1});  Q += uShifted - U_{n+1}  (particle moves)
 * with the normal drawn inline. Keep the energy and force expressions in the
 * operation order of potentials.ts (bit-identity with the generic kernel).
 *
 * A block's cells are copied into `cells`, a plain array of doubles with
 * CELL_STRIDE slots per cell [x, U, W, Q, extraTilt, pendingNormal], for the
 * segment and back after it: V8 checks a typed array's buffer on every access
 * once any ArrayBuffer in the process has been detached (tsx and vitest do),
 * and one interleaved plain array is ~25% faster than the seven typed arrays
 * (measured on a stand-alone copy of the loop: 10.9 -> 8.0 ns per
 * particle-step). The copies cost
 * 2 x 6 doubles per cell per segment.
 */
const CELL_STRIDE = 6;

/** Plain packed-double arrays: the per-thread copy of one block's cells. */
export function cellScratch(): number[] {
  const out: number[] = [];
  for (let i = 0; i < BLOCK_SIZE * CELL_STRIDE; i++) out.push(0.5);
  return out;
}

function loadCells(state: KernelState, start: number, end: number, cells: number[], leimkuhler: boolean): void {
  const { position, energy, work, heat, extraTilt, pendingNormal } = state;
  for (let i = start, c = 0; i < end; i++, c += 6) {
    cells[c] = position[i];
    cells[c + 1] = energy[i];
    cells[c + 2] = work[i];
    cells[c + 3] = heat[i];
    cells[c + 4] = extraTilt[i];
    if (leimkuhler) cells[c + 5] = pendingNormal[i];
  }
}

function storeCells(state: KernelState, start: number, end: number, cells: number[], leimkuhler: boolean): void {
  const { position, energy, work, heat, pendingNormal } = state;
  for (let i = start, c = 0; i < end; i++, c += 6) {
    position[i] = cells[c];
    energy[i] = cells[c + 1];
    work[i] = cells[c + 2];
    heat[i] = cells[c + 3];
    if (leimkuhler) pendingNormal[i] = cells[c + 5];
  }
}

/** Per-thread working storage of a kernel. */
interface KernelScratch {
  readonly cells: number[];
  readonly stream: Xoshiro128Stream;
  /** [dt/gamma, noise amplitude, first-passage level, 1 if Leimkuhler-Matthews]: read as raw doubles (no tag checks in the loop). */
  readonly constants: Float64Array;
}

/** U = E_b ((x/x_m)^2 - 1)^2 - (F + f_i) x,  -U' = -4 E_b s (s^2 - 1) / x_m + F + f_i,  s = x / x_m. */
function doubleWellSegment(table: Float64Array, steps: number, firstBlock: number, endBlock: number, state: KernelState, scratch: KernelScratch): void {
  // One copy of the loop per integrator, identical but for the kick: neither
  // carries the other's branch (LM measured 10.9 -> 10.2 ns per particle-step).
  if (scratch.constants[3] !== 0) doubleWellSegmentLM(table, steps, firstBlock, endBlock, state, scratch);
  else doubleWellSegmentEM(table, steps, firstBlock, endBlock, state, scratch);
}

/** Euler-Maruyama: kick = sqrt(2 kT dt / gamma) xi_n. */
function doubleWellSegmentEM(table: Float64Array, steps: number, firstBlock: number, endBlock: number, state: KernelState, scratch: KernelScratch): void {
  const { replicas: n, firstPassageTime, streamState } = state;
  const { cells, stream, constants } = scratch;
  const scale = ZIGGURAT_SCALE;
  const nextEdge = ZIGGURAT_NEXT_EDGE;
  const drift = constants[0];
  const noise = constants[1];
  const level = constants[2];
  for (let block = firstBlock; block < endBlock; block++) {
    const start = block * BLOCK_SIZE;
    const end = Math.min(start + BLOCK_SIZE, n);
    const limit = (end - start) * 6;
    loadCells(state, start, end, cells, false);
    const w = block * STREAM_STATE_WORDS;
    let s0 = streamState[w];
    let s1 = streamState[w + 1];
    let s2 = streamState[w + 2];
    let s3 = streamState[w + 3];
    for (let k = 0; k < steps; k++) {
      const row = k * TABLE_COLUMNS;
      const barrier = table[row];
      const xm = table[row + 1];
      const tilt = table[row + 2];
      const tNext = table[row + 3];
      const minusFourBarrier = -4 * barrier;
      for (let c = 0, i = start; c < limit; c += 6, i++) {
        const xi = cells[c];
        const cellTilt = cells[c + 4];
        const totalTilt = tilt + cellTilt;
        let s = xi / xm;
        let q = s * s - 1;
        const uShifted = barrier * q * q - totalTilt * xi;
        cells[c + 2] += uShifted - cells[c + 1];
        const force = (minusFourBarrier * s * q) / xm + tilt + cellTilt;
        // xoshiro128** step and ziggurat fast path (rng.ts: nextInt32, normal).
        const m = Math.imul(s1, 5);
        const r = Math.imul((m << 7) | (m >>> 25), 9);
        const t9 = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t9;
        s3 = (s3 << 11) | (s3 >>> 21);
        const layer = r & 255;
        let z = (r >> 8) * scale[layer];
        if (!(Math.abs(z) < nextEdge[layer])) {
          const saved = stream.state;
          saved[0] = s0;
          saved[1] = s1;
          saved[2] = s2;
          saved[3] = s3;
          zigguratSlowPath(stream, layer, r >> 8);
          z = stream.result[0];
          s0 = saved[0];
          s1 = saved[1];
          s2 = saved[2];
          s3 = saved[3];
        }
        const kick = noise * z;
        const xNext = xi + drift * force + kick;
        s = xNext / xm;
        q = s * s - 1;
        const uNext = barrier * q * q - totalTilt * xNext;
        cells[c + 3] += uShifted - uNext;
        cells[c] = xNext;
        cells[c + 1] = uNext;
        if (xNext >= level && firstPassageTime[i] === Infinity) firstPassageTime[i] = tNext;
      }
    }
    streamState[w] = s0;
    streamState[w + 1] = s1;
    streamState[w + 2] = s2;
    streamState[w + 3] = s3;
    storeCells(state, start, end, cells, false);
  }
}

/** Leimkuhler-Matthews: kick = sqrt(kT dt / (2 gamma)) (xi_n + xi_{n+1}), xi_{n+1} kept in slot 5. */
function doubleWellSegmentLM(table: Float64Array, steps: number, firstBlock: number, endBlock: number, state: KernelState, scratch: KernelScratch): void {
  const { replicas: n, firstPassageTime, streamState } = state;
  const { cells, stream, constants } = scratch;
  const scale = ZIGGURAT_SCALE;
  const nextEdge = ZIGGURAT_NEXT_EDGE;
  const drift = constants[0];
  const noise = constants[1];
  const level = constants[2];
  for (let block = firstBlock; block < endBlock; block++) {
    const start = block * BLOCK_SIZE;
    const end = Math.min(start + BLOCK_SIZE, n);
    const limit = (end - start) * 6;
    loadCells(state, start, end, cells, true);
    const w = block * STREAM_STATE_WORDS;
    let s0 = streamState[w];
    let s1 = streamState[w + 1];
    let s2 = streamState[w + 2];
    let s3 = streamState[w + 3];
    for (let k = 0; k < steps; k++) {
      const row = k * TABLE_COLUMNS;
      const barrier = table[row];
      const xm = table[row + 1];
      const tilt = table[row + 2];
      const tNext = table[row + 3];
      const minusFourBarrier = -4 * barrier;
      for (let c = 0, i = start; c < limit; c += 6, i++) {
        const xi = cells[c];
        const cellTilt = cells[c + 4];
        const totalTilt = tilt + cellTilt;
        let s = xi / xm;
        let q = s * s - 1;
        const uShifted = barrier * q * q - totalTilt * xi;
        cells[c + 2] += uShifted - cells[c + 1];
        const force = (minusFourBarrier * s * q) / xm + tilt + cellTilt;
        // xoshiro128** step and ziggurat fast path (rng.ts: nextInt32, normal).
        const m = Math.imul(s1, 5);
        const r = Math.imul((m << 7) | (m >>> 25), 9);
        const t9 = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t9;
        s3 = (s3 << 11) | (s3 >>> 21);
        const layer = r & 255;
        let z = (r >> 8) * scale[layer];
        if (!(Math.abs(z) < nextEdge[layer])) {
          const saved = stream.state;
          saved[0] = s0;
          saved[1] = s1;
          saved[2] = s2;
          saved[3] = s3;
          zigguratSlowPath(stream, layer, r >> 8);
          z = stream.result[0];
          s0 = saved[0];
          s1 = saved[1];
          s2 = saved[2];
          s3 = saved[3];
        }
        const kick = noise * (cells[c + 5] + z);
        cells[c + 5] = z;
        const xNext = xi + drift * force + kick;
        s = xNext / xm;
        q = s * s - 1;
        const uNext = barrier * q * q - totalTilt * xNext;
        cells[c + 3] += uShifted - uNext;
        cells[c] = xNext;
        cells[c + 1] = uNext;
        if (xNext >= level && firstPassageTime[i] === Infinity) firstPassageTime[i] = tNext;
      }
    }
    streamState[w] = s0;
    streamState[w + 1] = s1;
    streamState[w + 2] = s2;
    streamState[w + 3] = s3;
    storeCells(state, start, end, cells, true);
  }
}

/**
 * U = (E_b/2)(1 - cos(2 pi x/a)) - (F + f_i) x + walls (k_w/2)(x - edge)^2 outside [-a/2, (L - 1/2) a],
 * -U' = -E_b pi sin(2 pi x/a) / a + F + f_i - k_w (x - edge).
 */
function washboardSegment(
  table: Float64Array,
  steps: number,
  firstBlock: number,
  endBlock: number,
  state: KernelState,
  scratch: KernelScratch,
  wallStiffness: number,
  levels: number,
): void {
  const { replicas: n, firstPassageTime, streamState } = state;
  const { cells, stream, constants } = scratch;
  const scale = ZIGGURAT_SCALE;
  const nextEdge = ZIGGURAT_NEXT_EDGE;
  const drift = constants[0];
  const noise = constants[1];
  const level = constants[2];
  const leimkuhler = constants[3] !== 0;
  const twoPi = 2 * Math.PI;
  const halfWall = 0.5 * wallStiffness;
  for (let block = firstBlock; block < endBlock; block++) {
    const start = block * BLOCK_SIZE;
    const end = Math.min(start + BLOCK_SIZE, n);
    const limit = (end - start) * 6;
    loadCells(state, start, end, cells, leimkuhler);
    const w = block * STREAM_STATE_WORDS;
    let s0 = streamState[w];
    let s1 = streamState[w + 1];
    let s2 = streamState[w + 2];
    let s3 = streamState[w + 3];
    for (let k = 0; k < steps; k++) {
      const row = k * TABLE_COLUMNS;
      const barrier = table[row];
      const a = table[row + 1];
      const tilt = table[row + 2];
      const tNext = table[row + 3];
      const halfBarrier = 0.5 * barrier;
      const minusBarrierPi = -barrier * Math.PI;
      const lo = -0.5 * a;
      const hi = (levels - 0.5) * a;
      for (let c = 0, i = start; c < limit; c += 6, i++) {
        const xi = cells[c];
        const cellTilt = cells[c + 4];
        const totalTilt = tilt + cellTilt;
        const phase = (twoPi * xi) / a;
        let uShifted = halfBarrier * (1 - Math.cos(phase)) - totalTilt * xi;
        let force = (minusBarrierPi * Math.sin(phase)) / a + tilt + cellTilt;
        if (xi < lo) {
          uShifted += halfWall * (xi - lo) * (xi - lo);
          force -= wallStiffness * (xi - lo);
        } else if (xi > hi) {
          uShifted += halfWall * (xi - hi) * (xi - hi);
          force -= wallStiffness * (xi - hi);
        }
        cells[c + 2] += uShifted - cells[c + 1];
        const m = Math.imul(s1, 5);
        const r = Math.imul((m << 7) | (m >>> 25), 9);
        const t9 = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t9;
        s3 = (s3 << 11) | (s3 >>> 21);
        const layer = r & 255;
        let z = (r >> 8) * scale[layer];
        if (!(Math.abs(z) < nextEdge[layer])) {
          const saved = stream.state;
          saved[0] = s0;
          saved[1] = s1;
          saved[2] = s2;
          saved[3] = s3;
          zigguratSlowPath(stream, layer, r >> 8);
          z = stream.result[0];
          s0 = saved[0];
          s1 = saved[1];
          s2 = saved[2];
          s3 = saved[3];
        }
        let kick: number;
        if (leimkuhler) {
          kick = noise * (cells[c + 5] + z);
          cells[c + 5] = z;
        } else {
          kick = noise * z;
        }
        const xNext = xi + drift * force + kick;
        let uNext = halfBarrier * (1 - Math.cos((twoPi * xNext) / a)) - totalTilt * xNext;
        if (xNext < lo) uNext += halfWall * (xNext - lo) * (xNext - lo);
        else if (xNext > hi) uNext += halfWall * (xNext - hi) * (xNext - hi);
        cells[c + 3] += uShifted - uNext;
        cells[c] = xNext;
        cells[c + 1] = uNext;
        if (xNext >= level && firstPassageTime[i] === Infinity) firstPassageTime[i] = tNext;
      }
    }
    streamState[w] = s0;
    streamState[w + 1] = s1;
    streamState[w + 2] = s2;
    streamState[w + 3] = s3;
    storeCells(state, start, end, cells, leimkuhler);
  }
}

/** U = (k/2)(x - c)^2 - (F + f_i) x,  -U' = -k (x - c) + F + f_i. */
function harmonicSegment(table: Float64Array, steps: number, firstBlock: number, endBlock: number, state: KernelState, scratch: KernelScratch): void {
  const { replicas: n, firstPassageTime, streamState } = state;
  const { cells, stream, constants } = scratch;
  const scale = ZIGGURAT_SCALE;
  const nextEdge = ZIGGURAT_NEXT_EDGE;
  const drift = constants[0];
  const noise = constants[1];
  const level = constants[2];
  const leimkuhler = constants[3] !== 0;
  for (let block = firstBlock; block < endBlock; block++) {
    const start = block * BLOCK_SIZE;
    const end = Math.min(start + BLOCK_SIZE, n);
    const limit = (end - start) * 6;
    loadCells(state, start, end, cells, leimkuhler);
    const w = block * STREAM_STATE_WORDS;
    let s0 = streamState[w];
    let s1 = streamState[w + 1];
    let s2 = streamState[w + 2];
    let s3 = streamState[w + 3];
    for (let k = 0; k < steps; k++) {
      const row = k * TABLE_COLUMNS;
      const stiffness = table[row];
      const centre = table[row + 1];
      const tilt = table[row + 2];
      const tNext = table[row + 3];
      const halfStiffness = 0.5 * stiffness;
      const minusStiffness = -stiffness;
      for (let c = 0, i = start; c < limit; c += 6, i++) {
        const xi = cells[c];
        const cellTilt = cells[c + 4];
        const totalTilt = tilt + cellTilt;
        let d = xi - centre;
        const uShifted = halfStiffness * d * d - totalTilt * xi;
        cells[c + 2] += uShifted - cells[c + 1];
        const force = minusStiffness * d + tilt + cellTilt;
        const m = Math.imul(s1, 5);
        const r = Math.imul((m << 7) | (m >>> 25), 9);
        const t9 = s1 << 9;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t9;
        s3 = (s3 << 11) | (s3 >>> 21);
        const layer = r & 255;
        let z = (r >> 8) * scale[layer];
        if (!(Math.abs(z) < nextEdge[layer])) {
          const saved = stream.state;
          saved[0] = s0;
          saved[1] = s1;
          saved[2] = s2;
          saved[3] = s3;
          zigguratSlowPath(stream, layer, r >> 8);
          z = stream.result[0];
          s0 = saved[0];
          s1 = saved[1];
          s2 = saved[2];
          s3 = saved[3];
        }
        let kick: number;
        if (leimkuhler) {
          kick = noise * (cells[c + 5] + z);
          cells[c + 5] = z;
        } else {
          kick = noise * z;
        }
        const xNext = xi + drift * force + kick;
        d = xNext - centre;
        const uNext = halfStiffness * d * d - totalTilt * xNext;
        cells[c + 3] += uShifted - uNext;
        cells[c] = xNext;
        cells[c + 1] = uNext;
        if (xNext >= level && firstPassageTime[i] === Infinity) firstPassageTime[i] = tNext;
      }
    }
    streamState[w] = s0;
    streamState[w + 1] = s1;
    streamState[w + 2] = s2;
    streamState[w + 3] = s3;
    storeCells(state, start, end, cells, leimkuhler);
  }
}
