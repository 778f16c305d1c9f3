/**
 * Plots as SVG strings, rendered headless in Node: a vega-lite spec is compiled
 * to vega and drawn by a vega View with renderer 'none' (no canvas package;
 * vega estimates text widths itself). Axis titles are the caller's labels and
 * should carry units, e.g. "protocol time tau [gamma x_m^2 / kT]", "heat [kT]".
 *
 * Conventions for paper figures: log axes are ticked at decades and labelled
 * 10^n (superscript digits); integer axes (grids of bits, updates) tick at
 * integers only; measured series carry their standard error (bars on points,
 * a shaded band on lines); theory curves are dashed; unordered points (a loss
 * against a heat) are markers without lines.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { ConfigError } from '../errors.js';

/**
 * How a series is drawn: `line` (ordered samples, SE as a band), `line+points`
 * (few ordered measurements, SE as bars), `points` (markers only: points with
 * no order between them), `theory` (a dashed curve, no error).
 */
export type SeriesStyle = 'line' | 'line+points' | 'points' | 'theory';

export interface PlotSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Half-width of the error at each point (e.g. a standard error). */
  yError?: ArrayLike<number>;
  /** Default: the plot's `points` option ('line+points' when true, 'line' when false). */
  style?: SeriesStyle;
  /** Draw in the colour of the series of this name (a theory curve beside its measurement). */
  colorOf?: string;
}

/** vega's default categorical palette (tableau10), assigned in series order. */
const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

/** One colour per series: the palette in order, except series that borrow another's colour. */
export function seriesColors(series: { name: string; colorOf?: string }[]): string[] {
  const own = new Map<string, string>();
  let next = 0;
  for (const s of series) if (!s.colorOf && !own.has(s.name)) own.set(s.name, PALETTE[next++ % PALETTE.length]);
  return series.map((s) => (s.colorOf && own.has(s.colorOf) ? own.get(s.colorOf)! : own.get(s.name) ?? PALETTE[next++ % PALETTE.length]));
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
  /** A second title line (e.g. a fit's chi^2 and p). */
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: PlotSeries[];
  logX?: boolean;
  logY?: boolean;
  /** Reference levels drawn across the plot, e.g. the Landauer floor kT ln 2. */
  horizontalRules?: HorizontalRule[];
  verticalRules?: VerticalRule[];
  /** Default style of series without one: markers on the lines (true, default) or plain lines. */
  points?: boolean;
  /** Include zero in a linear y axis (default false, so a floor near the data stays readable). */
  yZero?: boolean;
  /** Include zero in a linear x axis (default false). */
  xZero?: boolean;
  /** Tick a linear axis at integers only (grids of bits, update counts). */
  integerX?: boolean;
  integerY?: boolean;
  width?: number;
  height?: number;
}

export interface HistogramOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  /** Default "count" (or "probability density [1/x unit]" when density). */
  yLabel?: string;
  values: ArrayLike<number>;
  bins: number;
  /** Bin range; default [min, max] of the finite values. */
  range?: [number, number];
  /** Normalise to a probability density (area 1). */
  density?: boolean;
  /** Log count axis: the tails stay visible (empty bins drop to the axis floor). */
  logCount?: boolean;
  verticalRules?: VerticalRule[];
  /** Curves in the histogram's own y unit (e.g. a predicted density), dashed. */
  overlays?: PlotSeries[];
  width?: number;
  height?: number;
}

const DEFAULT_WIDTH = 480;
const DEFAULT_HEIGHT = 320;
const RULE_COLOR = '#555555';
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Compile a vega-lite spec and render it to an SVG string, headless. */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  // Quiet: merge notices (e.g. a band's hidden legend) are not the user's business.
  const compiled = compile(spec, { logger: vega.logger(vega.Error) }).spec;
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

const SUPERSCRIPT: Record<string, string> = {
  '-': '\u207b', '0': '\u2070', '1': '\u00b9', '2': '\u00b2', '3': '\u00b3', '4': '\u2074',
  '5': '\u2075', '6': '\u2076', '7': '\u2077', '8': '\u2078', '9': '\u2079',
};

