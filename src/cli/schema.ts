import { writeFileAtomic } from '../util/atomic.js';
import { pipelineSchema } from '../graph/schema.js';
import { registry } from '../ops/registry.js';
import { defaultSchemaPath } from '../dsl/index.js';

export function schemaText(): string {
  return JSON.stringify(pipelineSchema(registry), null, 2) + '\n';
}

export async function cmdSchema(flags: { write?: boolean }): Promise<void> {
  if (flags.write) {
    writeFileAtomic(defaultSchemaPath(), schemaText());
    process.stdout.write(`wrote ${defaultSchemaPath()}\n`);
  } else process.stdout.write(schemaText());
}
