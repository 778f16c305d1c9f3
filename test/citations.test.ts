import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every citation resolves inside the repository (issue 12): no file cites the
 * physics or design notes that lived outside it, every repository path a file
 * names exists, every `docs/physics.md §N` names a section of docs/physics.md,
 * and every relative Markdown link in the docs points at a file.
 * scripts/cite-repo-docs.mjs rewrites the old citations mechanically.
 */
const root = join(import.meta.dirname, '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const scanned = [...['src', 'docs', 'sim-configs', 'test', 'scripts', 'bench'].flatMap((d) => filesUnder(join(root, d))), join(root, 'README.md'), join(root, 'results', 'README.md')]
  .filter((f) => existsSync(f) && /\.(ts|md|ya?ml|json|mjs|sh|py|c)$/.test(f) && !f.endsWith('.wasm.ts'))
  .filter((f) => relative(root, f) !== 'scripts/cite-repo-docs.mjs');
const text = new Map(scanned.map((f) => [relative(root, f), readFileSync(f, 'utf8')]));

// Built from parts so that this file does not match itself.
const outsideNotes = new RegExp(`\\b(${'THEORY'}|${'DESIGN'})(\\.md|'s)`, 'g');
const repoPath = /(?<![\w./-])((?:docs|src|sim-configs|test|scripts|bench|data|schema)\/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.(?:md|ts|yaml|json|csv|sh|mjs|js|py|c))(?![\w/]|\.\w)/g;

describe('citations', () => {
  it('scans the source, tests, docs, configs and README', () => {
    expect(text.size).toBeGreaterThan(100);
    expect(text.has('README.md')).toBe(true);
  });

  it('no file cites notes outside the repository (use docs/physics.md and docs/architecture.md)', () => {
    const offenders = [...text].flatMap(([file, body]) => [...body.matchAll(outsideNotes)].map((m) => `${file}: ${m[0]}`));
    expect(offenders).toEqual([]);
  });

  it('every repository path a file names exists', () => {
    const missing = [...text].flatMap(([file, body]) => [...body.matchAll(repoPath)].map((m) => m[1]).filter((p) => !existsSync(join(root, p))).map((p) => `${file}: ${p}`));
    expect(missing).toEqual([]);
  });

  it('every docs/physics.md §N names a section that exists', () => {
    const physics = readFileSync(join(root, 'docs', 'physics.md'), 'utf8');
    const sections = new Set([...physics.matchAll(/^#{2,3} §(\d+(?:\.\d+)?)/gm)].map((m) => m[1]));
    expect([...sections]).toEqual(expect.arrayContaining(['1', '2', '3', '4', '5', '6']));
    const bad = [...text].flatMap(([file, body]) =>
      [...body.matchAll(/docs\/physics\.md,? ?§ ?(\d+(?:\.\d+)?)(?:\s*-\s*§ ?(\d+(?:\.\d+)?))?/g)]
        .flatMap((m) => [m[1], m[2]].filter((s): s is string => s !== undefined))
        .filter((s) => !sections.has(s))
        .map((s) => `${file}: §${s}`),
    );
    expect(bad).toEqual([]);
  });

  it('every relative Markdown link in the docs and README points at a file', () => {
    const broken = [...text]
      .filter(([file]) => file.endsWith('.md'))
      .flatMap(([file, body]) =>
        [...body.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
          .map((m) => m[1])
          .filter((link) => !/^[a-z]+:/.test(link))
          .filter((link) => !existsSync(resolve(dirname(join(root, file)), link)))
          .map((link) => `${file}: ${link}`),
      );
    expect(broken).toEqual([]);
  });
});
