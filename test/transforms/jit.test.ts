/** jit: one trace per signature, retrace on new shapes/dtypes/static values, lower() gives the IR. */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import type { Array } from "../../src/index.js";
import { Array as ArrayClass, grad, hessian, jit, makeIr, np, tree, typecheck, vmap } from "../../src/index.js";

function counted() {
  const calls = { n: 0 };
  const f = (v: Array, scale: number) => {
    calls.n++;
    return np.tanh(v).mul(scale);
  };
  return { calls, f };
}

describe("jit caching", () => {
  test("traced once per signature", () => {
    const { calls, f } = counted();
    const g = jit(f, { staticArgnums: 1 });
    const a = g(np.ones([3]), 2);
    const b = g(np.array([0.5, 1, 2], "float32"), 2);
    g(np.zeros([3]), 2);
    expect(calls.n).toBe(1);
    expect(a.toArray()).toEqual(f(np.ones([3]), 2).toArray());
    expect(b.toArray()).toEqual(f(np.array([0.5, 1, 2], "float32"), 2).toArray());
  });

  test("retraced on a new shape, dtype or static value, and the old entries are kept", () => {
    const { calls, f } = counted();
    const g = jit(f, { staticArgnums: [1] });
    g(np.ones([3]), 2);
    g(np.ones([4]), 2);
    expect(calls.n).toBe(2);
    g(np.ones([3], "float64"), 2);
    expect(calls.n).toBe(3);
    const r = g(np.ones([3]), 5);
    expect(calls.n).toBe(4);
    expect(r.toArray()).toEqual(
      np
        .tanh(np.ones([3]))
        .mul(5)
        .toArray(),
    );
    g(np.ones([3]), 2);
    g(np.ones([4]), 2);
    g(np.ones([3]), 5);
    expect(calls.n).toBe(4);
  });

  test("a new tree structure retraces", () => {
    let n = 0;
    const g = jit((p: Record<string, Array>) => {
      n++;
      return Object.values(p).reduce((s, v) => s.add(np.sum(v)), np.array(0));
    });
    g({ a: np.ones([2]) });
    g({ a: np.zeros([2]) });
    expect(n).toBe(1);
    g({ a: np.ones([2]), b: np.ones([2]) });
    expect(n).toBe(2);
  });

  test("static plain-object arguments are keyed by value", () => {
    let n = 0;
    const g = jit(
      (v: Array, cfg: { act: string; k: number[] }) => {
        n++;
        return cfg.act === "relu" ? np.maximum(v, 0).mul(cfg.k[0]) : v.mul(cfg.k[0]);
      },
      { staticArgnums: 1 },
    );
    const x = np.array([-1, 2], "float32");
    expect(g(x, { act: "relu", k: [2] }).toArray()).toEqual([0, 4]);
    expect(g(x, { act: "relu", k: [2] }).toArray()).toEqual([0, 4]);
    expect(n).toBe(1);
    expect(g(x, { act: "id", k: [2] }).toArray()).toEqual([-2, 4]);
    expect(n).toBe(2);
  });

  test("jit under grad and vmap reuses its trace of f", () => {
    const { calls, f } = counted();
    const g = jit(f, { staticArgnums: 1 });
    const x = np.array([0.1, 0.2, 0.3], "float32");
    g(x, 2);
    grad((v: Array) => np.sum(g(v, 2)))(x);
    vmap((v: Array) => g(v, 2))(np.ones([4, 3]));
    expect(calls.n).toBe(1);
  });

  test("lower(x) returns the staged IR without running it", () => {
    const { calls, f } = counted();
    const g = jit(f, { staticArgnums: 1 });
    const ir = g.lower(np.ones([2, 3]), 3);
    expect(calls.n).toBe(1);
    typecheck(ir);
    expect(ir.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2,3] . let
          b:f32[2,3] = tanh a
          c:f32[2,3] = mul b 3.0:f32[]
        in (c) }"
    `);
    g(np.zeros([2, 3]), 3);
    expect(calls.n).toBe(1);
  });

  test("a jitted function closing over a constant array captures it as an IR constant", () => {
    const c = np.array([1, 2, 3], "float32");
    const g = jit((v: Array) => v.mul(c));
    const ir = g.lower(np.ones([3]));
    expect(ir.consts).toHaveLength(1);
    expect(g(np.ones([3])).toArray()).toEqual([1, 2, 3]);
  });
});

describe("reverse mode through jit stays compiled", () => {
  const f = jit(function f(x: Array) {
    return np.sum(
      np
        .sin(x)
        .mul(x)
        .add(np.exp(x.mul(0.1))),
    );
  });
  const plain = (x: Array) =>
    np.sum(
      np
        .sin(x)
        .mul(x)
        .add(np.exp(x.mul(0.1))),
    );

  test("grad(jit(f)) is a known call and a transposed linear call, and equals grad(f)", () => {
    const x = np.array([0.5, -1, 2], "float64");
    const ir = makeIr(grad(f))(x);
    typecheck(ir);
    expect(ir.eqns.map((e) => e.prim.name)).toEqual(["jit_call", "jit_call"]);
    expect(ir.eqns.map((e) => e.params.name)).toEqual(["known(jvp(f))", "transpose(unknown(jvp(f)))"]);
    expect(np.allclose(grad(f)(x), grad(plain)(x), { rtol: 1e-12, atol: 0 })).toBe(true);
  });

  test("higher order and batched: grad(grad(jit)), hessian(jit), vmap(grad(jit)), jit(grad(jit)) agree with the plain function", () => {
    const x = np.array([0.3, 1.2], "float64");
    const close = (a: Array, b: Array) => expect(np.allclose(a, b, { rtol: 1e-10, atol: 1e-12 })).toBe(true);
    const sumGrad = (g: (x: Array) => Array) => (v: Array) => np.sum(g(v));
    close(grad(sumGrad(grad(f)))(x), grad(sumGrad(grad(plain)))(x));
    close(hessian(f)(x) as Array, hessian(plain)(x) as Array);
    const xs = np.array(
      [
        [0.3, 1.2],
        [-0.7, 2.5],
      ],
      "float64",
    );
    close(vmap(grad(f))(xs), vmap(grad(plain))(xs));
    close(jit(grad(f))(x), grad(plain)(x));
    typecheck(makeIr(hessian(f))(x));
  });

  test("a jitted function closing over a traced value of an outer grad", () => {
    const w = np.array([0.5, -1], "float64");
    const g = grad((v: Array) => jit((u: Array) => np.sum(u.mul(v).mul(u)))(w))(np.array([2, 3], "float64"));
    expect(g.toArray()).toEqual([0.25, 1]);
  });
});

describe("the cached call path", () => {
  test("pytree arguments are keyed by structure and avals: key order, nulls and nesting hit the same trace, new structure retraces", () => {
    let traces = 0;
    const f = jit((p: { a: Array; b: (Array | null)[] }, x: Array) => {
      traces++;
      return { s: p.a.add(x), t: p.b[0]?.mul(x) ?? x };
    });
    const x = np.array([1, 2]);
    const p1 = { a: np.array([10, 20]), b: [np.array([3, 4]), null] };
    const p2 = { b: [np.array([5, 6]), null], a: np.array([1, 1]) }; // keys in another order
    expect(f(p1, x).s.toArray()).toEqual([11, 22]);
    expect(f(p2, x).s.toArray()).toEqual([2, 3]);
    expect(f(p2, x).t.toArray()).toEqual([5, 12]);
    expect(traces).toBe(1);
    f({ a: np.array([1, 1]), b: [np.array([5, 6]), np.array([0, 0])] }, x); // null → array: new structure
    f({ a: np.array([1, 1, 1]), b: [np.array([5, 6, 7]), null] }, np.array([1, 2, 3])); // new shapes
    expect(traces).toBe(3);
    expect(f(p1, x).t.toArray()).toEqual([3, 8]);
    expect(traces).toBe(3);
  });

  test("a call matching the last signature's skeleton gets that signature; any change in structure, key, shape, dtype or weak flag does not", () => {
    // Argument trees drawn from variants that each differ from the first in one respect.
    const variants: (() => unknown)[] = [
      () => ({ a: np.ones([2]), b: [np.ones([3]), null] }),
      () => ({ b: [np.ones([3]), null], a: np.ones([2]) }), // same signature, other key order
      () => ({ a: np.ones([3]), b: [np.ones([3]), null] }), // shape
      () => ({ a: np.ones([2], "int32"), b: [np.ones([3]), null] }), // dtype
      () => ({ a: np.add(np.zeros([2]), 1), b: [np.ones([3]), undefined] }), // null → undefined
      () => ({ a: np.ones([2]), b: [np.ones([3])] }), // list length
      () => ({ a: np.ones([2]), c: [np.ones([3]), null] }), // key name
      () => ({ a: np.ones([2]), b: [[np.ones([3])], null] }), // nesting
      () => [np.ones([2]), np.ones([3])], // a list instead of an object
    ];
    const sum = (t: unknown): number =>
      t instanceof ArrayClass
        ? np.sum(t).item()
        : t !== null && typeof t === "object"
          ? Object.values(t).reduce((s: number, v) => s + sum(v), 0)
          : 0;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: variants.length - 1 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 9 }),
        (picks, scale) => {
          const seen = new Set<string>();
          let traces = 0;
          const f = jit((t: unknown, k: Array) => {
            traces++;
            return tree.map((l: Array) => l.astype("float32").mul(k), t as Array[]);
          });
          for (const i of picks) {
            const t = variants[i]();
            seen.add(
              tree.structure(t).toString() +
                tree
                  .leaves(t)
                  .map((l) => (l as Array).aval.str())
                  .join(),
            );
            const k = np.array(scale, "float32");
            expect(sum(f(t, k))).toBe(sum(t) * scale);
            expect(tree.structure(f(t, k)).toString()).toBe(tree.structure(t).toString());
          }
          expect(traces).toBe(seen.size);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("weak and strong arguments of one shape are different signatures", () => {
    let traces = 0;
    const f = jit((n: Array) => {
      traces++;
      return n.add(np.array([1], "uint32"));
    });
    expect(f(np.add(2, 3)).dtype).toBe("uint32");
    expect(f(np.array(5, "int32")).dtype).toBe("int32");
    expect(traces).toBe(2);
  });
});

describe("the compile cache", () => {
  test("is bounded: beyond cacheSize the least recently used signature is dropped and retraced when it returns", () => {
    const f = jit((x: Array) => x.mul(2), { cacheSize: 2 });
    f(np.ones([1]));
    f(np.ones([2]));
    f(np.ones([1])); // a hit: [1] becomes the most recent
    f(np.ones([3])); // evicts [2]
    expect(f.cache.size).toBe(2);
    expect(f.cache.capacity).toBe(2);
    expect(f.cache.signatures().join(" ")).toMatch(/f32\[1\].*f32\[3\]/);
    expect(f.cache.traces).toBe(3);
    f(np.ones([1]));
    expect(f.cache.traces).toBe(3);
    f(np.ones([2]));
    expect(f.cache.traces).toBe(4);
    expect(() => jit((x: Array) => x, { cacheSize: 0 })).toThrow(/cacheSize must be a positive integer/);
  });

  test("a retracing storm warns once, naming the argument that changes and its avals", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const f = jit((w: Array, x: Array) => x.sum().add(w));
      const w = np.ones([]);
      for (let n = 1; n <= 20; n++) f(w, np.ones([n]));
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(
        /retraced on each of the last 8 calls: argument 1 changes \(was \[f32\[7\]\], now \[f32\[8\]\]\)/,
      );
      // Steady calls after the storm are quiet.
      for (let k = 0; k < 5; k++) f(w, np.ones([3]));
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
    }
  });
});
