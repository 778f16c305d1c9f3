import { compileSchedule, type Schedule, type ScheduleSpec } from './schedules.js';

/**
 * Potentials U(x, lambda) in kT, x in well spacings. Each is a plain energy
 * with its analytic force, and every parameter may follow a schedule in time.
 * All potentials carry a tilt term -F x (F in kT per length), to which a
 * per-cell extra tilt can be added: this is how the learning layer applies a
 * gradient to each parameter's cell (docs/physics.md §5).
 */

export type HarmonicSpec = {
  kind: 'harmonic';
  stiffness: ScheduleSpec;
  centre?: ScheduleSpec;
  tilt?: ScheduleSpec;
};

/** U = E_b ((x/x_m)^2 - 1)^2 - F x: wells at +-x_m, barrier E_b at x = 0 (untilted). */
export type DoubleWellSpec = {
  kind: 'double-well';
  barrierHeight: ScheduleSpec;
  wellPosition?: ScheduleSpec;
  tilt?: ScheduleSpec;
};

/**
 * U = (E_b/2)(1 - cos(2 pi x / a)) - F x inside [-a/2, (L - 1/2) a], with
 * harmonic walls of stiffness k_w outside: L levels (wells at x = 0, a, ..., (L-1) a).
 */
export type WashboardSpec = {
  kind: 'washboard';
  barrierHeight: ScheduleSpec;
  spacing?: ScheduleSpec;
  levels: number;
  tilt?: ScheduleSpec;
  wallStiffness?: number;
};

export type SumSpec = { kind: 'sum'; terms: PotentialSpec[] };

export type PotentialSpec = HarmonicSpec | DoubleWellSpec | WashboardSpec | SumSpec;

export interface Potential {
  readonly kind: PotentialSpec['kind'];
  /** Evaluate every schedule at time t (once per step, for all cells). */
  setTime(t: number): void;
  /** U(x) at the current parameters, with an extra tilt `extraTilt` (kT / length). */
  energy(x: number, extraTilt: number): number;
  /** -dU/dx at the current parameters. */
  force(x: number, extraTilt: number): number;
  /** Current values of the protocol parameters, by name. */
  parameters(): Record<string, number>;
  /** An interval outside which the Boltzmann weight is negligible (for quadrature and sampling). */
  domain(): [number, number];
  /** Number of discrete memory states (wells or levels); 0 for a plain trap. */
  readonly stateCount: number;
  /** The memory state (well or level index) that x belongs to, or -1 if none. */
  classify(x: number): number;
  /** Positions of the well minima (x_i) at the current parameters, untilted estimate. */
  wellPositions(): number[];
}

const TWO_PI = 2 * Math.PI;

class HarmonicPotential implements Potential {
  readonly kind = 'harmonic' as const;
  readonly stateCount = 0;
  private readonly stiffnessOf: Schedule;
  private readonly centreOf: Schedule;
  private readonly tiltOf: Schedule;
  stiffness = 0;
  centre = 0;
  tilt = 0;

  constructor(spec: HarmonicSpec, path: string) {
    this.stiffnessOf = compileSchedule(spec.stiffness, `${path}.stiffness`);
    this.centreOf = compileSchedule(spec.centre ?? 0, `${path}.centre`);
    this.tiltOf = compileSchedule(spec.tilt ?? 0, `${path}.tilt`);
    this.setTime(0);
  }
  setTime(t: number): void {
    this.stiffness = this.stiffnessOf(t);
    this.centre = this.centreOf(t);
    this.tilt = this.tiltOf(t);
  }
  energy(x: number, extraTilt: number): number {
    const d = x - this.centre;
    return 0.5 * this.stiffness * d * d - (this.tilt + extraTilt) * x;
  }
  force(x: number, extraTilt: number): number {
    return -this.stiffness * (x - this.centre) + this.tilt + extraTilt;
  }
  parameters(): Record<string, number> {
    return { stiffness: this.stiffness, centre: this.centre, tilt: this.tilt };
  }
  domain(): [number, number] {
    // Minimum shifted by the tilt; 12 standard deviations each side.
    const mean = this.centre + this.tilt / this.stiffness;
    const width = 12 / Math.sqrt(this.stiffness);
    return [mean - width, mean + width];
  }
  classify(): number {
    return -1;
  }
  wellPositions(): number[] {
    return [this.centre + this.tilt / this.stiffness];
  }
}

