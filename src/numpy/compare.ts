/** Comparing arrays' values: allclose, isclose, arrayEqual (eager helpers for tests and checks). */
import type { Array, ArrayLike } from "../core/array.js";
import { isFloat } from "../core/dtype.js";
import { broadcastShapes } from "../core/shape.js";
import { asArray } from "./coerce.js";
import { abs, add, equal, isfinite, isnan, lessEqual, logicalAnd, logicalOr, multiply, subtract, where } from "./math.js";
import { astype, broadcastTo } from "./shape-ops.js";

export interface CloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

/** Elementwise |a - b| <= atol + rtol·|b| (NumPy's definition), as a bool array. */
export function isclose(a: ArrayLike, b: ArrayLike, opts: CloseOptions = {}): Array {
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-8;
  let x = asArray("isclose", a);
  let y = asArray("isclose", b);
  if (!isFloat(x.dtype)) x = astype(x, "float64");
  if (!isFloat(y.dtype)) y = astype(y, "float64");
  if (x.dtype !== y.dtype) {
    x = astype(x, "float64");
    y = astype(y, "float64");
  }
  const close = lessEqual(abs(subtract(x, y)), add(atol, multiply(rtol, abs(y))));
  // Infinities are close only to themselves.
  const finite = logicalAnd(isfinite(x), isfinite(y));
  const same = where(finite, close, equal(x, y));
  return opts.equalNan ? logicalOr(same, logicalAnd(isnan(x), isnan(y))) : same;
}

/** True when every element is close (shapes must broadcast). */
export function allclose(a: ArrayLike, b: ArrayLike, opts: CloseOptions = {}): boolean {
  const x = asArray("allclose", a);
  const y = asArray("allclose", b);
  broadcastShapes("allclose", x.shape, y.shape);
  const c = isclose(x, y, opts).data();
  for (let i = 0; i < c.length; i++) if (!c[i]) return false;
  return true;
}

/** True when shapes are equal and every element is equal. */
export function arrayEqual(a: ArrayLike, b: ArrayLike): boolean {
  const x = asArray("arrayEqual", a);
  const y = asArray("arrayEqual", b);
  if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) return false;
  const e = equal(x, broadcastTo(y, x.shape)).data();
  for (let i = 0; i < e.length; i++) if (!e[i]) return false;
  return true;
}
