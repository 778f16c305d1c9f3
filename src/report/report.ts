/**
 * Self-contained reports: report.html (plots inline as SVG, config and
 * provenance, no external assets) and report.md (tables for terminals and
 * repositories, plots linked as plots/*.svg), for one run folder or one sweep
 * folder. `limsim report <dir>` writes them; a finished sweep or merge writes
 * them itself. The sweep report also writes compare.csv / compare.json.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { stringify as toYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import {
  comparisonCsv,
  comparisonJson,
  compareEntries,
  groupSlug,
  loadComparisonEntries,
  type Comparison,
  type ComparisonEntry,
  type DurationFit,
} from '../experiments/compare.js';
import type { PhysicsSummary } from '../experiments/run.js';
import type { TrainingSummary } from '../experiments/training-run.js';
import { loadSweepFolder } from '../experiments/sweep.js';
import type { SweepManifest, SweepRow } from '../experiments/sweep/store.js';
import { LN2 } from '../physics/units.js';
import { writeFileAtomic } from './files.js';
import { formatEstimate, formatNumber } from './format.js';
import { lengthUnit, timeLabel, timeUnit } from './axis-units.js';
import { linePlot, renderVegaLite, stepHistogramPlot } from './plots.js';
import { dragCurves, dragWorkCounts, kramersOccupancy } from './theory.js';

export interface PlotFile {
  /** File name under plots/. */
  name: string;
  title: string;
  caption: string;
  svg: string;
}

// ---------------------------------------------------------------- plots

/** chi^2 / dof and p of a fit, for titles and legends. */
export function fitQuality(fit: { chi2: number; dof: number; pValue: number }): string {
  if (!Number.isFinite(fit.chi2)) return 'exact data (no chi^2)';
  return `chi^2 = ${fit.chi2.toFixed(2)} / ${fit.dof} dof, p = ${Number.isFinite(fit.pValue) ? fit.pValue.toPrecision(2) : 'n/a'}`;
}

/**
 * Heat against inverse protocol time 1/tau, where the model <Q> = Q_inf + B/tau
 * is a straight line: measured <Q> +- SE, the weighted fit drawn to 1/tau = 0
 * (its intercept is the asymptote Q_inf), its chi^2 and p in the subtitle,
 * kT ln 2 and the partial-erasure floor.
 */
export async function heatVsDurationPlot(fit: DurationFit, title = 'Erasure heat vs inverse protocol time', timeUnit = 'gamma x_m^2 / kT'): Promise<string> {
  const measured = fit.durations.map((tau, i) => ({ series: 'measured <Q> ± SE', inv: 1 / tau, q: fit.means[i], low: fit.means[i] - fit.ses[i], high: fit.means[i] + fit.ses[i] }));
  const hi = Math.max(...measured.map((m) => m.inv)) * 1.05;
  const fitName = `fit Q_inf + B/tau: Q_inf = ${formatEstimate(fit.fit.intercept, fit.fit.interceptSe)}, B = ${formatEstimate(fit.fit.slope, fit.fit.slopeSe)}`;
  const curve = [0, hi].map((inv) => ({ series: fitName, inv, q: fit.fit.intercept + fit.fit.slope * inv }));
  // The Landauer levels only for memories that erase (a landauer bound applied):
  // kT ln 2 labelled above its line, the partial-erasure floor (just below it) beneath its own.
  const rules: { label: string; y: number; above: boolean }[] = [];
  if (fit.partialFloor) {
    rules.push({ label: 'kT ln 2 (Landauer)', y: LN2, above: true });
    const eps = fit.partialFloor.errorProbability;
    rules.push({ label: `kT (ln 2 - H(eps)), eps = ${eps === null ? '?' : eps.toPrecision(2)}`, y: fit.partialFloor.value, above: false });
  }
  const x = { field: 'inv', type: 'quantitative', title: `inverse protocol time 1/tau [kT / (${timeUnit.replace(/ \/ kT$/, '')})]`, scale: { domain: [0, hi], nice: false } };
  const y = { type: 'quantitative', title: 'mean heat released <Q> [kT]', scale: { zero: false, padding: 8 } };
  const names = [measured[0]?.series ?? 'measured', fitName];
  const color = { field: 'series', type: 'nominal', title: null, sort: names, scale: { domain: names }, legend: { labelLimit: 500, orient: 'top-left' } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: `${title} (${fit.group})`, subtitle: `weighted least squares in 1/tau: ${fitQuality(fit.fit)}` },
    width: 520,
    height: 340,
    background: 'white',
    layer: [
      { data: { values: curve }, mark: { type: 'line', clip: true, strokeDash: [6, 3] }, encoding: { x, y: { field: 'q', ...y }, color } },
      { data: { values: measured }, mark: { type: 'rule' }, encoding: { x, y: { field: 'low', ...y }, y2: { field: 'high' }, color } },
      { data: { values: measured }, mark: { type: 'point', filled: true, size: 40 }, encoding: { x, y: { field: 'q', ...y }, color } },
      { data: { values: rules }, mark: { type: 'rule', strokeDash: [2, 3], color: '#555555' }, encoding: { y: { field: 'y', ...y } } },
      ...[true, false].map((above) => ({
        data: { values: rules.filter((r) => r.above === above) },
        mark: { type: 'text', align: 'right', baseline: above ? 'bottom' : 'top', dy: above ? -2 : 2, x: 516, color: '#555555' },
        encoding: { y: { field: 'y', ...y }, text: { field: 'label' } },
      })),
    ],
  };
  return renderVegaLite(spec as unknown as TopLevelSpec);
}

