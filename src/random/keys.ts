/**
 * Making and deriving keys. There is no global random state: every sampler takes a key, and
 * new independent keys come from `split` / `foldIn`, so results are reproducible and the same
 * code works under jit and vmap.
 */
import { Array, ConcreteArray } from "../core/array.js";
import { DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { convert, lt, scalar, select } from "../primitives/elementwise.js";
import { broadcastInDim, concatenate, reshape, slice } from "../primitives/movement.js";
import { threefry2x32 } from "../primitives/random-bits.js";
import { checkKey, type Key, keyWords } from "./threefry.js";

const TWO32 = 4294967296;

/**
 * A key from an integer seed (|seed| ≤ 2^53, split into high and low 32-bit words like JAX's
 * `PRNGKey`; negative seeds use 64-bit two's complement). A traced int32/uint32 scalar seed
 * works too (e.g. under vmap over seeds).
 * @example const k = random.key(0); // Array([0, 0], dtype=uint32)
 */
export function key(seed: number | Array): Key {
  if (seed instanceof Array) {
    if (seed.ndim !== 0 || (seed.dtype !== "int32" && seed.dtype !== "uint32")) {
      throw new DTypeError(`random.key: an array seed must be an int32 or uint32 scalar, got ${seed.aval.str()}`);
    }
    const lo = convert(seed, "uint32");
    const hi =
      seed.dtype === "int32"
        ? select(lt(seed, scalar(0, seed)), scalar(0xffffffff, "uint32"), scalar(0, "uint32"))
        : scalar(0, "uint32");
    return concatenate([reshape(hi, [1]), reshape(lo, [1])], 0);
  }
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new ValueError(`random.key: the seed must be an integer with |seed| ≤ 2^53 - 1, got ${String(seed)}`);
  }
  const hi = Math.floor(seed / TWO32);
  return new ConcreteArray([2], "uint32", new Uint32Array([hi >>> 0, (seed - hi * TWO32) >>> 0]));
}

/**
 * `n` new independent keys from `key`, as a uint32 array of shape [n, 2] (JAX's `split`).
 * Map a sampler over it with vmap, or pick one with `np.take(keys, i, 0)`.
 * @example const ks = random.splitArray(random.key(0), 8); // uint32[8,2]
 */
export function splitArray(key: Key, n = 2): Array {
  checkCount("splitArray", n);
  const [k0, k1] = keyWords(checkKey("splitArray", key));
  const counts = new Uint32Array(n);
  for (let i = 0; i < n; i++) counts[i] = i;
  const [b1, b2] = threefry2x32(k0, k1, scalar(0, "uint32"), new ConcreteArray([n], "uint32", counts));
  return concatenate([broadcastInDim(b1, [n, 1], [0]), broadcastInDim(b2, [n, 1], [0])], 1);
}

/**
 * `n` new independent keys from `key` as a JS array, so they destructure. Never reuse `key`
 * after splitting it.
 * @example const [k1, k2] = random.split(random.key(0));
 */
export function split(key: Key, n = 2): Key[] {
  checkCount("split", n);
  const ks = splitArray(key, n);
  const out: Key[] = [];
  for (let i = 0; i < n; i++) out.push(reshape(slice(ks, [i, 0], [i + 1, 2]), [2]));
  return out;
}

/**
 * A new key derived from `key` and an integer (a step number, a layer index…): different data
 * give independent keys. `data` is a JS integer in [-2^31, 2^32) or an int32/uint32 scalar array.
 * @example const k = random.foldIn(random.key(0), step);
 */
export function foldIn(key: Key, data: number | Array): Key {
  const [k0, k1] = keyWords(checkKey("foldIn", key));
  let d: Array;
  if (data instanceof Array) {
    if (data.ndim !== 0 || (data.dtype !== "int32" && data.dtype !== "uint32")) {
      throw new DTypeError(`random.foldIn: data must be an integer or an int32/uint32 scalar array, got ${data.aval.str()}`);
    }
    d = convert(data, "uint32");
  } else {
    if (typeof data !== "number" || !Number.isInteger(data) || data < -(2 ** 31) || data >= TWO32) {
      throw new ValueError(`random.foldIn: data must be an integer in [-2^31, 2^32), got ${String(data)}`);
    }
    d = scalar(data >>> 0, "uint32");
  }
  // JAX: threefry_2x32(key, threefry_seed(data)) with the seed words [0, data].
  const [b1, b2] = threefry2x32(k0, k1, scalar(0, "uint32"), d);
  return concatenate([reshape(b1, [1]), reshape(b2, [1])], 0);
}

function checkCount(op: string, n: number): void {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
    throw new ShapeError(`random.${op}: the number of keys must be a non-negative integer, got ${String(n)}`);
  }
}
