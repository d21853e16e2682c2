/**
 * axle: JAX-style composable function transforms over immutable n-d arrays.
 *
 * @example
 * import { type NDArray, np, grad } from "axle";
 * const loss = (w: NDArray) => np.sum(np.square(w));
 * grad(loss)(np.array([1, 2])); // Array([2., 4.], dtype=float32)
 */
import * as np from "./numpy/index.js";
import * as tree from "./tree/index.js";

export type { CheckifyOptions } from "./compile/checkify.js";
export { checkify } from "./compile/checkify.js";
export type { Backend } from "./compile/compile.js";
export type { Compiled, JitOptions, Jitted, Lowered } from "./compile/jit.js";
export { evalShape, jit, makeIr } from "./compile/jit.js";
export { cond, switchCase } from "./control/cond.js";
export type { ScanOptions } from "./control/scan.js";
export { foriLoop, scan } from "./control/scan.js";
export { whileLoop } from "./control/while.js";
export type { ArrayLike, Axis, NestedArray, ReduceOptions } from "./core/array.js";
// NDArray is the name to import: it does not shadow the global Array (Array<number>,
// Array.isArray) in the importing module. Array is the same class, kept as an alias.
export { Array as NDArray, Array, ConcreteArray } from "./core/array.js";
export { ShapedArray } from "./core/aval.js";
export type { ConfigOptions } from "./core/config.js";
export { config, withConfig } from "./core/config.js";
export type { DType } from "./core/dtype.js";
export { promoteTypes, resultType } from "./core/dtype.js";
export {
  AxisError,
  AxleError,
  ConcretizationError,
  DeletedArrayError,
  DTypeError,
  FloatingPointError,
  LeakedTracerError,
  ShapeError,
  TransformError,
  TreeError,
  ValueError,
} from "./core/errors.js";
export type { SourceInfo } from "./core/source.js";
export * as datasets from "./datasets/index.js";
export type { DotOptions, DotUse } from "./ir/dot.js";
export { dotValues, shortValue } from "./ir/dot.js";
export type { EqnHook } from "./ir/eval.js";
export { evalIr } from "./ir/eval.js";
export type { Atom, Eqn } from "./ir/ir.js";
export { Ir, Lit, Var } from "./ir/ir.js";
export type { PrintOptions } from "./ir/print.js";
export { irNames } from "./ir/print.js";
export { checkIr, IrTypeError, typecheck } from "./ir/typecheck.js";
export * as nn from "./nn/index.js";
export { stopGradient } from "./numpy/math.js";
export * as optim from "./optim/index.js";
export type { Primitive } from "./primitives/registry.js";
export { allPrimitives } from "./primitives/registry.js";
export * as random from "./random/index.js";
export { customJvp, customVjp } from "./transforms/custom.js";
export { jvp, linearize } from "./transforms/forward.js";
export type { JacobianOptions } from "./transforms/jacobians.js";
export { hessian, jacfwd, jacrev } from "./transforms/jacobians.js";
export type { Argnums, GradOptions, GradsOf, JacobianAuxOf } from "./transforms/types.js";
export { grad, valueAndGrad, vjp } from "./transforms/vjp.js";
export type { AxisSpec, VmapOptions } from "./transforms/vmap.js";
export { vmap } from "./transforms/vmap.js";
export { np, tree };
