/** Flattening a pytree into its leaves and treedef, and back. */
import { TreeError } from "../core/errors.js";
import { type KeyPath, keyPathString, type PathEntry } from "./paths.js";
import { isPlainObject, type Registration, registrationOf } from "./registry.js";
import {
  arrayDef,
  customDef,
  isOwned,
  LEAF_DEF,
  NULL_DEF,
  objectDef,
  objectFromEntries,
  own,
  type TreeDef,
  UNDEFINED_DEF,
  unflattenDef,
} from "./treedef.js";

/** Internal: one node of a tree, taken apart. */
export type NodeView =
  | { readonly kind: "leaf" }
  | { readonly kind: "null" }
  | { readonly kind: "undefined" }
  | { readonly kind: "array"; readonly children: unknown[] }
  | { readonly kind: "object"; readonly keys: string[]; readonly children: unknown[] }
  | {
      readonly kind: "custom";
      readonly registration: Registration;
      readonly aux: unknown;
      readonly names: readonly string[] | undefined;
      readonly children: unknown[];
    };

const LEAF_VIEW: NodeView = { kind: "leaf" };
const NULL_VIEW: NodeView = { kind: "null" };
const UNDEFINED_VIEW: NodeView = { kind: "undefined" };

/**
 * Internal: takes one node apart: plain objects (children in sorted key order), JS arrays
 * (index order, holes read as `undefined`), registered classes (via their `flatten`), `null`,
 * `undefined`; everything else is a leaf.
 */
export function viewNode(x: unknown, what: string, path: KeyPath, root = ""): NodeView {
  if (x === null) return NULL_VIEW;
  if (x === undefined) return UNDEFINED_VIEW;
  if (typeof x !== "object") return LEAF_VIEW;
  if (globalThis.Array.isArray(x)) {
    const children: unknown[] = new globalThis.Array(x.length);
    for (let i = 0; i < x.length; i++) children[i] = x[i];
    return { kind: "array", children };
  }
  if (isPlainObject(x)) {
    const keys = Object.keys(x).sort();
    return { kind: "object", keys, children: keys.map((k) => x[k]) };
  }
  const registration = registrationOf(x);
  if (registration === undefined) return LEAF_VIEW;
  const result = registration.handler.flatten(x);
  const where = keyPathString(path, root) || "<root>";
  if (!globalThis.Array.isArray(result) || !globalThis.Array.isArray(result[0])) {
    throw new TreeError(
      `${what}: the flatten of registered class ${registration.tag} (at ${where}) must return [children, aux] ` +
        "or [children, aux, names] with children a JS array",
    );
  }
  const children = result[0].slice();
  const names = result.length > 2 ? result[2] : undefined;
  if (names !== undefined && (!globalThis.Array.isArray(names) || names.length !== children.length)) {
    throw new TreeError(
      `${what}: the flatten of registered class ${registration.tag} (at ${where}) returned ${children.length} ` +
        "children but names that are not a JS array of as many strings",
    );
  }
  return { kind: "custom", registration, aux: result[1], names: names?.map(String), children };
}

/** Internal: the path step to child `i` of a node view. */
export function viewEntry(v: NodeView, i: number): PathEntry {
  switch (v.kind) {
    case "object":
      return { kind: "key", key: v.keys[i] };
    case "custom": {
      const name = v.names?.[i];
      return name === undefined ? { kind: "custom", index: i } : { kind: "custom", index: i, name };
    }
    default:
      return { kind: "index", index: i };
  }
}

/**
 * Internal: flattens `x`, pushing its leaves onto `leaves`; `what` names the operation in errors
 * and `root` what `x` is to the user (e.g. "argument 0"), so paths read `argument 0.layers[1]`.
 */
export function flattenInto(x: unknown, leaves: unknown[], what: string, root = ""): TreeDef {
  const path: PathEntry[] = [];
  const ancestors = new Set<object>();
  const walk = (v: unknown): TreeDef => {
    const node = viewNode(v, what, path, root);
    switch (node.kind) {
      case "leaf":
        leaves.push(v);
        return LEAF_DEF;
      case "null":
        return NULL_DEF;
      case "undefined":
        return UNDEFINED_DEF;
    }
    const obj = v as object;
    if (ancestors.has(obj)) {
      throw new TreeError(
        `${what}: the tree contains a cycle: the node at ${keyPathString(path, root) || "<root>"} is one of its own ancestors; ` +
          "pytrees must be acyclic (pass the arrays, not an object graph that refers back to itself)",
      );
    }
    ancestors.add(obj);
    const defs = node.children.map((c, i) => {
      path.push(viewEntry(node, i));
      const d = walk(c);
      path.pop();
      return d;
    });
    ancestors.delete(obj);
    if (node.kind === "array") return arrayDef(defs);
    if (node.kind === "object") return objectDef(node.keys, defs);
    return customDef(node.registration, node.aux, node.names, defs);
  };
  return walk(x);
}

