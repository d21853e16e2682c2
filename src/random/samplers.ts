/**
 * Samplers: every one is a pure function of its key, written with primitives and np functions,
 * so it gives the same numbers eagerly, under jit and under vmap (over keys). The algorithms
 * follow jax.random's.
 */
import { Array, ConcreteArray } from "../core/array.js";
import type { DType } from "../core/dtype.js";
import { ConcretizationError, DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { normalizeAxis, type Shape, shapesEqual } from "../core/shape.js";
import * as np from "../numpy/index.js";
import * as P from "../primitives/elementwise.js";
import { scalar } from "../primitives/elementwise.js";
import { shiftRightLogical } from "../primitives/random-bits.js";
import { split } from "./keys.js";
import { erfinv, erfScalar, nextAfter } from "./special.js";
import { bitsPair, checkKey, type Key, randomBits, shapeArg } from "./threefry.js";

/** The floating dtypes samplers can produce. */
export type FloatDType = "float32" | "float64";

function floatDType(op: string, dtype: unknown): FloatDType {
  if (dtype === undefined) return "float32";
  if (dtype !== "float32" && dtype !== "float64") {
    throw new DTypeError(`random.${op}: dtype must be "float32" or "float64", got ${JSON.stringify(dtype)}`);
  }
  return dtype;
}

/**
 * Uniform random uint32 bits of `shape`.
 * @example random.bits(random.key(0), [3]) // u32[3]
 */
export function bits(key: Key, shape: number | readonly number[] = []): Array {
  return randomBits("bits", key, shapeArg("bits", shape));
}

/** Floats in [0, 1) on the grid of multiples of 2^-mantissa (23 bits for float32, 52 for float64). */
function unitFloats(op: string, key: Key, shape: Shape, dtype: FloatDType): Array {
  if (dtype === "float32") {
    // (bits >>> 9) · 2^-23 is JAX's bitcast of 0x3f800000 | (bits >>> 9), minus 1, exactly.
    const m = P.convert(shiftRightLogical(randomBits(op, key, shape), scalar(9, "uint32")), "float32");
    return P.mul(m, scalar(2 ** -23, "float32"));
  }
  // The 64 bits (b1 << 32 | b2) >>> 12, as JAX builds its 64-bit words.
  const [b1, b2] = bitsPair(op, key, shape);
  const hi = P.mul(P.convert(b1, "float64"), scalar(2 ** 20, "float64"));
  const lo = P.convert(shiftRightLogical(b2, scalar(12, "uint32")), "float64");
  return P.mul(P.add(hi, lo), scalar(2 ** -52, "float64"));
}

function bound(op: string, name: string, v: number | Array, dtype: DType): Array {
  if (v instanceof Array) return np.astype(v, dtype);
  if (typeof v !== "number") throw new ValueError(`random.${op}: ${name} must be a number or an array, got ${typeof v}`);
  return scalar(v, dtype);
}

/** Options of `uniform`. */
export interface UniformOptions {
  /** "float32" (default) or "float64"; other dtypes are a DTypeError. */
  dtype?: DType;
  /** Inclusive lower bound (default 0); a number or an array broadcasting to `shape`. */
  minval?: number | Array;
  /** Exclusive upper bound (default 1); a number or an array broadcasting to `shape`. */
  maxval?: number | Array;
}

function uniformImpl(op: string, key: Key, shape: Shape, opts: UniformOptions): Array {
  const dtype = floatDType(op, opts.dtype);
  const lo = bound(op, "minval", opts.minval ?? 0, dtype);
  const hi = bound(op, "maxval", opts.maxval ?? 1, dtype);
  const f = unitFloats(op, key, shape, dtype);
  // max(lo, ·) guards against rounding below the lower bound, as in JAX.
  const out = np.maximum(lo, np.add(np.multiply(f, np.subtract(hi, lo)), lo));
  return shapesEqual(out.shape, shape) ? out : np.broadcastTo(out, shape);
}

/**
 * Uniform floats in [minval, maxval) of `shape`.
 * @example random.uniform(random.key(0), [2, 3], { minval: -1, maxval: 1 })
 */
export function uniform(key: Key, shape: number | readonly number[] = [], opts: UniformOptions = {}): Array {
  return uniformImpl("uniform", key, shapeArg("uniform", shape), opts);
}

function standardNormal(op: string, key: Key, shape: Shape, dtype: FloatDType): Array {
  // Inverse-CDF sampling: u in the open interval (-1, 1), so erfinv never sees ±1.
  const u = uniformImpl(op, key, shape, { dtype, minval: nextAfter(-1, 1, dtype), maxval: 1 });
  return np.multiply(erfinv(u), Math.SQRT2);
}

/**
 * Standard normal samples of `shape` (mean 0, variance 1), by the inverse CDF.
 * @example random.normal(random.key(0), [1000]).mul(0.1) // N(0, 0.01)
 */
export function normal(key: Key, shape: number | readonly number[] = [], dtype: DType = "float32"): Array {
  return standardNormal("normal", key, shapeArg("normal", shape), floatDType("normal", dtype));
}

/**
 * Standard normal samples conditioned on lower < x < upper (static JS numbers; ±Infinity
 * allowed), by the inverse CDF as in JAX.
 * @example random.truncatedNormal(random.key(0), -2, 2, [256, 128]) // weight init
 */
export function truncatedNormal(
  key: Key,
  lower: number,
  upper: number,
  shape: number | readonly number[] = [],
  dtype: DType = "float32",
): Array {
  const op = "truncatedNormal";
  const d = floatDType(op, dtype);
  const s = shapeArg(op, shape);
  if (typeof lower !== "number" || typeof upper !== "number" || !(lower < upper)) {
    throw new ValueError(`random.${op}: needs numbers lower < upper, got lower=${String(lower)}, upper=${String(upper)}`);
  }
  const a = erfScalar(lower / Math.SQRT2);
  const b = erfScalar(upper / Math.SQRT2);
  const u = uniformImpl(op, key, s, { dtype: d, minval: a, maxval: b });
  const out = np.multiply(erfinv(u), Math.SQRT2);
  // Rounding (or u = a) can land on a bound: clamp into the open interval.
  return np.clip(out, scalar(nextAfter(lower, Infinity, d), d), scalar(nextAfter(upper, -Infinity, d), d));
}

/**
 * Booleans that are true with probability `p` (a number or an array; `shape` defaults to p's).
 * @example random.bernoulli(random.key(0), 0.9, [128]) // dropout keep-mask
 */
export function bernoulli(key: Key, p: number | Array = 0.5, shape?: number | readonly number[]): Array {
  const dtype: FloatDType = p instanceof Array && p.dtype === "float64" ? "float64" : "float32";
  const s = shape === undefined ? (p instanceof Array ? [...p.shape] : []) : shapeArg("bernoulli", shape);
  if (!(p instanceof Array) && typeof p !== "number") {
    throw new ValueError(`random.bernoulli: p must be a number or an array, got ${typeof p}`);
  }
  const u = uniformImpl("bernoulli", key, s, { dtype });
  const out = np.less(u, p instanceof Array ? np.astype(p, dtype) : p);
  return shapesEqual(out.shape, s) ? out : np.broadcastTo(out, s);
}

const INT_RANGE = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] } as const;

