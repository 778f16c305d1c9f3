import type { MemorySpec } from '../memory/discrete.js';
import { buildPotential, type PotentialSpec } from '../physics/potentials.js';
import { compileSchedule, type ScheduleSpec } from '../physics/schedules.js';

/**
 * Checks of a protocol that the bounds' assumptions need (docs/bounds.md,
 * "Assumptions checked"): which schedules differ between t = 0 and t = tau,
 * which are still changing at the end of the run, and the stiffest curvature
 * the integrator meets.
 */

const SCHEDULE_KINDS = new Set(['table', 'linear', 'exponential', 'logarithmic', 'expression']);

function isScheduleSpec(value: unknown): value is ScheduleSpec {
  if (typeof value === 'number') return true;
  return value !== null && typeof value === 'object' && SCHEDULE_KINDS.has(String((value as { kind?: unknown }).kind));
}

/** Every protocol parameter of a potential or discrete model, with its config path (constants included). */
export function scheduleFields(spec: MemorySpec, path = 'potential'): { path: string; spec: ScheduleSpec }[] {
  const out: { path: string; spec: ScheduleSpec }[] = [];
  const walk = (value: unknown, at: string): void => {
    if (isScheduleSpec(value)) {
      out.push({ path: at, spec: value });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${at}[${i}]`));
      return;
    }
    if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) if (key !== 'kind') walk(item, `${at}.${key}`);
    }
  };
  walk(spec, path);
  return out;
}

function differ(a: number, b: number): boolean {
  return Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** The schedules whose value at t = tau differs from their value at t = 0 (the potential at the end is not the one at the start). */
export function schedulesChangedOverRun(spec: MemorySpec, duration: number): { path: string; start: number; end: number }[] {
  const changed: { path: string; start: number; end: number }[] = [];
  for (const field of scheduleFields(spec)) {
    const f = compileSchedule(field.spec, field.path);
    const start = f(0);
    const end = f(duration);
    if (differ(start, end)) changed.push({ path: field.path, start, end });
  }
  return changed;
}

/** The last time a knotted schedule (table, linear, exponential) changes; undefined for constants and open-ended kinds. */
function lastChange(spec: ScheduleSpec): number | undefined {
  if (typeof spec === 'number') return undefined;
  switch (spec.kind) {
    case 'table':
      return spec.points.length ? Math.max(...spec.points.map(([t]) => t)) : undefined;
    case 'linear':
    case 'exponential':
      return spec.end;
    default:
      return undefined;
  }
}

/**
 * A warning per schedule that is still changing at `duration`: a table,
 * linear or exponential schedule whose last knot lies after the end of the run
 * and whose value there differs from its terminal value (the protocol was cut
 * short). Logarithmic and expression schedules have no terminal value and are
 * not judged.
 */
export function scheduleWarnings(spec: MemorySpec, duration: number): string[] {
  const warnings: string[] = [];
  for (const field of scheduleFields(spec)) {
    const last = lastChange(field.spec);
    if (last === undefined || !(last > duration)) continue;
    const f = compileSchedule(field.spec, field.path);
    const atEnd = f(duration);
    const terminal = f(last);
    if (differ(atEnd, terminal)) {
      warnings.push(
        `${field.path}: still changing at time.duration = ${duration} (value ${atEnd.toPrecision(4)}; the schedule runs to t = ${last}, where it reaches ${terminal.toPrecision(4)}); the protocol is cut short`,
      );
    }
  }
  return warnings;
}

/**
 * The largest |U''| (kT / length^2) where the Boltzmann weight matters
 * (U - U_min < 20 kT), sampled at 21 times over [0, duration]: the curvature
 * that sets the integrator's time-step error.
 */
export function stiffestCurvature(spec: PotentialSpec, duration: number, samples = 21): number {
  const potential = buildPotential(spec);
  let maxCurvature = 0;
  for (let k = 0; k < samples; k++) {
    potential.setTime((duration * k) / (samples - 1));
    const [a, b] = potential.domain();
    const n = 400;
    const h = (b - a) / n;
    let minimum = Infinity;
    for (let j = 0; j <= n; j++) minimum = Math.min(minimum, potential.energy(a + j * h, 0));
    for (let j = 1; j < n; j++) {
      const x = a + j * h;
      if (potential.energy(x, 0) - minimum > 20) continue;
      const curvature = (potential.force(x - 1e-4, 0) - potential.force(x + 1e-4, 0)) / 2e-4;
      maxCurvature = Math.max(maxCurvature, Math.abs(curvature));
    }
  }
  potential.setTime(0);
  return maxCurvature;
}
