import type { HeatSplit, ParameterStore, StoreBounds, StoreRun } from './types.js';

/**
 * The ideal floating-point store (scheme d): parameters in float64 with no
 * physics, w <- w - eta(t) g. It releases no heat; it is the accuracy
 * reference the physical stores are compared with.
 */
export class FloatStore implements ParameterStore {
  readonly kind = 'float' as const;
  private readonly values: Float64Array;
  private readonly zeros: Float64Array;

  constructor(
    readonly name: string,
    private readonly run: StoreRun,
  ) {
    this.values = Float64Array.from(run.initialParameters);
    this.zeros = new Float64Array(run.copies);
  }

  read(out: Float64Array): void {
    out.set(this.values);
  }

  update(gradient: Float64Array, index: number): void {
    const eta = this.run.learningRate(index * this.run.updateInterval);
    for (let i = 0; i < this.values.length; i++) this.values[i] -= eta * gradient[i];
  }

  checkpoint(): void {}

  finish(): void {}

  readFinal(out: Float64Array): void {
    out.set(this.values);
  }

  cumulativeHeat(out: Float64Array): void {
    out.fill(0);
  }

  heat(): HeatSplit {
    return { update: this.zeros, consolidation: this.zeros, retention: this.zeros };
  }

  diagnostics(): Record<string, unknown> {
    return { note: 'ideal float64 store: no physics, no heat' };
  }

  bounds(): StoreBounds {
    return { applicable: 0, applicableName: 'none (no physical memory)' };
  }

  systematicHeatSe(): number {
    return 0;
  }
}
