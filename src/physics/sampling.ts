import { ConfigError } from '../errors.js';
import type { Potential } from './potentials.js';
import type { RandomStream } from './rng.js';

/**
 * Exact sampling from the Boltzmann density exp(-U(x)/kT)/Z at the potential's
 * current parameters, by rejection from a uniform proposal on the interval
 * where U - U_min < 40 kT (the weight outside is below e^-40 per unit length).
 * The envelope exp(-(U - U_min)) <= 1 makes every accepted x an exact draw.
 */
export class BoltzmannSampler {
  private readonly low: number;
  private readonly width: number;
  private readonly minimumEnergy: number;

  constructor(
    private readonly potential: Potential,
    private readonly extraTilt = 0,
    gridPoints = 20001,
  ) {
    const [a, b] = potential.domain();
    const h = (b - a) / (gridPoints - 1);
    let minimum = Infinity;
    for (let k = 0; k < gridPoints; k++) minimum = Math.min(minimum, potential.energy(a + k * h, extraTilt));
    let first = -1;
    let last = -1;
    for (let k = 0; k < gridPoints; k++) {
      if (potential.energy(a + k * h, extraTilt) - minimum < 40) {
        if (first < 0) first = k;
        last = k;
      }
    }
    // One grid cell of margin each side, so no weight is cut inside the 40 kT band.
    this.low = a + Math.max(first - 1, 0) * h;
    const high = a + Math.min(last + 1, gridPoints - 1) * h;
    this.width = high - this.low;
    // The grid minimum sits above the true one by at most U'' h^2 / 8; lowering
    // the reference by 1e-3 kT keeps exp(-(U - ref)) <= 1 (an exact envelope) for
    // curvatures up to 8e-3 / h^2, far above any cell's.
    this.minimumEnergy = minimum - 1e-3;
  }

  /** One exact draw; with `state` >= 0, conditioned on potential.classify(x) === state. */
  sample(rng: RandomStream, state = -1): number {
    for (let attempt = 0; attempt < 100_000_000; attempt++) {
      const x = this.low + this.width * rng.uniform();
      if (state >= 0 && this.potential.classify(x) !== state) continue;
      const u = this.potential.energy(x, this.extraTilt) - this.minimumEnergy;
      if (rng.uniform() < Math.exp(-u)) return x;
    }
    throw new ConfigError('initial', `state ${state} has no Boltzmann weight at t = 0; choose probabilities for states that exist`);
  }
}
