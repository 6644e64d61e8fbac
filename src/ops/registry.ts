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
import { dropout } from './builtin/dropout.js';
import { cosineAlignment } from './builtin/cosine-alignment.js';
import { sharedLinear } from './builtin/shared-linear.js';
import { agreementKnnGraph } from './builtin/agreement-knn-graph.js';
import { coInteractionGraph } from './builtin/co-interaction-graph.js';
import { neighborDiscrimination } from './builtin/neighbor-discrimination.js';
import { preferenceKl } from './builtin/preference-kl.js';
import { denoisedBpr } from './builtin/denoised-bpr.js';
import { tableNorm } from './builtin/table-norm.js';
import { spectralFilter } from './builtin/spectral-filter.js';
import { uiGraph } from './builtin/ui-graph.js';
import { degreeEdgeDropout } from './builtin/degree-edge-dropout.js';
import { sparseCombine } from './builtin/sparse-combine.js';
import { learnedItemGraph } from './builtin/learned-item-graph.js';
import { gumbelSoftmax } from './builtin/gumbel-softmax.js';
import { hypergraphPropagate } from './builtin/hypergraph-propagate.js';
import { infonceFull } from './builtin/infonce-full.js';
import { softmax } from './builtin/softmax.js';
import { product } from './builtin/product.js';
import { joinUi } from './builtin/join-ui.js';
import { splitUi } from './builtin/split-ui.js';

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
  // baselines: BM3 (dropout, cosine_alignment, shared_linear, table_norm), DA-MRS (the graph and loss ops after them)
  dropout, cosineAlignment, sharedLinear, tableNorm, agreementKnnGraph, coInteractionGraph, neighborDiscrimination, preferenceKl, denoisedBpr,
  // baselines: LATTICE, FREEDOM, LGMRec, SMORE (dropout is shared with BM3, above)
  uiGraph, degreeEdgeDropout, sparseCombine, learnedItemGraph, gumbelSoftmax, hypergraphPropagate, infonceFull,
  spectralFilter, softmax, product, joinUi, splitUi,
];

/** The process-wide registry: built-in ops plus whatever plugins register. */
export const registry = new OpRegistry();
for (const op of builtinOps) registry.register(op);

export function registerOp(def: OpDef<any>): void {
  registry.register(def);
}
