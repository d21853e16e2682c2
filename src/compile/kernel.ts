/**
 * The kernel IR: what a compiled program is made of, below the typed IR and above any backend.
 * A program is a list of steps over numbered buffers. Fused steps read their operands through
 * affine views (offset + strides over the step's index space), so broadcasts, transposes,
 * slices and reversals cost nothing; each step writes one fresh buffer.
 */
import type { ConcreteArray } from "../core/array.js";
import type { DType } from "../core/dtype.js";
import type { ReduceOp } from "../core/primitive.js";
import type { ScalarExpr } from "../core/scalar.js";
import type { Eqn } from "../ir/ir.js";

/** A buffer: an input, a constant, or the output of one step. */
export interface Buffer {
  readonly id: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly role: "input" | "const" | "temp";
  /** For constants: the value. */
  readonly value?: ConcreteArray;
}

/** Reads buffer `buf` at `offset + Σ_d strides[d]·i[d]` for index `i` of a step's index space. */
export interface View {
  readonly buf: number;
  readonly offset: number;
  readonly strides: readonly number[];
}

/**
 * `out[i] = expr(views at i)` over `shape`: a fused chain of elementwise operations, the inputs
 * of which are views (`input(k)` in `expr` reads `inputs[k]`).
 */
export interface MapStep {
  readonly kind: "map";
  readonly out: number;
  readonly shape: readonly number[];
  readonly inputs: readonly View[];
  readonly expr: ScalarExpr;
}

/**
 * A reduction over the last `shape.length - keep` dims of its index space, whose element
 * `expr(views at i)` (a fused prologue) is combined with `op`. The output has shape
 * `shape.slice(0, keep)` (the compiler orders the index space kept dims first).
 */
export interface ReduceStep {
  readonly kind: "reduce";
  readonly out: number;
  readonly op: ReduceOp;
  readonly shape: readonly number[];
  readonly keep: number;
  readonly inputs: readonly View[];
  readonly expr: ScalarExpr;
  /** The output's dtype (the prologue's). */
  readonly dtype: DType;
}

/** An equation the backend runs with the primitive's reference kernel (on whole buffers). */
export interface CallStep {
  readonly kind: "call";
  readonly eqn: Eqn;
  readonly inputs: readonly (number | { readonly literal: number; readonly dtype: DType; readonly weak: boolean })[];
  readonly outs: readonly number[];
}

/** A matrix operand of a contraction: element (t, i, j) of batch item t at offset + t·bs + i·rs + j·cs. */
export interface MatrixOperand {
  readonly buf: number;
  readonly offset: number;
  readonly bs: number;
  readonly rs: number;
  readonly cs: number;
}

/**
 * A float32 `dot_general` read as a batch of matrix products (its batch, free and contracted dims
 * each merged into one): out[t, i, j] (row-major [batch, m, n]) = Σ_p a[t, i, p]·b[t, p, j].
 * Backends without a matrix kernel run `eqn` on the whole buffers `inputs` (the same computation;
 * when `transposed`, the step computes the transpose of `eqn`'s output, [batch, n', m'] for its
 * [batch, m', n'], and such backends transpose `eqn`'s result).
 */
export interface ContractStep {
  readonly kind: "contract";
  readonly out: number;
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly a: MatrixOperand;
  readonly b: MatrixOperand;
  readonly eqn: Eqn;
  readonly inputs: readonly [number, number];
  readonly transposed?: boolean;
}

export type Step = MapStep | ReduceStep | CallStep | ContractStep;

/** What a program returns: a buffer, or a literal scalar. */
export type Output = { readonly buf: number } | { readonly literal: number };

export interface Program {
  readonly buffers: readonly Buffer[];
  /** Buffer ids of the program's inputs, in order. */
  readonly inputs: readonly number[];
  readonly steps: readonly Step[];
  readonly outputs: readonly Output[];
}

/** Row-major strides of `shape` (in elements). */
export function contiguousStrides(shape: readonly number[]): number[] {
  const st = new globalThis.Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    st[d] = s;
    s *= shape[d];
  }
  return st;
}

export function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
