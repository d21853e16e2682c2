/** Unit tests: flatten/structure/paths, error messages, registered classes, typing. */
import { describe, expect, expectTypeOf, test } from "vitest";
import { type Array, ConcreteArray } from "../../src/core/array.js";
import { ShapeError, TreeError } from "../../src/core/errors.js";
import * as tree from "../../src/tree/index.js";
import { containersFrozen, Pair, sameTree } from "./arbitraries.js";

const arr = (...vals: number[]) => new ConcreteArray([vals.length], "float32", Float32Array.from(vals));

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(TreeError);
    return e as Error;
  }
  throw new Error("expected a TreeError, nothing was thrown");
}

describe("flatten / structure", () => {
  test("leaf rules and order", () => {
    const x = arr(1, 2);
    const f = () => 0;
    const t = { w: x, b: [1, true, "s", f, null, undefined], a: new Map(), c: new Float32Array(2) };
    const [ls, def] = tree.flatten(t);
    expect(ls).toEqual([t.a, 1, true, "s", f, t.c, x]);
    expect(ls[6]).toBe(x);
    expect(def.toString()).toBe("{a: *, b: [*, *, *, *, null, undefined], c: *, w: *}");
    expect(def.numLeaves).toBe(7);
    expect(def.kind).toBe("object");
    expect(def.keys).toEqual(["a", "b", "c", "w"]);
    expect(Object.isFrozen(def)).toBe(true);
    expect(Object.isFrozen(def.children)).toBe(true);
  });

  test("toString format", () => {
    const x = arr(1);
    expect(tree.structure({ b: [x, x], a: x, c: null }).toString()).toBe("{a: *, b: [*, *], c: null}");
    expect(tree.structure(x).toString()).toBe("*");
    expect(tree.structure(null).toString()).toBe("null");
    expect(tree.structure(undefined).toString()).toBe("undefined");
    expect(tree.structure([]).toString()).toBe("[]");
    expect(tree.structure({}).toString()).toBe("{}");
    expect(tree.structure({ "weird key": 1, "0": [], _ok: {} }).toString()).toBe('{"0": [], _ok: {}, "weird key": *}');
    expect(tree.structure(new Pair(1, [2], "p")).toString()).toBe('Pair("p")[first: *, second: [*]]');
  });

  test("null and undefined round-trip exactly (also in arrays; holes become undefined)", () => {
    const t = { a: null, b: undefined, c: [undefined, null], d: { e: null } };
    const back = tree.unflatten(...swap(tree.flatten(t)));
    expect(sameTree(back, t)).toBe(true);
    expect((back as typeof t).a).toBeNull();
    expect("b" in (back as object)).toBe(true);
    expect((back as typeof t).b).toBeUndefined();
    // biome-ignore lint/suspicious/noSparseArray: testing holes
    expect(tree.structure([, 1]).toString()).toBe("[undefined, *]");
    expect(tree.leaves(t)).toEqual([]);
  });

  test("null-prototype objects are containers; rebuilt with Object.prototype", () => {
    const o = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 });
    expect(tree.leaves(o)).toEqual([2, 1]);
    const back = tree.map((x: number) => x * 10, o) as Record<string, number>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(back).toEqual({ a: 20, b: 10 });
  });

  test("__proto__ keys are ordinary keys", () => {
    const o = JSON.parse('{"__proto__": 1, "a": 2}') as unknown;
    const back = tree.map((x: number) => x + 1, o) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(["__proto__", "a"]);
    expect(tree.leaves(back)).toEqual([2, 3]);
  });

  test("class instances that are not registered are leaves", () => {
    class Opaque {
      v = { nested: 1 };
    }
    const o = new Opaque();
    expect(tree.leaves({ o })).toEqual([o]);
    expect(tree.isLeaf(o)).toBe(true);
    expect(tree.isLeaf(arr(1))).toBe(true);
    expect(tree.isLeaf(3)).toBe(true);
    expect(tree.isLeaf(null)).toBe(false);
    expect(tree.isLeaf([])).toBe(false);
    expect(tree.isLeaf(new Pair(1, 2, null))).toBe(false);
    // Not frozen by map/update: only the tree's own containers are.
    const out = tree.map((x: unknown) => x, { o });
    expect(Object.isFrozen(o)).toBe(false);
    expect(Object.isFrozen(o.v)).toBe(false);
    expect(Object.isFrozen(out)).toBe(true);
  });

  test("cycles are reported", () => {
    const t: Record<string, unknown> = { a: 1 };
    t.self = { x: t };
    expect(thrown(() => tree.leaves(t)).message).toMatch(/tree\.leaves: the tree contains a cycle: .* at self\.x /);
  });

  test("a shared (non-cyclic) subtree is flattened twice", () => {
    const shared = { w: arr(1) };
    expect(tree.leaves([shared, shared])).toHaveLength(2);
  });
});

