/** remainder/mod/fmod (over the rem primitive), floorDivide, and logaddexp: values, integer rules, gradients. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, grad, hessian, jit, jvp, np, vmap } from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";

const quarter = (lo: number, hi: number) => fc.integer({ min: lo * 4, max: hi * 4 }).map((k) => k / 4);
const nonZeroQuarter = quarter(-8, 8).filter((v) => v !== 0);
const int32s = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const INT_MIN = -(2 ** 31);
// Array-typed wrappers, so grad's result types are Arrays.
const lae = (a: Array, b: Array) => np.logaddexp(a, b);
const remF = (a: Array, b: Array) => np.remainder(a, b);
const fmodF = (a: Array, b: Array) => np.fmod(a, b);

// On quarters in [-8, 8] the quotient x/y is exact or at least 1/32 from an integer, and every
// product and difference below is exact, so these are exact references.
const floorMod = (x: number, y: number) => x - y * Math.floor(x / y) + 0;
const truncMod = (x: number, y: number) => x - y * Math.trunc(x / y) + 0;

const pairs = (n = 6) =>
  fc.tuple(fc.array(quarter(-8, 8), { minLength: n, maxLength: n }), fc.array(nonZeroQuarter, { minLength: n, maxLength: n }));

describe("remainder, mod and fmod", () => {
  test("remainder has the sign of the divisor (x - y·floor(x/y)); fmod the sign of the dividend (x - y·trunc(x/y))", () => {
    fc.assert(
      fc.property(pairs(), fc.constantFrom("float32", "float64") as fc.Arbitrary<"float32" | "float64">, ([xs, ys], d) => {
        const x = np.array(xs, d);
        const y = np.array(ys, d);
        const r = np.remainder(x, y);
        expect(r.dtype).toBe(d);
        // +0 on both sides: the sign of a zero result is not part of the contract.
        expect(globalThis.Array.from(r.data(), (v) => v + 0)).toEqual(xs.map((v, i) => floorMod(v, ys[i])));
        expect(globalThis.Array.from(np.mod(x, y).data(), (v) => v + 0)).toEqual(xs.map((v, i) => floorMod(v, ys[i])));
        expect(globalThis.Array.from(np.fmod(x, y).data(), (v) => v + 0)).toEqual(xs.map((v, i) => truncMod(v, ys[i])));
      }),
      { numRuns: 60 },
    );
  });

  test("broadcasting, weak scalars and the examples of the NumPy docs", () => {
    expect(
      np
        .remainder(
          np.array(
            [
              [3, -1, 4],
              [8, 5, -2],
            ],
            "int32",
          ),
          np.array([2, 3, -5], "int32"),
        )
        .toArray(),
    ).toEqual([
      [1, 2, -1],
      [0, 2, -2],
    ]);
    expect(
      np
        .fmod(
          np.array(
            [
              [3, -1, 4],
              [8, 5, -2],
            ],
            "int32",
          ),
          np.array([2, 3, -5], "int32"),
        )
        .toArray(),
    ).toEqual([
      [1, -1, 4],
      [0, 2, -2],
    ]);
    expect(np.remainder(np.array([-3, 3], "int32"), 2).dtype).toBe("int32");
    expect(np.remainder(7.5, 2).item()).toBe(1.5);
    expect(np.remainder(np.array([true, false]), true).toArray()).toEqual([0, 0]);
  });

  test("integer remainders are exact over the whole int32 range; a zero divisor gives 0 (as JAX)", () => {
    const divisors = fc.oneof(int32s, fc.constantFrom(0, 1, -1, 2, -2));
    fc.assert(
      fc.property(
        fc.array(int32s, { minLength: 4, maxLength: 4 }),
        fc.array(divisors, { minLength: 4, maxLength: 4 }),
        (xs, ys) => {
          const x = np.array([...xs, INT_MIN], "int32");
          const y = np.array([...ys, -1], "int32");
          const yv = [...ys, -1];
          const xv = [...xs, INT_MIN];
          const exp = (f: (a: number, b: number) => number) => xv.map((a, i) => (yv[i] === 0 ? 0 : f(a, yv[i])));
          for (const run of [(f: typeof np.remainder) => f(x, y), (f: typeof np.remainder) => jit(f)(x, y)]) {
            expect(run(np.remainder).toArray()).toEqual(exp(floorMod));
            expect(run(np.fmod).toArray()).toEqual(exp(truncMod));
            // Floor division: INT32_MIN // -1 wraps to INT32_MIN (as NumPy and JAX); by zero gives 0.
            expect(run(np.floorDivide).toArray()).toEqual(xv.map((a, i) => (yv[i] === 0 ? 0 : Math.floor(a / yv[i]) | 0)));
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(np.remainder(np.array([7, 0, 4294967295], "uint32"), np.array([2, 0, 10], "uint32")).toArray()).toEqual([1, 0, 5]);
    expect(np.floorDivide(np.array([7, 4294967295], "uint32"), np.array([2, 0], "uint32")).toArray()).toEqual([3, 0]);
  });

  test("float special values: a zero divisor gives NaN; infinite divisors as in NumPy", () => {
    expect(globalThis.Array.from(np.remainder(np.array([1, -1]), 0).data(), Number.isNaN)).toEqual([true, true]);
    expect(globalThis.Array.from(np.fmod(np.array([1, -1]), 0).data(), Number.isNaN)).toEqual([true, true]);
    expect(np.remainder(np.array([3, -3]), Infinity).toArray()).toEqual([3, Infinity]);
    expect(np.fmod(np.array([3, -3]), Infinity).toArray()).toEqual([3, -3]);
    expect(Number.isNaN(np.remainder(Infinity, 2).item())).toBe(true);
  });

  test("vmap of remainder equals the per-example results (integer and float)", () => {
    const x = np.array(
      [
        [7, -7],
        [5, -5],
      ],
      "int32",
    );
    const y = np.array(
      [
        [3, 3],
        [-2, 0],
      ],
      "int32",
    );
    const rows = [0, 1].map((i) => np.remainder(np.slice(x, i), np.slice(y, i)).toArray());
    expect(vmap(np.remainder)(x, y).toArray()).toEqual(rows);
    expect(rows).toEqual([
      [1, 2],
      [-1, 0],
    ]);
    expect(vmap((a: Array) => np.fmod(a, 2.5))(np.array([[6, -6]])).toArray()).toEqual([[1, -1]]);
  });

  test("gradients: d/dx = 1, d/dy = -floor(x/y) for remainder and -trunc(x/y) for fmod", () => {
    fc.assert(
      fc.property(
        fc.tuple(fc.integer({ min: -4, max: 4 }), fc.integer({ min: 2, max: 8 }), fc.integer({ min: 4, max: 16 }), fc.boolean()),
        ([k, frac, ym, neg]) => {
          // x/y = k + frac/10: at least 0.2 from an integer, so the function is smooth there.
          const y = (neg ? -ym : ym) / 4;
          const x = (k + frac / 10) * y;
          const [gx, gy] = grad(remF, { argnums: [0, 1] })(np.array(x, "float64"), np.array(y, "float64"));
          expect(gx.item()).toBe(1);
          expect(gy.item()).toBeCloseTo(-Math.floor(x / y), 12);
          const [fx, fy] = grad(fmodF, { argnums: [0, 1] })(np.array(x, "float64"), np.array(y, "float64"));
          expect(fx.item()).toBe(1);
          expect(fy.item()).toBeCloseTo(-Math.trunc(x / y), 12);
          const xs = np.array([x, -x], "float64");
          const ys = np.array([y, y], "float64");
          checkGrads(remF, [xs, ys], { order: 2, modes: ["fwd", "rev"] });
          checkGrads(fmodF, [xs, ys], { order: 2, modes: ["fwd", "rev"] });
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("logaddexp", () => {
  test("equals log(exp(a) + exp(b)) and stays finite where exp overflows", () => {
    fc.assert(
      fc.property(quarter(-20, 20), quarter(-20, 20), (a, b) => {
        const got = np.logaddexp(np.array(a, "float64"), np.array(b, "float64")).item();
        expect(got).toBeCloseTo(Math.log(Math.exp(a) + Math.exp(b)), 12);
      }),
      { numRuns: 60 },
    );
    expect(np.logaddexp(1000, 1000).item()).toBeCloseTo(1000 + Math.log(2), 3);
    expect(np.logaddexp(np.array(-1000), -1000).item()).toBeCloseTo(-1000 + Math.log(2), 3);
    expect(np.logaddexp(np.array(0, "float64"), -100).item()).toBeCloseTo(Math.log1p(Math.exp(-100)), 55);
    expect(np.logaddexp(np.array([1, 2], "int32"), 0).dtype).toBe("float32");
  });

  test("the gradient is the softmax weights, also at ties (1/2 each)", () => {
    fc.assert(
      fc.property(quarter(-10, 10), quarter(-10, 10), (a, b) => {
        const [ga, gb] = grad(lae, { argnums: [0, 1] })(np.array(a, "float64"), np.array(b, "float64"));
        expect(ga.item()).toBeCloseTo(1 / (1 + Math.exp(b - a)), 12);
        expect(gb.item()).toBeCloseTo(1 / (1 + Math.exp(a - b)), 12);
      }),
      { numRuns: 60 },
    );
    checkGrads(lae, [np.array([0.3, -1, 2, 2], "float64"), np.array([-0.4, 1.5, 2, -3], "float64")], { order: 2 });
  });

  test("second derivatives are the softmax curvature w(1 - w), also at a tie", () => {
    const f = (v: Array) => np.logaddexp(np.slice(v, 0), np.slice(v, 1));
    for (const [a, b] of [
      [2, 2],
      [1, -0.5],
    ]) {
      const w = 1 / (1 + Math.exp(b - a));
      const h = (hessian(f)(np.array([a, b], "float64")) as Array).toArray() as number[][];
      const c = w * (1 - w);
      [
        [c, -c],
        [-c, c],
      ].forEach((row, i) => row.forEach((v, j) => expect(h[i][j]).toBeCloseTo(v, 12)));
    }
  });

  test.each([
    [Infinity, 1, Infinity, 1, 0],
    [1, Infinity, Infinity, 0, 1],
    [-Infinity, 1, 1, 0, 1],
    [Infinity, -Infinity, Infinity, 1, 0],
    [Infinity, Infinity, Infinity, 0.5, 0.5],
    [-Infinity, -Infinity, -Infinity, 0.5, 0.5],
  ])("at infinite inputs (%s, %s) the value is %s and the gradient (%s, %s), without NaN", (a, b, value, wa, wb) => {
    const x = np.array(a, "float64");
    const y = np.array(b, "float64");
    expect(np.logaddexp(x, y).item()).toBe(value);
    const [ga, gb] = grad(lae, { argnums: [0, 1] })(x, y);
    expect([ga.item(), gb.item()]).toEqual([wa, wb]);
    const [, t] = jvp(lae, [x, y], [np.array(1, "float64"), np.array(0, "float64")]);
    expect(t.item()).toBe(wa);
  });

  test("a NaN input gives NaN", () => {
    expect(Number.isNaN(np.logaddexp(Number.NaN, 1).item())).toBe(true);
  });
});
