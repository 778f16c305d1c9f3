/**
 * Axis units per potential. The engine is unitless (energies in kT, time in
 * gamma l^2 / kT for the config's length unit l: src/physics/units.ts); the
 * length unit l is what the potential's lengths are written in. A double well
 * with x_m = 1 measures lengths in x_m, a washboard with a = 1 in its well
 * spacing a; a harmonic trap has no natural length, so its unit is the
 * config's own l (its stiffness is in kT / l^2). A discrete memory has no
 * positions: its time unit is the reduced time of its rates (1/nu).
 */

interface PotentialLike {
  kind?: unknown;
  wellPosition?: unknown;
  spacing?: unknown;
  terms?: unknown;
}

/** The length unit of a potential spec: x_m, a, or l (the config's length unit). */
export function lengthUnit(potential: unknown): string {
  const p = (potential ?? {}) as PotentialLike;
  switch (p.kind) {
    case 'double-well':
      return p.wellPosition === undefined || p.wellPosition === 1 ? 'x_m' : 'l';
    case 'washboard':
      return p.spacing === undefined || p.spacing === 1 ? 'a' : 'l';
    case 'sum': {
      // The first term with memory states sets the states, and with them the length unit.
      const terms = Array.isArray(p.terms) ? p.terms : [];
      const withStates = terms.find((t) => (t as PotentialLike).kind === 'double-well' || (t as PotentialLike).kind === 'washboard');
      return withStates ? lengthUnit(withStates) : 'l';
    }
    default:
      return 'l';
  }
}

/** The time unit of a potential spec, e.g. "gamma x_m^2 / kT"; "1/nu" for a discrete memory. */
export function timeUnit(potential: unknown): string {
  if ((potential as PotentialLike | undefined)?.kind === 'discrete') return '1/nu';
  return `gamma ${lengthUnit(potential)}^2 / kT`;
}

/** "time t [gamma l^2 / kT]" for a potential. */
export function timeLabel(potential: unknown, symbol = 'time t'): string {
  return `${symbol} [${timeUnit(potential)}]`;
}
