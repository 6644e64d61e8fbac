/**
 * The one list of operators. The JSON Schema that editors and `anchorflow check` use is generated from it
 * (graph/schema.ts), so an op's parameters and their documentation cannot drift from its implementation.
 * Operators defined outside src/ (plugins, examples/) are added with `registerOp`.
 */
import type { OpDef } from './types.js';
import { features } from './builtin/features.js';
import { interactionGraph } from './builtin/interaction-graph.js';
import { lightgcn } from './builtin/lightgcn.js';
import { embedding } from './builtin/embedding.js';
import { linear } from './builtin/linear.js';
import { mlp } from './builtin/mlp.js';
import { concat, sum, identity } from './builtin/combine.js';
import { bpr } from './builtin/bpr.js';
import { knnGraph } from './builtin/knn-graph.js';
import { gatedRefine } from './builtin/gated-refine.js';
import { propagate } from './builtin/propagate.js';
import { mix } from './builtin/mix.js';
import { stopGradientOp } from './builtin/stop-gradient.js';
import { normalize } from './builtin/normalize.js';
import { infonce } from './builtin/infonce.js';
import { structurePreservation } from './builtin/structure-preservation.js';
import { triplet } from './builtin/triplet.js';
import { graphSmoothing } from './builtin/graph-smoothing.js';

export class OpRegistry {
  private ops = new Map<string, OpDef>();

  register(def: OpDef<any>): this {
    if (!/^[a-z][a-z0-9_]*$/.test(def.name)) throw new Error(`op name '${def.name}' must be lower_snake_case`);
    if (this.ops.has(def.name)) throw new Error(`op '${def.name}' is already registered`);
    const portNames = new Set(def.inputs.map((i) => i.name));
    for (const k of Object.keys(def.params.properties))
      if (portNames.has(k)) throw new Error(`op '${def.name}': '${k}' is both a parameter and an input port`);
    this.ops.set(def.name, def);
    return this;
  }

  get(name: string): OpDef | undefined {
    return this.ops.get(name);
  }

  has(name: string): boolean {
    return this.ops.has(name);
  }

  list(): OpDef[] {
    return [...this.ops.values()].sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
  }

  names(): string[] {
    return [...this.ops.keys()].sort();
  }
}

export const builtinOps: OpDef<any>[] = [
  features, interactionGraph, lightgcn, embedding, linear, mlp, concat, sum, identity, bpr,
  // AnchorRec family
  knnGraph, gatedRefine, propagate, mix, stopGradientOp, normalize, infonce, structurePreservation, triplet, graphSmoothing,
];

/** The process-wide registry: built-in ops plus whatever plugins register. */
export const registry = new OpRegistry();
for (const op of builtinOps) registry.register(op);

export function registerOp(def: OpDef<any>): void {
  registry.register(def);
}
