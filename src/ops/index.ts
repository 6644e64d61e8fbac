export * from './types.js';
export { CsrMatrix, isCsr } from './sparse.js';
export { OpRegistry, registry, registerOp, builtinOps } from './registry.js';
export { sameDim, denseIn, listIn, expectDims } from './shape.js';
export { activate, makeDense, type Activation } from './layer/linear.js';
