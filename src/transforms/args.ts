/** Argument handling shared by the pytree-level transforms: flattening, argnums, leaf checks. */
import { Array, ConcreteArray, fullConcrete } from "../core/array.js";
import { fitsDType, isFloat } from "../core/dtype.js";
import { TransformError, withTransformContext } from "../core/errors.js";
import { flattenInto } from "../tree/flatten.js";
import { keyPathString, leavesWithPath, type TreeDef, unflatten } from "../tree/index.js";

/**
 * How a transform takes a JS-number leaf: as a weak scalar whose dtype follows the number
 * ("weak": int32 when integer-valued, else float32, as JAX traces Python ints and floats under
 * jit), or as a weak float32 scalar ("float": where it is differentiated, since a JS number has
 * no int/float distinction — `grad(f)(3)` differentiates at 3.0).
 */
export type NumberLeaves = "weak" | "float";

/** A leaf as an array: JS numbers become weak scalars (see `NumberLeaves`), booleans bool scalars. */
export function asArrayLeaf(op: string, leaf: unknown, where: string, numbers: NumberLeaves = "float"): Array {
  if (leaf instanceof Array) return leaf;
  if (typeof leaf === "number") {
    if (numbers === "float" || !Number.isInteger(leaf)) return fullConcrete([], "float32", leaf, true);
    if (!fitsDType("int32", leaf)) {
      throw new TransformError(
        `${op}: ${where} is the JS number ${leaf}, an integer that does not fit int32 (the dtype JS integers are ` +
          "traced as); pass it as an array of a wider dtype (np.array(x, 'float64')) or mark the argument static",
      );
    }
    return fullConcrete([], "int32", leaf, true);
  }
  if (typeof leaf === "boolean") return new ConcreteArray([], "bool", new Uint8Array([leaf ? 1 : 0]));
  throw new TransformError(
    `${op}: ${where} is ${describe(leaf)}; every leaf of a transformed function's arguments and results must be an ` +
      "axle Array or a JS number (mark non-array arguments static or close over them; return other values from " +
      "outside the transformed function, or as aux with hasAux)",
  );
}

function describe(x: unknown): string {
  if (typeof x === "string") return `the string ${JSON.stringify(x)}`;
  if (typeof x === "function") return "a function";
  if (x !== null && typeof x === "object") return `an instance of ${x.constructor?.name ?? "Object"}`;
  return String(x);
}

/** `argument 0` + `layers[1].b` → `argument 0.layers[1].b`. */
export function joinPath(name: string, path: string): string {
  if (path === "") return name;
  return path.startsWith("[") ? `${name}${path}` : `${name}.${path}`;
}

/**
 * Flatten a tree whose leaves must all be arrays or JS numbers (taken as `numbers` says). `name`
 * prefixes key paths in errors.
 */
export function flattenArrays(op: string, tree: unknown, name: string, numbers: NumberLeaves = "float"): [Array[], TreeDef] {
  const leaves: unknown[] = [];
  const def = flattenInto(tree, leaves, op, name);
  if (leaves.every((l) => l instanceof Array)) return [leaves as Array[], def];
  const paths = leavesWithPath(tree);
  return [leaves.map((l, i) => asArrayLeaf(op, l, joinPath(name, keyPathString(paths[i][0])), numbers)), def];
}

export function unflattenArrays<T>(def: TreeDef, leaves: readonly Array[]): T {
  return unflatten(def, leaves as unknown[]) as T;
}

/** Normalise argnums (a number or list; negative allowed) against the argument count. */
export function normalizeArgnums(op: string, argnums: number | readonly number[], nargs: number): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  if (list.length === 0) throw new TransformError(`${op}: argnums is empty; name at least one argument to differentiate`);
  return list.map((a) => {
    if (!Number.isInteger(a) || a < -nargs || a >= nargs) {
      throw new TransformError(
        `${op}: argnums ${JSON.stringify(argnums)} refers to argument ${a}, but the function was called with ${nargs} argument(s); ` +
          `argnums count from 0 (valid: ${-nargs}..${nargs - 1}, negative from the end)`,
      );
    }
    return a < 0 ? a + nargs : a;
  });
}

/** Differentiated leaves must be floating point. */
export function checkFloatLeaves(op: string, leaves: readonly Array[], argIndex: number, def: TreeDef, tree: unknown): void {
  leaves.forEach((l, i) => {
    if (!isFloat(l.dtype)) {
      const path = def.leafPaths()[i]; // `def` is `tree`'s treedef: no re-flattening of the tree
      throw new TransformError(
        `${op}: ${joinPath(`argument ${argIndex}`, path ? keyPathString(path) : "")} has dtype ${l.dtype} (${l.aval.str()}); ` +
          "only float32/float64 inputs can be differentiated. Cast with astype('float32'), or leave it out of argnums",
      );
    }
  });
  void tree;
}

/** A tuple of argument trees, flattened: all leaves, and per argument its treedef and leaf count. */
export interface FlatArgs {
  leaves: Array[];
  defs: TreeDef[];
  counts: number[];
}

export function flattenArgs(op: string, args: readonly unknown[], what = "argument", numbers: NumberLeaves = "float"): FlatArgs {
  const flats = args.map((a, i) => flattenArrays(op, a, `${what} ${i}`, numbers));
  return { leaves: flats.flatMap(([l]) => l), defs: flats.map(([, d]) => d), counts: flats.map(([l]) => l.length) };
}

/** Rebuild the argument trees from a flat list of leaves laid out as in `flat`. */
export function splitLeaves(leaves: readonly Array[], flat: Pick<FlatArgs, "defs" | "counts">): unknown[] {
  let k = 0;
  return flat.counts.map((n, i) => {
    const part = leaves.slice(k, k + n);
    k += n;
    return unflatten(flat.defs[i], part);
  });
}

/**
 * `f` as a function of flat leaves: rebuilds its arguments, calls it, flattens its output and
 * records the output's treedef in `out.def`. Errors raised in `f` name `op` as the transform they
 * arose under, unless `context` is false (the caller stages `f` with traceToIr, which names it).
 */
export function flatFn(
  op: string,
  f: (...args: never[]) => unknown,
  flat: Pick<FlatArgs, "defs" | "counts">,
  out: { def?: TreeDef },
  context = true,
): (...leaves: Array[]) => Array[] {
  return (...leaves: Array[]) => {
    const call = () => (f as unknown as (...a: unknown[]) => unknown)(...splitLeaves(leaves, flat));
    const res = context ? withTransformContext(op, call) : call();
    const [ol, od] = flattenArrays(op, res, "output");
    out.def = od;
    return ol;
  };
}
