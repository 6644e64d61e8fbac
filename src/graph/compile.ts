/**
 * Compiles a validated pipeline into a typed DAG: resolves port references (hoisting inline nodes), checks
 * them, orders the graph, infers shapes with each op's shape rule, and plans what is constant (folded once),
 * what runs per training step, and what runs at evaluation. Every problem is a located UserError.
 */
import { Graph, alg } from '@dagrejs/graphlib';
import type { LoadedPipeline, NodeSpec, Pipeline } from '../dsl/types.js';
import { OpRegistry } from '../ops/registry.js';
import { ShapeError, typeToString, type InputTypes, type OpDef, type ShapeEnv, type TensorType } from '../ops/types.js';
import { sameDim } from '../ops/shape.js';
import { UserError } from '../util/errors.js';
import { didYouMean } from '../dsl/suggest.js';
import type { CompiledGraph, CompiledNode, Plan, PortRef } from './types.js';
import { planRowPushdown } from './row-pushdown.js';

/** A node as collected, before its references are resolved. */
export interface RawNode {
  id: string;
  label: string;
  spec: NodeSpec;
  path: (string | number)[];
  isLoss: boolean;
}

function isRefString(v: unknown): v is string {
  return typeof v === 'string';
}

function isInlineNode(v: unknown): v is NodeSpec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as NodeSpec).op === 'string';
}

/** Throws a located UserError at a path of the pipeline, with related locations. */
export type Fail = (
  msg: string,
  path: (string | number)[],
  related?: { message: string; path: (string | number)[] }[],
) => never;

/** The error reporter every pass shares: messages located in the pipeline's YAML. */
export function failAt(loaded: LoadedPipeline): Fail {
  const at = (path: (string | number)[]) => loaded.locate(path);
  return (msg, path, related = []) => {
    throw new UserError(
      msg,
      at(path),
      related.map((r) => ({ message: r.message, loc: at(r.path) })),
    );
  };
}

/** The op a node names; an unknown name is an error with the closest registered names. */
function opOf(registry: OpRegistry, spec: NodeSpec, path: (string | number)[], fail: Fail): OpDef {
  const op = registry.get(spec.op);
  if (!op) return fail(`unknown op '${spec.op}'${didYouMean(spec.op, registry.names())}`, [...path, 'op']);
  return op;
}

/**
 * Pass 1, collect: every node and loss with a known op, inline node objects written in input positions hoisted
 * to nodes of their own (`<parent>/<port>[/<i>]`); losses use loss ops and nodes do not.
 */
export function collectNodes(p: Pipeline, registry: OpRegistry, fail: Fail): Map<string, RawNode> {
  const raw = new Map<string, RawNode>();
  const addNode = (id: string, label: string, spec: NodeSpec, path: (string | number)[], isLoss: boolean) => {
    raw.set(id, { id, label, spec, path, isLoss });
    const op = opOf(registry, spec, path, fail);
    for (const port of op.inputs) {
      const v = spec[port.name];
      if (isInlineNode(v)) addNode(`${id}/${port.name}`, `${label}/${port.name}`, v, [...path, port.name], false);
      else if (Array.isArray(v))
        v.forEach((e, i) => {
          if (isInlineNode(e))
            addNode(`${id}/${port.name}/${i}`, `${label}/${port.name}[${i}]`, e, [...path, port.name, i], false);
        });
    }
  };
  for (const [name, spec] of Object.entries(p.nodes)) addNode(name, name, spec, ['nodes', name], false);
  for (const [name, spec] of Object.entries(p.losses)) {
    const op = opOf(registry, spec, ['losses', name], fail);
    if (!op.loss)
      fail(
        `'${spec.op}' is not a loss op; losses must use one of: ${registry
          .list()
          .filter((o) => o.loss)
          .map((o) => o.name)
          .join(', ')}`,
        ['losses', name, 'op'],
      );
    addNode(`loss:${name}`, name, spec, ['losses', name], true);
  }
  for (const [name, spec] of Object.entries(p.nodes)) {
    if (registry.get(spec.op)?.loss)
      fail(`'${name}' uses the loss op '${spec.op}'; declare it under losses:`, ['nodes', name, 'op']);
  }
  return raw;
}