function swap<A, B>([a, b]: [A, B]): [B, A] {
  return [b, a];
}

describe("key paths", () => {
  const p = { layers: [{ w: arr(1), b: arr(2) }], "weird key": 1, "0": 2 };

  test("keyPathString formats", () => {
    const strs = tree.leavesWithPath(p).map(([path]) => tree.keyPathString(path));
    expect(strs).toEqual(['["0"]', "layers[0].b", "layers[0].w", '["weird key"]']);
    const [[first]] = tree.leavesWithPath([{ w: 1 }]);
    expect(tree.keyPathString(first)).toBe("[0].w");
    expect(tree.keyPathString(first, "params")).toBe("params[0].w");
    expect(tree.keyPathString([])).toBe("");
    expect(tree.keyPathString([], "params")).toBe("params");
    expect(tree.keyPathString([{ kind: "key", key: "layers" }], "params")).toBe("params.layers");
    expect(tree.pathKeys(first)).toEqual([0, "w"]);
  });

  test("mapWithPath passes paths, custom-node children by name", () => {
    const t = { opt: new Pair(arr(1), [arr(2)], null), lr: 0.1 };
    const seen: string[] = [];
    const out = tree.mapWithPath((path: tree.KeyPath, x: unknown) => {
      seen.push(tree.keyPathString(path, "state"));
      return x;
    }, t);
    expect(seen).toEqual(["state.lr", "state.opt.first", "state.opt.second[0]"]);
    expect(sameTree(out, t)).toBe(true);
  });

  test("mapWithPath with several trees", () => {
    const out = tree.mapWithPath(
      (path: tree.KeyPath, x: number, y: number) => `${tree.keyPathString(path)}=${x + y}`,
      { a: 1, b: [2] },
      { a: 10, b: [20] },
    );
    expect(out).toEqual({ a: "a=11", b: ["b[0]=22"] });
  });
});

