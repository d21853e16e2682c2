/** Casting the float leaves of a pytree, e.g. params to float64 before a gradient check. */
import { Array, tree } from "../index.js";
import { isFloatDtype } from "./flat.js";

export type FloatDType = "float32" | "float64";

/**
 * `tree` with every float32/float64 leaf cast to `dtype`; integer and bool leaves (labels,
 * step counts, keys) and non-array leaves are left alone.
 * @example const p64 = castTree({ w: np.ones([2, 2]), step: np.array(3, "int32") }, "float64"); // w f64, step i32
 */
export function castTree<T>(t: T, dtype: FloatDType): T {
  return tree.map((leaf: unknown) => (leaf instanceof Array && isFloatDtype(leaf.dtype) ? leaf.astype(dtype) : leaf), t) as T;
}