/**
 * Uniform integers in [minval, maxval) of `shape` (bounds are JS integers in the dtype's range;
 * maxval ≤ minval gives minval everywhere, as in JAX).
 * @example random.randint(random.key(0), [5], 0, 10) // i32[5] in 0..9
 */
export function randint(
  key: Key,
  shape: number | readonly number[],
  minval: number,
  maxval: number,
  dtype: "int32" | "uint32" = "int32",
): Array {
  const op = "randint";
  const s = shapeArg(op, shape);
  if (dtype !== "int32" && dtype !== "uint32") {
    throw new DTypeError(`random.randint: dtype must be "int32" or "uint32", got ${JSON.stringify(dtype)}`);
  }
  const [lo, hi] = INT_RANGE[dtype];
  for (const [name, v] of [
    ["minval", minval],
    ["maxval", maxval],
  ] as const) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) {
      throw new ValueError(`random.randint: ${name} must be an integer in [${lo}, ${hi}] for ${dtype}, got ${String(v)}`);
    }
  }
  checkKey(op, key);
  const [k1, k2] = split(key);
  const higher = randomBits(op, k1, s);
  const lower = randomBits(op, k2, s);
  const span = maxval <= minval ? 1 : maxval - minval;
  // Two words of bits combined mod span: offset = (higher·2^32 + lower) mod span, computed
  // in uint32 as JAX does, so the bias is at most span/2^64.
  const bigSpan = BigInt(span);
  const m = 2n ** 16n % bigSpan;
  const multiplier = Number((m * m) % bigSpan);
  const u = (v: number) => scalar(v, "uint32");
  const rem = (x: Array) => P.sub(x, P.mul(P.div(x, u(span)), u(span)));
  const offset = rem(P.add(P.mul(rem(higher), u(multiplier)), rem(lower)));
  return P.add(scalar(minval, dtype), P.convert(offset, dtype));
}