describe("tree.map with a prefix tree (JAX's tree_map)", () => {
  test("a leaf of the first tree receives the whole corresponding subtree of the others", () => {
    const scales = { enc: 2, dec: 10 };
    const params = { enc: { w: 1, b: [2, 3] }, dec: 4 };
    const out = tree.map(
      (s: unknown, sub: unknown) => (tree.leaves(sub) as number[]).map((v) => v * (s as number)),
      scales,
      params,
    );
    expect(out).toEqual({ enc: [4, 6, 2], dec: [40] }); // leaves in key order: b, then w
    // A subtree that is null or a container is passed as it is.
    expect(tree.map((_a: unknown, b: unknown) => b === null, { a: 1 }, { a: null })).toEqual({ a: true });
    expect(
      tree.mapWithPath(
        (p: tree.KeyPath, _a: unknown, b: unknown) => `${tree.keyPathString(p)}:${JSON.stringify(b)}`,
        [1],
        [{ x: 2 }],
      ),
    ).toEqual(['[0]:{"x":2}']);
  });

  test("the others must still match wherever the first tree has structure", () => {
    expect(thrown(() => tree.map((x: unknown) => x, { a: { b: 1 } }, { a: 1 })).message).toMatch(
      /^tree\.map: structure mismatch at a: expected an object with keys \[b\], got a leaf \(number 1\) \(tree argument 2/,
    );
    expect(thrown(() => tree.map((x: unknown) => x, { a: 1 }, { a: 1, c: 2 })).message).toMatch(/at <root>: .*\(unexpected c\)/);
  });
});

describe("structure mismatch errors", () => {
  const w = arr(1, 2);

  test("tree.map names the first differing path and what differs", () => {
    const a = { layers: [{ w, b: w }, [w, w]] };
    const b = {
      layers: [
        { w, b: w },
        { w, b: w },
      ],
    };
    expect(thrown(() => tree.map((x: Array) => x, a, b)).message).toBe(
      "tree.map: structure mismatch at layers[1]: expected an array of 2 children, got an object with keys [b, w] " +
        "(tree argument 2 differs from the first tree)",
    );
    // The first tree is a prefix of the others: null (an empty node) there must match null.
    expect(thrown(() => tree.map((x: unknown) => x, { w: null }, { w: 1 })).message).toMatch(
      /^tree\.map: structure mismatch at w: expected null, got a leaf \(number 1\)/,
    );
  });

  test("nested paths and leaf descriptions", () => {
    const a = { layers: [{ w, b: { x: w } }] };
    const b = { layers: [{ w, b: w }] };
    expect(thrown(() => tree.map((x: Array) => x, a, b)).message).toMatch(
      /structure mismatch at layers\[0\]\.b: expected an object with keys \[x\], got a leaf \(f32\[2\]\)/,
    );
    expect(thrown(() => tree.map((x: unknown) => x, { a: [1] }, { a: [1] }, { a: [1, 2] })).message).toMatch(
      /at a: expected an array of 1 child, got an array of 2 children \(tree argument 3/,
    );
  });

  test("missing and unexpected keys are listed", () => {
    const msg = thrown(() => tree.assertSameStructure({ layers: [{ w, b: w }] }, { layers: [{ w, c: w }] })).message;
    expect(msg).toBe(
      "tree.assertSameStructure: structure mismatch at layers[0]: expected an object with keys [b, w], " +
        "got an object with keys [c, w] (missing b; unexpected c)",
    );
  });

  test("assertSameStructure: what, TreeDef input, null vs undefined, root", () => {
    expect(thrown(() => tree.assertSameStructure([1, 2], [1], { what: "jit" })).message).toBe(
      "jit: structure mismatch at <root>: expected an array of 2 children, got an array of 1 child",
    );
    const def = tree.structure({ a: null });
    expect(() => tree.assertSameStructure(def, { a: null })).not.toThrow();
    expect(thrown(() => tree.assertSameStructure(def, { a: undefined })).message).toMatch(/at a: expected null, got undefined/);
    expect(thrown(() => tree.assertSameStructure({ a: 1 }, 7)).message).toMatch(
      /at <root>: expected an object with keys \[a\], got a leaf \(number 7\)/,
    );
  });

  test("registered nodes: class, aux and children are compared", () => {
    expect(() => tree.assertSameStructure(new Pair(1, 2, "p"), new Pair(3, 4, "p"))).not.toThrow();
    expect(thrown(() => tree.assertSameStructure({ s: new Pair(1, 2, "p") }, { s: new Pair(1, 2, 1) })).message).toBe(
      'tree.assertSameStructure: structure mismatch at s: expected a Pair node (aux "p") with 2 children, ' +
        "got a Pair node (aux 1) with 2 children (the aux data differs)",
    );
    expect(thrown(() => tree.assertSameStructure(new Pair([1], 2, null), new Pair([1, 2], 2, null))).message).toMatch(
      /at first: expected an array of 1 child, got an array of 2 children/,
    );
    expect(tree.structure(new Pair(1, 2, "p")).equals(tree.structure(new Pair(1, 2, 1)))).toBe(false);
  });

  test("unflatten with a wrong leaf count names the first missing leaf", () => {
    const def = tree.structure({ a: 1, b: [1, 2] });
    expect(thrown(() => tree.unflatten(def, [1, 2])).message).toBe(
      "tree.unflatten: structure mismatch: the treedef {a: *, b: [*, *]} has 3 leaves but 2 were given " +
        "(the first leaf without a value is at b[1])",
    );
    expect(thrown(() => def.unflatten([1, 2, 3, 4])).message).toMatch(/has 3 leaves but 4 were given \(1 extra\)/);
  });
});

describe("register", () => {
  class Point {
    constructor(
      readonly x: unknown,
      readonly y: unknown,
      readonly dim: number,
    ) {}
  }
  tree.register(Point, {
    flatten: (p: Point) => [[p.x, p.y], p.dim],
    unflatten: (dim: number, [x, y]) => new Point(x, y, dim),
  });

  test("round trip, map, paths by index", () => {
    const p = { pt: new Point(arr(1), { z: arr(2) }, 2) };
    const [ls, def] = tree.flatten(p);
    expect(ls).toEqual([p.pt.x, (p.pt.y as { z: unknown }).z]);
    expect(def.toString()).toBe("{pt: Point(2)[*, {z: *}]}");
    const back = tree.unflatten(def, ls) as typeof p;
    expect(back.pt).toBeInstanceOf(Point);
    expect(back.pt).not.toBe(p.pt);
    expect(back.pt.x).toBe(p.pt.x);
    expect(back.pt.dim).toBe(2);
    expect(Object.isFrozen(back.pt.y)).toBe(true); // containers inside are built by the tree module
    expect(tree.leavesWithPath(p).map(([path]) => tree.keyPathString(path))).toEqual(["pt[0]", "pt[1].z"]);
    const doubled = tree.map((x: number) => x * 2, new Point(1, { z: 2 }, 3)) as Point;
    expect(doubled).toEqual(new Point(2, { z: 4 }, 3));
    expect(containersFrozen(tree.map((x: unknown) => x, p))).toBe(true);
  });

  test("registration errors", () => {
    expect(
      thrown(() => tree.register(Point, { flatten: () => [[], null], unflatten: () => new Point(0, 0, 0) })).message,
    ).toMatch(/already registered/);
    expect(thrown(() => tree.register(ConcreteArray, { flatten: () => [[], null], unflatten: () => arr() })).message).toMatch(
      /axle Array class/,
    );
    expect(thrown(() => tree.register(Object, { flatten: () => [[], null], unflatten: () => ({}) })).message).toMatch(
      /built-in pytree container/,
    );
  });

  test("bad flatten results are reported with the path", () => {
    class Bad {}
    tree.register(Bad, {
      flatten: () => [[1, 2], null, ["only-one"]],
      unflatten: () => new Bad(),
    });
    expect(thrown(() => tree.leaves({ q: [new Bad()] })).message).toMatch(/registered class Bad \(at q\[0\]\)/);
  });

  test("classes with the same name get distinct tags", () => {
    const make = () =>
      class Point {
        constructor(readonly v: unknown) {}
      };
    const A = make();
    const B = make();
    tree.register(A, { flatten: (p) => [[p.v], null], unflatten: (_a, [v]) => new A(v) });
    tree.register(B, { flatten: (p) => [[p.v], null], unflatten: (_a, [v]) => new B(v) });
    const sa = tree.structure(new A(1)).toString();
    const sb = tree.structure(new B(1)).toString();
    expect(sa).not.toBe(sb);
    expect(sb).toMatch(/^"Point#\d"/);
  });

  test("aux data: plain data by value, functions by identity", () => {
    class Act {
      constructor(
        readonly x: unknown,
        readonly fn: (v: number) => number,
        readonly opts: object,
      ) {}
    }
    tree.register(Act, {
      flatten: (a) => [[a.x], { fn: a.fn, opts: a.opts }],
      unflatten: (aux, [x]) => new Act(x, aux.fn, aux.opts),
    });
    const relu = (v: number) => Math.max(v, 0);
    const s1 = tree.structure(new Act(1, relu, { k: [1, 2] }));
    const s2 = tree.structure(new Act(2, relu, { k: [1, 2] }));
    const s3 = tree.structure(new Act(1, (v) => v, { k: [1, 2] }));
    const s4 = tree.structure(new Act(1, relu, { k: [1, 3] }));
    expect(s1.equals(s2)).toBe(true);
    expect(s1.toString()).toBe(s2.toString());
    expect(s1.equals(s3)).toBe(false);
    expect(s1.equals(s4)).toBe(false);
    expect(s1.toString()).toMatch(/^Act\(\{fn: <function relu#\d+>, opts: \{k: \[1, 2\]\}\}\)\[\*\]$/);
  });
});

describe("static types", () => {
  test("map keeps the tree type for Array -> Array functions", () => {
    const params = { w: arr(1) as Array, layers: [{ b: arr(2) as Array }] };
    const same = tree.map((x) => x, params);
    expectTypeOf(same).toEqualTypeOf<typeof params>();
    const two = tree.map((x, y) => (x.size > y.size ? x : y), params, params);
    expectTypeOf(two).toEqualTypeOf<typeof params>();
    const shapes = tree.map((x) => x.shape, params);
    expectTypeOf(shapes).toEqualTypeOf<unknown>();
    const nums = tree.map((x: number) => x + 1, { a: 1 });
    expectTypeOf(nums).toEqualTypeOf<unknown>();
    const withPath = tree.mapWithPath((_p, x) => x, params);
    expectTypeOf(withPath).toEqualTypeOf<typeof params>();
    const edited = tree.update(params, (d) => {
      d.w = arr(3);
    });
    expectTypeOf(edited).toEqualTypeOf<typeof params>();
    expectTypeOf(tree.at(params, ["w"], arr(0))).toEqualTypeOf<typeof params>();
    expect(same).not.toBe(params);
  });
});

describe("leaf shapes and paths in errors", () => {
  const a = {
    layers: [
      { b: new ConcreteArray([32], "float32", new Float32Array(32)) },
      { b: new ConcreteArray([32], "float32", new Float32Array(32)) },
    ],
  };
  const b = {
    layers: [
      { b: new ConcreteArray([32], "float32", new Float32Array(32)) },
      { b: new ConcreteArray([10], "float32", new Float32Array(10)) },
    ],
  };

  test("assertSameStructure with leaves names the first leaf whose shape differs", () => {
    expect(() => tree.assertSameStructure(a, b)).not.toThrow();
    expect(() => tree.assertSameStructure(a, b, { root: "params", leaves: "shape" })).toThrow(
      "tree.assertSameStructure: params.layers[1].b: expected f32[32], got f32[10]",
    );
    const c = { layers: [a.layers[0], { b: new ConcreteArray([32], "float64", new Float64Array(32)) }] };
    expect(() => tree.assertSameStructure(a, c, { leaves: "shape" })).not.toThrow();
    expect(() => tree.assertSameStructure(a, c, { leaves: "aval" })).toThrow("layers[1].b: expected f32[32], got f64[32]");
  });

  test("an error thrown by the mapped function names the leaf's key path and keeps its class", () => {
    let err: unknown;
    try {
      tree.map(
        (x: ConcreteArray, y: ConcreteArray) => {
          if (x.shape[0] !== y.shape[0]) throw new ShapeError(`sizes ${x.shape[0]} and ${y.shape[0]}`);
          return x;
        },
        a,
        b,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ShapeError);
    expect((err as Error).message).toBe("tree.map: at layers[1].b: sizes 32 and 10");
    expect((err as Error).cause).toBeInstanceOf(ShapeError);
  });
});