const metric = (e: ComparisonEntry, name: string): number => {
  const v = e.metrics[name];
  return typeof v === 'number' ? v : NaN;
};

/** Grid keys that set the training time (left out of series names). */
const TRAINING_TIME_KEYS = new Set(['training.updates', 'training.updateInterval', 'seed']);

interface StorePoint {
  series: string;
  store: string;
  params: Record<string, unknown>;
  trainingTime: number;
  heat: number;
  heatSe: number;
  loss: number;
}

/** A grid value in a label: schedules and stores as kind(fields...), numbers short. */
export function shortValue(v: unknown): string {
  if (typeof v === 'number') return compactNumber(v);
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as { kind?: unknown }).kind === 'string') {
    const { kind, ...rest } = v as Record<string, unknown>;
    const fields = Object.values(rest).map((x) => (typeof x === 'object' ? shortValue(x) : typeof x === 'number' ? compactNumber(x) : String(x)));
    return fields.length > 0 ? `${kind}(${fields.join(', ')})` : String(kind);
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The last name in a dotted path: stores[3].barrier -> barrier. */
function lastName(path: string): string {
  const names = path.split(/[.[\]]/).filter((p) => p !== '' && !/^\d+$/.test(p));
  return names[names.length - 1] ?? path;
}

/**
 * One point per (training entry, store): the series is the store name plus
 * the grid values that reach it (a `stores[k]...` key only reaches store k),
 * so a conventional store that a LIM schedule axis does not touch is one line.
 */
export function trainingStorePoints(entries: ComparisonEntry[], omit: ReadonlySet<string> = new Set()): StorePoint[] {
  const out: StorePoint[] = [];
  const seen = new Set<string>();
  const varies = (key: string) => TRAINING_TIME_KEYS.has(key) || omit.has(key);
  for (const e of entries) {
    if (e.kind !== 'training') continue;
    const stores = typeof e.metrics.stores === 'string' ? e.metrics.stores.split(' ').filter(Boolean) : [];
    stores.forEach((store, k) => {
      const rest = Object.entries(e.params)
        .filter(([key]) => !varies(key))
        .filter(([key]) => {
          const m = /^stores\[(\d+)\]/.exec(key);
          return !m || Number(m[1]) === k;
        })
        .map(([key, v]) => `${lastName(key)}=${shortValue(v)}`)
        .join(', ');
      const point: StorePoint = {
        series: rest ? `${store} (${rest})` : store,
        store,
        params: e.params,
        trainingTime: metric(e, 'trainingTime'),
        heat: metric(e, `store.${store}.heat.mean`),
        heatSe: metric(e, `store.${store}.heat.se`),
        loss: metric(e, `store.${store}.finalLoss.mean`),
      };
      // Points that differ only in an axis this store does not see are the same run of it. An axis may
      // reach a store through --link without naming it, so the measured numbers decide as well.
      const id = `${point.series}|${JSON.stringify(Object.entries(e.params).filter(([key]) => varies(key)))}|${point.heat}|${point.loss}`;
      if (seen.has(id)) return;
      seen.add(id);
      out.push(point);
    });
  }
  return out;
}

function seriesOf(points: StorePoint[], x: (p: StorePoint) => number, y: (p: StorePoint) => number, err?: (p: StorePoint) => number) {
  const names = [...new Set(points.map((p) => p.series))];
  return names.map((name) => {
    const list = points.filter((p) => p.series === name).sort((a, b) => x(a) - x(b));
    return { name, x: list.map(x), y: list.map(y), ...(err ? { yError: list.map(err) } : {}) };
  });
}

/** Heat released over training against training time, per store (LIM barrier schedules vs the conventional store). */
export async function energyVsTrainingTimePlot(entries: ComparisonEntry[]): Promise<string> {
  return linePlot({
    title: 'Training energy vs training time',
    xLabel: 'training time T [gamma a^2 / kT]',
    yLabel: 'heat released per training copy [kT]',
    series: seriesOf(trainingStorePoints(entries), (p) => p.trainingTime, (p) => p.heat, (p) => p.heatSe),
    logX: true,
    logY: true,
  });
}

/** Final loss against the heat released over training, per store. */
export async function lossVsHeatPlot(entries: ComparisonEntry[]): Promise<string> {
  return linePlot({
    title: 'Loss vs cumulative heat',
    xLabel: 'heat released per training copy [kT]',
    yLabel: 'final training loss [1]',
    // No order between the points of a store (heat is the outcome, not a control): markers only.
    // One colour per store: the sweep points of a store are a cloud, not a curve.
    series: seriesOf(trainingStorePoints(entries).map((p) => ({ ...p, series: p.store })), (p) => p.heat, (p) => p.loss).map((s) => ({ ...s, style: 'points' as const })),
    logX: true,
  });
}

/**
 * Heat per training copy against a numeric grid axis (e.g. precision bits),
 * one line per store; the series leave that axis out of their names.
 */
export async function heatVsParameterPlot(entries: ComparisonEntry[], key: string): Promise<string> {
  const points = trainingStorePoints(entries, new Set([key]));
  const names = [...new Set(points.map((p) => p.series))];
  const axis = (p: StorePoint) => Number(p.params[key]);
  const integer = points.every((p) => Number.isInteger(axis(p)));
  return linePlot({
    title: `Training heat vs ${lastName(key)}`,
    xLabel: `${key} [grid value]`,
    yLabel: 'heat released per training copy [kT]',
    series: names.map((name) => {
      const list = points.filter((p) => p.series === name).sort((a, b) => axis(a) - axis(b));
      return { name, x: list.map(axis), y: list.map((p) => p.heat), yError: list.map((p) => p.heatSe) };
    }),
    logY: true,
    // A grid of bits or levels is ticked at its integers, not at 1.5.
    integerX: integer,
  });
}

/** Every plot a comparison supports: heat vs tau per fitted group, and the training plots when training rows exist. */
export async function comparisonPlots(c: Comparison, options: { timeUnit?: string } = {}): Promise<PlotFile[]> {
  const plots: PlotFile[] = [];
  for (const fit of c.fits.filter((f) => f.quantity === 'heat')) {
    const floor = fit.partialFloor;
    plots.push({
      name: `heat-vs-duration-${groupSlug(fit.group)}.svg`,
      title: `Heat vs protocol time: ${fit.group}`,
      caption:
        `Measured <Q> ± SE against 1/tau, with the weighted fit <Q> = Q_inf + B/tau (a straight line in 1/tau; its intercept at 1/tau = 0 is Q_inf): ` +
        `Q_inf = ${formatEstimate(fit.fit.intercept, fit.fit.interceptSe)} kT, B = ${formatEstimate(fit.fit.slope, fit.fit.slopeSe)} kT·time, ${fitQuality(fit.fit)}.` +
        (floor ? ` Dashed: kT ln 2 and the partial-erasure floor at the slowest protocol's error (${formatEstimate(floor.value, floor.se)} kT).` : ''),
      svg: await heatVsDurationPlot(fit, undefined, options.timeUnit),
    });
  }
  const training = c.entries.filter((e) => e.kind === 'training');
  const storePoints = trainingStorePoints(training);
  if (new Set(storePoints.map((p) => p.trainingTime)).size >= 2) {
    plots.push({
      name: 'energy-vs-training-time.svg',
      title: 'Energy vs training time',
      caption: 'Heat released per training copy against training time, per store (LIM barrier schedules and the conventional stores), ± SE.',
      svg: await energyVsTrainingTimePlot(training),
    });
  }
  // Numeric grid axes other than the training time: heat against each (e.g. precision bits).
  const numericKeys = [...new Set(training.flatMap((e) => Object.keys(e.params)))].filter(
    (k) => !TRAINING_TIME_KEYS.has(k) && training.every((e) => typeof e.params[k] === 'number') && new Set(training.map((e) => e.params[k])).size >= 2,
  );
  for (const key of numericKeys) {
    plots.push({
      name: `heat-vs-${groupSlug(key)}.svg`,
      title: `Training heat vs ${key}`,
      caption: `Heat released per training copy against ${key}, per store, ± SE.`,
      svg: await heatVsParameterPlot(training, key),
    });
  }
  if (storePoints.some((p) => Number.isFinite(p.loss) && p.heat > 0)) {
    plots.push({
      name: 'loss-vs-heat.svg',
      title: 'Loss vs cumulative heat',
      caption: 'Final training loss against the heat released per training copy, per store (one marker per sweep point).',
      svg: await lossVsHeatPlot(training),
    });
  }
  return plots;
}

// ---------------------------------------------------------------- document pieces

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A table as Markdown (cells escaped for pipes). */
export function markdownTable(header: string[], rows: string[][]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** A cell that reads as a number (an estimate, a ratio, 1e-3, n/a): right-aligned on one line; text wraps, left-aligned. */
const NUMERIC_CELL = /^\(?[-+−]?(\d|\.\d|n\/a$|NaN$|Infinity$|-$)/;

export function htmlTable(header: string[], rows: string[][]): string {
  return [
    '<table>',
    `<thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map((c) => (NUMERIC_CELL.test(c) ? `<td class="num">${escapeHtml(c)}</td>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
}

/** A report as a list of blocks, rendered to Markdown and to HTML from the same content. */
type Block =
  | { kind: 'heading'; text: string; level: 2 | 3 }
  | { kind: 'text'; text: string }
  | { kind: 'table'; header: string[]; rows: string[][] }
  | { kind: 'code'; text: string; language: string }
  | { kind: 'plot'; plot: PlotFile };

const STYLE = `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:0.8em 0;font-size:0.9em;display:block;overflow-x:auto;max-width:100%}th,td{border:1px solid #ccc;padding:3px 8px}td{text-align:left;overflow-wrap:anywhere;max-width:42em}td.num{text-align:right;white-space:nowrap}td:first-child{text-align:left}
th{background:#f3f3f3}pre{background:#f6f8fa;padding:0.8em;overflow-x:auto;font-size:0.85em}figure{margin:1.2em 0}figcaption{font-size:0.9em;color:#444;max-width:800px}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:0.2em;margin-top:1.6em}`;

export function renderMarkdown(title: string, blocks: Block[]): string {
  const out = [`# ${title}`, ''];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        out.push(`${'#'.repeat(b.level)} ${b.text}`, '');
        break;
      case 'text':
        out.push(b.text, '');
        break;
      case 'table':
        out.push(markdownTable(b.header, b.rows), '');
        break;
      case 'code':
        out.push(`\`\`\`${b.language}`, b.text.trimEnd(), '```', '');
        break;
      case 'plot':
        out.push(`![${b.plot.title}](plots/${b.plot.name})`, '', `*${b.plot.caption}*`, '');
        break;
    }
  }
  return out.join('\n');
}

export function renderHtml(title: string, blocks: Block[]): string {
  const body: string[] = [`<h1>${escapeHtml(title)}</h1>`];
  for (const b of blocks) {
    switch (b.kind) {
      case 'heading':
        body.push(`<h${b.level}>${escapeHtml(b.text)}</h${b.level}>`);
        break;
      case 'text':
        body.push(`<p>${escapeHtml(b.text)}</p>`);
        break;
      case 'table':
        body.push(htmlTable(b.header, b.rows));
        break;
      case 'code':
        body.push(`<pre><code>${escapeHtml(b.text)}</code></pre>`);
        break;
      case 'plot':
        // The SVG inline: the file opens anywhere, with no external assets.
        body.push(`<figure>${b.plot.svg.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption>${escapeHtml(b.plot.caption)}</figcaption></figure>`);
        break;
    }
  }
  return `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body.join('\n')}\n</body>\n</html>\n`;
}

function boundBlocks(c: Comparison): Block[] {
  if (c.bounds.length === 0) return [{ kind: 'text', text: 'No bound applies to these results.' }];
  return [
    {
      kind: 'text',
      text: `Every applicable bound held against the quantity it constrains (kT). A violation is a measured mean more than 4 combined standard errors below its bound: ${c.violations} found.`,
    },
    {
      kind: 'table',
      header: ['run / point', 'bound', 'quantity', 'measured [kT]', 'bound [kT]', 'ratio', 'excess / SE', 'violated'],
      rows: c.bounds.map((b) => [
        b.label,
        b.bound,
        b.quantity,
        formatEstimate(b.measured, b.measuredSe),
        b.boundSe > 0 ? formatEstimate(b.value, b.boundSe) : formatNumber(b.value),
        // The ratio to the precision its SE (first-order, from both SEs) supports.
        b.ratio === null ? 'n/a' : formatEstimate(b.ratio, Math.abs(b.ratio) * Math.hypot(b.measured !== 0 ? b.measuredSe / b.measured : 0, b.value !== 0 ? b.boundSe / b.value : 0)),
        b.excessSigmas === null ? 'n/a' : b.excessSigmas.toFixed(1),
        b.violated ? 'VIOLATED' : 'no',
      ]),
    },
  ];
}

function fitBlocks(fits: DurationFit[]): Block[] {
  if (fits.length === 0) return [];
  return [
    { kind: 'heading', level: 2, text: 'Finite-time excess: <Q>(tau) = Q_inf + B/tau' },
    {
      kind: 'text',
      text: 'Weighted least squares in 1/tau (weights 1/SE^2). The asymptote is held against kT ln 2 and against the partial-erasure floor kT (ln 2 - H(eps)) at the error eps reached by the slowest protocol.',
    },
    {
      kind: 'table',
      header: ['group', 'quantity', 'taus', 'asymptote [kT]', 'B [kT·time]', 'chi2 / dof', 'p', 'vs ln 2 [SE]', 'partial floor [kT]', 'vs floor [SE]'],
      rows: fits.map((f) => [
        f.group,
        f.quantity,
        [...new Set(f.durations)].map(compactNumber).join(', '),
        formatEstimate(f.fit.intercept, f.fit.interceptSe),
        formatEstimate(f.fit.slope, f.fit.slopeSe),
        Number.isFinite(f.fit.chi2) ? `${f.fit.chi2.toFixed(2)} / ${f.fit.dof}` : 'exact data',
        Number.isFinite(f.fit.pValue) ? f.fit.pValue.toFixed(3) : 'n/a',
        f.partialFloor && Number.isFinite(f.sigmasFromLandauer) ? f.sigmasFromLandauer.toFixed(2) : 'n/a',
        f.partialFloor ? formatEstimate(f.partialFloor.value, f.partialFloor.se) : 'n/a',
        f.sigmasFromPartialFloor === null ? 'n/a' : f.sigmasFromPartialFloor.toFixed(2),
      ]),
    },
  ];
}

/** Figure formats written beside each plots/*.svg. */
export type FigureFormat = 'png' | 'pdf';

async function writeReportFiles(
  dir: string,
  title: string,
  blocks: Block[],
  plots: PlotFile[],
  extra: Record<string, string> = {},
  formats: readonly FigureFormat[] = ['png', 'pdf'],
): Promise<string[]> {
  const written: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    writeFileAtomic(join(dir, name), data);
    written.push(join(dir, name));
  };
  // Loaded on demand: resvg and pdfkit are needed only here.
  const raster = formats.length > 0 ? await import('./raster.js') : null;
  for (const p of plots) {
    put(join('plots', p.name), p.svg);
    if (raster && formats.includes('png')) put(join('plots', p.name.replace(/\.svg$/, '.png')), await raster.svgToPng(p.svg));
    if (raster && formats.includes('pdf')) put(join('plots', p.name.replace(/\.svg$/, '.pdf')), await raster.svgToPdf(p.svg));
  }
  for (const [name, text] of Object.entries(extra)) put(name, text);
  put('report.md', renderMarkdown(title, blocks));
  put('report.html', renderHtml(title, blocks));
  return written;
}

// ---------------------------------------------------------------- sweep report

/** A number as short as it can be without losing what a table needs: 20, 0.0015, 1.234e-21. */
export function compactNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(4).replace(/\.?0+e/, 'e') : String(Number(v.toPrecision(6)));
}

