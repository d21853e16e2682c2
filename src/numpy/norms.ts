/**
 * The `np.linalg` namespace: vector and matrix norms (composites of reductions, so every
 * transform applies). Matrix norms that need singular values ("nuc", 2, -2) are not provided.
 */
import type { Array, ArrayLike, Axis, ReduceOptions } from "../core/array.js";
import { fullConcrete } from "../core/array.js";
import { isFloat } from "../core/dtype.js";
import { AxisError, ValueError } from "../core/errors.js";
import { normalizeAxis, range } from "../core/shape.js";
import { asArray, asDType } from "./coerce.js";
import { abs, multiply, notEqual, power, sqrt } from "./math.js";
import { max, min, sum } from "./reductions.js";

/** The `ord` of `norm`: a number (including ±Infinity) or "fro" (the Frobenius norm of a matrix). */
export type NormOrd = number | "fro";

/** max over `axis`, or 0 when the axis is empty (JAX's `initial=0`: a norm of nothing is 0). */
function maxOrZero(x: Array, axis: number, opts: ReduceOptions): Array {
  if (x.shape[axis] > 0) return max(x, axis, opts);
  const shape = x.shape.map((d, i) => (i === axis ? 1 : d)).filter((_, i) => opts.keepdims || i !== axis);
  return fullConcrete(shape, x.dtype, 0);
}

function sqrtSumSquares(x: Array, axes: readonly number[] | undefined, opts: ReduceOptions): Array {
  return sqrt(sum(multiply(x, x), axes, opts));
}

function vectorNorm(x: Array, ord: NormOrd | null, axis: number, opts: ReduceOptions): Array {
  if (ord === null || ord === 2) return sqrtSumSquares(x, [axis], opts);
  if (ord === Infinity) return maxOrZero(abs(x), axis, opts);
  if (ord === -Infinity) return min(abs(x), axis, opts);
  if (ord === 0) return asDType(sum(notEqual(x, 0), axis, opts), x.dtype);
  if (ord === 1) return sum(abs(x), axis, opts);
  if (typeof ord !== "number" || Number.isNaN(ord)) {
    throw new ValueError(`linalg.norm: invalid order ${JSON.stringify(ord)} for a vector norm; use a number or ±Infinity`);
  }
  return power(sum(power(abs(x), ord), axis, opts), 1 / ord);
}

function matrixNorm(x: Array, ord: NormOrd | null, [row, col]: readonly number[], opts: ReduceOptions): Array {
  if (ord === null || ord === "fro") return sqrtSumSquares(x, [row, col], opts);
  const keep = opts.keepdims === true;
  // Sum |x| over one axis, then take the extremum over the other (shifted when the first is gone).
  const sumThenExt = (over: number, ext: number, useMax: boolean): Array => {
    const s = sum(abs(x), over, opts);
    const e = !keep && ext > over ? ext - 1 : ext;
    return useMax ? maxOrZero(s, e, opts) : min(s, e, opts);
  };
  switch (ord) {
    case 1:
      return sumThenExt(row, col, true);
    case -1:
      return sumThenExt(row, col, false);
    case Infinity:
      return sumThenExt(col, row, true);
    case -Infinity:
      return sumThenExt(col, row, false);
    case 2:
    case -2:
      throw new ValueError(`linalg.norm: the matrix ${ord}-norm needs singular values, which axle does not compute`);
    default:
      throw new ValueError(
        `linalg.norm: invalid order ${JSON.stringify(ord)} for a matrix norm; use "fro", 1, -1, Infinity or -Infinity`,
      );
  }
}

/**
 * The norm of a vector or a matrix, as NumPy's and JAX's `linalg.norm`. `axis` picks a vector
 * norm (one axis) or a matrix norm (two axes); by default every axis, and with `ord` omitted
 * that is the 2-norm of the flattened array whatever its rank.
 *
 * - vector: `ord` 2 (default) √Σx², 1 Σ|x|, Infinity max|x|, -Infinity min|x|, 0 the number of
 *   non-zeros, any other p (Σ|x|^p)^(1/p);
 * - matrix: "fro" (default) √Σx², 1 the largest column sum of |x|, -1 the smallest, Infinity
 *   the largest row sum, -Infinity the smallest.
 *
 * Integer inputs give float32. As in JAX, the gradient of the 2-norm at the zero vector is NaN
 * (x / ‖x‖ = 0/0); differentiate `np.sum(np.square(x))` or add an epsilon under the root there.
 * @example np.linalg.norm(np.array([3, 4])) // 5
 * @example np.linalg.norm(np.array([[1, -2], [3, 4]]), 1) // 6
 */
export function norm(a: ArrayLike, ord: NormOrd | null = null, axis?: Axis, opts: ReduceOptions = {}): Array {
  const x0 = asArray("linalg.norm", a);
  const x = isFloat(x0.dtype) ? x0 : asDType(x0, "float32");
  if ((axis === undefined || axis === null) && ord === null) return sqrtSumSquares(x, undefined, opts);
  // Not normalizeAxes: the order of a matrix norm's two axes matters (rows, then columns).
  const axes =
    axis === undefined || axis === null
      ? range(x.ndim)
      : (typeof axis === "number" ? [axis] : [...axis]).map((i) => normalizeAxis("linalg.norm", i, x.ndim));
  if (new Set(axes).size !== axes.length) {
    throw new AxisError(`linalg.norm: axis ${JSON.stringify(axis)} repeats an axis of ${x.aval.str()}`);
  }
  if (axes.length === 1) {
    if (ord === "fro") throw new ValueError('linalg.norm: "fro" is a matrix norm; pass two axes (or a 2-D array)');
    return vectorNorm(x, ord, axes[0], opts);
  }
  if (axes.length === 2) return matrixNorm(x, ord, axes, opts);
  throw new ValueError(
    `linalg.norm: ${axes.length} axes of ${x.aval.str()} given with ord=${String(ord)}; pass one axis for a vector norm ` +
      "or two for a matrix norm (or omit ord for the 2-norm of all elements)",
  );
}
