/** Reductions over random axes (number, list, negative, null) with and without keepdims. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Array as AxArray, Axis } from "../../src/index.js";
import { AxisError, grad, type Ir, jvp, makeIr, np, ValueError } from "../../src/index.js";
import { subIrs } from "../../src/ir/ir.js";
import { checkGrads } from "../../src/testing/index.js";
import {
  argmaxList,
  argminList,
  axesRef,
  castAll,
  dataArb,
  fromRef,
  logsumexpList,
  maxList,
  meanList,
  minList,
  mismatch,
  prodList,
  type Ref,
  type RefDType,
  reduceRef,
  shapeArb,
  sumList,
  varList,
} from "../helpers/reference.js";

type Reducer = (x: AxArray, axis?: Axis, opts?: { keepdims?: boolean }) => AxArray;

interface Case {
  name: string;
  f: Reducer;
  ref: (vals: number[]) => number;
  rtol: number;
}

const CASES: Case[] = [
  { name: "sum", f: np.sum, ref: sumList, rtol: 0 },
  { name: "mean", f: np.mean, ref: meanList, rtol: 1e-6 },
  { name: "prod", f: np.prod, ref: prodList, rtol: 1e-5 },
  { name: "max", f: np.max, ref: maxList, rtol: 0 },
  { name: "min", f: np.min, ref: minList, rtol: 0 },
  { name: "var", f: np.var, ref: varList, rtol: 1e-5 },
  { name: "std", f: np.std, ref: (v) => Math.sqrt(varList(v)), rtol: 1e-5 },
  { name: "logsumexp", f: np.logsumexp, ref: logsumexpList, rtol: 1e-6 },
];

/** An axis spec for rank `nd`: null, undefined, a (possibly negative) number, or a list of distinct axes. */
const axisSpecArb = (nd: number): fc.Arbitrary<Axis | undefined> => {
  const one = fc.integer({ min: 0, max: Math.max(0, nd - 1) });
  const signed = (a: number, neg: boolean) => (neg ? a - nd : a);
  const options: fc.Arbitrary<Axis | undefined>[] = [fc.constant(null), fc.constant(undefined)];
  if (nd > 0) {
    options.push(fc.tuple(one, fc.boolean()).map(([a, n]) => signed(a, n)));
    options.push(
      fc
        .tuple(fc.shuffledSubarray([...Array(nd).keys()]), fc.array(fc.boolean(), { minLength: nd, maxLength: nd }))
        .map(([axes, negs]) => axes.map((a, i) => signed(a, negs[i]))),
    );
  }
  return fc.oneof(...options);
};

// Multiples of 1/4 in [-2, 2]: sums are exact in float32, products stay in range.
const smallArb = fc.integer({ min: -8, max: 8 }).map((k) => k / 4);
const inputArb = fc
  .tuple(shapeArb(4, 1, 4), fc.constantFrom<RefDType>("float32", "float64"))
  .chain(([s, d]) => fc.tuple(dataArb(s, smallArb), fc.constant(d), axisSpecArb(s.length), fc.boolean()));

function check(out: AxArray, expected: Ref, rtol: number): void {
  expect(mismatch({ shape: out.shape, data: out.data() }, expected, rtol, rtol)).toBeNull();
}

