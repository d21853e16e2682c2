/** Unit and property tests of tree.update and tree.at. */
import fc from "fast-check";
import { isDraft } from "immer";
import { describe, expect, test } from "vitest";
import { type Array, ConcreteArray } from "../../src/core/array.js";
import { TreeError } from "../../src/core/errors.js";
import * as tree from "../../src/tree/index.js";
import { containersFrozen, Pair, sameTree, snapshot, treeArb } from "./arbitraries.js";

const arr = (...vals: number[]) => new ConcreteArray([vals.length], "float32", Float32Array.from(vals));

function makeParams() {
  return {
    layers: [
      { w: arr(1, 2) as Array, b: arr(0) as Array },
      { w: arr(3, 4) as Array, b: arr(1) as Array },
    ],
    step: 0,
    meta: null as null | { note: string },
  };
}

describe("update", () => {
  test("returns a new frozen tree; the input is untouched", () => {
    const p = makeParams();
    const before = snapshot(p);
    const newW = arr(9, 9);
    const next = tree.update(p, (d) => {
      d.layers[1].w = newW;
      d.step += 1;
      d.meta = { note: "hi" };
    });
    expect(snapshot(p)).toBe(before);
    expect(Object.isFrozen(p)).toBe(false);
    expect(Object.isFrozen(p.layers)).toBe(false);
    expect(next).not.toBe(p);
    expect(next.layers[1].w).toBe(newW);
    expect(next.layers[0].w).toBe(p.layers[0].w); // leaves survive unchanged (same object)
    expect(next.layers[1].b).toBe(p.layers[1].b);
    expect(next.step).toBe(1);
    expect(next.meta).toEqual({ note: "hi" });
    expect(containersFrozen(next)).toBe(true);
    expect(Object.isFrozen(next.meta)).toBe(true);
    expect(Object.isFrozen(newW)).toBe(false);
    expect(Object.isFrozen(p.layers[0].w)).toBe(false);
  });

  test("axle Arrays are not drafted by immer", () => {
    const p = makeParams();
    tree.update(p, (d) => {
      expect(isDraft(d)).toBe(true);
      expect(isDraft(d.layers[0])).toBe(true);
      expect(isDraft(d.layers[0].w)).toBe(false);
      expect(d.layers[0].w).toBe(p.layers[0].w);
      expect(d.layers[0].w).toBeInstanceOf(ConcreteArray);
    });
  });

  test("shares the containers of trees built by the tree module", () => {
    const p = tree.map((x) => x, makeParams());
    const next = tree.update(p, (d) => {
      d.step = 5;
    });
    expect(next.layers).toBe(p.layers);
    expect(tree.update(p, () => {})).toBe(p);
  });

  test("leaf roots, registered nodes and non-tree leaves like Maps", () => {
    const x = arr(1);
    expect(tree.update(x, () => {})).toBe(x);
    const m = new Map([["k", 1]]);
    const out = tree.update({ m, pair: new Pair(1, [2], null) }, (d) => {
      d.pair = new Pair(3, [4], null);
    });
    expect(out.m).toBe(m);
    expect(Object.isFrozen(m)).toBe(false);
    m.set("k", 2); // still mutable: the tree module never freezes leaves
    expect(tree.leaves(out)).toEqual([m, 3, 4]);
    expect(containersFrozen(out)).toBe(true);
  });

  test("property: update that changes nothing is the identity, and never mutates the input", () => {
    fc.assert(
      fc.property(treeArb, (t) => {
        const before = snapshot(t);
        const out = tree.update(t, () => {});
        expect(snapshot(t)).toBe(before);
        expect(sameTree(out, t)).toBe(true);
        expect(containersFrozen(out)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("at", () => {
  test("replaces the node at a path; new frozen tree; input untouched", () => {
    const p = makeParams();
    const before = snapshot(p);
    const newB = arr(7);
    const next = tree.at(p, ["layers", 1, "b"], newB);
    expect(snapshot(p)).toBe(before);
    expect(next.layers[1].b).toBe(newB);
    expect(next.layers[0].w).toBe(p.layers[0].w);
    expect(containersFrozen(next)).toBe(true);
    expect(sameTree(tree.at(p, [], 3), 3)).toBe(true);
    // Replacing a subtree with a container copies (and freezes) the copy, not the caller's object.
    const sub = { w: arr(0), b: arr(0) };
    const next2 = tree.at(p, ["layers", 0], sub);
    expect(next2.layers[0]).not.toBe(sub);
    expect(next2.layers[0]).toEqual(sub);
    expect(Object.isFrozen(sub)).toBe(false);
  });

  test("registered nodes by name or index; KeyPaths from leavesWithPath", () => {
    const t = { s: new Pair(1, [2, 3], "p") };
    expect(tree.leaves(tree.at(t, ["s", "second", 1], 9))).toEqual([1, 2, 9]);
    expect(tree.leaves(tree.at(t, ["s", 0], 9))).toEqual([9, 2, 3]);
    const [, [path]] = tree.leavesWithPath(t);
    expect(tree.leaves(tree.at(t, path, 8))).toEqual([1, 8, 3]);
  });

  test("errors name the missing path", () => {
    const p = makeParams();
    const msg = (path: (string | number)[]) => {
      try {
        tree.at(p, path, 0);
      } catch (e) {
        expect(e).toBeInstanceOf(TreeError);
        return (e as Error).message;
      }
      return "no error";
    };
    expect(msg(["layers", 5])).toBe(
      "tree.at: path layers[5] does not exist: there is no index 5 in the array of 2 children at layers",
    );
    expect(msg(["layers", 1, "c"])).toMatch(
      /^tree\.at: path layers\[1\]\.c does not exist: there is no key "c" in the object with keys \[b, w\] at layers\[1\]$/,
    );
    expect(msg(["layers", 1, "b", 0])).toMatch(
      /path layers\[1\]\.b\[0\] does not exist: there is a leaf, which has no children, at layers\[1\]\.b/,
    );
    expect(msg(["meta", "note"])).toMatch(/path meta\.note does not exist: there is null, which has no children, at meta/);
    expect(msg(["nope"])).toMatch(/there is no key "nope" .* at the root/);
    expect(msg(["layers", "0"])).toMatch(/there is no key "0" in the array of 2 children/);
  });
});
