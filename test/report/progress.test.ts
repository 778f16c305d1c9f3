import { describe, expect, it } from 'vitest';
import { reportProgress } from '../../src/engines/progress-hook.js';
import { progressFor, runProgressLine, startRunProgress } from '../../src/experiments/sweep/progress.js';

/** A terminal of `columns` columns that records what is written to it. */
function fakeTerminal(columns = 80) {
  const chunks: string[] = [];
  const stream = {
    isTTY: true,
    columns,
    rows: 24,
    write(text: string) {
      chunks.push(String(text));
      return true;
    },
    cursorTo() {
      return true;
    },
    clearLine() {
      return true;
    },
    moveCursor() {
      return true;
    },
    on() {
      return stream;
    },
    removeListener() {
      return stream;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

/** What a terminal shows of each line: escape codes removed, cut at the width. */
const visibleLines = (text: string, columns: number) =>
  text
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .split(/[\r\n]/)
    .filter((l) => l.trim() !== '')
    .map((l) => [...l].slice(0, columns).join(''));

describe('progress at 80 columns', () => {
  it('the sweep bar keeps its % and ETA when the terminal cuts the line', () => {
    const term = fakeTerminal(80);
    const sink = progressFor('a-sweep-with-a-rather-long-descriptive-name', { stream: term.stream });
    sink.start(8, 0);
    sink.pointDone('time.duration=160 seed=12345 and more label text that will not fit');
    sink.stop();
    const lines = visibleLines(term.text(), 80);
    expect(lines.length).toBeGreaterThan(0);
    const last = lines[lines.length - 1];
    expect(last).toMatch(/\d+% ETA /);
  });

  it('a single run shows percent, elapsed and ETA after the delay, within 80 columns, then clears', () => {
    const term = fakeTerminal(80);
    let t = 0;
    const stop = startRunProgress('a-run-with-a-very-long-configuration-name-indeed', { stream: term.stream, after: 3, now: () => t });
    t = 1000;
    reportProgress(0.1); // before the delay: nothing
    expect(term.text()).toBe('');
    t = 4000;
    reportProgress(0.5);
    stop();
    const text = term.text();
    expect(text).toContain(' 50% | elapsed 4.0 s | ETA 4.0 s');
    for (const line of visibleLines(text, 1000)) expect([...line].length).toBeLessThanOrEqual(80);
    expect(text.endsWith('\r\x1b[K')).toBe(true);
    // After stop the hook is gone: later reports draw nothing.
    reportProgress(0.9);
    expect(term.text()).toBe(text);
  });

  it('prints nothing when stderr is not a terminal', () => {
    const chunks: string[] = [];
    const stream = { isTTY: false, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
    const stop = startRunProgress('x', { stream, after: 0 });
    reportProgress(0.5);
    stop();
    expect(chunks).toHaveLength(0);
    expect(runProgressLine('x', 0.25, 10)).toBe('run x  25% | elapsed 10.0 s | ETA 30.0 s');
  });
});

describe('progress parts', () => {
  it('a part of a job reports its share: store 2 of 4 at half way is 37.5 %', async () => {
    const { progressPart, setProgressHook } = await import('../../src/engines/progress-hook.js');
    const seen: number[] = [];
    setProgressHook((f) => seen.push(f));
    try {
      progressPart(1, 4, () => reportProgress(0.5));
      reportProgress(1);
    } finally {
      setProgressHook(null);
    }
    expect(seen).toEqual([0.375, 1]);
  });
});
