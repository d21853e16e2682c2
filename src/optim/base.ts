/**
 * The optimizer contract, optax style: an optimizer is a pure pair `{ init, update }` over
 * pytrees, its state a pytree of arrays (so a whole training step can be `jit`-ted).
 */
import { Array } from "../core/array.js";
import { type DType, promoteTypes } from "../core/dtype.js";
import { TreeError, ValueError } from "../core/errors.js";
import * as np from "../numpy/index.js";
import * as tree from "../tree/index.js";

/**
 * A gradient transformation: `init(params)` builds the state; `update(updates, state, params?)`
 * maps incoming updates (usually gradients) to outgoing updates and the next state. Both are
 * pure: nothing is mutated, returned trees are frozen, and every state leaf is an `Array` (step
 * counts are int32 scalars), so `update` works under `jit`, `vmap` and `grad`.
 *
 * @example
 * const opt = optim.adam(1e-3);
 * let state = opt.init(params);
 * const [updates, next] = opt.update(grads, state, params);
 * params = optim.applyUpdates(params, updates);
 */
export interface GradientTransformation<S = unknown> {
  /** The initial state for parameters shaped like `params`. */
  init(params: unknown): S;
  /** Transformed updates (same structure as `updates`) and the next state. */
  update<U>(updates: U, state: S, params?: unknown): readonly [U, S];
}

/**
 * A transformation of any state type, for combinators' signatures (method syntax makes every
 * `GradientTransformation<S>` assignable to it).
 */
export type AnyTransformation = GradientTransformation<unknown>;

/** The state type of a transformation. */
export type StateOf<T> = T extends GradientTransformation<infer S> ? S : never;

/** The state of stateless transformations: an empty (frozen) record. */
export type EmptyState = Readonly<Record<string, never>>;

/** A step-indexed value, e.g. a learning rate: `(step) → f32[]`, written with np ops so it works under `jit`. */
export type Schedule = (step: Array | number) => Array;

/** A constant (JS number) or a schedule. */
export type ScalarOrSchedule = number | Schedule;

/** A step count: a fresh int32 scalar 0. */
export function zeroCount(): Array {
  return np.zeros([], "int32");
}

const INT32_MAX = 2 ** 31 - 1;

/** count + 1, saturating at the int32 maximum instead of wrapping to a negative step. */
export function incrementCount(count: Array): Array {
  return np.where(count.lt(INT32_MAX), count.add(1), count);
}

/** Internal: throws a ValueError naming `op` and the path unless every leaf of `t` is an axle Array. */
export function checkArrayLeaves(op: string, t: unknown, what: string): void {
  for (const [path, leaf] of tree.leavesWithPath(t)) {
    if (!(leaf instanceof Array)) {
      const where = tree.keyPathString(path) || "<root>";
      throw new ValueError(
        `${op}: ${what} leaf ${where} is ${typeof leaf === "object" ? `an instance of ${leaf?.constructor?.name}` : `the ${typeof leaf} ${String(leaf)}`}; ` +
          "optimizers need every leaf to be an axle Array (wrap numbers with np.array(x))",
      );
    }
  }
}

/** The trees an update is checked against: the state `init(params)` built, or the params. */
export type StructureSide = "state" | "params";

function keysText(keys: readonly string[]): string {
  return `key${keys.length === 1 ? "" : "s"} ${keys.join(", ")}`;
}

/** How two tree nodes differ, from the point of view of the updates, or undefined if they match. */
function nodeDifference(u: tree.TreeDef, s: tree.TreeDef, what: string, side: StructureSide): string | undefined {
  if (u.kind === s.kind && u.kind === "object") {
    const extra = u.keys.filter((k) => !s.keys.includes(k));
    const missing = s.keys.filter((k) => !u.keys.includes(k));
    const parts: string[] = [];
    if (extra.length > 0)
      parts.push(`the ${what} have ${keysText(extra)}, which the ${side} ${side === "state" ? "lacks" : "lack"}`);
    if (missing.length > 0)
      parts.push(`the ${what} lack ${keysText(missing)}, which the ${side} ${side === "state" ? "has" : "have"}`);
    return parts.length > 0 ? parts.join("; ") : undefined;
  }
  const same =
    u.kind === s.kind && u.children.length === s.children.length && (u.kind !== "custom" || u.toString() === s.toString());
  return same
    ? undefined
    : `the ${what} have ${u.describe()} but the ${side} ${side === "state" ? "has" : "have"} ${s.describe()}`;
}

/**
 * Internal: throws a TreeError unless `updates` has the structure of `like` (a tree of the state
 * that `init(params)` built, or the params), naming the transformation, the first differing path
 * and which side lacks which key, from the user's point of view (the grads are what they pass).
 */
