/** The pipeline language: YAML with positions, extends, params, --set, JSON Schema validation. */
export type { LoadedPipeline, Pipeline, NodeSpec, TrainSpec, EvalSpec, PipelineData } from './types.js';
export {
  loadPipeline,
  loadSchemaFile,
  defaultSchemaPath,
  defaultSourceSchemaPath,
  packageRoot,
  dumpResolved,
  type LoadOptions,
} from './load.js';
export {
  baseSchema,
  buildPipelineSchema,
  REF_PATTERN,
  NAME_PATTERN,
  type OpSchemaInput,
  type JsonSchema,
} from './base-schema.js';
export { buildSourceSchema, EXPRESSION_PATTERN } from './source-schema.js';
export { validateDocument, compileSchema, type Locator } from './validate.js';
export { parseYamlText, parseYamlFile, locateIn, locateKeyIn, nodeAt, toPlain, pathToString } from './yaml-source.js';
export type { LNode, LMap, LSeq, LScalar, Path, ScalarValue } from './yaml-source.js';
export { resolveExtends, mergeTrees, type ResolvedTree } from './extends.js';
export { substituteParams, evaluateExpression } from './params.js';
export { applyOverrides } from './overrides.js';
export { levenshtein, closest, didYouMean } from './suggest.js';
