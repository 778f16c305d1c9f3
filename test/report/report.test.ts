import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePhysicsRun } from '../../src/commands/run.js';
import { loadAnyConfig, runAnyConfig } from '../../src/experiments/dispatch.js';
import { loadSweepSpec, planSweep, runSweep } from '../../src/experiments/sweep.js';
import { trainingFiles } from '../../src/experiments/training-run.js';
import { writeFiles } from '../../src/report/results.js';
import { compactNumber, escapeHtml, markdownTable, shortValue, writeReport } from '../../src/report/report.js';
import { checkSvg } from '../../src/report/svg-check.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'limsim-report-'));

/** Every inline <svg>...</svg> of an HTML page, checked as well-formed SVG. */
function inlineSvgs(html: string) {
  return [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => checkSvg(m[0]));
}

/** report.md links plots/<name>.svg; each linked file exists and is valid SVG. */
function linkedSvgs(folder: string) {
  const md = readFileSync(join(folder, 'report.md'), 'utf8');
  return [...md.matchAll(/!\[[^\]]*\]\((plots\/[^)]+\.svg)\)/g)].map((m) => checkSvg(readFileSync(join(folder, m[1]), 'utf8')));
}

const hasRenderer = spawnSync('rsvg-convert', ['--version']).status === 0;

describe('report pieces', () => {
  it('escapes HTML and Markdown cells, and prints values short', () => {
    expect(escapeHtml('<Q> & "W"')).toBe('&lt;Q&gt; &amp; &quot;W&quot;');
    expect(markdownTable(['a', 'b'], [['x|y', '1']])).toContain('x\\|y');
    expect([compactNumber(20), compactNumber(0.0015), compactNumber(4.141947e-21), compactNumber(1 / 3)]).toEqual(['20', '0.0015', '4.1419e-21', '0.333333']);
    expect(shortValue({ kind: 'logarithmic', offset: 3.95, timeScale: 50 })).toBe('logarithmic(3.95, 50)');
  });
});

