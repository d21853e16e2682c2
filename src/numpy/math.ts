/** Elementwise np functions: NumPy names, broadcasting, JAX-style promotion with weak scalars. */
import { Array, type ArrayLike } from "../core/array.js";
import { isFloat } from "../core/dtype.js";
import type { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import * as P from "../primitives/elementwise.js";
import * as tree from "../tree/index.js";
import { asArray, asDType, promote, promotedDType, promoteFloat } from "./coerce.js";

const binary =
  (name: string, p: Primitive) =>
  (a: ArrayLike, b: ArrayLike): Array => {
    const [x, y] = promote(name, a, b);
    return bind1(p, [x, y]);
  };
const floatUnary =
  (name: string, p: Primitive) =>
  (a: ArrayLike): Array =>
    bind1(p, promoteFloat(name, a));
const numericUnary =
  (name: string, p: Primitive) =>
  (a: ArrayLike): Array => {
    const x = asArray(name, a);
    return bind1(p, [x.dtype === "bool" ? asDType(x, "int32") : x]);
  };

const addNumeric = binary("add", P.addP);
const mulNumeric = binary("multiply", P.mulP);

/** a + b, broadcasting. On two bool operands it is logical or, as in NumPy and JAX. */
export function add(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("add", a, b);
  return x.dtype === "bool" ? P.or(x, y) : addNumeric(x, y);
}
/** a - b, broadcasting. */
export const subtract = binary("subtract", P.subP);
/** a * b, broadcasting. On two bool operands it is logical and, as in NumPy and JAX. */
export function multiply(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("multiply", a, b);
  return x.dtype === "bool" ? P.and(x, y) : mulNumeric(x, y);
}
/** True division: integer inputs give float32, as in JAX (NumPy gives float64). */
export function divide(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promoteFloat("divide", a, b);
  return P.div(x, y);
}
/** Division rounding toward -inf (for integers, like Python's //). */
export function floorDivide(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("floorDivide", a, b);
  if (isFloat(x.dtype)) return P.floor(P.div(x, y));
  const q = P.floor(P.div(asDType(x, "float64"), asDType(y, "float64")));
  return asDType(q, x.dtype);
}
/**
 * a ** b. A JS integer exponent is static, as a Python int is in JAX: it goes through
 * `integer_pow` (repeated multiplication in `a`'s dtype), whose derivative n·x^(n-1) is exact at
 * x = 0 (0 for n = 0). Integer bases wrap exactly as int32/uint32 multiplication does, and
 * cannot take a negative JS exponent (cast to float first).
 */
export function power(a: ArrayLike, b: ArrayLike): Array {
  if (typeof b === "number" && Number.isSafeInteger(b)) {
    const x = asArray("power", a);
    return P.integerPow(x.dtype === "bool" ? asDType(x, "int32") : x, b);
  }
  const [x, y] = promote("power", a, b);
  return P.pow(x, y);
}
export const maximum = binary("maximum", P.maxP);
export const minimum = binary("minimum", P.minP);
export const equal = binary("equal", P.eqP);
export const notEqual = binary("notEqual", P.neP);
export const less = binary("less", P.ltP);
export const lessEqual = binary("lessEqual", P.leP);
export const greater = binary("greater", P.gtP);
export const greaterEqual = binary("greaterEqual", P.geP);

const toBool = (name: string, a: ArrayLike): Array => {
  const x = asArray(name, a);
  return x.dtype === "bool" ? x : P.ne(x, asDType(0, x.dtype));
};
export function logicalAnd(a: ArrayLike, b: ArrayLike): Array {
  return P.and(toBool("logicalAnd", a), toBool("logicalAnd", b));
}
export function logicalOr(a: ArrayLike, b: ArrayLike): Array {
  return P.or(toBool("logicalOr", a), toBool("logicalOr", b));
}
export function logicalNot(a: ArrayLike): Array {
  return P.not(toBool("logicalNot", a));
}
export function logicalXor(a: ArrayLike, b: ArrayLike): Array {
  return P.ne(toBool("logicalXor", a), toBool("logicalXor", b));
}

export const negative = numericUnary("negative", P.negP);
export const abs = numericUnary("abs", P.absP);
export const absolute = abs;
export const sign = numericUnary("sign", P.signP);
export const exp = floatUnary("exp", P.expP);
export const log = floatUnary("log", P.logP);
export const log1p = floatUnary("log1p", P.log1pP);
export const expm1 = floatUnary("expm1", P.expm1P);
export const sqrt = floatUnary("sqrt", P.sqrtP);
export const rsqrt = floatUnary("rsqrt", P.rsqrtP);
export const sin = floatUnary("sin", P.sinP);
export const cos = floatUnary("cos", P.cosP);
export const tan = floatUnary("tan", P.tanP);
export const tanh = floatUnary("tanh", P.tanhP);
/** The logistic sigmoid 1 / (1 + e^-x). */
export const sigmoid = floatUnary("sigmoid", P.logisticP);

/** log2(x) = log(x) / log(2). */
export function log2(a: ArrayLike): Array {
  const x = log(a);
  return P.mul(x, asDType(1 / Math.LN2, x.dtype));
}
export function log10(a: ArrayLike): Array {
  const x = log(a);
  return P.mul(x, asDType(1 / Math.LN10, x.dtype));
}
/** x²: written as x·x so its derivative is 2x·dx. */
export function square(a: ArrayLike): Array {
  const x = asArray("square", a);
  return P.mul(x, x);
}
export function reciprocal(a: ArrayLike): Array {
  const [x] = promoteFloat("reciprocal", a);
  return P.div(asDType(1, x.dtype), x);
}
const roundLike =
  (name: string, p: Primitive) =>
  (a: ArrayLike): Array => {
    const x = asArray(name, a);
    return isFloat(x.dtype) ? bind1(p, [x]) : x;
  };
export const floor = roundLike("floor", P.floorP);
export const ceil = roundLike("ceil", P.ceilP);
export const round = roundLike("round", P.roundP);
export function isfinite(a: ArrayLike): Array {
  const x = asArray("isfinite", a);
  return isFloat(x.dtype) ? P.isFinite(x) : P.eq(x, x);
}
export function isnan(a: ArrayLike): Array {
  const x = asArray("isnan", a);
  return P.ne(x, x);
}
export function isinf(a: ArrayLike): Array {
  const x = asArray("isinf", a);
  if (!isFloat(x.dtype)) return P.ne(x, x);
  return P.and(P.not(P.isFinite(x)), P.eq(x, x));
}

/** Elementwise choice: `x` where `cond` is true, `y` elsewhere (all three broadcast). */
export function where(cond: ArrayLike, x: ArrayLike, y: ArrayLike): Array {
  const c = toBool("where", cond);
  const [a, b] = promote("where", x, y);
  return P.select(c, a, b);
}

/** Limit values to [lo, hi] (either may be null). Gradient is 1 inside, 0 outside. */
export function clip(a: ArrayLike, lo: ArrayLike | null, hi: ArrayLike | null): Array {
  const d = promotedDType("clip", [a, ...(lo === null ? [] : [lo]), ...(hi === null ? [] : [hi])]);
  let x = asDType(a, d);
  if (lo !== null) x = P.max(x, asDType(lo, d));
  if (hi !== null) x = P.min(x, asDType(hi, d));
  return x;
}

/**
 * Stop gradients flowing through `x`, an array or a pytree of arrays (its value is unchanged).
 * As in JAX, only float leaves are marked; integer and bool arrays and non-array leaves (JS
 * numbers, strings…) have no derivative and are returned as they are.
 * @example stopGradient({ w: np.ones([2]), step: 3 }) // same structure and values
 */
export function stopGradient<T>(x: T): T {
  if (x instanceof Array) return stopLeaf(x) as T;
  return tree.map((leaf: unknown) => (leaf instanceof Array ? stopLeaf(leaf) : leaf), x) as T;
}

function stopLeaf(x: Array): Array {
  return isFloat(x.dtype) ? bind1(P.stopGradientP, [x]) : x;
}
