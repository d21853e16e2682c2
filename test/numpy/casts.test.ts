/** dtype conversions: XLA's convert_element_type semantics on every path, and dtype validation. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { bind1 } from "../../src/core/trace.js";
import { type Array, type DType, DTypeError, jit, np, vmap } from "../../src/index.js";
import { lookupPrimitive } from "../../src/primitives/registry.js";

type IntDType = "int32" | "uint32";
const RANGE: Record<IntDType, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };

/** XLA's float → integer convert: truncate toward zero, clamp to the range, NaN → 0. */
function saturate(x: number, to: IntDType): number {
  if (Number.isNaN(x)) return 0;
  const [lo, hi] = RANGE[to];
  return Math.min(hi, Math.max(lo, Math.trunc(x))) + 0; // + 0 turns -0 into 0
}

/** Two's complement wrap of an integer into `to`. */
function wrapInt(x: number, to: IntDType): number {
  return to === "int32" ? x | 0 : x >>> 0;
}

const specials = [
  Number.NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  0.5,
  -0.5,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 31 - 0.5,
  1e10,
  -1e10,
  -1,
];
const doubles = fc.oneof(
  fc.double(),
  fc.constantFrom(...specials),
  fc.integer({ min: -(2 ** 33), max: 2 ** 33 }).map((k) => k / 2),
);

const casts: readonly ((x: Array, d: DType) => Array)[] = [
  (x, d) => x.astype(d),
  (x, d) => jit((y: Array) => np.astype(y, d))(x),
  (x, d) => vmap((y: Array) => np.astype(y, d))(x),
];

describe("casts follow XLA's convert_element_type", () => {
  test("float → int casts saturate: out of range and ±Infinity clamp to the integer range, NaN gives 0", () => {
    fc.assert(
      fc.property(fc.array(doubles, { minLength: 1, maxLength: 6 }), fc.constantFrom<IntDType>("int32", "uint32"), (vals, to) => {
        for (const from of ["float32", "float64"] as const) {
          const x = np.array(vals, from);
          const want = globalThis.Array.from(x.data(), (v) => saturate(v, to));
          for (const cast of casts) expect(globalThis.Array.from(cast(x, to).data())).toEqual(want);
        }
      }),
      { numRuns: 60 },
    );
    expect(np.array([1e10, Infinity]).astype("int32").toArray()).toEqual([2147483647, 2147483647]);
    expect(np.array([-1, -Infinity, Number.NaN]).astype("uint32").toArray()).toEqual([0, 0, 0]);
    expect(np.array([-1e10, Number.NaN, -3.7]).astype("int32").toArray()).toEqual([-2147483648, 0, -3]);
  });

  test("int → int casts wrap (two's complement), as XLA's integer convert", () => {
    const int32s = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    const uint32s = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    fc.assert(
      fc.property(fc.array(int32s, { minLength: 1, maxLength: 6 }), fc.array(uint32s, { minLength: 1, maxLength: 6 }), (a, b) => {
        for (const cast of casts) {
          expect(globalThis.Array.from(cast(np.array(a, "int32"), "uint32").data())).toEqual(a.map((v) => wrapInt(v, "uint32")));
          expect(globalThis.Array.from(cast(np.array(b, "uint32"), "int32").data())).toEqual(b.map((v) => wrapInt(v, "int32")));
        }
      }),
      { numRuns: 40 },
    );
    expect(np.array([-1], "int32").astype("uint32").toArray()).toEqual([4294967295]);
  });

  test("→ bool is x != 0, so NaN is true (as NumPy and JAX)", () => {
    for (const cast of casts) {
      expect(cast(np.array([Number.NaN, 0, -0, Infinity, 0.25], "float64"), "bool").toArray()).toEqual([
        true,
        false,
        false,
        true,
        true,
      ]);
      expect(cast(np.array([0, -1, 7], "int32"), "bool").toArray()).toEqual([false, true, true]);
    }
  });

  test("JS numbers stored in an integer or bool dtype saturate the same way (full, pad values, linspace)", () => {
    fc.assert(
      fc.property(doubles, fc.constantFrom<IntDType>("int32", "uint32"), (v, d) => {
        expect(np.full([1], v, d).item()).toBe(saturate(v, d));
        expect(np.pad(np.zeros([1], d), [1, 0], v).data()[0]).toBe(saturate(v, d));
      }),
      { numRuns: 60 },
    );
    expect(np.full([2], Number.NaN, "bool").toArray()).toEqual([true, true]);
    expect(np.linspace(0, 300, 3, { dtype: "bool" }).toArray()).toEqual([false, true, true]);
    expect(np.linspace(0, 1e10, 2, { dtype: "int32" }).toArray()).toEqual([0, 2147483647]);
  });
});

describe("dtype arguments are validated", () => {
  const bad = "float16" as DType;
  const x = np.ones([2]);
  test.each<[string, () => unknown]>([
    ["astype", () => np.astype(x, bad)],
    ["astype", () => x.astype(bad)],
    ["array", () => np.array([1, 2], bad)],
    ["zerosLike", () => np.zerosLike(x, bad)],
    ["onesLike", () => np.onesLike(x, bad)],
    ["fullLike", () => np.fullLike(x, 3, bad)],
    ["arange", () => np.arange(0, 3, 1, bad)],
    ["linspace", () => np.linspace(0, 1, 3, { dtype: bad })],
    ["eye", () => np.eye(2, 2, 0, bad)],
    ["zeros", () => np.zeros([2], bad)],
    ["convert_element_type", () => bind1(lookupPrimitive("convert_element_type")!, [x], { newDtype: bad })],
  ])("an unknown dtype in %s is a DTypeError naming it and the valid dtypes", (name, f) => {
    expect(f).toThrow(DTypeError);
    expect(f).toThrow(`${name}: unknown dtype "float16"; use one of float32, float64, int32, uint32, bool`);
  });

  test("an unknown dtype under jit is rejected when tracing, before any kernel runs", () => {
    expect(() => jit((y: Array) => y.astype(bad))(x)).toThrow('astype: unknown dtype "float16"');
  });
});
