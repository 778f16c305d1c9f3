import { parse, type MathNode } from 'mathjs';
import type { MemorySpec } from '../memory/discrete.js';
import type { ScheduleSpec } from './schedules.js';

/**
 * The time-reversed protocol lambda_R(t) = lambda(tau - t) of a memory spec, for
 * Crooks' reverse process (docs/kinetics.md, "Crooks and BAR"): every schedule
 * s(t) becomes s(tau - t), in closed form for each schedule kind (a table's points
 * mirrored, a ramp's ends swapped, a logarithmic schedule or an expression
 * rewritten in (tau - t)). Constants and structural fields (levels, wallStiffness,
 * attemptFrequency) are unchanged.
 */

const SCHEDULE_KINDS = new Set(['table', 'linear', 'exponential', 'logarithmic', 'expression']);

/** s(tau - t) as a schedule spec. */
export function reverseSchedule(spec: ScheduleSpec, tau: number): ScheduleSpec {
  if (typeof spec === 'number') return spec;
  switch (spec.kind) {
    case 'table':
      return { kind: 'table', points: spec.points.map(([t, v]) => [tau - t, v] as [number, number]).reverse() };
    case 'linear':
    case 'exponential':
      return { kind: spec.kind, from: spec.to, to: spec.from, start: tau - spec.end, end: tau - (spec.start ?? 0) };
    case 'logarithmic':
      return {
        kind: 'expression',
        expr: `${spec.offset} + ${spec.amplitude ?? 1} * log(1 + ((${tau}) - t) / ${spec.timeScale})`,
      };
    case 'expression': {
      const reversed = parse(spec.expr).transform((node: MathNode) =>
        node.type === 'SymbolNode' && (node as unknown as { name: string }).name === 't' ? parse(`((${tau}) - t)`) : node,
      );
      return { kind: 'expression', expr: reversed.toString() };
    }
  }
}

function reverseNode(node: unknown, tau: number): unknown {
  if (Array.isArray(node)) return node.map((item) => reverseNode(item, tau));
  if (node === null || typeof node !== 'object') return node;
  const kind = (node as { kind?: unknown }).kind;
  if (typeof kind === 'string' && SCHEDULE_KINDS.has(kind)) return reverseSchedule(node as ScheduleSpec, tau);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = key === 'kind' ? value : reverseNode(value, tau);
  return out;
}

/** The memory spec with every schedule time-reversed over [0, tau]. */
export function reverseProtocol<S extends MemorySpec>(spec: S, tau: number): S {
  return reverseNode(spec, tau) as S;
}
