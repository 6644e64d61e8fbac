/**
 * The pipeline JSON Schemas, generated from the op registry so editors, `check` and the ops never disagree.
 * schemas/pipeline.schema.json (the resolved document, what `check` validates) and
 * schemas/pipeline-source.schema.json (a file as written, what editors validate) are these outputs written to
 * disk (`anchorflow schema --write`, `anchorflow schema --source --write`); a test checks that both are current.
 */
import { buildPipelineSchema } from '../dsl/base-schema.js';
import { buildSourceSchema } from '../dsl/source-schema.js';
import type { OpRegistry } from '../ops/registry.js';

export function pipelineSchema(registry: OpRegistry): Record<string, unknown> {
  return buildPipelineSchema(
    registry.list().map((op) => ({
      name: op.name,
      doc: op.doc,
      params: op.params,
      inputs: op.inputs.map((i) => ({ name: i.name, list: i.list, optional: i.optional, doc: i.doc })),
      loss: op.loss,
    })),
  ) as Record<string, unknown>;
}

/** The schema of a pipeline file as written: `${...}` expressions, partial files that extend another. */
export function pipelineSourceSchema(registry: OpRegistry): Record<string, unknown> {
  return buildSourceSchema(pipelineSchema(registry));
}