/**
 * Pass 2, link: every input reference resolved to an existing (node, output port), required inputs present,
 * parameters split from ports, loss weights read; the nodes and their edges form the graph, and the declared
 * outputs are resolved too.
 */
export function linkNodes(
  p: Pipeline,
  registry: OpRegistry,
  raw: Map<string, RawNode>,
  fail: Fail,
): { nodes: Map<string, CompiledNode>; graph: Graph; outputs: Record<string, PortRef> } {
  const userNodes = Object.keys(p.nodes);
  const parseRef = (v: unknown, path: (string | number)[]): PortRef => {
    if (!isRefString(v)) return fail(`expected a reference like 'node' or 'node.port', got ${JSON.stringify(v)}`, path);
    const [nodeName, port, extra] = v.split('.');
    if (extra !== undefined || !nodeName) fail(`'${v}' is not a reference; write 'node' or 'node.port'`, path);
    const target = raw.get(nodeName!);
    if (!target && Object.hasOwn(p.losses, nodeName!))
      fail(`'${nodeName}' is a loss; a loss is a scalar objective and cannot be used as an input or output`, path);
    if (!target || target.isLoss || nodeName!.includes('/'))
      return fail(`unknown node '${nodeName}'${didYouMean(nodeName!, userNodes)}`, path);
    const op = registry.get(target.spec.op)!;
    const outPort = port ?? op.outputs[0]!.name;
    if (!op.outputs.some((o) => o.name === outPort))
      fail(
        `node '${nodeName}' (op ${op.name}) has no output '${outPort}'${didYouMean(
          outPort,
          op.outputs.map((o) => o.name),
        )}; its outputs: ${op.outputs.map((o) => o.name).join(', ')}`,
        path,
      );
    return { node: nodeName!, port: outPort, path };
  };
  const inlineRef = (id: string, path: (string | number)[]): PortRef => ({
    node: id,
    port: opOf(registry, raw.get(id)!.spec, path, fail).outputs[0]!.name,
    path,
  });

  const nodes = new Map<string, CompiledNode>();
  const graph = new Graph({ directed: true, multigraph: true });
  for (const r of raw.values()) {
    const op = registry.get(r.spec.op)!;
    const params: Record<string, unknown> = {};
    const inputs: Record<string, PortRef | PortRef[]> = {};
    const portNames = new Set(op.inputs.map((i) => i.name));
    for (const [k, v] of Object.entries(r.spec)) {
      if (k === 'op' || (r.isLoss && k === 'weight')) continue;
      if (!portNames.has(k)) params[k] = v;
    }
    for (const port of op.inputs) {
      const v = r.spec[port.name];
      const path = [...r.path, port.name];
      if (v === undefined || v === null) {
        if (!port.optional) fail(`node '${r.label}' (op ${op.name}) needs input '${port.name}': ${port.doc}`, r.path);
        continue;
      }
      if (port.list) {
        const items = Array.isArray(v) ? v : [v];
        inputs[port.name] = items.map((e, i) =>
          isInlineNode(e)
            ? inlineRef(`${r.id}/${port.name}/${i}`, [...path, i])
            : parseRef(e, Array.isArray(v) ? [...path, i] : path),
        );
      } else {
        if (Array.isArray(v)) fail(`input '${port.name}' of node '${r.label}' takes one reference, not a list`, path);
        inputs[port.name] = isInlineNode(v) ? inlineRef(`${r.id}/${port.name}`, path) : parseRef(v, path);
      }
    }
    const weight = r.isLoss ? Number(r.spec.weight ?? 1) : 1;
    nodes.set(r.id, {
      id: r.id,
      label: r.label,
      op,
      params,
      inputs,
      inputTypes: {},
      outputTypes: {},
      path: r.path,
      isLoss: r.isLoss,
      weight,
      constant: false,
      inStep: false,
      inEval: false,
      inExport: false,
    });
    graph.setNode(r.id, r.label);
  }
  for (const n of nodes.values())
    for (const [port, refs] of Object.entries(n.inputs))
      for (const ref of Array.isArray(refs) ? refs : [refs])
        graph.setEdge(ref.node, n.id, { port, from: ref.port }, `${port}:${ref.path.join('.')}`);

  const outputs: Record<string, PortRef> = {};
  for (const [k, v] of Object.entries(p.outputs)) outputs[k] = parseRef(v, ['outputs', k]);
  return { nodes, graph, outputs };
}

