/** scan and foriLoop: semantics against a JS loop, every transform, pytrees and errors. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, foriLoop, grad, hessian, jit, jvp, makeIr, np, scan, typecheck, vmap } from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";

const close = (a: Array, b: Array) => expect(np.allclose(a, b, { rtol: 1e-9, atol: 1e-12 })).toBe(true);

/** A recurrence c ← sin(c·w + x), emitting c² per step. */
const rnn = (w: Array, xs: Array, c0: Array) =>
  scan(
    (c: Array, x: Array) => {
      const n = np.sin(c.mul(w).add(x));
      return [n, n.square()] as const;
    },
    c0,
    xs,
  );
/** The same recurrence with a JS loop. */
const rnnLoop = (w: Array, xs: Array, c0: Array): [Array, Array] => {
  let c = c0;
  const ys: Array[] = [];
  for (let i = 0; i < xs.shape[0]; i++) {
    c = np.sin(c.mul(w).add(np.take(xs, i, 0)));
    ys.push(c.square());
  }
  return [c, np.stack(ys)];
};
const loss = (f: typeof rnn) => (w: Array, xs: Array, c0: Array) => {
  const [c, ys] = f(w, xs, c0);
  return c.add(np.sum(ys));
};

const inputs = fc.tuple(
  fc.double({ min: -1.5, max: 1.5, noNaN: true }),
  fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 5 }),
  fc.double({ min: -1, max: 1, noNaN: true }),
);

describe("scan", () => {
  test("matches a JS loop, eagerly and under jit (traced once, not unrolled)", () => {
    fc.assert(
      fc.property(inputs, ([w, xs, c0]) => {
        const args = [np.array(w, "float64"), np.array(xs, "float64"), np.array(c0, "float64")] as const;
        const [c, ys] = rnn(...args);
        const [c2, ys2] = rnnLoop(...args);
        close(c, c2);
        close(ys, ys2);
        const [c3, ys3] = jit(rnn)(...args);
        close(c3, c2);
        close(ys3, ys2);
      }),
      { numRuns: 25 },
    );
    const ir = makeIr(rnn)(np.array(0.5), np.ones([100]), np.array(0));
    expect(ir.eqns.filter((e) => e.prim.name === "scan")).toHaveLength(1);
    expect(ir.eqns.length).toBeLessThan(5);
  });

  test("derivatives in both modes, of every order, equal the JS loop's", () => {
    fc.assert(
      fc.property(inputs, ([w, xs, c0]) => {
        const args = [np.array(w, "float64"), np.array(xs, "float64"), np.array(c0, "float64")] as const;
        const g = grad(loss(rnn), { argnums: [0, 1, 2] })(...args);
        const want = grad(loss(rnnLoop), { argnums: [0, 1, 2] })(...args);
        g.forEach((gi, i) => close(gi, want[i]));
        const jg = jit(grad(loss(rnn), { argnums: [0, 1, 2] }))(...args);
        jg.forEach((gi, i) => close(gi, want[i]));
        close(
          jvp(loss(rnn), [...args], [np.array(1, "float64"), np.ones(args[1].shape, "float64"), np.array(0, "float64")])[1],
          jvp(loss(rnnLoop), [...args], [np.array(1, "float64"), np.ones(args[1].shape, "float64"), np.array(0, "float64")])[1],
        );
        close(hessian(loss(rnn))(...args) as Array, hessian(loss(rnnLoop))(...args) as Array);
      }),
      { numRuns: 10 },
    );
    const args = [np.array(0.7, "float64"), np.array([0.1, -0.4, 0.9], "float64"), np.array(0.2, "float64")] as const;
    checkGrads(loss(rnn), [...args], { order: 2, modes: ["fwd", "rev"] });
    typecheck(makeIr(jit(grad(loss(rnn))))(...args));
    typecheck(makeIr(hessian(loss(rnn)))(...args));
  });

  test("vmap over weights, inputs or both equals stacking", () => {
    const ws = np.array([0.3, -0.8], "float64");
    const xss = np.array(
      [
        [0.1, 0.2, 0.3],
        [1, -1, 0.5],
      ],
      "float64",
    );
    const c0 = np.array(0.1, "float64");
    const [c, ys] = vmap(rnn, { inAxes: [0, 0, null] })(ws, xss, c0);
    [0, 1].forEach((i) => {
      const [ci, ysi] = rnnLoop(np.take(ws, i, 0), np.take(xss, i, 0), c0);
      close(np.take(c, i, 0), ci);
      close(np.take(ys, i, 0), ysi);
    });
    const g = vmap(grad(loss(rnn)), { inAxes: [0, null, null] })(ws, np.take(xss, 0, 0), c0);
    close(g, np.stack([0, 1].map((i) => grad(loss(rnnLoop))(np.take(ws, i, 0), np.take(xss, 0, 0), c0))));
  });

  test("pytree carries and xs, reverse order, and no xs with a length", () => {
    const [state, outs] = scan(
      (s: { sum: Array; n: Array }, x: { a: Array; b: Array }) =>
        [{ sum: s.sum.add(x.a.mul(x.b)), n: s.n.add(1) }, { prod: x.a.mul(x.b) }] as const,
      { sum: np.array(0), n: np.array(0, "int32") },
      { a: np.array([1, 2, 3]), b: np.array([4, 5, 6]) },
    );
    expect(state.sum.item()).toBe(32);
    expect(state.n.item()).toBe(3);
    expect(outs.prod.toArray()).toEqual([4, 10, 18]);
    const [, rev] = scan((c: Array, x: Array) => [c.add(x), c.add(x)] as const, np.array(0), np.array([1, 2, 3]), {
      reverse: true,
    });
    expect(rev.toArray()).toEqual([6, 5, 3]);
    const [pow] = scan((c: Array) => [c.mul(2), null] as const, np.array(1), null, { length: 10 });
    expect(pow.item()).toBe(1024);
  });

  test("errors name what is wrong", () => {
    expect(() => scan((c: Array, x: Array) => [c.add(x).sum(), x] as const, np.zeros([2]), np.ones([3, 2]))).toThrow(
      "the body returns carry leaf 0 as f32[] but takes it as f32[2]",
    );
    expect(() =>
      scan((c: Array, x: { a: Array; b: Array }) => [c, x.a] as const, np.zeros([]), { a: np.ones([3]), b: np.ones([4]) }),
    ).toThrow("every xs leaf needs the scan length as its leading axis, got xs.a f32[3], xs.b f32[4]");
    expect(() => scan((c: Array) => [c, null] as const, np.zeros([]), null)).toThrow("pass { length }");
    expect(() => scan((c: Array, x: Array) => [c, x] as const, np.zeros([]), np.array(1))).toThrow("needs a leading axis");
  });
});

