/** Unary np ops against Math.* on random float32 and float64 data. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Array as AxArray } from "../../src/index.js";
import { np } from "../../src/index.js";
import { castAll, dataArb, fromRef, mapRef, mismatch, type RefDType, shapeArb } from "../helpers/reference.js";

/** Round half to even, as NumPy/JAX round. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

interface Case {
  name: string;
  f: (x: AxArray) => AxArray;
  ref: (x: number) => number;
  domain: fc.Arbitrary<number>;
  /** Relative tolerance (float32 results may differ by an ulp from rounding the f64 result). */
  rtol?: number;
  atol?: number;
}

const anyArb = fc.double({ min: -20, max: 20, noNaN: true });
const posArb = fc.double({ min: 1e-3, max: 50, noNaN: true });
const aboveMinusOne = fc.double({ min: -0.99, max: 20, noNaN: true });
// Many exact halves, so half-to-even is exercised.
const halvesArb = fc.oneof(
  fc.integer({ min: -20, max: 20 }).map((k) => k / 2),
  anyArb,
);

const CASES: Case[] = [
  { name: "negative", f: np.negative, ref: (x) => -x, domain: anyArb },
  { name: "abs", f: np.abs, ref: Math.abs, domain: anyArb },
  { name: "sign", f: np.sign, ref: Math.sign, domain: fc.oneof(anyArb, fc.constant(0)) },
  { name: "exp", f: np.exp, ref: Math.exp, domain: anyArb, rtol: 1e-6 },
  { name: "log", f: np.log, ref: Math.log, domain: posArb, rtol: 1e-6, atol: 1e-7 },
  { name: "log1p", f: np.log1p, ref: Math.log1p, domain: aboveMinusOne, rtol: 1e-6, atol: 1e-7 },
  { name: "expm1", f: np.expm1, ref: Math.expm1, domain: anyArb, rtol: 1e-6, atol: 1e-7 },
  { name: "sqrt", f: np.sqrt, ref: Math.sqrt, domain: posArb, rtol: 1e-6 },
  { name: "rsqrt", f: np.rsqrt, ref: (x) => 1 / Math.sqrt(x), domain: posArb, rtol: 1e-6 },
  { name: "square", f: np.square, ref: (x) => x * x, domain: anyArb, rtol: 1e-6 },
  { name: "reciprocal", f: np.reciprocal, ref: (x) => 1 / x, domain: posArb, rtol: 1e-6 },
  { name: "sin", f: np.sin, ref: Math.sin, domain: anyArb, rtol: 1e-5, atol: 1e-6 },
  { name: "cos", f: np.cos, ref: Math.cos, domain: anyArb, rtol: 1e-5, atol: 1e-6 },
  { name: "tan", f: np.tan, ref: Math.tan, domain: fc.double({ min: -1.4, max: 1.4, noNaN: true }), rtol: 1e-5, atol: 1e-6 },
  { name: "tanh", f: np.tanh, ref: Math.tanh, domain: anyArb, rtol: 1e-6, atol: 1e-7 },
  { name: "sigmoid", f: np.sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), domain: anyArb, rtol: 1e-6, atol: 1e-7 },
  { name: "floor", f: np.floor, ref: Math.floor, domain: halvesArb },
  { name: "ceil", f: np.ceil, ref: Math.ceil, domain: halvesArb },
  { name: "round", f: np.round, ref: roundHalfEven, domain: halvesArb },
];

const floatArb = fc.constantFrom<RefDType>("float32", "float64");

describe("unary ops match Math.*", () => {
  for (const c of CASES) {
    test(`${c.name} (float32 and float64)`, () => {
      const arb = fc.tuple(shapeArb(3, 0, 4), floatArb).chain(([s, d]) => fc.tuple(dataArb(s, c.domain), fc.constant(d)));
      fc.assert(
        fc.property(arb, ([r, d]) => {
          const input = castAll(r, d);
          const out = c.f(fromRef(input, d));
          expect(out.dtype).toBe(d);
          const expected = castAll(mapRef([input], c.ref), d);
          // float64 results are computed natively, so only float32 gets the full tolerance.
          const rtol = d === "float32" ? (c.rtol ?? 0) : Math.min(c.rtol ?? 0, 1e-12);
          expect(mismatch({ shape: out.shape, data: out.data() }, expected, rtol, c.atol ?? 0)).toBeNull();
        }),
        { numRuns: 30 },
      );
    });
  }

  test("round is half-to-even on exact halves", () => {
    const out = np.round(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4, -2.6]));
    expect(Array.from(out.data())).toEqual([-2, -2, -0, 0, 2, 2, 4, 2, -3]);
  });

  test("integer inputs: exp/sqrt give float32, round/floor keep int32, abs/negative keep int32", () => {
    const i = np.array([-4, 9], "int32");
    expect(np.exp(i).dtype).toBe("float32");
    expect(np.sqrt(np.abs(i)).toArray()).toEqual([2, 3]);
    expect(np.round(i).dtype).toBe("int32");
    expect(np.floor(i).toArray()).toEqual([-4, 9]);
    expect(np.abs(i).dtype).toBe("int32");
    expect(np.negative(i).toArray()).toEqual([4, -9]);
  });

  test("isnan and isfinite flag NaN and ±inf", () => {
    const special = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1.5, 3);
    fc.assert(
      fc.property(fc.array(special, { maxLength: 8 }), floatArb, (vals, d) => {
        const x = fromRef({ shape: [vals.length], data: vals }, d);
        const nan = np.isnan(x);
        const fin = np.isfinite(x);
        expect(nan.dtype).toBe("bool");
        expect(fin.dtype).toBe("bool");
        expect(nan.toArray()).toEqual(vals.map(Number.isNaN));
        expect(fin.toArray()).toEqual(vals.map(Number.isFinite));
      }),
      { numRuns: 40 },
    );
  });

  test("isnan/isfinite of integer arrays are all false/true", () => {
    const i = np.array([[1, -2]], "int32");
    expect(np.isnan(i).toArray()).toEqual([[false, false]]);
    expect(np.isfinite(i).toArray()).toEqual([[true, true]]);
  });

  test("logicalNot of numbers tests for zero", () => {
    expect(np.logicalNot(np.array([0, 2, -1])).toArray()).toEqual([true, false, false]);
  });
});
