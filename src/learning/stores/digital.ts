import type { BitWriteCalibration } from '../../memory/bit-write.js';
import { randomStream, type RandomStream } from '../../physics/rng.js';
import { conventionalOverwriteBound } from '../lim-bound.js';
import { BitWordArray, meanOf, roundLevel } from './bit-words.js';
import { levelValue, nearestLevel, type HeatSplit, type LevelMap, type ParameterStore, type StoreBounds, type StoreRun } from './types.js';

/** Probability that a settling word which would move does move in one update (damping of parallel moves). */
export const SETTLING_MOVE_PROBABILITY = 0.25;

export type WriteScheme = 'flip-changed' | 'erase-then-write';

export interface DigitalStoreOptions {
  map: LevelMap;
  /** Retention barrier E_ret of every bit, kT. */
  barrierHeight: number;
  scheme: WriteScheme;
  /** Stochastic rounding of the updated value to a level (unbiased), or nearest. */
  stochasticRounding: boolean;
  calibration: BitWriteCalibration;
  /**
   * Settling phase (docs/lim-calibration.md §5): the last `fraction` of the updates round to the
   * nearest level with step size `learningRate` (N / tr H, the inverse mean curvature), at most one
   * level per update, so a word more than half a level from its coordinate optimum moves and one
   * nearer stays (stochastic rounding would keep dithering between the two levels). Absent: none.
   */
  settling?: { fraction: number; learningRate: number };
  /** Config path for errors. */
  path: string;
}

/**
 * Conventional digital memory (THEORY.md §5, scheme 1, the update wall): each
 * parameter an n-bit word in bistable cells at the fixed retention barrier.
 * An update computes w' = w - eta g in the processor, rounds it to a level
 * (stochastic rounding by default, so that updates smaller than a level still
 * move w on average), and writes the new word: every changed bit is forced
 * over the barrier ('flip-changed'), or the word is erased then written
 * ('erase-then-write'). Between writes the bits leak at the Kramers rate of
 * E_ret (negligible at 40-60 kT). There is no separate consolidation.
 */
export class DigitalStore implements ParameterStore {
  readonly kind = 'digital' as const;
  readonly memory: BitWordArray;
  private readonly updateHeat: Float64Array;
  private readonly zeros: Float64Array;
  private readonly rng: RandomStream;
  private readonly n: number;

  constructor(
    readonly name: string,
    private readonly run: StoreRun,
    private readonly options: DigitalStoreOptions,
  ) {
    this.n = run.parameterCount;
    const words = Int32Array.from(run.initialParameters, (w) => nearestLevel(options.map, w));
    this.memory = new BitWordArray(words, options.map.bits, options.calibration, this.n, run.seed, `digital:${name}`, options.path);
    this.updateHeat = new Float64Array(run.copies);
    this.zeros = new Float64Array(run.copies);
    this.rng = randomStream(run.seed, 0, `rounding:${name}`);
  }

  read(out: Float64Array): void {
    const { words } = this.memory;
    for (let i = 0; i < words.length; i++) out[i] = levelValue(this.options.map, words[i]);
  }

  update(gradient: Float64Array, index: number): void {
    const { map, scheme, settling } = this.options;
    const settle = settling !== undefined && index >= Math.ceil((1 - settling.fraction) * this.run.updates);
    const stochasticRounding = this.options.stochasticRounding && !settle;
    const eta = settle ? settling.learningRate : this.run.learningRate(index * this.run.updateInterval);
    const { words } = this.memory;
    for (let i = 0; i < words.length; i++) {
      const target = levelValue(map, words[i]) - eta * gradient[i];
      let level = roundLevel((target - map.min) / map.step, map.levels, stochasticRounding, this.rng);
      // Settling moves a word by at most one level, and only a random quarter of the words that
      // would move do so per update: simultaneous moves of coupled words would overshoot together.
      if (settle) level = level === words[i] || this.rng.uniform() >= SETTLING_MOVE_PROBABILITY ? words[i] : Math.min(words[i] + 1, Math.max(words[i] - 1, level));
      const heat = scheme === 'erase-then-write' ? this.memory.eraseThenWrite(i, level) : this.memory.writeChanged(i, level);
      this.updateHeat[Math.floor(i / this.n)] += heat;
    }
    this.memory.leak(this.run.updateInterval);
  }

  checkpoint(): void {}

  finish(): void {}

  readFinal(out: Float64Array): void {
    this.read(out);
  }

  cumulativeHeat(out: Float64Array): void {
    out.set(this.updateHeat);
  }

  heat(): HeatSplit {
    return { update: this.updateHeat, consolidation: this.zeros, retention: this.zeros };
  }

  diagnostics(): Record<string, unknown> {
    const c = this.options.calibration;
    return {
      scheme: this.options.scheme,
      bits: this.options.map.bits,
      range: [this.options.map.min, this.options.map.max],
      retentionBarrier: this.options.barrierHeight,
      rounding: this.options.stochasticRounding ? 'stochastic' : 'nearest',
      ...(this.options.settling ? { settling: this.options.settling } : {}),
      flipsPerCopy: meanOf(this.memory.flips),
      pulsesPerCopy: meanOf(this.memory.pulses),
      wordWritesPerCopy: meanOf(this.memory.wordWrites),
      leakTogglesPerCopy: meanOf(this.memory.leakToggles),
      expectedLeakHopsPerCopy: meanOf(this.memory.expectedLeakHops),
      calibration: calibrationSummary(c),
    };
  }

  bounds(): StoreBounds {
    const writes = meanOf(this.memory.wordWrites);
    const flips = meanOf(this.memory.flips);
    return {
      applicable: conventionalOverwriteBound(writes, this.options.map.bits),
      applicableName: 'Landauer floor of the word overwrites: n kT ln 2 per word written (THEORY.md §5)',
      conventionalEstimate: flips * this.options.barrierHeight,
      conventionalEstimateName: 'E_ret per forced bit flip (THEORY.md §5)',
    };
  }

  systematicHeatSe(): number {
    return calibrationSe(this.memory);
  }
}

/** The calibration's own SE, propagated to the mean heat per copy: pulses x SE(heat per pulse). */
export function calibrationSe(memory: BitWordArray): number {
  const c = memory.calibration;
  const noOps = meanOf(memory.noOpPulses);
  const flipAttempts = meanOf(memory.pulses) - noOps;
  // Every pulse reuses the same calibration mean: its error is common to all pulses (adds linearly in the count).
  return Math.hypot(flipAttempts * c.meanFlipHeat.se, noOps * c.meanStayHeat.se);
}

export function calibrationSummary(c: BitWriteCalibration): Record<string, unknown> {
  return {
    engine: c.engine,
    barrierHeight: c.barrierHeight,
    pulse: c.pulse,
    replicas: c.flipHeat.length,
    heatPerFlipAttempt: c.meanFlipHeat,
    heatPerFlipOverBarrier: c.meanFlipHeat.mean / c.barrierHeight,
    heatPerNoOpPulse: c.meanStayHeat,
    flipProbability: c.flipProbability,
    leakRate: c.leakRate,
  };
}
