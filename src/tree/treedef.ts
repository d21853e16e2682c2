/** `TreeDef`: the immutable structure of a pytree, without its leaves. */
import { TreeError } from "../core/errors.js";
import { auxString } from "./aux.js";
import { formatKey, type KeyPath, keyPathString, type PathEntry } from "./paths.js";
import type { Registration } from "./registry.js";

/**
 * What kind of node a `TreeDef` describes.
 *
 * @example
 * tree.structure([1, 2]).kind; // "array"
 */
export type TreeDefKind = "leaf" | "null" | "undefined" | "object" | "array" | "custom";

const TOKEN: unique symbol = Symbol("TreeDef");

/** Internal: the custom-node part of a treedef. */
export interface CustomInfo {
  readonly registration: Registration;
  readonly aux: unknown;
  readonly auxStr: string;
  readonly names: readonly string[] | undefined;
}

/**
 * The structure of a pytree: its containers, their keys/lengths/classes, and where the leaves go
 * (but not the leaves). Immutable. Two treedefs are `equals` iff their `toString()`s are equal,
 * and `toString()` is a deterministic description usable in cache keys:
 * `*` per leaf, `null`, `undefined`, `[*, *]` for arrays, `{a: *, "weird key": *}` for objects
 * (keys sorted), `Point(aux)[*, *]` (or `Point(aux)[x: *, y: *]` with child names) for
 * registered classes.
 *
 * @example
 * const def = tree.structure({ b: [x, y], a: x, c: null });
 * def.toString();  // "{a: *, b: [*, *], c: null}"
 * def.numLeaves;   // 3
 * def.unflatten([1, 2, 3]); // { a: 1, b: [2, 3], c: null }
 */
export class TreeDef {
  /** The kind of the root node. */
  readonly kind: TreeDefKind;
  /** The structures of the root's children, in flattening order. */
  readonly children: readonly TreeDef[];
  /** Object nodes: the sorted keys, one per child. Other kinds: `[]`. */
  readonly keys: readonly string[];
  /** The number of leaves in the tree. */
  readonly numLeaves: number;
  /** Internal: the registration, aux and child names of a custom node. */
  readonly custom: CustomInfo | undefined;
  #str: string | undefined;

  /** Internal: use `tree.structure` / `tree.flatten` to get treedefs. */
  constructor(
    token: typeof TOKEN,
    kind: TreeDefKind,
    children: readonly TreeDef[],
    keys: readonly string[],
    custom?: CustomInfo,
  ) {
    if (token !== TOKEN) throw new TreeError("TreeDef: get treedefs from tree.structure or tree.flatten");
    this.kind = kind;
    this.children = Object.freeze(children.slice());
    this.keys = Object.freeze(keys.slice());
    this.custom = custom === undefined ? undefined : Object.freeze({ ...custom });
    let n = kind === "leaf" ? 1 : 0;
    for (const c of children) n += c.numLeaves;
    this.numLeaves = n;
    Object.freeze(this);
  }

  /**
   * Builds a tree of this structure from `leaves` (in flattening order). Same as
   * `tree.unflatten(this, leaves)`.
   *
   * @example
   * tree.structure([x, { a: y }]).unflatten([1, 2]); // [1, { a: 2 }]
   */
  unflatten(leaves: readonly unknown[]): unknown {
    return unflattenDef(this, leaves, "TreeDef.unflatten");
  }

  /**
   * Whether `other` describes the same structure (same containers, keys, lengths, registered
   * classes, aux data and child names).
   *
   * @example
   * tree.structure({ a: x }).equals(tree.structure({ a: 3 })); // true
   */
  equals(other: TreeDef): boolean {
    return this === other || (this.numLeaves === other.numLeaves && this.toString() === other.toString());
  }

