/** cond / switchCase: both branches, every transform, traced predicates and clear errors. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  type Array,
  ConcretizationError,
  cond,
  grad,
  hessian,
  jit,
  jvp,
  makeIr,
  np,
  switchCase,
  TransformError,
  typecheck,
  vmap,
} from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";

const pos = (v: Array) => np.sin(v).mul(v);
const neg = (v: Array) => v.square().neg();
const f = (x: Array) => cond(x.sum().gt(0), pos, neg, x);
const byHand = (x: Array) => (x.sum().item() > 0 ? pos(x) : neg(x));
const close = (a: Array, b: Array) => expect(np.allclose(a, b, { rtol: 1e-10, atol: 1e-12 })).toBe(true);

const vectors = fc
  .array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 4 })
  .filter((xs) => Math.abs(xs.reduce((a, b) => a + b, 0)) > 1e-3);

describe("cond", () => {
  test("takes the branch the predicate picks, eagerly and under jit", () => {
    fc.assert(
      fc.property(vectors, (xs) => {
        const x = np.array(xs, "float64");
        close(f(x), byHand(x));
        close(jit(f)(x), byHand(x));
      }),
      { numRuns: 30 },
    );
  });

  test("a JS if on a traced value fails under jit, cond does not", () => {
    const withIf = (x: Array) => (x.sum().item() > 0 ? pos(x) : neg(x));
    expect(() => jit(withIf)(np.ones([2]))).toThrow(ConcretizationError);
    expect(jit(f)(np.ones([2])).shape).toEqual([2]);
  });

  test("gradients flow through the taken branch, in every composition", () => {
    const loss = (x: Array) => np.sum(f(x));
    fc.assert(
      fc.property(vectors, (xs) => {
        const x = np.array(xs, "float64");
        const want = grad((v: Array) =>
          np.sum(
            byHand(x)
              .mul(0)
              .add(x.sum().item() > 0 ? pos(v) : neg(v)),
          ),
        )(x);
        close(grad(loss)(x), want);
        close(jit(grad(loss))(x), want);
        close(grad(jit(loss))(x), want);
        close(jvp(f, [x], [np.ones(x.shape, "float64")])[1], jvp(byHand, [x], [np.ones(x.shape, "float64")])[1]);
        checkGrads(loss, [x], { order: 2, modes: ["fwd", "rev"] });
      }),
      { numRuns: 15 },
    );
    typecheck(makeIr(jit(grad(loss)))(np.ones([3], "float64")));
    typecheck(makeIr(hessian(loss))(np.ones([3], "float64")));
  });

  test("vmap with a batched predicate picks per example (both branches run, results selected)", () => {
    const xs = np.array(
      [
        [1, 2],
        [-1, -2],
        [3, -1],
      ],
      "float64",
    );
    const rows = [0, 1, 2].map((i) => byHand(np.take(xs, i, 0)));
    close(vmap(f)(xs), np.stack(rows));
    const g = vmap(grad((x: Array) => np.sum(f(x))))(xs);
    const want = np.stack([0, 1, 2].map((i) => grad((x: Array) => np.sum(byHand(x)))(np.take(xs, i, 0))));
    close(g, want);
  });

  test("operands and outputs are pytrees; branches may close over values, including traced ones", () => {
    const p = { w: np.array([1, 2], "float64"), b: np.array(0.5, "float64") };
    const out = cond(
      true,
      (q: typeof p) => ({ y: q.w.mul(q.b), n: q.b }),
      (q: typeof p) => ({ y: q.w, n: q.b.neg() }),
      p,
    );
    expect(out.y.toArray()).toEqual([0.5, 1]);
    const scale = np.array(3, "float64");
    const g = grad((s: Array) =>
      np.sum(
        cond(
          false,
          (v: Array) => v,
          (v: Array) => v.mul(s),
          p.w,
        ),
      ),
    )(scale);
    expect(g.item()).toBe(3);
  });
});

describe("cond predicates: pred != 0, one rule on every path", () => {
  const t = (v: Array) => v.mul(2);
  const e = (v: Array) => v.sub(1);
  const condOf = (p: Array, v: Array) => cond(p, t, e, v);
  const x = np.array([1, 3], "float64");
  const picked = (truth: boolean) => (truth ? t(x) : e(x));

  test("an integer predicate is true when nonzero (int32(-1) takes trueFn), eagerly and under jit", () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 5 }), (k) => {
        const p = np.array(k, "int32");
        close(condOf(p, x), picked(k !== 0));
        close(jit(condOf)(p, x), picked(k !== 0));
      }),
      { numRuns: 20 },
    );
    close(cond(np.array(2 ** 32 - 1, "uint32"), t, e, x), picked(true));
    close(cond(-1, t, e, x), picked(true));
    close(cond(0, t, e, x), picked(false));
  });

  test("float predicates follow JAX too: nonzero and NaN are true, 0 and -0 false", () => {
    for (const [v, truth] of [
      [0.5, true],
      [-2, true],
      [Number.NaN, true],
      [0, false],
      [-0, false],
    ] as const) {
      close(condOf(np.array(v, "float64"), x), picked(truth));
      close(jit(condOf)(np.array(v, "float64"), x), picked(truth));
    }
  });

  test("vmap of a batched integer predicate [-1, 0, 2] selects [true, false, true]", () => {
    const ps = np.array([-1, 0, 2], "int32");
    const xs = np.array([[1], [2], [3]], "float64");
    const got = vmap(condOf)(ps, xs);
    expect(got.toArray()).toEqual([[2], [1], [6]]);
    expect(jit(vmap(condOf))(ps, xs).toArray()).toEqual([[2], [1], [6]]);
    expect(vmap(condOf, { inAxes: [0, null] })(ps, x).toArray()).toEqual([
      [2, 6],
      [0, 2],
      [2, 6],
    ]);
  });

  test("JVP and transpose follow the same branch for an integer predicate (also traced under jit)", () => {
    const loss = (p: Array, v: Array) => np.sum(condOf(p, v).mul(v));
    // true branch: sum(2v·v) → 4v; false: sum((v-1)·v) → 2v - 1
    const want = (k: number) => (k !== 0 ? x.mul(4) : x.mul(2).sub(1));
    for (const k of [-1, 0, 3]) {
      const p = np.array(k, "int32");
      close(grad(loss, { argnums: 1 })(p, x), want(k));
      close(jit(grad(loss, { argnums: 1 }))(p, x), want(k));
      const [, tan] = jvp((v: Array) => condOf(p, v), [x], [np.ones([2], "float64")]);
      close(tan, np.fullLike(x, k !== 0 ? 2 : 1));
    }
    const gs = vmap(grad(loss, { argnums: 1 }), { inAxes: [0, null] })(np.array([-1, 0, 2], "int32"), x);
    close(gs, np.stack([want(-1), want(0), want(2)]));
  });
});

describe("switchCase", () => {
  const branches = [(v: Array) => v, (v: Array) => v.mul(2), (v: Array) => np.exp(v)];
  test("runs branch `index`, clamping out-of-range indices; under jit and vmap too", () => {
    const x = np.array([1, 2], "float64");
    expect(switchCase(1, branches, x).toArray()).toEqual([2, 4]);
    expect(switchCase(np.array(7, "int32"), branches, x).toArray()).toEqual(np.exp(x).toArray());
    expect(switchCase(-3, branches, x).toArray()).toEqual([1, 2]);
    const sw = jit((i: Array, v: Array) => switchCase(i, branches, v));
    expect(sw(np.array(1, "int32"), x).toArray()).toEqual([2, 4]);
    const batched = vmap((i: Array, v: Array) => switchCase(i, branches, v))(
      np.array([0, 1, 2], "int32"),
      np.array([1, 1, 1], "float64"),
    );
    expect(batched.toArray()).toEqual([1, 2, Math.E]);
  });

  test("out-of-range indices clamp to [0, n-1] on every path, per example under vmap (lax.switch's rule)", () => {
    const sw = (i: Array, v: Array) => switchCase(i, branches, v);
    const x = np.array([1, 2], "float64");
    const clamped = (k: number) => Math.min(Math.max(k, 0), 2);
    const want = (k: number) => branches[clamped(k)](x);
    for (const k of [-3, -1, 0, 1, 2, 3, 7]) {
      const i = np.array(k, "int32");
      close(sw(i, x), want(k));
      close(jit(sw)(i, x), want(k));
      const wantGrad = grad((v: Array) => np.sum(branches[clamped(k)](v)))(x);
      close(grad((v: Array) => np.sum(sw(i, v)))(x), wantGrad);
      close(jit(grad((j: Array, v: Array) => np.sum(sw(j, v)), { argnums: 1 }))(i, x), wantGrad);
    }
    close(sw(np.array(2 ** 32 - 1, "uint32"), x), want(2));
    const ks = [-3, 0, 1, 2, 7];
    const batched = vmap(sw, { inAxes: [0, null] })(np.array(ks, "int32"), x);
    close(batched, np.stack(ks.map(want)));
    close(jit(vmap(sw, { inAxes: [0, null] }))(np.array(ks, "int32"), x), np.stack(ks.map(want)));
    close(vmap(sw, { inAxes: [0, null] })(np.array([0, 4000000000], "uint32"), x), np.stack([want(0), want(2)]));
  });

  test("branches that disagree, and bad indices, are clear errors", () => {
    const x = np.array([1, 2]);
    expect(() => switchCase(0, [(v: Array) => v, (v: Array) => v.sum()], x)).toThrow(
      "switchCase: branch 1 returns f32[] but branch 0 returns f32[2]; every branch must return the same shapes and dtypes",
    );
    expect(() => switchCase(0, [(v: Array) => v, ((v: Array) => [v]) as unknown as (v: Array) => Array], x)).toThrow(
      TransformError,
    );
    expect(() =>
      cond(
        np.array([true, false]),
        (v: Array) => v,
        (v: Array) => v,
        x,
      ),
    ).toThrow("must be a scalar");
    expect(() => switchCase(np.array(1.5), branches, x)).toThrow("must be bool or an integer");
    expect(() => switchCase(0, [], x)).toThrow("at least one branch");
  });
});