describe("foriLoop", () => {
  test("runs the body for i = lower … upper − 1 and is differentiable", () => {
    expect(foriLoop(0, 5, (i, c: Array) => c.add(i.astype("float32")), np.array(0)).item()).toBe(10);
    expect(foriLoop(3, 3, (_i, c: Array) => c.add(1), np.array(7)).item()).toBe(7);
    // x ↦ x^(2^4) by repeated squaring: derivative 16 x^15
    const pow16 = (x: Array) => foriLoop(0, 4, (_i, c: Array) => c.square(), x);
    const x = np.array(1.1, "float64");
    expect(grad(pow16)(x).item()).toBeCloseTo(16 * 1.1 ** 15, 9);
    expect(jit(grad(pow16))(x).item()).toBeCloseTo(16 * 1.1 ** 15, 9);
  });
});

describe("foriLoop with array bounds (as JAX's fori_loop)", () => {
  const powLoop = (lo: number | Array, hi: number | Array) => (x: Array) =>
    foriLoop(lo, hi, (i, c: Array) => c.mul(x).add(i.astype(x.dtype)), np.array(1, x.dtype));
  const x = np.array(1.5, "float64");
  // c ← c·x + i for i = 0, 1, 2 from c = 1: x³ + x + 2, derivative 3x² + 1.
  const value = 1.5 ** 3 + 1.5 + 2;

  test("concrete int32/uint32 scalar bounds run a fixed-length scan: same value, both derivative modes, hessian", () => {
    for (const [lo, hi] of [
      [np.array(0, "int32"), np.array(3, "int32")],
      [0, np.array(3, "uint32")],
      [np.array(0, "int32"), 3],
    ] as const) {
      const f = powLoop(lo, hi);
      expect(f(x).item()).toBeCloseTo(value, 12);
      expect(grad(f)(x).item()).toBeCloseTo(3 * 1.5 ** 2 + 1, 12);
      expect((hessian(f)(x) as Array).item()).toBeCloseTo(6 * 1.5, 12);
      expect(makeIr(f)(x).toString()).toContain("scan[");
    }
  });

  test("the loop index has the bounds' dtype", () => {
    const dtypes: string[] = [];
    const record = (i: Array, c: Array) => {
      dtypes.push(i.dtype);
      return c;
    };
    foriLoop(np.array(0, "uint32"), 2, record, np.array(0));
    foriLoop(0, 2, record, np.array(0));
    expect(dtypes).toEqual(["uint32", "int32"]); // the body is traced once per loop
  });

  test("traced bounds become a whileLoop: jit with the trip count as an argument, forward mode, vmap; no reverse mode", () => {
    const f = jit((n: Array, y: Array) => powLoop(0, n)(y));
    expect(makeIr((n: Array, y: Array) => powLoop(0, n)(y))(np.array(3, "int32"), x).toString()).toContain("while[");
    expect(f(np.array(3, "int32"), x).item()).toBeCloseTo(value, 12);
    expect(f(np.array(0, "int32"), x).item()).toBe(1);
    const [, t] = jvp((y: Array) => f(np.array(3, "int32"), y), [x], [np.array(1, "float64")]);
    expect(t.item()).toBeCloseTo(3 * 1.5 ** 2 + 1, 12);
    expect(vmap((n: Array) => f(n, x))(np.array([0, 1, 3], "int32")).toArray()).toEqual([1, 1.5, expect.closeTo(value, 12)]);
    expect(() => grad((y: Array) => f(np.array(3, "int32"), y))(x)).toThrow("whileLoop: reverse-mode differentiation");
  });

  test("bad bounds are errors naming the bound", () => {
    const body = (_i: Array, c: Array) => c;
    const c = np.array(0);
    expect(() => foriLoop(0.5, 3, body, c)).toThrow("foriLoop: lower must be an integer, got 0.5");
    expect(() => foriLoop(0, np.array(3.0), body, c)).toThrow(
      'foriLoop: upper must be an int32 or uint32 scalar, got f32[]; cast with astype("int32")',
    );
    expect(() => foriLoop(np.array([0, 1], "int32"), 3, body, c)).toThrow("foriLoop: lower must be a scalar, got i32[2]");
    expect(() => foriLoop(np.array(0, "int32"), np.array(3, "uint32"), body, c)).toThrow(
      "foriLoop: lower and upper must have the same dtype, got int32 and uint32",
    );
    expect(() => foriLoop(-1, np.array(3, "uint32"), body, c)).toThrow(
      "foriLoop: the bound -1 does not fit the loop index dtype uint32",
    );
  });
});