  /**
   * The key paths of the leaves, in flattening order.
   *
   * @example
   * tree.structure({ b: [x, y], a: x }).leafPaths().map((p) => tree.keyPathString(p));
   * // ["a", "b[0]", "b[1]"]
   */
  leafPaths(): KeyPath[] {
    const out: KeyPath[] = [];
    const path: PathEntry[] = [];
    const walk = (d: TreeDef): void => {
      if (d.kind === "leaf") out.push(path.slice());
      d.children.forEach((c, i) => {
        path.push(d.childEntry(i));
        walk(c);
        path.pop();
      });
    };
    walk(this);
    return out;
  }

  /**
   * The path step from this node to its `i`-th child.
   *
   * @example
   * tree.structure({ a: 1, b: 2 }).childEntry(1); // { kind: "key", key: "b" }
   */
  childEntry(i: number): PathEntry {
    if (this.kind === "object") return { kind: "key", key: this.keys[i] };
    if (this.kind === "array") return { kind: "index", index: i };
    const name = this.custom?.names?.[i];
    return name === undefined ? { kind: "custom", index: i } : { kind: "custom", index: i, name };
  }

  /**
   * The deterministic structure string, e.g. `{a: *, b: [*, *], c: null}`.
   *
   * @example
   * tree.structure([x, null, undefined]).toString(); // "[*, null, undefined]"
   */
  toString(): string {
    if (this.#str === undefined) {
      const parts: string[] = [];
      writeDef(this, parts);
      this.#str = parts.join("");
    }
    return this.#str;
  }

  /**
   * A short description of the root node for error messages, e.g. `an array of 2 children`.
   *
   * @example
   * tree.structure({ w: 1, b: 2 }).describe(); // "an object with keys [b, w]"
   */
  describe(): string {
    switch (this.kind) {
      case "leaf":
        return "a leaf";
      case "null":
      case "undefined":
        return this.kind;
      case "array":
        return `an array of ${plural(this.children.length)}`;
      case "object":
        return `an object with keys ${keyList(this.keys)}`;
      case "custom": {
        const c = this.custom as CustomInfo;
        return `a ${c.registration.tag} node (aux ${c.auxStr}) with ${plural(this.children.length)}`;
      }
    }
  }
}

/** Internal: `n child`/`n children`. */
export function plural(n: number): string {
  return `${n} ${n === 1 ? "child" : "children"}`;
}

/** Internal: `[a, b, "weird key"]`, shortened after 10 keys. */
export function keyList(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map(formatKey);
  if (keys.length > 10) shown.push(`… ${keys.length - 10} more`);
  return `[${shown.join(", ")}]`;
}

function writeDef(d: TreeDef, out: string[]): void {
  switch (d.kind) {
    case "leaf":
      out.push("*");
      return;
    case "null":
    case "undefined":
      out.push(d.kind);
      return;
  }
  const names = d.kind === "object" ? d.keys : d.kind === "custom" ? d.custom?.names : undefined;
  if (d.kind === "custom") {
    const c = d.custom as CustomInfo;
    out.push(formatKey(c.registration.tag), "(", c.auxStr, ")");
  }
  out.push(d.kind === "object" ? "{" : "[");
  d.children.forEach((c, i) => {
    if (i > 0) out.push(", ");
    if (names !== undefined) out.push(formatKey(names[i]), ": ");
    writeDef(c, out);
  });
  out.push(d.kind === "object" ? "}" : "]");
}

/** Internal: the shared treedef of a single leaf. */
export const LEAF_DEF = new TreeDef(TOKEN, "leaf", [], []);
/** Internal: the shared treedef of `null`. */
export const NULL_DEF = new TreeDef(TOKEN, "null", [], []);
/** Internal: the shared treedef of `undefined`. */
export const UNDEFINED_DEF = new TreeDef(TOKEN, "undefined", [], []);

/** Internal: an array node. */
export function arrayDef(children: readonly TreeDef[]): TreeDef {
  return new TreeDef(TOKEN, "array", children, []);
}

/** Internal: an object node; `keys` must be sorted and match `children`. */
export function objectDef(keys: readonly string[], children: readonly TreeDef[]): TreeDef {
  return new TreeDef(TOKEN, "object", children, keys);
}

