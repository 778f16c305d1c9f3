/**
 * `limsim project`: energy projections to real model sizes (docs/projections.md).
 * A thin shell over src/experiments/project.ts: parse flags, project, print a
 * table or JSON, optionally write projection.json and an energy-vs-size plot.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../errors.js';
import {
  DEFAULT_SIZES,
  PRESETS,
  projectSizes,
  projectWorkload,
  type EnergyFigure,
  type FieldNames,
  type Projection,
  type Workload,
} from '../experiments/project.js';
import { checkOutputFolder, writeFileAtomic } from '../report/files.js';
import type { AffinePathFit, PowerLawFit, SliceFit } from '../experiments/project-calibration.js';

/** Flags as commander hands them over (all strings). */
export interface ProjectCliOptions {
  preset?: string;
  params?: string;
  tokens?: string;
  tokensPerUpdate?: string;
  precision?: string;
  time?: string;
  temperature?: string;
  joulesPerFlop?: string;
  retentionBarrier?: string;
  flipFraction?: string;
  frictionRatio?: string;
  cellTime?: string;
  updateStep?: string;
  ops?: string;
  flops?: string;
  calibrate?: string;
  sizes?: boolean;
  json?: boolean;
  out?: string;
}

/** Workload field -> flag, so every error names the flag the user typed. */
const FLAGS: Required<Pick<FieldNames, keyof Workload>> = {
  parameters: '--params',
  tokens: '--tokens',
  tokensPerParameter: '--preset',
  flopsPerParameterToken: '--preset',
  tokensPerUpdate: '--tokens-per-update',
  precisionBits: '--precision',
  trainingTime: '--time',
  temperatureK: '--temperature',
  joulesPerFlop: '--joules-per-flop',
  retentionBarrierKT: '--retention-barrier',
  flipFraction: '--flip-fraction',
  frictionRatio: '--friction-ratio',
  cellDiffusionTime: '--cell-time',
  updateStepLevels: '--update-step',
  operations: '--ops',
  flops: '--flops',
};

const OPTION_FOR_FIELD: [keyof ProjectCliOptions, keyof Workload][] = [
  ['params', 'parameters'],
  ['tokens', 'tokens'],
  ['tokensPerUpdate', 'tokensPerUpdate'],
  ['precision', 'precisionBits'],
  ['time', 'trainingTime'],
  ['temperature', 'temperatureK'],
  ['joulesPerFlop', 'joulesPerFlop'],
  ['retentionBarrier', 'retentionBarrierKT'],
  ['flipFraction', 'flipFraction'],
  ['frictionRatio', 'frictionRatio'],
  ['cellTime', 'cellDiffusionTime'],
  ['updateStep', 'updateStepLevels'],
  ['ops', 'operations'],
  ['flops', 'flops'],
];

/** A flag value as a finite positive number, or a ConfigError naming the flag. */
export function parsePositiveFlag(flag: string, raw: string): number {
  const text = raw.trim();
  const value = text === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(flag, `got "${raw}"; expected a finite number > 0 (e.g. 1e15)`);
  }
  return value;
}

/** Build the workload from a preset (default brain-scale) overridden by flags. */
export function workloadFromOptions(opts: ProjectCliOptions): Workload {
  const presetName = opts.preset ?? 'brain-scale';
  const preset = PRESETS[presetName];
  if (!preset) {
    throw new ConfigError('--preset', `got "${presetName}"; expected one of ${Object.keys(PRESETS).join(', ')}`);
  }
  const workload: Workload = { ...preset };
  // A workload given as operations or FLOPs replaces the preset's token count.
  if (opts.ops !== undefined || opts.flops !== undefined) delete workload.tokens;
  for (const [option, field] of OPTION_FOR_FIELD) {
    const raw = opts[option];
    if (raw === undefined) continue;
    const value = parsePositiveFlag(FLAGS[field], String(raw));
    (workload as unknown as Record<string, number>)[field] = value;
  }
  return workload;
}

// ---------------------------------------------------------------------------
// Output

const sci = (x: number): string => (Number.isFinite(x) ? x.toExponential(3) : String(x));

const FIGURE_ORDER: (keyof Projection['energies'])[] = [
  'informationFloor',
  'limBoundStraightPath',
  'limSpeed',
  'limBound',
  'landauerFloor',
  'conventional',
  'accelerator',
];

