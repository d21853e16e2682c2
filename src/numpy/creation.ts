/** Creating arrays: np.array, zeros, ones, full, arange, linspace, eye. */
import { Array, ConcreteArray, fullConcrete, type NestedArray } from "../core/array.js";
import { allocate, castScalar, checkDType, type DType, fitsDType, type TypedArray } from "../core/dtype.js";
import { ShapeError, ValueError } from "../core/errors.js";
import { checkShape, shapeStr, sizeOf } from "../core/shape.js";
import { convert } from "../primitives/elementwise.js";
import { broadcastInDim } from "../primitives/movement.js";

type Nested = number | boolean | readonly Nested[] | TypedArray;

/** A typed array of numbers (a DataView or a BigInt64Array is not one). */
function isNumericView(x: unknown): x is ArrayLike<number> {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array);
}

/** An entry that cannot be an element: what it is and how to fix it (nothing is coerced, as in JAX). */
function notAnElement(x: unknown, path: string): ValueError {
  const [what, fix] =
    x === null
      ? ["null", "replace missing values before building the array (NaN is a valid float)"]
      : x === undefined
        ? ["undefined (a missing entry or a hole in the list)", "fill every entry"]
        : typeof x === "string"
          ? [
              `the string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`,
              "strings are not converted: parse them first (Number(s))",
            ]
          : typeof x === "bigint"
            ? [`the bigint ${x}n`, "convert it with Number(...)"]
            : x instanceof Array
              ? [`an axle Array ${x.aval.str()}`, "combine arrays with np.stack([...]) or np.concatenate([...])"]
              : x instanceof DataView
                ? ["a DataView", "pass a typed array view instead (new Float32Array(buffer))"]
                : ArrayBuffer.isView(x)
                  ? [`a ${x.constructor.name}`, "64-bit integers are not supported: convert to a Float64Array or an Int32Array"]
                  : [
                      typeof x === "object" ? `an object (${Object.prototype.toString.call(x)})` : `a ${typeof x}`,
                      "pass numbers",
                    ];
  return new ValueError(
    `array: element at ${path || "the top"} is ${what}; expected numbers, booleans or nested lists of them. Fix: ${fix}`,
  );
}

function inferShape(x: unknown, path: string): number[] {
  if (typeof x === "number" || typeof x === "boolean") return [];
  if (isNumericView(x)) return [x.length];
  if (!globalThis.Array.isArray(x)) throw notAnElement(x, path);
  if (x.length === 0) return [0];
  const inner = inferShape(x[0], `${path}[0]`);
  return [x.length, ...inner];
}

function fill(x: unknown, shape: readonly number[], dim: number, out: TypedArray, pos: { i: number }, path: string): void {
  if (dim === shape.length) {
    if (typeof x === "number" || typeof x === "boolean") {
      out[pos.i++] = typeof x === "boolean" ? Number(x) : x;
      return;
    }
    if (!globalThis.Array.isArray(x) && !isNumericView(x)) throw notAnElement(x, path);
    throw new ValueError(
      `array: ragged nested input: ${path} is a list, but other entries at this depth are scalars (shape ${shapeStr(shape)})`,
    );
  }
  if (!globalThis.Array.isArray(x) && !isNumericView(x)) {
    if (typeof x !== "number" && typeof x !== "boolean") throw notAnElement(x, path);
    throw new ValueError(
      `array: ragged nested input: ${path || "the top"} is a scalar, but a list of ${shape[dim]} was expected (shape ${shapeStr(shape)})`,
    );
  }
  const list = x as ArrayLike<unknown>;
  if (list.length !== shape[dim]) {
    throw new ValueError(
      `array: ragged nested input: ${path || "the top"} has ${list.length} entries but its siblings have ${shape[dim]}; ` +
        "every list at one depth must have the same length",
    );
  }
  for (let k = 0; k < list.length; k++) fill(list[k], shape, dim + 1, out, pos, `${path}[${k}]`);
}

