/** Turning user inputs (arrays, weak JS scalars) into same-dtype arrays for the primitives. */
import { Array, type ArrayLike, ConcreteArray, fullConcrete } from "../core/array.js";
import { type DType, isFloat, resultType, type WeakKind, weakKindOf } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { convert } from "../primitives/elementwise.js";

function checkLike(op: string, x: unknown, i: number): asserts x is ArrayLike {
  if (x instanceof Array || typeof x === "number" || typeof x === "boolean") return;
  throw new DTypeError(
    `${op}: argument ${i} is ${globalThis.Array.isArray(x) ? "a JS array" : typeof x}; pass an axle Array ` +
      `(np.array(...)) or a JS number${globalThis.Array.isArray(x) ? " — wrap nested lists with np.array" : ""}`,
  );
}

/** The dtype that `xs` promote to (JS numbers are weak). */
export function promotedDType(op: string, xs: readonly unknown[]): DType {
  const strong: DType[] = [];
  const weak: WeakKind[] = [];
  xs.forEach((x, i) => {
    checkLike(op, x, i);
    if (x instanceof Array) strong.push(x.dtype);
    else if (typeof x === "boolean") strong.push("bool");
    else weak.push(weakKindOf(x));
  });
  return resultType(strong, weak);
}

/** An array of `dtype` for `x` (casting arrays, materialising scalars). */
export function asDType(x: ArrayLike, dtype: DType): Array {
  if (x instanceof Array) return convert(x, dtype);
  return fullConcrete([], dtype, typeof x === "boolean" ? Number(x) : x);
}

/** Promote all inputs to one dtype, JAX-style. */
export function promote(op: string, ...xs: readonly unknown[]): Array[] {
  const d = promotedDType(op, xs);
  return xs.map((x) => asDType(x as ArrayLike, d));
}

/** Promote, then make sure the dtype is floating (ints become float32, as in NumPy/JAX). */
export function promoteFloat(op: string, ...xs: readonly unknown[]): Array[] {
  const d = promotedDType(op, xs);
  const f = isFloat(d) ? d : "float32";
  return xs.map((x) => asDType(x as ArrayLike, f));
}

export function asArray(op: string, x: unknown): Array {
  checkLike(op, x, 0);
  if (x instanceof Array) return x;
  if (typeof x === "boolean") return new ConcreteArray([], "bool", new Uint8Array([x ? 1 : 0]));
  return fullConcrete([], weakKindOf(x) === "int" ? "int32" : "float32", x);
}
