import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Array } from "../../src/index.js";
import { grad, jit, nn, np, vmap } from "../../src/index.js";
import { arrays } from "../../src/testing/arbitraries/index.js";
import { checkGrads } from "../../src/testing/index.js";
import { awayFromZero, expectClose, extremes, flat } from "./helpers.js";

const runs = { numRuns: 25 };

// Naive scalar references (float64). Where the textbook formula overflows (softplus beyond
// |x| ≈ 700), the reference switches to its asymptote, which is exact in float64 from |x| ≥ 40.
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const softplusRef = (x: number) => (x >= 40 ? x : Math.log1p(Math.exp(x)));
const C = Math.sqrt(2 / Math.PI);
const geluRef = (x: number) => 0.5 * x * (1 + Math.tanh(C * (x + 0.044715 * x ** 3)));
const geluDeriv = (x: number) => {
  const t = Math.tanh(C * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * 0.044715 * x * x);
};

interface Elementwise {
  f: (x: Array) => Array;
  ref: (x: number) => number;
  deriv: (x: number) => number;
  /** Inputs where central differences are valid (off kinks). */
  smooth: fc.Arbitrary<number>;
  /** Whether the second derivative is continuous there (order-2 check). */
  order: 1 | 2;
  /** Absolute tolerance of the derivative (default: none, relative 1e-12 only). */
  gradAtol?: number;
}

const moderate = fc.double({ min: -6, max: 6, noNaN: true });

const elementwise: Record<string, Elementwise> = {
  relu: { f: nn.relu, ref: (x) => Math.max(x, 0), deriv: (x) => (x > 0 ? 1 : 0), smooth: awayFromZero(0.01, 6), order: 2 },
  sigmoid: { f: nn.sigmoid, ref: sig, deriv: (x) => sig(x) * (1 - sig(x)), smooth: moderate, order: 2 },
  tanh: { f: nn.tanh, ref: Math.tanh, deriv: (x) => 1 - Math.tanh(x) ** 2, smooth: moderate, order: 2 },
  softplus: { f: nn.softplus, ref: softplusRef, deriv: sig, smooth: moderate, order: 2 },
  logSigmoid: { f: nn.logSigmoid, ref: (x) => -softplusRef(-x), deriv: (x) => sig(-x), smooth: moderate, order: 2 },
  gelu: { f: nn.gelu, ref: geluRef, deriv: geluDeriv, smooth: moderate, order: 2 },
  leakyRelu: {
    f: (x) => nn.leakyRelu(x, 0.1),
    ref: (x) => (x >= 0 ? x : 0.1 * x),
    deriv: (x) => (x >= 0 ? 1 : 0.1),
    smooth: awayFromZero(0.01, 6),
    order: 2,
  },
  elu: {
    f: (x) => nn.elu(x, 1.5),
    ref: (x) => (x > 0 ? x : 1.5 * Math.expm1(x)),
    deriv: (x) => (x > 0 ? 1 : 1.5 * Math.exp(x)),
    smooth: awayFromZero(0.01, 6),
    order: 2,
    // expm1's derivative is computed as expm1(x) + 1 (as in JAX), exact only to ~1e-16 absolute.
    gradAtol: 1e-15,
  },
};

