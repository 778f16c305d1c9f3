import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `limsim --help` and `--version` must not load the heavy dependencies (issue 12:
 * eager loading made `--version` take 1.5 s; lazily it takes ~0.15 s). Wall time
 * is too noisy on a shared machine to test, so this checks the cause instead:
 * the modules reachable from src/cli.ts through static (non-type) imports.
 */
const HEAVY = ['mathjs', 'vega', 'vega-lite', 'zod', 'yaml', 'seedrandom', 'cli-progress'];

/** Static value imports of a module (`import type` and `await import()` excluded). */
function staticImports(source: string): string[] {
  const specifiers: string[] = [];
  const pattern = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) specifiers.push(match[1]);
  return specifiers;
}

function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('CLI start-up', () => {
  it('finds static imports and skips type-only and dynamic ones', () => {
    const source = "import { a } from './a.js';\nimport type { B } from './b.js';\nexport { c } from 'c';\nconst d = await import('d');\n";
    expect(staticImports(source)).toEqual(['./a.js', 'c']);
  });

  it('src/cli.ts reaches no heavy dependency through static imports', () => {
    const { files, packages } = reachable(join(import.meta.dirname, '..', 'src', 'cli.ts'));
    expect(files.size).toBeGreaterThan(5); // the command modules were followed
    const heavy = [...packages].filter((p) => HEAVY.includes(p));
    expect(heavy, 'load these inside the verb that needs them (`await import(...)` in its action), not at the top of a module src/cli.ts reaches').toEqual([]);
  });
});