/**
 * Gumbel(0, 1) samples of `shape`.
 * @example random.gumbel(random.key(0), [3])
 */
export function gumbel(key: Key, shape: number | readonly number[] = [], dtype: DType = "float32"): Array {
  const d = floatDType("gumbel", dtype);
  const tiny = d === "float32" ? 2 ** -126 : 2 ** -1022;
  // u ≥ the smallest normal float, so neither log sees 0.
  const u = uniformImpl("gumbel", key, shapeArg("gumbel", shape), { dtype: d, minval: tiny, maxval: 1 });
  return np.negative(np.log(np.negative(np.log(u))));
}

/** Options of `categorical`. */
export interface CategoricalOptions {
  /** The axis of `logits` that indexes the categories (default -1). */
  axis?: number;
  /** Sample shape; must end with logits' shape without `axis` (the default). */
  shape?: readonly number[];
}

/**
 * Category indices (int32) drawn with probabilities softmax(logits) along `axis`, by the
 * Gumbel-max trick.
 * @example random.categorical(random.key(0), np.log(np.array([0.2, 0.8])), { shape: [100] })
 */
export function categorical(key: Key, logits: Array, opts: CategoricalOptions = {}): Array {
  const op = "categorical";
  if (!(logits instanceof Array) || logits.ndim === 0) {
    throw new ShapeError(`random.${op}: logits must be an array with at least one axis (the categories)`);
  }
  const ax = normalizeAxis(`random.${op}`, opts.axis ?? -1, logits.ndim);
  const batch = logits.shape.filter((_, i) => i !== ax);
  const shape = opts.shape === undefined ? batch : shapeArg(op, opts.shape);
  const prefix = shape.slice(0, shape.length - batch.length);
  if (shape.length < batch.length || !shapesEqual(shape.slice(prefix.length), batch)) {
    throw new ShapeError(
      `random.${op}: shape [${shape.join(",")}] must end with the logits' batch shape [${batch.join(",")}] ` +
        `(logits ${logits.aval.str()} without axis ${ax})`,
    );
  }
  const dtype: FloatDType = logits.dtype === "float64" ? "float64" : "float32";
  const sampleShape = [...prefix, ...logits.shape];
  const g = gumbel(key, sampleShape, dtype);
  const l = prefix.length > 0 ? np.reshape(logits, [...prefix.map(() => 1), ...logits.shape]) : logits;
  return np.argmax(np.add(g, np.astype(l, dtype)), prefix.length + ax);
}

// Beyond this size a traced permutation (an O(n²) comparison sort) is too costly.
const MAX_TRACED_PERMUTATION = 2048;

/** The order that stably sorts `keys` (eager: a JS sort of concrete bits). */
function argsortConcrete(keys: ConcreteArray): Int32Array {
  const k = keys.buffer as Uint32Array;
  const idx = new Int32Array(k.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => k[a] - k[b] || a - b);
}

/**
 * `order` reordered by sorting `keys` stably, with primitives only (for traced keys): element i
 * goes to its rank, #{j : k_j < k_i or (k_j = k_i and j < i)}.
 */
