import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, AxleError, customJvp, customVjp, grad, jvp, np, stopGradient } from "../../src/index.js";
import { arrays } from "../../src/testing/arbitraries/index.js";
import {
  checkGrads,
  defaultTolerance,
  GradCheckError,
  mergedTolerance,
  numericalGrad,
  numericalJvp,
} from "../../src/testing/index.js";

const f64 = (v: Parameters<typeof np.array>[0]) => np.array(v, "float64");

/** The GradCheckError thrown by `fn` (fails the test when nothing or something else is thrown). */
function gradError(fn: () => void): GradCheckError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GradCheckError);
    expect(e).toBeInstanceOf(AxleError);
    return e as GradCheckError;
  }
  return expect.fail("expected checkGrads to throw a GradCheckError");
}

describe("checkGrads passes on correct derivatives", () => {
  test("elementwise float64 function, order 2", () => {
    fc.assert(
      fc.property(arrays({ dtype: "float64", min: -2, max: 2, maxRank: 2, maxDim: 3 }), (x) => {
        checkGrads((x: Array) => np.sin(x).mul(x).add(np.exp(x)), [x], { order: 2 });
      }),
      { numRuns: 20 },
    );
  });

  test("several arguments and a pytree output", () => {
    const w = f64([
      [0.5, -1],
      [2, 0.25],
    ]);
    const b = f64([0.1, -0.2]);
    checkGrads((w: Array, b: Array) => ({ y: np.tanh(np.matmul(w, b)), s: np.sum(w.mul(w)) }), [w, b], { order: 2 });
  });

  test("pytree arguments; integer leaves are held fixed", () => {
    const params = { w: f64([1, 2, 3]), idx: np.array([2, 0], "int32") };
    checkGrads((p: { w: Array; idx: Array }) => np.take(np.square(p.w), p.idx), [params], { order: 2 });
  });

  test("float32 uses the float32 tolerances", () => {
    const x = np.array([0.3, 1.2, -0.7]);
    checkGrads((x: Array) => np.tanh(x).mul(x), [x], { order: 2 });
  });

  test("correct customJvp and customVjp rules pass", () => {
    const cube = customJvp(
      (x: Array) => x.mul(x).mul(x),
      ([x], [t]) => [x.mul(x).mul(x), t.mul(x.mul(x).mul(3))] as const,
    );
    checkGrads(cube, [f64([0.5, -1.5])], { order: 2 });
    const sq = customVjp(
      (x: Array) => x.mul(x),
      (x: Array) => [x.mul(x), x] as const,
      (x: Array, g: Array): [Array] => [g.mul(x).mul(2)],
    );
    checkGrads(sq, [f64([0.5, -1.5])], { order: 2, modes: ["rev"] });
  });
});

