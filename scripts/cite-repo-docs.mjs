#!/usr/bin/env node
/**
 * Point every citation of the physics and design notes that lived outside the
 * repository at the repository's own files: docs/physics.md (same section
 * numbers, §1 units ... §6 references) and docs/architecture.md. Mechanical and
 * idempotent; run it after merging branches that added new citations:
 *
 *   node scripts/cite-repo-docs.mjs        # rewrites files in place, lists them
 *
 * test/citations.test.ts fails while any such citation, or a cited repository
 * path that does not exist, remains.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

// Built from parts so that this file does not cite them itself.
const theory = 'THEORY' + '.md';
const design = 'DESIGN' + '.md';
const replacements = [
  [new RegExp(`See \`\\.\\./shared/${theory}\` in the project's shared folder for the full\\nconventions`, 'g'), 'See `docs/physics.md` for the full\nconventions'],
  [new RegExp(`(\\.\\./)+shared/${theory.replace('.', '\\.')}`, 'g'), 'docs/physics.md'],
  [new RegExp(`\\b${theory.replace('.', '\\.')}`, 'g'), 'docs/physics.md'],
  [new RegExp(`\\b${'THEORY'}'s\\b`, 'g'), "docs/physics.md's"],
  [new RegExp(`\\b${design.replace('.', '\\.')}`, 'g'), 'docs/architecture.md'],
];

const self = 'scripts/cite-repo-docs.mjs';
const files = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && f !== self && /\.(ts|md|ya?ml|json|mjs|sh|py|c|csv)$/.test(f) && !f.endsWith('.wasm.ts') && f !== 'package-lock.json');
let changed = 0;
for (const file of files) {
  const before = readFileSync(file, 'utf8');
  let after = before;
  for (const [pattern, replacement] of replacements) after = after.replace(pattern, replacement);
  if (after !== before) {
    writeFileSync(file, after);
    changed++;
    console.log(file);
  }
}
console.log(`${changed} file(s) rewritten`);
