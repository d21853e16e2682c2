/** Movement ops: reshape, transpose, slice, concatenate/stack/split, flip, pad, take, expandDims/squeeze, broadcastTo. */
import fc from "fast-check";
import { describe, expect, it, test } from "vitest";
import type { Array as AxArray } from "../../src/index.js";
import { AxisError, grad, jit, jvp, np, ShapeError, ValueError, vmap } from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";
import {
  atBroadcast,
  concatRef,
  dataArb,
  flipRef,
  fromRef,
  mismatch,
  padRef,
  type Ref,
  type RefSliceSpec,
  shapeArb,
  sizeOf,
  sliceRef,
  stackRef,
  takeRef,
  toRef,
  transposeRef,
  unravel,
} from "../helpers/reference.js";

const same = (x: AxArray, r: Ref) => mismatch({ shape: x.shape, data: x.data() }, r);
const intsArb = (s: number[]) => dataArb(s, fc.integer({ min: -50, max: 50 }));
const arrArb = (maxRank = 4) => shapeArb(maxRank, 0, 4).chain(intsArb);

describe("reshape", () => {
  // Two groupings of the same factor list give two shapes of equal size.
  const reshapeArb = fc
    .array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 })
    .chain((factors) =>
      fc.tuple(
        fc.constant(factors),
        fc.shuffledSubarray(factors, { minLength: factors.length, maxLength: factors.length }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        fc.nat(),
      ),
    )
    .map(([fa, fb, cutA, cutB, minus]) => {
      const group = (fs: number[], cuts: boolean[]) =>
        fs.reduce<number[]>((acc, f, i) => (i > 0 && cuts[i] ? [...acc.slice(0, -1), acc[acc.length - 1] * f] : [...acc, f]), []);
      const from = group(fa, cutA);
      const to = group(fb, cutB);
      const target = to.length === 0 ? to : to.map((d, i) => (i === minus % to.length ? -1 : d));
      return { from, to, target };
    });

  test("keeps row-major order; -1 is inferred; reshape back round-trips", () => {
    fc.assert(
      fc.property(
        reshapeArb.chain((c) => fc.tuple(fc.constant(c), intsArb(c.from))),
        ([{ from, to, target }, r]) => {
          const x = fromRef(r);
          const y = np.reshape(x, target);
          expect(y.shape).toEqual(to);
          expect(Array.from(y.data())).toEqual(r.data);
          expect(same(np.reshape(y, from), r)).toBeNull();
          expect(same(x.reshape(...target), { shape: to, data: r.data })).toBeNull();
        },
      ),
      { numRuns: 60 },
    );
  });

  test("errors: size mismatch, non-integer or negative entries, two -1s", () => {
    const x = np.ones([2, 3]);
    expect(() => np.reshape(x, [4, 2])).toThrow(ShapeError);
    expect(() => np.reshape(x, [4, 2])).toThrow("reshape: cannot reshape f32[2,3] (6 elements) to [4,2] (8 elements)");
    expect(() => np.reshape(x, [4, -1])).toThrow("6 is not divisible by 4");
    expect(() => np.reshape(x, [1.5, 4])).toThrow("reshape: shape entry 0 is 1.5 in [1.5,4]");
    expect(() => np.reshape(x, [2, -3])).toThrow("reshape: shape entry 1 is -3");
    expect(() => np.reshape(x, [-1, -1])).toThrow("only one dimension can be -1");
  });
});