describe('reports', () => {
  const sweepDir = join(dir, 'erasure-sweep');
  const sweepReady = (async () => {
    const spec = loadSweepSpec(join(root, 'sim-configs', 'landauer-erasure.yaml'), {
      grid: ['time.duration=5,10,20'],
      set: ['replicas=300', 'record.points=5'],
      timeScaling: true,
      seeds: 'independent',
    });
    await runSweep(planSweep(spec), { out: sweepDir, workers: 2, progress: { start() {}, pointDone() {}, stop() {} } });
    return writeReport(sweepDir);
  })();

  it('a sweep: report.html is self-contained with inline SVG plots, config and provenance; report.md links the same plots', async () => {
    await sweepReady;
    const html = readFileSync(join(sweepDir, 'report.html'), 'utf8');
    const manifest = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8'));
    expect(html).toContain(manifest.sweepId);
    expect(html).toContain('Base config (after fixed overrides)');
    expect(html).toContain('kind: double-well');
    expect(html).not.toMatch(/<(script|link|img)\b/); // nothing external to fetch
    const svgs = inlineSvgs(html);
    expect(svgs).toHaveLength(1);
    expect(svgs[0].texts.join(' ')).toMatch(/kT ln 2 \(Landauer\)/);
    expect(linkedSvgs(sweepDir)).toHaveLength(1);
    const md = readFileSync(join(sweepDir, 'report.md'), 'utf8');
    expect(md).toMatch(/\| point \| time\.duration \| seed \|/);
    expect(md).toMatch(/Q_inf \+ B\/tau/);
    // compare.csv / compare.json beside it: one Landauer check per point, none violated.
    const compare = JSON.parse(readFileSync(join(sweepDir, 'compare.json'), 'utf8'));
    expect(compare.bounds.filter((b: { bound: string }) => b.bound === 'landauer')).toHaveLength(3);
    expect(compare.violations).toBe(0);
  });

  it('a physics run folder: energetics, occupancy, protocol and histogram plots', async () => {
    const runDir = join(dir, 'run');
    const run = runAnyConfig(loadAnyConfig(join(root, 'sim-configs', 'landauer-erasure.yaml')), { replicas: 300 });
    if (run.kind !== 'physics') throw new Error('expected physics');
    writePhysicsRun(run.run, runDir);
    await writeReport(runDir);
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    const svgs = inlineSvgs(html);
    expect(svgs.length).toBe(5);
    expect(svgs.map((s) => s.texts.join(' ')).join(' ')).toMatch(/heat <Q>/);
    expect(linkedSvgs(runDir)).toHaveLength(5);
    expect(html).toContain(`seed`);
    expect(html).toContain('landauer');
  });

  it('a training run folder: per-store table and loss vs cumulative heat', async () => {
    const runDir = join(dir, 'training');
    const config = join(dir, 'train.yaml');
    writeFileSync(
      config,
      `kind: training
name: report-training
dataset: { kind: linear-regression, samples: 40, features: 2 }
model: { kind: linear-regression }
training: { copies: 2, updates: 8, learningRate: 0.05, recordPoints: 5 }
stores:
  - kind: float
  - kind: lim
    bits: 4
    range: [-2, 2]
    tiltGain: 4
    barrier: { kind: constant, value: 4 }
`,
    );
    const run = runAnyConfig(loadAnyConfig(config));
    if (run.kind !== 'training') throw new Error('expected training');
    writeFiles(runDir, trainingFiles(run.run));
    await writeReport(runDir);
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).toContain('Training run report-training');
    const svgs = inlineSvgs(html);
    expect(svgs.length).toBe(3);
    expect(svgs[0].texts).toContain('Training loss vs updates');
    // the float baseline is drawn on the loss plots
    expect(svgs[0].texts.some((t) => t.startsWith('float64 baseline'))).toBe(true);
    expect(svgs[1].texts).toContain('Loss vs cumulative heat');
  });

  it.skipIf(!hasRenderer)('a real SVG renderer (librsvg) draws every plot to a PNG of the declared size', async () => {
    await sweepReady;
    const files = ['plots/heat-vs-duration-landauer-erasure.svg'].map((f) => join(sweepDir, f));
    for (const file of files) {
      expect(existsSync(file)).toBe(true);
      const svg = checkSvg(readFileSync(file, 'utf8'));
      const png = join(dir, 'render.png');
      const res = spawnSync('rsvg-convert', ['-b', 'white', file, '-o', png]);
      expect(res.status, String(res.stderr)).toBe(0);
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      // IHDR: width and height (big-endian) at bytes 16..23.
      expect(bytes.readUInt32BE(16)).toBe(Math.round(svg.width));
      expect(bytes.readUInt32BE(20)).toBe(Math.round(svg.height));
      expect(bytes.length).toBeGreaterThan(5000); // lines, text and axes, not a blank page
    }
  });

  it('writes a PNG (twice the SVG size) and a one-page PDF of the SVG size beside every plot', async () => {
    await sweepReady;
    const svgFile = join(sweepDir, 'plots/heat-vs-duration-landauer-erasure.svg');
    const svg = checkSvg(readFileSync(svgFile, 'utf8'));
    const png = readFileSync(svgFile.replace(/\.svg$/, '.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(Math.round(2 * svg.width));
    expect(png.readUInt32BE(20)).toBe(Math.round(2 * svg.height));
    // Not a blank page: a white PNG of this size compresses to a few hundred bytes.
    expect(png.length).toBeGreaterThan(20000);
    const pdf = readFileSync(svgFile.replace(/\.svg$/, '.pdf'));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdf.toString('latin1');
    expect(text.match(/\/Type \/Page\b/g)).toHaveLength(1);
    const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(text);
    expect(box && [Number(box[1]), Number(box[2])]).toEqual([svg.width, svg.height]);
  });
});