class DoubleWellPotential implements Potential {
  readonly kind = 'double-well' as const;
  readonly stateCount = 2;
  private readonly barrierOf: Schedule;
  private readonly wellOf: Schedule;
  private readonly tiltOf: Schedule;
  barrierHeight = 0;
  wellPosition = 1;
  tilt = 0;

  constructor(spec: DoubleWellSpec, path: string) {
    this.barrierOf = compileSchedule(spec.barrierHeight, `${path}.barrierHeight`);
    this.wellOf = compileSchedule(spec.wellPosition ?? 1, `${path}.wellPosition`);
    this.tiltOf = compileSchedule(spec.tilt ?? 0, `${path}.tilt`);
    this.setTime(0);
  }
  setTime(t: number): void {
    this.barrierHeight = this.barrierOf(t);
    this.wellPosition = this.wellOf(t);
    this.tilt = this.tiltOf(t);
  }
  energy(x: number, extraTilt: number): number {
    const s = x / this.wellPosition;
    const q = s * s - 1;
    return this.barrierHeight * q * q - (this.tilt + extraTilt) * x;
  }
  force(x: number, extraTilt: number): number {
    const xm = this.wellPosition;
    const s = x / xm;
    return (-4 * this.barrierHeight * s * (s * s - 1)) / xm + this.tilt + extraTilt;
  }
  parameters(): Record<string, number> {
    return { barrierHeight: this.barrierHeight, wellPosition: this.wellPosition, tilt: this.tilt };
  }
  domain(): [number, number] {
    // Where E_b (s^2 - 1)^2 - |F| |x| exceeds ~50 kT above the minimum; a
    // generous bound keeps the quartic's tails inside for any barrier >= 0.
    const xm = this.wellPosition;
    const eb = Math.max(this.barrierHeight, 1e-9);
    const reach = Math.max(1 + Math.sqrt(60 / eb), Math.pow(60 / eb, 0.25));
    const tiltReach = Math.cbrt((Math.abs(this.tilt) * xm) / (4 * eb)) + 1;
    const half = xm * Math.max(reach, tiltReach) * 1.5;
    return [-half, half];
  }
  classify(x: number): number {
    return x < 0 ? 0 : 1;
  }
  wellPositions(): number[] {
    return [-this.wellPosition, this.wellPosition];
  }
}

class WashboardPotential implements Potential {
  readonly kind = 'washboard' as const;
  readonly stateCount: number;
  private readonly barrierOf: Schedule;
  private readonly spacingOf: Schedule;
  private readonly tiltOf: Schedule;
  private readonly wallStiffness: number;
  barrierHeight = 0;
  spacing = 1;
  tilt = 0;

  constructor(spec: WashboardSpec, path: string) {
    this.stateCount = spec.levels;
    this.barrierOf = compileSchedule(spec.barrierHeight, `${path}.barrierHeight`);
    this.spacingOf = compileSchedule(spec.spacing ?? 1, `${path}.spacing`);
    this.tiltOf = compileSchedule(spec.tilt ?? 0, `${path}.tilt`);
    this.wallStiffness = spec.wallStiffness ?? 100;
    this.setTime(0);
  }
  setTime(t: number): void {
    this.barrierHeight = this.barrierOf(t);
    this.spacing = this.spacingOf(t);
    this.tilt = this.tiltOf(t);
  }
  private get lowEdge(): number {
    return -0.5 * this.spacing;
  }
  private get highEdge(): number {
    return (this.stateCount - 0.5) * this.spacing;
  }
  energy(x: number, extraTilt: number): number {
    const a = this.spacing;
    let u = 0.5 * this.barrierHeight * (1 - Math.cos((TWO_PI * x) / a)) - (this.tilt + extraTilt) * x;
    const lo = this.lowEdge;
    const hi = this.highEdge;
    if (x < lo) u += 0.5 * this.wallStiffness * (x - lo) * (x - lo);
    else if (x > hi) u += 0.5 * this.wallStiffness * (x - hi) * (x - hi);
    return u;
  }
  force(x: number, extraTilt: number): number {
    const a = this.spacing;
    let f = (-this.barrierHeight * Math.PI * Math.sin((TWO_PI * x) / a)) / a + this.tilt + extraTilt;
    const lo = this.lowEdge;
    const hi = this.highEdge;
    if (x < lo) f -= this.wallStiffness * (x - lo);
    else if (x > hi) f -= this.wallStiffness * (x - hi);
    return f;
  }
  parameters(): Record<string, number> {
    return { barrierHeight: this.barrierHeight, spacing: this.spacing, tilt: this.tilt };
  }
  domain(): [number, number] {
    const reach = Math.sqrt(120 / this.wallStiffness) + Math.abs(this.tilt) / this.wallStiffness;
    return [this.lowEdge - reach, this.highEdge + reach];
  }
  classify(x: number): number {
    const level = Math.round(x / this.spacing);
    return level < 0 ? 0 : level >= this.stateCount ? this.stateCount - 1 : level;
  }
  wellPositions(): number[] {
    return Array.from({ length: this.stateCount }, (_, k) => k * this.spacing);
  }
}

