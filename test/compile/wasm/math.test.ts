/**
 * Accuracy of the Wasm float32 math kernels against Math.* (float64) rounded to float32: the max
 * ulp error over 10^6 random bit patterns (every binade, denormals, ±∞, NaN), uniform samples in
 * each function's interesting ranges and a list of special values; scalar and vector code must
 * agree bit for bit. The bounds asserted here are the table in math.ts.
 */
import { describe, expect, test } from "vitest";
import { MATH_FUNCTIONS, type MathFunction } from "../../../src/compile/backends/wasm/math.js";
import { buildMathKernels, REFERENCE, ulpDistance } from "./math-harness.js";

/** Max ulp error per function (the documented table). */
const MAX_ULP: Record<MathFunction, number> = { exp: 1, expm1: 1, log: 1, log1p: 1, sin: 1, cos: 1, tanh: 1, sigmoid: 2 };

/** Ranges sampled uniformly, besides the random bit patterns. */
const RANGES: Record<MathFunction, [number, number][]> = {
  exp: [
    [-104, 89],
    [-1, 1],
    [-88, -86],
  ],
  expm1: [
    [-20, 89],
    [-1, 1],
    [-1e-3, 1e-3],
  ],
  log: [
    [0, 10],
    [0.5, 2],
    [0.999, 1.001],
  ],
  log1p: [
    [-1, 10],
    [-0.5, 0.5],
    [-1e-3, 1e-3],
  ],
  sin: [
    [-20, 20],
    [-1e6, 1e6],
    [5e5, 6e5],
  ],
  cos: [
    [-20, 20],
    [-1e6, 1e6],
    [5e5, 6e5],
  ],
  tanh: [
    [-10, 10],
    [0.5, 0.6],
    [-1e-3, 1e-3],
  ],
  sigmoid: [
    [-110, 110],
    [-20, 20],
  ],
};

const f32 = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0];
const SPECIALS = [
  0,
  -0,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  f32(0x00000001), // smallest denormal
  f32(0x807fffff), // largest negative denormal
  f32(0x00800000), // smallest normal
  f32(0x7f7fffff), // largest finite
  f32(0xff7fffff),
  1,
  -1,
  88.72283,
  88.72284, // exp overflows between these
  -87.33654, // exp's smallest normal result
  -103.972,
  -103.973, // exp's smallest denormal result
  -104,
  Math.fround(-1 + 2 ** -24),
  2 ** -24,
  -(2 ** -24),
  0.5625,
  Math.fround(0.5625 - 2 ** -24),
  9.01,
  -9.01,
  524288,
  Math.fround(524288 - 2 ** -5), // the sin/cos reduction switch
  Math.fround(Math.PI),
  Math.fround(Math.PI / 2),
  1e30,
  -1e30,
];

function seeded(seed: number) {
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
}

function samples(fn: MathFunction): Float32Array {
  const next = seeded(9);
  const N = 1_000_000;
  const out = new Float32Array(N + RANGES[fn].length * 200_000 + SPECIALS.length);
  const bits = new Uint32Array(out.buffer, 0, N);
  for (let i = 0; i < N; i++) bits[i] = next();
  let o = N;
  for (const [lo, hi] of RANGES[fn]) for (let i = 0; i < 200_000; i++) out[o++] = lo + (hi - lo) * (next() / 2 ** 32);
  out.set(SPECIALS, o);
  return out;
}

const kernels = buildMathKernels();

describe("float32 math kernels", () => {
  for (const fn of MATH_FUNCTIONS) {
    test(`${fn}: within ${MAX_ULP[fn]} ulp of Math.${fn === "sigmoid" ? "exp-based sigmoid" : fn}; scalar = vector`, () => {
      const xs = samples(fn);
      const scalar = kernels.run(fn, xs, 1);
      const vector = kernels.run(fn, xs, 4);
      let worst = 0;
      let worstX = 0;
      let mismatches = 0;
      for (let i = 0; i < xs.length; i++) {
        const d = ulpDistance(scalar[i], REFERENCE[fn](xs[i]));
        if (d > worst) {
          worst = d;
          worstX = xs[i];
        }
        if (!Object.is(scalar[i], vector[i]) && !(Number.isNaN(scalar[i]) && Number.isNaN(vector[i]))) mismatches++;
      }
      expect(worst, `${fn}: ${worst} ulp at x = ${worstX}`).toBeLessThanOrEqual(MAX_ULP[fn]);
      expect(mismatches).toBe(0);
    });
  }

  test("special values are exact, signed zeros included", () => {
    const xs = new Float32Array(SPECIALS);
    for (const fn of MATH_FUNCTIONS) {
      const got = kernels.run(fn, xs, 4);
      SPECIALS.forEach((x, i) => {
        const want = Math.fround(REFERENCE[fn](Math.fround(x)));
        // Exact at the special points: zeros (with sign), infinities, NaN, and −1/0/1 limits.
        if (!Number.isFinite(want) || want === 0 || Math.abs(want) === 1 || x === 0) {
          expect({ fn, x, got: got[i] }).toEqual({ fn, x, got: want });
        }
      });
    }
  });

  test("exp, expm1 and log1p keep tiny and denormal arguments and results right", () => {
    const tiny = new Float32Array([f32(1), 1e-30, -1e-30, 1e-8]);
    expect(Array.from(kernels.run("expm1", tiny, 4))).toEqual(Array.from(tiny));
    expect(Array.from(kernels.run("log1p", tiny, 1))).toEqual(Array.from(tiny));
    expect(Array.from(kernels.run("sin", tiny, 4))).toEqual(Array.from(tiny));
    expect(Array.from(kernels.run("tanh", tiny, 4))).toEqual(Array.from(tiny));
    // e^−100 ≈ 3.7e-44 is a denormal float32, not 0.
    const [e100] = kernels.run("exp", new Float32Array([-100]), 1);
    expect(e100).toBe(Math.fround(Math.exp(-100)));
    expect(e100).toBeGreaterThan(0);
    const [s100] = kernels.run("sigmoid", new Float32Array([-100]), 4);
    expect(s100).toBe(Math.fround(1 / (1 + Math.exp(100))));
  });
});
