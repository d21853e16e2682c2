/**
 * The argument skeleton of a cached jit signature: the structure and avals of a call's
 * arguments, recorded once, so that a later call with the same structure is recognised by one
 * walk that compares, without building the string key (which cost a few µs per call of a
 * training step whose parameters and optimizer state are nested objects).
 *
 * It encodes exactly what jit's fast key encodes — list lengths, sorted object keys, leaf avals,
 * null and undefined — so arguments that match a skeleton have that skeleton's key. Anything
 * else, including an object whose keys were inserted in another order, does not match, and the
 * call takes the keyed path.
 */
import { Array as ArrayClass } from "../core/array.js";

const NULL = Symbol("null");
const UNDEFINED = Symbol("undefined");

/** A list's length, an object's sorted keys, a leaf's aval text, or null/undefined. */
type Token = number | readonly string[] | string | typeof NULL | typeof UNDEFINED;

export type Skeleton = readonly Token[];

const MAX_DEPTH = 32;

/**
 * The skeleton of `args`, or null when they hold something the fast key does not take (numbers,
 * class instances other than arrays, deeper than 32 levels).
 */
export function recordSkeleton(args: readonly unknown[]): Skeleton | null {
  const out: Token[] = [args.length];
  const visit = (x: unknown, depth: number): boolean => {
    if (x instanceof ArrayClass) {
      out.push(x.aval.str());
      return true;
    }
    if (x === null || x === undefined) {
      out.push(x === null ? NULL : UNDEFINED);
      return true;
    }
    if (depth > MAX_DEPTH || typeof x !== "object") return false;
    if (globalThis.Array.isArray(x)) {
      out.push(x.length);
      return x.every((c) => visit(c, depth + 1));
    }
    const proto = Object.getPrototypeOf(x);
    if (proto !== Object.prototype && proto !== null) return false;
    const rec = x as Record<string, unknown>;
    const keys = Object.keys(rec).sort();
    out.push(keys);
    return keys.every((k) => visit(rec[k], depth + 1));
  };
  return args.every((a) => visit(a, 0)) ? out : null;
}

/** Walk state, reused across calls (matching is synchronous and never re-entered mid-walk). */
let skel: Skeleton = [];
let pos = 0;
let found: unknown[] = [];

function matches(x: unknown, depth: number): boolean {
  const t = skel[pos++];
  if (x instanceof ArrayClass) {
    if (typeof t !== "string" || x.aval.str() !== t) return false;
    found.push(x);
    return true;
  }
  if (x === null) return t === NULL;
  if (x === undefined) return t === UNDEFINED;
  if (depth > MAX_DEPTH || typeof x !== "object") return false;
  if (globalThis.Array.isArray(x)) {
    if (t !== x.length) return false;
    for (let i = 0; i < x.length; i++) if (!matches(x[i], depth + 1)) return false;
    return true;
  }
  if (typeof t !== "object" || t === null) return false;
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) return false;
  const rec = x as Record<string, unknown>;
  const keys = Object.keys(rec);
  const want = t as readonly string[];
  if (keys.length !== want.length) return false;
  // Insertion order must be the sorted order; other orders take the keyed path.
  for (let i = 0; i < keys.length; i++) if (keys[i] !== want[i]) return false;
  for (let i = 0; i < want.length; i++) if (!matches(rec[want[i]], depth + 1)) return false;
  return true;
}

/**
 * The leaves of `args` in flattening order when they match `skeleton`, else null. A getter on
 * an argument object could call a jitted function during the walk, so the walk state is saved
 * and restored around it.
 */
export function matchSkeleton(skeleton: Skeleton, args: readonly unknown[]): unknown[] | null {
  if (skeleton[0] !== args.length) return null;
  const [savedSkel, savedPos, savedFound] = [skel, pos, found];
  skel = skeleton;
  pos = 1;
  found = [];
  try {
    for (let i = 0; i < args.length; i++) if (!matches(args[i], 0)) return null;
    return found;
  } finally {
    [skel, pos, found] = [savedSkel, savedPos, savedFound];
  }
}
