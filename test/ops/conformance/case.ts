/**
 * What one operator's conformance case states (one file per op under cases/, named after the op). The suite
 * (../conformance.test.ts) runs every case on every backend present and checks the shape rule, the forward against
 * the case's float64 reference, the gradient against central differences of that reference, and tensor leaks.
 */
import type { CsrMatrix } from '../../../src/ops/sparse.js';
import type { DataAccess, InputTypes } from '../../../src/ops/types.js';
import type { Rng } from '../../../src/util/rng.js';

/** A dense value in float64, row-major. The suite hands tfjs its float32 copy, so cases store float32-exact values. */
export interface Dense64 {
  shape: number[];
  data: Float64Array;
}

/** One input port's value: dense (differentiable), a list of dense, or constant sparse matrices (no gradient). */
export type CaseValue = Dense64 | Dense64[] | CsrMatrix | CsrMatrix[];
export type CaseInputs = Record<string, CaseValue>;

/** What the reference sees besides the (possibly perturbed) inputs and variables. */
export interface RefContext {
  /**
   * The unperturbed inputs and variables. Whatever the op detaches (stop_gradient, loss weights computed off the
   * tape, pseudo-labels, targets) the reference computes from these, so central differences see it as constant.
   */
  base: { inputs: CaseInputs; vars: Record<string, Float64Array> };
  /** A fresh copy of the stream the op's RunContext draws from (dropout masks, Gumbel noise, edge samples). */
  rng: Rng;
  batch?: { users: number[]; pos: number[]; neg: number[] };
  training: boolean;
  sizes: Record<string, number>;
}

/** Reference outputs by port: dense values row-major; a sparse output as its dense [rows * cols] matrix. */
export type RefOutputs = Record<string, Float64Array>;

export interface ConformanceCase {
  /** The registered op's name; the file must be cases/<op>.ts. */
  op: string;
  params: Record<string, unknown>;
  /** Concrete sizes of the symbolic dims (users, items, feat_<m>, ...), bound into the shape rule's output types. */
  sizes: Record<string, number>;
  modalities?: string[];
  /** Dataset view for ops that build from the train pairs or features. */
  data?: DataAccess;
  /** Input types as the compiler hands them to the shape rule and build (symbolic where a pipeline has them). */
  types: InputTypes;
  inputs: CaseInputs;
  /** A training batch; training defaults to true when there is one. */
  batch?: { users: number[]; pos: number[]; neg: number[] };
  training?: boolean;
  /**
   * 'finite-differences' (default): tfjs's gradient of Σ w ⊙ out with respect to every dense input and every
   * variable equals central differences of the same function on the reference.
   * 'none': the op is not differentiable by design; the suite checks that every output is sparse (a graph
   * builder: nothing to differentiate) or that tfjs's gradient into every input and variable is absent or zero.
   */
  gradient?: 'finite-differences' | 'none';
  /** Why the gradient is 'none', or how a random op is checked (same draws, or its law). */
  note?: string;
  /** Declared outputs the kernel does not produce for these inputs (shared_linear's unused ports), with why. */
  absentOutputs?: string[];
  /** Extra checks on the op's actual outputs (a random op's law), run on every backend. */
  law?: (outputs: Record<string, Float64Array>) => void;
  /** The op's maths from its documented definition, in float64, never by calling the op. */
  reference(inputs: CaseInputs, vars: Record<string, Float64Array>, ctx: RefContext): RefOutputs;
}
