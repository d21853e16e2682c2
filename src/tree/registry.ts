/**
 * The registry of user classes that pytrees treat as containers (`tree.register`), and the rule
 * that decides what kind of node a value is.
 */
import { Array } from "../core/array.js";
import { TreeError } from "../core/errors.js";

/**
 * How a registered class is taken apart and put back together.
 *
 * `flatten` returns the children (which are pytrees themselves) and an `aux` value holding
 * everything else that identifies the structure (it becomes part of the treedef, and so of jit
 * cache keys: keep it small; plain data is compared by value, functions and other objects by
 * identity). It may return a third element, one name per child, which key paths then use instead
 * of the child's index. `unflatten(aux, children)` builds a new instance.
 *
 * @example
 * const handler: NodeHandler<Point, string> = {
 *   flatten: (p) => [[p.x, p.y], p.label, ["x", "y"]],
 *   unflatten: (label, [x, y]) => new Point(x, y, label),
 * };
 */
export interface NodeHandler<T, A = unknown> {
  flatten(
    x: T,
  ): readonly [children: readonly unknown[], aux: A] | readonly [children: readonly unknown[], aux: A, names: readonly string[]];
  unflatten(aux: A, children: unknown[]): T;
}

/**
 * Any class (abstract or not, with any constructor parameters) whose instances are `T`.
 *
 * @example
 * const c: Class<Point> = Point;
 */
export type Class<T> = abstract new (...args: never[]) => T;

/** Internal: a registered class with a tag unique among registered classes. */
export interface Registration {
  readonly cls: Class<unknown>;
  readonly tag: string;
  readonly handler: NodeHandler<unknown, unknown>;
}

const byPrototype = new Map<object, Registration>();
const usedTags = new Set<string>();

/**
 * Makes instances of `cls` pytree nodes instead of leaves. Only instances whose prototype is
 * exactly `cls.prototype` are affected (subclasses must be registered themselves). Registering a
 * class twice, or registering `Object`, JS `Array` or an axle `Array` class, throws `TreeError`.
 *
 * In key paths a child of a registered node appears as `[i]` (its index), or as `.name` when
 * `flatten` returns names. Instances built by `unflatten` are not frozen by the tree module.
 *
 * @example
 * class Point { constructor(readonly x: unknown, readonly y: unknown) {} }
 * tree.register(Point, {
 *   flatten: (p) => [[p.x, p.y], null, ["x", "y"]],
 *   unflatten: (_aux, [x, y]) => new Point(x, y),
 * });
 * tree.leaves(new Point(1, 2)); // [1, 2]
 */
export function register<T, A>(cls: Class<T>, handler: NodeHandler<T, A>): void {
  if (typeof cls !== "function" || typeof cls.prototype !== "object" || cls.prototype === null) {
    throw new TreeError("tree.register: expected a class (a constructor function with a prototype)");
  }
  const name = cls.name || "anonymous";
  if ((cls as unknown) === Object || (cls as unknown) === globalThis.Array) {
    throw new TreeError(`tree.register: ${name} is a built-in pytree container and cannot be registered`);
  }
  if (cls.prototype instanceof Array || (cls as unknown) === Array) {
    throw new TreeError(`tree.register: ${name} is an axle Array class; arrays are always pytree leaves`);
  }
  if (byPrototype.has(cls.prototype)) {
    throw new TreeError(`tree.register: class ${name} is already registered`);
  }
  let tag = name;
  for (let k = 2; usedTags.has(tag); k++) tag = `${name}#${k}`;
  usedTags.add(tag);
  byPrototype.set(cls.prototype, {
    cls,
    tag,
    handler: handler as unknown as NodeHandler<unknown, unknown>,
  });
}

/** Internal: the registration of `x`'s exact class, if any. */
export function registrationOf(x: object): Registration | undefined {
  const proto = Object.getPrototypeOf(x);
  return proto === null ? undefined : byPrototype.get(proto);
}

/** Internal: whether `x` is a plain object (prototype `Object.prototype` or `null`). */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * Whether `x` is a pytree leaf: anything that is not a plain object, a JS array, a registered
 * class instance, `null` or `undefined` (axle `Array`s, numbers, booleans, strings, functions,
 * typed arrays, other class instances…).
 *
 * @example
 * tree.isLeaf(np.zeros([2])); // true
 * tree.isLeaf(3);             // true
 * tree.isLeaf({ a: 1 });      // false
 * tree.isLeaf(null);          // false (an empty node)
 */
export function isLeaf(x: unknown): boolean {
  if (x === null || x === undefined) return false;
  if (typeof x !== "object") return true;
  if (x instanceof Array) return true;
  if (globalThis.Array.isArray(x) || isPlainObject(x)) return false;
  return registrationOf(x) === undefined;
}
