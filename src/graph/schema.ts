/**
 * The pipeline JSON Schema, generated from the op registry so editors, `check` and the ops never disagree.
 * schemas/pipeline.schema.json is this output written to disk (`anchorflow schema --write`); a test checks
 * that the committed file is current.
 */
import { buildPipelineSchema } from '../dsl/base-schema.js';
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
