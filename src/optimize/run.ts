import { Document, isScalar, isSeq, stringify as stringifyYaml, visit } from 'yaml';
import { ConfigError } from '../errors.js';
import { readConfigFile } from '../experiments/config.js';
import { validateAnyConfig } from '../experiments/dispatch.js';
import { runPhysics, type PhysicsRun } from '../experiments/run.js';
import type { PhysicsConfig } from '../experiments/schema.js';
import { linePlot } from '../report/plots.js';
import { toCsv } from '../report/results.js';
import { compileSchedule, type ScheduleSpec } from '../physics/schedules.js';
import type { BoundReport } from '../thermo/bounds.js';
import { applyProtocol, fieldTable } from './protocol.js';
import { optimizeProtocol, type OptimizeOptions, type OptimizeResult } from './optimize.js';

/**
 * The whole of `limsim optimize` below the command line: optimize, write the
 * optimized config, re-run it on the deterministic engine of the objective
 * (Fokker-Planck on its own grid, or the master equation) and on its
 * stochastic counterpart (Langevin, or Monte-Carlo for a discrete memory) with
 * its SE, and hold both against every applicable bound.
 */

export interface OptimizeRunOptions extends OptimizeOptions {
  /** Replicas of the Langevin re-run (0: none). */
  langevinReplicas?: number;
}

export interface BoundGap {
  name: BoundReport['name'];
  quantity: BoundReport['quantity'];
  measured: number;
  measuredSe: number;
  bound: number;
  boundSe: number;
  /** measured - bound, kT. */
  gap: number;
  violated: boolean;
}

export interface EngineCheck {
  engine: string;
  work: { mean: number; se: number };
  heat: { mean: number; se: number };
  finalOccupancy: number[];
  bounds: BoundGap[];
}

export interface OptimizeReport {
  result: OptimizeResult;
  /** The optimized config as plain data and as YAML text. */
  optimizedConfig: Record<string, unknown>;
  optimizedYaml: string;
  /** The starting and the optimized protocol on the engine (each on its own default or configured grid). */
  startEngine: EngineCheck;
  optimizedEngine: EngineCheck;
  /** The stochastic re-run (Langevin, or Monte-Carlo for a discrete memory); zAgainstFokkerPlanck is against the deterministic engine. */
  langevin?: EngineCheck & { replicas: number; seed: number; dt: number; zAgainstFokkerPlanck: number; zAgainstEngine: number };
  langevinSkipped?: string;
  violated: boolean;
}

function gaps(bounds: BoundReport[]): BoundGap[] {
  return bounds.map((b) => ({
    name: b.name,
    quantity: b.quantity,
    measured: b.measured.mean,
    measuredSe: b.measured.se,
    bound: b.bound,
    boundSe: b.boundSe,
    gap: b.excess,
    violated: b.violated,
  }));
}

function check(run: PhysicsRun): EngineCheck {
  const r = run.summary.results;
  return {
    engine: run.summary.provenance.engine,
    work: { mean: r.work.mean, se: r.work.se },
    heat: { mean: r.heat.mean, se: r.heat.se },
    finalOccupancy: r.finalOccupancy,
    bounds: gaps(run.summary.bounds),
  };
}

/** Run plain config data as given, with the engine (and replicas) replaced: validated as `limsim run` would. */
function runAs(raw: Record<string, unknown>, path: string, engine: PhysicsConfig['engine'], replicas?: number): PhysicsRun {
  const data = { ...structuredClone(raw), engine, ...(replicas !== undefined ? { replicas } : {}) };
  const any = validateAnyConfig(data, stringifyYaml(data), path);
  if (any.kind !== 'physics') throw new ConfigError('kind', 'is "training"; `limsim optimize` takes a physics config');
  return runPhysics(any.loaded);
}

