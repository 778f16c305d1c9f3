import seedrandom from 'seedrandom';

/**
 * Seeded random streams. Every stream derives from the run seed and a block
 * index (a block is a fixed group of replicas), so results do not depend on how
 * many workers ran the blocks (DESIGN.md, Habits).
 *
 * Uniforms come from seedrandom's xor4096 (Brent's xorgens: long period, passes
 * BigCrush); normals use Marsaglia's polar method, which needs no
 * trigonometry and yields two normals per accepted pair.
 */
export interface RandomStream {
  /** Uniform on [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
}

class PolarNormalStream implements RandomStream {
  private readonly next: () => number;
  private spare = 0;
  private hasSpare = false;

  constructor(seedText: string) {
    this.next = seedrandom.xor4096(seedText).double;
  }

  uniform(): number {
    return this.next();
  }

  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * factor;
    this.hasSpare = true;
    return u * factor;
  }
}

/** The stream for block `block` of a run seeded with `seed`. */
export function randomStream(seed: number, block: number, purpose = 'dynamics'): RandomStream {
  return new PolarNormalStream(`limsim:${seed}:${purpose}:${block}`);
}