/** Pass 3, order: the graph is acyclic (a cycle is an error that names every node on it); its topological order. */
export function orderNodes(graph: Graph, nodes: Map<string, CompiledNode>, fail: Fail): string[] {
  if (!alg.isAcyclic(graph)) {
    const cycle: string[] = alg.findCycles(graph)[0]!.slice().reverse();
    const first = nodes.get(cycle[0]!)!;
    fail(
      `cycle in the graph: ${[...cycle, cycle[0]!].map((id) => nodes.get(id)!.label).join(' -> ')}`,
      first.path,
      cycle
        .slice(1)
        .map((id) => ({ message: `'${nodes.get(id)!.label}' is part of the cycle`, path: nodes.get(id)!.path })),
    );
  }
  return alg.topsort(graph) as string[];
}

/**
 * Pass 4, shapes: in order, each input's kind matches its port and each op's shape rule accepts its input types;
 * every node gets its input and output types (a rule's complaint is located at the port or parameter it names).
 */
export function inferShapes(order: string[], nodes: Map<string, CompiledNode>, env: ShapeEnv, fail: Fail): void {
  for (const id of order) {
    const n = nodes.get(id)!;
    const inTypes: InputTypes = {};
    for (const port of n.op.inputs) {
      const refs = n.inputs[port.name];
      if (!refs) continue;
      const typeOf = (ref: PortRef): TensorType => {
        const t = nodes.get(ref.node)!.outputTypes[ref.port]!;
        if (port.kind && t.kind !== port.kind)
          fail(
            `input '${port.name}' of '${n.label}' needs a ${port.kind} tensor, but '${ref.node}.${ref.port}' is ${typeToString(t)}`,
            ref.path,
            [{ message: `'${ref.node}' is defined here`, path: nodes.get(ref.node)!.path }],
          );
        return t;
      };
      inTypes[port.name] = Array.isArray(refs) ? refs.map(typeOf) : typeOf(refs);
    }
    n.inputTypes = inTypes;
    try {
      n.outputTypes = n.op.shape(n.params as never, inTypes, env);
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      const where = e.where.port ? [...n.path, e.where.port] : e.where.param ? [...n.path, e.where.param] : n.path;
      const refs = e.where.port ? n.inputs[e.where.port] : undefined;
      const related = (refs ? (Array.isArray(refs) ? refs : [refs]) : []).map((ref) => ({
        message: `'${ref.node}.${ref.port}' (${typeToString(nodes.get(ref.node)!.outputTypes[ref.port]!)}) is defined here`,
        path: nodes.get(ref.node)!.path,
      }));
      fail(`${n.label} (op ${n.op.name}): ${e.message}`, where, related);
    }
  }
}

/**
 * Pass 5, outputs and losses: scoring can run (outputs.user is [users, d] and outputs.item [items, d], one d) and
 * there is something to train (at least one loss).
 */
export function checkOutputs(
  p: Pipeline,
  nodes: Map<string, CompiledNode>,
  outputs: Record<string, PortRef>,
  fail: Fail,
): { outputTypes: Record<string, TensorType>; losses: string[] } {
  const outputTypes: Record<string, TensorType> = {};
  for (const [k, ref] of Object.entries(outputs)) outputTypes[k] = nodes.get(ref.node)!.outputTypes[ref.port]!;
  const ut = outputTypes.user!;
  const it = outputTypes.item!;
  if (ut.kind !== 'dense' || ut.dims.length !== 2 || !sameDim(ut.dims[0]!, 'users'))
    fail(`outputs.user must be [users, d], but '${p.outputs.user}' is ${typeToString(ut)}`, ['outputs', 'user']);
  if (it.kind !== 'dense' || it.dims.length !== 2 || !sameDim(it.dims[0]!, 'items'))
    fail(`outputs.item must be [items, d], but '${p.outputs.item}' is ${typeToString(it)}`, ['outputs', 'item']);
  if (!sameDim(ut.dims[1]!, it.dims[1]!))
    fail(`outputs.user is ${typeToString(ut)} but outputs.item is ${typeToString(it)}: scores need one width`, [
      'outputs',
      'item',
    ]);
  const losses = [...nodes.values()].filter((n) => n.isLoss).map((n) => n.id);
  if (losses.length === 0) fail('the pipeline has no losses; add one under losses: (e.g. bpr)', ['losses']);
  return { outputTypes, losses };
}

