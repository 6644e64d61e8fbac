/**
 * Turns a compiled graph into a runnable model: builds every kernel (creating its variables from a seeded
 * stream), folds constants once, transposes the planned constants once, and runs the step or eval plan.
 */
import * as tf from '@tensorflow/tfjs';
import { releaseCosineMatrices } from '../ops/kernels/cosine.js';
import type { CompiledGraph, CompiledNode, PortRef } from '../graph/types.js';
import type { Dataset } from '../data/types.js';
import { isCsr } from '../ops/sparse.js';
import { initValues } from '../ops/init.js';
import type { Batch, DataAccess, InputValues, OpKernel, RunContext, Value } from '../ops/types.js';
import { Rng, type RandomStream } from '../util/rng.js';
import { rootStream, type StreamKind } from '../util/streams.js';
import { NumericalError } from './errors.js';
import { gatherRows } from '../ops/kernels/gather-rows.js';
import { referenceMode } from '../ops/kernels/mode.js';
import { compactItems } from './compact-batch.js';

let modelCounter = 0;

export function dataAccess(ds: Dataset): DataAccess {
  return {
    nUsers: ds.nUsers,
    nItems: ds.nItems,
    trainPairs: ds.train,
    modalities: Object.keys(ds.features),
    feature(m: string) {
      const f = ds.features[m];
      if (!f) throw new Error(`feature '${m}' was not loaded`);
      return f;
    },
  };
}

export function datasetSizes(ds: Dataset): Record<string, number> {
  const sizes: Record<string, number> = { users: ds.nUsers, items: ds.nItems, 'users+items': ds.nUsers + ds.nItems };
  for (const [k, f] of Object.entries(ds.features)) sizes[`feat_${k}`] = f.cols;
  return sizes;
}

type NodeValues = Record<string, Value>;

/** `--detect-anomaly`: names the first node whose output holds NaN or Inf. */
function checkFinite(n: CompiledNode, out: NodeValues): void {
  for (const [port, v] of Object.entries(out)) {
    if (isCsr(v)) continue;
    const ok = tf.tidy(() => tf.all(tf.isFinite(v)).dataSync()[0]);
    if (!ok) {
      const what = n.isLoss ? `loss '${n.label}'` : `node '${n.label}'${port === 'out' ? '' : ` (output ${port})`}`;
      throw new NumericalError(`${what} (op ${n.op.name}) produced NaN or Inf`);
    }
  }
}

export class Model {
  readonly variables = new Map<string, tf.Variable>();
  readonly kernels = new Map<string, OpKernel>();
  private readonly constants = new Map<string, NodeValues>();
  private readonly transposes = new Map<tf.Tensor, tf.Tensor2D>();
  private readonly constantTensors = new Set<tf.Tensor>();
  /** Rows of constants gathered for a pushed-down step: no gradient is needed for them. */
  private readonly frozenRows = new WeakSet<tf.Tensor>();
  private readonly uid = `m${++modelCounter}`;

  constructor(
    readonly graph: CompiledGraph,
    dataset: Dataset,
    seed: number,
    backend: string,
    /** The generator of the init stream (train.rng.init). */
    initKind: StreamKind = 'sfc32',
  ) {
    const sizes = datasetSizes(dataset);
    const data = dataAccess(dataset);
    const root = rootStream(initKind, seed);
    for (const id of graph.order) {
      const n = graph.nodes.get(id)!;
      if (!n.inStep && !n.inExport) continue;
      const rng = root.fork(`init:${id}`);
      const kernel = n.op.build(n.params as never, n.inputTypes, {
        node: id,
        rng,
        data,
        backend,
        sizes,
        variable: (name, shape, init, fans) => {
          const key = `${id}/${name}`;
          if (this.variables.has(key)) throw new Error(`op ${n.op.name} created variable ${key} twice`);
          const v = tf.variable(tf.tensor(initValues(shape, init, rng, fans), shape), true, `${this.uid}/${key}`);
          this.variables.set(key, v);
          return v;
        },
      });
      this.kernels.set(id, kernel);
    }
    this.foldConstants();
  }