/** Load, optimize and check. Every input error is thrown before anything is written. */
export function optimizeConfigFile(configPath: string, options: OptimizeRunOptions, outputPath: string): OptimizeReport {
  const { raw } = readConfigFile(configPath);
  const any = validateAnyConfig(raw, '', configPath);
  if (any.kind !== 'physics') throw new ConfigError('kind', 'is "training"; `limsim optimize` takes a physics config (a memory operation)');
  const config = any.loaded.config;
  if (options.langevinReplicas !== undefined && !(Number.isInteger(options.langevinReplicas) && options.langevinReplicas >= 0)) {
    throw new ConfigError('--langevin-replicas', `got ${options.langevinReplicas}; expected an integer >= 0`);
  }
  const result = optimizeProtocol(config, options);
  const source = raw as Record<string, unknown>;
  const optimized = applyProtocol(source, result.fields, result.theta, config.time.duration);
  optimized.name = `${config.name}-optimized`;
  optimized.description =
    `${config.name} with ${result.fields.map((f) => f.path).join(', ')} optimized for the least mean ${result.objectiveName} ` +
    `(limsim optimize, ${result.fields[0].knotTimes.length - 2} interior knots)`;
  const engineName = result.engine === 'fokker-planck' ? 'Fokker-Planck' : 'master-equation';
  const header = [
    `# Written by limsim optimize from ${configPath}: least mean ${result.objectiveName} on the ${engineName} engine.`,
    `# Stop: ${result.reason}.`,
    `# Objective ${result.objective.toPrecision(8)} kT (start ${result.startObjective.toPrecision(8)} kT); knots at 0+ and tau- are the jumps.`,
    ...result.constraintMethod.map((c) => `# constraint: ${c}`),
  ].join('\n');
  const optimizedYaml = `${header}\n${compactYaml(optimized)}`;

  // The deterministic engine of the objective, and its stochastic counterpart for the re-run with SE.
  const stochastic = result.engine === 'fokker-planck' ? 'langevin' : 'monte-carlo';
  const startEngine = check(runAs(source, configPath, result.engine));
  const optimizedEngine = check(runAs(optimized, outputPath, result.engine));
  let langevin: OptimizeReport['langevin'];
  let langevinSkipped: string | undefined;
  const replicas = options.langevinReplicas ?? config.replicas;
  if (replicas > 0) {
    // The explicit Langevin step may need a smaller dt than the implicit Fokker-Planck one: halve it until checkPhysics accepts it (at most 6 times).
    let dt = config.time.dt;
    for (let attempt = 0; attempt <= 6 && !langevin; attempt++) {
      try {
        const data = { ...optimized, time: { ...config.time, dt } };
        const run = runAs(data, outputPath, stochastic, replicas);
        const c = check(run);
        const measured = result.objectiveName === 'work' ? c.work : c.heat;
        const exact = result.objectiveName === 'work' ? optimizedEngine.work.mean : optimizedEngine.heat.mean;
        const z = (measured.mean - exact) / measured.se;
        langevin = { ...c, replicas, seed: config.seed, dt, zAgainstFokkerPlanck: z, zAgainstEngine: z };
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (err.path !== 'time.dt' || attempt === 6) {
          langevinSkipped = `the optimized protocol cannot run on ${stochastic}: ${err.message}`;
          break;
        }
        dt /= 2;
      }
    }
  } else {
    langevinSkipped = '--langevin-replicas 0';
  }
  const violated =
    optimizedEngine.bounds.some((b) => b.violated) || startEngine.bounds.some((b) => b.violated) || (langevin?.bounds.some((b) => b.violated) ?? false);
  return { result, optimizedConfig: optimized, optimizedYaml, startEngine, optimizedEngine, ...(langevin ? { langevin } : {}), ...(langevinSkipped ? { langevinSkipped } : {}), violated };
}

/** YAML with every sequence of plain numbers (a table point) on one line. */
function compactYaml(data: unknown): string {
  const doc = new Document(data);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item) || (isSeq(item) && item.items.every(isScalar))) && node.items.length <= 2) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}

/** iterations.csv: the objective per iteration. */
export function iterationsCsv(result: OptimizeResult): string {
  return toCsv(
    ['iteration', 'round', 'merit_kT', `${result.objectiveName}_kT`, 'final_error', 'gradient_max_abs', 'evaluations'],
    result.iterations.map((r) => [r.iteration, r.round, r.merit, r.objective, r.finalError, r.gradientNorm, r.evaluations]),
  );
}

/** One SVG per varied field: the starting schedule and the optimized table. */
export async function protocolPlots(result: OptimizeResult, startConfig: Record<string, unknown>, duration: number): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const [k, field] of result.fields.entries()) {
    let node: unknown = startConfig;
    for (const key of field.keys) node = (node as Record<string | number, unknown> | undefined)?.[key];
    const spec = (node ?? (field.leaf === 'wellPosition' ? 1 : 0)) as ScheduleSpec;
    const schedule = compileSchedule(spec, field.path);
    const samples = 401;
    const startX = Array.from({ length: samples }, (_, i) => (duration * i) / (samples - 1));
    const offset = result.fields.slice(0, k).reduce((n, f) => n + f.knotTimes.length, 0);
    const theta = Array.from(result.theta.subarray(offset, offset + field.knotTimes.length));
    const table = fieldTable(field, theta, duration);
    files[`protocol-${field.parameterName.replace(/[^A-Za-z0-9]+/g, '-').replace(/-+$/, '')}.svg`] = await linePlot({
      title: `${field.path}: starting and optimized protocol`,
      xLabel: 'time t [gamma length^2 / kT]',
      yLabel: `${field.path} [${field.leaf === 'tilt' ? 'kT / length' : field.leaf === 'centre' || field.leaf === 'wellPosition' ? 'length' : field.leaf === 'stiffness' ? 'kT / length^2' : 'kT'}]`,
      series: [
        { name: 'starting protocol', x: startX, y: startX.map(schedule) },
        { name: `optimized (least ${result.objectiveName})`, x: table.points.map((p) => p[0]), y: table.points.map((p) => p[1]) },
      ],
      points: false,
    });
  }
  return files;
}
