/**
 * Energy projections from workload figures to real model sizes (THEORY.md §5,
 * "Projections from workload figures"; docs/projections.md derives each line).
 *
 * Every figure carries its formula, the formula with numbers substituted, and
 * the assumptions behind it. No constant here is fitted to any published
 * headline: each default is chosen from the physics or a cited datasheet and
 * stated beside the figure it feeds.
 */
import { ConfigError } from '../errors.js';
import { BOLTZMANN_J_PER_K, DEFAULT_TEMPERATURE_K, LN2 } from '../physics/units.js';

// ---------------------------------------------------------------------------
// Cited workload constants

/** Training FLOPs per parameter per token: 2 forward + 4 backward (Kaplan et al., arXiv:2001.08361). */
export const FLOPS_PER_PARAMETER_TOKEN = 6;
/** Compute-optimal tokens per parameter (Hoffmann et al. "Chinchilla", arXiv:2203.15556). */
export const CHINCHILLA_TOKENS_PER_PARAMETER = 20;
/** NVIDIA H100 SXM dense BF16 tensor throughput, FLOP/s (NVIDIA Hopper whitepaper; 989.4 TFLOP/s). */
export const H100_DENSE_BF16_FLOPS = 989.4e12;
/** NVIDIA H100 SXM maximum board power, W. */
export const H100_BOARD_POWER_W = 700;
/**
 * Accelerator energy per FLOP, J: board power at peak dense throughput,
 * 700 W / 989.4e12 FLOP/s = 7.07e-13 J (0.71 pJ). A lower bound on a real run:
 * no host, network, memory stalls or cooling, 100 % utilisation.
 */
export const H100_JOULES_PER_FLOP = H100_BOARD_POWER_W / H100_DENSE_BF16_FLOPS;
/** Retention barrier of a conventional bit cell, kT (THEORY.md §5: about 40-60 kT; midpoint). */
export const DEFAULT_RETENTION_BARRIER_KT = 50;
/** Fraction of the n bits that change per word write when the new word is uncorrelated with the old. */
export const DEFAULT_FLIP_FRACTION = 0.5;
/**
 * Zero-barrier diffusion time over one level spacing, t0 = gamma a^2 / kT, in s.
 * 1 ns: the order of solid-state switching and of magnetic attempt times
 * (Neel-Brown tau_0 ~ 1e-9..1e-10 s). A cell whose attempt time tau_0 is quoted
 * at barrier E_b has t0 = pi (E_b/kT) tau_0 (cosine Kramers rate, THEORY.md §5),
 * i.e. larger; the speed term is linear in t0 (docs/projections.md, sensitivity).
 */
export const DEFAULT_CELL_DIFFUSION_TIME_S = 1e-9;

/** Model sizes for `projectSizes`: 1e6 ... 1e15 parameters, one per decade. */
export const DEFAULT_SIZES: readonly number[] = Array.from({ length: 10 }, (_, i) => 10 ** (6 + i));

// ---------------------------------------------------------------------------
// Types

/** What is trained, how, and on what hardware. Optional fields take the stated defaults. */
export interface Workload {
  /** N, number of model parameters. */
  parameters: number;
  /** D, training tokens. Default tokensPerParameter * N (Chinchilla, 20 N). */
  tokens?: number;
  /** Tokens per parameter when `tokens` is not given. Default 20. */
  tokensPerParameter?: number;
  /** FLOPs per parameter per token. Default 6 (the 6 N D rule). */
  flopsPerParameterToken?: number;
  /**
   * Tokens whose gradient is applied in one update step. Default 1: every
   * token's gradient is one in-memory update, so steps = FLOPs / (6 N).
   */
  tokensPerUpdate?: number;
  /** n, bits of precision per parameter (2^n levels per cell). */
  precisionBits: number;
  /** T, wall-clock training time in seconds. */
  trainingTime: number;
  /** Bath temperature, K. Default 300. */
  temperatureK?: number;
  /** Accelerator energy per FLOP, J. Default H100 (7.07e-13 J). */
  joulesPerFlop?: number;
  /** Conventional memory: retention barrier E_ret in kT. Default 50. */
  retentionBarrierKT?: number;
  /** Conventional memory: fraction of bits flipped per word write. Default 1/2. */
  flipFraction?: number;
  /** LIM speed term: gamma_eff / gamma, friction of the cell relative to free diffusion. Default 1. */
  frictionRatio?: number;
  /** LIM speed term: t0 = gamma a^2 / kT in s, a the level spacing. Default 1e-9 s. */
  cellDiffusionTime?: number;
  /** LIM speed term: mean distance moved per update, in level spacings. Default 1. */
  updateStepLevels?: number;
  /** The workload as model-update operations (parameter updates U = S N) directly; sets D = (U / N) B. */
  operations?: number;
  /** The workload as training FLOPs C directly; sets D = C / (k N). */
  flops?: number;
}