  private foldConstants(): void {
    const ctx = this.context(false);
    for (const id of this.graph.plan.constant) {
      const n = this.graph.nodes.get(id)!;
      let out: NodeValues = {};
      tf.tidy(() => {
        out = this.kernels.get(id)!.run(this.gatherInputs(n, this.constants), ctx);
        for (const v of Object.values(out)) if (!isCsr(v)) tf.keep(v);
      });
      this.constants.set(id, out);
      for (const v of Object.values(out)) if (!isCsr(v)) this.constantTensors.add(v);
    }
    for (const key of this.graph.plan.transposes) {
      const [node, port] = key.split('.') as [string, string];
      const t = this.constants.get(node)![port] as tf.Tensor2D;
      this.transposes.set(
        t,
        tf.tidy(() => tf.keep(tf.transpose(t))),
      );
    }
    // Item-item cosine matrices built for kNN graphs are n² floats each; keep only those a step reads.
    const keep = new Set<tf.Tensor>();
    for (const n of this.graph.nodes.values()) {
      for (const port of n.op.readsCosineCache ?? []) {
        const refs = n.inputs[port];
        for (const r of refs === undefined ? [] : Array.isArray(refs) ? refs : [refs]) {
          const v = this.constants.get(r.node)?.[r.port];
          if (v && !isCsr(v)) keep.add(v);
        }
      }
    }
    releaseCosineMatrices(keep);
  }

  private gatherInputs(
    n: CompiledNode,
    values: Map<string, NodeValues>,
    map?: (port: string, r: PortRef, v: Value) => Value,
  ): InputValues {
    const get = (port: string) => (r: PortRef) => {
      const v = values.get(r.node)?.[r.port];
      if (v === undefined) throw new Error(`internal: ${r.node}.${r.port} not computed before ${n.id}`);
      return map ? map(port, r, v) : v;
    };
    const out: InputValues = {};
    for (const [port, refs] of Object.entries(n.inputs))
      out[port] = Array.isArray(refs) ? refs.map(get(port)) : get(port)(refs);
    return out;
  }

  context(training: boolean, batch?: Batch, epoch = 0, rng: RandomStream = new Rng(0)): RunContext {
    return {
      training,
      batch,
      epoch,
      rng,
      transposeOfConstant: (t) => this.transposes.get(t),
      isConstant: (t) => this.constantTensors.has(t),
      isFrozen: (t) => this.constantTensors.has(t) || this.frozenRows.has(t),
    };
  }

  /**
   * The step with row pushdown (graph/row-pushdown.ts): the region's nodes run on the batch's distinct items R
   * only; item-rowed inputs from outside the region and the outputs of its sources (tables) are gathered to R;
   * the losses reading the region get those compact tables and a batch whose pos/neg index into R.
   */
  private runPushdown(ctx: RunContext, batch: Batch): Map<string, NodeValues> {
    const pd = this.graph.plan.pushdown;
    const region = new Set(pd.nodes);
    const readers = new Set(pd.losses);
    const rows = compactItems(batch);
    const compactCtx: RunContext = { ...ctx, batch: rows.batch };
    const toRows = (v: Value): Value => {
      if (isCsr(v)) throw new Error('internal: row pushdown reached a sparse value');
      const g = gatherRows(v as tf.Tensor2D, rows.idx, rows.host);
      if (this.constantTensors.has(v)) this.frozenRows.add(g);
      return g;
    };
    const values = new Map(this.constants);
    for (const id of this.graph.plan.step) {
      const n = this.graph.nodes.get(id)!;
      const t = ctx.onOp ? performance.now() : 0;
      let out: NodeValues;
      if (region.has(id)) {
        const inputs = this.gatherInputs(n, values, (port, r, v) => (region.has(r.node) ? v : toRows(v)));
        out = this.kernels.get(id)!.run(inputs, ctx);
        // A source (an embedding table, trainable features) yields every row: keep the batch's.
        if (Object.keys(n.inputs).length === 0)
          out = Object.fromEntries(Object.entries(out).map(([k, v]) => [k, toRows(v)]));
      } else if (readers.has(id)) {
        const ports = new Set(n.op.batchItemRowInputs ?? []);
        const inputs = this.gatherInputs(n, values, (port, r, v) =>
          !ports.has(port) || region.has(r.node) ? v : toRows(v),
        );
        out = this.kernels.get(id)!.run(inputs, compactCtx);
      } else out = this.kernels.get(id)!.run(this.gatherInputs(n, values), ctx);
      if (ctx.onOp) ctx.onOp(n.label, n.op.name, performance.now() - t);
      if (ctx.detectAnomaly) checkFinite(n, out);
      values.set(id, out);
    }
    return values;
  }