/** Internal: a registered-class node. */
export function customDef(
  registration: Registration,
  aux: unknown,
  names: readonly string[] | undefined,
  children: readonly TreeDef[],
): TreeDef {
  const frozenNames = names === undefined ? undefined : Object.freeze(names.slice());
  return new TreeDef(TOKEN, "custom", children, [], { registration, aux, auxStr: auxString(aux), names: frozenNames });
}

// Containers built (and frozen) by this module carry a private brand: their whole subtree was
// built here too, so edits can share them instead of copying. A brand is a private field put on
// the container by a constructor that returns it (invisible to users: no property, no symbol);
// a WeakSet entry costs ~0.5 µs per container against ~0.001 µs for the brand (`bench/costs.ts`,
// item 2), and a jitted training step returns several containers per call.
class ReturnsItsArgument {
  constructor(o: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the subclass's field lands on `o`, which is the point
    return o as ReturnsItsArgument;
  }
}
class OwnedBrand extends ReturnsItsArgument {
  #owned = true;
  static has(o: object): boolean {
    return #owned in o;
  }
}

/** Internal: freezes a container this module just built and remembers it as ours. */
export function own<T extends object>(x: T): T {
  // Branding twice would throw; the brand goes on before the freeze.
  if (!OwnedBrand.has(x)) new OwnedBrand(x);
  // Only plain arrays and objects come here: a shallow Object.freeze is what immer's freeze does
  // for them, without its type checks (this runs for every container of every jit output).
  Object.freeze(x);
  return x;
}

/** Internal: whether `x` is a container built by this module (and so frozen, with frozen descendants). */
export function isOwned(x: unknown): boolean {
  return typeof x === "object" && x !== null && OwnedBrand.has(x);
}

/** Internal: builds an object from entries without `__proto__` accidents. */
export function objectFromEntries(keys: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  keys.forEach((k, i) => {
    if (k === "__proto__")
      Object.defineProperty(o, k, { value: values[i], enumerable: true, writable: true, configurable: true });
    else o[k] = values[i];
  });
  return o;
}

/** Internal: builds a node of kind `def` from already-built children (frozen containers). */
export function buildNode(def: TreeDef, children: unknown[]): unknown {
  switch (def.kind) {
    case "null":
      return null;
    case "undefined":
      return undefined;
    case "array":
      return own(children);
    case "object":
      return own(objectFromEntries(def.keys, children));
    case "custom": {
      const c = def.custom as CustomInfo;
      return c.registration.handler.unflatten(c.aux, children);
    }
    case "leaf":
      throw new TreeError("tree: internal error: buildNode called on a leaf");
  }
}

/** Internal: `tree.unflatten` with the operation name for errors. */
export function unflattenDef(def: TreeDef, leaves: readonly unknown[], what: string): unknown {
  if (!(def instanceof TreeDef)) {
    throw new TreeError(`${what}: expected a TreeDef (from tree.flatten or tree.structure), got ${typeof def}`);
  }
  if (!globalThis.Array.isArray(leaves)) {
    throw new TreeError(`${what}: expected the leaves as a JS array, got ${leaves === null ? "null" : typeof leaves}`);
  }
  if (leaves.length !== def.numLeaves) {
    const paths = def.leafPaths();
    const detail =
      leaves.length < def.numLeaves
        ? `the first leaf without a value is at ${keyPathString(paths[leaves.length]) || "<root>"}`
        : `${leaves.length - def.numLeaves} extra`;
    throw new TreeError(
      `${what}: structure mismatch: the treedef ${truncate(def.toString())} has ${def.numLeaves} leaves ` +
        `but ${leaves.length} ${leaves.length === 1 ? "was" : "were"} given (${detail})`,
    );
  }
  let pos = 0;
  const build = (d: TreeDef): unknown => {
    if (d.kind === "leaf") return leaves[pos++];
    return buildNode(d, d.children.map(build));
  };
  return build(def);
}

/** Internal: shortens long structure strings in messages. */
export function truncate(s: string, max = 200): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