function figureBlock(f: EnergyFigure): string {
  return [
    `${f.label.padEnd(46)} ${sci(f.joules).padStart(11)} J   ${sci(f.kT).padStart(11)} kT`,
    `    ${f.formula}`,
    `    = ${f.substituted}`,
    ...f.assumptions.map((a) => `    assumes: ${a}`),
  ].join('\n');
}

/** Human-readable report of one projection: counts, energies with formulas and assumptions, ratios. */
export function formatProjection(p: Projection): string {
  const w = p.workload;
  const lines: string[] = [
    `Energy projection: N = ${sci(w.parameters)} parameters, D = ${sci(w.tokens)} tokens, n = ${w.precisionBits} bits, T = ${sci(w.trainingTime)} s, ${w.temperatureK} K (kT = ${p.thermalEnergyJ.toExponential(4)} J)`,
    '',
    'Counts',
  ];
  for (const c of Object.values(p.counts)) {
    lines.push(`${c.label.padEnd(46)} ${sci(c.value).padStart(11)}`, `    ${c.formula} = ${c.substituted}`);
    for (const a of c.assumptions) lines.push(`    assumes: ${a}`);
  }
  lines.push('', 'Energies');
  for (const key of FIGURE_ORDER) lines.push(figureBlock(p.energies[key]));
  lines.push(
    '',
    'Ratios',
    `accelerator / LIM bound          ${sci(p.ratios.acceleratorOverLim)}  (${p.ratios.acceleratorOverLimOrders.toFixed(2)} orders of magnitude)`,
    `LIM bound / Landauer floor       ${sci(p.ratios.limOverLandauer)}`,
    `conventional / LIM bound         ${sci(p.ratios.conventionalOverLim)}`,
    `crossover time T* (LIM = Landauer floor; LIM is below it for T > T*): ${sci(p.crossoverTrainingTime)} s`,
    `accelerator average power e C / T: ${sci(p.acceleratorAveragePowerW)} W`,
  );
  return lines.join('\n') + '\n';
}

