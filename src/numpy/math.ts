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
/**
 * Division rounding toward -inf (for integers, like Python's //). Integers are divided exactly
 * (truncating, then one less where the remainder's sign differs from the divisor's, as in JAX;
 * INT32_MIN // -1 wraps to INT32_MIN as in NumPy and JAX). Integer division by zero gives 0, as in
 * NumPy (JAX leaves it implementation-defined).
 */
export function floorDivide(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promoteNumeric("floorDivide", a, b);
  if (isFloat(x.dtype)) return P.floor(P.div(x, y));
  const q = P.div(x, y); // the int div primitive truncates and gives 0 for a zero divisor
  if (x.dtype === "uint32") return q;
  const zero = asDType(0, x.dtype);
  const r = P.rem(x, y);
  const down = P.and(P.ne(r, zero), P.ne(P.lt(r, zero), P.lt(y, zero)));
  return P.select(P.eq(y, zero), zero, P.select(down, P.sub(q, asDType(1, x.dtype)), q));
}

/** Promote as NumPy does for remainders: bool operands count as int32. */
function promoteNumeric(name: string, a: ArrayLike, b: ArrayLike): Array[] {
  const [x, y] = promote(name, a, b);
  return x.dtype === "bool" ? [asDType(x, "int32"), asDType(y, "int32")] : [x, y];
}

/** For integer operands a zero divisor is replaced by 1 (so the remainder is 0), as in JAX. */
function safeDivisor(y: Array): Array {
  if (isFloat(y.dtype)) return y;
  return P.select(P.eq(y, asDType(0, y.dtype)), asDType(1, y.dtype), y);
}

/**
 * The remainder with the sign of the divisor (Python's `%`, NumPy's `remainder`/`mod`):
 * x - y·floor(x/y). Built as JAX builds it from `rem` (C's fmod): add y where the truncated
 * remainder is non-zero and its sign differs from y's. A float divisor of 0 gives NaN; an
 * integer one gives 0 (as in JAX). The gradient is 1 for x and -floor(x/y) for y.
 * @example np.remainder(np.array([-3, 3]), 2) // [1, 1]
 */
export function remainder(a: ArrayLike, b: ArrayLike): Array {
  const [x, y0] = promoteNumeric("remainder", a, b);
  const y = safeDivisor(y0);
  const zero = asDType(0, x.dtype);
  const r = P.rem(x, y);
  const signsDiffer = P.ne(P.lt(r, zero), P.lt(y, zero));
  return P.select(P.and(signsDiffer, P.ne(r, zero)), P.add(r, y), r);
}
/** Alias of `remainder` (NumPy's `mod`). */
export const mod = remainder;

/**
 * C's fmod (NumPy's `fmod`): x - y·trunc(x/y), with the sign of the dividend. A float divisor
 * of 0 gives NaN; an integer one gives 0 (as in JAX).
 * @example np.fmod(np.array([-3, 3]), 2) // [-1, 1]
 */
export function fmod(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promoteNumeric("fmod", a, b);
  return P.rem(x, safeDivisor(y));
}

/**
 * log(exp(a) + exp(b)) without overflow. With m the larger input (held constant, as in
 * logsumexp) it is m + log1p(expm1(a - m) + exp(b - m)) when a is the larger, and the mirror
 * image otherwise: exact identities, accurate (expm1(0) = 0, so a tiny exp(b - m) keeps its
 * digits), and smooth, so derivatives of every order are the softmax weights exp(a - out),
 * exp(b - out), ties included. When the larger input is +inf (or both are -inf) the result is
 * that input, with the gradient of max: (+inf, 1) gives (1, 0), two equal infinities (1/2, 1/2).
 * @example np.logaddexp(np.log(2), np.log(3)) // log(5)
 */
export function logaddexp(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promoteFloat("logaddexp", a, b);
  const zero = asDType(0, x.dtype);
  const hi = P.max(x, y);
  const finite = P.isFinite(hi);
  // Non-finite cases take `hi`; the masked inputs keep NaN out of the other branch's gradient.
  const m = stopGradient(P.select(finite, hi, zero));
  const xs = P.select(finite, x, zero);
  const ys = P.select(finite, y, zero);
  const side = (u: Array, v: Array) => P.add(m, P.log1p(P.add(P.expm1(P.sub(u, m)), P.exp(P.sub(v, m)))));
  return P.select(finite, P.select(P.ge(xs, ys), side(xs, ys), side(ys, xs)), hi);
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