/** A workload with every default filled in. */
export type ResolvedWorkload = Required<Omit<Workload, 'tokensPerParameter' | 'operations' | 'flops'>> & {
  tokensPerParameter: number | null;
  /** How D was set: 'tokens' (given or 20 N), 'operations' or 'flops'. */
  workloadFrom: 'tokens' | 'operations' | 'flops';
};

export interface CountFigure {
  label: string;
  value: number;
  formula: string;
  substituted: string;
  assumptions: string[];
}

export interface EnergyFigure {
  label: string;
  joules: number;
  /** The same energy in units of kT at the workload's temperature. */
  kT: number;
  formula: string;
  substituted: string;
  assumptions: string[];
}

export interface Projection {
  workload: ResolvedWorkload;
  thermalEnergyJ: number;
  counts: {
    flops: CountFigure;
    updateSteps: CountFigure;
    parameterUpdates: CountFigure;
    secondsPerUpdate: CountFigure;
  };
  energies: {
    /** Landauer adiabatic floor, digital accounting: n bits erased per parameter update. */
    landauerFloor: EnergyFigure;
    /** Information (consolidation) term N n kT ln 2: the T -> infinity limit of the LIM bound. */
    informationFloor: EnergyFigure;
    /** LIM speed term with a path of one update step per update. */
    limSpeed: EnergyFigure;
    /** LIM bound = information floor + speed term (per-update path). */
    limBound: EnergyFigure;
    /** LIM speed term for the shortest path (optimal transport from full uncertainty). */
    limSpeedStraightPath: EnergyFigure;
    /** Information floor + straight-path speed term: the smallest LIM figure. */
    limBoundStraightPath: EnergyFigure;
    /** Conventional digital memory, fixed retention barrier. */
    conventional: EnergyFigure;
    /** Accelerator, e x FLOPs. */
    accelerator: EnergyFigure;
  };
  ratios: {
    acceleratorOverLim: number;
    /** log10 of acceleratorOverLim: orders of magnitude. */
    acceleratorOverLimOrders: number;
    limOverLandauer: number;
    conventionalOverLim: number;
  };
  /**
   * Training time T* at which the LIM bound equals the Landauer floor: slower
   * training puts LIM below the per-update Landauer floor, faster above.
   * Infinity when one update per parameter or fewer (LIM is then never below).
   */
  crossoverTrainingTime: number;
  /** Average accelerator power implied by e * FLOPs / T, W. */
  acceleratorAveragePowerW: number;
  assumptions: string[];
}

// ---------------------------------------------------------------------------
// Validation

/** Field name -> name shown in error messages (the CLI passes its flags). */
export type FieldNames = Partial<Record<keyof Workload, string>>;

function requirePositive(value: unknown, field: keyof Workload, names: FieldNames): number {
  const path = names[field] ?? field;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(path, `got ${String(value)}; expected a finite number > 0`);
  }
  return value;
}

