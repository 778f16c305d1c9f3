/**
 * The three kinds of report.html (a physics run, a training run, a sweep) open
 * in a real browser and every figure draws at a nonzero size. Runs headless
 * Chromium (Debian: apt-get install chromium); skipped when it is absent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePhysicsRun } from '../../src/commands/run.js';
import { loadAnyConfig, runAnyConfig } from '../../src/experiments/dispatch.js';
import { loadSweepSpec, planSweep, runSweep } from '../../src/experiments/sweep.js';
import { trainingFiles } from '../../src/experiments/training-run.js';
import { writeReport } from '../../src/report/report.js';
import { writeFiles } from '../../src/report/results.js';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'limsim-browser-'));
const chromium = spawnSync('chromium', ['--version']).status === 0;

/** Appended to a copy of the page: writes each figure's rendered box into the DOM as JSON. */
const PROBE = `<script>
window.addEventListener('load', () => {
  const boxes = [...document.querySelectorAll('figure svg')].map((s) => {
    const r = s.getBoundingClientRect();
    const marks = s.querySelectorAll('path, line, rect, text').length;
    return { width: r.width, height: r.height, marks, title: (s.querySelector('text') || {}).textContent || '' };
  });
  const out = document.createElement('pre');
  out.id = 'figure-boxes';
  out.textContent = JSON.stringify({ figures: document.querySelectorAll('figure').length, boxes });
  document.body.appendChild(out);
});
</script>`;

/** Open report.html headless and return what the probe found. */
function figureBoxes(folder: string): { figures: number; boxes: { width: number; height: number; marks: number }[] } {
  const page = join(folder, 'report-probe.html');
  writeFileSync(page, readFileSync(join(folder, 'report.html'), 'utf8').replace('</body>', `${PROBE}</body>`));
  const res = spawnSync(
    'chromium',
    ['--headless', '--no-sandbox', '--disable-gpu', '--virtual-time-budget=5000', '--window-size=1200,900', '--dump-dom', `file://${page}`],
    { encoding: 'utf8', timeout: 60_000 },
  );
  expect(res.status, res.stderr).toBe(0);
  const json = /<pre id="figure-boxes">([\s\S]*?)<\/pre>/.exec(res.stdout)?.[1];
  expect(json, 'the probe wrote no figure boxes').toBeDefined();
  return JSON.parse(json!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

function expectEveryFigureDrawn(folder: string, atLeast: number): void {
  const { figures, boxes } = figureBoxes(folder);
  expect(figures).toBeGreaterThanOrEqual(atLeast);
  expect(boxes).toHaveLength(figures);
  for (const b of boxes) {
    expect(b.width).toBeGreaterThan(100);
    expect(b.height).toBeGreaterThan(100);
    expect(b.marks).toBeGreaterThan(10); // axes, ticks, data: not an empty frame
  }
}

describe.skipIf(!chromium)('report.html in headless Chromium', () => {
  it('a physics run: every figure has a nonzero size', async () => {
    const runDir = join(dir, 'run');
    const run = runAnyConfig(loadAnyConfig(join(root, 'sim-configs', 'landauer-erasure.yaml')), { replicas: 300 });
    if (run.kind !== 'physics') throw new Error('expected physics');
    writePhysicsRun(run.run, runDir);
    await writeReport(runDir, { formats: [] });
    expectEveryFigureDrawn(runDir, 5);
  });

  it('a training run: every figure has a nonzero size', async () => {
    const runDir = join(dir, 'training');
    const run = runAnyConfig(loadAnyConfig(join(root, 'sim-configs', 'lim-linear-regression.yaml')), { replicas: 2 });
    if (run.kind !== 'training') throw new Error('expected training');
    writeFiles(runDir, trainingFiles(run.run));
    await writeReport(runDir, { formats: [] });
    expectEveryFigureDrawn(runDir, 3);
  });

  it('a sweep: every figure has a nonzero size', async () => {
    const sweepDir = join(dir, 'sweep');
    const spec = loadSweepSpec(join(root, 'sim-configs', 'landauer-erasure.yaml'), {
      grid: ['time.duration=5,10,20'],
      set: ['replicas=200', 'record.points=5'],
      timeScaling: true,
      seeds: 'independent',
    });
    await runSweep(planSweep(spec), { out: sweepDir, workers: 2, progress: { start() {}, pointDone() {}, stop() {} } });
    await writeReport(sweepDir, { formats: [] });
    expectEveryFigureDrawn(sweepDir, 1);
  });
});
