import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * The package as it ships (issue 12). The full check is scripts/smoke-installed.sh
 * (pack, install, run the installed binary; in .ci/run); these are the fast
 * invariants behind it.
 */
const root = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  files: string[];
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  license: string;
  version: string;
};

describe('package.json', () => {
  it('ships dist/ and the schema, not tests, bench, CI or results', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['dist/', 'schema/', 'LICENSE', 'CITATION.cff']));
    for (const f of pkg.files) expect(f).not.toMatch(/^(src|test|bench|\.ci|results|scripts)\b/);
  });

  it('exports the library entry, package.json and the JSON Schema, each inside a shipped path', () => {
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(pkg.exports['./package.json']).toBe('./package.json');
    expect(pkg.exports['./schema.json']).toBe('./schema/limsim.schema.json');
    expect(existsSync(join(root, 'schema', 'limsim.schema.json'))).toBe(true);
    expect(pkg.bin.limsim).toBe('dist/cli.js');
  });

  it('keeps tsx out of the runtime dependencies and lists no unused ndarray', () => {
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.devDependencies)).toContain('tsx');
    expect(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => d.includes('ndarray'))).toEqual([]);
  });
});

describe('LICENSE and CITATION.cff', () => {
  it('LICENSE is the MIT text for the limsim authors, as package.json says', () => {
    expect(pkg.license).toBe('MIT');
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 limsim authors\n/);
    expect(license).toMatch(/THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  });

  it('CITATION.cff has the fields CFF 1.2.0 requires, cites the software at the package version and the LIM paper', () => {
    const cff = parseYaml(readFileSync(join(root, 'CITATION.cff'), 'utf8')) as Record<string, unknown>;
    expect(cff['cff-version']).toBe('1.2.0');
    for (const key of ['authors', 'message', 'title']) expect(cff[key]).toBeTruthy();
    expect(cff.type).toBe('software');
    expect(String(cff.version)).toBe(pkg.version);
    expect(cff.license).toBe('MIT');
    const references = cff.references as { type: string; title: string; authors: unknown[]; identifiers?: { value: string }[] }[];
    const lim = references.find((r) => r.identifiers?.some((i) => i.value === 'arXiv:2402.14878'));
    expect(lim?.authors.length).toBe(4);
    for (const r of references) for (const key of ['type', 'title', 'authors'] as const) expect(r[key]).toBeTruthy();
  });
});