/** Runs the passes in order; the last, planPhases, decides what is folded once, run per step and at evaluation. */
export function compile(loaded: LoadedPipeline, registry: OpRegistry, env: ShapeEnv): CompiledGraph {
  const p = loaded.pipeline;
  const fail = failAt(loaded);
  const raw = collectNodes(p, registry, fail);
  const { nodes, graph, outputs } = linkNodes(p, registry, raw, fail);
  const order = orderNodes(graph, nodes, fail);
  inferShapes(order, nodes, env, fail);
  const { outputTypes, losses } = checkOutputs(p, nodes, outputs, fail);
  return { graph, nodes, order, outputs, outputTypes, losses, plan: planPhases(graph, nodes, order, outputs, losses) };
}

/**
 * Pass 6, plan: marks the constants (pure ops of constant inputs, folded once), what each training step needs
 * (ancestors of a loss), what evaluation and export need (ancestors of the outputs); lists the constants to
 * transpose once and the step nodes that run on the batch's item rows; finds unused nodes.
 */
export function planPhases(
  graph: Graph,
  nodes: Map<string, CompiledNode>,
  order: string[],
  outputs: Record<string, PortRef>,
  losses: string[],
): Plan {
  for (const id of order) {
    const n = nodes.get(id)!;
    const preds = (graph.predecessors(id) ?? []) as string[];
    // A trainable source (features with trainable: true) holds a variable, so it is not a constant.
    n.constant = !n.isLoss && !!n.op.pure && n.params.trainable !== true && preds.every((q) => nodes.get(q)!.constant);
  }
  const mark = (start: string[], key: 'inStep' | 'inEval' | 'inExport') => {
    const stack = [...start];
    while (stack.length) {
      const id = stack.pop()!;
      const n = nodes.get(id)!;
      if (n[key]) continue;
      n[key] = true;
      stack.push(...((graph.predecessors(id) ?? []) as string[]));
    }
  };
  mark(losses, 'inStep');
  // Scoring needs only user and item; the other outputs are computed when embeddings are exported.
  mark([outputs.user!.node, outputs.item!.node], 'inEval');
  mark(
    Object.values(outputs).map((r) => r.node),
    'inExport',
  );
  const step = order.filter((id) => !nodes.get(id)!.constant && nodes.get(id)!.inStep);
  const pushdown = planRowPushdown(graph, nodes, step);
  const pushed = new Set(pushdown.nodes);
  const transposes = new Set<string>();
  for (const n of nodes.values()) {
    // A pushed-down node's gradient multiplies this step's rows of the constant, not the whole constant.
    if (n.constant || !(n.inStep || n.inExport) || pushed.has(n.id)) continue;
    for (const port of n.op.transposeConstantInputs ?? []) {
      const refs = n.inputs[port];
      for (const ref of refs ? (Array.isArray(refs) ? refs : [refs]) : [])
        if (nodes.get(ref.node)!.constant && n.inStep) transposes.add(`${ref.node}.${ref.port}`);
    }
  }
  return {
    constant: order.filter((id) => nodes.get(id)!.constant && (nodes.get(id)!.inStep || nodes.get(id)!.inExport)),
    step,
    eval: order.filter((id) => !nodes.get(id)!.constant && nodes.get(id)!.inEval),
    export: order.filter((id) => !nodes.get(id)!.constant && nodes.get(id)!.inExport),
    transposes: [...transposes],
    unused: order.filter((id) => !nodes.get(id)!.inStep && !nodes.get(id)!.inExport),
    pushdown,
  };
}