describe("reductions match index-loop references", () => {
  for (const c of CASES) {
    test(`${c.name} over random axes, keepdims or not`, () => {
      fc.assert(
        fc.property(inputArb, ([r, d, axis, keepdims]) => {
          const x = fromRef(r, d);
          const out = c.f(x, axis, { keepdims });
          expect(out.dtype).toBe(d);
          const expected = castAll(reduceRef(r, axesRef(axis, r.shape.length), c.ref, keepdims), d);
          check(out, expected, c.rtol);
        }),
        { numRuns: 40 },
      );
    });
  }

  for (const [name, f, ref] of [
    ["argmax", np.argmax, argmaxList],
    ["argmin", np.argmin, argminList],
  ] as const) {
    test(`${name} along a (possibly negative) axis, first index on ties, keepdims`, () => {
      fc.assert(
        fc.property(inputArb, fc.integer(), ([r, d, , keepdims], pick) => {
          const nd = r.shape.length;
          const x = fromRef(r, d);
          if (nd === 0) {
            expect(f(x).item()).toBe(0);
            return;
          }
          const axis = (Math.abs(pick) % (2 * nd)) - nd; // in [-nd, nd)
          const out = f(x, axis, { keepdims });
          expect(out.dtype).toBe("int32");
          check(out, reduceRef(r, axesRef(axis, nd), ref, keepdims), 0);
        }),
        { numRuns: 50 },
      );
    });

    test(`${name} without an axis indexes the flattened array`, () => {
      fc.assert(
        fc.property(inputArb, ([r, d]) => {
          const out = f(fromRef(r, d));
          expect(out.shape).toEqual([]);
          expect(out.item()).toBe(ref(r.data));
        }),
        { numRuns: 30 },
      );
    });
  }

  test("sums of ints and bools accumulate in int32; mean of ints is float32", () => {
    expect(np.sum(np.array([true, true, false])).dtype).toBe("int32");
    expect(np.sum(np.array([true, true, false])).item()).toBe(2);
    expect(np.sum(np.array([1, 2], "int32")).dtype).toBe("int32");
    expect(np.mean(np.array([1, 2], "int32")).dtype).toBe("float32");
    expect(np.mean(np.array([1, 2], "int32")).item()).toBe(1.5);
  });

  test("empty reductions: sum is 0, prod is 1, max is an error", () => {
    expect(np.sum(np.zeros([0, 3]), 0).toArray()).toEqual([0, 0, 0]);
    expect(np.prod(np.zeros([2, 0]), 1).toArray()).toEqual([1, 1]);
    expect(() => np.max(np.zeros([0, 3]), 0)).toThrow(/max: cannot reduce over an empty axis of f32\[0,3\]/);
  });

  test("argmax and argmin of an empty axis raise (as JAX) instead of returning zeros", () => {
    for (const f of [np.argmax, np.argmin]) {
      const name = f === np.argmax ? "argmax" : "argmin";
      expect(() => f(np.zeros([3, 0]), 1)).toThrow(`${name}: attempt to get ${name} of an empty sequence: axis 1 of f32[3,0]`);
      expect(() => f(np.zeros([0, 3]), 0)).toThrow(ValueError);
      expect(() => f(np.zeros([0, 3]))).toThrow(`${name}: attempt to get ${name} of an empty sequence`);
      // Reducing a non-empty axis of an array that is empty elsewhere is fine.
      expect(f(np.zeros([0, 3]), 1).shape).toEqual([0]);
    }
  });

  test("logsumexp over an empty axis is -inf (as JAX), with no internal error", () => {
    expect(np.logsumexp(np.zeros([0])).item()).toBe(Number.NEGATIVE_INFINITY);
    expect(np.logsumexp(np.zeros([3, 0]), 1).toArray()).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(np.logsumexp(np.zeros([3, 0]), 1, { keepdims: true }).shape).toEqual([3, 1]);
    expect(np.logsumexp(np.zeros([0, 2]), 1).shape).toEqual([0]);
    expect(grad((x: AxArray) => np.sum(np.logsumexp(x, 1)))(np.zeros([2, 0])).shape).toEqual([2, 0]);
  });

  test("logsumexp is stable for large inputs and handles -inf", () => {
    expect(np.logsumexp(np.array([1000, 1000])).item()).toBeCloseTo(1000 + Math.log(2), 3);
    expect(np.logsumexp(np.array([Number.NEGATIVE_INFINITY, 0])).item()).toBe(0);
  });

  test("var with ddof divides by N - ddof", () => {
    expect(np.var(np.array([1, 2, 3, 4]), null, { ddof: 1 }).item()).toBeCloseTo(5 / 3, 6);
  });

  test("bad axes: out of range and repeated", () => {
    const x = np.ones([2, 3]);
    expect(() => np.sum(x, 2)).toThrow(AxisError);
    expect(() => np.sum(x, 2)).toThrow("sum: axis 2 is out of bounds for an array of rank 2 (valid axes are -2..1)");
    expect(() => np.mean(x, -3)).toThrow("mean: axis -3 is out of bounds for an array of rank 2");
    expect(() => np.max(x, [1, -1])).toThrow("max: axis 1 is repeated in [1,-1]; list each axis once");
    expect(() => np.argmax(x, 5)).toThrow("argmax: axis 5 is out of bounds");
    expect(() => np.sum(x, 0.5)).toThrow("sum: axis must be an integer, got 0.5");
  });
});

