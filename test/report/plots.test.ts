import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { decadeTicks, histogramCounts, histogramPlot, linePlot } from '../../src/report/plots.js';
import { checkSvg, parseXml, type XmlElement, XmlSyntaxError } from '../../src/report/svg-check.js';

/** Data-mark groups (class "mark-<type> role-mark", not axes or legends) of one mark type, depth first. */
function findByClass(root: XmlElement, cls: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    const classes = (e.attributes.class ?? '').split(/\s+/);
    if (classes.includes(cls) && classes.includes('role-mark')) found.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return found;
}

const countTags = (root: XmlElement, name: string): number =>
  (root.name === name ? 1 : 0) + root.children.reduce((a, c) => a + countTags(c, name), 0);

describe('linePlot', () => {
  const tau = [1, 4, 16, 64, 256, 1024];
  const heat = tau.map((t) => Math.LN2 + 3 / t);

  it('is a valid SVG with title, axis titles carrying units, legend and rule label', async () => {
    const svg = checkSvg(
      await linePlot({
        title: 'Erasure heat vs protocol time',
        xLabel: 'protocol time tau [gamma a^2/kT]',
        yLabel: 'heat <Q> [kT]',
        series: [
          { name: 'measured', x: tau, y: heat, yError: tau.map(() => 0.05) },
          { name: 'fit ln2 + B/tau', x: tau, y: heat },
        ],
        logX: true,
        horizontalRules: [{ label: 'Landauer floor kT ln 2', y: Math.LN2 }],
      }),
    );
    expect(svg.width).toBeGreaterThan(100);
    expect(svg.height).toBeGreaterThan(100);
    for (const text of [
      'Erasure heat vs protocol time',
      'protocol time tau [gamma a^2/kT]',
      'heat <Q> [kT]', // '<' escaped in the SVG, decoded by the parser
      'measured',
      'fit ln2 + B/tau',
      'Landauer floor kT ln 2',
    ]) {
      expect(svg.texts).toContain(text);
    }
    // log x axis labelled at decades only, as 10^n
    expect(svg.texts).toContain('10\u00b9');
    expect(svg.texts).not.toContain('1e+1');
    expect(svg.texts).not.toContain('2e+0');
  });

  it('draws one error bar per point that has a positive yError', async () => {
    const svg = checkSvg(
      await linePlot({
        title: 'with errors',
        xLabel: 'x [1]',
        yLabel: 'y [kT]',
        series: [{ name: 'a', x: [1, 2, 3, 4], y: [1, 2, 3, 4], yError: [0.1, 0, 0.2, 0.3] }],
      }),
    );
    const ruleMarks = findByClass(svg.root, 'mark-rule');
    expect(ruleMarks).toHaveLength(1);
    expect(countTags(ruleMarks[0], 'line')).toBe(3);
  });

  it('drops points a log axis cannot show instead of failing', async () => {
    const svg = checkSvg(
      await linePlot({
        title: 'energy vs size',
        xLabel: 'model size N [parameters]',
        yLabel: 'energy [J]',
        series: [{ name: 's', x: [1e6, 1e9, 1e12, 1e15], y: [0, 1e-3, NaN, 1e8] }],
        logX: true,
        logY: true,
      }),
    );
    const symbols = findByClass(svg.root, 'mark-symbol');
    expect(symbols.length).toBeGreaterThan(0);
    expect(symbols.reduce((a, g) => a + countTags(g, 'path'), 0)).toBe(2);
  });

  it('rejects series of unequal length and empty titles with ConfigError', async () => {
    await expect(
      linePlot({ title: 't', xLabel: 'x [s]', yLabel: 'y [J]', series: [{ name: 'a', x: [1, 2], y: [1] }] }),
    ).rejects.toMatchObject({ path: 'series[0].y' });
    await expect(linePlot({ title: 't', xLabel: ' ', yLabel: 'y [J]', series: [] })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('axis conventions', () => {
  it('an integer grid axis ticks at its own values only (no 1.5)', async () => {
    const svg = checkSvg(
      await linePlot({ title: 'heat vs bits', xLabel: 'bits [1]', yLabel: 'heat [kT]', series: [{ name: 'a', x: [1, 2, 3, 4], y: [10, 20, 30, 50] }], integerX: true }),
    );
    for (const t of ['1', '2', '3', '4']) expect(svg.texts).toContain(t);
    expect(svg.texts).not.toContain('1.5');
    expect(svg.texts).not.toContain('2.5');
  });

  it('unordered points are markers without a line; theory is a separate dashed line', async () => {
    const svg = checkSvg(
      await linePlot({
        title: 'loss vs heat',
        xLabel: 'heat [kT]',
        yLabel: 'loss [1]',
        series: [
          { name: 'stores', x: [3, 1, 2], y: [0.1, 0.3, 0.2], style: 'points' },
          { name: 'theory', x: [1, 2, 3], y: [0.3, 0.2, 0.1], style: 'theory' },
        ],
      }),
    );
    expect(findByClass(svg.root, 'mark-symbol').reduce((a, g) => a + countTags(g, 'path'), 0)).toBe(3);
    const lines = findByClass(svg.root, 'mark-line');
    expect(lines).toHaveLength(1);
    expect(lines[0].children[0].attributes['stroke-dasharray']).toBe('6,3');
  });

  it('an SE band on a line series is one area mark', async () => {
    const svg = checkSvg(
      await linePlot({ title: 'band', xLabel: 't [1]', yLabel: 'y [kT]', series: [{ name: 'a', x: [0, 1, 2], y: [1, 2, 3], yError: [0.1, 0.1, 0.1], style: 'line' }] }),
    );
    expect(findByClass(svg.root, 'mark-area')).toHaveLength(1);
    expect(findByClass(svg.root, 'mark-rule')).toHaveLength(0);
  });
});

describe('decadeTicks', () => {
  it('gives powers of ten covering the range, thinned to at most 12', () => {
    expect(decadeTicks(2, 300)).toEqual([1, 10, 100, 1000]);
    const wide = decadeTicks(1e-14, 1e20);
    expect(wide.length).toBeLessThanOrEqual(12);
    expect(wide[0]).toBe(1e-14);
    expect(wide[wide.length - 1]).toBeGreaterThanOrEqual(1e19);
    for (const t of wide) expect(Math.log10(t)).toBeCloseTo(Math.round(Math.log10(t)), 12);
  });
});

describe('histogramCounts and histogramPlot', () => {
  it('bins by hand: equal widths, right edge in the last bin, outside values not counted', () => {
    const { edges, counts } = histogramCounts([0, 0.5, 1, 1.5, 2, 2, 5, -1], 4, [0, 2]);
    expect(Array.from(edges)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(Array.from(counts)).toEqual([1, 1, 1, 3]);
  });

  it('default range spans the finite values; every finite value is counted once', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 3);
    const { counts } = histogramCounts([...values, NaN, Infinity], 17);
    expect(counts.reduce((a, c) => a + c, 0)).toBe(1000);
  });

  it('is a valid SVG with axis titles and rule labels; density mode labels the y axis', async () => {
    const values = Float64Array.from({ length: 2000 }, (_, i) => ((i * 0.618034) % 1) * 4 - 2);
    const counted = checkSvg(
      await histogramPlot({
        title: 'Work distribution',
        xLabel: 'work W [kT]',
        values,
        bins: 20,
        verticalRules: [{ label: 'Delta F', x: 0 }],
      }),
    );
    for (const text of ['Work distribution', 'work W [kT]', 'count', 'Delta F']) expect(counted.texts).toContain(text);
    // A step outline (one line path, one fill), not a bar per bin or a line through bin centres.
    expect(findByClass(counted.root, 'mark-rect')).toHaveLength(0);
    const outline = findByClass(counted.root, 'mark-line');
    expect(outline).toHaveLength(1);
    const d = outline[0].children.find((c) => c.name === 'path')?.attributes.d ?? '';
    // step-after: horizontal and vertical runs only, so every vertex shares x or y with the one before.
    const vertices = [...d.matchAll(/[ML]?(-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(vertices.length).toBeGreaterThanOrEqual(2 * 20);
    for (let i = 1; i < vertices.length; i++) {
      const [a, b] = [vertices[i - 1], vertices[i]];
      expect(Math.abs(a[0] - b[0]) < 1e-6 || Math.abs(a[1] - b[1]) < 1e-6).toBe(true);
    }

    const density = checkSvg(await histogramPlot({ title: 'density', xLabel: 'heat Q [kT]', values, bins: 10, density: true }));
    expect(density.texts).toContain('probability density [1/x unit]');
  });

  it('log counts keep the tails of a Gaussian visible, labelled at decades', async () => {
    // 20000 draws of N(0, 1) by inverse transform of a low-discrepancy sequence: the outer bins hold
    // a handful of counts against thousands at the centre, so a linear axis would flatten them.
    const normal = (p: number) => Math.sqrt(-2 * Math.log(1 - Math.abs(2 * p - 1))) * Math.sign(p - 0.5) * 0.8862; // rough probit
    const values = Float64Array.from({ length: 20000 }, (_, i) => normal(((i + 0.5) * 0.618034) % 1));
    const svg = checkSvg(await histogramPlot({ title: 'tails', xLabel: 'W [kT]', values, bins: 30, logCount: true }));
    expect(svg.texts).toContain('10\u00b9');
    expect(svg.texts).toContain('10\u00b3');
  });

  it('rejects a non-integer bin count', () => {
    expect(() => histogramCounts([1, 2, 3], 2.5)).toThrow(ConfigError);
  });
});

describe('svg-check', () => {
  it('parses nesting, attributes, entities and CDATA', () => {
    const root = parseXml(
      '<?xml version="1.0"?><!-- c --><svg width="10" height="5"><g a=\'1\'><text>a &lt; b &#x3b1; &amp;</text><![CDATA[x<y]]></g><rect/></svg>',
    );
    expect(root.name).toBe('svg');
    expect(root.children.map((c) => c.name)).toEqual(['g', 'rect']);
    expect(root.children[0].attributes.a).toBe('1');
    expect(root.children[0].children[0].text).toBe('a < b \u03b1 &');
    expect(root.children[0].text).toBe('x<y');
  });

  it('rejects malformed documents', () => {
    const bad = [
      '<svg width="1" height="1"><g></svg>', // mismatched
      '<svg width="1" height="1"><g>', // unclosed
      '<svg width="1" height="1" width="2"></svg>', // duplicate attribute
      '<svg width=1 height="1"></svg>', // unquoted
      '<svg width="1" height="1">a & b</svg>', // bare ampersand
      '<svg width="1" height="1"></svg><svg></svg>', // two roots
      'text<svg width="1" height="1"></svg>', // text outside root
    ];
    for (const doc of bad) expect(() => parseXml(doc), doc).toThrow(XmlSyntaxError);
  });

  it('checkSvg requires an <svg> root with positive width and height', () => {
    expect(() => checkSvg('<html width="1" height="1"></html>')).toThrow(/expected <svg>/);
    expect(() => checkSvg('<svg height="1"></svg>')).toThrow(/positive sizes/);
    expect(checkSvg('<svg width="3" height="4"><text>hi</text></svg>')).toMatchObject({ width: 3, height: 4, texts: ['hi'] });
  });
});
