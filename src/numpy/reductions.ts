/** Reductions with NumPy's axis (number, list, negative allowed) and keepdims options. */
import { type Array, type ArrayLike, type Axis, ConcreteArray, fullConcrete, type ReduceOptions } from "../core/array.js";
import { allocate, type DType, isFloat } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import { normalizeAxes, normalizeAxis, sizeOf } from "../core/shape.js";
import * as P from "../primitives/elementwise.js";
import { dotGeneral } from "../primitives/linalg.js";
import { moveAxis, reshape } from "../primitives/movement.js";
import * as R from "../primitives/reduce.js";
import { asArray, asDType } from "./coerce.js";
import { stopGradient } from "./math.js";

function keep(x: Array, inShape: readonly number[], axes: readonly number[], opts?: ReduceOptions): Array {
  if (!opts?.keepdims) return x;
  return reshape(
    x,
    inShape.map((d, i) => (axes.includes(i) ? 1 : d)),
  );
}

function prep(name: string, a: ArrayLike, axis: Axis | undefined): [Array, number[]] {
  const x = asArray(name, a);
  return [x, normalizeAxes(name, axis, x.ndim)];
}

/** Integer and bool sums accumulate in int32, as in JAX. */
function sumDType(d: DType): DType {
  return d === "bool" ? "int32" : d;
}

export function sum(a: ArrayLike, axis?: Axis, opts?: ReduceOptions): Array {
  const [x, axes] = prep("sum", a, axis);
  return keep(R.reduceSum(asDType(x, sumDType(x.dtype)), axes), x.shape, axes, opts);
}

export function mean(a: ArrayLike, axis?: Axis, opts?: ReduceOptions): Array {
  const [x, axes] = prep("mean", a, axis);
  const xf = asDType(x, isFloat(x.dtype) ? x.dtype : "float32");
  const n = sizeOf(axes.map((i) => x.shape[i]));
  const s = R.reduceSum(xf, axes);
  return keep(P.div(s, asDType(n, xf.dtype)), x.shape, axes, opts);
}

export function prod(a: ArrayLike, axis?: Axis, opts?: ReduceOptions): Array {
  const [x, axes] = prep("prod", a, axis);
  return keep(R.reduceProd(asDType(x, sumDType(x.dtype)), axes), x.shape, axes, opts);
}

function extremum(name: string, f: (x: Array, axes: readonly number[]) => Array) {
  return (a: ArrayLike, axis?: Axis, opts?: ReduceOptions): Array => {
    const [x, axes] = prep(name, a, axis);
    if (axes.some((i) => x.shape[i] === 0)) {
      throw new ValueError(
        `${name}: cannot reduce over an empty axis of ${x.aval.str()}: there is no identity (no value to return). ` +
          "Reduce only non-empty axes; for data that may be empty, concatenate a neutral entry (-Infinity for max, Infinity for min) first",
      );
    }
    const xd = x.dtype === "bool" ? asDType(x, "int32") : x;
    const r = f(xd, axes);
    return keep(x.dtype === "bool" ? asDType(r, "bool") : r, x.shape, axes, opts);
  };
}
export const max = extremum("max", R.reduceMax);
export const min = extremum("min", R.reduceMin);
export const amax = max;
export const amin = min;

function argExt(name: string, f: (x: Array, axis: number) => Array) {
  return (a: ArrayLike, axis?: number, opts?: ReduceOptions): Array => {
    let x = asArray(name, a);
    if (x.dtype === "bool") x = asDType(x, "int32");
    // As in JAX (and NumPy): there is no index to return for an empty sequence.
    if (axis === undefined || axis === null) {
      if (x.size === 0)
        throw new ValueError(`${name}: attempt to get ${name} of an empty sequence (the array ${x.aval.str()} is empty)`);
      return f(reshape(x, [x.size]), 0);
    }
    const ax = normalizeAxis(name, axis, x.ndim);
    if (x.shape[ax] === 0) {
      throw new ValueError(`${name}: attempt to get ${name} of an empty sequence: axis ${ax} of ${x.aval.str()} has size 0`);
    }
    return keep(f(x, ax), x.shape, [ax], opts);
  };
}
/** Index of the largest value (first on ties), along `axis` or over the flattened array. */
export const argmax = argExt("argmax", R.argmax);
export const argmin = argExt("argmin", R.argmin);

