/**
 * The plan stage's artefact: the compiled, typed DAG as plain JSON (plan.json in a run directory). Each node
 * says its op, parameters, inputs, the type of every output port (symbolic dims and, where the run's sizes bind
 * them, the numbers), and in which phase it runs: folded once as a constant, per training step, at evaluation,
 * on export. The losses carry their weights. Objects are written with sorted keys and node lists in a fixed
 * order, so the same pipeline on the same data gives byte-identical text.
 */
import type { Dim, TensorType } from '../ops/types.js';
import type { CompiledGraph, CompiledNode, PortRef } from './types.js';

/** Bumped when the layout of plan.json changes. */
export const PLAN_FORMAT = 1;

export interface PortTypeJson {
  kind: TensorType['kind'];
  /** As the shape rules state them: names (users, items, feat_v, ...) and numbers. */
  dims: Dim[];
  /** The same with the run's sizes put in; null where a name has no size (a symbolic compile). */
  bound: (number | null)[];
}

export interface PlanNodeJson {
  op: string;
  label: string;
  /** Where the node is written in the pipeline, as a dotted path. */
  at: string;
  params: Record<string, unknown>;
  /** Input port -> `node.port` (a list for list ports). */
  inputs: Record<string, string | string[]>;
  outputs: Record<string, PortTypeJson>;
  constant: boolean;
  step: boolean;
  eval: boolean;
  export: boolean;
  /** Losses only: the weight of the loss in the objective. */
  weight?: number;
}

export interface PlanJson {
  format: number;
  sizes: Record<string, number>;
  /** Every node in topological order. */
  order: string[];
  nodes: Record<string, PlanNodeJson>;
  outputs: Record<string, string>;
  losses: { id: string; label: string; op: string; weight: number }[];
  phases: { constant: string[]; step: string[]; eval: string[]; export: string[]; unused: string[] };
  /** Constants transposed once per run (`node.port`). */
  transposes: string[];
  /** Step nodes computed on the batch's item rows only, and the losses that read them. */
  pushdown: { nodes: string[]; losses: string[] };
}

const refText = (r: PortRef): string => `${r.node}.${r.port}`;

/** A dim's number: a literal, a size, or a sum of those (`feat_t+feat_v`, as concatenations write it). */
function bindDim(d: Dim, sizes: Record<string, number>): number | null {
  if (typeof d === 'number') return d;
  if (Object.hasOwn(sizes, d)) return sizes[d]!;
  let total = 0;
  for (const part of d.split('+').map((x) => x.trim())) {
    const n = /^\d+$/.test(part) ? Number(part) : Object.hasOwn(sizes, part) ? sizes[part]! : undefined;
    if (n === undefined) return null;
    total += n;
  }
  return total;
}

function portType(t: TensorType, sizes: Record<string, number>): PortTypeJson {
  return { kind: t.kind, dims: [...t.dims], bound: t.dims.map((d) => bindDim(d, sizes)) };
}

function nodeJson(n: CompiledNode, sizes: Record<string, number>): PlanNodeJson {
  const inputs: Record<string, string | string[]> = {};
  for (const [port, refs] of Object.entries(n.inputs))
    inputs[port] = Array.isArray(refs) ? refs.map(refText) : refText(refs);
  const outputs: Record<string, PortTypeJson> = {};
  for (const [port, t] of Object.entries(n.outputTypes)) outputs[port] = portType(t, sizes);
  return {
    op: n.op.name,
    label: n.label,
    at: n.path.join('.'),
    params: n.params,
    inputs,
    outputs,
    constant: n.constant,
    step: n.inStep,
    eval: n.inEval,
    export: n.inExport,
    ...(n.isLoss ? { weight: n.weight } : {}),
  };
}

/** The plan of a compiled graph, with `sizes` (users, items, feat_<m>, ...) binding its symbolic dims. */
export function planJson(g: CompiledGraph, sizes: Record<string, number>): PlanJson {
  const nodes: Record<string, PlanNodeJson> = {};
  for (const id of g.order) nodes[id] = nodeJson(g.nodes.get(id)!, sizes);
  const outputs: Record<string, string> = {};
  for (const [k, r] of Object.entries(g.outputs)) outputs[k] = refText(r);
  return {
    format: PLAN_FORMAT,
    sizes,
    order: [...g.order],
    nodes,
    outputs,
    losses: g.losses.map((id) => {
      const n = g.nodes.get(id)!;
      return { id, label: n.label, op: n.op.name, weight: n.weight };
    }),
    phases: {
      constant: g.plan.constant,
      step: g.plan.step,
      eval: g.plan.eval,
      export: g.plan.export,
      unused: g.plan.unused,
    },
    transposes: [...g.plan.transposes].sort(),
    pushdown: { nodes: g.plan.pushdown.nodes, losses: g.plan.pushdown.losses },
  };
}

/** JSON with every object's keys sorted (arrays keep their order), two-space indented, ending in a newline. */
export function stableJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sorted(o[k])]),
    );
  };
  return JSON.stringify(sorted(value), null, 2) + '\n';
}

/** plan.json's text: the same graph and sizes always give the same bytes. */
export function planText(g: CompiledGraph, sizes: Record<string, number>): string {
  return stableJson(planJson(g, sizes));
}
