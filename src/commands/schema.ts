import type { Command } from 'commander';
import { z } from 'zod';
import { physicsConfigSchema } from '../experiments/schema.js';
import { checkOutputFile, writeFileAtomic } from '../report/files.js';

/** The JSON Schema of configs, for editors (yaml-language-server, VS Code). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(physicsConfigSchema, { io: 'input', unrepresentable: 'any' });
}

export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of simulation configs (or write it with --out)')
    .option('--out <file>', 'write the schema to this file')
    .action((flags: { out?: string }) => {
      if (flags.out) checkOutputFile(flags.out, '--out');
      const text = JSON.stringify(configJsonSchema(), null, 2) + '\n';
      if (flags.out) writeFileAtomic(flags.out, text);
      else process.stdout.write(text);
    });
}
