/** Array basics: metadata, toArray/data/item, JAX-style printing, creation errors. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { np, ShapeError, ValueError } from "../../src/index.js";
import { dataArb, fromRef, type RefDType, shapeArb, sizeOf, unravel } from "../helpers/reference.js";

/** Build the nested JS list NumPy's tolist() would give for row-major `data`. */
function nest(shape: readonly number[], data: readonly (number | boolean)[]): unknown {
  if (shape.length === 0) return data[0];
  const inner = sizeOf(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) => nest(shape.slice(1), data.slice(i * inner, (i + 1) * inner)));
}

describe("metadata and conversions", () => {
  const arb = fc
    .tuple(shapeArb(4, 0, 3), fc.constantFrom<RefDType>("float32", "float64", "int32", "uint32", "bool"))
    .chain(([s, d]) =>
      fc.tuple(
        dataArb(s, fc.integer({ min: d === "bool" ? 0 : d === "uint32" ? 0 : -9, max: d === "bool" ? 1 : 9 })),
        fc.constant(d),
      ),
    );

  test("shape, dtype, ndim, size, toArray and data agree with the input", () => {
    fc.assert(
      fc.property(arb, ([r, d]) => {
        const x = fromRef(r, d);
        expect(x.shape).toEqual(r.shape);
        expect(x.dtype).toBe(d);
        expect(x.ndim).toBe(r.shape.length);
        expect(x.size).toBe(sizeOf(r.shape));
        expect(Array.from(x.data())).toEqual(r.data);
        const vals = d === "bool" ? r.data.map((v) => v !== 0) : r.data;
        expect(x.toArray()).toEqual(nest(r.shape, vals));
        // np.array of the nested list round-trips.
        if (r.shape.every((n) => n > 0)) expect(np.arrayEqual(np.array(x.toArray() as number[], d), x)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  test("data() returns a copy: writing to it does not change the array", () => {
    fc.assert(
      fc.property(
        shapeArb(3, 1, 3).chain((s) => dataArb(s)),
        (r) => {
          const x = fromRef(r);
          const buf = x.data();
          buf.fill(123);
          expect(Array.from(x.data())).toEqual(r.data);
          expect(x.data()).not.toBe(x.data());
        },
      ),
      { numRuns: 20 },
    );
  });

  test("toArray returns fresh lists", () => {
    const x = np.array([[1, 2]]);
    (x.toArray() as number[][])[0][0] = 9;
    expect(x.toArray()).toEqual([[1, 2]]);
  });

  test("item() returns the single value, for any shape of size 1", () => {
    expect(np.array(2.5).item()).toBe(2.5);
    expect(np.array([[7]], "int32").item()).toBe(7);
    expect(np.ones([1, 1, 1]).item()).toBe(1);
  });

  test("item() on a non-scalar names the shape and suggests a fix", () => {
    const call = () => np.ones([2, 3]).item();
    expect(call).toThrow(ValueError);
    expect(call).toThrow("item: the array has shape [2,3] (6 elements); item() needs exactly one");
    expect(() => np.zeros([0]).item()).toThrow("item: the array has shape [0] (0 elements)");
  });

  test("default dtypes: float32 for numbers, bool for booleans, typed arrays keep theirs", () => {
    expect(np.array([1, 2]).dtype).toBe("float32");
    expect(np.array([true]).dtype).toBe("bool");
    expect(np.array(Float64Array.of(1)).dtype).toBe("float64");
    expect(np.array(Int32Array.of(1)).dtype).toBe("int32");
    expect(np.arange(3).dtype).toBe("int32");
    expect(np.arange(0, 1, 0.5).dtype).toBe("float32");
  });

  test("unit-unrelated casts: float to int truncates via astype, int dtypes reject fractional input", () => {
    expect(np.array([1.7, -1.7]).astype("int32").toArray()).toEqual([1, -1]);
    expect(np.array([0, 2, -1]).astype("bool").toArray()).toEqual([false, true, true]);
    expect(() => np.array([1.5], "int32")).toThrow("array: value 1.5 at flat index 0 (position [0]) is not an integer");
  });
});

describe("toString prints like JAX", () => {
  test.each([
    [np.array([[1, 2]]), "Array([[1., 2.]], dtype=float32)"],
    [np.array([1, 2], "int32"), "Array([1, 2], dtype=int32)"],
    [np.array(3), "Array(3., dtype=float32)"],
    [np.array(1.5, "float64"), "Array(1.5, dtype=float64)"],
    [np.array(7, "int32"), "Array(7, dtype=int32)"],
    [np.array(true), "Array(true, dtype=bool)"],
    [np.array([true, false]), "Array([ true, false], dtype=bool)"],
    [np.array([1.5, 2, -3]), "Array([ 1.5,  2. , -3. ], dtype=float32)"],
    [
      np.array([
        [1, 2],
        [3, 4],
      ]),
      "Array([[1., 2.],\n       [3., 4.]], dtype=float32)",
    ],
    [np.array([Number.NaN, Number.POSITIVE_INFINITY, 1]), "Array([nan, inf,  1.], dtype=float32)"],
    [np.zeros([0]), "Array([], dtype=float32)"],
  ])("%s", (x, expected) => {
    expect(x.toString()).toBe(expected);
  });

  test("3-D arrays separate blocks with a blank line", () => {
    expect(np.arange(8).reshape(2, 2, 2).toString()).toBe(
      "Array([[[0, 1],\n        [2, 3]],\n\n       [[4, 5],\n        [6, 7]]], dtype=int32)",
    );
  });
});

describe("creation errors", () => {
  test("ragged nested input names the offending entry", () => {
    expect(() => np.array([[1, 2], [3]])).toThrow(ValueError);
    expect(() => np.array([[1, 2], [3]])).toThrow("array: ragged nested input: [1] has 1 entries but its siblings have 2");
    expect(() => np.array([[1, 2], 3] as never)).toThrow("array: ragged nested input: [1] is a scalar");
    expect(() => np.array([1, [2]] as never)).toThrow("array: ragged nested input: [1] is a list");
    expect(() => np.array([1, null] as never)).toThrow(ValueError);
  });

  test("NaN, negative and non-integer shape entries", () => {
    for (const [f, name] of [
      [(s: number[]) => np.zeros(s), "zeros"],
      [(s: number[]) => np.ones(s), "ones"],
      [(s: number[]) => np.full(s, 1), "full"],
    ] as const) {
      for (const [bad, shown] of [
        [Number.NaN, "NaN"],
        [-1, "-1"],
        [1.5, "1.5"],
      ] as const) {
        expect(() => f([2, bad])).toThrow(ShapeError);
        expect(() => f([2, bad])).toThrow(
          `${name}: shape entry 1 is ${shown} in [2,${shown}]; every dimension must be a non-negative integer`,
        );
      }
    }
  });

  test("arrays from an index function agree with unravel (sanity of the helper used above)", () => {
    const x = np.arange(24).reshape(2, 3, 4);
    const nested = x.toArray() as number[][][];
    for (let i = 0; i < 24; i++) {
      const [a, b, c] = unravel(i, [2, 3, 4]);
      expect(nested[a][b][c]).toBe(i);
    }
  });
});