export function checkStructure(
  op: string,
  updates: unknown,
  like: unknown,
  side: StructureSide,
  what: "grads" | "updates" = "grads",
): void {
  const u = tree.structure(updates);
  const s = tree.structure(like);
  if (u.equals(s)) return;
  const path: tree.PathEntry[] = [];
  const walk = (a: tree.TreeDef, b: tree.TreeDef): string | undefined => {
    const diff = nodeDifference(a, b, what, side);
    if (diff !== undefined) return diff;
    for (let i = 0; i < a.children.length; i++) {
      path.push(a.childEntry(i));
      const d = walk(a.children[i], b.children[i]);
      if (d !== undefined) return d;
      path.pop();
    }
    return undefined;
  };
  const diff = walk(u, s) ?? `the ${what} are ${u} but the ${side} ${side === "state" ? "is" : "are"} ${s}`;
  const where = path.length === 0 ? "<root>" : tree.keyPathString(path);
  const fix =
    side === "state"
      ? `pass ${what} with the structure of the params given to init (${s})`
      : `pass ${what} with the structure of the params (${s})`;
  throw new TreeError(`${op}: ${what} vs. ${side}: structure mismatch at ${where}: ${diff}; ${fix}`);
}

/**
 * Internal: `t` with errors from its `update` about the inputs (TreeError, ValueError) prefixed
 * with the optimizer's name, so a mismatch inside a chain says which optimizer the user called.
 */
export function named<S>(name: string, t: GradientTransformation<S>): GradientTransformation<S> {
  const label = `optim.${name}`;
  const rename = (e: unknown): unknown => {
    if (!(e instanceof TreeError || e instanceof ValueError) || e.message.startsWith(label)) return e;
    const Ctor = e.constructor as new (message: string, options?: { cause?: unknown }) => Error;
    return new Ctor(`${label}: ${e.message}`, { cause: e });
  };
  return {
    init: (params) => {
      try {
        return t.init(params);
      } catch (e) {
        throw rename(e);
      }
    },
    update: (updates, state, params) => {
      try {
        return t.update(updates, state, params);
      } catch (e) {
        throw rename(e);
      }
    },
  };
}

/** Internal: a tree of zeros shaped like `params` (the accumulators' initial state). */
export function zerosLikeTree<T>(op: string, params: T): T {
  checkArrayLeaves(op, params, "parameter");
  return tree.map((p) => np.zerosLike(p), params);
}

/** Internal: a frozen `[updates, state]` pair. */
export function pair<U, S>(updates: U, state: S): readonly [U, S] {
  return Object.freeze([updates, state] as const);
}

/** Internal: the params a transform needs, or a ValueError saying how to pass them. */
export function requireParams(op: string, params: unknown): unknown {
  if (params === undefined) {
    throw new ValueError(`${op}: update needs the current parameters; call update(grads, state, params)`);
  }
  return params;
}

/** Internal: a schedule's value at `step` (a JS number or an array, possibly traced). */
export function valueAt(lr: ScalarOrSchedule, step: Array): Array | number {
  return typeof lr === "number" ? lr : lr(step);
}

/**
 * `params + updates`, leaf by leaf, keeping each parameter's dtype; the result has the type of
 * `params` (and is frozen; the inputs are untouched).
 *
 * @example
 * const next = optim.applyUpdates({ w: np.array([1, 2]) }, { w: np.array([0.5, -1]) }); // { w: [1.5, 1] }
 */
export function applyUpdates<P>(params: P, updates: unknown): P {
  checkArrayLeaves("applyUpdates", params, "parameter");
  checkStructure("applyUpdates", updates, params, "params", "updates");
  checkArrayLeaves("applyUpdates", updates, "update");
  tree.assertSameStructure(params, updates, { what: "applyUpdates: updates vs. params", root: "params", leaves: "shape" });
  return tree.map((p, u) => p.add(u.astype(p.dtype)), params, updates as P);
}

/**
 * The global L2 norm √(Σ_leaves Σ x²) of a tree of arrays, as a scalar array of the leaves'
 * promoted float dtype (float32 for float32 leaves). The squares are summed in float64, as
 * `clipByGlobalNorm` does: in float32 they overflow for entries above ~1.8e19 and underflow below
 * ~1e-23, so the norm of large (exploding) or tiny gradients would be inf or 0 although it is
 * representable.
 *
 * @example
 * optim.globalNorm({ a: np.array([3]), b: np.array([4]) }); // 5
 */
export function globalNorm(t: unknown): Array {
  checkArrayLeaves("globalNorm", t, "tree");
  const leaves = tree.leaves(t) as Array[];
  const sq = leaves.map((x) => np.sum(np.square(x.astype("float64"))));
  const dtype = leaves.reduce<DType>((d, x) => promoteTypes(d, x.dtype), "float32");
  return np.sqrt(sq.reduce((a, b) => a.add(b), np.zeros([], "float64"))).astype(dtype);
}
