/** customJvp / customVjp: user rules survive jit, vmap and nested differentiation. */
import { describe, expect, test } from "vitest";
import type { Array } from "../../src/index.js";
import { customJvp, customVjp, grad, jit, jvp, np, TransformError, valueAndGrad, vmap } from "../../src/index.js";

function expectClose(actual: Array, expected: Array | number | number[], digits = 5): void {
  const e = expected instanceof Object && !globalThis.Array.isArray(expected) ? expected : np.array(expected, "float32");
  expect(actual.shape).toEqual(e.shape);
  const a = actual.data();
  const b = e.data();
  for (let i = 0; i < a.length; i++) {
    expect(Number.isFinite(Number(a[i]))).toBe(true);
    expect(Number(a[i])).toBeCloseTo(Number(b[i]), digits);
  }
}

// log(1 + eˣ): the naive derivative eˣ/(1 + eˣ) is inf/inf = NaN at x = 100.
const naive = (x: Array) => np.log1p(np.exp(x));
const log1pexp: (x: Array) => Array = customJvp(naive, ([x], [t]) => [log1pexp(x), t.mul(np.sigmoid(x))]);
// log σ(x) = −log1pexp(−x), written the stable way.
const logSigmoid = (x: Array) => log1pexp(x.neg()).neg();

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

describe("customJvp", () => {
  test("the naive gradient is NaN at 100; the custom rule's is finite and correct at ±100", () => {
    expect(Number.isNaN(grad(naive)(np.array(100)).item())).toBe(true);
    expectClose(grad(log1pexp)(np.array(100)), 1);
    expectClose(grad(log1pexp)(np.array(-100)), 0);
    expectClose(grad(logSigmoid)(np.array(-100)), 1);
    expectClose(grad(logSigmoid)(np.array(100)), 0);
    expectClose(grad(logSigmoid)(np.array(0.5)), 1 - sigmoid(0.5));
  });

  test("the value is the function's own", () => {
    expectClose(log1pexp(np.array(0)), Math.log(2));
    const [v, g] = valueAndGrad(log1pexp)(np.array(1));
    expectClose(v, Math.log1p(Math.E));
    expectClose(g, sigmoid(1));
  });

  test("under jit, vmap, and grad in any nesting", () => {
    const xs = np.array([-100, -1, 0, 2, 100], "float32");
    const want = [1, 1 - sigmoid(-1), 0.5, 1 - sigmoid(2), 0];
    const gl = grad(logSigmoid);
    expectClose(vmap(gl)(xs), want);
    expectClose(jit(vmap(gl))(xs), want);
    expectClose(vmap(jit(gl))(xs), want);
    expectClose(grad((v: Array) => np.sum(logSigmoid(v)))(xs), want);
    expectClose(grad((v: Array) => np.sum(jit(logSigmoid)(v)))(xs), want);
    expectClose(jit(grad((v: Array) => np.sum(vmap(logSigmoid)(v))))(xs), want);
    const [, t] = jvp(log1pexp, [xs], [np.ones([5])]);
    expectClose(t, [0, sigmoid(-1), 0.5, sigmoid(2), 1]);
  });

  test("second derivatives go through the rule: d²/dx² log1pexp = σ(x)(1 − σ(x))", () => {
    const d2 = grad(grad(log1pexp));
    for (const v of [-3, 0, 0.7, 100]) expectClose(d2(np.array(v)), sigmoid(v) * (1 - sigmoid(v)));
  });

  test("a rule whose tangent does not match the output is rejected", () => {
    const bad = customJvp(
      (x: Array) => x.mul(2),
      ([x], [t]) => [x.mul(2), t.sum()],
    );
    expect(() => bad(np.ones([3]))).toThrow(TransformError);
    expect(() => bad(np.ones([3]))).toThrow(/tangent output \(f32\[\]\) must match its primal output \(f32\[3\]\)/);
  });
});

// The identity, whose backward pass clips the cotangent to [−1, 1].
const clipGradient = customVjp(
  (x: Array) => x.mul(1),
  (x: Array) => [x.mul(1), null] as const,
  (_res: null, g: Array) => [np.clip(g, -1, 1)] as [Array],
);

describe("customVjp", () => {
  const loss = (v: Array) => np.sum(clipGradient(v).mul(np.array([0.5, 10, -3], "float32")));
  const x = np.array([1, 2, 3], "float32");

  test("gradient clipping: the forward value is unchanged, the gradient is clipped", () => {
    expectClose(clipGradient(x), x);
    expectClose(grad(loss)(x), [0.5, 1, -1]);
  });

  test("residuals saved by fwd reach bwd", () => {
    // f(x) = x³ with bwd using the saved x² residual.
    const cube = customVjp(
      (v: Array) => v.mul(v).mul(v),
      (v: Array) => [v.mul(v).mul(v), { sq: v.square() }] as const,
      (res: { sq: Array }, g: Array) => [g.mul(res.sq).mul(3)] as [Array],
    );
    expectClose(grad((v: Array) => np.sum(cube(v)))(x), [3, 12, 27]);
  });

  test("under jit, vmap, and grad in any nesting", () => {
    const want = [0.5, 1, -1];
    expectClose(jit(grad(loss))(x), want);
    expectClose(grad(jit(loss))(x), want);
    expectClose(grad((v: Array) => loss(jit(clipGradient)(v)))(x), want);
    const xs = np.stack([x, x.mul(2)]);
    const g = vmap(grad(loss))(xs);
    expectClose(g, np.array([want, want], "float32"));
    expectClose(jit(vmap(grad(loss)))(xs), np.array([want, want], "float32"));
    // vmap inside the differentiated function
    expectClose(grad((v: Array) => np.sum(vmap(loss)(v)))(xs), np.array([want, want], "float32"));
  });

  test("forward mode is refused with a message pointing to customJvp", () => {
    expect(() => jvp(clipGradient, [x], [x])).toThrow(TransformError);
    expect(() => jvp(clipGradient, [x], [x])).toThrow(/use customJvp/);
  });

  test("bwd must return one cotangent per argument, shaped like it", () => {
    const bad = customVjp(
      (v: Array) => v.mul(2),
      (v: Array) => [v.mul(2), null] as const,
      (_r: null, g: Array) => [g.sum()] as unknown as [Array],
    );
    expect(() => bad(x)).toThrow(/bwd must return one cotangent per argument, shaped like it \(expected f32\[3\], got f32\[\]\)/);
  });
});
