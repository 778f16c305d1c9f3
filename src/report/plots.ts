/**
 * Plots as SVG strings, rendered headless in Node: a vega-lite spec is compiled
 * to vega and drawn by a vega View with renderer 'none' (no canvas package;
 * vega estimates text widths itself). Axis titles are the caller's labels and
 * should carry units, e.g. "protocol time tau [gamma a^2/kT]", "heat [kT]".
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ConfigError } from '../errors.js';

export interface PlotSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Half-width of the error bar at each point (e.g. a standard error). */
  yError?: ArrayLike<number>;
}

export interface HorizontalRule {
  label: string;
  y: number;
}

export interface VerticalRule {
  label: string;
  x: number;
}

export interface LinePlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  logX?: boolean;
  logY?: boolean;
  /** Reference levels drawn across the plot, e.g. the Landauer floor kT ln 2. */
  horizontalRules?: HorizontalRule[];
  verticalRules?: VerticalRule[];
  /** Draw point markers on the lines (default true). */
  points?: boolean;
  /** Include zero in a linear y axis (default false, so a floor near the data stays readable). */
  yZero?: boolean;
  width?: number;
  height?: number;
}

export interface HistogramOptions {
  title: string;
  xLabel: string;
  /** Default "count" (or "probability density [1/x unit]" when density). */
  yLabel?: string;
  values: ArrayLike<number>;
  bins: number;
  /** Bin range; default [min, max] of the finite values. */
  range?: [number, number];
  /** Normalise to a probability density (area 1). */
  density?: boolean;
  verticalRules?: VerticalRule[];
  width?: number;
  height?: number;
}

const DEFAULT_WIDTH = 480;
const DEFAULT_HEIGHT = 320;
const RULE_COLOR = '#555555';

/** Compile a vega-lite spec and render it to an SVG string, headless. */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function checkLabel(path: string, label: unknown): void {
  if (typeof label !== 'string' || label.trim() === '') {
    throw new ConfigError(path, `got ${JSON.stringify(label)}; expected a non-empty title (with units)`);
  }
}

/** Keep a value if it is finite and, on a log axis, positive. */
const plottable = (v: number, log: boolean): boolean => Number.isFinite(v) && (!log || v > 0);

function axisScale(log: boolean, zero: boolean): Record<string, unknown> {
  // A few pixels of padding so points on the domain edge are not cut in half.
  return log ? { type: 'log', padding: 8 } : { type: 'linear', zero, padding: 8 };
}

/**
 * Tick values at powers of ten covering [min, max], thinned to at most
 * `maxTicks` so a log axis spanning twenty decades stays readable.
 */
export function decadeTicks(min: number, max: number, maxTicks = 12): number[] {
  if (!(min > 0 && max >= min && Number.isFinite(max))) return [];
  const first = Math.floor(Math.log10(min) + 1e-9);
  const last = Math.ceil(Math.log10(max) - 1e-9);
  const stride = Math.max(1, Math.ceil((last - first + 1) / maxTicks));
  const ticks: number[] = [];
  for (let k = first; k <= last; k += stride) ticks.push(Number(`1e${k}`));
  return ticks;
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function axisFormat(log: boolean, values: number[]): Record<string, unknown> {
  if (!log) return {};
  // Label decades only (1e+3, 1e+6, ...): vega's default log ticks crowd 2e+0, 3e+0, ...
  const [lo, hi] = extent(values);
  return { format: '~e', values: decadeTicks(lo, hi), grid: true };
}

/**
 * Lines (one per series, coloured, with a legend), optional error bars
 * (y +- yError; on a log axis a lower end <= 0 is cut to the point itself),
 * optional labelled horizontal/vertical reference rules. Points that cannot
 * be drawn (non-finite, or <= 0 on a log axis) are left out.
 */
export async function linePlot(options: LinePlotOptions): Promise<string> {
  checkLabel('title', options.title);
  checkLabel('xLabel', options.xLabel);
  checkLabel('yLabel', options.yLabel);
  const logX = options.logX ?? false;
  const logY = options.logY ?? false;
  const width = options.width ?? DEFAULT_WIDTH;
  const height = options.height ?? DEFAULT_HEIGHT;

  const rows: { series: string; x: number; y: number }[] = [];
  const errorRows: { series: string; x: number; yLow: number; yHigh: number }[] = [];
  options.series.forEach((s, k) => {
    if (s.x.length !== s.y.length) {
      throw new ConfigError(`series[${k}].y`, `has ${s.y.length} values for ${s.x.length} x values; expected equal lengths`);
    }
    if (s.yError && s.yError.length !== s.y.length) {
      throw new ConfigError(`series[${k}].yError`, `has ${s.yError.length} values for ${s.y.length} y values; expected equal lengths`);
    }
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      const y = s.y[i];
      if (!plottable(x, logX) || !plottable(y, logY)) continue;
      rows.push({ series: s.name, x, y });
      const err = s.yError?.[i];
      if (err !== undefined && Number.isFinite(err) && err > 0) {
        const low = y - err;
        errorRows.push({ series: s.name, x, yLow: logY && low <= 0 ? y : low, yHigh: y + err });
      }
    }
  });

  const hRules = (options.horizontalRules ?? []).filter((r) => plottable(r.y, logY));
  const vRules = (options.verticalRules ?? []).filter((r) => plottable(r.x, logX));
  const xValues = [...rows.map((r) => r.x), ...vRules.map((r) => r.x)];
  const yValues = [...rows.map((r) => r.y), ...errorRows.flatMap((r) => [r.yLow, r.yHigh]), ...hRules.map((r) => r.y)];
  const xEnc = { type: 'quantitative', title: options.xLabel, scale: axisScale(logX, false), axis: axisFormat(logX, xValues) };
  const yEnc = {
    type: 'quantitative',
    title: options.yLabel,
    scale: axisScale(logY, options.yZero ?? false),
    axis: axisFormat(logY, yValues),
  };
  // Keep series in the caller's order and show full names.
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: options.series.map((s) => s.name),
    legend: { labelLimit: 400 },
  };

  const layers: Record<string, unknown>[] = [
    {
      data: { values: rows },
      mark: { type: 'line', point: options.points ?? true, clip: true },
      encoding: { x: { field: 'x', ...xEnc }, y: { field: 'y', ...yEnc }, color, order: { field: 'x' } },
    },
  ];
  if (errorRows.length > 0) {
    layers.push({
      data: { values: errorRows },
      mark: { type: 'rule', clip: true },
      encoding: { x: { field: 'x', ...xEnc }, y: { field: 'yLow', ...yEnc }, y2: { field: 'yHigh' }, color },
    });
  }
  if (hRules.length > 0) {
    layers.push(
      {
        data: { values: hRules },
        mark: { type: 'rule', strokeDash: [6, 4], color: RULE_COLOR },
        encoding: { y: { field: 'y', ...yEnc } },
      },
      {
        data: { values: hRules },
        mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -2, x: width, color: RULE_COLOR },
        encoding: { y: { field: 'y', ...yEnc }, text: { field: 'label' } },
      },
    );
  }
  if (vRules.length > 0) layers.push(...verticalRuleLayers(vRules, xEnc));

  return renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width,
    height,
    background: 'white',
    layer: layers,
  } as unknown as TopLevelSpec);
}