describe.each(Object.entries(elementwise))("%s", (_name, a) => {
  test("matches the naive reference, extreme inputs included, and is finite", () => {
    fc.assert(
      fc.property(arrays({ dtype: "float64", elements: extremes, minRank: 0, maxRank: 2, maxDim: 5 }), (x) => {
        const y = a.f(x);
        expect(y.shape).toEqual(x.shape);
        expect(y.dtype).toBe("float64");
        expectClose(y, flat(x).map(a.ref), 1e-300, 1e-13);
      }),
      runs,
    );
  });

  test("the gradient matches the analytic derivative, extreme inputs included (vmap of grad)", () => {
    fc.assert(
      fc.property(arrays({ dtype: "float64", elements: extremes, shape: [7] }), (x) => {
        const g = vmap(grad((v: Array) => a.f(v)))(x);
        expectClose(g, flat(x).map(a.deriv), a.gradAtol ?? 1e-300, 1e-12);
      }),
      runs,
    );
  });

  test("checkGrads (jvp and vjp against central differences) where smooth", () => {
    fc.assert(
      fc.property(arrays({ dtype: "float64", elements: a.smooth, maxRank: 2, maxDim: 4 }), (x) => {
        checkGrads(a.f, [x], { order: a.order });
      }),
      runs,
    );
  });

  test("checkGrads at ±100 and ±1000", () => {
    checkGrads(a.f, [np.array([-1000, -100, 100, 1000], "float64")], { order: a.order });
  });

  test("jit and float32 agree with eager", () => {
    fc.assert(
      fc.property(arrays({ dtype: "float32", elements: extremes.map(Math.fround), shape: [6] }), (x) => {
        const eager = a.f(x);
        expect(eager.dtype).toBe("float32");
        // The js backend renders the same scalar expressions as eager code: bit for bit. The
        // wasm backend's float32 math is within 2 ulp of Math.* (see docs/performance.md).
        expect(flat(jit(a.f, { backend: "js" })(x))).toEqual(flat(eager));
        const compiled = flat(jit(a.f, { backend: "wasm" })(x));
        flat(eager).forEach((e, i) => {
          expect(Math.abs(compiled[i] - e)).toBeLessThanOrEqual(2 * 2 ** -23 * Math.max(Math.abs(e), 2 ** -126));
        });
        expect(flat(eager).every(Number.isFinite)).toBe(true);
        expectClose(eager, flat(x).map(a.ref), 1e-6, 1e-5);
      }),
      runs,
    );
  });
});

describe("activations at kinks (the derivative convention)", () => {
  const at0 = (f: (x: Array) => Array) => grad((x: Array) => f(x))(np.array(0, "float64")).item();
  test("relu'(0) = 0, leakyRelu'(0) = 1, elu'(0) = α (elu is C¹ for α = 1)", () => {
    expect(at0(nn.relu)).toBe(0);
    expect(at0((x) => nn.leakyRelu(x, 0.2))).toBe(1);
    expect(at0((x) => nn.elu(x, 1))).toBe(1);
    expect(at0((x) => nn.elu(x, 0.5))).toBe(0.5);
  });
  test("softplus and logSigmoid are smooth at 0: second derivatives ±1/4", () => {
    expect(grad(grad((x: Array) => nn.softplus(x)))(np.array(0, "float64")).item()).toBe(0.25);
    expect(grad(grad((x: Array) => nn.logSigmoid(x)))(np.array(0, "float64")).item()).toBe(-0.25);
    checkGrads(nn.softplus, [np.array([0, 1e-9, -1e-9], "float64")], { order: 2 });
  });
  test("softplus'' = σ(1 − σ) even at ±100, where a naive composite gives 0 or NaN", () => {
    const x = np.array([-100, -30, 0, 30, 100], "float64");
    const g2 = vmap(grad(grad((v: Array) => nn.softplus(v))))(x);
    expectClose(
      g2,
      flat(x).map((v) => sig(v) * sig(-v)),
      1e-300,
      1e-12,
    );
  });
});

// Row-wise references: plain loops over the last axis.
function rows(x: Array): number[][] {
  const n = x.shape[x.ndim - 1];
  const v = flat(x);
  return globalThis.Array.from({ length: v.length / n }, (_, r) => v.slice(r * n, (r + 1) * n));
}
const lseRef = (r: number[]) => {
  const m = Math.max(...r);
  return m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
};
const softmaxRef = (r: number[]) => r.map((v) => Math.exp(v - lseRef(r)));

const matrices = (elements: fc.Arbitrary<number>) =>
  fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }))
    .chain(([m, n]) => arrays({ dtype: "float64", shape: [m, n], elements }));

