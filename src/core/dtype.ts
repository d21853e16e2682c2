import { DTypeError } from "./errors.js";

/** The element types axle arrays can hold. float32 is the default. */
export type DType = "float32" | "float64" | "int32" | "uint32" | "bool";

export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "uint32", "bool"];

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

const SHORT: Record<DType, string> = {
  float32: "f32",
  float64: "f64",
  int32: "i32",
  uint32: "u32",
  bool: "bool",
};

/** The short name used in avals and IR listings: `f32`, `i32`, … */
export function shortName(dtype: DType): string {
  return SHORT[dtype];
}

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

export function checkDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) {
    throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(dtype)}; use one of ${DTYPES.join(", ")}`);
  }
  return dtype;
}

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

export function isInteger(dtype: DType): boolean {
  return dtype === "int32" || dtype === "uint32";
}

/** Allocate a zero-filled buffer for `size` elements of `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "uint32":
      return new Uint32Array(size);
    case "bool":
      return new Uint8Array(size);
  }
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;

/**
 * Convert a JS number (a double) to the value a buffer of `dtype` stores, with the semantics of
 * XLA's float `convert_element_type` (as JAX on CPU and GPU): to an integer dtype the value is
 * truncated toward zero and *saturates*: out-of-range values and ±Infinity clamp to the dtype's
 * minimum or maximum, NaN gives 0 (`[1e10, Infinity, NaN] → int32 [2147483647, 2147483647, 0]`,
 * `-1 → uint32 0`). To bool it is `x != 0`, so NaN is true (as in NumPy and JAX).
 */
export function castScalar(dtype: DType, x: number): number {
  switch (dtype) {
    case "float32":
      return Math.fround(x);
    case "float64":
      return x;
    case "int32":
      if (Number.isNaN(x)) return 0;
      return x <= INT32_MIN ? INT32_MIN : x >= INT32_MAX ? INT32_MAX : Math.trunc(x) | 0;
    case "uint32":
      // `!(x > 0)` also catches NaN.
      if (!(x > 0)) return 0;
      return x >= UINT32_MAX ? UINT32_MAX : Math.trunc(x) >>> 0;
    case "bool":
      return x !== 0 ? 1 : 0;
  }
}

/**
 * A JS number taking part in an operation is *weak*, as Python scalars are in JAX: it adopts
 * the dtype of the array it meets (`x.mul(2)` stays float32). An integer-valued number is a
 * weak int, any other a weak float.
 */
export type WeakKind = "int" | "float";

export function weakKindOf(x: number): WeakKind {
  return Number.isInteger(x) ? "int" : "float";
}

// The lattice: bool < {int32, uint32} < float32 < float64. int32 with uint32 gives int32, as in
// JAX's default 32-bit mode (there is no int64 here).
const RANK: Record<DType, number> = { bool: 0, uint32: 1, int32: 1, float32: 2, float64: 3 };

/** JAX-style promotion of two strongly typed dtypes. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (RANK[a] !== RANK[b]) return RANK[a] > RANK[b] ? a : b;
  return "int32"; // int32 with uint32
}

/** The dtype of a weak scalar once it meets an operand of dtype `strong`. */
export function promoteWeak(strong: DType, weak: WeakKind): DType {
  if (weak === "int") return strong === "bool" ? "int32" : strong;
  return isFloat(strong) ? strong : "float32";
}

/** The dtype of an operation's result, and whether it is weakly typed. */
export interface ResultType {
  readonly dtype: DType;
  readonly weak: boolean;
}

/**
 * Result type of an operation over strongly typed operands and weak JS scalars, on JAX's
 * promotion lattice with its weak nodes `i*` and `f*`. With no strong operand the result is weak
 * (int32 for weak ints, float32 once a weak float takes part). A weak float meeting a strong
 * integer or bool, or a weak int meeting a strong bool, lands on the weak node too (JAX:
 * `int32 + f* = f*`, `bool + i* = i*`); every other mix is strong.
 */
export function resultTypeOf(strong: readonly DType[], weak: readonly WeakKind[]): ResultType {
  let out: DType | undefined;
  for (const d of strong) out = out === undefined ? d : promoteTypes(out, d);
  const anyFloat = weak.includes("float");
  if (out === undefined) return { dtype: anyFloat ? "float32" : "int32", weak: true };
  if (weak.length === 0) return { dtype: out, weak: false };
  if (anyFloat && !isFloat(out)) return { dtype: "float32", weak: true };
  if (out === "bool") return { dtype: "int32", weak: true };
  return { dtype: out, weak: false };
}

/** The dtype part of `resultTypeOf`. */
export function resultType(strong: readonly DType[], weak: readonly WeakKind[]): DType {
  return resultTypeOf(strong, weak).dtype;
}

/** The kind a weakly typed array contributes to promotion, as the JS number it came from would. */
export function weakKindOfDType(dtype: DType): WeakKind {
  return isFloat(dtype) ? "float" : "int";
}

const INT_RANGE: Partial<Record<DType, readonly [number, number]>> = {
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/**
 * Whether the JS number `x` is exactly representable as a weak scalar of `dtype`. Floats always
 * take it (rounding is the float's business); an integer dtype takes only integers in range, as
 * JAX raises OverflowError for a Python int that does not fit.
 */
export function fitsDType(dtype: DType, x: number): boolean {
  const r = INT_RANGE[dtype];
  if (r === undefined) return true;
  return Number.isInteger(x) && x >= r[0] && x <= r[1];
}