describe("transpose", () => {
  const permArb = arrArb().chain((r) =>
    fc.tuple(fc.constant(r), fc.shuffledSubarray([...r.shape.keys()], { minLength: r.shape.length, maxLength: r.shape.length })),
  );

  test("matches the reference, and the inverse permutation round-trips", () => {
    fc.assert(
      fc.property(permArb, ([r, perm]) => {
        const x = fromRef(r);
        const y = np.transpose(x, perm);
        expect(same(y, transposeRef(r, perm))).toBeNull();
        const inv = perm.map((_, i) => perm.indexOf(i));
        expect(same(np.transpose(y, inv), r)).toBeNull();
      }),
      { numRuns: 60 },
    );
  });

  test("default reverses the axes; .T is the same", () => {
    fc.assert(
      fc.property(arrArb(), (r) => {
        const rev = [...r.shape.keys()].reverse();
        expect(same(np.transpose(fromRef(r)), transposeRef(r, rev))).toBeNull();
        expect(same(fromRef(r).T, transposeRef(r, rev))).toBeNull();
      }),
      { numRuns: 30 },
    );
  });

  test("a repeated axis is an error", () => {
    expect(() => np.transpose(np.ones([2, 3]), [0, 0])).toThrow(AxisError);
    expect(() => np.transpose(np.ones([2, 3]), [0, 0])).toThrow(
      "transpose: [0,0] is not a permutation of the 2 axes of f32[2,3]",
    );
    expect(() => np.transpose(np.ones([2, 3]), [0, 2])).toThrow(AxisError);
  });
});

describe("slice", () => {
  const specArb = (n: number): fc.Arbitrary<RefSliceSpec> => {
    const bound = fc.option(fc.integer({ min: -n - 2, max: n + 2 }), { nil: null });
    const step = fc.option(
      fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0),
      { nil: null },
    );
    const options: fc.Arbitrary<RefSliceSpec>[] = [fc.constant(null), fc.tuple(bound, bound, step)];
    if (n > 0) options.push(fc.integer({ min: -n, max: n - 1 }));
    return fc.oneof(...options);
  };
  const sliceArb = arrArb().chain((r) =>
    fc.tuple(
      fc.constant(r),
      fc.integer({ min: 0, max: r.shape.length }).chain((k) => fc.tuple(...r.shape.slice(0, k).map(specArb))),
    ),
  );

  test("matches Python slicing (steps, negative steps, negative and out-of-range bounds)", () => {
    fc.assert(
      fc.property(sliceArb, ([r, specs]) => {
        const y = np.slice(fromRef(r), ...(specs as RefSliceSpec[]));
        expect(same(y, sliceRef(r, specs as RefSliceSpec[]))).toBeNull();
      }),
      { numRuns: 150 },
    );
  });

  test("examples", () => {
    const x = np.arange(10);
    expect(np.slice(x, [null, null, -1]).toArray()).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(np.slice(x, [-3, null, null]).toArray()).toEqual([7, 8, 9]);
    expect(np.slice(x, [8, 2, -3]).toArray()).toEqual([8, 5]);
    expect(np.slice(x, [1, 8, 3]).toArray()).toEqual([1, 4, 7]);
    expect(np.slice(x, -1).toArray()).toEqual(9);
    expect(() => np.slice(x, 10)).toThrow("slice: index 10 is out of bounds for axis 0 of size 10");
    expect(() => np.slice(x, [0, 5, 0])).toThrow("step must be a non-zero integer");
  });
});

