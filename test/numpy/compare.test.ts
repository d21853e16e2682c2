/** allclose, isclose, arrayEqual. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { np, ShapeError } from "../../src/index.js";
import { broadcastShapesArb, dataArb, fromRef, mapRef } from "../helpers/reference.js";

/** NumPy's isclose, written out. */
function iscloseRef(a: number, b: number, rtol: number, atol: number, equalNan: boolean): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return equalNan && Number.isNaN(a) && Number.isNaN(b) ? 1 : 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b ? 1 : 0;
  return Math.abs(a - b) <= atol + rtol * Math.abs(b) ? 1 : 0;
}

const valArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -4, max: 4 }).map((k) => k / 2) },
  { weight: 3, arbitrary: fc.constantFrom(1e-9, -1e-9, 1 + 1e-6, 1 + 1e-4, 0.5 + 1e-7) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY) },
);

describe("isclose/allclose", () => {
  test("isclose matches NumPy's formula elementwise (with broadcasting, NaN, inf)", () => {
    const arb = broadcastShapesArb(2, 3).chain(([sa, sb]) =>
      fc.tuple(
        dataArb(sa, valArb),
        dataArb(sb, valArb),
        fc.constantFrom(1e-5, 1e-3, 0),
        fc.constantFrom(1e-8, 1e-3, 0),
        fc.boolean(),
      ),
    );
    fc.assert(
      fc.property(arb, ([a, b, rtol, atol, equalNan]) => {
        const out = np.isclose(fromRef(a, "float64"), fromRef(b, "float64"), { rtol, atol, equalNan });
        expect(out.dtype).toBe("bool");
        const expected = mapRef([a, b], (x, y) => iscloseRef(x, y, rtol, atol, equalNan));
        expect(out.shape).toEqual(expected.shape);
        expect(Array.from(out.data())).toEqual(expected.data);
        const all = expected.data.every((v) => v === 1);
        expect(np.allclose(fromRef(a, "float64"), fromRef(b, "float64"), { rtol, atol, equalNan })).toBe(all);
      }),
      { numRuns: 80 },
    );
  });

  test("defaults are rtol=1e-5, atol=1e-8; mixed dtypes and JS numbers work", () => {
    expect(np.allclose(np.array([1]), np.array([1 + 5e-6]))).toBe(true);
    expect(np.allclose(np.array([1], "float64"), np.array([1 + 2e-5], "float64"))).toBe(false);
    expect(np.allclose(np.array([0], "float64"), 1e-9)).toBe(true);
    expect(np.allclose(np.array([0], "float64"), 1e-7)).toBe(false);
    expect(np.allclose(np.array([1, 2], "int32"), np.array([1, 2]))).toBe(true);
    expect(np.allclose(np.array([Number.NaN]), np.array([Number.NaN]))).toBe(false);
    expect(np.allclose(np.array([Number.NaN]), np.array([Number.NaN]), { equalNan: true })).toBe(true);
  });

  test("allclose of shapes that do not broadcast is a ShapeError", () => {
    expect(() => np.allclose(np.ones([2]), np.ones([3]))).toThrow(ShapeError);
    expect(() => np.allclose(np.ones([2]), np.ones([3]))).toThrow("allclose: shapes [2] and [3] cannot be broadcast");
  });
});

describe("arrayEqual", () => {
  test("true exactly when shapes and values are equal", () => {
    const arb = broadcastShapesArb(2, 3).chain(([sa, sb]) =>
      fc.tuple(dataArb(sa, fc.integer({ min: 0, max: 1 })), dataArb(sb, fc.integer({ min: 0, max: 1 }))),
    );
    fc.assert(
      fc.property(arb, ([a, b]) => {
        const expected = JSON.stringify(a.shape) === JSON.stringify(b.shape) && a.data.every((v, i) => v === b.data[i]);
        expect(np.arrayEqual(fromRef(a), fromRef(b))).toBe(expected);
        expect(np.arrayEqual(fromRef(a), fromRef(a, "int32"))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  test("broadcastable but different shapes are not equal; NaN is not equal to itself", () => {
    expect(np.arrayEqual(np.ones([2]), np.ones([1, 2]))).toBe(false);
    expect(np.arrayEqual(np.ones([1]), np.ones([2]))).toBe(false);
    expect(np.arrayEqual(np.ones([2]), np.ones([1]))).toBe(false);
    expect(np.arrayEqual(np.array([Number.NaN]), np.array([Number.NaN]))).toBe(false);
  });
});