function defaultDType(x: unknown): DType {
  if (x instanceof Float64Array) return "float64";
  if (x instanceof Int32Array) return "int32";
  if (x instanceof Uint32Array) return "uint32";
  const isBool = (v: unknown): boolean =>
    typeof v === "boolean" ? true : globalThis.Array.isArray(v) ? v.length > 0 && v.every(isBool) : false;
  return isBool(x) ? "bool" : "float32";
}

/** The position of flat index `i` in `shape`, as `[1][0]`. */
function positionOf(i: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return idx.map((k) => `[${k}]`).join("") || "the top";
}

/**
 * A value for an integer dtype must be an integer in range: NaN, fractions and out-of-range
 * values raise instead of being truncated or wrapped (NumPy raises for NaN, JAX for an int that
 * does not fit; a typed array gets the same check as a list, so nothing is coerced silently).
 * `subject` names the value, e.g. "value NaN at flat index 1 (position [1])".
 */
function checkIntegerValue(op: string, d: DType, v: number, subject: string): void {
  if (fitsDType(d, v)) return;
  const range = d === "int32" ? "-2147483648 … 2147483647" : "0 … 4294967295";
  const [why, fix] = Number.isNaN(v)
    ? ["has no integer value", "replace NaNs first (np.where(np.isnan(x), 0, x) on a float array) or keep a float dtype"]
    : !Number.isFinite(v)
      ? ["has no integer value", "clip it first or keep a float dtype"]
      : !Number.isInteger(v)
        ? ["is not an integer", "round it first (Math.round) or keep a float dtype"]
        : [`is out of the range of ${d} (${range}) and would wrap around`, "use float64 (exact integers up to 2^53)"];
  throw new ValueError(
    `${op}: ${subject} ${why}, so it cannot be stored as ${d}. Fix: ${fix}; to truncate or wrap on purpose, ` +
      `cast a float array with .astype("${d}")`,
  );
}

/**
 * An array from nested JS lists (or a typed array), float32 unless `dtype` says otherwise
 * (booleans give bool). Ragged input, non-numeric entries (strings, null, undefined) and, for
 * integer dtypes, NaN, fractional or out-of-range values are errors naming the entry.
 * @example np.array([[1, 2], [3, 4]]) // f32[2,2]
 */
export function array(x: Nested | Array, dtype?: DType): Array {
  // An array made by np.array is strongly typed, as jnp.array's results are.
  if (x instanceof Array) return convert(x, dtype === undefined ? x.dtype : checkDType("array", dtype));
  const d = dtype === undefined ? defaultDType(x) : checkDType("array", dtype);
  const shape = inferShape(x, "");
  const out = allocate(d, sizeOf(shape));
  if (d === "float64" || d === "float32") {
    fill(x, shape, 0, out, { i: 0 }, "");
  } else {
    // Values go through float64 first: bool is "non-zero" of the value itself (NaN and 0.5 are
    // true, as NumPy's bool(x); a Uint8Array store would make them 0), and integer dtypes check
    // for integers in range rather than silently truncating or wrapping.
    const tmp = new Float64Array(out.length);
    fill(x, shape, 0, tmp, { i: 0 }, "");
    tmp.forEach((v, i) => {
      if (d === "bool") out[i] = v !== 0 ? 1 : 0;
      else {
        checkIntegerValue("array", d, v, `value ${v} at flat index ${i} (position ${positionOf(i, shape)})`);
        out[i] = v;
      }
    });
  }
  return new ConcreteArray(shape, d, out);
}

