/** Shared fast-check arbitraries and oracles for the pytree tests. */
import fc from "fast-check";
import { ConcreteArray } from "../../src/core/array.js";
import { register } from "../../src/tree/index.js";

/** A registered test class with named children and aux data. */
export class Pair {
  constructor(
    readonly first: unknown,
    readonly second: unknown,
    readonly tag: string | number | null,
  ) {}
}
register(Pair, {
  flatten: (p: Pair) => [[p.first, p.second], p.tag, ["first", "second"]],
  unflatten: (tag, [first, second]) => new Pair(first, second, tag),
});

export const shapeArb = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 });

export const arrayLeafArb: fc.Arbitrary<ConcreteArray> = shapeArb.chain((shape) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return fc
    .array(fc.integer({ min: -100, max: 100 }), { minLength: size, maxLength: size })
    .map((vals) => new ConcreteArray(shape, "float32", Float32Array.from(vals)));
});

export const leafArb: fc.Arbitrary<unknown> = fc.oneof(arrayLeafArb, fc.double(), fc.integer(), fc.boolean());

export const keyArb = fc.oneof(
  fc.constantFrom("a", "b", "w", "layers", "weird key", "0", "10", "2", "__proto__", "constructor", "Z", "_", ""),
  fc.string({ maxLength: 3 }),
);

export const { tree: treeArb } = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
  tree: fc.oneof(
    { maxDepth: 8, depthSize: "max", depthIdentifier: "tree" },
    { arbitrary: leafArb, weight: 1 },
    { arbitrary: tie("node"), weight: 3 },
  ),
  node: fc.oneof(
    { depthSize: "max", depthIdentifier: "tree" },
    { arbitrary: fc.constantFrom(null, undefined), weight: 1 },
    { arbitrary: fc.array(tie("tree"), { maxLength: 4, depthIdentifier: "tree" }), weight: 3 },
    { arbitrary: fc.dictionary(keyArb, tie("tree"), { maxKeys: 4, depthIdentifier: "tree" }), weight: 3 },
    {
      arbitrary: fc
        .tuple(tie("tree"), tie("tree"), fc.constantFrom<string | number | null>("p", 1, null))
        .map(([a, b, tag]) => new Pair(a, b, tag)),
      weight: 1,
    },
  ),
}));

function isPlain(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null) return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** Strict structural equality; leaves compared with `leafEq` (identity by default). */
export function sameTree(a: unknown, b: unknown, leafEq: (x: unknown, y: unknown) => boolean = Object.is): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameTree(x, b[i], leafEq));
  }
  if (isPlain(a) || isPlain(b)) {
    if (!isPlain(a) || !isPlain(b)) return false;
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameTree(a[k], b[k], leafEq));
  }
  if (a instanceof Pair || b instanceof Pair) {
    return (
      a instanceof Pair &&
      b instanceof Pair &&
      a.tag === b.tag &&
      sameTree(a.first, b.first, leafEq) &&
      sameTree(a.second, b.second, leafEq)
    );
  }
  return leafEq(a, b);
}

/** Same structure, leaves ignored (an oracle independent of TreeDef). */
export function sameShape(a: unknown, b: unknown): boolean {
  return sameTree(a, b, (x, y) => isOracleLeaf(x) && isOracleLeaf(y));
}

function isOracleLeaf(x: unknown): boolean {
  return x !== null && x !== undefined && !Array.isArray(x) && !isPlain(x) && !(x instanceof Pair);
}

/** The leaves in the documented order: sorted object keys, array indices, Pair first/second. */
export function oracleLeaves(t: unknown): unknown[] {
  if (t === null || t === undefined) return [];
  if (Array.isArray(t)) return t.flatMap(oracleLeaves);
  if (isPlain(t)) {
    return Object.keys(t)
      .sort()
      .flatMap((k) => oracleLeaves(t[k]));
  }
  if (t instanceof Pair) return [...oracleLeaves(t.first), ...oracleLeaves(t.second)];
  return [t];
}

/** Every plain-object/array container is frozen (recursively); array leaves are not. */
export function containersFrozen(t: unknown): boolean {
  if (t === null || t === undefined) return true;
  if (Array.isArray(t)) return Object.isFrozen(t) && t.every(containersFrozen);
  if (isPlain(t)) return Object.isFrozen(t) && Object.values(t).every(containersFrozen);
  if (t instanceof Pair) return containersFrozen(t.first) && containersFrozen(t.second);
  if (t instanceof ConcreteArray) return !Object.isFrozen(t);
  return true;
}

/**
 * A string recording every container's identity, prototype, frozenness and own keys in order,
 * and every leaf's identity, so that any mutation of a tree changes it.
 */
export function snapshot(t: unknown): string {
  const ids = new Map<unknown, number>();
  const id = (x: unknown): number => {
    let i = ids.get(x);
    if (i === undefined) ids.set(x, (i = ids.size));
    return i;
  };
  const go = (x: unknown): string => {
    if (x === null || x === undefined) return String(x);
    if (typeof x === "number") return Object.is(x, -0) ? "-0" : String(x);
    if (typeof x !== "object") return `${typeof x}:${String(x)}`;
    const tag = `#${id(x)}${Object.isFrozen(x) ? "F" : ""}${Object.isExtensible(x) ? "" : "N"}`;
    if (Array.isArray(x)) return `A${tag}[${x.map(go).join(",")}]`;
    if (isPlain(x)) {
      const proto = Object.getPrototypeOf(x) === null ? "0" : "";
      return `O${proto}${tag}{${Object.keys(x)
        .map((k) => `${JSON.stringify(k)}:${go(x[k])}`)
        .join(",")}}`;
    }
    if (x instanceof Pair) return `P${tag}(${go(x.first)},${go(x.second)},${String(x.tag)})`;
    return `L${tag}`;
  };
  return go(t);
}

/** A string showing a tree for failure messages. */
export function show(t: unknown): string {
  return fc.stringify(t);
}
