/**
 * Keys and raw bits. A key is a uint32[2] array; bits come from Threefry-2x32 applied to the
 * key and a counter (the element's row-major index), so they are a pure function of the key:
 * identical eagerly, under jit and under vmap. The counter layout follows JAX's
 * `jax_threefry_partitionable` mode (its default since JAX 0.5).
 */
import { Array, ConcreteArray } from "../core/array.js";
import { DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { checkShape, type Shape, sizeOf } from "../core/shape.js";
import { scalar } from "../primitives/elementwise.js";
import { reshape, slice } from "../primitives/movement.js";
import { bitwiseXor, threefry2x32 } from "../primitives/random-bits.js";

/** A PRNG key: a uint32 array of shape [2], from `random.key(seed)`. */
export type Key = Array;

const KEY_HINT = "a PRNG key, i.e. a uint32[2] array from random.key(seed) or random.split(key)";

/** Throw a typed error naming the expected uint32[2] unless `key` is a key. */
export function checkKey(op: string, key: unknown): Key {
  if (!(key instanceof Array)) {
    throw new ValueError(`random.${op}: expected ${KEY_HINT}, got ${globalThis.Array.isArray(key) ? "a JS array" : typeof key}`);
  }
  if (key.dtype !== "uint32") {
    throw new DTypeError(`random.${op}: expected ${KEY_HINT}, got ${key.aval.str()} (dtype ${key.dtype})`);
  }
  if (key.ndim !== 1 || key.shape[0] !== 2) {
    const hint =
      key.ndim === 2 && key.shape[1] === 2
        ? "; this looks like a stack of keys: pick one with np.take(keys, i, 0), or map over them with vmap"
        : "";
    throw new ShapeError(`random.${op}: expected ${KEY_HINT}, got ${key.aval.str()}${hint}`);
  }
  return key;
}

/** The two words of a key, as uint32 scalars. */
export function keyWords(key: Key): [Array, Array] {
  return [reshape(slice(key, [0], [1]), []), reshape(slice(key, [1], [2]), [])];
}

/** Row-major element indices of `shape` as uint32 (the low counter word). */
function iota(shape: Shape): Array {
  const n = sizeOf(shape);
  if (n > 0xffffffff) throw new ValueError(`random: cannot draw ${n} values at once (at most 2^32 - 1)`);
  const buf = new Uint32Array(n);
  for (let i = 0; i < n; i++) buf[i] = i;
  return new ConcreteArray(shape, "uint32", buf);
}

/** Both Threefry output words for every element of `shape` (counter = the element index). */
export function bitsPair(op: string, key: Key, shape: Shape): [Array, Array] {
  const [k0, k1] = keyWords(checkKey(op, key));
  return threefry2x32(k0, k1, scalar(0, "uint32"), iota(shape));
}

/** The 32-bit random words of `shape` for `key`. */
export function randomBits(op: string, key: Key, shape: Shape): Array {
  const [b1, b2] = bitsPair(op, key, shape);
  return bitwiseXor(b1, b2);
}

/** Validate a user-given shape (a number is a 1-D shape). */
export function shapeArg(op: string, shape: unknown): number[] {
  return checkShape(`random.${op}`, shape ?? []);
}
