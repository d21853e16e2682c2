import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Array } from "../../src/index.js";
import { grad, jit, nn, np, ShapeError, vmap } from "../../src/index.js";
import { arrays, shapes } from "../../src/testing/arbitraries/index.js";
import { checkGrads } from "../../src/testing/index.js";
import { expectClose, extremes, flat } from "./helpers.js";

const runs = { numRuns: 25 };
const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
const mean = (v: number[]) => sum(v) / v.length;
const sig = (z: number) => 1 / (1 + Math.exp(-z));

/** A pair of float64 arrays of one drawn shape. */
const pairs = (a: { min: number; max: number }, b: { min: number; max: number }) =>
  shapes({ minRank: 1, maxRank: 3, maxDim: 4 }).chain((shape) =>
    fc.tuple(arrays({ shape, dtype: "float64", ...a }), arrays({ shape, dtype: "float64", ...b })),
  );

/** Logits [n, k] (elements from `elements`) with integer labels [n] in [0, k). */
const classification = (elements: fc.Arbitrary<number>) =>
  fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 5 }))
    .chain(([n, k]) =>
      fc.tuple(arrays({ shape: [n, k], dtype: "float64", elements }), arrays({ shape: [n], dtype: "int32", min: 0, max: k - 1 })),
    );

/** Per-example −log softmax(z)[y], by a stable loop. */
function crossEntropyRef(z: Array, y: Array): number[] {
  const k = z.shape[1];
  const zv = flat(z);
  return flat(y).map((label, i) => {
    const row = zv.slice(i * k, (i + 1) * k);
    const m = Math.max(...row);
    return m + Math.log(sum(row.map((v) => Math.exp(v - m)))) - row[label];
  });
}

/** The three reductions of a per-element loss, checked against the references. */
function expectReductions(loss: (opts: nn.LossOptions) => Array, perElement: number[], rtol = 1e-12): void {
  const none = loss({ reduction: "none" });
  expectClose(none, perElement, 1e-300, rtol);
  expect(loss({ reduction: "sum" }).shape).toEqual([]);
  expectClose(loss({ reduction: "sum" }), [sum(perElement)], 1e-12, rtol);
  expectClose(loss({}), [mean(perElement)], 1e-12, rtol);
  expectClose(loss({ reduction: "mean" }), [mean(perElement)], 1e-12, rtol);
}

describe("mse", () => {
  test("(ŷ − y)² with mean, sum and none reductions", () => {
    fc.assert(
      fc.property(pairs({ min: -5, max: 5 }, { min: -5, max: 5 }), ([p, t]) => {
        const ref = flat(p).map((v, i) => (v - flat(t)[i]) ** 2);
        expectReductions((o) => nn.mse(p, t, o), ref);
        expect(nn.mse(p, t, { reduction: "none" }).shape).toEqual(p.shape);
      }),
      runs,
    );
  });

  test("gradient 2(ŷ − y)/n; checkGrads order 2", () => {
    fc.assert(
      fc.property(pairs({ min: -5, max: 5 }, { min: -5, max: 5 }), ([p, t]) => {
        expectClose(
          grad((q: Array) => nn.mse(q, t))(p),
          flat(p).map((v, i) => (2 * (v - flat(t)[i])) / p.size),
          1e-15,
          1e-12,
        );
        checkGrads((p: Array, t: Array) => nn.mse(p, t), [p, t], { order: 2 });
      }),
      { numRuns: 15 },
    );
  });
});

