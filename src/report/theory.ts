/**
 * Theory curves a report draws over the measured ones, when the config is a
 * case with a known answer (the same cases the tests reproduce, docs/bounds.md):
 *
 * - Kramers relaxation: a static, untilted double well with every replica
 *   started in one well. The other well's occupancy relaxes as
 *   p(t) = (1 - exp(-2 r t)) / 2 with the overdamped Kramers rate r
 *   (Kramers, Physica 7, 284 (1940); src/thermo/bounds.ts kramersRateDoubleWell).
 * - Harmonic drag: a trap of fixed stiffness kappa moved at constant speed v,
 *   started in equilibrium. The mean lag m(s) = (gamma v / kappa)(1 - exp(-kappa s / gamma))
 *   gives <W>(s) = gamma v^2 [s - (gamma / kappa)(1 - exp(-kappa s / gamma))],
 *   <dU>(s) = kappa m^2 / 2 and <Q> = <W> - <dU>; the work is Gaussian with
 *   variance 2 kT <W> (Jarzynski with Delta F = 0: Mazonka & Jarzynski,
 *   arXiv:cond-mat/9912121; van Zon & Cohen, PRE 67, 046102 (2003)).
 *
 * Each detector returns null unless every assumption holds, so no curve is
 * drawn for a case the formula does not describe.
 */
import { kramersRateDoubleWell } from '../thermo/bounds.js';

export interface TheoryCurve {
  name: string;
  x: number[];
  y: number[];
}

interface ConfigLike {
  friction?: number;
  potential?: Record<string, unknown>;
  initial?: { kind?: string; x?: number };
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Kramers relaxation of a double well started in one well: the other state's occupancy against t. */
export function kramersOccupancy(config: ConfigLike, t: number[]): { state: number; curve: TheoryCurve } | null {
  const p = config.potential;
  if (!p || p.kind !== 'double-well') return null;
  if (!isNumber(p.barrierHeight) || p.barrierHeight <= 0) return null;
  const xm = p.wellPosition === undefined ? 1 : p.wellPosition;
  if (!isNumber(xm) || xm <= 0) return null;
  if (p.tilt !== undefined && p.tilt !== 0) return null;
  const x0 = config.initial?.kind === 'fixed' ? config.initial.x : undefined;
  if (!isNumber(x0) || Math.abs(Math.abs(x0) - xm) > 0.5 * xm) return null;
  const rate = kramersRateDoubleWell(p.barrierHeight, xm, config.friction ?? 1);
  // States are numbered left (0) to right (1): a start at -x_m fills state 1.
  const state = x0 < 0 ? 1 : 0;
  return {
    state,
    curve: {
      name: `Kramers p${state}(t) = (1 - exp(-2rt))/2, r = ${rate.toPrecision(3)}`,
      x: t,
      y: t.map((s) => (1 - Math.exp(-2 * rate * s)) / 2),
    },
  };
}

export interface DragTheory {
  kappa: number;
  speed: number;
  start: number;
  end: number;
  friction: number;
}

/** The dragged-trap case of a config, or null. */
export function harmonicDrag(config: ConfigLike & { initial?: { kind?: string } }): DragTheory | null {
  const p = config.potential;
  if (!p || p.kind !== 'harmonic' || !isNumber(p.stiffness) || p.stiffness <= 0) return null;
  if (p.tilt !== undefined && p.tilt !== 0) return null;
  if (config.initial?.kind !== 'boltzmann') return null;
  const c = p.centre as { kind?: string; from?: unknown; to?: unknown; start?: unknown; end?: unknown } | undefined;
  if (!c || c.kind !== 'linear' || !isNumber(c.from) || !isNumber(c.to) || !isNumber(c.end)) return null;
  const start = c.start === undefined ? 0 : c.start;
  if (!isNumber(start) || !(c.end > start)) return null;
  return { kappa: p.stiffness, speed: (c.to - c.from) / (c.end - start), start, end: c.end, friction: config.friction ?? 1 };
}

/** Exact means of the dragged trap at time t (kT): work, energy change and heat released. */
export function dragMeans(d: DragTheory, t: number): { work: number; energyChange: number; heat: number } {
  const s = Math.min(Math.max(t - d.start, 0), d.end - d.start);
  const relax = d.friction / d.kappa;
  const g = 1 - Math.exp(-s / relax);
  const work = d.friction * d.speed ** 2 * (s - relax * g);
  // After the trap stops the lag relaxes: <dU> decays, heat keeps flowing, work is fixed.
  const after = Math.max(t - d.end, 0);
  const lag = d.speed * relax * g * Math.exp(-after / relax);
  const energyChange = 0.5 * d.kappa * lag ** 2;
  return { work, energyChange, heat: work - energyChange };
}

/** Exact <W>, <Q>, <U> curves of a dragged trap over the times t, or null. */
export function dragCurves(config: ConfigLike, t: number[]): TheoryCurve[] | null {
  const d = harmonicDrag(config);
  if (!d) return null;
  const m = t.map((s) => dragMeans(d, s));
  return [
    { name: 'exact <W>(t)', x: t, y: m.map((v) => v.work) },
    { name: 'exact <Q>(t)', x: t, y: m.map((v) => v.heat) },
    // <U>(0) = kT/2 by equipartition in the harmonic trap.
    { name: 'exact <U>(t)', x: t, y: m.map((v) => 0.5 + v.energyChange) },
  ];
}

/**
 * The dragged trap's Gaussian work density N(<W>, 2 <W>) scaled to counts per
 * bin (total trajectories x bin width), over [lo, hi].
 */
export function dragWorkCounts(config: ConfigLike, duration: number, total: number, binWidth: number, lo: number, hi: number): TheoryCurve | null {
  const d = harmonicDrag(config);
  if (!d) return null;
  const mean = dragMeans(d, duration).work;
  if (!(mean > 0)) return null;
  const variance = 2 * mean;
  const x = Array.from({ length: 121 }, (_, k) => lo + ((hi - lo) * k) / 120);
  const y = x.map((w) => (total * binWidth * Math.exp(-((w - mean) ** 2) / (2 * variance))) / Math.sqrt(2 * Math.PI * variance));
  return { name: `exact P(W): Gaussian, mean ${mean.toPrecision(3)}, variance 2<W>`, x, y };
}
