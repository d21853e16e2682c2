/** np.power and np.abs at their special points: derivatives as in JAX, exact integer powers. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, DTypeError, grad, jit, jvp, makeIr, np, vmap } from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";

const f64 = (v: number | number[]) => np.array(v, "float64");
const at = (f: (x: Array) => Array, v: number, dtype: "float32" | "float64" = "float64") => grad(f)(np.array(v, dtype)).item();

/** x^n modulo 2^32 by BigInt, read back as int32 or uint32: the exact wrapped result. */
function wrappedPow(x: number, n: number, dtype: "int32" | "uint32"): number {
  const m = 2n ** 32n;
  let r = 1n;
  const b = ((BigInt(x) % m) + m) % m;
  for (let i = 0; i < n; i++) r = (r * b) % m;
  const u = Number(r);
  return dtype === "uint32" ? u : u | 0;
}

describe("abs", () => {
  test("the derivative of abs at 0 (and -0) is 1, as in JAX (select(x >= 0, t, -t)), in both modes", () => {
    expect(at(np.abs, 0)).toBe(1);
    expect(at(np.abs, -0)).toBe(1);
    expect(at(np.abs, 0, "float32")).toBe(1);
    const x = f64([-2, 0, 3]);
    expect([...vmap(grad((v: Array) => np.abs(v)))(x).data()]).toEqual([-1, 1, 1]);
    expect([...jvp((v: Array) => np.abs(v), [x], [np.onesLike(x)])[1].data()]).toEqual([-1, 1, 1]);
    expect(
      at(
        grad((v: Array) => np.abs(v)),
        0,
      ),
    ).toBe(0);
  });
});

describe("power with a JS integer exponent (integer_pow)", () => {
  test("the derivative at x = 0 is exact for n = 0, 1, 2, 3 (0, 1, 0, 0; never NaN), also to order 2", () => {
    const d1 = [0, 1, 0, 0];
    const d2 = [0, 0, 2, 0];
    for (const n of [0, 1, 2, 3]) {
      const f = (x: Array) => np.power(x, n);
      expect(at(f, 0), `d/dx x^${n}`).toBe(d1[n]);
      expect(
        at((x) => x.pow(n), 0, "float32"),
        `d/dx x.pow(${n})`,
      ).toBe(d1[n]);
      expect(at(grad(f), 0), `d²/dx² x^${n}`).toBe(d2[n]);
      expect(jvp(f, [f64(0)], [f64(1)])[1].item()).toBe(d1[n]);
      checkGrads(f, [f64([0, -1.5, 0.7])], { order: 3 });
    }
  });

  test("JS integers go through integer_pow (a param); other exponents through pow", () => {
    const x = np.array([1, 2]);
    expect(makeIr((v: Array) => np.power(v, 3))(x).toString()).toContain("integer_pow[y=3]");
    expect(makeIr((v: Array) => v.pow(-2))(x).toString()).toContain("integer_pow[y=-2]");
    expect(makeIr((v: Array) => np.power(v, 2.5))(x).toString()).toContain("pow");
    expect(makeIr((v: Array) => np.power(v, 2.5))(x).toString()).not.toContain("integer_pow");
    expect(makeIr((v: Array) => np.power(v, np.array(2)))(x).toString()).not.toContain("integer_pow");
  });

  test("values and dtypes: float powers, negative exponents, 0^0 = 1, bool bases become int32", () => {
    expect([...np.power(f64([2, -3, 0]), 3).data()]).toEqual([8, -27, 0]);
    expect([...np.power(f64([2, -4, 0]), -1).data()]).toEqual([0.5, -0.25, Infinity]);
    expect([...np.power(f64([0, Number.NaN]), 0).data()]).toEqual([1, 1]);
    expect(np.power(np.array([1.5], "float32"), 2).dtype).toBe("float32");
    const b = np.power(np.array([true, false]), 2);
    expect(b.dtype).toBe("int32");
    expect(b.toArray()).toEqual([1, 0]);
    expect(grad((v: Array) => np.sum(np.power(v, -2)))(f64([2])).item()).toBeCloseTo(-2 / 8, 15);
  });

  test("integer bases cannot take a negative JS exponent: DTypeError naming the fix", () => {
    expect(() => np.power(np.array([2], "int32"), -1)).toThrow(DTypeError);
    expect(() => np.power(np.array([2], "int32"), -1)).toThrow(/negative power.*astype\('float32'\)/);
  });
});

describe("integer powers are exact (wrap like int32/uint32 multiplication, even beyond 2^53)", () => {
  const cases = fc.record({
    dtype: fc.constantFrom<"int32" | "uint32">("int32", "uint32"),
    n: fc.integer({ min: 0, max: 80 }),
    xs: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 5 }),
  });
  const base = (xs: number[], dtype: "int32" | "uint32") =>
    np.array(
      xs.map((v) => (dtype === "uint32" ? v >>> 0 : v)),
      dtype,
    );

  test("x^n with a JS integer n (integer_pow), eager and under jit, against BigInt", () => {
    fc.assert(
      fc.property(cases, ({ dtype, n, xs }) => {
        const x = base(xs, dtype);
        const want = [...x.data()].map((v) => wrappedPow(v, n, dtype));
        expect([...np.power(x, n).data()]).toEqual(want);
        expect([...jit((v: Array) => np.power(v, n))(x).data()]).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  test("x^y with an integer array exponent (pow), eager and under vmap, against BigInt", () => {
    fc.assert(
      fc.property(cases, ({ dtype, n, xs }) => {
        const x = base(xs, dtype);
        const ys = np.array(
          xs.map((_, i) => (n + i) % 81),
          dtype,
        );
        const want = [...x.data()].map((v, i) => wrappedPow(v, (n + i) % 81, dtype));
        expect([...np.power(x, ys).data()]).toEqual(want);
        expect([...vmap((a: Array, b: Array) => np.power(a, b))(x, ys).data()]).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  test("3^40 in int32 is 3^40 mod 2^32 (a double pow, rounded beyond 2^53, is off in the low bits)", () => {
    const want = wrappedPow(3, 40, "int32");
    expect(np.power(np.array([3], "int32"), 40).item()).toBe(want);
    expect(np.power(np.array([3], "int32"), np.array([40], "int32")).item()).toBe(want);
    expect(np.power(np.array([3], "uint32"), 40).item()).toBe(wrappedPow(3, 40, "uint32"));
  });

  test("negative array exponents give the integer part of 1/x^n: 1, ±1 for x = ±1, 0 otherwise", () => {
    const x = np.array([1, -1, -1, 2, -3, 0], "int32");
    const y = np.array([-5, -2, -3, -1, -2, -1], "int32");
    expect(np.power(x, y).toArray()).toEqual([1, 1, -1, 0, 0, 0]);
  });
});

describe("pow with an array exponent", () => {
  test("d/dx x^y at x = 0, y = 0 is 0 (JAX replaces y - 1 by 1 where y = 0), not NaN", () => {
    const y = f64(0);
    expect(grad((x: Array) => np.power(x, y))(f64(0)).item()).toBe(0);
    expect(grad((x: Array) => np.power(x, f64(1)))(f64(0)).item()).toBe(1);
    expect(grad((x: Array) => np.power(x, f64(2)))(f64(0)).item()).toBe(0);
  });
});