const cellText = (v: unknown): string =>
  v === null || v === undefined ? '' : typeof v === 'number' ? compactNumber(v) : typeof v === 'object' ? JSON.stringify(v) : String(v);

function pointTable(manifest: SweepManifest, rows: SweepRow[]): Block {
  const keys = manifest.grid.map((g) => g.key);
  const seedColumn = keys.includes('seed') ? [] : ['seed'];
  const est = (r: SweepRow, name: string) => {
    const m = r.metrics[`${name}.mean`];
    const s = r.metrics[`${name}.se`];
    return typeof m === 'number' ? formatEstimate(m, typeof s === 'number' ? s : 0) : '';
  };
  const lead = (r: SweepRow) => [String(r.index), ...keys.map((k) => shortValue(r.params[k])), ...seedColumn.map(() => String(r.seed))];
  if (rows.length > 0 && rows.every((r) => r.kind === 'training')) {
    const stores = [...new Set(rows.flatMap((r) => (typeof r.metrics.stores === 'string' ? r.metrics.stores.split(' ') : [])))].filter(Boolean);
    return {
      kind: 'table',
      header: ['point', ...keys, ...seedColumn, 'training time', ...stores.flatMap((s) => [`${s} heat [kT]`, `${s} loss`])],
      rows: rows.map((r) => [
        ...lead(r),
        cellText(r.metrics.trainingTime),
        ...stores.flatMap((s) => [est(r, `store.${s}.heat`), est(r, `store.${s}.finalLoss`)]),
      ]),
    };
  }
  return {
    kind: 'table',
    header: ['point', ...keys, ...seedColumn, '<W> [kT]', '<Q> [kT]', 'error eps', 'Landauer bound [kT]', '<Q>/bound', 'violation'],
    rows: rows.map((r) => [
      ...lead(r),
      est(r, 'work'),
      est(r, 'heat'),
      cellText(r.metrics.errorProbability),
      cellText(r.metrics['bound.landauer.value']),
      cellText(r.metrics['bound.landauer.ratio']),
      r.bounds.some((b) => b.violated) ? 'VIOLATED' : 'no',
    ]),
  };
}