describe("softmax, logSoftmax, logsumexp", () => {
  test("match row-wise references at extreme logits (±1000) and stay finite", () => {
    fc.assert(
      fc.property(matrices(extremes), (x) => {
        const r = rows(x);
        expectClose(nn.logsumexp(x), r.map(lseRef), 1e-12, 1e-13);
        expectClose(
          nn.logSoftmax(x),
          r.flatMap((row) => row.map((v) => v - lseRef(row))),
          1e-9,
          1e-13,
        );
        expectClose(nn.softmax(x), r.flatMap(softmaxRef), 1e-15, 1e-12);
      }),
      runs,
    );
  });

  test("softmax rows sum to 1, are in [0, 1], and are shift-invariant", () => {
    fc.assert(
      fc.property(matrices(extremes), fc.double({ min: -500, max: 500, noNaN: true }), (x, c) => {
        const s = nn.softmax(x);
        expectClose(np.sum(s, -1), new globalThis.Array(x.shape[0]).fill(1), 1e-12, 0);
        expect(flat(s).every((v) => v >= 0 && v <= 1)).toBe(true);
        expectClose(nn.softmax(x.add(c)), flat(s), 1e-12, 1e-9);
      }),
      runs,
    );
  });

  test("axis and keepdims", () => {
    const x = np.array(
      [
        [1, 2, 3],
        [4, 5, 7],
      ],
      "float64",
    );
    const cols = nn.softmax(x, 0);
    expectClose(np.sum(cols, 0), [1, 1, 1]);
    expectClose(
      nn.logsumexp(x, 0),
      [0, 1, 2].map((j) =>
        lseRef(
          [
            [1, 4],
            [2, 5],
            [3, 7],
          ][j],
        ),
      ),
    );
    expect(nn.logsumexp(x, -1, { keepdims: true }).shape).toEqual([2, 1]);
    expectClose(nn.logSoftmax(x, 0), flat(np.log(cols)), 1e-12, 1e-12);
  });

  test("gradients: ∇logsumexp = softmax, ∇(logSoftmax·c) = c − softmax·Σc, exact at ±1000", () => {
    fc.assert(
      fc.property(matrices(extremes), (x) => {
        const s = nn.softmax(x);
        expectClose(grad((z: Array) => nn.logsumexp(z).sum())(x), flat(s), 1e-15, 1e-12);
        const c = np.arange(x.shape[1], undefined, 1, "float64");
        const g = grad((z: Array) => nn.logSoftmax(z).mul(c).sum())(x);
        const total = flat(c).reduce((a, b) => a + b, 0);
        const expected = flat(s).map((sv, k) => flat(c)[k % x.shape[1]] - total * sv);
        expectClose(g, expected, 1e-12, 1e-12);
      }),
      runs,
    );
  });

  test("checkGrads order 2, moderate and extreme logits", () => {
    fc.assert(
      fc.property(matrices(fc.double({ min: -5, max: 5, noNaN: true })), (x) => {
        checkGrads((z: Array) => nn.softmax(z), [x], { order: 2 });
        checkGrads((z: Array) => nn.logSoftmax(z), [x], { order: 2 });
        checkGrads((z: Array) => nn.logsumexp(z), [x], { order: 2 });
      }),
      { numRuns: 15 },
    );
    const big = np.array(
      [
        [1000, 999, -1000],
        [-1000, -1000, -999.5],
        [100, -100, 0],
      ],
      "float64",
    );
    checkGrads((z: Array) => nn.softmax(z), [big], { order: 2 });
    checkGrads((z: Array) => nn.logSoftmax(z), [big], { order: 2 });
    checkGrads((z: Array) => nn.logsumexp(z), [big], { order: 2 });
  });

  test("vmap over rows equals the batched call; jit equals eager", () => {
    fc.assert(
      fc.property(matrices(extremes), (x) => {
        for (const f of [nn.softmax, nn.logSoftmax, (z: Array) => nn.logsumexp(z)]) {
          const batched = f(x);
          expectClose(vmap((row: Array) => f(row))(x), flat(batched), 0, 0);
          expectClose(jit((z: Array) => f(z))(x), flat(batched), 0, 0);
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe("oneHot", () => {
  test("matches a reference, for any label shape; out-of-range labels give zero rows", () => {
    fc.assert(
      fc.property(arrays({ dtype: "int32", min: -1, max: 5, maxRank: 2 }), fc.integer({ min: 1, max: 5 }), (labels, k) => {
        const h = nn.oneHot(labels, k);
        expect(h.shape).toEqual([...labels.shape, k]);
        expect(h.dtype).toBe("float32");
        expect(flat(h)).toEqual(flat(labels).flatMap((l) => globalThis.Array.from({ length: k }, (_, c) => (c === l ? 1 : 0))));
      }),
      runs,
    );
  });

  test("dtype argument, float labels, and under vmap and jit", () => {
    const labels = np.array([2, 0, 1]);
    const h = nn.oneHot(labels, 3, "float64");
    expect(h.dtype).toBe("float64");
    expect(h.toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(vmap((l: Array) => nn.oneHot(l, 3, "float64"))(labels).toArray()).toEqual(h.toArray());
    expect(jit((l: Array) => nn.oneHot(l, 3, "float64"))(labels).toArray()).toEqual(h.toArray());
  });
});
