/** whileLoop: data-dependent trip counts under jit and vmap, forward mode, and a clear reverse-mode error. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, grad, jit, jvp, makeIr, np, TransformError, vmap, whileLoop } from "../../src/index.js";

const doubleUntil = (limit: number) => (x: Array) =>
  whileLoop(
    (c: Array) => c.lt(limit),
    (c: Array) => c.mul(2),
    x,
  );
const byHand = (limit: number, x: number) => {
  let c = x;
  while (c < limit) c *= 2;
  return c;
};

describe("whileLoop", () => {
  test("runs until the condition fails, eagerly and under jit (one while equation)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 500, noNaN: true }), (x) => {
        const v = np.array(x, "float64");
        expect(doubleUntil(100)(v).item()).toBe(byHand(100, x));
        expect(jit(doubleUntil(100))(v).item()).toBe(byHand(100, x));
      }),
      { numRuns: 30 },
    );
    expect(makeIr(doubleUntil(100))(np.array(1)).eqns.map((e) => e.prim.name)).toEqual(["while"]);
  });

  test("vmap: each example stops on its own", () => {
    const xs = [1, 30, 200, 0.5];
    expect(vmap(doubleUntil(100))(np.array(xs, "float64")).toArray()).toEqual(xs.map((x) => byHand(100, x)));
    // A pytree carry with a step counter, and a constant the loop closes over.
    const steps = vmap(
      (w: Array) =>
        whileLoop(
          (c: { i: Array; v: Array }) => c.v.lt(10),
          (c: { i: Array; v: Array }) => ({ i: c.i.add(1), v: c.v.mul(w) }),
          { i: np.array(0, "int32"), v: np.array(1, "float64") },
        ).i,
    )(np.array([2, 3, 11], "float64"));
    expect(steps.toArray()).toEqual([4, 3, 1]);
  });

  test("forward mode differentiates through the steps taken", () => {
    // v ← v·w three times: d/dw w³ = 3w²
    const cube = (w: Array) =>
      whileLoop(
        (c: { i: Array; v: Array }) => c.i.lt(3),
        (c: { i: Array; v: Array }) => ({ i: c.i.add(1), v: c.v.mul(w) }),
        { i: np.array(0, "int32"), v: np.array(1, "float64") },
      ).v;
    expect(jvp(cube, [np.array(1.5, "float64")], [np.array(1, "float64")])[1].item()).toBeCloseTo(6.75, 12);
    expect(jvp(doubleUntil(100), [np.array(3, "float64")], [np.array(1, "float64")])[1].item()).toBe(64);
  });

  test("reverse mode explains why it is not available and what to use", () => {
    expect(() => grad(doubleUntil(100))(np.array(3, "float64"))).toThrow(TransformError);
    expect(() => grad(doubleUntil(100))(np.array(3, "float64"))).toThrow("Use scan or foriLoop");
  });

  test("a condition that is not a bool scalar, or a carry that changes shape, is an error", () => {
    expect(() =>
      whileLoop(
        (c: Array) => c,
        (c: Array) => c,
        np.array(1),
      ),
    ).toThrow("the condition must return a bool scalar");
    expect(() =>
      whileLoop(
        (c: Array) => c.sum().lt(1),
        (c: Array) => c.sum(),
        np.ones([2]),
      ),
    ).toThrow("the body returns carry leaf 0 as f32[] but takes it as f32[2]");
  });
});