/** Fill defaults and check every field; errors name the field (or its CLI flag). */
export function resolveWorkload(w: Workload, names: FieldNames = {}): ResolvedWorkload {
  const parameters = requirePositive(w.parameters, 'parameters', names);
  const precisionBits = requirePositive(w.precisionBits, 'precisionBits', names);
  if (!Number.isInteger(precisionBits) || precisionBits > 64) {
    throw new ConfigError(
      names.precisionBits ?? 'precisionBits',
      `got ${precisionBits}; expected an integer number of bits from 1 to 64`,
    );
  }
  const trainingTime = requirePositive(w.trainingTime, 'trainingTime', names);
  const pick = (field: keyof Workload, fallback: number): number =>
    w[field] === undefined ? fallback : requirePositive(w[field], field, names);

  const given = [w.tokens, w.operations, w.flops].filter((v) => v !== undefined).length;
  if (given > 1) {
    throw new ConfigError(names.operations ?? 'operations', 'give the workload once: tokens, operations (model-update operations) or FLOPs, not several');
  }
  const flopsPerParameterToken = pick('flopsPerParameterToken', FLOPS_PER_PARAMETER_TOKEN);
  const tokensPerUpdate = pick('tokensPerUpdate', 1);
  const explicit = w.tokens !== undefined || w.operations !== undefined || w.flops !== undefined;
  const tokensPerParameter = explicit ? null : pick('tokensPerParameter', CHINCHILLA_TOKENS_PER_PARAMETER);
  const workloadFrom: ResolvedWorkload['workloadFrom'] = w.operations !== undefined ? 'operations' : w.flops !== undefined ? 'flops' : 'tokens';
  const tokens =
    w.operations !== undefined
      ? (pick('operations', 0) / parameters) * tokensPerUpdate
      : w.flops !== undefined
        ? pick('flops', 0) / (flopsPerParameterToken * parameters)
        : w.tokens === undefined
          ? (tokensPerParameter as number) * parameters
          : pick('tokens', 0);
  if (tokensPerUpdate > tokens) {
    throw new ConfigError(
      names.tokensPerUpdate ?? 'tokensPerUpdate',
      `got ${tokensPerUpdate}, more than the ${tokens} training tokens; expected at most one step's worth of the data`,
    );
  }
  const flipFraction = pick('flipFraction', DEFAULT_FLIP_FRACTION);
  if (flipFraction > 1) {
    throw new ConfigError(names.flipFraction ?? 'flipFraction', `got ${flipFraction}; expected a fraction in (0, 1]`);
  }
  const frictionRatio = pick('frictionRatio', 1);
  if (frictionRatio < 1) {
    // Hopping over a barrier is never faster than free diffusion (gamma_eff >= gamma).
    throw new ConfigError(
      names.frictionRatio ?? 'frictionRatio',
      `got ${frictionRatio}; expected gamma_eff/gamma >= 1 (a barrier only slows the cell)`,
    );
  }
  return {
    parameters,
    tokens,
    tokensPerParameter,
    workloadFrom,
    flopsPerParameterToken,
    tokensPerUpdate,
    precisionBits,
    trainingTime,
    temperatureK: pick('temperatureK', DEFAULT_TEMPERATURE_K),
    joulesPerFlop: pick('joulesPerFlop', H100_JOULES_PER_FLOP),
    retentionBarrierKT: pick('retentionBarrierKT', DEFAULT_RETENTION_BARRIER_KT),
    flipFraction,
    frictionRatio,
    cellDiffusionTime: pick('cellDiffusionTime', DEFAULT_CELL_DIFFUSION_TIME_S),
    updateStepLevels: pick('updateStepLevels', 1),
  };
}

// ---------------------------------------------------------------------------
// Projection

/** Short numbers plainly (0.5, 300, 20), others in scientific notation with 4 significant digits. */
const fmt = (x: number): string => {
  const a = Math.abs(x);
  return a === 0 || (a >= 1e-3 && a < 1e6) ? String(Number(x.toPrecision(4))) : x.toExponential(3);
};