/**
 * Splits a pytree into its leaves (in flattening order: object children by sorted key, array
 * children by index, registered classes in the order their `flatten` gives) and its structure.
 * `null` and `undefined` are empty nodes, not leaves.
 *
 * @example
 * const [leaves, def] = tree.flatten({ w: x, b: [y, null] });
 * leaves;          // [y, x]   (b before w)
 * def.toString();  // "{b: [*, null], w: *}"
 */
export function flatten(tree: unknown): [leaves: unknown[], treedef: TreeDef] {
  const leaves: unknown[] = [];
  const def = flattenInto(tree, leaves, "tree.flatten");
  return [leaves, def];
}

/**
 * Builds a tree of structure `treedef` whose leaves are `leaves` (in flattening order). The
 * containers of the result are new and frozen; leaves are used as they are. Throws `TreeError`
 * when the number of leaves is wrong, naming the first leaf path without a value.
 *
 * @example
 * const [leaves, def] = tree.flatten({ a: x, b: [y] });
 * tree.unflatten(def, leaves.map((l) => l.mul(2))); // { a: 2x, b: [2y] }, frozen
 */
export function unflatten(treedef: TreeDef, leaves: readonly unknown[]): unknown {
  return unflattenDef(treedef, leaves, "tree.unflatten");
}

/**
 * The leaves of a pytree, in flattening order (see `flatten`).
 *
 * @example
 * tree.leaves({ b: [1, 2], a: 3, c: null }); // [3, 1, 2]
 */
export function leaves(tree: unknown): unknown[] {
  const out: unknown[] = [];
  flattenInto(tree, out, "tree.leaves");
  return out;
}

/**
 * The structure of a pytree (its treedef), without the leaves.
 *
 * @example
 * tree.structure({ a: x, b: [x, x], c: null }).toString(); // "{a: *, b: [*, *], c: null}"
 */
export function structure(tree: unknown): TreeDef {
  return flattenInto(tree, [], "tree.structure");
}

/**
 * The leaves of a pytree with their key paths, in flattening order.
 *
 * @example
 * tree.leavesWithPath({ layers: [{ w: x }] }).map(([p, l]) => tree.keyPathString(p));
 * // ["layers[0].w"]
 */
export function leavesWithPath(tree: unknown): [path: KeyPath, leaf: unknown][] {
  const out: unknown[] = [];
  const def = flattenInto(tree, out, "tree.leavesWithPath");
  const paths = def.leafPaths();
  return out.map((leaf, i) => [paths[i], leaf]);
}

/**
 * Internal: `x` with every container replaced by a frozen copy built by this module (containers
 * already built by it are shared as they are; leaves are never copied or frozen; registered
 * classes are rebuilt with their `unflatten`).
 */
export function ownTree(x: unknown, what: string): unknown {
  const path: PathEntry[] = [];
  const ancestors = new Set<object>();
  const walk = (v: unknown): unknown => {
    if (isOwned(v)) return v;
    const node = viewNode(v, what, path);
    if (node.kind === "leaf" || node.kind === "null" || node.kind === "undefined") return v;
    const obj = v as object;
    if (ancestors.has(obj)) {
      throw new TreeError(
        `${what}: the tree contains a cycle: the node at ${keyPathString(path) || "<root>"} is one of its own ancestors`,
      );
    }
    ancestors.add(obj);
    const children = node.children.map((c, i) => {
      path.push(viewEntry(node, i));
      const r = walk(c);
      path.pop();
      return r;
    });
    ancestors.delete(obj);
    if (node.kind === "array") return own(children);
    if (node.kind === "object") return own(objectFromEntries(node.keys, children));
    return node.registration.handler.unflatten(node.aux, children);
  };
  return walk(x);
}
