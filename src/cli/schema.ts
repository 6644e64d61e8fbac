import { writeFileAtomic } from '../util/atomic.js';
import { pipelineSchema, pipelineSourceSchema } from '../graph/schema.js';
import { registry } from '../ops/registry.js';
import { defaultSchemaPath, defaultSourceSchemaPath } from '../dsl/index.js';

/** The resolved-document schema (what `check` validates), or with `source` the schema of a file as written. */
export function schemaText(source = false): string {
  return JSON.stringify(source ? pipelineSourceSchema(registry) : pipelineSchema(registry), null, 2) + '\n';
}

export async function cmdSchema(flags: { write?: boolean; source?: boolean }): Promise<void> {
  const text = schemaText(flags.source === true);
  if (flags.write) {
    const path = flags.source ? defaultSourceSchemaPath() : defaultSchemaPath();
    writeFileAtomic(path, text);
    process.stdout.write(`wrote ${path}\n`);
  } else process.stdout.write(text);
}
