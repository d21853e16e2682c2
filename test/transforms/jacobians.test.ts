/** jacfwd, jacrev, hessian: mixed-dtype pytrees, hasAux, and the errors they raise. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  type Array,
  ConcreteArray,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  np,
  TransformError,
  tree,
  vmap,
} from "../../src/index.js";
import { type ArrayTree, arrayTrees } from "../../src/testing/arbitraries/index.js";
import { checkGrads } from "../../src/testing/index.js";

const leavesOf = (t: unknown) => tree.leaves(t) as Array[];
const values = (x: Array) => [...x.data()];

function expectNear(got: Array, want: readonly number[], tol: number, what: string): void {
  const g = values(got);
  expect(g.length, what).toBe(want.length);
  g.forEach((v, i) => {
    if (!(Math.abs(v - want[i]) <= tol * (1 + Math.abs(want[i]))))
      expect.fail(`${what}: element ${i} is ${v}, expected ${want[i]}`);
  });
}

/**
 * A smooth function coupling every leaf of a tree: per leaf, tanh(leaf)·s in the leaf's own
 * dtype, plus the float64 scalar s = 1 + 0.3·Σ sum(sin(leaf)). Its outputs mix dtypes as its
 * inputs do.
 */
function coupled(t: ArrayTree): { each: Array[]; s: Array } {
  const ls = leavesOf(t);
  const s = ls.reduce((acc: Array, l) => acc.add(np.sum(np.sin(l)).astype("float64").mul(0.3)), np.array(1, "float64"));
  return { each: ls.map((l) => np.tanh(l).mul(s.astype(l.dtype))), s };
}

describe("Jacobians of functions over mixed float32/float64 pytrees", () => {
  const tol = (a: Array, b: Array) => (a.dtype === "float32" || b.dtype === "float32" ? 2e-5 : 1e-12);

  test("jacfwd equals jacrev block by block; jacrev blocks take the input leaf's dtype, jacfwd blocks the output's", () => {
    fc.assert(
      fc.property(arrayTrees({ maxLeaves: 4, maxRank: 2, maxDim: 3 }), (t) => {
        const ins = leavesOf(t);
        const outs = leavesOf(coupled(t));
        const jf = leavesOf(jacfwd(coupled)(t));
        const jr = leavesOf(jacrev(coupled)(t));
        expect(jf.length).toBe(outs.length * ins.length);
        expect(jr.length).toBe(jf.length);
        outs.forEach((o, i) =>
          ins.forEach((x, j) => {
            const [f, r] = [jf[i * ins.length + j], jr[i * ins.length + j]];
            expect(f.shape).toEqual([...o.shape, ...x.shape]);
            expect(r.shape).toEqual(f.shape);
            expect(f.dtype).toBe(o.dtype);
            expect(r.dtype).toBe(x.dtype);
            expectNear(r, values(f), tol(o, x), `block (output ${i}, input ${j})`);
          }),
        );
      }),
      { numRuns: 40 },
    );
  });

  test("grad of the summed outputs is the column sum of jacrev, leaf by leaf in each leaf's dtype", () => {
    const total = (t: ArrayTree) =>
      leavesOf(coupled(t)).reduce((acc: Array, o) => acc.add(np.sum(o).astype("float64")), np.array(0, "float64"));
    fc.assert(
      fc.property(arrayTrees({ maxLeaves: 4, maxRank: 2, maxDim: 3 }), (t) => {
        const ins = leavesOf(t);
        const outs = leavesOf(coupled(t));
        const g = leavesOf(grad(total)(t));
        const jr = leavesOf(jacrev(coupled)(t));
        ins.forEach((x, j) => {
          expect(g[j].dtype).toBe(x.dtype);
          const want = new globalThis.Array<number>(x.size).fill(0);
          outs.forEach((_o, i) => {
            const block = values(jr[i * ins.length + j]);
            for (let k = 0; k < block.length; k++) want[k % x.size] += block[k];
          });
          expectNear(g[j], want, 1e-4, `grad of input leaf ${j}`);
        });
      }),
      { numRuns: 30 },
    );
  });

  test("checkGrads (order 2) on mixed-dtype trees", () => {
    const scalar = (t: ArrayTree) => {
      const { each, s } = coupled(t);
      return each.reduce((acc: Array, o) => acc.add(np.sum(o.mul(o)).astype("float64")), s);
    };
    fc.assert(
      fc.property(arrayTrees({ maxLeaves: 3, maxRank: 1, maxDim: 3 }), (t) => {
        checkGrads(scalar, [t], { order: 2 });
      }),
      { numRuns: 15 },
    );
  });

  test("jacrev of a function with float32 and float64 outputs uses each output's dtype for its cotangents", () => {
    const x = np.array([1, 2], "float32");
    const f = (v: Array) => [v.mul(2), v.astype("float64").mul(v.astype("float64"))];
    const [j32, j64] = jacrev(f)(x) as Array[];
    expect(j32.dtype).toBe("float32");
    expect(j32.toArray()).toEqual([
      [2, 0],
      [0, 2],
    ]);
    expect(j64.dtype).toBe("float32");
    expect(j64.toArray()).toEqual([
      [2, 0],
      [0, 4],
    ]);
    const [f32, f64] = jacfwd(f)(x) as Array[];
    expect([f32.dtype, f64.dtype]).toEqual(["float32", "float64"]);
    expect(f64.toArray()).toEqual(j64.toArray());
  });

  test("jacfwd over float32 and float64 arguments uses each input's dtype for its tangents", () => {
    const f = (a: Array, b: Array) => a.astype("float64").mul(b.sum());
    const [ja, jb] = jacfwd(f, { argnums: [0, 1] })(np.array([1, 2], "float32"), np.array([3, 4, 5], "float64")) as Array[];
    expect(ja.toArray()).toEqual([
      [12, 0],
      [0, 12],
    ]);
    expect(jb.toArray()).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    const [ra, rb] = jacrev(f, { argnums: [0, 1] })(np.array([1, 2], "float32"), np.array([3, 4, 5], "float64")) as Array[];
    expect([ra.dtype, rb.dtype]).toEqual(["float32", "float64"]);
    expect(ra.toArray()).toEqual(ja.toArray());
    expect(rb.toArray()).toEqual(jb.toArray());
  });
});

