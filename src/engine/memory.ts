/**
 * The memory a compiled plan needs, estimated from its shapes before anything is allocated, so that a plan
 * that cannot fit (a `dim` of a billion, a feature width that outgrows the machine) is refused with its figure
 * instead of ending in a RangeError, an aborted wasm heap or the process being killed. It counts what stays
 * resident for the whole run: the trainable variables with Adam's two moments, the folded dense constants
 * (features among them) and the evaluator's block of scores. Per-step temporaries are left out, so the figure
 * is a floor: a plan it refuses cannot run, a plan it accepts may still be tight.
 */
import type { CompiledGraph, CompiledNode } from '../graph/types.js';
import type { Dataset } from '../data/types.js';
import type { Dim } from '../ops/types.js';
import { UserError, type SourceLocation } from '../util/errors.js';
import { formatBytes, machineMemory } from '../util/memory.js';
import { datasetSizes } from './executor.js';
import type { EvalSettings } from './train-spec.js';

const FLOAT = 4;
/** A variable, Adam's first moment and its second moment. */
const ADAM_COPIES = 3;
/** wasm32 addresses at most 4 GiB, and every tensor of the wasm backend lives in that one heap. */
const WASM_HEAP_BYTES = 2 ** 32;

export interface MemoryEstimate {
  /** Trainable floats. */
  parameters: number;
  /** Bytes per part, in the order they are reported. */
  parts: { what: string; bytes: number }[];
  total: number;
  /** The node holding the most parameters (where a refusal points). */
  largest?: { node: CompiledNode; parameters: number };
}

function elements(dims: Dim[], sizes: Record<string, number>): number {
  return dims.reduce<number>((n, d) => n * (typeof d === 'number' ? d : (sizes[d] ?? 0)), 1);
}

export function estimateMemory(graph: CompiledGraph, ds: Dataset, evaluation: EvalSettings): MemoryEstimate {
  const sizes = datasetSizes(ds);
  let parameters = 0;
  let largest: MemoryEstimate['largest'];
  let constants = 0;
  for (const id of graph.order) {
    const n = graph.nodes.get(id)!;
    if (!n.inStep && !n.inExport) continue;
    const shapes = n.op.variableShapes?.(n.params as never, n.inputTypes, sizes) ?? [];
    const count = shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
    parameters += count;
    if (count > 0 && (!largest || count > largest.parameters)) largest = { node: n, parameters: count };
    if (n.constant) {
      for (const t of Object.values(n.outputTypes))
        if (t.kind === 'dense') constants += elements(t.dims, sizes) * FLOAT;
    }
  }
  const evalBlock = Math.min(Math.max(1, Math.floor(evaluation.batchUsers)), ds.nUsers) * ds.nItems * FLOAT;
  const parts = [
    { what: 'parameters and Adam state', bytes: parameters * FLOAT * ADAM_COPIES },
    { what: 'features and other constants', bytes: constants },
    { what: 'the evaluation block', bytes: evalBlock },
  ];
  return { parameters, parts, total: parts.reduce((a, p) => a + p.bytes, 0), largest };
}

/** What the backend can hold: the machine's memory, and on wasm no more than its heap. */
export function memoryBudget(backend: string): { bytes: number; what: string } {
  const mem = machineMemory();
  if (backend === 'wasm' && WASM_HEAP_BYTES < mem.bytes)
    return { bytes: WASM_HEAP_BYTES, what: `the wasm backend's heap holds at most ${formatBytes(WASM_HEAP_BYTES)}` };
  return mem;
}

/**
 * Refuses a plan whose estimate exceeds the budget, pointing at the node with the most parameters (or at the
 * pipeline when the constants or the evaluation block are what does not fit).
 */
export function checkMemory(
  graph: CompiledGraph,
  ds: Dataset,
  evaluation: EvalSettings,
  backend: string,
  locate: (path: (string | number)[]) => SourceLocation,
): void {
  const est = estimateMemory(graph, ds, evaluation);
  const budget = memoryBudget(backend);
  if (est.total <= budget.bytes) return;
  const parts = est.parts.filter((p) => p.bytes > 0).map((p) => `${p.what} ${formatBytes(p.bytes)}`);
  const biggest = [...est.parts].sort((a, b) => b.bytes - a.bytes)[0]!;
  const at = biggest.what.startsWith('parameters') && est.largest ? est.largest.node : undefined;
  const who = at
    ? ` (the largest is node '${at.label}' with ${est.largest!.parameters.toLocaleString('en-US')} parameters)`
    : '';
  throw new UserError(
    `this plan needs ~${formatBytes(est.total)} (${parts.join(', ')})${who}; ${budget.what}. ` +
      `Reduce the sizes (dim, feature widths, eval.batch_users) or the dataset`,
    locate(at ? at.path : ['nodes']),
  );
}