describe("concatenate, stack, split", () => {
  const partsArb = fc
    .tuple(
      shapeArb(3, 0, 3).filter((s) => s.length > 0),
      fc.nat(),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 4 }),
    )
    .chain(([s, ax, sizes]) => {
      const axis = ax % s.length;
      return fc.tuple(fc.constant(axis), fc.tuple(...sizes.map((n) => intsArb(s.map((d, i) => (i === axis ? n : d))))));
    });

  test("concatenate matches the reference; split at the cut points gives the parts back", () => {
    fc.assert(
      fc.property(partsArb, fc.boolean(), ([axis, parts], negative) => {
        const nd = parts[0].shape.length;
        const xs = parts.map((p) => fromRef(p));
        const cat = np.concatenate(xs, negative ? axis - nd : axis);
        expect(same(cat, concatRef(parts, axis))).toBeNull();
        const cuts = parts.slice(0, -1).reduce<number[]>((acc, p) => [...acc, (acc.at(-1) ?? 0) + p.shape[axis]], []);
        const back = np.split(cat, cuts, axis);
        expect(back.length).toBe(parts.length);
        back.forEach((b, i) => expect(same(b, parts[i])).toBeNull());
      }),
      { numRuns: 60 },
    );
  });

  test("stack matches the reference on every axis, negative too", () => {
    const arb = fc
      .tuple(shapeArb(3, 0, 3), fc.integer({ min: 1, max: 4 }))
      .chain(([s, k]) =>
        fc.tuple(fc.tuple(...Array.from({ length: k }, () => intsArb(s))), fc.integer({ min: -s.length - 1, max: s.length })),
      );
    fc.assert(
      fc.property(arb, ([parts, axis]) => {
        const out = np.stack(
          parts.map((p) => fromRef(p)),
          axis,
        );
        const ax = axis < 0 ? axis + parts[0].shape.length + 1 : axis;
        expect(same(out, stackRef(parts, ax))).toBeNull();
      }),
      { numRuns: 50 },
    );
  });

  test("split into equal sections; then concatenate round-trips", () => {
    const x = np.arange(12).reshape(3, 4);
    const [a, b] = np.split(x, 2, 1);
    expect(a.toArray()).toEqual([
      [0, 1],
      [4, 5],
      [8, 9],
    ]);
    expect(np.arrayEqual(np.concatenate([a, b], 1), x)).toBe(true);
    expect(() => np.split(x, 3, 1)).toThrow("split: axis 1 of i32[3,4] (size 4) cannot be split into 3 equal parts");
  });

  test("errors: rank mismatch, empty list, stack shape mismatch", () => {
    expect(() => np.concatenate([np.ones([2]), np.ones([2, 2])])).toThrow(ShapeError);
    expect(() => np.concatenate([np.ones([2]), np.ones([2, 2])])).toThrow(
      "concatenate: array 1 has rank 2 (f32[2,2]) but array 0 has rank 1; all must match",
    );
    expect(() => np.concatenate([])).toThrow(ValueError);
    expect(() => np.concatenate([np.ones([2, 3]), np.ones([2, 4])], 0)).toThrow(ShapeError);
    expect(() => np.stack([np.ones([2]), np.ones([3])])).toThrow("stack: array 1 is f32[3] but array 0 is f32[2]");
  });

  test("concatenate promotes dtypes", () => {
    expect(np.concatenate([np.array([1], "int32"), np.array([0.5])]).dtype).toBe("float32");
  });
});