describe("prod's derivative (the pairwise product rule)", () => {
  /** Π_{j≠i} x_j for each i: the derivative of prod(x) with respect to x_i. */
  const othersRef = (xs: number[]) => xs.map((_, i) => xs.reduce((p, v, j) => (j === i ? p : p * v), 1));
  const f64 = (v: number[]) => np.array(v, "float64");

  test("exact with no, one and two zeros, in forward and reverse mode", () => {
    for (const xs of [[2, 3, 4, 5, 0.5], [1, 0, 3, 4, 5], [1, 0, 3, 0, 5], [0, 0], [7]]) {
      const x = f64(xs);
      const want = othersRef(xs);
      expect([...grad((v: AxArray) => np.prod(v))(x).data()], `grad at ${xs}`).toEqual(want);
      const [, t] = jvp((v: AxArray) => np.prod(v), [x], [np.onesLike(x)]);
      expect(t.item(), `jvp at ${xs}`).toBe(want.reduce((a, b) => a + b, 0));
    }
  });

  test("checkGrads order 2 at zeros, over one axis and several, odd and even lengths", () => {
    const x = f64([1.5, 0, -2, 0.5, 0, 3, 1.2, -0.7, 0, 2, 1, 0.9]).reshape([2, 3, 2]);
    checkGrads((v: AxArray) => np.prod(v), [x], { order: 2 });
    checkGrads((v: AxArray) => np.prod(v, 1), [x], { order: 2 });
    checkGrads((v: AxArray) => np.prod(v, [0, 2]), [x], { order: 2 });
    checkGrads((v: AxArray) => np.prod(v), [f64([0, 1.5, -2, 0.5, 3])], { order: 2 });
  });

  test("an empty axis has product 1 and derivative 0; a length-1 axis passes the tangent through", () => {
    expect(grad((v: AxArray) => np.sum(np.prod(v, 1)))(np.zeros([2, 0], "float64")).shape).toEqual([2, 0]);
    const [y, t] = jvp((v: AxArray) => np.prod(v, 1), [np.zeros([2, 0])], [np.zeros([2, 0])]);
    expect(y.toArray()).toEqual([1, 1]);
    expect(t.toArray()).toEqual([0, 0]);
    expect(jvp((v: AxArray) => np.prod(v, 0), [f64([4])], [f64([3])])[1].item()).toBe(3);
  });

  /** The most elements any value of an IR (or of its sub-IRs) holds: an equation's output or a constant. */
  function largestValue(ir: Ir): number {
    const sizes = [
      ...ir.consts.map((c) => c.size),
      ...ir.eqns.flatMap((e) => [...e.outVars.map((v) => v.aval.size), ...subIrs(e.params).map(largestValue)]),
    ];
    return Math.max(0, ...sizes);
  }

  test("the JVP, gradient and second derivative of prod take O(N) memory: no value larger than the input (N = 3000)", () => {
    const n = 3000;
    const x = np.ones([n], "float64");
    const prod = (v: AxArray) => np.prod(v);
    const jvpOf = (v: AxArray) => jvp(prod, [v], [v])[1];
    const gradOf = grad(prod);
    const secondOf = grad((v: AxArray) => np.sum(grad(prod)(v)));
    for (const [what, f] of [
      ["jvp", jvpOf],
      ["grad", gradOf],
      ["grad of grad", secondOf],
    ] as const) {
      expect(largestValue(makeIr(f)(x)), what).toBeLessThanOrEqual(n);
    }
    // Over one axis of a matrix: values stay within the input's 4·750 elements.
    const m = np.ones([4, 750], "float64");
    expect(largestValue(makeIr(grad((v: AxArray) => np.sum(np.prod(v, 1))))(m))).toBeLessThanOrEqual(n);
  });
});
