import { z } from 'zod';
import { MAX_WORKERS } from '../engines/limits.js';

/**
 * The config schema (zod). A config is YAML or JSON; every field is documented
 * here and exported as JSON Schema for editors (`limsim schema`).
 * Units: energies in kT, lengths in well spacings, time in gamma*length^2/kT.
 */

const finite = z.number().refine(Number.isFinite, { message: 'expected a finite number' });
const positive = finite.refine((v) => v > 0, { message: 'expected a number > 0' });

/** A `table` schedule: piecewise-linear through [t, <quantity>] points with strictly increasing t (physics and barrier schedules alike). */
export function tableScheduleSchema(quantity: string) {
  return z
    .object({
      kind: z.literal('table'),
      points: z
        .array(z.tuple([finite, finite]))
        .min(1)
        .refine((pts) => pts.every((p, i) => i === 0 || p[0] > pts[i - 1][0]), {
          message: `expected points [t, ${quantity}] with strictly increasing t`,
        }),
    })
    .strict();
}

export const scheduleSchema = z
  .union([
    finite.describe('a constant value'),
    tableScheduleSchema('value').describe('piecewise-linear through [t, value] points, constant outside'),
    z
      .object({ kind: z.literal('linear'), from: finite, to: finite, start: finite.optional(), end: finite })
      .strict()
      .describe('linear ramp from `from` at `start` (default 0) to `to` at `end`'),
    z
      .object({ kind: z.literal('exponential'), from: positive, to: positive, start: finite.optional(), end: finite })
      .strict()
      .describe('geometric ramp from `from` to `to` (both > 0)'),
    z
      .object({ kind: z.literal('logarithmic'), offset: finite, amplitude: finite.optional(), timeScale: positive })
      .strict()
      .describe('offset + amplitude * ln(1 + t / timeScale) (amplitude defaults to 1 kT)'),
    z
      .object({ kind: z.literal('expression'), expr: z.string().min(1) })
      .strict()
      .describe('a math expression in t (mathjs syntax), e.g. "8 * exp(-t)"'),
  ])
  .describe('a constant or a schedule in time');

const harmonicSchema = z
  .object({
    kind: z.literal('harmonic'),
    stiffness: scheduleSchema.describe('kappa, kT per length^2 (> 0)'),
    centre: scheduleSchema.optional().describe('trap centre, length (default 0)'),
    tilt: scheduleSchema.optional().describe('constant force F, kT per length (default 0)'),
  })
  .strict()
  .describe('U = (kappa/2)(x - c)^2 - F x');

const doubleWellSchema = z
  .object({
    kind: z.literal('double-well'),
    barrierHeight: scheduleSchema.describe('E_b, kT (> 0: a quartic of zero amplitude confines nothing)'),
    wellPosition: scheduleSchema.optional().describe('x_m, length (> 0, default 1)'),
    tilt: scheduleSchema.optional().describe('F, kT per length (default 0)'),
  })
  .strict()
  .describe('U = E_b ((x/x_m)^2 - 1)^2 - F x: a bit, wells at -x_m (state 0) and +x_m (state 1)');

const washboardSchema = z
  .object({
    kind: z.literal('washboard'),
    barrierHeight: scheduleSchema.describe('E_b, kT (>= 0)'),
    spacing: scheduleSchema.optional().describe('a, length (> 0, default 1)'),
    levels: z.number().int().min(2).max(1 << 16).describe('number of wells L (2^n for n bits)'),
    tilt: scheduleSchema.optional().describe('F, kT per length (default 0)'),
    wallStiffness: positive.optional().describe('confining wall stiffness, kT per length^2 (default 100)'),
  })
  .strict()
  .describe('U = (E_b/2)(1 - cos(2 pi x/a)) - F x between walls: a multi-level cell, wells at 0, a, ..., (L-1)a');

export type PotentialInput =
  | z.infer<typeof harmonicSchema>
  | z.infer<typeof doubleWellSchema>
  | z.infer<typeof washboardSchema>
  | { kind: 'sum'; terms: PotentialInput[] };

const sumSchema = z
  .object({ kind: z.literal('sum'), terms: z.array(z.lazy(() => potentialSchema)).min(1) })
  .strict()
  .describe('the sum of several potentials; the first with memory states defines the states');

export const potentialSchema: z.ZodType<PotentialInput> = z.lazy(() =>
  z.discriminatedUnion('kind', [harmonicSchema, doubleWellSchema, washboardSchema, sumSchema]),
);

