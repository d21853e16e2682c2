/** Checking a tree against an expected structure, with errors naming the first difference. */
import { Array } from "../core/array.js";
import { TreeError } from "../core/errors.js";
import { auxString } from "./aux.js";
import { flattenInto, type NodeView, viewNode } from "./flatten.js";
import { formatKey, keyPathString, type PathEntry, pathForMessage } from "./paths.js";
import { type CustomInfo, keyList, plural, TreeDef } from "./treedef.js";

/** Internal: a short description of a leaf value, e.g. `f32[2]` or `number 3`. */
export function describeLeafValue(x: unknown): string {
  if (x instanceof Array) return x.aval.str();
  switch (typeof x) {
    case "number":
    case "boolean":
    case "bigint":
      return `${typeof x} ${String(x)}`;
    case "string":
      return `string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)}`;
    case "function":
      return `function ${x.name || "(anonymous)"}`;
    case "symbol":
      return String(x);
  }
  const ctor: unknown = Object.getPrototypeOf(x)?.constructor;
  return `${typeof ctor === "function" && ctor.name ? ctor.name : "object"} instance`;
}

function describeView(x: unknown, v: NodeView): string {
  switch (v.kind) {
    case "leaf":
      return `a leaf (${describeLeafValue(x)})`;
    case "null":
    case "undefined":
      return v.kind;
    case "array":
      return `an array of ${plural(v.children.length)}`;
    case "object":
      return `an object with keys ${keyList(v.keys)}`;
    case "custom":
      return `a ${v.registration.tag} node (aux ${auxString(v.aux)}) with ${plural(v.children.length)}`;
  }
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** Why node `v` does not match the root of `d`, or `undefined` if it does. */
function difference(d: TreeDef, v: NodeView): string | undefined {
  if (d.kind !== v.kind) return "";
  switch (v.kind) {
    case "array":
      return d.children.length === v.children.length ? undefined : "";
    case "object": {
      if (sameList(d.keys, v.keys)) return undefined;
      const got = new Set(v.keys);
      const want = new Set(d.keys);
      const missing = d.keys.filter((k) => !got.has(k));
      const extra = v.keys.filter((k) => !want.has(k));
      const parts: string[] = [];
      if (missing.length > 0) parts.push(`missing ${missing.map(formatKey).join(", ")}`);
      if (extra.length > 0) parts.push(`unexpected ${extra.map(formatKey).join(", ")}`);
      return parts.length > 0 ? ` (${parts.join("; ")})` : "";
    }
    case "custom": {
      const c = d.custom as CustomInfo;
      if (c.registration !== v.registration) return "";
      if (c.auxStr !== auxString(v.aux)) return " (the aux data differs)";
      if (d.children.length !== v.children.length) return "";
      if (!sameList(c.names, v.names)) return " (the child names differ)";
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Internal: walks `x` along `def`, pushing its leaves onto `leaves`, and throws `TreeError`
 * (`<what>: structure mismatch at <path>: expected …, got …<suffix>`) at the first node, in
 * flattening order, where `x` differs from `def`. With `prefix`, `def` only needs to be a prefix
 * of `x`'s structure: where `def` has a leaf, the whole subtree of `x` there is pushed (JAX's
 * `flatten_up_to`).
 */
export function flattenAgainst(def: TreeDef, x: unknown, leaves: unknown[], what: string, suffix = "", prefix = false): void {
  const path: PathEntry[] = [];
  const walk = (d: TreeDef, v: unknown): void => {
    if (prefix && d.kind === "leaf") {
      leaves.push(v);
      return;
    }
    const node = viewNode(v, what, path);
    const diff = difference(d, node);
    if (diff !== undefined) {
      throw new TreeError(
        `${what}: structure mismatch at ${pathForMessage(path)}: expected ${d.describe()}, ` +
          `got ${describeView(v, node)}${diff}${suffix}`,
      );
    }
    if (node.kind === "leaf") {
      leaves.push(v);
      return;
    }
    if (node.kind === "null" || node.kind === "undefined") return;
    node.children.forEach((c, i) => {
      path.push(d.childEntry(i));
      walk(d.children[i], c);
      path.pop();
    });
  };
  walk(def, x);
}

/**
 * Options of `assertSameStructure`.
 *
 * @example
 * tree.assertSameStructure(expected, got, { what: "jit(f): output" });
 */
export interface AssertSameStructureOptions {
  /** The operation named at the start of the error message (default `tree.assertSameStructure`). */
  what?: string;
  /** A name for the root in paths, e.g. `params` gives `params.layers[1].b` (default none). */
  root?: string;
  /** Also compare array leaves: `"shape"` requires equal shapes, `"aval"` equal shapes and dtypes. */
  leaves?: "shape" | "aval";
}

/**
 * Throws `TreeError` unless `got` has the same structure as `expected` (a tree, or a `TreeDef`
 * to compare against). The message names the first differing key path, e.g.
 * `jit: structure mismatch at layers[1]: expected an array of 2 children, got an object with keys [b, w]`.
 *
 * @example
 * tree.assertSameStructure({ w: x, b: x }, { w: y, b: y });           // ok
 * tree.assertSameStructure({ w: x }, { w: null }, { what: "grad" });
 * // TreeError: grad: structure mismatch at w: expected a leaf, got null
 */
export function assertSameStructure(expected: unknown, got: unknown, opts: AssertSameStructureOptions = {}): void {
  const what = opts.what ?? "tree.assertSameStructure";
  const want: unknown[] = [];
  const def = expected instanceof TreeDef ? expected : flattenInto(expected, want, what);
  const have: unknown[] = [];
  flattenAgainst(def, got, have, what);
  if (opts.leaves === undefined || expected instanceof TreeDef) return;
  const differs = (w: Array, h: Array) =>
    opts.leaves === "aval" ? !w.aval.equals(h.aval) : w.ndim !== h.ndim || w.shape.some((d, k) => d !== h.shape[k]);
  const i = want.findIndex((w, k) => w instanceof Array && have[k] instanceof Array && differs(w, have[k] as Array));
  if (i >= 0) {
    const path = keyPathString(def.leafPaths()[i], opts.root ?? "") || "<root>";
    throw new TreeError(`${what}: ${path}: expected ${(want[i] as Array).aval.str()}, got ${(have[i] as Array).aval.str()}`);
  }
}