  /** Runs the step or eval plan; call inside tf.tidy (and inside the gradient tape for training). */
  run(phase: 'step' | 'eval' | 'export', ctx: RunContext): Map<string, NodeValues> {
    if (phase === 'step' && ctx.batch && this.graph.plan.pushdown.nodes.length && !referenceMode())
      return this.runPushdown(ctx, ctx.batch);
    const values = new Map(this.constants);
    for (const id of this.graph.plan[phase]) {
      const n = this.graph.nodes.get(id)!;
      const t = ctx.onOp ? performance.now() : 0;
      const out = this.kernels.get(id)!.run(this.gatherInputs(n, values), ctx);
      if (ctx.onOp) ctx.onOp(n.label, n.op.name, performance.now() - t);
      if (ctx.detectAnomaly) checkFinite(n, out);
      values.set(id, out);
    }
    return values;
  }

  /** The weighted loss terms of one training step, by loss name, and their sum. */
  losses(ctx: RunContext): { total: tf.Scalar; terms: Map<string, tf.Scalar> } {
    const values = this.run('step', ctx);
    const terms = new Map<string, tf.Scalar>();
    for (const id of this.graph.losses) {
      const n = this.graph.nodes.get(id)!;
      const l = values.get(id)!.loss as tf.Scalar;
      terms.set(n.label, n.weight === 1 ? l : (tf.mul(l, n.weight) as tf.Scalar));
    }
    const all = [...terms.values()];
    return { total: (all.length === 1 ? all[0]! : tf.addN(all)) as tf.Scalar, terms };
  }

  /**
   * The scoring outputs (user, item), or with `all` every declared output, in evaluation mode; the caller owns
   * the returned tensors.
   */
  outputs(all = false, ctx = this.context(false)): Record<string, tf.Tensor> {
    return tf.tidy(() => {
      const values = this.run(all ? 'export' : 'eval', ctx);
      const out: Record<string, tf.Tensor> = {};
      for (const [k, ref] of Object.entries(this.graph.outputs)) {
        if (!all && k !== 'user' && k !== 'item') continue;
        const v = values.get(ref.node)?.[ref.port];
        // A clone, so the caller may dispose it even when it is a variable or a folded constant.
        if (v && !isCsr(v)) out[k] = tf.clone(v);
      }
      return out;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [...this.variables.values()];
  }

  parameterCount(): number {
    let n = 0;
    for (const v of this.variables.values()) n += v.size;
    return n;
  }

  /** Copies of the variable values (for the best-so-far snapshot and checkpoints). */
  snapshot(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [k, v] of this.variables) out.set(k, (v.dataSync() as Float32Array).slice());
    return out;
  }

  restore(values: Map<string, Float32Array>): void {
    for (const [k, v] of this.variables) {
      const data = values.get(k);
      if (!data) throw new Error(`checkpoint has no values for ${k}`);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
    }
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
    for (const o of this.constants.values()) for (const v of Object.values(o)) if (!isCsr(v)) v.dispose();
    for (const t of this.transposes.values()) t.dispose();
    this.variables.clear();
    this.constants.clear();
    this.transposes.clear();
    this.constantTensors.clear();
    releaseCosineMatrices(); // the disposed constants' matrices
  }
}