export function full(shape: number | readonly number[], value: number | boolean, dtype: DType = "float32"): Array {
  // The fill value converts as XLA's convert_element_type does (JAX's lax.full): saturating.
  return fullConcrete(checkShape("full", shape), checkDType("full", dtype), Number(value));
}
export function zeros(shape: number | readonly number[], dtype: DType = "float32"): Array {
  return fullConcrete(checkShape("zeros", shape), checkDType("zeros", dtype), 0);
}
export function ones(shape: number | readonly number[], dtype: DType = "float32"): Array {
  return fullConcrete(checkShape("ones", shape), checkDType("ones", dtype), 1);
}
/**
 * A filled array of `shape`: a scalar broadcast, so that under `jit` it stays a literal the
 * fused kernels read for free instead of a constant buffer of the full size.
 */
function filled(shape: readonly number[], dtype: DType, value: number): Array {
  const s = fullConcrete([], dtype, value);
  return shape.length === 0 ? s : broadcastInDim(s, shape, []);
}

export function zerosLike(x: Array, dtype?: DType): Array {
  return filled(x.shape, checkDType("zerosLike", dtype ?? x.dtype), 0);
}
export function onesLike(x: Array, dtype?: DType): Array {
  return filled(x.shape, checkDType("onesLike", dtype ?? x.dtype), 1);
}
export function fullLike(x: Array, value: number, dtype?: DType): Array {
  return filled(x.shape, checkDType("fullLike", dtype ?? x.dtype), value);
}

/**
 * `arange(stop)`, `arange(start, stop, step?)`: int32 when every argument is an integer,
 * float32 otherwise (as in JAX).
 */
export function arange(start: number, stop?: number, step = 1, dtype?: DType): Array {
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  for (const [n, v] of [
    ["start", a],
    ["stop", b],
    ["step", step],
  ] as const) {
    if (typeof v !== "number" || !Number.isFinite(v))
      throw new ValueError(`arange: ${n} must be a finite number, got ${String(v)}`);
  }
  if (step === 0) throw new ValueError("arange: step must not be 0");
  const d = dtype === undefined ? ([a, b, step].every(Number.isInteger) ? "int32" : "float32") : checkDType("arange", dtype);
  const n = Math.max(0, Math.ceil((b - a) / step));
  const out = allocate(d, n);
  for (let i = 0; i < n; i++) out[i] = castScalar(d, a + i * step);
  return new ConcreteArray([n], d, out);
}

/** `num` evenly spaced values from start to stop (inclusive by default). */
export function linspace(start: number, stop: number, num = 50, opts: { endpoint?: boolean; dtype?: DType } = {}): Array {
  if (!Number.isInteger(num) || num < 0) throw new ShapeError(`linspace: num must be a non-negative integer, got ${num}`);
  const endpoint = opts.endpoint ?? true;
  const d = checkDType("linspace", opts.dtype ?? "float32");
  const out = allocate(d, num);
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < num; i++) out[i] = castScalar(d, start + i * step);
  if (endpoint && num > 1) out[num - 1] = castScalar(d, stop);
  return new ConcreteArray([num], d, out);
}

/** Identity-like matrix [n, m] with ones on diagonal `k`. */
export function eye(n: number, m?: number, k = 0, dtype: DType = "float32"): Array {
  const cols = m ?? n;
  checkShape("eye", [n, cols]);
  checkDType("eye", dtype);
  const out = allocate(dtype, n * cols);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < cols) out[i * cols + j] = 1;
  }
  return new ConcreteArray([n, cols], dtype, out);
}

export type { NestedArray };

/**
 * A copy of `x` with a buffer of its own, as `jnp.copy`: donating the copy to a jitted call
 * (`donateArgnums`) leaves `x` readable. Arrays are immutable, so under a transform (where
 * nothing is donated) the copy is `x` itself.
 * @example const p = np.copy(params.w); step(p) // params.w stays usable
 */
export function copy(x: Array): Array {
  if (!(x instanceof Array)) throw new ValueError(`copy: expected an axle Array, got ${typeof x}`);
  return x instanceof ConcreteArray ? new ConcreteArray(x.shape, x.dtype, x.data(), x.weakType) : x;
}
