/**
 * The erasure report of docs/optimize.md §6: from the summary.json of
 * `limsim optimize` runs on sim-configs/optimize/erasure-tau*.yaml, a markdown
 * table and a plot of <W> - kT ln 2 against 1/tau for the shipped and the
 * optimized protocol, beside the entropy production T Sigma and its finite-time
 * bound gamma W2^2 / tau (from the engine's densities).
 *
 *   npx tsx scripts/optimize-erasure-report.ts OUT_PREFIX RUN_FOLDER...
 *
 * writes OUT_PREFIX.md and OUT_PREFIX.svg.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { linePlot } from '../src/report/plots.js';
import { textTable } from '../src/report/format.js';

interface Gap { name: string; measured: number; measuredSe: number; bound: number; gap: number; violated: boolean }
interface Check { work: { mean: number; se: number }; heat: { mean: number; se: number }; finalOccupancy: number[]; bounds: Gap[] }
interface Summary {
  objective: number;
  startObjective: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  finalError: number;
  startFinalError: number;
  optimizedConfig: string;
  startFokkerPlanck: Check;
  optimizedFokkerPlanck: Check;
  langevin: (Check & { replicas: number; zAgainstFokkerPlanck: number }) | null;
  violated: boolean;
  optimizationGrid: { dt: number };
}

const [prefix, ...folders] = process.argv.slice(2);
if (!prefix || folders.length === 0) {
  process.stderr.write('usage: npx tsx scripts/optimize-erasure-report.ts OUT_PREFIX RUN_FOLDER...\n');
  process.exit(2);
}
const LN2 = Math.log(2);
const rows = folders.map((folder) => {
  const s = JSON.parse(readFileSync(join(folder, 'summary.json'), 'utf8')) as Summary;
  const config = readFileSync(s.optimizedConfig, 'utf8');
  const tau = Number(/duration: ([0-9.e+-]+)/.exec(config)![1]);
  const finite = (c: Check) => c.bounds.find((b) => b.name === 'finite-time')!;
  return { tau, s, shipped: s.startFokkerPlanck, optimized: s.optimizedFokkerPlanck, fShipped: finite(s.startFokkerPlanck), fOptimized: finite(s.optimizedFokkerPlanck) };
});
rows.sort((a, b) => a.tau - b.tau);
const f = (v: number) => v.toPrecision(4);
const table = textTable(
  ['tau', 'W-ln2 shipped', 'W-ln2 optimized', 'Q shipped', 'Q optimized', 'error shipped', 'error optimized', 'T Sigma opt.', 'W2 bound opt.', 'gap opt.', 'Langevin W opt. (z vs FP)', 'iterations (evaluations)', 'converged', 'any bound violated'],
  rows.map((r) => [
    String(r.tau),
    f(r.shipped.work.mean - LN2),
    f(r.optimized.work.mean - LN2),
    f(r.shipped.heat.mean),
    f(r.optimized.heat.mean),
    f(r.s.startFinalError),
    f(r.s.finalError),
    f(r.fOptimized.measured),
    f(r.fOptimized.bound),
    f(r.fOptimized.gap),
    r.s.langevin ? `${f(r.s.langevin.work.mean)} ± ${f(r.s.langevin.work.se)} (${r.s.langevin.zAgainstFokkerPlanck.toFixed(2)})` : 'n/a',
    `${r.s.iterations} (${r.s.evaluations})`,
    r.s.converged ? 'yes' : 'NO',
    r.s.violated ? 'YES' : 'no',
  ]),
  400,
);
writeFileSync(`${prefix}.md`, '```\n' + table + '\n```\n');
const x = rows.map((r) => 1 / r.tau);
const svg = await linePlot({
  title: 'Erasure of a bit: shipped and optimized protocol',
  xLabel: '1 / tau [kT / (gamma length^2)]',
  yLabel: 'energy [kT]',
  series: [
    { name: '<W> - kT ln 2, shipped', x, y: rows.map((r) => r.shipped.work.mean - LN2) },
    { name: '<W> - kT ln 2, optimized', x, y: rows.map((r) => r.optimized.work.mean - LN2) },
    { name: 'T Sigma, optimized', x, y: rows.map((r) => r.fOptimized.measured) },
    { name: 'finite-time bound gamma W2^2 / tau, optimized', x, y: rows.map((r) => r.fOptimized.bound) },
  ],
  yZero: true,
});
writeFileSync(`${prefix}.svg`, svg);
process.stdout.write(table + '\n');