/** One row per model size. */
export function formatSizesTable(projections: Projection[]): string {
  const header = ['N', 'D', 'Landauer [J]', 'LIM bound [J]', 'LIM min [J]', 'conventional [J]', 'accelerator [J]', 'acc/LIM [orders]'];
  const rows = projections.map((p) => [
    sci(p.workload.parameters),
    sci(p.workload.tokens),
    sci(p.energies.landauerFloor.joules),
    sci(p.energies.limBound.joules),
    sci(p.energies.limBoundStraightPath.joules),
    sci(p.energies.conventional.joules),
    sci(p.energies.accelerator.joules),
    p.ratios.acceleratorOverLimOrders.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** Log-log energy vs model size: Landauer floor, LIM bound, conventional, accelerator. */
export async function energyVsSizePlot(projections: Projection[]): Promise<string> {
  // Loaded here, not at the top: vega is not needed for --help, --version or the table (issue 12).
  const { linePlot } = await import('../report/plots.js');
  const x = projections.map((p) => p.workload.parameters);
  const series = (name: string, key: keyof Projection['energies']) => ({
    name,
    x,
    y: projections.map((p) => p.energies[key].joules),
  });
  const w = projections[0]?.workload;
  return linePlot({
    title: `Training energy vs model size (n = ${w?.precisionBits} bits, T = ${sci(w?.trainingTime ?? NaN)} s, ${w?.temperatureK} K)`,
    xLabel: 'model size N [parameters]',
    yLabel: 'training energy [J]',
    logX: true,
    logY: true,
    series: [
      series('Landauer floor (n kT ln 2 per update)', 'landauerFloor'),
      series('LIM bound (per-update path)', 'limBound'),
      series('LIM bound (straight path)', 'limBoundStraightPath'),
      series('conventional memory', 'conventional'),
      series('accelerator (e x FLOPs)', 'accelerator'),
      // The published range, drawn as a vertical segment at N = 1e15 for comparison.
      { name: 'Chen et al. 2024 LIM headline (N = 1e15)', x: [1e15, 1e15], y: [1e8, 1e9] },
    ],
    width: 560,
    height: 380,
  });
}

export interface ProjectRunResult {
  projection: Projection;
  sizes: Projection[] | null;
  calibrated?: CalibratedProjection;
}

/** A store's measured q carried to the workload by one fitted model. */
export interface CalibratedStore {
  store: string;
  kind: string;
  model: 'power' | 'levels' | 'path';
  kTPerParameterUpdate: number;
  /** Statistical SE of ln q from the fit covariance (without the model scatter). */
  lnSe: number;
  /** rms residual of ln q in the fit: the model's fractional scatter at the measured points. */
  lnScatter: number;
  joules: number;
  /** The workload lies outside the fitted ranges (then `extrapolation` says by how much). */
  extrapolated: boolean;
  extrapolation: string;
}

/** The measured heat per parameter-update, fitted on a scaling sweep (points at matched loss only), carried to the workload. */
export interface CalibratedProjection {
  source: string;
  /** Power law in n (the issue's fit) and the level-count model in 2^n - 1. */
  fits: PowerLawFit[];
  levelFits: PowerLawFit[];
  /** The path-heat model (LIM stores under the linearized drive): q against the parameter-free q_path of each run. */
  pathFits: PowerLawFit[];
  /** q = alpha q_path + beta per LIM store. */
  affinePathFits: AffinePathFit[];
  slices: SliceFit[];
  /** Store points left out of the fits, with the reason. */
  excluded: { store: string; parameters: number; bits: number; updateInterval: number; reason: string }[];
  /** Update window of the workload in reduced time: (T / S) / t0. */
  updateWindow: number;
  stores: CalibratedStore[];
}

export async function calibrateProjection(source: string, projection: Projection): Promise<CalibratedProjection> {
  const { evaluateFit, excludedPoints, fitAffinePath, fitScaling, readScalingPoints, sliceFits } = await import('../experiments/project-calibration.js');
  const points = readScalingPoints(source);
  const fits = fitScaling(points, 'power');
  const levelFits = fitScaling(points, 'levels');
  const pathFits = points.some((p) => p.passed && p.pathHeatPerParameterUpdate !== null) ? fitScaling(points, 'path') : [];
  const w = projection.workload;
  const window = projection.counts.secondsPerUpdate.value / w.cellDiffusionTime;
  const ops = projection.counts.parameterUpdates.value;
  const carry = (f: PowerLawFit): CalibratedStore => {
    const q = evaluateFit(f, w.parameters, w.precisionBits, window);
    const outside = [
      w.parameters > f.ranges.N[1] ? `N = ${sci(w.parameters)} is ${Math.log10(w.parameters / f.ranges.N[1]).toFixed(1)} decades above the fitted ${sci(f.ranges.N[0])}..${sci(f.ranges.N[1])}` : '',
      w.parameters < f.ranges.N[0] ? `N = ${sci(w.parameters)} below the fitted ${sci(f.ranges.N[0])}` : '',
      w.precisionBits > f.ranges.n[1] || w.precisionBits < f.ranges.n[0] ? `n = ${w.precisionBits} outside the fitted ${f.ranges.n.join('..')} bits` : '',
      window > f.ranges.Delta[1] || window < f.ranges.Delta[0] ? `Delta = ${window.toExponential(2)} outside the fitted ${f.ranges.Delta.join('..')}` : '',
    ].filter(Boolean);
    return {
      store: f.store,
      kind: f.kind,
      model: f.model,
      kTPerParameterUpdate: q.kT,
      lnSe: q.lnSe,
      lnScatter: f.residualRms,
      joules: ops * q.kT * projection.thermalEnergyJ,
      extrapolated: outside.length > 0,
      extrapolation: outside.length ? `EXTRAPOLATED: ${outside.join('; ')}` : 'inside the fitted ranges',
    };
  };
  const excluded = excludedPoints(points).map((p) => ({ store: p.store, parameters: p.parameters, bits: p.bits, updateInterval: p.updateInterval, reason: p.exclusion ?? '' }));
  return { source, fits, levelFits, pathFits, affinePathFits: [...fitAffinePath(points, 'se'), ...fitAffinePath(points, 'relative')], slices: sliceFits(points), excluded, updateWindow: window, stores: [...fits.map(carry), ...levelFits.map(carry)] };
}

export async function formatCalibrated(c: CalibratedProjection, p: Projection): Promise<string> {
  const { formatAffinePathFits, formatScalingFits, formatSliceFits } = await import('../experiments/project-calibration.js');
  const ops = p.counts.parameterUpdates.value;
  const lines = [
    '',
    `Calibrated on measurement (${c.source}): E = U q(N, n, Delta) kT, U = ${ops.toExponential(3)} parameter updates, Delta = (T/S)/t0 = ${c.updateWindow.toExponential(3)}`,
    c.excluded.length
      ? `excluded from the fits (not at matched loss or below a bound), ${c.excluded.length} store points:`
      : 'every store point of the sweep is at matched loss and enters the fits',
    ...c.excluded.map((x) => `  ${x.store} at N = ${x.parameters}, n = ${x.bits}, Delta = ${x.updateInterval}: ${x.reason}`),
    formatScalingFits(c.fits).trimEnd(),
    formatScalingFits(c.levelFits).trimEnd(),
    ...(c.pathFits.length ? [formatScalingFits(c.pathFits).trimEnd()] : []),
    ...(c.affinePathFits.length ? [formatAffinePathFits(c.affinePathFits).trimEnd()] : []),
    formatSliceFits(c.slices).trimEnd(),
    '',
    `Heat per parameter-update at the workload (N = ${sci(p.workload.parameters)}, n = ${p.workload.precisionBits}, Delta = ${c.updateWindow.toExponential(2)}), measured beside analytic:`,
  ];
  const fitOf = (s: CalibratedStore) => (s.model === 'power' ? c.fits : c.levelFits).find((f) => f.store === s.store);
  for (const s of c.stores) {
    const f = fitOf(s);
    const dep = f
      ? s.model === 'power'
        ? `q ~ N^${f.exponents.N.toFixed(3)} n^${f.exponents.n.toFixed(3)} T^${f.exponents.Delta.toFixed(3)}`
        : `q ~ N^${f.exponents.N.toFixed(3)} (2^n - 1)^${f.exponents.n.toFixed(3)} T^${f.exponents.Delta.toFixed(3)}`
      : '';
    lines.push(
      `${`measured ${s.store} (${s.kind}), ${s.model === 'power' ? 'power law' : 'level-count'}`.padEnd(46)} ${s.joules.toExponential(3).padStart(11)} J   q = ${s.kTPerParameterUpdate.toExponential(3)} kT/update ` +
        `(stat. x e^{±${s.lnSe.toFixed(2)}}, fit scatter x e^{±${s.lnScatter.toFixed(2)}}); ${dep} (T = U Delta at fixed U)`,
    );
    if (s.extrapolated) lines.push(`    !!! ${s.extrapolation}: the fit is carried beyond what was measured; read this figure as the fit's, not the simulator's`);
  }
  const perUpdate = (j: number) => (j / ops / p.thermalEnergyJ).toExponential(3);
  lines.push(
    `${'analytic LIM bound (beside it)'.padEnd(46)} ${p.energies.limBound.joules.toExponential(3).padStart(11)} J   q = ${perUpdate(p.energies.limBound.joules)} kT/update`,
    `${'analytic conventional (beside it)'.padEnd(46)} ${p.energies.conventional.joules.toExponential(3).padStart(11)} J   q = ${perUpdate(p.energies.conventional.joules)} kT/update`,
    `${'Landauer floor (beside it)'.padEnd(46)} ${p.energies.landauerFloor.joules.toExponential(3).padStart(11)} J   q = ${perUpdate(p.energies.landauerFloor.joules)} kT/update`,
  );
  return lines.join('\n') + '\n';
}

/** The first non-finite number in a projection (a path and the value), or null. */
function firstNonFinite(value: unknown, path: string): [string, number] | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : [path, value];
  if (value === null || typeof value !== 'object') return null;
  for (const [k, v] of Object.entries(value)) {
    const found = firstNonFinite(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`);
    if (found) return found;
  }
  return null;
}

/** A projection that overflows (e.g. --params 1e300) is bad input, never printed as Infinity. */
function refuseNonFinite(projection: Projection, opts: ProjectCliOptions): void {
  const found = firstNonFinite(projection, 'projection');
  if (!found) return;
  const given = OPTION_FOR_FIELD.filter(([option]) => opts[option] !== undefined).map(([option]) => `--${String(option).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${String(opts[option])}`);
  throw new ConfigError(given.length > 0 ? given.join(' ') : '--preset', `gives ${found[0]} = ${found[1]}; expected a workload whose energies are finite (smaller --params, --tokens or --precision)`);
}

/** Run the command: print to `write`, write files under opts.out. Throws ConfigError on bad flags. */
export async function runProject(
  opts: ProjectCliOptions,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<ProjectRunResult> {
  if (opts.out !== undefined) checkOutputFolder(opts.out, '--out');
  const workload = workloadFromOptions(opts);
  const projection = projectWorkload(workload, FLAGS);
  const wantSizes = Boolean(opts.sizes) || opts.out !== undefined;
  const sizes = wantSizes ? projectSizes(workload, DEFAULT_SIZES, FLAGS) : null;
  refuseNonFinite(projection, opts);
  const calibrated = opts.calibrate !== undefined ? await calibrateProjection(opts.calibrate, projection) : undefined;

  if (opts.json) {
    write(JSON.stringify({ projection, ...(sizes ? { sizes } : {}), ...(calibrated ? { calibrated } : {}) }, null, 2) + '\n');
  } else {
    write(formatProjection(projection));
    if (calibrated) write(await formatCalibrated(calibrated, projection));
    if (opts.sizes && sizes) write('\nEnergy vs model size (other workload values as above)\n' + formatSizesTable(sizes));
  }

  if (opts.out !== undefined) {
    if (opts.out.trim() === '') throw new ConfigError('--out', 'got ""; expected a directory path');
    const jsonPath = join(opts.out, 'projection.json');
    const svgPath = join(opts.out, 'energy-vs-model-size.svg');
    writeFileAtomic(jsonPath, JSON.stringify({ projection, sizes }, null, 2) + '\n');
    writeFileAtomic(svgPath, await energyVsSizePlot(sizes as Projection[]));
    if (!opts.json) write(`\nwrote ${jsonPath}\nwrote ${svgPath}\n`);
  }
  return { projection, sizes, ...(calibrated ? { calibrated } : {}) };
}

export function registerProjectCommand(program: Command): void {
  program
    .command('project')
    .description(
      'Project training energy to real model sizes: Landauer floor, LIM bound, conventional memory, accelerator (docs/projections.md)',
    )
    .option('--preset <name>', 'workload preset (brain-scale: N = 1e15, D = 20 N, n = 8, T = 1e7 s, 300 K, H100 J/FLOP)')
    .option('--params <N>', 'number of model parameters N')
    .option('--tokens <D>', 'training tokens D (default 20 N, Chinchilla)')
    .option('--tokens-per-update <B>', 'tokens per update step (default 1: steps = FLOPs / 6N)')
    .option('--precision <n>', 'bits of precision per parameter')
    .option('--time <T>', 'training time T in seconds')
    .option('--temperature <K>', 'temperature in kelvin (default 300)')
    .option('--joules-per-flop <e>', 'accelerator energy per FLOP in J (default H100: 7.07e-13)')
    .option('--retention-barrier <kT>', 'conventional cell retention barrier in kT (default 50)')
    .option('--flip-fraction <f>', 'fraction of bits flipped per word write (default 0.5)')
    .option('--friction-ratio <r>', 'LIM cell friction gamma_eff/gamma >= 1 (default 1)')
    .option('--cell-time <t0>', 'LIM cell diffusion time gamma a^2/kT in s (default 1e-9)')
    .option('--update-step <s>', 'LIM levels moved per update (default 1)')
    .option('--ops <U>', 'workload as model-update operations U (parameter updates; sets D = U B / N)')
    .option('--flops <C>', 'workload as training FLOPs C (sets D = C / 6N)')
    .option('--calibrate <results.jsonl>', 'scaling sweep rows (sim-configs/sweeps/lim-scaling.yaml): measured heat per parameter-update, fitted in N, n, Delta, beside the analytic terms')
    .option('--sizes', 'also project over N = 1e6 ... 1e15')
    .option('--json', 'print JSON instead of the table')
    .option('--out <dir>', 'write projection.json and energy-vs-model-size.svg into DIR')
    .action(async (opts: ProjectCliOptions) => {
      await runProject(opts);
    });
}
