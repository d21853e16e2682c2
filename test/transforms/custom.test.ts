/** customJvp / customVjp: user rules survive jit, vmap and nested differentiation. */
import { describe, expect, test } from "vitest";
import type { Array } from "../../src/index.js";
import {
  cond,
  customJvp,
  customVjp,
  grad,
  jit,
  jvp,
  np,
  scan,
  TransformError,
  valueAndGrad,
  vmap,
  whileLoop,
} from "../../src/index.js";

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

  // Found by the gradient fuzzer (test/reliability/random-grads.test.ts): the JVP rules of
  // jit_call, cond, scan and while instantiated every input's zero tangent, so a customVjp applied
  // to a value that is not differentiated got a *known* zero tangent, which partial evaluation ran
  // at once through its linear part (which has no forward meaning) and raised "forward-mode
  // differentiation ... is not supported". Only nonzero tangents enter a sub-IR's JVP now.
  test("customVjp on a non-differentiated value under grad(jit), cond, scan and whileLoop", () => {
    const softlog = customVjp(
      (v: Array) => np.log1p(np.square(v)),
      (v: Array) => [np.log1p(np.square(v)), v] as const,
      (v: Array, ct: Array) => [ct.mul(v.mul(2).div(np.square(v).add(1)))] as [Array],
    );
    const a = np.array([0.5, -1], "float64");
    const b = np.array([2, 3], "float64");
    const sl = Math.log(5) + Math.log(10); // Σ softlog(b)
    const zero = np.array(0, "float64");
    const f = (x: Array, y: Array) => x.mul(softlog(y)).sum();
    expectClose(grad(jit(f))(a, b), [Math.log(5), Math.log(10)]);
    const inCond = (x: Array, y: Array) => cond(true, f, (u: Array) => u.sum(), x, y);
    expectClose(grad(inCond)(a, b), [Math.log(5), Math.log(10)]);
    expectClose(grad(jit(inCond))(a, b), [Math.log(5), Math.log(10)]);
    // softlog of a scan const, of xs, and of a carry none of which is differentiated
    const ofConst = (x: Array, y: Array) =>
      scan((c: Array, xt: Array) => [c.add(xt.mul(softlog(y).sum())), null] as const, zero, x)[0];
    const ofXs = (x: Array, y: Array) =>
      scan((c: Array, yt: Array) => [c.add(x.mul(softlog(yt)).sum()), null] as const, zero, y)[0];
    const ofCarry = (x: Array, y: Array) =>
      scan(
        (c: [Array, Array], xt: Array): [[Array, Array], null] => [[c[0].add(xt.mul(softlog(c[1]).sum())), c[1]], null],
        [zero, y] as [Array, Array],
        x,
      )[0][0];
    for (const g of [ofConst, ofXs, ofCarry]) {
      expectClose(grad(g)(a, b), [sl, sl]);
      expectClose(jit(grad(g))(a, b), [sl, sl]);
    }
    // forward mode through a whileLoop whose body applies softlog to an undifferentiated const
    const loop = (x: Array, y: Array) =>
      whileLoop(
        (c: [Array, Array]) => np.less(c[0], 3),
        (c: [Array, Array]) => [c[0].add(1), c[1].add(x.mul(softlog(y)))] as [Array, Array],
        [zero, np.zerosLike(a)] as [Array, Array],
      )[1];
    const [out, t] = jvp((x: Array) => loop(x, b), [a], [np.ones([2], "float64")]);
    expectClose(out, [3 * 0.5 * Math.log(5), -3 * Math.log(10)]);
    expectClose(t, [3 * Math.log(5), 3 * Math.log(10)]);
  });

  // Found by the gradient fuzzer: custom_jvp_call's JVP ran the user's rule on instantiated zero
  // tangents when nothing was perturbed, so a customVjp after it saw a known zero tangent and
  // raised its forward-mode error under grad(jit). All-zero tangents now give symbolic zeros.
  test("customVjp of a customJvp of a non-differentiated value, under grad(jit) on every backend", () => {
    const swish = customJvp(
      (v: Array) => v.mul(np.sigmoid(v)),
      ([v], [t]) => {
        const s = np.sigmoid(v);
        return [v.mul(s), t.mul(s.mul(v.mul(s.neg().add(1)).add(1)))];
      },
    );
    const softlog = customVjp(
      (v: Array) => np.log1p(np.square(v)),
      (v: Array) => [np.log1p(np.square(v)), v] as const,
      (v: Array, ct: Array) => [ct.mul(v.mul(2).div(np.square(v).add(1)))] as [Array],
    );
    const f = (x: Array, y: Array) => x.mul(np.tanh(softlog(swish(y)))).sum();
    const a = np.array([0.5, -1], "float64");
    const b = np.array([0.7, 2], "float64");
    const want = grad(f)(a, b);
    for (const backend of ["reference", "js", "wasm"] as const) expectClose(grad(jit(f, { backend }))(a, b), want, 12);
    // and the rule still runs when something is perturbed
    const [, t] = jvp((y: Array) => swish(y), [b], [np.ones([2], "float64")]);
    const s = b.data().map((v) => 1 / (1 + Math.exp(-v)));
    expectClose(t, np.array([s[0] * (1 + 0.7 * (1 - s[0])), s[1] * (1 + 2 * (1 - s[1]))], "float64"), 12);
  });

  test("a loop carry whose tangent starts as a symbolic zero and becomes nonzero (the JVP fixpoint)", () => {
    // b's initial tangent is zero; the body feeds x's tangent into a and then a's into b.
    const x = np.array([0.5, 2], "float64");
    const zero = np.zeros([2], "float64");
    const viaScan = (v: Array) =>
      scan(
        (c: [Array, Array], _t: Array): [[Array, Array], null] => [[c[0].add(v), c[1].add(c[0].mul(c[0]))], null],
        [zero, zero] as [Array, Array],
        np.zeros([3]),
      )[0][1];
    const viaWhile = (v: Array) =>
      whileLoop(
        (c: [Array, Array, Array]) => np.less(c[0], 3),
        (c: [Array, Array, Array]) => [c[0].add(1), c[1].add(v), c[2].add(c[1].mul(c[1]))] as [Array, Array, Array],
        [np.array(0, "float64"), zero, zero] as [Array, Array, Array],
      )[2];
    // b = 0 + (v)² + (2v)² = 5v², db = 10v·dv
    for (const f of [viaScan, viaWhile]) {
      const [out, t] = jvp(f, [x], [np.ones([2], "float64")]);
      expectClose(out, [1.25, 20]);
      expectClose(t, [5, 20]);
    }
    expectClose(grad((v: Array) => viaScan(v).sum())(x), [5, 20]);
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
