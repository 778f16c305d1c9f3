import { z } from 'zod';
import { scheduleSchema, tableScheduleSchema } from './schema.js';

/**
 * Schema of a training config (`kind: training`): a data set, a model, the
 * training loop, and the parameter stores it runs in (docs/physics.md §5). Units as
 * everywhere: energies in kT, time in gamma a^2 / kT, lengths in level spacings.
 */

const finite = z.number().refine(Number.isFinite, { message: 'expected a finite number' });
const positive = finite.refine((v) => v > 0, { message: 'expected a number > 0' });
const range = z
  .tuple([finite, finite])
  .refine(([lo, hi]) => hi > lo, { message: 'expected [w_min, w_max] with w_min < w_max' })
  .describe('parameter range [w_min, w_max] mapped onto the 2^n levels');
/** Bits are checked by the store factory (precision < 1 bit gets its own message there). */
const bits = z
  .union([finite, z.string().regex(/^auto(\+\d+)?$/)], { error: "expected a number of bits (integer >= 1), 'auto' or 'auto+k'" })
  .optional()
  .describe(
    "precision n: 2^n levels per parameter (>= 1); absent or 'auto': the least n whose rounding floor tr(H) step^2 / 24 fits half the loss budget, 'auto+k': k bits more (docs/lim-calibration.md §4a)",
  );

const datasetSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('linear-regression'),
        samples: z.number().int().min(2).optional(),
        features: z.number().int().min(1).optional(),
        noiseStd: finite.optional(),
        trueWeights: z.array(finite).min(1).optional(),
        trueBias: finite.optional(),
        standardize: z.boolean().default(false),
      })
      .strict()
      .describe('y = X w* + b* + noise, X ~ N(0, 1)'),
    z
      .object({
        kind: z.literal('blobs'),
        samples: z.number().int().min(2).optional(),
        features: z.number().int().min(1).optional(),
        separation: finite.optional(),
        std: positive.optional(),
        standardize: z.boolean().default(false),
      })
      .strict()
      .describe('two Gaussian blobs (binary)'),
    z
      .object({
        kind: z.literal('xor'),
        samples: z.number().int().min(4).optional(),
        noiseStd: finite.optional(),
        standardize: z.boolean().default(false),
      })
      .strict()
      .describe('four clusters at (+-1, +-1), label x1 XOR x2 (binary)'),
    z
      .object({
        kind: z.literal('moons'),
        samples: z.number().int().min(2).optional(),
        noiseStd: finite.optional(),
        standardize: z.boolean().default(false),
      })
      .strict()
      .describe('two interleaving half circles (binary)'),
    z
      .object({
        kind: z.literal('iris'),
        positiveClass: z.string().optional(),
        negativeClass: z.string().optional(),
        path: z.string().optional().describe('CSV location, relative to the config file (default data/iris.csv)'),
        standardize: z.boolean().default(true),
      })
      .strict()
      .describe("Fisher's Iris, one species against another (binary)"),
    z
      .object({
        kind: z.literal('teacher-student'),
        parameters: z.number().int().min(1).max(1_000_000).describe('student size N (up to 1e6)'),
        spectrumExponent: finite.optional().describe('curvatures h_i = i^-alpha (default 0)'),
        noiseStd: finite.optional(),
        standardize: z.literal(false).default(false),
      })
      .strict()
      .describe('population loss of a linear teacher-student regression: known optimum w*, L* = sigma^2/2 (model kind teacher-student)'),
    z
      .object({
        kind: z.literal('digits'),
        path: z.string().optional().describe('digits file (gzip CSV), relative to the config file (default data/digits.csv.gz)'),
        standardize: z.boolean().default(true),
      })
      .strict()
      .describe('8x8 handwritten digits, 1797 samples, 64 pixels, 10 classes (UCI; data/README.md)'),
    z
      .object({
        kind: z.literal('csv'),
        path: z.string().min(1).describe('CSV file, relative to the config file'),
        labelColumn: z.string().min(1),
        featureColumns: z.array(z.string().min(1)).min(1).optional(),
        task: z.enum(['regression', 'binary']).optional(),
        positiveClass: z.string().optional(),
        classes: z.array(z.string()).min(2).optional(),
        standardize: z.boolean().default(true),
      })
      .strict()
      .describe('a labelled CSV table'),
  ])
  .describe('the data set');