describe("flip, pad, take", () => {
  test("flip over random axes matches the reference and is an involution", () => {
    const arb = arrArb().chain((r) => fc.tuple(fc.constant(r), fc.subarray([...r.shape.keys()])));
    fc.assert(
      fc.property(arb, ([r, axes]) => {
        const y = np.flip(fromRef(r), axes);
        expect(same(y, flipRef(r, axes))).toBeNull();
        expect(same(np.flip(y, axes), r)).toBeNull();
      }),
      { numRuns: 50 },
    );
    expect(
      np
        .flip(
          np.array([
            [1, 2],
            [3, 4],
          ]),
        )
        .toArray(),
    ).toEqual([
      [4, 3],
      [2, 1],
    ]);
  });

  test("pad with per-axis widths matches the reference; slicing the pad off round-trips", () => {
    const arb = arrArb(3).chain((r) =>
      fc.tuple(
        fc.constant(r),
        fc.tuple(...r.shape.map(() => fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })))),
        fc.integer({ min: -5, max: 5 }),
      ),
    );
    fc.assert(
      fc.property(arb, ([r, widths, value]) => {
        const y = np.pad(fromRef(r), widths as [number, number][], value);
        expect(same(y, padRef(r, widths, value))).toBeNull();
        const back = np.slice(y, ...widths.map(([lo], i) => [lo, lo + r.shape[i], 1] as const));
        expect(same(back, r)).toBeNull();
      }),
      { numRuns: 50 },
    );
  });

  test("pad with one number or one pair for every axis", () => {
    expect(np.pad(np.array([1, 2]), 1).toArray()).toEqual([0, 1, 2, 0]);
    expect(np.pad(np.array([1, 2]), [1, 2], 9).toArray()).toEqual([9, 1, 2, 9, 9]);
    expect(() => np.pad(np.array([1, 2]), -1)).toThrow(ShapeError);
  });

  /** NumPy's source index for output position k (−before ≤ k < n + after) of a padded axis of size n. */
  const padSource: Record<Exclude<np.PadMode, "constant">, (k: number, n: number) => number> = {
    edge: (k, n) => Math.min(Math.max(k, 0), n - 1),
    wrap: (k, n) => ((k % n) + n) % n,
    symmetric: (k, n) => {
      const m = ((k % (2 * n)) + 2 * n) % (2 * n);
      return m < n ? m : 2 * n - 1 - m;
    },
    reflect: (k, n) => {
      if (n === 1) return 0;
      const p = 2 * (n - 1);
      const m = ((k % p) + p) % p;
      return m < n ? m : p - m;
    },
  };
  const padModeRef = (r: Ref, widths: readonly (readonly [number, number])[], mode: keyof typeof padSource): Ref => {
    const shape = r.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
    const data = globalThis.Array.from({ length: sizeOf(shape) }, (_, i) => {
      const src = unravel(i, shape).map((k, a) => padSource[mode](k - widths[a][0], r.shape[a]));
      return r.data[src.reduce((acc, k, a) => acc * r.shape[a] + k, 0)];
    });
    return { shape, data };
  };

  test("pad modes edge, reflect, symmetric and wrap match NumPy's index rules, also for pads wider than the axis", () => {
    const arb = shapeArb(3, 1, 4)
      .chain(intsArb)
      .chain((r) =>
        fc.tuple(
          fc.constant(r),
          fc.tuple(...r.shape.map(() => fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })))),
          fc.constantFrom("edge", "reflect", "symmetric", "wrap") as fc.Arbitrary<keyof typeof padSource>,
        ),
      );
    fc.assert(
      fc.property(arb, ([r, widths, mode]) => {
        const y = np.pad(fromRef(r), widths as [number, number][], mode);
        expect(same(y, padModeRef(r, widths, mode))).toBeNull();
      }),
      { numRuns: 80 },
    );
    expect(np.pad(np.array([1, 2, 3]), 2, "reflect").toArray()).toEqual([3, 2, 1, 2, 3, 2, 1]);
    expect(np.pad(np.array([1, 2, 3]), [1, 2], "edge").toArray()).toEqual([1, 1, 2, 3, 3, 3]);
    expect(np.pad(np.array([5]), 2, "reflect").toArray()).toEqual([5, 5, 5, 5, 5]);
    expect(np.pad(np.array([1, 2]), 1, "constant", { constantValues: 7 }).toArray()).toEqual([7, 1, 2, 7]);
  });

  test("mirror and edge pads are differentiable (linear: slices, reversals, concatenations) and vmap per example", () => {
    const x = np.array(
      [
        [0.5, -1, 2],
        [3, 0.25, -0.75],
      ],
      "float64",
    );
    for (const mode of ["edge", "reflect", "symmetric", "wrap"] as const) {
      const f = (y: AxArray) =>
        np.sum(
          np.square(
            np.pad(
              y,
              [
                [1, 3],
                [4, 2],
              ],
              mode,
            ),
          ),
        );
      checkGrads(f, [x], { order: 2 });
      const rows = vmap((y: AxArray) => np.pad(y, 4, mode))(x);
      expect(rows.toArray()).toEqual([0, 1].map((i) => np.pad(np.slice(x, i), 4, mode).toArray()));
    }
  });

  test("pad rejects unknown modes (instead of filling NaN), mirror pads of empty axes, and misplaced options", () => {
    const x = np.array([1, 2]);
    expect(() => np.pad(x, 1, "wrapped" as np.PadMode)).toThrow(ValueError);
    expect(() => np.pad(x, 1, "wrapped" as np.PadMode)).toThrow(
      'pad: unknown mode "wrapped"; use one of "constant", "edge", "reflect", "symmetric", "wrap"',
    );
    expect(() =>
      np.pad(
        np.zeros([0, 2]),
        [
          [1, 0],
          [0, 0],
        ],
        "reflect",
      ),
    ).toThrow('pad: cannot apply "reflect" padding to the empty axis 0 of f32[0,2]');
    expect(
      np.pad(
        np.zeros([0, 2]),
        [
          [0, 0],
          [1, 1],
        ],
        "edge",
      ).shape,
    ).toEqual([0, 4]);
    expect(() => np.pad(x, 1, "edge", { constantValues: 1 })).toThrow('constantValues only applies to mode "constant"');
  });

  test("take along an axis with (negative) indices of any shape matches the reference", () => {
    const arb = shapeArb(3, 1, 4)
      .filter((s) => s.length > 0)
      .chain((s) =>
        fc.tuple(intsArb(s), fc.nat({ max: s.length - 1 })).chain(([r, axis]) => {
          const n = s[axis];
          return fc.tuple(
            fc.constant(r),
            fc.constant(axis),
            shapeArb(2, 0, 3).chain((is) => dataArb(is, fc.integer({ min: -n, max: n - 1 }))),
          );
        }),
      );
    fc.assert(
      fc.property(arb, ([r, axis, idx]) => {
        const out = np.take(fromRef(r), fromRef(idx, "int32"), axis);
        expect(same(out, takeRef(r, idx, axis))).toBeNull();
      }),
      { numRuns: 60 },
    );
  });

  test("take without an axis indexes the flattened array; plain JS index lists work", () => {
    const x = np.array([
      [1, 2],
      [3, 4],
    ]);
    expect(np.take(x, [3, 0, -1]).toArray()).toEqual([4, 1, 4]);
    expect(x.take([1], 1).toArray()).toEqual([[2], [4]]);
  });

  test("take rejects out-of-bounds indices", () => {
    expect(() => np.take(np.arange(5), [7])).toThrow(ValueError);
    expect(() => np.take(np.arange(5), [7])).toThrow("take: index 7 is out of bounds for an axis of size 5 (valid: -5..4)");
    expect(() => np.take(np.arange(5), [-6])).toThrow("out of bounds");
    expect(() => np.take(np.arange(5), [1], 0, { mode: "nearest" as "clip" })).toThrow(
      'take: mode "nearest" is not one of "raise", "clip", "fill", "wrap"',
    );
    expect(() => np.take(np.zeros([2, 0]), [0], 1, { mode: "clip" })).toThrow("it is empty");
  });
});

