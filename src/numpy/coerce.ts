/** Turning user inputs (arrays, weak JS scalars) into same-dtype arrays for the primitives. */
import { Array, type ArrayLike, ConcreteArray, fullConcrete } from "../core/array.js";
import {
  type DType,
  fitsDType,
  isFloat,
  type ResultType,
  resultTypeOf,
  type WeakKind,
  weakKindOf,
  weakKindOfDType,
} from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { convert } from "../primitives/elementwise.js";

function checkLike(op: string, x: unknown, i: number): asserts x is ArrayLike {
  if (x instanceof Array || typeof x === "number" || typeof x === "boolean") return;
  throw new DTypeError(
    `${op}: argument ${i} is ${globalThis.Array.isArray(x) ? "a JS array" : typeof x}; pass an axle Array ` +
      `(np.array(...)) or a JS number${globalThis.Array.isArray(x) ? " — wrap nested lists with np.array" : ""}`,
  );
}

/**
 * The result type that `xs` promote to. JS numbers are weak, and so are weakly typed arrays (JS
 * numbers traced by a transform, or values computed from JS numbers only).
 */
export function promotedType(op: string, xs: readonly unknown[]): ResultType {
  const strong: DType[] = [];
  const weak: WeakKind[] = [];
  xs.forEach((x, i) => {
    checkLike(op, x, i);
    if (x instanceof Array) {
      if (x.weakType) weak.push(weakKindOfDType(x.dtype));
      else strong.push(x.dtype);
    } else if (typeof x === "boolean") strong.push("bool");
    else weak.push(weakKindOf(x));
  });
  return resultTypeOf(strong, weak);
}

/** The dtype that `xs` promote to (JS numbers are weak). */
export function promotedDType(op: string, xs: readonly unknown[]): DType {
  return promotedType(op, xs).dtype;
}

/**
 * An array of `dtype` for `x`: arrays are cast (kept as they are when already of `dtype`), JS
 * numbers become scalars, weakly typed when `weak`.
 */
export function asDType(x: ArrayLike, dtype: DType, weak = false): Array {
  if (x instanceof Array) return x.dtype === dtype ? x : convert(x, dtype, weak);
  return fullConcrete([], dtype, typeof x === "boolean" ? Number(x) : x, weak);
}

/**
 * A JS number that cannot be represented in the integer dtype it promotes to raises, as JAX
 * raises OverflowError for a Python int out of range, instead of wrapping silently.
 */
function checkFits(op: string, xs: readonly unknown[], dtype: DType): void {
  for (const x of xs) {
    if (typeof x === "number" && !fitsDType(dtype, x)) {
      throw new DTypeError(
        `${op}: the JS number ${x} does not fit ${dtype}, the dtype it takes from the other operand(s) ` +
          `(${dtype === "int32" ? "-2147483648 … 2147483647" : "0 … 4294967295"}); it would wrap around. ` +
          "Cast the array to a wider dtype first (e.g. x.astype('float64')), or pass a number in range",
      );
    }
  }
}

/** Promote all inputs to one dtype, JAX-style. */
export function promote(op: string, ...xs: readonly unknown[]): Array[] {
  const t = promotedType(op, xs);
  checkFits(op, xs, t.dtype);
  return xs.map((x) => asDType(x as ArrayLike, t.dtype, t.weak));
}

/** Promote, then make sure the dtype is floating (ints become float32, as in JAX; NumPy gives float64). */
export function promoteFloat(op: string, ...xs: readonly unknown[]): Array[] {
  const t = promotedType(op, xs);
  const f = isFloat(t.dtype) ? t.dtype : "float32";
  return xs.map((x) => asDType(x as ArrayLike, f, t.weak));
}

/** `x` as an array: a JS number becomes a weak scalar (int32 when integer-valued, else float32). */
export function asArray(op: string, x: unknown): Array {
  checkLike(op, x, 0);
  if (x instanceof Array) return x;
  if (typeof x === "boolean") return new ConcreteArray([], "bool", new Uint8Array([x ? 1 : 0]));
  const dtype = weakKindOf(x) === "int" ? "int32" : "float32";
  checkFits(op, [x], dtype);
  return fullConcrete([], dtype, x, true);
}