const modelSchema = z
  .object({
    kind: z.enum(['linear-regression', 'logistic-regression', 'softmax-regression', 'teacher-student', 'mlp']),
    hiddenUnits: z.number().int().min(1).max(1024).optional(),
  })
  .strict();

const initSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('model') }).strict().describe("the model's seeded initialisation, the same for every copy"),
    z
      .object({ kind: z.literal('uniform'), range })
      .strict()
      .describe('each copy and parameter uniform on the range (full uncertainty when it is the store range)'),
  ])
  .default({ kind: 'model' });

const writePulseSchema = z
  .object({
    duration: positive.optional().describe('pulse length, reduced time (default: the update interval)'),
    peakTilt: positive.optional().describe('peak tilt / critical tilt (default 1.2)'),
    rampFraction: positive.optional().describe('fraction of the pulse on each ramp (default 0.25)'),
  })
  .strict();

const calibrationSchema = z
  .object({
    engine: z.enum(['langevin', 'monte-carlo']).default('langevin').describe('engine that simulates the write pulse on single cells'),
    replicas: z.number().int().min(10).max(1_000_000).default(1000),
    dt: positive.optional(),
  })
  .strict()
  .default({ engine: 'langevin', replicas: 1000 });

const bitCommon = {
  name: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
  bits,
  range: range.optional().describe("parameter range; default: the float baseline's parameter extent widened by 10 % each side (docs/lim-calibration.md)"),
  rounding: z.enum(['stochastic', 'nearest']).default('stochastic').describe('rounding of the updated value to a level'),
  writePulse: writePulseSchema.optional(),
  calibration: calibrationSchema,
};

const barrierScheduleSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('constant'), value: finite }).strict(),
    z.object({ kind: z.literal('linear'), from: finite, to: finite }).strict().describe('linear ramp over the training time'),
    z.object({ kind: z.literal('exponential'), from: positive, to: positive }).strict().describe('geometric ramp over the training time'),
    z
      .object({ kind: z.literal('logarithmic'), offset: finite, timeScale: positive, amplitude: finite.optional() })
      .strict()
      .describe('E_0 + A ln(1 + t / t_0): eta ~ 1 / (1 + t/t_0) for A = 1 (Robbins-Monro)'),
    z.object({ kind: z.literal('expression'), expr: z.string().min(1) }).strict().describe('a mathjs expression in t'),
    tableScheduleSchema('barrier').describe('piecewise-linear through [t, barrier] points, constant outside (what limsim optimize writes)'),
    z
      .object({
        kind: z.literal('learning-rate'),
        learningRate: scheduleSchema.describe('requested learning rate per update, as a function of time'),
        mobility: z.enum(['kramers', 'exact']).optional().describe('mobility-barrier relation inverted (default kramers)'),
      })
      .strict()
      .describe('the barrier that gives a requested learning rate'),
  ])
  .describe('barrier schedule E_b(t) during training (sets the learning rate)');