describe("take: out-of-range indices follow one mode on every path", () => {
  const modes = ["clip", "fill", "wrap"] as const;
  // Indices up to twice beyond either end of the axis.
  const arb = shapeArb(3, 1, 4)
    .filter((s) => s.length > 0)
    .chain((s) =>
      fc.tuple(intsArb(s), fc.nat({ max: s.length - 1 }), fc.constantFrom(...modes)).chain(([r, axis, mode]) => {
        const n = s[axis];
        return fc.tuple(
          fc.constant(r),
          fc.constant(axis),
          fc.constant(mode),
          shapeArb(2, 0, 3).chain((is) => dataArb(is, fc.integer({ min: -2 * n - 1, max: 2 * n + 1 }))),
        );
      }),
    );

  test("clip, fill and wrap match the JAX reference eagerly and under jit", () => {
    fc.assert(
      fc.property(arb, ([r, axis, mode, idx]) => {
        const take = (x: AxArray, i: AxArray) => np.take(x, i, axis, { mode });
        const want = takeRef(r, idx, axis, mode);
        expect(same(take(fromRef(r), fromRef(idx, "int32")), want)).toBeNull();
        expect(same(jit(take)(fromRef(r), fromRef(idx, "int32")), want)).toBeNull();
      }),
      { numRuns: 60 },
    );
  });

  test("the fill value is JAX's: NaN for floats, the int32 minimum, the uint32 maximum, true for bool", () => {
    expect(np.take(np.array([1, 2], "float64"), [2], 0, { mode: "fill" }).toArray()).toEqual([Number.NaN]);
    expect(np.take(np.array([1, 2], "int32"), [-3, 1], 0, { mode: "fill" }).toArray()).toEqual([-(2 ** 31), 2]);
    expect(np.take(np.array([1, 2], "uint32"), [5], 0, { mode: "fill" }).toArray()).toEqual([2 ** 32 - 1]);
    expect(np.take(np.array([false, false], "bool"), [9], 0, { mode: "fill" }).toArray()).toEqual([true]);
    // clip clamps the raw index, so a negative index is 0 (NumPy's and XLA's CLIP).
    expect(np.take(np.array([10, 20, 30]), [2, -1, 5], 0, { mode: "clip" }).toArray()).toEqual([30, 10, 30]);
  });

  test("under vmap an out-of-range index never reads another example's row", () => {
    const rows = np.array([
      [10, 20, 30],
      [40, 50, 60],
    ]);
    const idx = np.array([3, 0], "int32");
    const per = (mode: "clip" | "fill" | "wrap") => (x: AxArray, i: AxArray) => np.take(x, i, undefined, { mode });
    expect(vmap(per("clip"))(rows, idx).toArray()).toEqual([30, 40]);
    expect(vmap(per("fill"))(rows, idx).toArray()).toEqual([Number.NaN, 40]);
    expect(vmap(per("wrap"))(rows, idx).toArray()).toEqual([10, 40]);
    expect(jit(vmap(per("clip")))(rows, idx).toArray()).toEqual([30, 40]);
    const e = (() => {
      try {
        vmap((x: AxArray, i: AxArray) => np.take(x, i))(rows, idx);
      } catch (err) {
        return err as Error;
      }
      throw new Error("expected vmap of take to raise");
    })();
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toContain(
      "take: index 3 is out of bounds for an axis of size 3 (valid: -3..2) in example [0] of a vmap batch",
    );
    expect(() => jit(vmap((x: AxArray, i: AxArray) => np.take(x, i, 0)))(rows, idx)).toThrow("in example [0] of a vmap batch");
    // Nested vmap: the example is named by all its batch coordinates.
    const grid = np.arange(8).reshape([2, 2, 2]);
    const ids = np.array(
      [
        [0, 1],
        [1, 2],
      ],
      "int32",
    );
    expect(() => vmap(vmap((x: AxArray, i: AxArray) => np.take(x, i, 0)))(grid, ids)).toThrow("in example [1,1] of a vmap batch");
    expect(vmap(vmap(per("clip")))(grid, ids).toArray()).toEqual([
      [0, 3],
      [5, 7],
    ]);
  });

  test("gradients match each mode: clip adds at the clamped index, fill drops the out-of-range ones", () => {
    const x = np.array([1, 2, 3], "float64");
    const i = np.array([5, 0, -1, -7, 2], "int32");
    const g = (mode: "clip" | "fill" | "wrap") => grad((v: AxArray) => np.sum(np.take(v, i, 0, { mode })))(x).toArray();
    expect(g("clip")).toEqual([3, 0, 2]);
    expect(g("fill")).toEqual([1, 0, 2]);
    expect(g("wrap")).toEqual([1, 0, 4]);
    // Per example under vmap, too: example b's cotangent lands only in row b.
    const rows = np.array(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      "float64",
    );
    const gb = vmap(grad((v: AxArray, k: AxArray) => np.sum(np.take(v, k, 0, { mode: "fill" }))))(
      rows,
      np.array([3, 0], "int32"),
    );
    expect(gb.toArray()).toEqual([
      [0, 0, 0],
      [1, 0, 0],
    ]);
    const [, t] = jvp((v: AxArray) => np.take(v, i, 0, { mode: "fill" }), [x], [np.ones([3], "float64")]);
    expect(t.toArray()).toEqual([0, 1, 1, 0, 1]);
  });
});

