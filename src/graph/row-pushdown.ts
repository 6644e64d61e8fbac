/**
 * Row pushdown: which per-item computations a training step may run on the batch's items only.
 *
 * A step's BPR-style loss reads a handful of rows of the item table (the batch's positives and negatives, about
 * 3,000 distinct items of Baby's 7,050 for a batch of 2,048), yet the graph computes every row of it: VBPR's
 * content projection is a [7,050 x 4,480]·[4,480 x 64] product forward and its weight gradient another, per
 * step, for rows nobody reads. When a node is row-wise (its row r depends only on row r of its inputs) and every
 * consumer in the step is either another such node or a loss that reads only batch rows of it, the node can be
 * computed on the compact row set R = distinct(pos ∪ neg) instead: inputs from outside the region are gathered
 * to R, sources inside it (an embedding table) are gathered to R, and the loss gets a batch whose item indices
 * point into R. The numbers are the same rows computed by the same kernels, so losses and gradients match the
 * full computation to float rounding (tested against reference mode, which turns the pass off).
 *
 * Evaluation and export are untouched: they need every row.
 */
import type { CompiledNode, PortRef } from './types.js';
import type { Graph } from '@dagrejs/graphlib';
import { sameDim } from '../ops/shape.js';

export interface RowPushdown {
  /** Step nodes computed on the batch's item rows only, in topological order. */
  nodes: string[];
  /** Loss nodes that receive compact item tables and a batch indexing into them. */
  losses: string[];
}

function refs(v: PortRef | PortRef[] | undefined): PortRef[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function itemRows(n: CompiledNode): boolean {
  const outs = Object.values(n.outputTypes);
  return (
    outs.length > 0 && outs.every((t) => t.kind === 'dense' && t.dims.length === 2 && sameDim(t.dims[0]!, 'items'))
  );
}

/**
 * The largest region of non-constant step nodes that are row-wise over items, all of whose item-rowed inputs
 * are item-rowed, and whose every step consumer is in the region or reads it only on a batch-row port of a loss.
 */
export function planRowPushdown(graph: Graph, nodes: Map<string, CompiledNode>, step: string[]): RowPushdown {
  const stepSet = new Set(step);
  const region = new Set(
    step.filter((id) => {
      const n = nodes.get(id)!;
      if (n.isLoss || n.constant || !n.op.rowwise || !itemRows(n)) return false;
      // Every dense input must be item-rowed too (no broadcast of a user table or a [1, d] row into items).
      return Object.values(n.inputTypes).every((t) =>
        (t === undefined ? [] : Array.isArray(t) ? t : [t]).every(
          (x) => x.kind === 'dense' && x.dims.length === 2 && sameDim(x.dims[0]!, 'items'),
        ),
      );
    }),
  );
  // A loss consumer must read the node only on ports it declares as batch-item-row ports.
  const okConsumer = (consumer: string, producer: string): boolean => {
    if (!stepSet.has(consumer)) return true;
    if (region.has(consumer)) return true;
    const c = nodes.get(consumer)!;
    if (!c.isLoss) return false;
    const batchPorts = new Set(c.op.batchItemRowInputs ?? []);
    return Object.entries(c.inputs).every(
      ([port, r]) => batchPorts.has(port) || refs(r).every((x) => x.node !== producer),
    );
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const id of [...region]) {
      const succ = (graph.successors(id) ?? []) as string[];
      if (!succ.every((s) => okConsumer(s, id))) {
        region.delete(id);
        changed = true;
      }
    }
  }
  const losses = step.filter((id) => {
    const n = nodes.get(id)!;
    return (
      n.isLoss && (n.op.batchItemRowInputs ?? []).some((port) => refs(n.inputs[port]).some((r) => region.has(r.node)))
    );
  });
  // Only worth it when a loss reads the region; a region nobody reads through a loss cannot exist (every step
  // node leads to a loss), but a region that only feeds other region nodes is pruned with them.
  return { nodes: losses.length ? step.filter((id) => region.has(id)) : [], losses };
}