export const storeSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('float'), name: z.string().regex(/^[A-Za-z0-9._-]+$/).optional() }).strict().describe('ideal float64 store'),
    z
      .object({
        kind: z.literal('digital'),
        ...bitCommon,
        retentionBarrier: positive.default(50).describe('E_ret of every bit, kT'),
        scheme: z.enum(['flip-changed', 'erase-then-write']).default('flip-changed'),
        settlingFraction: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .describe('last fraction of the updates rounded to nearest with step 1 / lambda_max (default 0.1 with stochastic rounding and no range given, else 0)'),
      })
      .strict()
      .describe('conventional n-bit words at a fixed retention barrier'),
    z
      .object({
        kind: z.literal('consolidation'),
        ...bitCommon,
        shortTermBarrier: positive.describe('volatile cell barrier, kT'),
        longTermBarrier: positive.default(50).describe('retention barrier, kT'),
        consolidationInterval: z.number().int().min(1).describe('K_c: updates between consolidations'),
      })
      .strict()
      .describe('short-term volatile words consolidated into long-term memory every K_c updates'),
    z
      .object({
        kind: z.literal('lim'),
        name: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
        bits,
        range: range.optional().describe("parameter range; default: the float baseline's parameter extent widened by 10 % each side (docs/lim-calibration.md)"),
        engine: z.enum(['langevin', 'monte-carlo']).default('langevin'),
        integrator: z.enum(['euler-maruyama', 'leimkuhler-matthews']).default('euler-maruyama'),
        rates: z
          .enum(['exact', 'kramers'])
          .default('exact')
          .describe("monte-carlo: hopping rates from the exact mean first-passage times of the washboard (default; drift = the exact drift, zero-tilt rate = Lifson-Jackson mobility) or from Kramers' formula (docs/kinetics.md)"),
        tiltGain: positive
          .optional()
          .describe('kappa: F_i = -kappa dL/dw_i, kT per level spacing per unit gradient; default derived from the task (docs/lim-calibration.md)'),
        drive: z
          .enum(['linear', 'linearized'])
          .optional()
          .describe("'linearized' (monte-carlo): the tilt whose hopping drift is r kappa g; default linearized when kappa is derived"),
        annealFraction: z
          .number()
          .min(0)
          .max(1)
          .optional()
          .describe('linearized drive: last fraction of the updates under the linear (detailed-balance) drive F = -kappa g (default 0.1)'),
        maxTilt: positive.optional().describe('largest |F| applied (default 0.1 / dt)'),
        dt: positive.optional().describe('Langevin step (default 0.2 / (2 pi^2 E_max)) or Monte-Carlo protocol step'),
        wallStiffness: positive.optional(),
        barrier: barrierScheduleSchema.optional().describe('default: the barrier that gives training.learningRate'),
        minBarrier: positive.default(2).describe('lowest barrier allowed, kT'),
        consolidation: z
          .object({
            barrier: positive.default(40).describe('E_ret after the final barrier raise, kT'),
            duration: positive.default(2).describe('time of the barrier raise'),
            dt: positive.optional(),
          })
          .strict()
          .default({ barrier: 40, duration: 2 }),
        conventionalBarrier: positive.default(50).describe('E_ret of the digital memory used for the conventional estimate'),
      })
      .strict()
      .describe('learning in memory: a washboard cell per parameter'),
  ])
  .describe('a parameter store');

export const trainingConfigSchema = z
  .object({
    kind: z.literal('training'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, { message: 'expected letters, digits, ".", "_" or "-" (it names the results folder)' }),
    description: z.string().optional(),
    seed: z.number().int().min(0).default(1),
    units: z.object({ temperature: positive.default(300) }).strict().default({ temperature: 300 }),
    dataset: datasetSchema,
    testFraction: positive.optional().describe('hold out this fraction of the samples for a test set'),
    model: modelSchema,
    training: z
      .object({
        copies: z.number().int().min(1).max(100_000).default(16).describe('independent training copies (for standard errors)'),
        updates: z.number().int().min(1).max(10_000_000),
        updateInterval: positive.default(1).describe('reduced time per update (the LIM update window)'),
        batchSize: z.number().int().min(1).optional(),
        learningRate: scheduleSchema.default(0.05).describe('eta per update as a function of time (float, digital, consolidation stores; and LIM barrier kind learning-rate)'),
        init: initSchema,
        recordPoints: z.number().int().min(2).max(100_000).default(41),
      })
      .strict(),
    stores: z.array(storeSchema).min(1),
    comparison: z
      .object({
        lossTolerance: positive.default(0.05).describe('relative excess of final loss over the float baseline still counted as matched'),
      })
      .strict()
      .default({ lossTolerance: 0.05 }),
  })
  .strict();

export type TrainingConfig = z.infer<typeof trainingConfigSchema>;
