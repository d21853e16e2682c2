/**
 * Internal: functions over flat lists of float arrays, the form every check works on. Values
 * are read out as float64 so differences and inner products do not lose precision.
 */
import { Array, ConcreteArray, type DType, tree } from "../index.js";

/** A function of float arrays returning float arrays. */
export type FlatFn = (...xs: Array[]) => Array[];

export const isFloatDtype = (d: DType): boolean => d === "float32" || d === "float64";

/** An array's values as float64. */
export function values(x: Array): Float64Array {
  return Float64Array.from(x.data());
}

/** A concrete array shaped and typed like `like`, holding `vals` (rounded to its dtype). */
export function arrayLike(like: { shape: readonly number[]; dtype: DType }, vals: ArrayLike<number>): Array {
  const n = vals.length;
  switch (like.dtype) {
    case "float32":
      return new ConcreteArray(
        like.shape,
        "float32",
        Float32Array.from({ length: n }, (_, i) => vals[i]),
      );
    case "float64":
      return new ConcreteArray(
        like.shape,
        "float64",
        Float64Array.from({ length: n }, (_, i) => vals[i]),
      );
    case "int32":
      return new ConcreteArray(
        like.shape,
        "int32",
        Int32Array.from({ length: n }, (_, i) => vals[i]),
      );
    case "uint32":
      return new ConcreteArray(
        like.shape,
        "uint32",
        Uint32Array.from({ length: n }, (_, i) => vals[i]),
      );
    case "bool":
      return new ConcreteArray(
        like.shape,
        "bool",
        Uint8Array.from({ length: n }, (_, i) => (vals[i] ? 1 : 0)),
      );
  }
}

/** `x + a·t` in x's dtype. */
export function axpy(x: Array, a: number, t: Array): Array {
  const xv = values(x);
  const tv = values(t);
  return arrayLike(
    x,
    xv.map((v, i) => v + a * tv[i]),
  );
}

/** Central-difference JVP of a flat function, as float64 values per output. */
export function centralDifference(f: FlatFn, xs: readonly Array[], ts: readonly Array[], eps: number): Float64Array[] {
  const plus = f(...xs.map((x, i) => axpy(x, eps, ts[i])));
  const minus = f(...xs.map((x, i) => axpy(x, -eps, ts[i])));
  return plus.map((p, j) => {
    const pv = values(p);
    const mv = values(minus[j]);
    return pv.map((v, k) => (v - mv[k]) / (2 * eps));
  });
}

/** Σ over leaves of Σ a·b. */
export function innerProduct(as: readonly ArrayLike<number>[], bs: readonly ArrayLike<number>[]): number {
  let s = 0;
  as.forEach((a, i) => {
    const b = bs[i];
    for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  });
  return s;
}

/** `[2, 1]` for flat index 7 of shape [3, 3]. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new globalThis.Array<number>(shape.length).fill(0);
  let r = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = r % shape[d];
    r = Math.floor(r / shape[d]);
  }
  return idx;
}

/** "argument 0", "argument 1.w", "argument 2[0]": the name of a leaf of an argument tree. */
export function leafName(prefix: string, path: string): string {
  if (path === "") return prefix;
  return path.startsWith("[") ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** Leaves of a tree with their path strings. */
export function leavesNamed(prefix: string, t: unknown): [string, unknown][] {
  return tree.leavesWithPath(t).map(([p, l]) => [leafName(prefix, tree.keyPathString(p)), l]);
}

/** A pytree function seen as a flat function of its float leaves (other leaves held fixed). */
export interface Flattened {
  f: FlatFn;
  xs: Array[];
  inNames: string[];
  outNames: string[];
}

const isFloatArray = (l: unknown): l is Array => l instanceof Array && isFloatDtype(l.dtype);

/** Flatten `fn(...args)` to a function of the float array leaves of `args`. */
export function flattenFunction(fn: (...args: unknown[]) => unknown, args: readonly unknown[]): Flattened {
  const flats = args.map((a) => tree.flatten(a));
  const named = args.map((a, i) => leavesNamed(`argument ${i}`, a));
  const slots: [number, number][] = [];
  const xs: Array[] = [];
  const inNames: string[] = [];
  flats.forEach(([leaves], i) => {
    leaves.forEach((l, j) => {
      if (isFloatArray(l)) {
        slots.push([i, j]);
        xs.push(l);
        inNames.push(named[i][j][0]);
      }
    });
  });
  const call = (ys: readonly Array[]): unknown => {
    const leaves = flats.map(([ls]) => [...ls]);
    slots.forEach(([i, j], k) => {
      leaves[i][j] = ys[k];
    });
    return fn(...flats.map(([, def], i) => tree.unflatten(def, leaves[i])));
  };
  const out0 = call(xs);
  const outNames = leavesNamed("output", out0)
    .filter(([, l]) => isFloatArray(l))
    .map(([n]) => n);
  const f: FlatFn = (...ys) => tree.leaves(call(ys)).filter(isFloatArray);
  return { f, xs, inNames, outNames };
}