function verticalRuleLayers(rules: VerticalRule[], xEnc: Record<string, unknown>): Record<string, unknown>[] {
  return [
    {
      data: { values: rules },
      mark: { type: 'rule', strokeDash: [6, 4], color: RULE_COLOR },
      encoding: { x: { field: 'x', ...xEnc } },
    },
    {
      data: { values: rules },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, y: 2, color: RULE_COLOR },
      encoding: { x: { field: 'x', ...xEnc }, text: { field: 'label' } },
    },
  ];
}

/** Equal-width bins over [lo, hi]; values outside are not counted, hi falls in the last bin. */
export function histogramCounts(
  values: ArrayLike<number>,
  bins: number,
  range?: [number, number],
): { edges: Float64Array; counts: Float64Array } {
  if (!Number.isInteger(bins) || bins < 1) {
    throw new ConfigError('bins', `got ${bins}; expected an integer >= 1`);
  }
  let lo = range?.[0] ?? Infinity;
  let hi = range?.[1] ?? -Infinity;
  if (!range) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (lo === Infinity) {
      throw new ConfigError('values', 'has no finite value; expected at least one to bin');
    }
    if (lo === hi) {
      // A single distinct value: give it a unit-wide bin centred on it.
      lo -= 0.5;
      hi += 0.5;
    }
  } else if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new ConfigError('range', `got [${lo}, ${hi}]; expected finite bounds with max > min`);
  }
  const edges = new Float64Array(bins + 1);
  const widthPerBin = (hi - lo) / bins;
  for (let b = 0; b <= bins; b++) edges[b] = lo + b * widthPerBin;
  const counts = new Float64Array(bins);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    const b = Math.min(bins - 1, Math.floor((v - lo) / widthPerBin));
    counts[b] += 1;
  }
  return { edges, counts };
}

/** Histogram of `values` (counts or density), optional labelled vertical rules (e.g. Delta F, <W>). */
export async function histogramPlot(options: HistogramOptions): Promise<string> {
  checkLabel('title', options.title);
  checkLabel('xLabel', options.xLabel);
  const { edges, counts } = histogramCounts(options.values, options.bins, options.range);
  const total = counts.reduce((a, c) => a + c, 0);
  const binWidth = edges[1] - edges[0];
  const scale = options.density && total > 0 ? 1 / (total * binWidth) : 1;
  const yLabel = options.yLabel ?? (options.density ? 'probability density [1/x unit]' : 'count');
  checkLabel('yLabel', yLabel);
  const bars = Array.from(counts, (c, b) => ({ start: edges[b], end: edges[b + 1], height: c * scale }));
  const width = options.width ?? DEFAULT_WIDTH;
  const xEnc = { type: 'quantitative', title: options.xLabel, scale: { zero: false } };

  const layers: Record<string, unknown>[] = [
    {
      data: { values: bars },
      mark: { type: 'bar', binSpacing: 0, stroke: 'white', strokeWidth: 0.5 },
      encoding: {
        x: { field: 'start', ...xEnc },
        x2: { field: 'end' },
        y: { field: 'height', type: 'quantitative', title: yLabel, scale: { zero: true } },
        y2: { datum: 0 },
      },
    },
  ];
  const vRules = (options.verticalRules ?? []).filter((r) => Number.isFinite(r.x));
  if (vRules.length > 0) layers.push(...verticalRuleLayers(vRules, xEnc));

  return renderVegaLite({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title,
    width,
    height: options.height ?? DEFAULT_HEIGHT,
    background: 'white',
    layer: layers,
  } as unknown as TopLevelSpec);
}
