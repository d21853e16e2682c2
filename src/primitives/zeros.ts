import type { Array } from "../core/array.js";
import { fullConcrete } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type Tangent, Zero } from "../core/primitive.js";
import { broadcastInDim } from "./movement.js";

/** A zero array of `aval`'s shape and dtype, built as a broadcast scalar (cheap in IR). */
export function zerosOf(aval: ShapedArray): Array {
  const z = fullConcrete([], aval.dtype, 0);
  return aval.ndim === 0 ? z : broadcastInDim(z, aval.shape, []);
}

/** A symbolic zero made real, or the tangent itself. */
export function instantiate(t: Tangent): Array {
  return t instanceof Zero ? zerosOf(t.aval) : t;
}

/** Sum of two tangents, keeping symbolic zeros symbolic. */
export function addTangents(a: Tangent, b: Tangent, add: (x: Array, y: Array) => Array): Tangent {
  if (a instanceof Zero) return b;
  if (b instanceof Zero) return a;
  return add(a, b);
}
