/**
 * `limsim validate <file>`: check a physics config, a training config or a
 * sweep file with exactly the loader's checks (schema, then the checks beyond
 * shape: expressions, ranges over the protocol, stable dt, engine fit; for a
 * sweep, every grid point), run nothing and write nothing. Prints
 * `ok: <kind>`; bad input is a ConfigError, which src/cli.ts prints as one
 * line naming the field and turns into exit 2.
 */
import type { Command } from 'commander';

export type ValidatedKind = 'physics' | 'training' | 'sweep';

export interface Validation {
  kind: ValidatedKind;
  name: string;
  /** Sweep files: the number of grid points (each validated). */
  points?: number;
}

/** Whether plain file data is a sweep file (the rule of loadSweepSpec in src/experiments/sweep/spec.ts). */
export function isSweepFile(raw: unknown): boolean {
  return raw !== null && typeof raw === 'object' && ('base' in raw || (raw as { kind?: unknown }).kind === 'sweep');
}

/** Validate a file as `limsim run` / `limsim sweep` would load it; throws ConfigError on bad input. */
export async function validateFile(path: string): Promise<Validation> {
  const { readConfigFile } = await import('../experiments/config.js');
  const { raw } = readConfigFile(path);
  if (isSweepFile(raw)) {
    // The same calls as `limsim sweep --dry-run`: the spec, then every point built and validated.
    const { loadSweepSpec, planSweep } = await import('../experiments/sweep.js');
    const spec = loadSweepSpec(path);
    const plan = planSweep(spec);
    return { kind: 'sweep', name: spec.name, points: plan.points.length };
  }
  // The same call as `limsim run`.
  const { loadAnyConfig } = await import('../experiments/dispatch.js');
  const config = loadAnyConfig(path);
  return { kind: config.kind, name: config.loaded.config.name };
}

export function validationLine(v: Validation): string {
  return `ok: ${v.kind} (${v.name}${v.points === undefined ? '' : `, ${v.points} point${v.points === 1 ? '' : 's'}`})`;
}

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description('check a config or sweep file with the loader\'s checks, run nothing; prints "ok: <kind>" or exits 2 with the field error')
    .argument('<file>', 'a physics or training config, or a sweep file (YAML or JSON)')
    .action(async (path: string) => {
      process.stdout.write(validationLine(await validateFile(path)) + '\n');
    });
}
