/** Mapping functions over the leaves of one or more pytrees of the same structure. */
import type { Array } from "../core/array.js";
import { flattenAgainst } from "./compare.js";
import { flattenInto, ownTree } from "./flatten.js";
import { type KeyPath, keyPathString } from "./paths.js";
import { type TreeDef, unflattenDef } from "./treedef.js";

/**
 * An error thrown by the mapped function, with the leaf's key path added in front of its message
 * (same error class, original as `cause`), so a shape mismatch deep in a tree says where it is.
 */
function atLeaf(e: unknown, what: string, def: TreeDef, i: number): unknown {
  if (!(e instanceof Error) || e.message.startsWith(`${what}: at `)) return e;
  const path = keyPathString(def.leafPaths()[i]) || "<root>";
  const Ctor = e.constructor as new (message: string, options?: { cause?: unknown }) => Error;
  const wrapped = new Ctor(`${what}: at ${path}: ${e.message}`, { cause: e });
  if (wrapped.message !== `${what}: at ${path}: ${e.message}`) return e; // a class with another constructor
  return wrapped;
}

function mapImpl(
  what: string,
  fn: (i: number, def: TreeDef, leaves: unknown[]) => unknown,
  tree: unknown,
  rest: readonly unknown[],
): unknown {
  const first: unknown[] = [];
  const def = flattenInto(tree, first, what);
  const others = rest.map((t, k) => {
    const ls: unknown[] = [];
    flattenAgainst(def, t, ls, what, ` (tree argument ${k + 2} differs from the first tree)`, true);
    return ls;
  });
  const out = first.map((leaf, i) => {
    try {
      return ownTree(fn(i, def, [leaf, ...others.map((o) => o[i])]), what);
    } catch (e) {
      throw atLeaf(e, what, def, i);
    }
  });
  return unflattenDef(def, out, what);
}

/**
 * Applies `fn` to every leaf of `tree` (and the corresponding parts of the `rest` trees) and
 * returns a new frozen tree of the same structure. As in JAX's `tree_map`, `tree` must be a
 * *prefix* of each of the `rest` trees: where `tree` has a leaf, `fn` receives the whole subtree
 * of the others at that position (a leaf, a container, or null); everywhere else the structures
 * must match, else `TreeError` naming the first differing key path. The input trees are not
 * modified. When
 * `fn` maps `Array`s to `Array`s the static type of the tree is kept (this overload assumes every
 * leaf is an `Array`; annotate `fn`'s parameter, e.g. `(x: number) => …`, for other leaves, and
 * the result is then `unknown`). Leaf results that are containers become part of the tree (they
 * are copied and frozen).
 *
 * @example
 * const updated = tree.map((p, g) => p.sub(g.mul(0.1)), params, grads); // same type as params
 * tree.map((x: number) => x + 1, { a: 1, b: [2] }); // { a: 2, b: [3] }
 * tree.map((scale: number, sub: unknown) => tree.leaves(sub).length * scale, { a: 10 }, { a: [1, 2] }); // { a: 20 }
 */
export function map<T>(fn: (leaf: Array, ...rest: Array[]) => Array, tree: T, ...rest: T[]): T;
export function map<R>(fn: (leaf: Array, ...rest: Array[]) => R, tree: unknown, ...rest: unknown[]): unknown;
export function map<L, R>(fn: (leaf: L, ...rest: L[]) => R, tree: unknown, ...rest: unknown[]): unknown;
export function map(fn: (...leaves: never[]) => unknown, tree: unknown, ...rest: unknown[]): unknown {
  const f = fn as (...leaves: unknown[]) => unknown;
  return mapImpl("tree.map", (_i, _def, ls) => f(...ls), tree, rest);
}

/**
 * Like `map`, but `fn` also receives the key path of the leaf (see `keyPathString`).
 *
 * @example
 * tree.mapWithPath((path, x) => (tree.keyPathString(path).endsWith(".b") ? x : x.mul(0.5)), params);
 */
export function mapWithPath<T>(fn: (path: KeyPath, leaf: Array, ...rest: Array[]) => Array, tree: T, ...rest: T[]): T;
export function mapWithPath<R>(
  fn: (path: KeyPath, leaf: Array, ...rest: Array[]) => R,
  tree: unknown,
  ...rest: unknown[]
): unknown;
export function mapWithPath<L, R>(fn: (path: KeyPath, leaf: L, ...rest: L[]) => R, tree: unknown, ...rest: unknown[]): unknown;
export function mapWithPath(fn: (path: KeyPath, ...leaves: never[]) => unknown, tree: unknown, ...rest: unknown[]): unknown {
  const f = fn as (path: KeyPath, ...leaves: unknown[]) => unknown;
  let paths: KeyPath[] | undefined;
  return mapImpl(
    "tree.mapWithPath",
    (i, def, ls) => {
      paths ??= def.leafPaths();
      return f(paths[i], ...ls);
    },
    tree,
    rest,
  );
}
