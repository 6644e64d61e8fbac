import type { Graph } from '@dagrejs/graphlib';
import type { OpDef, InputTypes, TensorType } from '../ops/types.js';
import type { RowPushdown } from './row-pushdown.js';

/** A reference from an input port to another node's output port, with where the reference was written. */
export interface PortRef {
  node: string;
  port: string;
  path: (string | number)[];
}

export type Phase = 'constant' | 'step' | 'eval';

export interface CompiledNode {
  /** Node name; losses are `loss:<name>`; inline nodes are `<parent>/<port>[/<i>]`. */
  id: string;
  /** Name shown to users (loss name without prefix). */
  label: string;
  op: OpDef;
  /** The op's own parameters (ports removed, `weight` removed for losses). */
  params: Record<string, unknown>;
  inputs: Record<string, PortRef | PortRef[]>;
  inputTypes: InputTypes;
  outputTypes: Record<string, TensorType>;
  /** Where the node is written in the pipeline, for error locations. */
  path: (string | number)[];
  isLoss: boolean;
  weight: number;
  /** Folded once at build time (pure op, constant inputs). */
  constant: boolean;
  /** Needed by the training step (ancestor of a loss) / by evaluation (ancestor of an output). */
  inStep: boolean;
  inEval: boolean;
  /** Needed by any declared output (embeddings written to the run directory, analyses). */
  inExport: boolean;
}

export interface Plan {
  /** Folded once, in topological order. */
  constant: string[];
  /** Run per training step, in topological order (the losses last). */
  step: string[];
  /** Run per evaluation (what scoring needs: outputs.user and outputs.item), in topological order. */
  eval: string[];
  /** Run when exporting every declared output (a superset of eval). */
  export: string[];
  /** Constants transposed once per run because a kernel's gradient needs them transposed: `node.port`. */
  transposes: string[];
  /** Declared nodes nothing depends on. */
  unused: string[];
  /** Step nodes computed on the batch's item rows only, and the losses that read them (row-pushdown.ts). */
  pushdown: RowPushdown;
}

export interface CompiledGraph {
  graph: Graph;
  nodes: Map<string, CompiledNode>;
  /** All nodes in topological order. */
  order: string[];
  outputs: Record<string, PortRef>;
  outputTypes: Record<string, TensorType>;
  losses: string[];
  plan: Plan;
}
