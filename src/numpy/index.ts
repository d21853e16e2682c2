/**
 * The `np` namespace: NumPy's names over axle arrays. Every function here is a composite of
 * primitives, so each works under every transform.
 */
import { installArrayMethods } from "../core/array.js";
import { dot, matmul } from "./linalg.js";
import {
  abs as absF,
  add,
  clip,
  divide,
  equal,
  exp,
  greater,
  greaterEqual,
  less,
  lessEqual,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  maximum,
  minimum,
  multiply,
  negative,
  notEqual,
  power,
  sqrt,
  square,
  subtract,
  tanh,
} from "./math.js";
import { argmax, argmin, max, mean, min, prod, std, sum, variance } from "./reductions.js";
import { astype, broadcastTo, expandDims, reshape, squeeze, take, transpose } from "./shape-ops.js";

export type { DType } from "../core/dtype.js";
export { allclose, arrayEqual, isclose } from "./compare.js";
export * from "./creation.js";
export * from "./linalg.js";
export * from "./math.js";
export * as linalg from "./norms.js";
export * from "./reductions.js";
export * from "./shape-ops.js";

installArrayMethods({
  add,
  subtract,
  multiply,
  divide,
  power,
  maximum,
  minimum,
  equal,
  notEqual,
  less,
  lessEqual,
  greater,
  greaterEqual,
  logicalAnd,
  logicalOr,
  logicalNot,
  negative,
  abs: absF,
  exp,
  log,
  sqrt,
  square,
  tanh,
  matmul,
  dot,
  sum,
  mean,
  prod,
  max,
  min,
  var: variance,
  std,
  argmax,
  argmin,
  reshape,
  transpose,
  expandDims,
  squeeze,
  astype,
  clip,
  take,
  broadcastTo,
});