describe("binaryCrossEntropy", () => {
  test("matches −[y log p + (1 − y) log(1 − p)] inside (0, 1)", () => {
    fc.assert(
      fc.property(pairs({ min: 0.01, max: 0.99 }, { min: 0, max: 1 }), ([p, y]) => {
        const ref = flat(p).map((v, i) => -(flat(y)[i] * Math.log(v) + (1 - flat(y)[i]) * Math.log(1 - v)));
        expectReductions((o) => nn.binaryCrossEntropy(p, y, o), ref, 1e-9);
      }),
      runs,
    );
  });

  test("probabilities of exactly 0 and 1 are clipped to [eps, 1 − eps]: finite values and gradients", () => {
    const p = np.array([0, 1, 0, 1], "float64");
    const y = np.array([0, 1, 1, 0], "float64");
    const l = flat(nn.binaryCrossEntropy(p, y, { reduction: "none" }));
    expect(l.every(Number.isFinite)).toBe(true);
    expectClose(l, [-Math.log1p(-1e-7), -Math.log1p(-1e-7), -Math.log(1e-7), -Math.log(1e-7)], 0, 1e-9);
    expectClose(
      nn.binaryCrossEntropy(p, y, { reduction: "none", eps: 1e-3 }),
      [1, 1, 0, 0].map((c) => (c ? -Math.log1p(-1e-3) : -Math.log(1e-3))),
      0,
      1e-12,
    );
    expect(flat(grad((q: Array) => nn.binaryCrossEntropy(q, y))(p)).every(Number.isFinite)).toBe(true);
    // float32 too (1 − 1e-7 rounds, but stays below 1).
    expect(flat(nn.binaryCrossEntropy(np.array([0, 1]), np.array([1, 0]), { reduction: "none" })).every(Number.isFinite)).toBe(
      true,
    );
  });

  test("checkGrads order 2 inside (0, 1)", () => {
    fc.assert(
      fc.property(pairs({ min: 0.2, max: 0.8 }, { min: 0, max: 1 }), ([p, y]) => {
        checkGrads((p: Array, y: Array) => nn.binaryCrossEntropy(p, y), [p, y], { order: 2 });
      }),
      { numRuns: 15 },
    );
  });
});

describe("sigmoidBinaryCrossEntropy", () => {
  test("equals −[y log σ(z) + (1 − y) log(1 − σ(z))] for moderate logits", () => {
    fc.assert(
      fc.property(pairs({ min: -20, max: 20 }, { min: 0, max: 1 }), ([z, y]) => {
        // log σ(z) = −log1p(e^−z) and log(1 − σ(z)) = −log1p(e^z): accurate for |z| ≤ 20.
        const ref = flat(z).map((v, i) => flat(y)[i] * Math.log1p(Math.exp(-v)) + (1 - flat(y)[i]) * Math.log1p(Math.exp(v)));
        expectReductions((o) => nn.sigmoidBinaryCrossEntropy(z, y, o), ref, 1e-9);
      }),
      runs,
    );
  });

  test("exact at logits ±100 and ±1000 (no cancellation, no overflow)", () => {
    const z = np.array([100, 100, -100, -100, 100, 1000, -1000, 1000, -1000], "float64");
    const y = np.array([1, 0, 1, 0, 0.25, 1, 0, 0, 1], "float64");
    const e100 = Math.exp(-100);
    expectClose(
      nn.sigmoidBinaryCrossEntropy(z, y, { reduction: "none" }),
      [e100, 100, 100, e100, 75, 0, 0, 1000, 1000],
      1e-300,
      1e-15,
    );
    const z32 = flat(nn.sigmoidBinaryCrossEntropy(np.array([1000, -1000, 100]), np.array([0, 0, 1]), { reduction: "none" }));
    // float32 keeps e⁻¹⁰⁰ as a subnormal (spacing 1.4e-45).
    expectClose(z32, [1000, 0, Math.exp(-100)], 2e-45, 0);
  });

  test("gradient = σ(z) − y, exactly, extreme logits included; checkGrads order 2", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((n) =>
            fc.tuple(
              arrays({ shape: [n], dtype: "float64", elements: extremes }),
              arrays({ shape: [n], dtype: "float64", min: 0, max: 1 }),
            ),
          ),
        ([z, y]) => {
          const g = grad((l: Array) => nn.sigmoidBinaryCrossEntropy(l, y, { reduction: "sum" }))(z);
          // σ(z) − y written to stay exact as σ(z) → 1: (1 − y) − σ(−z).
          const ref = flat(z).map((v, i) => (v > 0 ? 1 - flat(y)[i] - sig(-v) : sig(v) - flat(y)[i]));
          expectClose(g, ref, 1e-300, 1e-12);
          checkGrads((z: Array, y: Array) => nn.sigmoidBinaryCrossEntropy(z, y), [z, y], { order: 2 });
        },
      ),
      runs,
    );
  });

  test("at z = 100, y = 1 the gradient is −σ(−100) ≈ −3.7e-44, not 0", () => {
    const g = grad((l: Array) => nn.sigmoidBinaryCrossEntropy(l, np.array([1], "float64"), { reduction: "sum" }))(
      np.array([100], "float64"),
    );
    expectClose(g, [-Math.exp(-100)], 0, 1e-12);
  });
});

