/**
 * The public TypeScript API: run pipelines, compile and inspect graphs, load data, and extend the op library.
 *
 *   import { runPipeline, registerOp, defineOp } from 'anchorflow';
 */
export { runPipeline, prepare, loadChecked, compileSymbolic, type RunOptions } from './experiments/run.js';
export { registerOp, registry, OpRegistry, builtinOps } from './ops/registry.js';
export * from './ops/types.js';
export { CsrMatrix } from './ops/sparse.js';
export { denseIn, listIn, sameDim, expectDims } from './ops/shape.js';
export { makeDense, activate } from './ops/layer/linear.js';
export { spmm } from './ops/kernels/spmm.js';
export { gatherRows } from './ops/kernels/gather-rows.js';
export { compile, renderText, renderDot, renderMermaid, pipelineSchema, pipelineSourceSchema } from './graph/index.js';
export type { CompiledGraph, CompiledNode } from './graph/types.js';
export {
  resolvePipeline,
  compilePipeline,
  planJson,
  planText,
  type CompileEnv,
  type PlanJson,
} from './graph/stages.js';
export { loadDataset } from './data/index.js';
export type { Dataset, FeatureSource, DataSpec } from './data/types.js';
export { initBackend, type BackendChoice } from './engine/backend.js';
export type { TrainSpec, EvalSettings } from './engine/train-spec.js';
export type * from './engine/events.js';
export { UserError, formatUserError } from './util/errors.js';
export type { Pipeline, LoadedPipeline } from './dsl/types.js';