export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: divide by N - ddof (default 0). */
  ddof?: number;
}

/**
 * Variance: Σ(x − m)² / (N − ddof) around the computed mean m, with the corrected two-pass
 * formula (Chan, Golub & LeVeque 1983): Σd² − (Σd)²/N. The mean is rounded to x's dtype, and a
 * mean off by e adds N·e² to Σd², which matters when the spread is near the rounding of the mean
 * (float32 [1, 1 + 1e-7] gave twice the variance); Σd = −N·e removes it. The clamp at 0 keeps
 * rounding from giving a negative variance (and std NaN) for constant data.
 */
export function variance(a: ArrayLike, axis?: Axis, opts?: VarOptions): Array {
  const [x, axes] = prep("var", a, axis);
  const xf = asDType(x, isFloat(x.dtype) ? x.dtype : "float32");
  const m = mean(xf, axes, { keepdims: true });
  const d = P.sub(xf, m);
  const count = sizeOf(axes.map((i) => x.shape[i]));
  const n = count - (opts?.ddof ?? 0);
  const s1 = R.reduceSum(d, axes);
  const s2 = R.reduceSum(P.mul(d, d), axes);
  const ss = P.sub(s2, P.div(P.mul(s1, s1), asDType(count, xf.dtype)));
  const zero = asDType(0, xf.dtype);
  const clamped = P.select(P.gt(ss, zero), ss, P.mul(ss, zero));
  return keep(P.div(clamped, asDType(n, xf.dtype)), x.shape, axes, opts);
}
export { variance as var };

export function std(a: ArrayLike, axis?: Axis, opts?: VarOptions): Array {
  return P.sqrt(variance(a, axis, opts));
}

/**
 * log Σ exp(x), stable: the max is subtracted first (and held constant for the gradient, which
 * is exactly softmax). Over an empty axis the sum is 0, so the result is -inf (as in JAX).
 */
export function logsumexp(a: ArrayLike, axis?: Axis, opts?: ReduceOptions): Array {
  const [x0, axes] = prep("logsumexp", a, axis);
  const x = asDType(x0, isFloat(x0.dtype) ? x0.dtype : "float32");
  const empty = axes.some((i) => x.shape[i] === 0);
  const m = empty
    ? fullConcrete(
        x.shape.filter((_, i) => !axes.includes(i)),
        x.dtype,
        -Infinity,
      )
    : R.reduceMax(x, axes);
  // An infinite max (all -inf, or +inf present) is replaced by 0 so x - max stays defined.
  const finite = stopGradient(P.select(P.isFinite(m), m, asDType(0, m.dtype)));
  const s = R.reduceSum(P.exp(P.sub(x, R.expandReduced(finite, x.shape, axes))), axes);
  const out = P.add(P.log(s), finite);
  return keep(out, x.shape, axes, opts);
}

/** Cumulative sum along an axis, as a product with a triangular matrix (so it is linear). */
export function cumsum(a: ArrayLike, axis = -1): Array {
  const x = asArray("cumsum", a);
  const ax = normalizeAxis("cumsum", axis, x.ndim);
  const n = x.shape[ax];
  const xs = asDType(x, sumDType(x.dtype));
  // out[..., i] = Σ_j x[..., j] · tri[j, i] with tri[j, i] = [j <= i]
  const tri = allocate(xs.dtype, n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) tri[j * n + i] = 1;
  const last = moveAxis(xs, ax, x.ndim - 1);
  const out = dotGeneral(last, new ConcreteArray([n, n], xs.dtype, tri), { contracting: [[x.ndim - 1], [0]], batch: [[], []] });
  return moveAxis(out, x.ndim - 1, ax);
}
