import { ConfigError } from '../../errors.js';
import type { BitWriteCalibration } from '../../memory/bit-write.js';
import { randomStream, type RandomStream } from '../../physics/rng.js';

/**
 * n-bit words held in bistable cells at one fixed barrier (docs/physics.md §5,
 * scheme 1): copies x N words, each the level index of a parameter in offset
 * binary. Writes are tilt pulses whose heat is drawn from a calibration of the
 * same pulse on single cells (src/memory/bit-write.ts): a flip attempt draws
 * one calibration trajectory that started in the other well (retried while the
 * drawn trajectory failed to flip), a pulse on a bit already in its target
 * well draws one no-op trajectory. Leaks flip each bit as the symmetric
 * two-state chain with the Kramers rate k of the barrier: over a hold of
 * length t a bit ends flipped with probability (1 - e^{-2kt}) / 2. A leak hop
 * between the two degenerate wells releases no heat on average (Q = E_i - E_j = 0).
 */
export class BitWordArray {
  readonly words: Int32Array;
  readonly bits: number;
  /** Counters per copy. */
  readonly flips: Float64Array;
  readonly pulses: Float64Array;
  /** Pulses on bits already in their target well (part of pulses). */
  readonly noOpPulses: Float64Array;
  readonly wordWrites: Float64Array;
  readonly leakToggles: Float64Array;
  /** Expected leak hops per copy (k t per bit, summed), for the report. */
  readonly expectedLeakHops: Float64Array;
  private readonly rng: RandomStream;
  private readonly samples: number;

  constructor(
    initialWords: Int32Array,
    bits: number,
    readonly calibration: BitWriteCalibration,
    private readonly parameterCount: number,
    seed: number,
    purpose: string,
    private readonly path: string,
  ) {
    this.words = Int32Array.from(initialWords);
    this.bits = bits;
    const copies = initialWords.length / parameterCount;
    this.flips = new Float64Array(copies);
    this.pulses = new Float64Array(copies);
    this.noOpPulses = new Float64Array(copies);
    this.wordWrites = new Float64Array(copies);
    this.leakToggles = new Float64Array(copies);
    this.expectedLeakHops = new Float64Array(copies);
    this.rng = randomStream(seed, 0, purpose);
    this.samples = calibration.flipHeat.length;
    if (calibration.flipProbability <= 0) {
      throw new ConfigError(
        `${path}.writePulse`,
        `no calibration pulse flipped a bit at barrier ${calibration.barrierHeight} kT; expected a stronger or longer pulse (raise peakTilt or duration)`,
      );
    }
  }

  /** Heat of forcing one bit to the other well (retrying failed attempts). */
  private flipHeat(copy: number): number {
    const { flipHeat, flipped } = this.calibration;
    let heat = 0;
    for (let attempt = 0; attempt < 1000; attempt++) {
      const j = Math.floor(this.rng.uniform() * this.samples);
      heat += flipHeat[j];
      this.pulses[copy]++;
      if (flipped[j]) {
        this.flips[copy]++;
        return heat;
      }
    }
    throw new ConfigError(`${this.path}.writePulse`, 'a bit failed to flip in 1000 pulses; expected a stronger or longer pulse');
  }

  /** Heat of a pulse on a bit already in its target well. */
  private stayHeat(copy: number): number {
    this.pulses[copy]++;
    this.noOpPulses[copy]++;
    return this.calibration.stayHeat[Math.floor(this.rng.uniform() * this.calibration.stayHeat.length)];
  }

  /** Write by forcing only the bits that differ (read-compare-write). Returns the heat, kT. */
  writeChanged(cell: number, word: number): number {
    const copy = Math.floor(cell / this.parameterCount);
    let diff = this.words[cell] ^ word;
    if (diff === 0) return 0;
    this.wordWrites[copy]++;
    let heat = 0;
    while (diff !== 0) {
      if (diff & 1) heat += this.flipHeat(copy);
      diff >>>= 1;
    }
    this.words[cell] = word;
    return heat;
  }

  /**
   * Erase-then-write: drive every bit to 0 (a flip for each 1, a no-op pulse
   * for each 0), then drive every bit to its new value (a flip for each 1 of
   * the new word, a no-op pulse on each 0). Returns the heat, kT.
   */
  eraseThenWrite(cell: number, word: number): number {
    const copy = Math.floor(cell / this.parameterCount);
    this.wordWrites[copy]++;
    let heat = 0;
    const old = this.words[cell];
    for (let b = 0; b < this.bits; b++) heat += (old >>> b) & 1 ? this.flipHeat(copy) : this.stayHeat(copy);
    for (let b = 0; b < this.bits; b++) heat += (word >>> b) & 1 ? this.flipHeat(copy) : this.stayHeat(copy);
    this.words[cell] = word;
    return heat;
  }

  /** Let every bit leak for a hold of length t. */
  leak(holdTime: number): void {
    const k = this.calibration.leakRate;
    const perBit = k * holdTime;
    const copies = this.flips.length;
    for (let c = 0; c < copies; c++) this.expectedLeakHops[c] += perBit * this.bits * this.parameterCount;
    const toggle = 0.5 * -Math.expm1(-2 * perBit);
    // Below 1e-12 per bit the expected number of toggles in any run is negligible: not sampled.
    if (toggle < 1e-12) return;
    for (let cell = 0; cell < this.words.length; cell++) {
      for (let b = 0; b < this.bits; b++) {
        if (this.rng.uniform() < toggle) {
          this.words[cell] ^= 1 << b;
          this.leakToggles[Math.floor(cell / this.parameterCount)]++;
        }
      }
    }
  }
}

/** Stochastic (unbiased) or nearest rounding of a real level u to an integer level in [0, levels - 1]. */
export function roundLevel(u: number, levels: number, stochastic: boolean, rng: RandomStream): number {
  let k: number;
  if (stochastic) {
    const floor = Math.floor(u);
    k = rng.uniform() < u - floor ? floor + 1 : floor;
  } else {
    k = Math.round(u);
  }
  return k < 0 ? 0 : k >= levels ? levels - 1 : k;
}

/** Mean over copies of a per-copy counter. */
export function meanOf(values: Float64Array): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length ? s / values.length : 0;
}
