/** Key paths: where a node sits in a pytree, and how to print that. */

/**
 * One step from a node to one of its children:
 * - `key`: a plain-object property (printed `.key`, or `["weird key"]` if not an identifier);
 * - `index`: a JS-array element (printed `[1]`);
 * - `custom`: a child of a registered class, by position, with the name `flatten` gave it if any
 *   (printed `.name` / `["weird name"]` when named, `[1]` otherwise).
 *
 * @example
 * const e: PathEntry = { kind: "key", key: "layers" };
 */
export type PathEntry =
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "custom"; readonly index: number; readonly name?: string };

/**
 * The steps from the root of a tree to a node; the root itself has the empty path.
 *
 * @example
 * const p: KeyPath = [{ kind: "key", key: "layers" }, { kind: "index", index: 1 }]; // layers[1]
 */
export type KeyPath = readonly PathEntry[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * How an object key prints: bare when it is an identifier, JSON-quoted otherwise.
 *
 * @example
 * formatKey("w");         // "w"
 * formatKey("weird key"); // "\"weird key\""
 */
export function formatKey(key: string): string {
  return IDENTIFIER.test(key) ? key : JSON.stringify(key);
}

function entryString(e: PathEntry): string {
  const name = e.kind === "key" ? e.key : e.kind === "custom" ? e.name : undefined;
  if (name === undefined) return `[${(e as { index: number }).index}]`;
  return IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/**
 * Prints a key path JS-style. Without `root` the string starts directly with the first step and
 * has no leading dot: `layers[1].b`, `[0].w`, `["weird key"]`; the empty (root) path prints as
 * `""`. With `root` (e.g. an argument name) it is prefixed: `params.layers[1].b`, `params[0]`,
 * and the root path prints as `root` itself.
 *
 * @example
 * keyPathString([{ kind: "key", key: "layers" }, { kind: "index", index: 1 }, { kind: "key", key: "b" }]);
 * // "layers[1].b"
 * keyPathString([{ kind: "index", index: 0 }], "params"); // "params[0]"
 */
export function keyPathString(path: KeyPath, root = ""): string {
  let s = root;
  for (const e of path) s += entryString(e);
  return root === "" && s.startsWith(".") ? s.slice(1) : s;
}

/**
 * The simple keys of a path, as `tree.at` takes them: object keys and custom-node names as
 * strings, array indices and unnamed custom-node positions as numbers.
 *
 * @example
 * pathKeys([{ kind: "key", key: "layers" }, { kind: "index", index: 1 }]); // ["layers", 1]
 */
export function pathKeys(path: KeyPath): (string | number)[] {
  return path.map((e) => (e.kind === "key" ? e.key : e.kind === "custom" ? (e.name ?? e.index) : e.index));
}

/** Internal: `keyPathString`, or `<root>` for the empty path (for error messages). */
export function pathForMessage(path: KeyPath): string {
  return path.length === 0 ? "<root>" : keyPathString(path);
}
