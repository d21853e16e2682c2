/** Property tests of the pytree laws over random trees. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ConcreteArray } from "../../src/core/array.js";
import { TreeError } from "../../src/core/errors.js";
import * as tree from "../../src/tree/index.js";
import { containersFrozen, leafArb, oracleLeaves, Pair, sameShape, sameTree, show, snapshot, treeArb } from "./arbitraries.js";

const numRuns = 300;

/** Replaces the n-th leaf (in flattening order) by `null`, changing the structure if any leaf exists. */
function dropLeaf(t: unknown, n: number): unknown {
  const [ls, def] = tree.flatten(t);
  if (ls.length === 0) return t;
  const paths = def.leafPaths();
  return tree.at(t, paths[n % ls.length], null);
}

/** A copy with every plain object's keys inserted in reverse order (same structure). */
function reverseKeys(t: unknown): unknown {
  if (Array.isArray(t)) return t.map(reverseKeys);
  if (t instanceof Pair) return new Pair(reverseKeys(t.first), reverseKeys(t.second), t.tag);
  if (typeof t === "object" && t !== null && !(t instanceof ConcreteArray)) {
    return Object.fromEntries(
      Object.entries(t)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return t;
}

describe("pytree laws", () => {
  test("unflatten(flatten(t)) ≡ t (null/undefined preserved, leaves identical)", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const [ls, def] = tree.flatten(t);
        expect(def.numLeaves).toBe(ls.length);
        const back = tree.unflatten(def, ls);
        expect(sameTree(back, t), `${show(back)} vs ${show(t)}`).toBe(true);
        expect(sameTree(def.unflatten(ls), t)).toBe(true);
      }),
      { numRuns },
    );
  });

  test("map(id, t) ≡ t", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        expect(
          sameTree(
            tree.map((x: unknown) => x, t),
            t,
          ),
        ).toBe(true);
      }),
      { numRuns },
    );
  });

  test("map(f, map(g, t)) ≡ map(f ∘ g, t) for leaf-valued f, g", () => {
    fc.assert(
      fc.property(treeArb, fc.func(leafArb), fc.func(leafArb), (t, f, g) => {
        const lhs = tree.map(
          (x: unknown) => f(x),
          tree.map((x: unknown) => g(x), t),
        );
        const rhs = tree.map((x: unknown) => f(g(x)), t);
        expect(sameTree(lhs, rhs)).toBe(true);
      }),
      { numRuns },
    );
  });

  test("map with several trees passes corresponding leaves", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const indexed = tree.unflatten(
          tree.structure(t),
          tree.leaves(t).map((_, i) => i),
        );
        const pairs = tree.map((a: unknown, i: unknown) => [a, i], t, indexed);
        // Each leaf became a 2-element array [leaf, index] (a container: frozen as well).
        expect(containersFrozen(pairs)).toBe(true);
        expect(tree.leaves(pairs)).toEqual(tree.leaves(t).flatMap((l, i) => [l, i]));
      }),
      { numRuns },
    );
  });

  test("returned trees are frozen containers; leaves are not frozen", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const [ls, def] = tree.flatten(t);
        expect(containersFrozen(tree.unflatten(def, ls))).toBe(true);
        expect(containersFrozen(tree.map((x: unknown) => x, t))).toBe(true);
        expect(containersFrozen(tree.mapWithPath((_p: tree.KeyPath, x: unknown) => x, t))).toBe(true);
        expect(containersFrozen(tree.update(t, () => {}))).toBe(true);
      }),
      { numRuns },
    );
  });

  test("inputs are never mutated (not even frozen)", () => {
    fc.assert(
      fc.property(treeArb, treeArb, fc.nat(), (t, other, n) => {
        const before = snapshot(t);
        tree.flatten(t);
        tree.leaves(t);
        tree.leavesWithPath(t);
        tree.structure(t).toString();
        tree.map((x: unknown) => x, t, t);
        tree.mapWithPath((_p: tree.KeyPath, x: unknown) => x, t);
        tree.update(t, () => {});
        dropLeaf(t, n);
        try {
          tree.assertSameStructure(t, other);
        } catch {
          // mismatches are expected; only mutation matters here
        }
        expect(snapshot(t)).toBe(before);
      }),
      { numRuns },
    );
  });

  test("treedef strings are equal iff the structures are equal", () => {
    const pairArb = fc.oneof(
      fc.tuple(treeArb, treeArb),
      treeArb.map((t) => [t, tree.map(() => 0, t)] as const),
      fc.tuple(treeArb, fc.nat()).map(([t, n]) => [t, dropLeaf(t, n)] as const),
      treeArb.map((t) => [t, reverseKeys(t)] as const),
    );
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        const da = tree.structure(a);
        const db = tree.structure(b);
        const same = sameShape(a, b);
        expect(da.toString() === db.toString()).toBe(same);
        expect(da.equals(db)).toBe(same);
        expect(da.toString()).toBe(tree.structure(a).toString()); // deterministic
        if (same) tree.assertSameStructure(a, b);
        else expect(() => tree.assertSameStructure(a, b)).toThrow(/structure mismatch at /);
      }),
      { numRuns },
    );
  });

  test("leaves come in sorted-key / index order", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const ls = tree.leaves(t);
        const oracle = oracleLeaves(t);
        expect(ls.length).toBe(oracle.length);
        ls.forEach((l, i) => expect(Object.is(l, oracle[i])).toBe(true));
      }),
      { numRuns },
    );
  });

  test("leavesWithPath paths lead to their leaves, and at() replaces exactly them", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const withPaths = tree.leavesWithPath(t);
        expect(withPaths.map(([, l]) => l)).toEqual(tree.leaves(t));
        withPaths.forEach(([path], i) => {
          const edited = tree.at(t, path, { marker: i });
          const expected = tree.unflatten(
            tree.structure(t),
            tree.leaves(t).map((l, j) => (j === i ? { marker: i } : l)),
          );
          expect(sameTree(edited, expected)).toBe(true);
          expect(containersFrozen(edited)).toBe(true);
        });
      }),
      { numRuns: 100 },
    );
  });

  test("mapWithPath receives the leafPaths of the structure", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const seen: string[] = [];
        tree.mapWithPath((p: tree.KeyPath, x: unknown) => {
          seen.push(tree.keyPathString(p));
          return x;
        }, t);
        expect(seen).toEqual(
          tree
            .structure(t)
            .leafPaths()
            .map((p) => tree.keyPathString(p)),
        );
      }),
      { numRuns },
    );
  });

  test("unflatten with the wrong number of leaves throws TreeError", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const [ls, def] = tree.flatten(t);
        expect(() => def.unflatten([...ls, 1])).toThrow(TreeError);
        expect(() => def.unflatten([...ls, 1])).toThrow(/structure mismatch: .*\(1 extra\)/);
        if (ls.length > 0) expect(() => def.unflatten(ls.slice(1))).toThrow(/first leaf without a value is at/);
      }),
      { numRuns: 100 },
    );
  });
});
