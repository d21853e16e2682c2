/**
 * Vectors with a subnormal float32 input run on the Wasm backend's scalar float64 path (x86
 * takes microcode assists on subnormal f32 arithmetic, and Wasm cannot set flush-to-zero).
 * That path must give the reference backend's bits, subnormals kept as IEEE 754 says (axle does
 * not flush them, unlike JAX on CPU: docs/differences-from-jax.md).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, jit, np } from "../../../src/index.js";

const SMALLEST_NORMAL = 2 ** -126;

/** float32 values dense in subnormals, the smallest normals, zeros and the usual specials. */
const value = fc.oneof(
  fc.integer({ min: 1, max: 0x7fffff }).map((m) => m * 2 ** -149),
  fc.integer({ min: 1, max: 0x7fffff }).map((m) => -m * 2 ** -149),
  fc.integer({ min: 0, max: 1000 }).map((k) => SMALLEST_NORMAL * (1 + k * 2 ** -23)),
  fc.constantFrom(0, -0, 2 ** -149, 1, -1, Number.POSITIVE_INFINITY, Number.NaN),
  fc.float({ noDefaultInfinity: true }),
);
const floats = fc.array(value, { minLength: 1, maxLength: 37 });

const ops: Record<string, (x: Array, y: Array) => Array> = {
  "x·0.9 + y·0.1 (an Adam moment)": (x, y) => x.mul(0.9).add(y.mul(0.1)),
  "x / y": (x, y) => x.div(y),
  "x − y": (x, y) => x.sub(y),
  "√|x| + y": (x, y) => np.sqrt(np.abs(x)).add(y),
  "x · 2¹⁰⁰ (subnormals become normal)": (x) => x.mul(2 ** 100),
  "x · min|y| (a hoisted scalar, often subnormal)": (x, y) => x.mul(np.min(np.abs(y))),
  "Adam's update": (x, y) =>
    x.sub(
      x
        .mul(0.1)
        .div(np.sqrt(y.mul(y).mul(0.001)).add(1e-8))
        .mul(1e-3),
    ),
  "exp(x) · y": (x, y) => np.exp(x).mul(y),
  "where(x > y, x·y, max(x, y) / y)": (x, y) => np.where(np.greater(x, y), x.mul(y), np.maximum(x, y).div(y)),
  "outer product x ⊗ y (broadcast rows and columns)": (x, y) =>
    x
      .reshape([-1, 1])
      .mul(y.reshape([1, -1]))
      .add(y.reshape([1, -1]).mul(0.5)),
};

const bits = (a: Array) =>
  globalThis.Array.from(a.data() as Float32Array, (v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v));

describe("subnormal float32 inputs on the Wasm backend", () => {
  test.each(Object.keys(ops))("%s: the reference backend's bits", (name) => {
    const f = ops[name];
    const wasm = jit(f, { backend: "wasm" });
    const reference = jit(f, { backend: "reference" });
    fc.assert(
      fc.property(floats, floats, (a, b) => {
        const n = Math.min(a.length, b.length);
        const x = np.array(new Float32Array(a.slice(0, n)));
        const y = np.array(new Float32Array(b.slice(0, n)));
        expect(bits(wasm(x, y))).toEqual(bits(reference(x, y)));
      }),
      { numRuns: 80 },
    );
  });

  test("a training state stuck at the smallest subnormal keeps it, as IEEE float32 does", () => {
    // 0.9 · 2⁻¹⁴⁹ rounds back to 2⁻¹⁴⁹: an Adam moment of a dead unit never reaches zero.
    const moment = jit((m: Array, g: Array) => m.mul(0.9).add(g.mul(0.1)), { backend: "wasm" });
    const m = moment(np.full([8], 2 ** -149, "float32"), np.zeros([8]));
    expect(globalThis.Array.from(m.data())).toEqual(new globalThis.Array(8).fill(2 ** -149));
  });
});
