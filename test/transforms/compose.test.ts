/** Known answers and composition of transforms in any order and depth. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Array } from "../../src/index.js";
import {
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  linearize,
  np,
  stopGradient,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";

function expectClose(actual: Array, expected: Array | number, digits = 5): void {
  const e = typeof expected === "number" ? np.array(expected, actual.dtype) : expected;
  expect(actual.shape).toEqual(e.shape);
  const a = actual.data();
  const b = e.data();
  for (let i = 0; i < a.length; i++) expect(Number(a[i])).toBeCloseTo(Number(b[i]), digits);
}

const vec = (xs: number[]) => np.array(xs, "float32");
const finiteFloat = fc.float({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true });
const floats = (n: number) => fc.array(finiteFloat, { minLength: n, maxLength: n });

// f(x1, x2, w1, w2) = σ(w1·x1 + w2·x2) + 0.5(w1² + w2²)
const f4 = (x1: Array, x2: Array, w1: Array, w2: Array) =>
  np.sigmoid(w1.mul(x1).add(w2.mul(x2))).add(w1.square().add(w2.square()).mul(0.5));
const at = [np.array(0.2), np.array(0.4), np.array(0.3), np.array(-0.5)] as const;

describe("known answers", () => {
  test("∂f/∂x1, ∂f/∂x2, ∂f/∂w1, ∂f/∂w2 of σ(w1·x1 + w2·x2) + 0.5(w1² + w2²)", () => {
    const [dx1, dx2, dw1, dw2] = grad(f4, { argnums: [0, 1, 2, 3] })(...at);
    expectClose(dw1, 0.349756);
    expectClose(dw2, -0.400488);
    expectClose(dx1, 0.074634);
    expectClose(dx2, -0.124389);
  });

  test("the same through jit, and each argnum alone", () => {
    const g = jit(grad(f4, { argnums: [2, 3] }));
    const [dw1, dw2] = g(...at);
    expectClose(dw1, 0.349756);
    expectClose(dw2, -0.400488);
    expectClose(grad(f4, { argnums: 1 })(...at), -0.124389);
    expectClose(grad(f4, { argnums: -1 })(...at), -0.400488);
  });

  test("grad(grad(tanh)) = −2·tanh·(1 − tanh²)", () => {
    const d2 = grad(grad((x: Array) => np.tanh(x)));
    fc.assert(
      fc.property(finiteFloat, (v) => {
        const t = Math.tanh(Math.fround(v));
        expectClose(d2(np.array(v)), -2 * t * (1 - t * t), 4);
      }),
      { numRuns: 30 },
    );
  });

  test("third derivative of sin is −cos", () => {
    expectClose(grad(grad(grad((x: Array) => np.sin(x))))(np.array(0.7)), -Math.cos(0.7), 4);
  });
});

// A per-example loss: squared error of a linear model.
const exLoss = (w: Array, x: Array, y: Array) => np.square(np.dot(x, w).sub(y));

describe("composition", () => {
  const w = vec([0.5, -1, 2]);
  const xs = np.reshape(vec([1, 2, 3, -1, 0.5, 0, 0.2, 0.3, -0.4, 1, 1, 1]), [4, 3]);
  const ys = vec([1, -2, 0.5, 3]);

  test("vmap(grad(f)) gives per-example gradients equal to a loop", () => {
    const perEx = vmap(grad(exLoss), { inAxes: [null, 0, 0] })(w, xs, ys);
    expect(perEx.shape).toEqual([4, 3]);
    for (let i = 0; i < 4; i++) {
      const gi = grad(exLoss)(w, np.slice(xs, i), np.slice(ys, i));
      expectClose(np.slice(perEx, i), gi);
    }
  });

  test("jit(vmap(grad(f))) equals vmap(grad(f))", () => {
    const eager = vmap(grad(exLoss), { inAxes: [null, 0, 0] })(w, xs, ys);
    expectClose(jit(vmap(grad(exLoss), { inAxes: [null, 0, 0] }))(w, xs, ys), eager);
  });

  test("grad(jit(f)) equals grad(f), and jit(grad(f))", () => {
    const f = (v: Array) => np.sum(np.sin(v).mul(v));
    const x = vec([0.1, -0.7, 2]);
    expectClose(grad(jit(f))(x), grad(f)(x));
    expectClose(jit(grad(f))(x), grad(f)(x));
    expectClose(grad(jit(jit(f)))(x), grad(f)(x));
  });

  test("jvp(grad(f)) is a Hessian-vector product equal to hessian(f)·v", () => {
    const f = (v: Array) => np.sum(np.exp(v.mul(0.5)).mul(np.sin(v)));
    fc.assert(
      fc.property(floats(3), floats(3), (xv, vv) => {
        const x = vec(xv);
        const v = vec(vv);
        const df = grad(f);
        const [, hvp] = jvp(df, [x], [v]);
        const h = hessian(f)(x) as Array;
        expect(h.shape).toEqual([3, 3]);
        expectClose(hvp, np.dot(h, v), 3);
      }),
      { numRuns: 25 },
    );
  });

  test("vmap(vmap(f)) equals f applied elementwise over two axes", () => {
    const f = (a: Array, b: Array) => np.dot(a, b).add(np.sum(a));
    const as = np.reshape(np.arange(24).astype("float32").mul(0.1), [2, 3, 4]);
    const bs = np.reshape(np.arange(12).astype("float32").mul(-0.2), [3, 4]);
    // outer maps axis 0 of a (b shared), inner maps axis 0 of both
    const out = vmap(vmap(f), { inAxes: [0, null] })(as, bs);
    expect(out.shape).toEqual([2, 3]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        expectClose(np.slice(out, i, j), f(np.slice(as, i, j), np.slice(bs, j)), 4);
      }
    }
    // mapping the inner over axis 1 transposes the result
    const out2 = vmap(vmap(f, { inAxes: [1, 0] }), { inAxes: [0, null] })(np.moveaxis(as, 1, 2), bs);
    expectClose(out2, out, 4);
  });

  test("jacfwd(jacrev(f)) equals hessian(f), and is symmetric", () => {
    const f = (v: Array) => np.sum(np.tanh(v).mul(v.square()));
    const x = vec([0.3, -0.2, 0.9]);
    const h1 = jacfwd(jacrev(f))(x) as Array;
    const h2 = hessian(f)(x) as Array;
    expectClose(h1, h2);
    expectClose(h2, np.transpose(h2));
    const h3 = jacrev(jacrev(f))(x) as Array;
    expectClose(h3, h2, 4);
  });

  // Random smooth functions R^3 → R^2: a chain of elementwise ops and matrix products.
  const unary = fc.constantFrom<[string, (v: Array) => Array]>(
    ["sin", (v) => np.sin(v)],
    ["tanh", (v) => np.tanh(v)],
    ["sq", (v) => v.square().mul(0.3)],
    ["exp", (v) => np.exp(v.mul(0.2))],
    ["sigmoid", (v) => np.sigmoid(v)],
    ["sumadd", (v) => v.add(np.sum(v).mul(0.1))],
  );
  const randomFn = fc.record({
    ops: fc.array(unary, { minLength: 1, maxLength: 4 }),
    m: floats(6),
    x: floats(3),
  });

  test("jacfwd equals jacrev on random functions", () => {
    fc.assert(
      fc.property(randomFn, ({ ops, m, x }) => {
        const mat = np.reshape(vec(m), [2, 3]);
        const f = (v: Array) =>
          np.dot(
            mat,
            ops.reduce((acc, [, op]) => op(acc), v),
          );
        const jf = jacfwd(f)(vec(x)) as Array;
        const jr = jacrev(f)(vec(x)) as Array;
        expect(jf.shape).toEqual([2, 3]);
        expectClose(jf, jr, 4);
      }),
      { numRuns: 30 },
    );
  });

  test("linearize's linear map equals jvp at the same point", () => {
    const f = (v: Array) => np.tanh(v).mul(np.sum(np.exp(v.mul(0.3))));
    fc.assert(
      fc.property(floats(3), floats(3), (xv, tv) => {
        const [y, lin] = linearize(f, vec(xv));
        const [y2, t2] = jvp(f, [vec(xv)], [vec(tv)]);
        expectClose(y, y2);
        expectClose(lin(vec(tv)), t2, 4);
      }),
      { numRuns: 30 },
    );
  });

  test("vjp's pullback of 1 equals grad; ⟨t, vjp(c)⟩ = ⟨jvp(t), c⟩", () => {
    const f = (v: Array) => np.sum(np.sin(v).mul(v));
    const x = vec([0.4, 1.2, -0.3]);
    const [y, back] = vjp(f, x);
    expectClose(y, f(x));
    const [g] = back(np.array(1));
    expectClose(g, grad(f)(x));
    const h = (v: Array) => np.tanh(v.mul(vec([1, 2, 3])));
    const t = vec([0.3, -1, 0.5]);
    const c = vec([2, 0.1, -0.7]);
    const [, backH] = vjp(h, x);
    const [, jt] = jvp(h, [x], [t]);
    expectClose(np.sum(t.mul(backH(c)[0])), np.sum(jt.mul(c)), 4);
  });

  test("valueAndGrad with hasAux passes an object of arrays through", () => {
    const f = (v: Array) => {
      const pred = np.tanh(v);
      return [np.sum(pred.square()), { pred, note: "ok", n: 3 }] as const;
    };
    const x = vec([0.1, 0.2]);
    const [[value, aux], g] = valueAndGrad(f, { hasAux: true })(x);
    expectClose(value, np.sum(np.tanh(x).square()));
    expectClose(aux.pred, np.tanh(x));
    expect(aux.note).toBe("ok");
    expect(aux.n).toBe(3);
    const t = np.tanh(x);
    expectClose(g, t.mul(2).mul(np.subtract(1, t.square())));
    const [g2, aux2] = grad(f, { hasAux: true })(x);
    expectClose(g2, g);
    expectClose(aux2.pred, aux.pred);
    // under jit every output leaf must be an array, so aux holds arrays only
    const fa = (v: Array) => [np.sum(np.tanh(v)), { pred: np.tanh(v) }] as const;
    const [[, auxJ]] = jit(valueAndGrad(fa, { hasAux: true }))(x);
    expectClose(auxJ.pred, np.tanh(x));
  });

  test("grad with an argnums list returns a tuple; pytree params give the same structure, frozen", () => {
    const params = { w: vec([1, -2]), b: np.array(0.5), layers: [{ s: np.array(2) }] };
    const model = (p: typeof params, x: Array) => np.sum(np.tanh(x.mul(p.w).add(p.b)).mul(p.layers[0].s));
    const x = vec([0.3, 0.1]);
    const g = grad(model)(params, x);
    expect(Object.keys(g).sort()).toEqual(["b", "layers", "w"]);
    expect(g.w.shape).toEqual([2]);
    expect(g.b.shape).toEqual([]);
    expect(Object.isFrozen(g)).toBe(true);
    expect(Object.isFrozen(g.layers)).toBe(true);
    expect(Object.isFrozen(g.layers[0])).toBe(true);
    const z = x.mul(params.w).add(params.b);
    const dz = np.subtract(1, np.tanh(z).square()).mul(2);
    expectClose(g.w, dz.mul(x));
    expectClose(g.b, np.sum(dz));
    expectClose(g.layers[0].s, np.sum(np.tanh(z)));
    const both = grad(model, { argnums: [0, 1] })(params, x);
    expect(both).toHaveLength(2);
    expect(Object.isFrozen(both)).toBe(true);
    expectClose(both[0].w, g.w);
    expectClose(both[1], dz.mul(params.w));
  });

  test("vmap outputs are frozen trees and outAxes moves the mapped axis", () => {
    const f = (v: Array) => ({ a: v.mul(2), b: [np.sum(v)] });
    const out = vmap(f, { outAxes: { a: 1, b: [0] } })(np.ones([4, 3]));
    expect(Object.isFrozen(out)).toBe(true);
    expect(out.a.shape).toEqual([3, 4]);
    expect(out.b[0].shape).toEqual([4]);
  });

  test("inAxes null broadcasts an argument; outAxes null returns an unmapped output", () => {
    const f = (a: Array, b: Array) => [a.add(b), b.mul(2)];
    const b = vec([1, 2, 3]);
    const [s, t] = vmap(f, { inAxes: [0, null], outAxes: [0, null] })(np.ones([4, 3]), b);
    expect(s.shape).toEqual([4, 3]);
    expectClose(np.slice(s, 2), vec([2, 3, 4]));
    expectClose(t, vec([2, 4, 6]));
    expect(() => vmap(f, { inAxes: [0, null], outAxes: null })(np.ones([4, 3]), b)).toThrow(
      /an output with outAxes null depends on the mapped inputs/,
    );
  });

  test("stopGradient blocks the gradient but not the value", () => {
    const f = (v: Array) => v.mul(stopGradient(v.square()));
    const x = np.array(3);
    expectClose(f(x), 27);
    expectClose(grad(f)(x), 9);
    expectClose(grad((v: Array) => stopGradient(v).mul(2))(x), 0);
    const [, t] = jvp((v: Array) => stopGradient(v).add(v), [x], [np.array(1)]);
    expectClose(t, 1);
    expectClose(vmap(grad(f))(vec([1, 2])), vec([1, 4]));
    expectClose(jit(grad(f))(x), 9);
  });

  test("stopGradient maps over a pytree: float leaves stop, integer arrays and JS values pass through unchanged", () => {
    const n = np.array([1, 2], "int32");
    const f = (p: { w: Array; b: Array[] }) => {
      const s = stopGradient({ w: p.w, b: p.b, n, step: 3, tag: "x" });
      expect(s.n).toBe(n);
      expect([s.step, s.tag]).toEqual([3, "x"]);
      return np.sum(p.w.mul(s.w)).add(np.sum(s.b[0].mul(p.b[0])));
    };
    const p = { w: vec([1, 2]), b: [vec([3])] };
    const g = grad(f)(p);
    expectClose(g.w, vec([1, 2]));
    expectClose(g.b[0], vec([3]));
    expect(Object.isFrozen(stopGradient({ a: vec([1]) }))).toBe(true);
    expectClose(grad((v: Array) => np.sum(stopGradient([v, v])[1].mul(v)))(vec([2])), vec([2]));
  });
});
