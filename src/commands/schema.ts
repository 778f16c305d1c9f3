import type { Command } from 'commander';

/** `limsim schema`: the JSON Schema of every file limsim reads (src/experiments/json-schema.ts), for editors. */
export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of every file limsim reads: physics, training and sweep files (or write it with --out)')
    .option('--out <file>', 'write the schema to this file (the package ships it as schema/limsim.schema.json)')
    .action(async (flags: { out?: string }) => {
      const { limsimJsonSchemaText } = await import('../experiments/json-schema.js');
      const text = limsimJsonSchemaText();
      if (flags.out) {
        const { checkOutputFile, writeFileAtomic } = await import('../report/files.js');
        checkOutputFile(flags.out, '--out');
        writeFileAtomic(flags.out, text);
      } else process.stdout.write(text);
    });
}
