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

/** Where element `i` of a step's index space goes in its output: `offset + Σ_d strides[d]·i[d]`. */
export interface Dest {
  readonly offset: number;
  readonly strides: readonly number[];
}

/**
 * `out[i] = expr(views at i)` over `shape`: a fused chain of elementwise operations, the inputs
 * of which are views (`input(k)` in `expr` reads `inputs[k]`). With `dest`, the step writes one
 * region of `out` (a piece of a concatenate or pad) that an earlier step of the same program
 * created; without, it writes all of `out` in row-major order.
 */
export interface MapStep {
  readonly kind: "map";
  readonly out: number;
  readonly shape: readonly number[];
  readonly inputs: readonly View[];
  readonly expr: ScalarExpr;
  readonly dest?: Dest;
  /**
   * More outputs over the same index space and inputs, each written whole in row-major order
   * (multi-output fusion, merge-maps.ts; never with `dest`). Nodes shared between the
   * expressions (the same object) are computed once per element.
   */
  readonly more?: readonly { readonly out: number; readonly expr: ScalarExpr }[];
}

/** Every (output, expression) pair of a map step. */
export function mapOutputs(s: MapStep): { readonly out: number; readonly expr: ScalarExpr }[] {
  return [{ out: s.out, expr: s.expr }, ...(s.more ?? [])];
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

/** An operand of a whole-buffer step: a buffer, or a literal scalar. */
export type Operand = number | { readonly literal: number; readonly dtype: DType; readonly weak: boolean };

/** An equation the backend runs with the primitive's reference kernel (on whole buffers). */
export interface CallStep {
  readonly kind: "call";
  readonly eqn: Eqn;
  readonly inputs: readonly Operand[];
  readonly outs: readonly number[];
}

/** Steps scheduled from a sub-IR (a loop body, a branch), and where they leave its outputs. */
export interface Block {
  readonly steps: readonly Step[];
  readonly results: readonly Output[];
}

/**
 * A loop compiled inline (a `"loop"` lowering). The carry lives in `outs[0..numCarry)`, which
 * start as copies of `init` and are the final carry after the loop. Each iteration (a counted
 * loop: i = 0 … length − 1, or length − 1 … 0 when reversed; a while loop: while `cond`'s
 * result holds) copies row i of each `xs[k].src` into `xs[k].row`, runs `body`, copies its y
 * results into row i of `outs[numCarry + k]`, then its carry results into the carry buffers.
 * The scheduler guarantees that no carry result is another carry's buffer, so those copies never
 * read a carry that the same copies already overwrote. Backends without a loop form run `eqn`
 * on the whole buffers instead (`inputs` → `outs`), as for a call step.
 */
export interface LoopStep {
  readonly kind: "loop";
  readonly eqn: Eqn;
  readonly inputs: readonly Operand[];
  readonly outs: readonly number[];
  readonly numCarry: number;
  readonly init: readonly Operand[];
  readonly trip:
    | { readonly kind: "count"; readonly length: number; readonly reverse: boolean }
    | { readonly kind: "while"; readonly cond: Block };
  readonly xs: readonly { readonly src: number; readonly row: number }[];
  readonly body: Block;
}

/**
 * A conditional compiled inline (a `"branch"` lowering): the integer scalar `index`, clamped to
 * [0, branches.length − 1], picks the block that runs; its results are copied into `outs`.
 * Backends without a branch form run `eqn` on the whole buffers, as for a call step.
 */
export interface BranchStep {
  readonly kind: "branch";
  readonly eqn: Eqn;
  readonly inputs: readonly Operand[];
  readonly outs: readonly number[];
  readonly index: Operand;
  readonly branches: readonly Block[];
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

export type Step = MapStep | ReduceStep | CallStep | ContractStep | LoopStep | BranchStep;

/** Every step of `steps`, including those nested in loop bodies and branches (pre-order). */
export function* allSteps(steps: readonly Step[]): Generator<Step> {
  for (const s of steps) {
    yield s;
    if (s.kind === "loop") {
      if (s.trip.kind === "while") yield* allSteps(s.trip.cond.steps);
      yield* allSteps(s.body.steps);
    } else if (s.kind === "branch") for (const b of s.branches) yield* allSteps(b.steps);
  }
}

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