describe("expandDims, squeeze, broadcastTo", () => {
  test("expandDims inserts unit axes at result positions; squeeze removes them", () => {
    const arb = arrArb(3).chain((r) =>
      fc.tuple(
        fc.constant(r),
        fc
          .integer({ min: 1, max: 2 })
          .chain((k) => fc.shuffledSubarray([...Array(r.shape.length + k).keys()], { minLength: k, maxLength: k })),
      ),
    );
    fc.assert(
      fc.property(arb, ([r, axes]) => {
        const y = np.expandDims(fromRef(r), axes);
        const nd = r.shape.length + axes.length;
        const expected: number[] = [];
        let k = 0;
        for (let i = 0; i < nd; i++) expected.push(axes.includes(i) ? 1 : r.shape[k++]);
        expect(y.shape).toEqual(expected);
        expect(Array.from(y.data())).toEqual(r.data);
        expect(same(np.squeeze(y, axes), r)).toBeNull();
      }),
      { numRuns: 50 },
    );
  });

  test("squeeze with no axis removes every unit axis; squeezing a non-unit axis is an error", () => {
    expect(np.squeeze(np.ones([1, 2, 1, 3])).shape).toEqual([2, 3]);
    expect(np.expandDims(np.ones([2]), -1).shape).toEqual([2, 1]);
    expect(() => np.squeeze(np.ones([1, 2]), 1)).toThrow("squeeze: axis 1 of f32[1,2] has size 2, not 1");
  });

  test("broadcastTo matches indexing with broadcasting", () => {
    const arb = shapeArb(4, 1, 3).chain((out) =>
      fc
        .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
        .chain(([drop, ones]) => fc.tuple(fc.constant(out), intsArb(out.map((d, i) => (ones[i] ? 1 : d)).slice(drop)))),
    );
    fc.assert(
      fc.property(arb, ([shape, r]) => {
        const y = np.broadcastTo(fromRef(r), shape);
        const data = Array.from({ length: sizeOf(shape) }, (_, i) => atBroadcast(r, unravel(i, shape)));
        expect(same(y, { shape, data })).toBeNull();
      }),
      { numRuns: 50 },
    );
    expect(() => np.broadcastTo(np.ones([3]), [2, 4])).toThrow(ShapeError);
    expect(() => np.broadcastTo(np.ones([2, 3]), [3])).toThrow("broadcastTo: cannot broadcast f32[2,3] to [3]");
  });

  test("tile and repeat", () => {
    expect(np.tile(np.array([1, 2]), 2).toArray()).toEqual([1, 2, 1, 2]);
    expect(np.repeat(np.array([1, 2]), 2).toArray()).toEqual([1, 1, 2, 2]);
    expect(toRef(np.moveaxis(np.zeros([2, 3, 4]), 0, -1)).shape).toEqual([3, 4, 2]);
  });
});

describe("the take method", () => {
  it("passes the mode option through, as np.take", () => {
    const x = np.array([10, 20, 30]);
    expect(x.take(np.array([5, -1], "int32"), 0, { mode: "clip" }).toArray()).toEqual(
      np.take(x, np.array([5, -1], "int32"), 0, { mode: "clip" }).toArray(),
    );
    expect(x.take(np.array([5], "int32"), 0, { mode: "clip" }).toArray()).toEqual([30]);
  });
});