describe("softmaxCrossEntropy and nll", () => {
  test("integer labels = one-hot labels = −log softmax(z)[y], extreme logits included", () => {
    fc.assert(
      fc.property(classification(extremes), ([z, y]) => {
        const ref = crossEntropyRef(z, y);
        const hot = nn.oneHot(y, z.shape[1], "float64");
        expectReductions((o) => nn.softmaxCrossEntropy(z, y, o), ref, 1e-12);
        expectReductions((o) => nn.softmaxCrossEntropy(z, hot, o), ref, 1e-12);
        expectReductions((o) => nn.nll(nn.logSoftmax(z), y, o), ref, 1e-12);
        expectReductions((o) => nn.nll(nn.logSoftmax(z), hot, o), ref, 1e-12);
      }),
      runs,
    );
  });

  test("soft (probability) labels: −Σ y·logSoftmax(z)", () => {
    const z = np.array([[1, 2, 3]], "float64");
    const y = np.array([[0.2, 0.3, 0.5]], "float64");
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    expectClose(nn.softmaxCrossEntropy(z, y), [-(0.2 * (1 - lse) + 0.3 * (2 - lse) + 0.5 * (3 - lse))], 0, 1e-12);
  });

  test("gradient = softmax(z) − onehot(y) (sum reduction), finite at ±1000; checkGrads order 2", () => {
    fc.assert(
      fc.property(classification(extremes), ([z, y]) => {
        const g = grad((l: Array) => nn.softmaxCrossEntropy(l, y, { reduction: "sum" }))(z);
        const expected = flat(nn.softmax(z)).map((s, i) => s - (flat(y)[Math.floor(i / z.shape[1])] === i % z.shape[1] ? 1 : 0));
        expectClose(g, expected, 1e-15, 1e-12);
      }),
      runs,
    );
    fc.assert(
      fc.property(classification(fc.double({ min: -5, max: 5, noNaN: true })), ([z, y]) => {
        checkGrads((z: Array) => nn.softmaxCrossEntropy(z, y), [z], { order: 2 });
        checkGrads((lp: Array) => nn.nll(lp, y), [z], { order: 2 });
      }),
      { numRuns: 15 },
    );
  });

  test("extra leading dims: labels [b, n] with logits [b, n, k]", () => {
    const z = np.array(
      [
        [
          [1, 0],
          [0, 2],
        ],
        [
          [3, 1],
          [0, 0],
        ],
      ],
      "float64",
    );
    const y = np.array(
      [
        [0, 1],
        [1, 0],
      ],
      "int32",
    );
    const none = nn.softmaxCrossEntropy(z, y, { reduction: "none" });
    expect(none.shape).toEqual([2, 2]);
    expectClose(none, crossEntropyRef(z.reshape([4, 2]), y.reshape([4])), 0, 1e-12);
  });
});

describe("under vmap and jit", () => {
  test("vmap of the per-example loss = reduction 'none'; jit = eager", () => {
    fc.assert(
      fc.property(classification(extremes), ([z, y]) => {
        const none = flat(nn.softmaxCrossEntropy(z, y, { reduction: "none" }));
        expectClose(vmap((zi: Array, yi: Array) => nn.softmaxCrossEntropy(zi, yi))(z, y), none, 1e-300, 1e-14);
        expectClose(vmap((zi: Array, yi: Array) => nn.nll(nn.logSoftmax(zi), yi))(z, y), none, 1e-300, 1e-14);
        expectClose(jit((a: Array, b: Array) => nn.softmaxCrossEntropy(a, b))(z, y), [mean(none)], 1e-12, 1e-12);
      }),
      runs,
    );
    fc.assert(
      fc.property(pairs({ min: -5, max: 5 }, { min: 0, max: 1 }), ([z, y]) => {
        for (const loss of [nn.mse, nn.sigmoidBinaryCrossEntropy]) {
          const none = loss(z, y, { reduction: "none" });
          expectClose(vmap((a: Array, b: Array) => loss(a, b, { reduction: "none" }))(z, y), flat(none), 0, 1e-15);
          // vmap over the leading axis of a mean: the per-example means.
          const rows = z.shape[0];
          const perRow = vmap((a: Array, b: Array) => loss(a, b))(z, y);
          expectClose(perRow, flat(np.mean(none.reshape([rows, -1]), 1)), 1e-15, 1e-12);
          expectClose(
            jit((a: Array, b: Array) => loss(a, b, { reduction: "sum" }))(z, y),
            [flat(none).reduce((s, v) => s + v, 0)],
            1e-12,
            1e-12,
          );
        }
      }),
      { numRuns: 15 },
    );
  });

  test("per-example gradients by vmap(grad) add up to the gradient of the summed loss", () => {
    fc.assert(
      fc.property(classification(fc.double({ min: -5, max: 5, noNaN: true })), ([z, y]) => {
        const per = vmap(grad((zi: Array, yi: Array) => nn.softmaxCrossEntropy(zi, yi)))(z, y);
        expectClose(per, flat(grad((l: Array) => nn.softmaxCrossEntropy(l, y, { reduction: "sum" }))(z)), 1e-15, 1e-12);
      }),
      { numRuns: 15 },
    );
  });
});

