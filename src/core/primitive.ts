import type { OnnxRule } from "../export/onnx/types.js";
import type { Ir } from "../ir/ir.js";
import type { Array, ConcreteArray } from "./array.js";
import type { ShapedArray } from "./aval.js";
import type { DType } from "./dtype.js";
import type { ScalarExpr } from "./scalar.js";

/**
 * Static metadata of one application of a primitive (axes, shapes, sub-IRs…). Readonly and
 * printed in IR listings. (jit's cache key is the input signature, not the params: params are
 * fixed by tracing.)
 */
export type Params = Readonly<Record<string, unknown>>;

/** Runs an IR on concrete values: the reference evaluator, or a backend's compiled programs. */
export interface IrEvaluator {
  run(ir: Ir, args: readonly ConcreteArray[]): ConcreteArray[];
}

/**
 * Runs one sub-IR for a primitive's `enter` rule and returns its outputs; `where` names the run
 * ("scan step 7", "whileLoop iteration 2", "cond branch 1", "jit(f)"). The caller decides how
 * (debugNans checks every equation and stops at the first that makes a NaN).
 */
export type SubIrRunner = (ir: Ir, args: readonly ConcreteArray[], where: string) => ConcreteArray[];

/** A symbolic zero tangent or cotangent: known to be zero, never materialised. */
export class Zero {
  // Brand: keeps Zero nominal (an Array also has an `aval`).
  readonly #zero = true;
  constructor(readonly aval: ShapedArray) {}
}

/** A tangent or cotangent: an array, or a symbolic zero. */
export type Tangent = Array | Zero;

/** In a transpose rule, marks the linear input whose cotangent is being computed. */
export class UndefPrimal {
  readonly #undef = true;
  constructor(readonly aval: ShapedArray) {}
}

/** The batch dimension of a value under vmap, or `null` when the value is not batched. */
export type BDim = number | null;

/**
 * How the compiler lowers the primitive: a backend-neutral description, never backend source.
 * Elementwise primitives give a scalar expression (`core/scalar.ts`) of the output element over
 * the operands' elements, which every backend compiles and fuses and from which the eager
 * kernels are generated too; "kernel" primitives run their reference kernel; higher-order
 * primitives describe their control flow ("loop", "branch"), which the compiler schedules inline,
 * or are calls.
 */
export type Lowering =
  | { readonly kind: "elementwise"; readonly scalar: (params: Params, ...xs: ScalarExpr[]) => ScalarExpr }
  | { readonly kind: "kernel" }
  | { readonly kind: "call" }
  /** A call whose body the compiler splices into the caller (jit_call). */
  | { readonly kind: "inline"; readonly body: (params: Params) => Ir }
  /**
   * A movement whose output reads its input through an affine index map (broadcast, transpose,
   * slice, rev): fused kernels fold it into their loads and never move data.
   */
  | {
      readonly kind: "view";
      readonly map: (inShape: readonly number[], outShape: readonly number[], params: Params) => AffineMap;
    }
  /** The same elements in row-major order under a new shape. */
  | { readonly kind: "reshape" }
  /** A contraction (dot_general): the dims contracted and batched, per operand. */
  | {
      readonly kind: "contract";
      readonly dims: (params: Params) => {
        readonly contracting: readonly [readonly number[], readonly number[]];
        readonly batch: readonly [readonly number[], readonly number[]];
      };
    }
  /** A reduction of `axes` with `op` (accumulated in float64, as the reference kernel does). */
  | { readonly kind: "reduce"; readonly op: ReduceOp; readonly axes: (params: Params) => readonly number[] }
  /**
   * An output assembled from whole operands placed at strided positions over an optional fill
   * (concatenate, pad): fused kernels write each piece straight into its region of the output.
   */
  | {
      readonly kind: "assemble";
      readonly pieces: (inShapes: readonly (readonly number[])[], outShape: readonly number[], params: Params) => Assembly;
    }
  /** A loop (scan, while) whose body the compiler schedules inline, inside the same program. */
  | { readonly kind: "loop"; readonly loop: (params: Params) => LoopLowering }
  /**
   * A conditional: operand 0 is an integer scalar index, clamped to [0, n − 1], that picks one of
   * `branches` (IRs over the remaining operands, all with the same outputs).
   */
  | { readonly kind: "branch"; readonly branches: (params: Params) => readonly Ir[] };

/**
 * How an "assemble" output is made: every element starts as `fill` (null when the pieces cover
 * the whole output), then operand `input` is written whole at out[start + step·i] for each of
 * its indices i.
 */
export interface Assembly {
  readonly fill: number | null;
  readonly pieces: readonly {
    readonly input: number;
    readonly start: readonly number[];
    readonly step: readonly number[];
  }[];
}

/**
 * A loop, as the compiler sees it. Operands are `[...consts, ...carry, ...xs]` and outputs
 * `[...final carry, ...ys]` (each y stacked along a new leading axis of length `trip.length`).
 * Each iteration runs `body` on `[...consts at bodyConsts, ...carry, ...row i of each x]` and gets
 * `[...next carry, ...row i of each y]`. A counted loop runs `length` iterations (i from
 * length − 1 down to 0 when `reverse`); a while loop has no xs or ys and runs while `cond` on
 * `[...consts at condConsts, ...carry]` returns true.
 */