class SumPotential implements Potential {
  readonly kind = 'sum' as const;
  readonly stateCount: number;
  private readonly terms: Potential[];
  private readonly memory: Potential | undefined;

  constructor(spec: SumSpec, path: string) {
    this.terms = spec.terms.map((term, i) => buildPotential(term, `${path}.terms[${i}]`));
    // The first term with memory states defines the states of the sum.
    this.memory = this.terms.find((term) => term.stateCount > 0);
    this.stateCount = this.memory?.stateCount ?? 0;
  }
  setTime(t: number): void {
    for (const term of this.terms) term.setTime(t);
  }
  energy(x: number, extraTilt: number): number {
    let u = this.terms[0].energy(x, extraTilt);
    for (let i = 1; i < this.terms.length; i++) u += this.terms[i].energy(x, 0);
    return u;
  }
  force(x: number, extraTilt: number): number {
    let f = this.terms[0].force(x, extraTilt);
    for (let i = 1; i < this.terms.length; i++) f += this.terms[i].force(x, 0);
    return f;
  }
  parameters(): Record<string, number> {
    const out: Record<string, number> = {};
    this.terms.forEach((term, i) => {
      for (const [name, value] of Object.entries(term.parameters())) out[`terms[${i}].${name}`] = value;
    });
    return out;
  }
  domain(): [number, number] {
    // The tightest interval any confining term imposes is where all weight is.
    let lo = -Infinity;
    let hi = Infinity;
    for (const term of this.terms) {
      const [a, b] = term.domain();
      lo = Math.max(lo, a);
      hi = Math.min(hi, b);
    }
    if (!(hi > lo)) {
      const [a, b] = this.terms[0].domain();
      return [a, b];
    }
    return [lo, hi];
  }
  classify(x: number): number {
    return this.memory ? this.memory.classify(x) : -1;
  }
  wellPositions(): number[] {
    return this.memory ? this.memory.wellPositions() : [];
  }
}

/** Build a potential from its spec; `path` names the config field in errors. */
export function buildPotential(spec: PotentialSpec, path = 'potential'): Potential {
  switch (spec.kind) {
    case 'harmonic':
      return new HarmonicPotential(spec, path);
    case 'double-well':
      return new DoubleWellPotential(spec, path);
    case 'washboard':
      return new WashboardPotential(spec, path);
    case 'sum':
      return new SumPotential(spec, path);
  }
}

/** Names of the scheduled parameters of a potential spec that must stay >= 0 (barriers, stiffnesses). */
export function nonNegativeParameters(spec: PotentialSpec, path = 'potential'): { path: string; spec: ScheduleSpec }[] {
  switch (spec.kind) {
    case 'harmonic':
    case 'double-well':
      return [];
    case 'washboard':
      return [{ path: `${path}.barrierHeight`, spec: spec.barrierHeight }];
    case 'sum':
      return spec.terms.flatMap((term, i) => nonNegativeParameters(term, `${path}.terms[${i}]`));
  }
}

/** Parameters that must stay strictly positive (lengths). */
export function positiveParameters(spec: PotentialSpec, path = 'potential'): { path: string; spec: ScheduleSpec }[] {
  switch (spec.kind) {
    case 'harmonic':
      return [{ path: `${path}.stiffness`, spec: spec.stiffness }];
    case 'double-well':
      // A quartic of zero amplitude confines nothing: the double well needs E_b > 0.
      return [
        { path: `${path}.barrierHeight`, spec: spec.barrierHeight },
        { path: `${path}.wellPosition`, spec: spec.wellPosition ?? 1 },
      ];
    case 'washboard':
      return [{ path: `${path}.spacing`, spec: spec.spacing ?? 1 }];
    case 'sum':
      return spec.terms.flatMap((term, i) => positiveParameters(term, `${path}.terms[${i}]`));
  }
}
