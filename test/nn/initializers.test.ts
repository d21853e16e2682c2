import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Array } from "../../src/index.js";
import { jit, nn, random, ValueError, vmap } from "../../src/index.js";
import { keys, shapes } from "../../src/testing/arbitraries/index.js";
import { flat } from "./helpers.js";

const init = nn.initializers;

/** [fanIn, fanOut] by hand: the last two dims, times the product of the others. */
const fansRef = (shape: number[]): [number, number] => {
  if (shape.length === 1) return [shape[0], shape[0]];
  const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * rf, shape[shape.length - 1] * rf];
};

interface Scheme {
  f: nn.Initializer;
  /** Variance from the fans. */
  variance: (fanIn: number, fanOut: number) => number;
  /** Half-width of the support for uniform schemes. */
  limit?: (fanIn: number, fanOut: number) => number;
}

const schemes: Record<string, Scheme> = {
  glorotUniform: {
    f: init.glorotUniform,
    variance: (i, o) => 2 / (i + o),
    limit: (i, o) => Math.sqrt(6 / (i + o)),
  },
  glorotNormal: { f: init.glorotNormal, variance: (i, o) => 2 / (i + o) },
  heUniform: { f: init.heUniform, variance: (i) => 2 / i, limit: (i) => Math.sqrt(6 / i) },
  heNormal: { f: init.heNormal, variance: (i) => 2 / i },
  lecunNormal: { f: init.lecunNormal, variance: (i) => 1 / i },
  "uniform(0.3)": { f: init.uniform(0.3), variance: () => 0.09 / 3, limit: () => 0.3 },
  "normal(0.2)": { f: init.normal(0.2), variance: () => 0.04 },
};

const moments = (x: Array) => {
  const v = flat(x);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length;
  return { mean, variance, absMax: Math.max(...v.map(Math.abs)) };
};

describe("fans", () => {
  test("dense, vector and conv-like shapes (receptive field multiplies both fans)", () => {
    expect(init.fans([5, 7])).toEqual([5, 7]);
    expect(init.fans([6])).toEqual([6, 6]);
    expect(init.fans([3, 3, 16, 32])).toEqual([144, 288]);
    expect(init.fans([5, 4, 8])).toEqual([20, 40]);
    fc.assert(
      fc.property(shapes({ minRank: 1, maxRank: 4, maxDim: 6 }), (s) => {
        expect(init.fans(s)).toEqual(fansRef(s));
      }),
      { numRuns: 50 },
    );
  });

  test("a scalar shape has no fans: ValueError", () => {
    expect(() => init.fans([])).toThrow(ValueError);
    expect(() => init.glorotUniform(random.key(0), [])).toThrow(/scalar shape/);
  });
});

describe.each(Object.entries(schemes))("%s", (_name, s) => {
  test("shape and dtype (float32 default, float64 on request); deterministic per key; keys differ", () => {
    fc.assert(
      fc.property(keys(), shapes({ minRank: 1, maxRank: 4, maxDim: 4 }), (k, shape) => {
        const w = s.f(k, shape);
        expect(w.shape).toEqual(shape);
        expect(w.dtype).toBe("float32");
        expect(flat(s.f(k, shape))).toEqual(flat(w));
        const w64 = s.f(k, shape, "float64");
        expect(w64.dtype).toBe("float64");
        expect(flat(w64).every(Number.isFinite)).toBe(true);
        if (w.size >= 4) expect(flat(s.f(random.foldIn(k, 1), shape))).not.toEqual(flat(w));
      }),
      { numRuns: 20 },
    );
  });

  test.each([[[256, 128]], [[3, 3, 32, 64]]])("empirical variance ≈ the formula, mean ≈ 0, within bounds (shape %j)", (shape) => {
    const [fi, fo] = fansRef(shape);
    const { mean, variance, absMax } = moments(s.f(random.key(7), shape, "float64"));
    const expected = s.variance(fi, fo);
    // n ≥ 18k samples: the variance estimate's relative std error is ≤ 1.1%.
    expect(Math.abs(variance / expected - 1)).toBeLessThan(0.05);
    const n = shape.reduce((a, b) => a * b, 1);
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(expected / n));
    if (s.limit !== undefined) {
      const limit = s.limit(fi, fo);
      expect(absMax).toBeLessThanOrEqual(limit);
      expect(absMax).toBeGreaterThan(0.99 * limit);
    }
  });

  test("works under jit and vmap over keys (same values as one call per key)", () => {
    const k = random.key(3);
    const eager = s.f(k, [4, 5]);
    expect(flat(jit((key: Array) => s.f(key, [4, 5]))(k))).toEqual(flat(eager));
    const ks = random.splitArray(k, 3);
    const batched = vmap((key: Array) => s.f(key, [4, 5]))(ks);
    expect(batched.shape).toEqual([3, 4, 5]);
    random.split(k, 3).forEach((ki, i) => {
      expect(flat(batched).slice(i * 20, (i + 1) * 20)).toEqual(flat(s.f(ki, [4, 5])));
    });
  });
});

describe("zeros and ones", () => {
  test("constant values of the given shape and dtype, independent of the key", () => {
    fc.assert(
      fc.property(keys(), shapes({ maxRank: 3 }), (k, shape) => {
        const z = init.zeros(k, shape);
        const o = init.ones(k, shape, "float64");
        expect([z.shape, z.dtype, o.shape, o.dtype]).toEqual([shape, "float32", shape, "float64"]);
        expect(flat(z).every((v) => v === 0)).toBe(true);
        expect(flat(o).every((v) => v === 1)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });
});
