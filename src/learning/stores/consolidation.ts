import type { BitWriteCalibration } from '../../memory/bit-write.js';
import { randomStream, type RandomStream } from '../../physics/rng.js';
import { conventionalOverwriteBound } from '../lim-bound.js';
import { BitWordArray, meanOf, roundLevel } from './bit-words.js';
import { calibrationSe, calibrationSummary } from './digital.js';
import { levelValue, nearestLevel, type HeatSplit, type LevelMap, type ParameterStore, type StoreBounds, type StoreRun } from './types.js';

export interface ConsolidationStoreOptions {
  map: LevelMap;
  /** Volatile (short-term) barrier, kT: cheap writes, leaks at its Kramers rate. */
  shortTermBarrier: number;
  /** Retention (long-term) barrier, kT. */
  longTermBarrier: number;
  /** K_c: copy the short-term word into long-term memory every K_c updates (and at the end). */
  consolidationInterval: number;
  stochasticRounding: boolean;
  shortTermCalibration: BitWriteCalibration;
  longTermCalibration: BitWriteCalibration;
  path: string;
}

/**
 * Short-term / long-term memory (docs/physics.md §5, scheme 2, the consolidation
 * wall). The updates go into a volatile copy of each word held at a low
 * barrier: changed bits are forced over that barrier (cheap), and between
 * updates every volatile bit leaks at the Kramers rate of its barrier, which
 * corrupts the working copy (the training goes on from the corrupted value).
 * Every K_c updates, and once at the end, each word is copied into the
 * long-term memory at the retention barrier by erase-then-write (n bits
 * erased and n written, at the retention barrier's cost per flip).
 *
 * Where it sits: heat ~ U f q(E_stm) + (U / K_c) N c q(E_ret), f the changed
 * bits per update and word, c the pulses of a consolidation that flip (the
 * ones of the old and the new word), q the heat per flip; the leak corrupts
 * each volatile bit with probability ~ k(E_stm) Delta per update.
 */
export class ConsolidationStore implements ParameterStore {
  readonly kind = 'consolidation' as const;
  readonly shortTerm: BitWordArray;
  readonly longTerm: BitWordArray;
  private readonly updateHeat: Float64Array;
  private readonly consolidationHeat: Float64Array;
  private readonly zeros: Float64Array;
  private readonly rng: RandomStream;
  private readonly n: number;
  private consolidations = 0;
  private updatesSinceConsolidation = 0;

  constructor(
    readonly name: string,
    private readonly run: StoreRun,
    private readonly options: ConsolidationStoreOptions,
  ) {
    this.n = run.parameterCount;
    const words = Int32Array.from(run.initialParameters, (w) => nearestLevel(options.map, w));
    const bits = options.map.bits;
    this.shortTerm = new BitWordArray(words, bits, options.shortTermCalibration, this.n, run.seed, `short-term:${name}`, `${options.path}.shortTerm`);
    this.longTerm = new BitWordArray(words, bits, options.longTermCalibration, this.n, run.seed, `long-term:${name}`, `${options.path}.longTerm`);
    this.updateHeat = new Float64Array(run.copies);
    this.consolidationHeat = new Float64Array(run.copies);
    this.zeros = new Float64Array(run.copies);
    this.rng = randomStream(run.seed, 0, `rounding:${name}`);
  }

  /** The working copy: the volatile words. */
  read(out: Float64Array): void {
    const { words } = this.shortTerm;
    for (let i = 0; i < words.length; i++) out[i] = levelValue(this.options.map, words[i]);
  }

  update(gradient: Float64Array, index: number): void {
    const { map, stochasticRounding } = this.options;
    const eta = this.run.learningRate(index * this.run.updateInterval);
    const { words } = this.shortTerm;
    for (let i = 0; i < words.length; i++) {
      const target = levelValue(map, words[i]) - eta * gradient[i];
      const level = roundLevel((target - map.min) / map.step, map.levels, stochasticRounding, this.rng);
      this.updateHeat[Math.floor(i / this.n)] += this.shortTerm.writeChanged(i, level);
    }
    this.shortTerm.leak(this.run.updateInterval);
    this.longTerm.leak(this.run.updateInterval);
    this.updatesSinceConsolidation++;
    if (this.updatesSinceConsolidation >= this.options.consolidationInterval) this.consolidate();
  }

  /** Copy every volatile word into long-term memory: erase then write n bits. */
  private consolidate(): void {
    const source = this.shortTerm.words;
    for (let i = 0; i < source.length; i++) {
      this.consolidationHeat[Math.floor(i / this.n)] += this.longTerm.eraseThenWrite(i, source[i]);
    }
    this.consolidations++;
    this.updatesSinceConsolidation = 0;
  }

  checkpoint(): void {}

  /** The final consolidation, unless the last update just consolidated. */
  finish(): void {
    if (this.updatesSinceConsolidation > 0 || this.consolidations === 0) this.consolidate();
  }

  /** The long-term words: what the memory keeps. */
  readFinal(out: Float64Array): void {
    const { words } = this.longTerm;
    for (let i = 0; i < words.length; i++) out[i] = levelValue(this.options.map, words[i]);
  }

  cumulativeHeat(out: Float64Array): void {
    for (let c = 0; c < out.length; c++) out[c] = this.updateHeat[c] + this.consolidationHeat[c];
  }

  heat(): HeatSplit {
    return { update: this.updateHeat, consolidation: this.consolidationHeat, retention: this.zeros };
  }

  diagnostics(): Record<string, unknown> {
    const o = this.options;
    const U = this.run.updates;
    return {
      bits: o.map.bits,
      range: [o.map.min, o.map.max],
      shortTermBarrier: o.shortTermBarrier,
      longTermBarrier: o.longTermBarrier,
      consolidationInterval: o.consolidationInterval,
      consolidations: this.consolidations,
      shortTermFlipsPerCopy: meanOf(this.shortTerm.flips),
      longTermFlipsPerCopy: meanOf(this.longTerm.flips),
      longTermPulsesPerCopy: meanOf(this.longTerm.pulses),
      leakTogglesPerCopy: meanOf(this.shortTerm.leakToggles),
      expectedLeakHopsPerCopy: meanOf(this.shortTerm.expectedLeakHops),
      leakRatePerBit: o.shortTermCalibration.leakRate,
      consolidationsPerCopy: this.consolidations,
      updatesPerConsolidation: U / Math.max(this.consolidations, 1),
      shortTermCalibration: calibrationSummary(o.shortTermCalibration),
      longTermCalibration: calibrationSummary(o.longTermCalibration),
    };
  }

  bounds(): StoreBounds {
    const bits = this.options.map.bits;
    const writes = meanOf(this.shortTerm.wordWrites) + meanOf(this.longTerm.wordWrites);
    return {
      applicable: conventionalOverwriteBound(writes, bits),
      applicableName: 'Landauer floor of the word overwrites (volatile writes and consolidations): n kT ln 2 per word written',
      conventionalEstimate:
        meanOf(this.shortTerm.flips) * this.options.shortTermBarrier + meanOf(this.longTerm.flips) * this.options.longTermBarrier,
      conventionalEstimateName: 'barrier height per forced bit flip, each at its own barrier',
    };
  }

  systematicHeatSe(): number {
    return Math.hypot(calibrationSe(this.shortTerm), calibrationSe(this.longTerm));
  }
}