const discreteSchema = z
  .object({
    kind: z.literal('discrete'),
    energies: z.array(scheduleSchema).min(2).describe('E_i(t) per state, kT'),
    barriers: z.array(scheduleSchema).min(1).describe('saddle energies B_i(t) between states i and i+1, kT'),
    attemptFrequency: positive.describe('nu, 1 / reduced time (Arrhenius prefactor)'),
  })
  .strict()
  .describe('a discrete-state memory given directly (monte-carlo and master-equation engines only)');

export type DiscreteInput = z.infer<typeof discreteSchema>;

/** A continuous potential, or a discrete-state memory for the discrete engines. */
export const memorySchema: z.ZodType<PotentialInput | DiscreteInput> = z.lazy(() =>
  z.discriminatedUnion('kind', [harmonicSchema, doubleWellSchema, washboardSchema, sumSchema, discreteSchema]),
);

export const initialSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('fixed'), x: finite }).strict().describe('every replica starts at x'),
    z.object({ kind: z.literal('boltzmann') }).strict().describe('exact draws from exp(-U/kT)/Z at t = 0'),
    z
      .object({
        kind: z.literal('bits'),
        probabilities: z.array(finite.refine((p) => p >= 0, { message: 'expected a probability >= 0' })).min(1),
      })
      .strict()
      .describe('a memory state drawn with these probabilities, then Boltzmann within it'),
  ])
  .describe('how the ensemble starts');

/** Largest ensemble a config (or --replicas) may ask for. */
export const MAX_REPLICAS = 100_000_000;

export const engineNames = ['langevin', 'monte-carlo', 'master-equation', 'fokker-planck'] as const;

export const physicsConfigSchema = z
  .object({
    kind: z.literal('physics').optional().describe('a plain physics run (default)'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, { message: 'expected letters, digits, ".", "_" or "-" (it names the results folder)' })
      .describe('run name; results go to results/<name>-<stamp>/'),
    description: z.string().optional(),
    engine: z.enum(engineNames).default('langevin').describe('which engine runs the problem'),
    integrator: z
      .enum(['euler-maruyama', 'leimkuhler-matthews'])
      .default('euler-maruyama')
      .describe('Langevin integrator'),
    seed: z.number().int().min(0).default(1).describe('run seed: every random stream derives from it'),
    replicas: z.number().int().min(1).max(MAX_REPLICAS).default(1000).describe('independent trajectories'),
    workers: z
      .number()
      .int()
      .min(1)
      .max(MAX_WORKERS)
      .default(1)
      .describe('worker threads for the Langevin ensemble (results are bit-identical for any number)'),
    units: z
      .object({
        temperature: positive.default(300).describe('bath temperature, K (sets the joule scale of kT)'),
      })
      .strict()
      .default({ temperature: 300 }),
    time: z
      .object({
        duration: positive.describe('protocol duration tau, reduced time'),
        dt: positive.describe('integration step, reduced time'),
      })
      .strict()
      .refine((t) => t.dt <= t.duration, { message: 'expected dt <= duration', path: ['dt'] }),
    friction: positive.default(1).describe('gamma (1 in reduced units)'),
    rates: z
      .enum(['exact', 'kramers'])
      .default('exact')
      .describe(
        'monte-carlo and master-equation on a potential: rates from the exact mean first-passage times of the potential (default) or from Kramers\' formula (docs/kinetics.md)',
      ),
    fokkerPlanck: z
      .object({
        cells: z.number().int().min(10).max(1_000_000).optional().describe('finite-volume cells (default: sized to resolve the potential)'),
      })
      .strict()
      .optional()
      .describe('Fokker-Planck engine options'),
    potential: memorySchema,
    initial: initialSchema.default({ kind: 'boltzmann' }),
    record: z
      .object({
        points: z.number().int().min(2).max(100_000).default(101).describe('timeseries points (evenly spaced)'),
        histogramBins: z.number().int().min(2).max(10_000).default(40).describe('bins of the work and heat histograms'),
        trajectories: z.boolean().default(false).describe('write trajectories.csv: per-trajectory W, Q, dU, final state and positions (sampling engines)'),
      })
      .strict()
      .default({ points: 101, histogramBins: 40, trajectories: false }),
  })
  .strict();

export type PhysicsConfig = z.infer<typeof physicsConfigSchema>;
