/**
 * The one list of operators. The JSON Schema that editors and `anchorflow check` use is generated from it
 * (graph/schema.ts), so an op's parameters and their documentation cannot drift from its implementation.
 * Operators defined outside src/ (plugins, examples/) are added with `registerOp`.
 */
import type { AnyOpDef, OpDef } from './types.js';
import { features } from './source/features.js';
import { interactionGraph } from './graph/interaction-graph.js';
import { lightgcn } from './encoder/lightgcn.js';
import { embedding } from './encoder/embedding.js';
import { linear } from './layer/linear.js';
import { mlp } from './layer/mlp.js';
import { concat, sum, identity } from './combine/combine.js';
import { bpr } from './loss/bpr.js';
import { knnGraph } from './graph/knn-graph.js';
import { gatedRefine } from './refine/gated-refine.js';
import { propagate } from './graph/propagate.js';
import { mix } from './combine/mix.js';
import { stopGradientOp } from './combine/stop-gradient.js';
import { normalize } from './combine/normalize.js';
import { infonce } from './loss/infonce.js';
import { structurePreservation } from './loss/structure-preservation.js';
import { triplet } from './loss/triplet.js';
import { graphSmoothing } from './loss/graph-smoothing.js';
import { dropout } from './layer/dropout.js';
import { cosineAlignment } from './loss/cosine-alignment.js';
import { sharedLinear } from './layer/shared-linear.js';
import { agreementKnnGraph } from './graph/agreement-knn-graph.js';
import { coInteractionGraph } from './graph/co-interaction-graph.js';
import { neighborDiscrimination } from './loss/neighbor-discrimination.js';
import { preferenceKl } from './loss/preference-kl.js';
import { denoisedBpr } from './loss/denoised-bpr.js';
import { tableNorm } from './loss/table-norm.js';
import { spectralFilter } from './layer/spectral-filter.js';
import { userItemGraph } from './graph/user-item-graph.js';
import { degreeEdgeDropout } from './graph/degree-edge-dropout.js';
import { sparseCombine } from './graph/sparse-combine.js';
import { learnedItemGraph } from './refine/learned-item-graph.js';
import { gumbelSoftmax } from './layer/gumbel-softmax.js';
import { hypergraphPropagate } from './refine/hypergraph-propagate.js';
import { infonceFull } from './loss/infonce-full.js';
import { softmax } from './combine/softmax.js';
import { product } from './combine/product.js';
import { joinUserItem } from './combine/join-user-item.js';
import { splitUserItem } from './combine/split-user-item.js';

export class OpRegistry {
  private ops = new Map<string, OpDef>();

  register(def: AnyOpDef): this {
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

export const builtinOps: AnyOpDef[] = [
  features,
  interactionGraph,
  lightgcn,
  embedding,
  linear,
  mlp,
  concat,
  sum,
  identity,
  bpr,
  // AnchorRec family
  knnGraph,
  gatedRefine,
  propagate,
  mix,
  stopGradientOp,
  normalize,
  infonce,
  structurePreservation,
  triplet,
  graphSmoothing,
  // baselines: BM3 (dropout, cosine_alignment, shared_linear, table_norm), DA-MRS (the graph and loss ops after them)
  dropout,
  cosineAlignment,
  sharedLinear,
  tableNorm,
  agreementKnnGraph,
  coInteractionGraph,
  neighborDiscrimination,
  preferenceKl,
  denoisedBpr,
  // baselines: LATTICE, FREEDOM, LGMRec, SMORE (dropout is shared with BM3, above)
  userItemGraph,
  degreeEdgeDropout,
  sparseCombine,
  learnedItemGraph,
  gumbelSoftmax,
  hypergraphPropagate,
  infonceFull,
  spectralFilter,
  softmax,
  product,
  joinUserItem,
  splitUserItem,
];

/** The process-wide registry: built-in ops plus whatever plugins register. */
export const registry = new OpRegistry();
for (const op of builtinOps) registry.register(op);

export function registerOp(def: AnyOpDef): void {
  registry.register(def);
}
