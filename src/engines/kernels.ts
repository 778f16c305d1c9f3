import type { Potential } from '../physics/potentials.js';
import { STREAM_STATE_WORDS, Xoshiro128Stream } from '../physics/rng.js';
import { WASM_CELL_SLOTS, WASM_KERNEL_KIND, wasmLangevinKernels, type WasmLangevinKernels } from './wasm-kernels.js';

/**
 * The Langevin hot loop: one specialised kernel per potential kind, and the
 * generic kernel that is their reference.
 *
 * Why per kind: calling energy()/force() through the Potential interface costs
 * two or three indirect calls per particle-step, and the dispatch goes
 * megamorphic once several potential classes have been seen (the learning
 * layer and tests use all of them). The specialised kernels (double well,
 * washboard, harmonic) take the potential's public parameter fields after
 * setTime(), tabulated once per step, and evaluate the same expressions as
 * src/physics/potentials.ts in the same operation order, so they give
 * bit-identical results to the generic kernel (test/engines/parallel.test.ts
 * checks every kind and integrator). `sum` potentials, or any potential whose
 * fields are not there, take the generic kernel.
 *
 * The specialised kernels run in WebAssembly compiled from AssemblyScript
 * (src/engines/wasm/langevin-kernels.as.ts). Measured need: the same loop in
 * TypeScript, tuned (generator state in locals, an interleaved plain-array
 * scratch, one loop per integrator; see git history) took ~10 ns per
 * particle-step against ~6.7 ns for C (bench/langevin.c), above the 1.5x
 * target; compiled to WebAssembly it takes ~8.5 ns.
 *
 * Loop order: blocks outside, steps inside, over segments of SEGMENT_STEPS
 * steps whose protocol parameters are tabulated once per step (by the calling
 * thread: worker threads need no schedules). A block's cells (256 x 6
 * doubles = 12 kB) stay in L1 cache over the whole segment, and a block is
 * self-contained (its own random stream), so the order of blocks, and the
 * thread that runs them, do not change any number.
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

/**
 * Runs blocks of an ensemble through a tabulated segment on this thread's
 * WebAssembly kernels (src/engines/wasm/langevin-kernels.as.ts): each block's
 * cells, first-passage times and stream state are copied into the kernel's
 * memory for the segment and back after it (2 x 7 doubles per cell per
 * segment of up to SEGMENT_STEPS steps).
 */
export class LangevinKernel {
  private readonly wasm: WasmLangevinKernels = wasmLangevinKernels();
  private readonly kindCode: number;

  constructor(
    private readonly state: KernelState,
    private readonly settings: KernelSettings,
  ) {
    if (settings.kind === 'generic') throw new Error('LangevinKernel: generic potentials go through advanceGeneric');
    this.kindCode = WASM_KERNEL_KIND[settings.kind];
  }

  /** Advance blocks [firstBlock, endBlock) by the `steps` steps of dt tabulated in `table`. */
  runBlocks(firstBlock: number, endBlock: number, table: Float64Array, steps: number, dt: number): void {
    const { state, settings, wasm } = this;
    const { position, energy, work, heat, extraTilt, pendingNormal, firstPassageTime, streamState } = state;
    const { cells, firstPassage, stream } = wasm;
    if (!(steps >= 0 && steps <= SEGMENT_STEPS)) throw new Error(`LangevinKernel: ${steps} steps in one call; at most SEGMENT_STEPS = ${SEGMENT_STEPS}`);
    const leimkuhler = settings.leimkuhlerMatthews;
    const drift = dt / settings.friction;
    const noise = noiseAmplitude(settings, dt);
    for (let k = 0, rows = steps * TABLE_COLUMNS; k < rows; k++) wasm.table[k] = table[k];
    for (let block = firstBlock; block < endBlock; block++) {
      const start = block * BLOCK_SIZE;
      const end = Math.min(start + BLOCK_SIZE, state.replicas);
      for (let i = start, c = 0; i < end; i++, c += WASM_CELL_SLOTS) {
        cells[c] = position[i];
        cells[c + 1] = energy[i];
        cells[c + 2] = work[i];
        cells[c + 3] = heat[i];
        cells[c + 4] = extraTilt[i];
        if (leimkuhler) cells[c + 5] = pendingNormal[i];
        firstPassage[i - start] = firstPassageTime[i];
      }
      const w = block * STREAM_STATE_WORDS;
      for (let k = 0; k < STREAM_STATE_WORDS; k++) stream[k] = streamState[w + k];
      wasm.runSegment(this.kindCode, leimkuhler ? 1 : 0, end - start, steps, drift, noise, settings.firstPassageLevel, settings.wallStiffness, settings.levels);
      for (let k = 0; k < STREAM_STATE_WORDS; k++) streamState[w + k] = stream[k];
      for (let i = start, c = 0; i < end; i++, c += WASM_CELL_SLOTS) {
        position[i] = cells[c];
        energy[i] = cells[c + 1];
        work[i] = cells[c + 2];
        heat[i] = cells[c + 3];
        if (leimkuhler) pendingNormal[i] = cells[c + 5];
        firstPassageTime[i] = firstPassage[i - start];
      }
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
