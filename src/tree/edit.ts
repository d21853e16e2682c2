/** Producing edited copies of pytrees: `update` (immer recipes) and `at` (replace one node). */
import { Immer } from "immer";
import type { Array } from "../core/array.js";
import { TreeError } from "../core/errors.js";
import { ownTree, viewEntry, viewNode } from "./flatten.js";
import { keyPathString, type PathEntry, pathForMessage } from "./paths.js";
import { keyList, objectFromEntries, own, plural } from "./treedef.js";

// A private instance, so that immer never freezes anything itself (it would deep-freeze leaves
// such as Maps and the caller's own containers); `ownTree` freezes exactly our containers.
const immer = new Immer({ autoFreeze: false });

/**
 * The type of the draft an `update` recipe receives: containers become writable (recursively);
 * axle `Array`s, functions, Maps, Sets, Dates, RegExps and typed arrays stay as they are (immer
 * does not draft them: replace them by assignment).
 *
 * @example
 * const recipe = (d: TreeDraft<{ w: Array; steps: readonly number[] }>) => { d.steps.push(1); };
 */
export type TreeDraft<T> = T extends
  | Array
  | ((...args: never[]) => unknown)
  | ReadonlyMap<unknown, unknown>
  | ReadonlySet<unknown>
  | Date
  | RegExp
  | ArrayBufferView
  ? T
  : T extends object
    ? { -readonly [K in keyof T]: TreeDraft<T[K]> }
    : T;

/**
 * Returns a new frozen tree made by applying an immer `recipe` to a draft of `tree`. The input is
 * not modified (it is copied first: containers built by `tree.*` functions are shared, not
 * copied). Leaves such as axle `Array`s are class instances, which immer does not draft: reading
 * them from the draft gives the very same array, and you replace them by assignment. Leaves are
 * shared with the input, so never mutate one (e.g. a Map leaf) in the recipe. Registered class
 * instances are not drafted either: replace them rather than mutating them.
 *
 * @example
 * const next = tree.update(params, (d) => {
 *   d.layers[0].w = newW;
 *   d.step += 1;
 * });
 */
export function update<T>(tree: T, recipe: (draft: TreeDraft<T>) => void): T {
  const base = ownTree(tree, "tree.update");
  // A holder, so that immer accepts any root (a leaf or a registered class at the root is not
  // draftable and is passed to the recipe as it is).
  const [result] = immer.produce([base], (draft: unknown[]) => {
    recipe(draft[0] as TreeDraft<T>);
  });
  return ownTree(result, "tree.update") as T;
}

function stepEntry(step: string | number | PathEntry): PathEntry {
  if (typeof step === "number") return { kind: "index", index: step };
  if (typeof step === "string") return { kind: "key", key: step };
  return step;
}

/**
 * Returns a new frozen tree equal to `tree` except that the node at `path` is replaced by
 * `value`. Path steps are object keys (strings), array indices (numbers), and for registered
 * classes child indices or names; `PathEntry`s from `leavesWithPath` / `mapWithPath` work too.
 * The path must already exist (else `TreeError` naming it). The input is not modified.
 *
 * @example
 * tree.at({ layers: [{ w: a }, { w: b }] }, ["layers", 1, "w"], c); // { layers: [{ w: a }, { w: c }] }
 * tree.at(params, ["layers", 5], x); // TreeError: tree.at: path layers[5] does not exist: …
 */
export function at<T>(tree: T, path: readonly (string | number | PathEntry)[], value: unknown): T {
  const what = "tree.at";
  const entries = path.map(stepEntry);
  const done: PathEntry[] = [];
  const fail = (why: string): never => {
    throw new TreeError(
      `${what}: path ${pathForMessage(entries)} does not exist: ${why}` +
        (done.length > 0 ? ` at ${keyPathString(done)}` : " at the root"),
    );
  };
  const walk = (node: unknown, depth: number): unknown => {
    if (depth === entries.length) return ownTree(value, what);
    const view = viewNode(node, what, done);
    const step = entries[depth];
    // A step is either a name (object key, custom-node child name) or a position.
    const name = step.kind === "key" ? step.key : step.kind === "custom" ? step.name : undefined;
    const pos = name === undefined ? (step as { index: number }).index : undefined;
    const stepStr = name !== undefined ? `key ${JSON.stringify(name)}` : `index ${pos}`;
    let idx = -1;
    switch (view.kind) {
      case "leaf":
      case "null":
      case "undefined":
        return fail(`there is ${view.kind === "leaf" ? "a leaf" : view.kind}, which has no children,`);
      case "array":
        idx = pos ?? -1;
        if (!Number.isInteger(idx) || idx < 0 || idx >= view.children.length) {
          return fail(`there is no ${stepStr} in the array of ${plural(view.children.length)}`);
        }
        break;
      case "object":
        idx = name === undefined ? -1 : view.keys.indexOf(name);
        if (idx < 0) return fail(`there is no ${stepStr} in the object with keys ${keyList(view.keys)}`);
        break;
      case "custom": {
        idx = name !== undefined ? (view.names?.indexOf(name) ?? -1) : (pos as number);
        if (!Number.isInteger(idx) || idx < 0 || idx >= view.children.length) {
          const names = view.names === undefined ? "" : ` named ${keyList(view.names)}`;
          const node = `${view.registration.tag} node with ${plural(view.children.length)}${names}`;
          return fail(`there is no ${stepStr} in the ${node}`);
        }
        break;
      }
    }
    const children = view.children.map((c, j) => {
      if (j !== idx) return ownTree(c, what);
      done.push(viewEntry(view, j));
      const r = walk(c, depth + 1);
      done.pop();
      return r;
    });
    if (view.kind === "array") return own(children);
    if (view.kind === "object") return own(objectFromEntries(view.keys, children));
    return view.registration.handler.unflatten(view.aux, children);
  };
  return walk(tree, 0) as T;
}