/** Project the energy of one training workload under each memory scheme. */
export function projectWorkload(w: Workload, names: FieldNames = {}): Projection {
  const r = resolveWorkload(w, names);
  const N = r.parameters;
  const n = r.precisionBits;
  const kT = BOLTZMANN_J_PER_K * r.temperatureK;
  const energy = (label: string, joules: number, formula: string, substituted: string, assumptions: string[]): EnergyFigure => ({
    label,
    joules,
    kT: joules / kT,
    formula,
    substituted,
    assumptions,
  });

  // Counts -----------------------------------------------------------------
  const flops = r.flopsPerParameterToken * N * r.tokens;
  const updateSteps = flops / (r.flopsPerParameterToken * N * r.tokensPerUpdate);
  const parameterUpdates = updateSteps * N;
  const secondsPerUpdate = r.trainingTime / updateSteps;
  const tokensAssumption =
    r.workloadFrom === 'operations'
      ? `U = ${fmt(r.tokens * N / r.tokensPerUpdate)} model-update operations (given): D = (U / N) B = ${fmt(r.tokens)} tokens`
      : r.workloadFrom === 'flops'
        ? `C = ${fmt(r.flopsPerParameterToken * N * r.tokens)} FLOPs (given): D = C / (k N) = ${fmt(r.tokens)} tokens`
        : r.tokensPerParameter === null
      ? `D = ${fmt(r.tokens)} tokens (given)`
      : `D = ${r.tokensPerParameter} N tokens (compute-optimal, Hoffmann et al. 2022)`;

  const counts: Projection['counts'] = {
    flops: {
      label: 'training FLOPs',
      value: flops,
      formula: 'C = k N D',
      substituted: `${r.flopsPerParameterToken} x ${fmt(N)} x ${fmt(r.tokens)}`,
      assumptions: [`k = ${r.flopsPerParameterToken} FLOPs per parameter per token (6ND rule, Kaplan et al. 2020)`, tokensAssumption],
    },
    updateSteps: {
      label: 'update steps',
      value: updateSteps,
      formula: 'S = C / (k N B) = D / B',
      substituted: `${fmt(r.tokens)} / ${fmt(r.tokensPerUpdate)}`,
      assumptions: [`B = ${fmt(r.tokensPerUpdate)} token(s) per update: each step touches every parameter once`],
    },
    parameterUpdates: {
      label: 'parameter updates',
      value: parameterUpdates,
      formula: 'U = S N',
      substituted: `${fmt(updateSteps)} x ${fmt(N)}`,
      assumptions: ['every step updates all N parameters (dense training)'],
    },
    secondsPerUpdate: {
      label: 'time per update step [s]',
      value: secondsPerUpdate,
      formula: 'dt = T / S',
      substituted: `${fmt(r.trainingTime)} s / ${fmt(updateSteps)}`,
      assumptions: ['update steps are sequential and fill the training time T'],
    },
  };

  // Energies ---------------------------------------------------------------
  const kTln2 = kT * LN2;
  const kTAssumption = `kT = ${kT.toExponential(4)} J at ${fmt(r.temperatureK)} K`;

  const landauerFloor = energy(
    'Landauer adiabatic floor (n bits per update)',
    parameterUpdates * n * kTln2,
    'E_L = U n kT ln 2',
    `${fmt(parameterUpdates)} x ${n} x ${kTln2.toExponential(4)} J`,
    [
      'a bit operation = one bit of a parameter word erased and rewritten; each parameter update erases its n-bit word once',
      'erasure done quasi-statically (adiabatic limit), at the Landauer cost kT ln 2 per bit',
      kTAssumption,
    ],
  );

  const informationFloor = energy(
    'information floor (LIM consolidation term)',
    N * n * kTln2,
    'E_info = N n kT ln 2',
    `${fmt(N)} x ${n} x ${kTln2.toExponential(4)} J`,
    ['N parameters settled to n-bit precision from full uncertainty (one of 2^n levels)', kTAssumption],
  );

  // Speed term: N gamma_eff l^2 / T = N kT (gamma_eff/gamma) (l/a)^2 t0 / T (Cauchy-Schwarz on the drag integral).
  const dragPerLevel2 = N * kT * r.frictionRatio * (r.cellDiffusionTime / r.trainingTime);
  const frictionAssumption = `gamma_eff/gamma = ${fmt(r.frictionRatio)} (1 = free diffusion, the least friction a cell can offer)`;
  const t0Assumption = `t0 = gamma a^2/kT = ${fmt(r.cellDiffusionTime)} s per level spacing a`;
  const pathLevels = updateSteps * r.updateStepLevels;
  const limSpeed = energy(
    'LIM speed term (per-update path)',
    dragPerLevel2 * pathLevels * pathLevels,
    'E_speed = N kT (gamma_eff/gamma) (t0/T) (S s)^2',
    `${fmt(N)} x ${kT.toExponential(4)} J x ${fmt(r.frictionRatio)} x (${fmt(r.cellDiffusionTime)} s / ${fmt(r.trainingTime)} s) x (${fmt(updateSteps)} x ${fmt(r.updateStepLevels)})^2`,
    [
      `each update moves each parameter s = ${fmt(r.updateStepLevels)} level(s); path l = S s levels, travelled at constant speed (optimal)`,
      frictionAssumption,
      t0Assumption,
      kTAssumption,
    ],
  );
  const limBound = energy(
    'LIM bound (information + speed)',
    informationFloor.joules + limSpeed.joules,
    'E_LIM = N n kT ln 2 + E_speed',
    `${informationFloor.joules.toExponential(4)} J + ${limSpeed.joules.toExponential(4)} J`,
    ['sum of the two lines above; barrier modulation makes no per-update erasure'],
  );

  // Straight path: W2^2 between uniform over 2^n levels and a point at a uniform target = (2^n)^2 / 6.
  const straightPath2 = 4 ** n / 6;
  const limSpeedStraightPath = energy(
    'LIM speed term (straight path)',
    dragPerLevel2 * straightPath2,
    'E_speed,min = N kT (gamma_eff/gamma) (t0/T) 4^n / 6',
    `${fmt(N)} x ${kT.toExponential(4)} J x ${fmt(r.frictionRatio)} x (${fmt(r.cellDiffusionTime)} s / ${fmt(r.trainingTime)} s) x ${straightPath2.toExponential(4)}`,
    [
      'l^2 = W2^2 from a uniform start over the 2^n levels to the final value (uniform over targets): (2^n)^2/6',
      'no detours: the shortest path any training could take',
      frictionAssumption,
      t0Assumption,
    ],
  );
  const limBoundStraightPath = energy(
    'LIM bound (straight path)',
    informationFloor.joules + limSpeedStraightPath.joules,
    'E_LIM,min = N n kT ln 2 + E_speed,min',
    `${informationFloor.joules.toExponential(4)} J + ${limSpeedStraightPath.joules.toExponential(4)} J`,
    ['smallest LIM figure: what any schedule must pay'],
  );

  const forcedFlipKT = r.flipFraction * n * r.retentionBarrierKT;
  const perWordKT = Math.max(n * LN2, forcedFlipKT);
  const conventional = energy(
    'conventional memory (fixed barrier)',
    parameterUpdates * perWordKT * kT,
    'E_conv = U max(n ln 2, f n E_ret/kT) kT',
    `${fmt(parameterUpdates)} x max(${(n * LN2).toFixed(3)}, ${fmt(r.flipFraction)} x ${n} x ${fmt(r.retentionBarrierKT)}) x ${kT.toExponential(4)} J`,
    [
      `each update rewrites an n-bit word; a fraction f = ${fmt(r.flipFraction)} of its bits flip`,
      `each forced flip over the fixed retention barrier dissipates about E_ret = ${fmt(r.retentionBarrierKT)} kT`,
      'never below the erase floor n kT ln 2 per word',
      kTAssumption,
    ],
  );

  const accelerator = energy(
    'accelerator (e x FLOPs)',
    r.joulesPerFlop * flops,
    'E_acc = e C',
    `${r.joulesPerFlop.toExponential(4)} J x ${fmt(flops)}`,
    [
      r.joulesPerFlop === H100_JOULES_PER_FLOP
        ? 'e = 700 W / 989.4e12 FLOP/s = 7.07e-13 J/FLOP (NVIDIA H100 SXM, dense BF16, board power at peak throughput)'
        : `e = ${r.joulesPerFlop.toExponential(4)} J/FLOP (given)`,
      '100 % utilisation, no host, network or cooling energy: a lower bound for the accelerator',
    ],
  );

  // T* where limBound = landauerFloor: N kT rho t0 (S s)^2 / T* = N n kT ln2 (S - 1) with S updates per parameter.
  const crossoverTrainingTime =
    updateSteps <= 1
      ? Infinity
      : (r.frictionRatio * r.cellDiffusionTime * pathLevels * pathLevels) / (n * LN2 * (updateSteps - 1));

  const acceleratorOverLim = accelerator.joules / limBound.joules;
  return {
    workload: r,
    thermalEnergyJ: kT,
    counts,
    energies: {
      landauerFloor,
      informationFloor,
      limSpeed,
      limBound,
      limSpeedStraightPath,
      limBoundStraightPath,
      conventional,
      accelerator,
    },
    ratios: {
      acceleratorOverLim,
      acceleratorOverLimOrders: Math.log10(acceleratorOverLim),
      limOverLandauer: limBound.joules / landauerFloor.joules,
      conventionalOverLim: conventional.joules / limBound.joules,
    },
    crossoverTrainingTime,
    acceleratorAveragePowerW: accelerator.joules / r.trainingTime,
    assumptions: [
      counts.flops.assumptions[1],
      `n = ${n} bits per parameter, T = ${fmt(r.trainingTime)} s, ${fmt(r.temperatureK)} K`,
      'all parameters updated in parallel in memory; sequential steps fill T',
    ],
  };
}

/**
 * Project the same workload over model sizes. `parameters` is replaced by each
 * size; tokens follow tokensPerParameter * N unless the base fixes `tokens`
 * (then the data set is held fixed across sizes). Every other field is kept.
 */
export function projectSizes(base: Workload, sizes: readonly number[] = DEFAULT_SIZES, names: FieldNames = {}): Projection[] {
  return sizes.map((parameters) => projectWorkload({ ...base, parameters }, names));
}

// ---------------------------------------------------------------------------
// Presets

/**
 * Brain-scale: N = 1e15 (order of the synapse count of a human brain). Every
 * other value is stated here and in docs/projections.md; none is fitted to the
 * published 1e8-1e9 J headline.
 */
export const BRAIN_SCALE: Readonly<Workload> = Object.freeze({
  parameters: 1e15,
  // tokens: default 20 N = 2e16 (Chinchilla-optimal)
  precisionBits: 8, // int8 / FP8 training formats
  trainingTime: 1e7, // ~116 days, the order of a frontier training run
  temperatureK: 300,
  joulesPerFlop: H100_JOULES_PER_FLOP,
});

export const PRESETS: Readonly<Record<string, Readonly<Workload>>> = Object.freeze({
  'brain-scale': BRAIN_SCALE,
});