describe("accuracy", () => {
  test("multi-class: argmax of scores vs integer labels", () => {
    fc.assert(
      fc.property(classification(fc.double({ min: -5, max: 5, noNaN: true })), ([z, y]) => {
        const k = z.shape[1];
        const zv = flat(z);
        const hits = flat(y).map((label, i) => {
          const row = zv.slice(i * k, (i + 1) * k);
          return row.indexOf(Math.max(...row)) === label ? 1 : 0;
        });
        expectClose(nn.accuracy(z, y), [mean(hits)], 1e-7, 0);
        expectClose(jit((a: Array, b: Array) => nn.accuracy(a, b))(z, y), [mean(hits)], 1e-7, 0);
      }),
      runs,
    );
  });

  test("binary: probabilities thresholded at 0.5 against 0/1 labels", () => {
    fc.assert(
      fc.property(pairs({ min: 0, max: 1 }, { min: 0, max: 1 }), ([p, t]) => {
        const y = np.round(t);
        const hits = flat(p).map((v, i) => (v > 0.5 === flat(y)[i] > 0.5 ? 1 : 0));
        expectClose(nn.accuracy(p, y), [mean(hits)], 1e-7, 0);
      }),
      runs,
    );
    expect(nn.accuracy(np.array([0.9, 0.2, 0.6, 0.5]), np.array([1, 0, 0, 1])).item()).toBe(0.5);
  });
});

describe("shape errors: no silent broadcasting", () => {
  const differentShapes = fc
    .tuple(shapes({ minRank: 1, maxRank: 3 }), shapes({ minRank: 1, maxRank: 3 }))
    .filter(([a, b]) => a.length !== b.length || a.some((d, i) => d !== b[i]));

  test("elementwise losses throw a ShapeError naming both shapes", () => {
    fc.assert(
      fc.property(differentShapes, ([a, b]) => {
        const [p, t] = [np.zeros(a), np.zeros(b)];
        const both = new RegExp(`f32\\[${a.join(",")}\\].*f32\\[${b.join(",")}\\]`);
        for (const loss of [nn.mse, nn.binaryCrossEntropy, nn.sigmoidBinaryCrossEntropy]) {
          expect(() => loss(p, t)).toThrow(ShapeError);
          expect(() => loss(p, t)).toThrow(both);
        }
      }),
      { numRuns: 30 },
    );
  });

  test("the classic [n, 1] vs [n] mistake", () => {
    expect(() => nn.mse(np.zeros([4, 1]), np.zeros([4]))).toThrow(/mse: predictions f32\[4,1\] and targets f32\[4\]/);
    expect(() => nn.accuracy(np.zeros([4, 1]), np.zeros([4]))).not.toThrow(); // [n, 1] scores vs [n] labels is multi-class (k = 1)
    expect(() => nn.accuracy(np.zeros([4]), np.zeros([4, 1]))).toThrow(ShapeError);
  });

  test("class losses and accuracy: labels must match the logits without the class axis", () => {
    const z = np.zeros([4, 3]);
    for (const bad of [
      np.zeros([3], "int32"),
      np.zeros([4, 2], "float32"),
      np.zeros([1], "int32"),
      np.zeros([4, 3, 1], "int32"),
    ]) {
      expect(() => nn.softmaxCrossEntropy(z, bad)).toThrow(ShapeError);
      expect(() => nn.nll(z, bad)).toThrow(ShapeError);
    }
    expect(() => nn.softmaxCrossEntropy(z, np.zeros([3], "int32"))).toThrow(/labels i32\[3\].*logits f32\[4,3\]/);
    expect(() => nn.accuracy(z, np.zeros([1], "int32"))).toThrow(ShapeError);
    expect(() => nn.accuracy(z, np.zeros([5], "int32"))).toThrow(/labels i32\[5\].*f32\[4,3\]/);
  });
});