function sortByKeysTraced(keys: Array, order: Array): Array {
  const n = keys.shape[0];
  const ki = np.reshape(keys, [n, 1]);
  const kj = np.reshape(keys, [1, n]);
  const jBeforeI = np.less(np.reshape(np.arange(n), [1, n]), np.reshape(np.arange(n), [n, 1]));
  const before = np.logicalOr(np.less(kj, ki), np.logicalAnd(np.equal(kj, ki), jBeforeI));
  const rank = np.sum(np.astype(before, "int32"), 1); // rank[i]
  const lands = np.equal(np.reshape(rank, [1, n]), np.reshape(np.arange(n), [n, 1])); // [k, i]
  return np.sum(np.where(lands, np.reshape(order, [1, n]), 0), 1);
}

/** A random permutation of 0..n-1 (JAX's `_shuffle` of arange(n)). */
function shuffledRange(key: Key, n: number): Array {
  let order: Array = np.arange(n);
  // Enough rounds of 32-bit sort keys that ties are unlikely (JAX's choice of exponent 3).
  const rounds = Math.ceil((3 * Math.log(Math.max(1, n))) / Math.log(0xffffffff));
  let k = key;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = split(k);
    k = next;
    const sortKeys = randomBits("permutation", sub, [n]);
    if (sortKeys instanceof ConcreteArray && order instanceof ConcreteArray) {
      const perm = argsortConcrete(sortKeys);
      const src = order.buffer;
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = src[perm[i]];
      order = new ConcreteArray([n], "int32", out);
    } else {
      if (n > MAX_TRACED_PERMUTATION) {
        throw new ConcretizationError(
          `random.permutation: the key is traced (inside jit or vmap), where permutations use an O(n²) ` +
            `comparison sort limited to n ≤ ${MAX_TRACED_PERMUTATION}; got n = ${n}. ` +
            "Compute the permutation outside the transform (with a concrete key) and pass the indices in.",
        );
      }
      order = sortByKeysTraced(sortKeys, order);
    }
  }
  return order;
}

/**
 * A random permutation: of 0..n-1 (int32) for a number `n`, or of `x`'s rows (axis 0) for an
 * array. Eager calls sort in JS; under jit/vmap it works for n ≤ 2048.
 * @example random.permutation(random.key(0), 5) // e.g. [3, 0, 4, 1, 2]
 */
export function permutation(key: Key, x: number | Array): Array {
  checkKey("permutation", key);
  if (x instanceof Array) {
    if (x.ndim === 0)
      throw new ShapeError(`random.permutation: cannot permute a scalar ${x.aval.str()}; pass an array or a count`);
    return np.take(x, shuffledRange(key, x.shape[0]), 0);
  }
  if (typeof x !== "number" || !Number.isInteger(x) || x < 0) {
    throw new ValueError(`random.permutation: n must be a non-negative integer or an array, got ${String(x)}`);
  }
  return shuffledRange(key, x);
}

/** Options of `batchIndices`. */
export interface BatchIndicesOptions {
  /** Visit the examples in a random order (default true; needs a key). */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
}

/**
 * Minibatch index arrays (int32) covering 0..n-1 once, in a random order unless
 * `shuffle: false`. Use a fresh key per epoch (e.g. `foldIn(key, epoch)`).
 * @example for (const idx of random.batchIndices(key, 1000, 32)) train(np.take(xs, idx, 0));
 */
export function batchIndices(key: Key | null, n: number, batchSize: number, opts: BatchIndicesOptions = {}): Array[] {
  const shuffle = opts.shuffle ?? true;
  for (const [name, v, min] of [
    ["n", n, 0],
    ["batchSize", batchSize, 1],
  ] as const) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
      throw new ValueError(`random.batchIndices: ${name} must be an integer ≥ ${min}, got ${String(v)}`);
    }
  }
  if (shuffle && key === null) {
    throw new ValueError("random.batchIndices: shuffling needs a key; pass one, or { shuffle: false }");
  }
  const order = shuffle ? permutation(key as Key, n) : np.arange(n);
  const out: Array[] = [];
  const end = opts.dropLast ? n - (n % batchSize) : n;
  for (let start = 0; start < end; start += batchSize) {
    out.push(np.slice(order, [start, Math.min(start + batchSize, n)]));
  }
  return out;
}