/** 10^k as a tick label: "10" and the exponent in superscript digits (10⁻³). */
export function decadeLabel(k: number): string {
  return `10${[...String(k)].map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/**
 * A vega expression that labels decade ticks 10^k and any other tick plainly.
 * The exponents are known here, so the expression is a lookup on round(log10(value)).
 */
function decadeLabelExpr(ticks: number[]): string {
  const k = 'round(log(datum.value) / LN10)';
  const cases = [...new Set(ticks.map((t) => Math.round(Math.log10(t))))].map((e) => `${k} == ${e} ? '${decadeLabel(e)}' : `).join('');
  return `abs(log(datum.value) / LN10 - ${k}) < 1e-6 ? (${cases}'') : format(datum.value, '~g')`;
}

/**
 * Ticks of a log axis over [min, max]: the decades inside it, or where fewer
 * than two decades fall inside (a narrow range), 1-2-5 steps.
 */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0 && max >= min && Number.isFinite(max))) return [];
  const inside = (t: number) => t >= min * (1 - 1e-9) && t <= max * (1 + 1e-9);
  const decades = decadeTicks(min, max);
  if (decades.filter(inside).length >= 3) return decades;
  for (const mantissas of [[1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: number[] = [];
    for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++) {
      for (const m of mantissas) if (inside(Number(`${m}e${k}`))) ticks.push(Number(`${m}e${k}`));
    }
    if (ticks.length >= 3) return ticks;
  }
  return decades;
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

/** Axis properties: decades labelled 10^n on a log axis; integer ticks on an integer axis. */
export function axisFormat(log: boolean, values: number[], integer = false): Record<string, unknown> {
  if (log) {
    // Label decades only: vega's default log ticks crowd 2, 3, ... 9 between them.
    const [lo, hi] = extent(values);
    const ticks = logTicks(lo, hi);
    // Decades are labelled 10^n; a short 1-2-5 axis reads better in plain numbers.
    const allDecades = ticks.every((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9);
    return { values: ticks, ...(allDecades ? { labelExpr: decadeLabelExpr(ticks) } : { format: '~g' }), grid: true };
  }
  if (integer) {
    const distinct = [...new Set(values.filter(Number.isFinite))].sort((a, b) => a - b);
    // A short grid is ticked at its own values; a long one at integer steps.
    if (distinct.length > 0 && distinct.length <= 12 && distinct.every(Number.isInteger)) return { values: distinct, format: 'd' };
    return { tickMinStep: 1, format: 'd' };
  }
  return {};
}

interface Row {
  series: string;
  x: number;
  y: number;
}
interface ErrorRow {
  series: string;
  x: number;
  yLow: number;
  yHigh: number;
}

/**
 * Curves and points, one colour per series (legend in the caller's order):
 * each series drawn in its style (see SeriesStyle) with its error (bars or a
 * band; on a log axis a lower end <= 0 is cut to the point itself), and
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
  const defaultStyle: SeriesStyle = options.points ?? true ? 'line+points' : 'line';

  const rows = new Map<SeriesStyle, Row[]>();
  const bars: ErrorRow[] = [];
  const bands: ErrorRow[] = [];
  options.series.forEach((s, k) => {
    if (s.x.length !== s.y.length) {
      throw new ConfigError(`series[${k}].y`, `has ${s.y.length} values for ${s.x.length} x values; expected equal lengths`);
    }
    if (s.yError && s.yError.length !== s.y.length) {
      throw new ConfigError(`series[${k}].yError`, `has ${s.yError.length} values for ${s.y.length} y values; expected equal lengths`);
    }
    const style = s.style ?? defaultStyle;
    const list = rows.get(style) ?? [];
    rows.set(style, list);
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      const y = s.y[i];
      if (!plottable(x, logX) || !plottable(y, logY)) continue;
      list.push({ series: s.name, x, y });
      const err = s.yError?.[i];
      if (style !== 'theory' && err !== undefined && Number.isFinite(err) && err > 0) {
        const low = y - err;
        (style === 'line' ? bands : bars).push({ series: s.name, x, yLow: logY && low <= 0 ? y : low, yHigh: y + err });
      }
    }
  });

  const all = [...rows.values()].flat();
  const hRules = (options.horizontalRules ?? []).filter((r) => plottable(r.y, logY));
  const vRules = (options.verticalRules ?? []).filter((r) => plottable(r.x, logX));
  const xValues = [...all.map((r) => r.x), ...vRules.map((r) => r.x)];
  const yValues = [...all.map((r) => r.y), ...bars.flatMap((r) => [r.yLow, r.yHigh]), ...bands.flatMap((r) => [r.yLow, r.yHigh]), ...hRules.map((r) => r.y)];
  const xEnc = {
    type: 'quantitative',
    title: options.xLabel,
    scale: axisScale(logX, options.xZero ?? false),
    axis: axisFormat(logX, xValues, options.integerX),
  };
  const yEnc = {
    type: 'quantitative',
    title: options.yLabel,
    scale: axisScale(logY, options.yZero ?? false),
    axis: axisFormat(logY, yValues, options.integerY),
  };
  // One colour scale for every layer, in the caller's order, with full names.
  const names = options.series.map((s) => s.name);
  const color = {
    field: 'series',
    type: 'nominal',
    title: null,
    sort: names,
    scale: { domain: names, range: seriesColors(options.series) },
    legend: { labelLimit: 400 },
  };
  const x = { field: 'x', ...xEnc };

  const layers: Record<string, unknown>[] = [];
  const markOf: Record<SeriesStyle, Record<string, unknown>> = {
    line: { type: 'line', clip: true },
    'line+points': { type: 'line', point: true, clip: true },
    points: { type: 'point', filled: true, size: 36, clip: true },
    theory: { type: 'line', strokeDash: [6, 3], strokeWidth: 1.5, clip: true },
  };
  for (const [style, list] of rows) {
    if (list.length === 0) continue;
    layers.push({
      data: { values: list },
      mark: markOf[style],
      encoding: { x, y: { field: 'y', ...yEnc }, color, ...(style === 'points' ? {} : { order: { field: 'x' } }) },
    });
  }
  if (bands.length > 0) {
    layers.push({
      data: { values: bands },
      mark: { type: 'area', opacity: 0.2, clip: true },
      // No stacking: each band spans its own [low, high].
      // Its own fill scale (same colours) without a legend: the legend shows the lines.
      encoding: { x, y: { field: 'yLow', ...yEnc, stack: null }, y2: { field: 'yHigh' }, fill: { ...color, legend: null } },
    });
  }
  if (bars.length > 0) {
    layers.push({
      data: { values: bars },
      mark: { type: 'rule', clip: true },
      encoding: { x, y: { field: 'yLow', ...yEnc }, y2: { field: 'yHigh' }, color },
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
    $schema: SCHEMA,
    title: titleOf(options.title, options.subtitle),
    width,
    height,
    background: 'white',
    layer: layers,
  } as unknown as TopLevelSpec);
}

function titleOf(text: string, subtitle?: string): unknown {
  return subtitle ? { text, subtitle } : text;
}

function verticalRuleLayers(rules: VerticalRule[], xEnc: Record<string, unknown>): Record<string, unknown>[] {
  // Labels of rules close together would overlap: stagger them down the plot.
  const staggered = [...rules].sort((a, b) => a.x - b.x).map((r, k) => ({ ...r, yPixel: 2 + 14 * k }));
  return [
    {
      data: { values: staggered },
      mark: { type: 'rule', strokeDash: [6, 4], color: RULE_COLOR },
      encoding: { x: { field: 'x', ...xEnc } },
    },
    {
      data: { values: staggered },
      mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, color: RULE_COLOR },
      encoding: {
        x: { field: 'x', ...xEnc },
        // scale null: the value is a pixel offset from the top, outside the data's y scale.
        y: { field: 'yPixel', type: 'quantitative', scale: null },
        text: { field: 'label' },
      },
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

export interface BinnedHistogram {
  /** Bin edges, one more than heights. */
  edges: ArrayLike<number>;
  /** Per bin: a count, or a density when `density` was applied by the caller. */
  heights: ArrayLike<number>;
}

/** Histogram of `values` (counts or density): see stepHistogramPlot. */
export async function histogramPlot(options: HistogramOptions): Promise<string> {
  const { edges, counts } = histogramCounts(options.values, options.bins, options.range);
  const total = counts.reduce((a, c) => a + c, 0);
  const binWidth = edges[1] - edges[0];
  const scale = options.density && total > 0 ? 1 / (total * binWidth) : 1;
  return stepHistogramPlot({ ...options, edges, heights: counts.map((c) => c * scale) });
}

/**
 * A histogram already binned (e.g. read from a histogram CSV), drawn as a step
 * outline with a light fill: the shape of a distribution without a bar per bin
 * hiding the tails. With `logCount` the y axis is logarithmic and empty bins
 * fall to a floor at half the smallest non-empty height. Vertical rules mark
 * reference values (Delta F, <W>); overlays are dashed theory curves.
 */
export async function stepHistogramPlot(options: Omit<HistogramOptions, 'values' | 'bins' | 'range'> & BinnedHistogram): Promise<string> {
  checkLabel('title', options.title);
  checkLabel('xLabel', options.xLabel);
  const yLabel = options.yLabel ?? (options.density ? 'probability density [1/x unit]' : 'count');
  checkLabel('yLabel', yLabel);
  const { edges, heights } = options;
  if (edges.length !== heights.length + 1 || heights.length === 0) {
    throw new ConfigError('edges', `has ${edges.length} values for ${heights.length} bins; expected bins + 1 (and at least one bin)`);
  }
  const log = options.logCount ?? false;
  const positive = Array.from(heights).filter((h) => h > 0);
  const floor = log ? (positive.length ? Math.min(...positive) / 2 : 0.5) : 0;
  const lift = (h: number) => (log && !(h > 0) ? floor : h);
  const n = heights.length;
  // step-after: each point holds its height until the next edge; closed to the floor at both ends.
  const outline = [
    { x: edges[0], y: floor },
    ...Array.from(heights, (h, b) => ({ x: edges[b], y: lift(h) })),
    { x: edges[n], y: lift(heights[n - 1]) },
    { x: edges[n], y: floor },
  ];
  const width = options.width ?? DEFAULT_WIDTH;
  const xEnc = { type: 'quantitative', title: options.xLabel, scale: { zero: false, nice: false } };
  const overlayRows = (options.overlays ?? []).flatMap((s) =>
    Array.from(s.x, (xv, i) => ({ series: s.name, x: xv, y: s.y[i] })).filter((r) => plottable(r.x, false) && plottable(r.y, log)),
  );
  const yValues = [...outline.map((p) => p.y), ...overlayRows.map((r) => r.y)];
  const yEnc = {
    type: 'quantitative',
    title: yLabel,
    // Headroom above the tallest bin so the peak and the rule labels do not touch the top.
    scale: log ? { type: 'log', domainMin: floor, domainMax: Math.max(...yValues) * 3 } : { zero: true, domainMax: Math.max(...yValues) * 1.12 },
    axis: axisFormat(log, yValues),
  };

  const layers: Record<string, unknown>[] = [
    {
      data: { values: outline },
      mark: { type: 'area', interpolate: 'step-after', opacity: 0.18, color: '#4c78a8' },
      // No order channel: on an area it would split the fill into one group per point.
      encoding: { x: { field: 'x', ...xEnc }, y: { field: 'y', ...yEnc, stack: null }, y2: { datum: floor } },
    },
    {
      data: { values: outline },
      mark: { type: 'line', interpolate: 'step-after', color: '#4c78a8', strokeWidth: 1.5 },
      encoding: { x: { field: 'x', ...xEnc }, y: { field: 'y', ...yEnc }, order: { field: 'x' } },
    },
  ];
  if (overlayRows.length > 0) {
    const names = (options.overlays ?? []).map((s) => s.name);
    layers.push({
      data: { values: overlayRows },
      mark: { type: 'line', strokeDash: [6, 3], strokeWidth: 1.5, clip: true },
      encoding: {
        x: { field: 'x', ...xEnc },
        y: { field: 'y', ...yEnc },
        color: { field: 'series', type: 'nominal', title: null, sort: names, scale: { domain: names, range: ['#e45756', '#54a24b', '#b279a2'] }, legend: { labelLimit: 500, orient: 'bottom', direction: 'vertical' } },
        order: { field: 'x' },
      },
    });
  }
  const vRules = (options.verticalRules ?? []).filter((r) => Number.isFinite(r.x));
  if (vRules.length > 0) layers.push(...verticalRuleLayers(vRules, xEnc));

  return renderVegaLite({
    $schema: SCHEMA,
    title: titleOf(options.title, options.subtitle),
    width,
    height: options.height ?? DEFAULT_HEIGHT,
    background: 'white',
    layer: layers,
  } as unknown as TopLevelSpec);
}