describe("hasAux", () => {
  const f = (v: Array) => {
    const y = np.sin(v).mul(v);
    return [y, { y, n: np.sum(v).astype("int32"), note: "aux", k: 3 }] as const;
  };
  const x = np.array([0.5, 1, 2], "float64");
  const jacAt = (v: number[]) => v.map((a, i) => v.map((_, j) => (i === j ? Math.cos(a) * a + Math.sin(a) : 0)));

  test("jacfwd and jacrev return [jacobian, aux]; aux holds concrete values and keeps non-array leaves", () => {
    for (const jac of [jacfwd(f, { hasAux: true }), jacrev(f, { hasAux: true })]) {
      const [j, aux] = jac(x);
      expectNear(j as Array, jacAt([0.5, 1, 2]).flat(), 1e-12, "jacobian");
      expect(aux.y).toBeInstanceOf(ConcreteArray);
      expectNear(aux.y, values(f(x)[0]), 0, "aux.y");
      expect(aux.n.dtype).toBe("int32");
      expect(aux.n.item()).toBe(3);
      expect([aux.note, aux.k]).toEqual(["aux", 3]);
    }
  });

  test("under jit and vmap the aux comes out like the jacobian", () => {
    // jit's outputs are arrays only (no strings or JS numbers in aux).
    const fa = (v: Array) => {
      const [y, { n }] = f(v);
      return [y, { y, n }] as const;
    };
    const [j, aux] = jit(jacrev(fa, { hasAux: true }))(x);
    expectNear(j as Array, jacAt([0.5, 1, 2]).flat(), 1e-12, "jit jacobian");
    expectNear(aux.y, values(f(x)[0]), 0, "jit aux.y");
    const xs = np.array(
      [
        [0.5, 1],
        [2, -1],
      ],
      "float64",
    );
    const [jb, auxb] = vmap(jacfwd(fa, { hasAux: true }))(xs);
    expect((jb as Array).shape).toEqual([2, 2, 2]);
    expect(auxb.y.shape).toEqual([2, 2]);
    expectNear(auxb.n, [1, 1], 0, "vmap aux.n");
  });

  test("hessian with hasAux passes aux through both levels, as in JAX", () => {
    const g = (v: Array) => [np.sum(v.mul(v).mul(v)), { v2: v.mul(v) }] as const;
    const [h, aux] = hessian(g, { hasAux: true })(np.array([1, 2], "float64"));
    expect((h as Array).toArray()).toEqual([
      [6, 0],
      [0, 12],
    ]);
    expect(aux.v2).toBeInstanceOf(ConcreteArray);
    expect(aux.v2.toArray()).toEqual([1, 4]);
  });

  test("a function that does not return [out, aux] raises a TransformError saying so", () => {
    const bad = (v: Array) => v.mul(2);
    for (const [name, jac] of [
      ["jacfwd", jacfwd(bad as unknown as (v: Array) => readonly [Array, null], { hasAux: true })],
      ["jacrev", jacrev(bad as unknown as (v: Array) => readonly [Array, null], { hasAux: true })],
    ] as const) {
      expect(() => jac(x)).toThrow(TransformError);
      expect(() => jac(x)).toThrow(`${name}: with hasAux: true the function must return [out, aux], got object`);
    }
  });
});

test("jacrev of an integer output raises a TransformError naming the output and the fixes", () => {
  const f = (v: Array) => ({ y: v.mul(2), count: np.sum(v).astype("int32") });
  expect(() => jacrev(f)(np.array([1, 2]))).toThrow(TransformError);
  expect(() => jacrev(f)(np.array([1, 2]))).toThrow(
    "jacrev: output.count is i32[]; reverse mode needs float outputs (each output element is differentiated). " +
      "Cast it with astype('float32'), return it as aux (hasAux: true), or use jacfwd",
  );
  const j = jacfwd(f)(np.array([1, 2])) as { y: Array; count: Array };
  expect(j.count.toArray()).toEqual([0, 0]);
});