export interface LoopLowering {
  readonly numConsts: number;
  readonly numCarry: number;
  readonly body: Ir;
  readonly bodyConsts: readonly number[];
  readonly trip:
    | { readonly kind: "count"; readonly length: number; readonly reverse: boolean }
    | { readonly kind: "while"; readonly cond: Ir; readonly condConsts: readonly number[] };
}

/** The combining operation of a reduction. */
export type ReduceOp = "sum" | "max" | "min" | "prod";

/**
 * An index map from an output index to an input index: `in[j] = offset[j] + Σ_d coef[j][d]·out[d]`.
 */
export interface AffineMap {
  readonly offset: readonly number[];
  readonly coef: readonly (readonly number[])[];
}

/**
 * What a primitive's partial-evaluation rule may do with the values it is given: ask which are
 * known, read known values, and stage an equation over known and unknown values.
 */
export interface PartialEvaluator {
  /** The known value behind `x`, or null when `x` is unknown (to be staged). */
  knownValue(x: Array): Array | null;
  /** Stage one equation; known inputs become constants of the staged IR. */
  stage(prim: Primitive, ins: readonly Array[], params: Params, outAvals: readonly ShapedArray[]): Array[];
  /** Bring a known value (computed now) into the partial evaluation. */
  known(x: Array): Array;
}

/** Every rule of one primitive, declared in one record. */
export interface PrimitiveRules<P extends Params = Params> {
  /** Output shapes/dtypes, or a typed error naming the operation and the bad inputs. */
  abstractEval(avals: readonly ShapedArray[], params: P): ShapedArray[];
  /**
   * The reference kernel: defines the primitive's meaning. Higher-order primitives run their
   * sub-IRs with `evaluator` when given (a compiled backend passes its own, so loop bodies and
   * branches run compiled), else with the reference evaluator.
   */
  impl(args: readonly ConcreteArray[], params: P, evaluator?: IrEvaluator): ConcreteArray[];
  /** Forward-mode rule, written with primitives. Tangents may be symbolic zeros. */
  jvp(primals: readonly Array[], tangents: readonly Tangent[], params: P): [Array[], Tangent[]];
  /**
   * Linear primitives only (null otherwise): cotangents of the inputs marked `UndefPrimal`,
   * given the output cotangents; `null` for the other inputs.
   */
  transpose: ((cts: readonly Tangent[], args: readonly (Array | UndefPrimal)[], params: P) => (Tangent | null)[]) | null;
  /** vmap rule: outputs and their batch dimensions, written with primitives. */
  batch(args: readonly Array[], dims: readonly BDim[], params: P): [Array[], BDim[]];
  lower: Lowering;
  /**
   * How the primitive exports to ONNX (`exportOnnx`, subpath `axle/onnx`): a rule writing opset-18
   * nodes, or `{ unsupported: reason }`. Every primitive declares one (a registry test checks it).
   */
  onnx?: OnnxRule<P>;
  /**
   * How outputs get their weak-type flag. "standard" (the default; JAX's standard weak-type
   * rule): an output is weak when every non-bool input is weak and of the output's dtype — so
   * `mul` of two JS numbers stays weak, a comparison or `argmax` is strong. "own": `abstractEval`
   * sets the flag itself (conversions, and call primitives, whose outputs are their bodies'), and
   * so must the reference kernel (`impl`).
   */
  weakType?: "standard" | "own";
  /**
   * Primitives that hold sub-IRs (calls, branches, loops): compute the outputs as `impl` does,
   * but run every sub-IR through `run`, one run per step (each loop iteration, the branch taken,
   * the called IR), naming it. Tools that re-run a program equation by equation enter the
   * primitive with it instead of knowing its params: debugNans finds the equation inside a
   * loop body, and the step, that produced a NaN.
   */
  enter?: (args: readonly ConcreteArray[], params: P, run: SubIrRunner) => ConcreteArray[];
  /**
   * Higher-order primitives only: expand the call into its body (evaluating sub-IRs). Partial
   * evaluation uses it, so the known part of a call runs at once and only the unknown (linear)
   * part is staged for transposition.
   */
  inline?: (args: readonly Array[], params: P) => Array[];
  /**
   * Higher-order primitives only: split a call with some unknown inputs into a call that runs
   * now on the known inputs (producing residuals) and a staged call on residuals and unknowns.
   * Takes precedence over `inline`.
   */
  partialEval?: (pe: PartialEvaluator, args: readonly Array[], params: P) => Array[];
}

export interface Primitive<P extends Params = Params> extends PrimitiveRules<P> {
  readonly name: string;
}

/** JAX's standard weak-type rule for one output of dtype `out` (see `PrimitiveRules.weakType`). */
export function standardWeak(ins: readonly ShapedArray[], out: DType): boolean {
  if (out === "bool") return false;
  let any = false;
  for (const a of ins) {
    if (a.dtype === "bool") continue;
    if (!a.weakType || a.dtype !== out) return false;
    any = true;
  }
  return any;
}