export interface RunReportOptions {
  /** Histograms on a log count axis (default true). */
  logCounts?: boolean;
  /** Formats written beside plots/*.svg (default PNG and PDF). */
  formats?: readonly FigureFormat[];
}

export interface ReportOptions extends RunReportOptions {
  /** Fit only durations >= this (compare --fit-from). */
  minDuration?: number;
}

/** Write report.md, report.html, plots/*.svg, compare.csv and compare.json for a sweep folder. */
export async function writeSweepReport(dir: string, options: ReportOptions = {}): Promise<string[]> {
  const { manifest, rows } = loadSweepFolder(dir);
  const comparison = compareEntries(loadComparisonEntries([dir]), options);
  const plots = await comparisonPlots(comparison, { timeUnit: timeUnit(manifest.base.config.potential) });
  const blocks: Block[] = [
    { kind: 'text', text: manifest.description ?? `A sweep over ${manifest.grid.map((g) => g.key).join(' x ') || 'no axes'}.` },
    { kind: 'heading', level: 2, text: 'Provenance' },
    {
      kind: 'table',
      header: ['field', 'value'],
      rows: [
        ['sweep id', manifest.sweepId],
        ['status', `${manifest.status}: ${rows.length} of ${manifest.selectedPoints} points`],
        ['tool', `limsim ${manifest.version}`],
        ['created', manifest.createdAt],
        ['base config', `${manifest.base.path} (sha256 ${manifest.base.sha256.slice(0, 16)}...)`],
        ['fixed overrides (set)', manifest.set.length ? manifest.set.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') : 'none'],
        ['grid', manifest.grid.map((g) => `${g.key} = ${g.values.map((v) => JSON.stringify(v)).join(', ')}`).join('; ') || 'none'],
        ['time scaling', manifest.timeScaling ? JSON.stringify(manifest.timeScaling) : 'none'],
        ['seeds', manifest.seeds],
        ['shard', manifest.shard ? `${manifest.shard.index}/${manifest.shard.count}` : manifest.mergedFrom ? `merged from ${manifest.mergedFrom.length} folders` : 'whole sweep'],
      ],
    },
    { kind: 'heading', level: 2, text: 'Points' },
    pointTable(manifest, rows),
    ...fitBlocks(comparison.fits),
    ...(plots.length ? [{ kind: 'heading', level: 2, text: 'Plots' } as Block, ...plots.map((plot): Block => ({ kind: 'plot', plot }))] : []),
    { kind: 'heading', level: 2, text: 'Empirical vs theoretical dissipation' },
    ...boundBlocks(comparison),
    { kind: 'heading', level: 2, text: 'Base config (after fixed overrides)' },
    { kind: 'code', language: 'yaml', text: toYaml(manifest.base.config) },
    { kind: 'heading', level: 2, text: 'Files' },
    { kind: 'text', text: 'results.csv and results.jsonl (one row per point, sorted by index), sweep.json (manifest), compare.csv and compare.json (bounds and fits), plots/*.svg with PNG and PDF copies.' },
  ];
  return writeReportFiles(
    dir,
    `Sweep ${manifest.name}`,
    blocks,
    plots,
    { 'compare.csv': comparisonCsv(comparison), 'compare.json': comparisonJson(comparison) },
    options.formats,
  );
}

// ---------------------------------------------------------------- run report

function readCsv(path: string): { header: string[]; rows: number[][] } | null {
  if (!existsSync(path)) return null;
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  return { header, rows: lines.slice(1).map((l) => l.split(',').map(Number)) };
}

/** A histogram CSV (lower, upper, count) as edges and counts. */
function readHistogram(path: string): { edges: number[]; counts: number[] } | null {
  const h = readCsv(path);
  if (!h || h.rows.length === 0) return null;
  return { edges: [...h.rows.map((r) => r[0]), h.rows[h.rows.length - 1][1]], counts: h.rows.map((r) => r[2]) };
}

/** The plots of a physics run folder, with theory curves where the config is a case with a known answer (src/report/theory.ts). */
async function runPlots(dir: string, summary: PhysicsSummary, options: RunReportOptions = {}): Promise<PlotFile[]> {
  const plots: PlotFile[] = [];
  const config = summary.provenance.config as unknown as Parameters<typeof dragCurves>[0] & { potential: unknown };
  const tLabel = timeLabel(config.potential);
  const length = lengthUnit(config.potential);
  const ts = readCsv(join(dir, 'timeseries.csv'));
  if (ts && ts.rows.length > 1) {
    const col = (name: string) => ts.rows.map((r) => r[ts.header.indexOf(name)]);
    const has = (name: string) => ts.header.includes(name);
    const timeColumn = has('time') ? 'time' : 't';
    const t = col(timeColumn);
    const work = has('work_kT_mean') ? 'work_kT_mean' : 'work_kT';
    const heat = has('heat_kT_mean') ? 'heat_kT_mean' : 'heat_kT';
    const energy = has('energy_kT_mean') ? 'energy_kT_mean' : 'energy_kT';
    const drag = dragCurves(config, t);
    plots.push({
      name: 'energetics.svg',
      title: 'Work, heat and energy over the protocol',
      caption:
        'Ensemble means of the work done on the cells, the heat released to the bath and the potential energy, against time (kT).' +
        (drag ? ' Dashed: the exact means of a harmonic trap dragged at constant speed (src/report/theory.ts).' : ''),
      svg: await linePlot({
        title: 'Work, heat and energy over the protocol',
        xLabel: tLabel,
        yLabel: 'ensemble mean [kT]',
        series: [
          { name: 'work <W>', x: t, y: col(work), style: 'line' },
          { name: 'heat <Q>', x: t, y: col(heat), style: 'line' },
          { name: 'energy <U>', x: t, y: col(energy), style: 'line' },
          ...(drag ?? []).map((c, k) => ({ ...c, style: 'theory' as const, colorOf: ['work <W>', 'heat <Q>', 'energy <U>'][k] })),
        ],
        yZero: true,
      }),
    });
    const occupancy = ts.header.filter((h) => h.startsWith('occupancy_'));
    if (occupancy.length > 0) {
      const kramers = kramersOccupancy(config, t);
      plots.push({
        name: 'occupancy.svg',
        title: 'Memory-state occupancy',
        caption:
          'Fraction of the ensemble in each memory state against time.' +
          (kramers ? ' Dashed: the Kramers relaxation of the well that started empty (src/report/theory.ts; the rate formula errs by O(kT/E_b)).' : ''),
        svg: await linePlot({
          title: 'Memory-state occupancy',
          xLabel: tLabel,
          yLabel: 'fraction of cells [1]',
          series: [
            ...occupancy.map((h) => ({ name: `state ${h.slice('occupancy_'.length)}`, x: t, y: col(h), style: 'line' as const })),
            ...(kramers ? [{ ...kramers.curve, style: 'theory' as const, colorOf: `state ${kramers.state}` }] : []),
          ],
          yZero: true,
        }),
      });
    }
    const firstParameter = ts.header.indexOf(energy) + 1 + occupancy.length;
    const parameters = ts.header.slice(firstParameter);
    if (parameters.length > 0) {
      plots.push({
        name: 'protocol.svg',
        title: 'Protocol',
        caption: `Protocol parameters against time (energies in kT, lengths in ${length}).`,
        svg: await linePlot({
          title: 'Protocol',
          xLabel: tLabel,
          yLabel: `parameter value [kT or ${length}]`,
          series: parameters.map((h) => ({ name: h, x: t, y: col(h), style: 'line' as const })),
          yZero: true,
        }),
      });
    }
  }
  const r = summary.results;
  const logCount = options.logCounts ?? true;
  for (const [file, what, symbol] of [
    ['heat-histogram.csv', 'heat released Q', 'Q'],
    ['work-histogram.csv', 'work done W', 'W'],
  ] as const) {
    const h = readHistogram(join(dir, file));
    if (!h) continue;
    const total = h.counts.reduce((a, c) => a + c, 0);
    const binWidth = h.edges[1] - h.edges[0];
    // Markers: Delta F (the reversible work) and the measured mean of this quantity.
    const mean = symbol === 'W' ? r.work.mean : r.heat.mean;
    const rules = [
      { label: `<${symbol}> = ${formatEstimate(mean, symbol === 'W' ? r.work.se : r.heat.se)}`, x: mean },
      ...(symbol === 'W' ? [{ label: `Delta F = ${formatNumber(r.freeEnergyChange.value)}`, x: r.freeEnergyChange.value }] : []),
    ];
    const exact = symbol === 'W' ? dragWorkCounts(config, summary.provenance.config.time.duration, total, binWidth, h.edges[0], h.edges[h.edges.length - 1]) : null;
    plots.push({
      name: file.replace('.csv', '.svg'),
      title: `Distribution of the ${what}`,
      caption:
        `Histogram of the per-trajectory ${what} (kT), ${total} trajectories, counts per bin${logCount ? ' on a log axis (the tails stay visible)' : ''}; ` +
        `dashed lines at the measured mean${symbol === 'W' ? ' and at Delta F' : ''}.` +
        (exact ? ' Dashed curve: the exact Gaussian work distribution of the dragged trap.' : ''),
      svg: await stepHistogramPlot({
        title: `Distribution of the ${what}`,
        xLabel: `${what} per trajectory [kT]`,
        yLabel: 'trajectories per bin [count]',
        edges: h.edges,
        heights: h.counts,
        logCount,
        verticalRules: rules,
        ...(exact ? { overlays: [exact] } : {}),
      }),
    });
  }
  return plots;
}

interface CurvePoint {
  update: number;
  time: number;
  loss: number;
  lossSe: number;
  heat: number;
  heatSe: number;
}

/** training-curves.csv: per store, loss and cumulative heat (means and SEs over the copies) against update and time. */
function readTrainingCurves(path: string): Map<string, CurvePoint[]> {
  const curves = new Map<string, CurvePoint[]>();
  if (!existsSync(path)) return curves;
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const at = (name: string) => header.indexOf(name);
  const num = (cells: string[], name: string) => (at(name) >= 0 && cells[at(name)] !== '' ? Number(cells[at(name)]) : NaN);
  for (const line of lines.slice(1)) {
    const cells = line.split(',');
    const store = cells[at('store')];
    curves.set(store, [
      ...(curves.get(store) ?? []),
      {
        update: num(cells, 'update'),
        time: num(cells, 'time'),
        loss: num(cells, 'loss_mean'),
        lossSe: num(cells, 'loss_se'),
        heat: num(cells, 'heat_kT_mean'),
        heatSe: num(cells, 'heat_kT_se'),
      },
    ]);
  }
  return curves;
}

/** The report of a training run folder: per store heat, loss and bound; loss against updates and against cumulative heat; heat against time. */
async function writeTrainingRunReport(dir: string, summary: TrainingSummary, options: RunReportOptions = {}): Promise<string[]> {
  const comparison = compareEntries(loadComparisonEntries([dir]));
  const curves = readTrainingCurves(join(dir, 'training-curves.csv'));
  const plots: PlotFile[] = [];
  const baseline = summary.floatBaseline.finalLoss;
  const baselineRule = Number.isFinite(baseline) ? [{ label: `float64 baseline ${formatNumber(baseline)}`, y: baseline }] : [];
  if (curves.size > 0) {
    plots.push({
      name: 'loss-vs-updates.svg',
      title: 'Loss vs updates',
      caption: 'Training loss (mean ± SE band over the copies) against the number of updates, per store; dashed: the float64 gradient-descent baseline.',
      svg: await linePlot({
        title: 'Training loss vs updates',
        xLabel: 'updates [count]',
        yLabel: 'training loss [1]',
        series: [...curves].map(([store, c]) => ({ name: store, x: c.map((p) => p.update), y: c.map((p) => p.loss), yError: c.map((p) => p.lossSe), style: 'line' as const })),
        horizontalRules: baselineRule,
        integerX: true,
        logY: [...curves.values()].every((c) => c.every((p) => !(p.loss <= 0))),
      }),
    });
  }
  const withHeat = [...curves].filter(([, c]) => c.some((p) => p.heat > 0));
  if (withHeat.length > 0) {
    plots.push({
      name: 'loss-vs-heat.svg',
      title: 'Loss vs cumulative heat',
      caption: 'Training loss against the heat released so far, per store (means over the training copies); dashed: the float64 baseline.',
      svg: await linePlot({
        title: 'Loss vs cumulative heat',
        xLabel: 'cumulative heat released per copy [kT]',
        yLabel: 'training loss [1]',
        series: withHeat.map(([store, c]) => ({ name: store, x: c.map((p) => p.heat), y: c.map((p) => p.loss), style: 'line' as const })),
        horizontalRules: baselineRule,
        logX: true,
      }),
    });
    // The LIM bound of each LIM store: the least total heat of its training (docs/lim-bounds.md).
    const limRules = summary.stores.filter((s) => s.lim && Number.isFinite(s.lim.total) && s.lim.total > 0).map((s) => ({ label: `LIM bound of ${s.name} ${formatNumber(s.lim!.total)} kT`, y: s.lim!.total }));
    plots.push({
      name: 'heat-vs-time.svg',
      title: 'Cumulative heat over training',
      caption:
        'Heat released per training copy against time, per store, ± SE band (log scale; the float store releases none).' +
        (limRules.length ? ' Dashed: the LIM bound on the total heat of each LIM store, to be reached at the end of training.' : ''),
      svg: await linePlot({
        title: 'Cumulative heat over training',
        xLabel: 'time t [gamma a^2 / kT]',
        yLabel: 'cumulative heat released per copy [kT]',
        series: withHeat.map(([store, c]) => ({ name: store, x: c.map((p) => p.time), y: c.map((p) => p.heat), yError: c.map((p) => p.heatSe), style: 'line' as const })),
        horizontalRules: limRules,
        logY: true,
      }),
    });
  }
  const p = summary.provenance;
  const t = summary.task;
  const blocks: Block[] = [
    ...(summary.description ? [{ kind: 'text', text: summary.description } as Block] : []),
    {
      kind: 'text',
      text: `${t.model} on ${t.dataset} (${t.samples} samples, ${t.features} features, ${t.parameters} parameters): ${t.updates} updates of ${compactNumber(t.updateInterval)} time units (training time ${compactNumber(t.trainingTime)}), ${t.copies} copies. Float baseline loss ${formatNumber(summary.floatBaseline.finalLoss)}.`,
    },
    { kind: 'heading', level: 2, text: 'Stores' },
    {
      kind: 'table',
      header: ['store', 'kind', 'final loss', 'heat [kT]', 'heat [J]', 'heat/update [kT]', 'bound [kT]', 'heat/bound', 'violated'],
      rows: summary.stores.map((s) => [
        s.name,
        s.kind,
        formatEstimate(s.finalLoss.mean, s.finalLoss.se),
        formatEstimate(s.heat.total.mean, s.heat.total.se),
        formatEstimate(s.heat.total.meanJ, s.heat.total.seJ),
        formatEstimate(s.heat.perUpdate.mean, s.heat.perUpdate.se),
        s.bound.boundSe > 0 ? formatEstimate(s.bound.value, s.bound.boundSe) : formatNumber(s.bound.value),
        s.bound.ratio === null ? 'n/a' : s.bound.ratioSe !== null && s.bound.ratioSe > 0 ? formatEstimate(s.bound.ratio, s.bound.ratioSe) : formatNumber(s.bound.ratio),
        s.bound.violated ? 'VIOLATED' : 'no',
      ]),
    },
    {
      kind: 'text',
      text: `Bounds per store: ${summary.stores.map((s) => `${s.name}: ${s.bound.name}`).join('; ')}.`,
    },
    ...(plots.length ? [{ kind: 'heading', level: 2, text: 'Plots' } as Block, ...plots.map((plot): Block => ({ kind: 'plot', plot }))] : []),
    { kind: 'heading', level: 2, text: 'Empirical vs theoretical dissipation' },
    ...boundBlocks(comparison),
    { kind: 'heading', level: 2, text: 'Provenance' },
    {
      kind: 'table',
      header: ['field', 'value'],
      rows: [
        ['tool', `${p.tool} ${p.version}`],
        ['config', `${p.configPath} (sha256 ${p.configSha256.slice(0, 16)}...)`],
        ['seed', String(p.seed)],
        ['copies', String(p.copies)],
        ['temperature', `${p.temperatureK} K (kT = ${formatNumber(summary.units.kTJoules)} J)`],
        ['node', p.node],
        ['created', p.createdAt],
      ],
    },
    { kind: 'heading', level: 2, text: 'Config (as run)' },
    { kind: 'code', language: 'yaml', text: toYaml(p.config) },
  ];
  return writeReportFiles(dir, `Training run ${summary.name}`, blocks, plots, {}, options.formats);
}

/** Write report.md, report.html and plots/*.svg for a run folder (summary.json, timeseries.csv, histograms). */
export async function writeRunReport(dir: string, options: RunReportOptions = {}): Promise<string[]> {
  const summaryPath = join(dir, 'summary.json');
  if (!existsSync(summaryPath)) throw new ConfigError(dir, 'is not a run folder: it has no summary.json');
  const data = JSON.parse(readFileSync(summaryPath, 'utf8')) as { kind?: string };
  if (data.kind === 'training') return writeTrainingRunReport(dir, data as unknown as TrainingSummary, options);
  const summary = data as PhysicsSummary;
  const comparison = compareEntries(loadComparisonEntries([dir]));
  const plots = await runPlots(dir, summary, options);
  const r = summary.results;
  const p = summary.provenance;
  const energy = (label: string, e: { mean: number; se: number; meanJ: number; seJ: number }) => [label, formatEstimate(e.mean, e.se), formatEstimate(e.meanJ, e.seJ)];
  // A potential without memory states (a harmonic trap) has no occupancy to show.
  const occupancyText = (o: number[]) => (o.length ? `[${o.map((v) => v.toFixed(4)).join(', ')}]` : 'n/a (no memory states)');
  const blocks: Block[] = [
    ...(summary.description ? [{ kind: 'text', text: summary.description } as Block] : []),
    { kind: 'heading', level: 2, text: 'Results' },
    {
      kind: 'table',
      header: ['quantity', 'kT (mean ± SE)', 'J (mean ± SE)'],
      rows: [
        energy('work done on the cells <W>', r.work),
        energy('heat released to the bath <Q>', r.heat),
        energy('energy change <dU>', r.energyChange),
        ['free-energy change dF (quadrature)', formatNumber(r.freeEnergyChange.value), formatNumber(r.freeEnergyChange.valueJ)],
        ['first-law residual max |dU - (W - Q)|', r.firstLawResidual.toExponential(2), ''],
        ['occupancy at start', occupancyText(r.initialOccupancy), ''],
        ['occupancy at end', occupancyText(r.finalOccupancy), ''],
      ],
    },
    { kind: 'heading', level: 2, text: 'Empirical vs theoretical dissipation' },
    ...boundBlocks(comparison),
    ...(plots.length ? [{ kind: 'heading', level: 2, text: 'Plots' } as Block, ...plots.map((plot): Block => ({ kind: 'plot', plot }))] : []),
    { kind: 'heading', level: 2, text: 'Provenance' },
    {
      kind: 'table',
      header: ['field', 'value'],
      rows: [
        ['tool', `${p.tool} ${p.version}`],
        ['config', `${p.configPath} (sha256 ${p.configSha256.slice(0, 16)}...)`],
        ['engine', `${p.engine}${p.integrator ? ` (${p.integrator})` : ''}`],
        ['seed', String(p.seed)],
        ['replicas', String(p.replicas)],
        ['steps', `${p.steps} of dt = ${compactNumber(p.dt)}`],
        ['temperature', `${p.temperatureK} K (kT = ${formatNumber(summary.units.kTJoules)} J)`],
        ['node', p.node],
        ['created', p.createdAt],
      ],
    },
    { kind: 'heading', level: 2, text: 'Config (as run)' },
    { kind: 'code', language: 'yaml', text: toYaml(p.config) },
  ];
  return writeReportFiles(dir, `Run ${summary.name}`, blocks, plots, {}, options.formats);
}

/** A run folder or a sweep folder. */
export async function writeReport(dir: string, options: ReportOptions = {}): Promise<string[]> {
  if (!existsSync(dir)) throw new ConfigError(dir, 'does not exist; expected a run folder or a sweep folder');
  const files = readdirSync(dir);
  if (files.includes('summary.json')) return writeRunReport(dir, options);
  if (files.includes('sweep.json')) return writeSweepReport(dir, options);
  throw new ConfigError(dir, 'holds neither summary.json (a run) nor sweep.json (a sweep)');
}