describe("checkGrads throws on wrong derivatives", () => {
  // Correct tangent except at element 2 of the second argument, where it is doubled.
  const mask = f64([1, 1, 2]);
  const wrongJvp = customJvp(
    (x: Array, y: Array) => np.sin(x).mul(y),
    ([x, y], [tx, ty]) => [np.sin(x).mul(y), np.cos(x).mul(y).mul(tx).add(np.sin(x).mul(ty).mul(mask))] as const,
  );
  const x = f64([0.3, -0.8, 1.1]);
  const y = f64([1.5, 0.5, -2]);

  test("a wrong customJvp tangent: forward mode names the argument and the worst element", () => {
    const e = gradError(() => checkGrads(wrongJvp, [x, y], { modes: ["fwd"] }));
    expect(e.check).toBe("forward-mode order 1");
    expect(e.argument).toBe("argument 1");
    expect(e.index).toEqual([2]);
    expect(e.got / e.expected).toBeCloseTo(2, 3);
    expect(e.message).toContain("forward-mode order 1");
    expect(e.message).toContain("argument 1");
    expect(e.message).toContain("element [2]");
  });

  test("the same wrong rule also fails reverse mode (vjp is derived from the JVP)", () => {
    const e = gradError(() => checkGrads(wrongJvp, [x, y], { modes: ["rev"] }));
    expect(e.check).toBe("reverse-mode order 1");
    expect(e.argument).toBe("argument 1");
    expect(e.index).toEqual([2]);
  });

  test("a wrong customVjp cotangent: reverse mode names the argument and the worst element", () => {
    const a = f64([
      [0.5, 1],
      [1.5, -1],
    ]);
    const b = f64([
      [2, -0.5],
      [0.25, 1],
    ]);
    const bad = f64([
      [1, 1],
      [-1, 1],
    ]);
    const prod = customVjp(
      (a: Array, b: Array) => a.mul(b),
      (a: Array, b: Array) => [a.mul(b), [a, b]] as const,
      ([a, b]: readonly [Array, Array], g: Array): [Array, Array] => [g.mul(b), g.mul(a).mul(bad)],
    );
    const e = gradError(() => checkGrads(prod, [a, b], { modes: ["rev"] }));
    expect(e.check).toBe("reverse-mode order 1");
    expect(e.argument).toBe("argument 1");
    expect(e.index).toEqual([1, 0]);
    expect(e.got).toBeCloseTo(-e.expected, 6);
    expect(e.message).toMatch(/argument 1 at \[1, 0\]/);
  });

  test("the argument's key path is named for pytree arguments", () => {
    const e = gradError(() => checkGrads((p: { u: Array; v: Array }) => wrongJvp(p.u, p.v), [{ u: x, v: y }]));
    expect(e.argument).toBe("argument 0.v");
    expect(e.message).toContain("argument 0.v");
  });

  test("an error only in the second derivative is caught at order 2, not order 1", () => {
    // The tangent is right, but its coefficient is cut off from differentiation.
    const cube = customJvp(
      (x: Array) => x.mul(x).mul(x),
      ([x], [t]) => [x.mul(x).mul(x), t.mul(stopGradient(x.mul(x).mul(3)))] as const,
    );
    const at = [f64([0.5, -1.5])] as [Array];
    checkGrads(cube, at, { order: 1 });
    const e = gradError(() => checkGrads(cube, at, { order: 2, modes: ["fwd"] }));
    expect(e.check).toBe("forward-mode order 2 (checking the JVP of f)");
    const r = gradError(() => checkGrads(cube, at, { order: 2, modes: ["rev"] }));
    expect(r.check).toBe("reverse-mode order 2 (checking the VJP of f)");
  });

  test("a customVjp whose bwd is wrong only to second order", () => {
    const cube = customVjp(
      (x: Array) => x.mul(x).mul(x),
      (x: Array) => [x.mul(x).mul(x), x] as const,
      (x: Array, g: Array): [Array] => [g.mul(stopGradient(x.mul(x).mul(3)))],
    );
    checkGrads(cube, [f64([0.5, -1.5])], { modes: ["rev"] });
    const e = gradError(() => checkGrads(cube, [f64([0.5, -1.5])], { order: 2, modes: ["rev"] }));
    expect(e.check).toBe("reverse-mode order 2 (checking the VJP of f)");
    expect(e.argument).toBe("argument 0");
  });

  test("tolerances can be loosened past the error", () => {
    expect(() => checkGrads(wrongJvp, [x, y], { atol: 10, rtol: 10 })).not.toThrow();
  });
});

describe("numerical derivatives", () => {
  test("numericalGrad matches grad", () => {
    fc.assert(
      fc.property(arrays({ dtype: "float64", min: -2, max: 2, maxRank: 2, maxDim: 3 }), (x) => {
        const f = (x: Array) => np.sum(np.sin(x).mul(x));
        const [num] = numericalGrad(f, [x]);
        expect(np.allclose(num, grad(f)(x), { atol: 1e-7, rtol: 1e-7 })).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  test("numericalJvp matches jvp and keeps the output structure", () => {
    const f = (x: Array, y: Array) => ({ p: x.mul(y), q: [np.exp(x)] });
    const x = f64([0.1, 0.7]);
    const y = f64([2, -1]);
    const t = [f64([1, 0.5]), f64([-1, 2])] as [Array, Array];
    const num = numericalJvp(f, [x, y], t);
    const [, exact] = jvp(f, [x, y], t);
    expect(np.allclose(num.p, exact.p, { atol: 1e-7 })).toBe(true);
    expect(np.allclose(num.q[0], exact.q[0], { atol: 1e-7 })).toBe(true);
  });

  test("numericalGrad requires a scalar output", () => {
    expect(() => numericalGrad((x: Array) => x.mul(2), [f64([1, 2])])).toThrow(/scalar/);
  });
});

test("default tolerances follow JAX's check_grads", () => {
  expect(defaultTolerance("float32")).toEqual({ eps: 1e-3, atol: 1e-2, rtol: 1e-2 });
  expect(defaultTolerance("float64")).toEqual({ eps: 1e-4, atol: 1e-5, rtol: 1e-5 });
  expect(mergedTolerance(["float64", "float32"]).atol).toBe(1e-2);
  expect(mergedTolerance(["float64"]).atol).toBe(1e-5);
});

test("checkGrads rejects a bad order", () => {
  expect(() => checkGrads((x: Array) => x, [f64([1])], { order: 0 })).toThrow(AxleError);
});
