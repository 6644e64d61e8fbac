export { compile } from './compile.js';
export { renderText, renderDot, renderMermaid } from './render.js';
export { pipelineSchema, pipelineSourceSchema } from './schema.js';
export type { CompiledGraph, CompiledNode, Plan, PortRef } from './types.js';
export {
  resolvePipeline,
  loadChecked,
  compilePipeline,
  compileSymbolic,
  planJson,
  planText,
  type CompileEnv,
  type PlanJson,
} from './stages.js';
