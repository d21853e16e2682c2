import fc from "fast-check";
import { expect, test } from "vitest";
import { Array, np, tree } from "../../src/index.js";
import { arrays, arrayTrees, broadcastableShapes, dtypes, shapes } from "../../src/testing/arbitraries/index.js";

test("shapes respect the rank and dimension bounds", () => {
  fc.assert(
    fc.property(shapes({ minRank: 1, maxRank: 2, minDim: 2, maxDim: 5 }), (s) => {
      expect(s.length).toBeGreaterThanOrEqual(1);
      expect(s.length).toBeLessThanOrEqual(2);
      expect(s.every((d) => d >= 2 && d <= 5)).toBe(true);
    }),
  );
});

test("arrays have the requested shape, dtype and finite values in range", () => {
  fc.assert(
    fc.property(arrays({ shape: [2, 3], dtype: "float64", min: -1, max: 4 }), (x) => {
      expect(x.shape).toEqual([2, 3]);
      expect(x.dtype).toBe("float64");
      expect([...x.data()].every((v) => Number.isFinite(v) && v >= -1 && v <= 4)).toBe(true);
    }),
    { numRuns: 50 },
  );
});

test("arrays default to float32 with a drawn shape; float32 values are representable", () => {
  fc.assert(
    fc.property(arrays({ maxRank: 2, maxDim: 3 }), (x) => {
      expect(x.dtype).toBe("float32");
      expect(x.ndim).toBeLessThanOrEqual(2);
      expect([...x.data()].every((v) => Number.isFinite(v) && Math.fround(v) === v)).toBe(true);
    }),
    { numRuns: 50 },
  );
});

test("integer and bool arrays hold valid values", () => {
  fc.assert(
    fc.property(dtypes(["int32", "uint32", "bool"]), fc.context(), (dtype, ctx) => {
      const [x] = fc.sample(arrays({ dtype, shape: [4], min: -3, max: 3 }), 1);
      ctx.log(String(x));
      expect(x.dtype).toBe(dtype);
      const vals = [...x.data()];
      const lo = dtype === "int32" ? -3 : 0;
      const hi = dtype === "bool" ? 1 : 3;
      expect(vals.every((v) => Number.isInteger(v) && v >= lo && v <= hi)).toBe(true);
    }),
    { numRuns: 20 },
  );
});

test("custom element arbitraries override min/max", () => {
  const [x] = fc.sample(arrays({ shape: [5], dtype: "float64", elements: fc.constant(7) }), 1);
  expect([...x.data()]).toEqual([7, 7, 7, 7, 7]);
});

/** NumPy broadcasting of two shapes, or null when they do not broadcast. */
function broadcast(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(Math.max(x, y));
  }
  return out;
}

test("broadcastableShapes broadcast together, and np agrees", () => {
  fc.assert(
    fc.property(broadcastableShapes(3, { maxRank: 3, maxDim: 3 }), (ss) => {
      expect(ss).toHaveLength(3);
      const [a, b, c] = ss;
      const ab = broadcast(a, b);
      expect(ab).not.toBeNull();
      const abc = broadcast(ab as number[], c);
      expect(abc).not.toBeNull();
      const sum = np.add(np.add(np.zeros(a), np.zeros(b)), np.zeros(c));
      expect(sum.shape).toEqual(abc);
    }),
    { numRuns: 100 },
  );
});

test("broadcastableShapes produce size-1 dims and shorter ranks", () => {
  const samples = fc.sample(broadcastableShapes(2, { minRank: 2, maxRank: 3, minDim: 2 }), { numRuns: 200, seed: 3 });
  expect(samples.some(([a, b]) => a.length !== b.length)).toBe(true);
  expect(samples.some(([a]) => a.includes(1))).toBe(true);
});

test("arrayTrees nest lists and objects of arrays whose leaves mix float32 and float64", () => {
  const seen = new Set<string>();
  let nested = 0;
  fc.assert(
    fc.property(arrayTrees({ maxLeaves: 5, maxRank: 2, maxDim: 3 }), (t) => {
      const leaves = tree.leaves(t);
      expect(leaves.length).toBeGreaterThanOrEqual(1);
      expect(leaves.length).toBeLessThanOrEqual(5);
      for (const l of leaves) {
        expect(l).toBeInstanceOf(Array);
        const x = l as Array;
        expect(["float32", "float64"]).toContain(x.dtype);
        expect(x.ndim).toBeLessThanOrEqual(2);
        expect([...x.data()].every((v) => v >= -2 && v <= 2)).toBe(true);
      }
      seen.add([...new Set(leaves.map((l) => (l as Array).dtype))].sort().join("+"));
      if (!(t instanceof Array)) nested++;
    }),
    { numRuns: 100, seed: 11 },
  );
  expect(seen).toContain("float32+float64");
  expect(nested).toBeGreaterThan(50);
});
