export { compile } from './compile.js';
export { renderText, renderDot, renderMermaid } from './render.js';
export { pipelineSchema, pipelineSourceSchema } from './schema.js';
export type { CompiledGraph, CompiledNode, Plan, PortRef } from './types.js';
