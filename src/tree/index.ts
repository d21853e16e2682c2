/**
 * Pytrees: nested containers of arrays, as parameters, gradients, optimizer states and
 * transform arguments are. Exposed to users as the `tree` namespace.
 *
 * - Containers: plain objects (prototype `Object.prototype` or `null`; own enumerable string
 *   keys, children in sorted key order), JS arrays (index order), and classes registered with
 *   `register`. `null` and `undefined` are empty nodes (no leaves) and round-trip exactly.
 * - Everything else is a leaf: axle `Array`s, numbers, booleans, strings, functions, typed
 *   arrays, other class instances.
 * - Trees returned by `unflatten`, `map`, `mapWithPath`, `update` and `at` are new, with every
 *   plain-object/array container frozen; leaves are never copied or frozen, inputs never
 *   modified. Objects are rebuilt with `Object.prototype` as their prototype.
 * - Key paths print like `layers[1].b` (no leading dot; see `keyPathString`).
 */
export type { AssertSameStructureOptions } from "./compare.js";
export { assertSameStructure } from "./compare.js";
export type { TreeDraft } from "./edit.js";
export { at, update } from "./edit.js";
export { flatten, leaves, leavesWithPath, structure, unflatten } from "./flatten.js";
export { map, mapWithPath } from "./map.js";
export type { KeyPath, PathEntry } from "./paths.js";
export { keyPathString, pathKeys } from "./paths.js";
export type { Class, NodeHandler } from "./registry.js";
export { isLeaf, register } from "./registry.js";
export type { TreeDefKind } from "./treedef.js";
export { TreeDef } from "./treedef.js";
