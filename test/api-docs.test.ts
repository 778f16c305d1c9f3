import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * docs/api.md: every ```ts block is a complete program; each runs here against
 * src/index.ts (`from 'limsim'` rewritten to it) through tsx, and must exit 0.
 * The examples assert their own physics (the drag work within 4 SE of its
 * exact value, the LIM bound holding), so a wrong number fails them too.
 */
const root = join(import.meta.dirname, '..');
const doc = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
const blocks = [...doc.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
const entry = pathToFileURL(join(root, 'src', 'index.ts')).href;

describe('docs/api.md examples', () => {
  it('has examples that import the package by name', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const block of blocks) expect(block).toMatch(/from 'limsim';/);
  });

  const dir = mkdtempSync(join(tmpdir(), 'limsim-api-docs-'));
  blocks.forEach((block, index) => {
    const title = block.split('\n').find((line) => line.startsWith('import {'))?.slice(0, 80) ?? `block ${index + 1}`;
    it(`example ${index + 1} runs: ${title}`, () => {
      const file = join(dir, `example-${index + 1}.mts`);
      writeFileSync(file, block.replaceAll("from 'limsim';", `from ${JSON.stringify(entry)};`));
      const run = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', env: { ...process.env, LIMSIM_DEBUG: '1' } });
      // Progress lines of a sweep go to stderr; an error's stack does too (LIMSIM_DEBUG) and fails the status.
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.length).toBeGreaterThan(0);
    }, 120_000);
  });
});
