/**
 * float32 tan, pow and rem compile into the Wasm module as calls of the JS functions the JS
 * backend uses, so a program holding them stays one module and gives the JS backend's bits.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, jit, np } from "../../../src/index.js";

const ops: Record<string, (x: Array, y: Array) => Array> = {
  pow: (x, y) => np.power(np.abs(x), y),
  tan: (x) => np.tan(x),
  rem: (x, y) => np.fmod(x, y),
  "pow in a chain with sqrt": (x, y) => np.sqrt(np.power(np.abs(x).add(1), y.mul(0.1))).add(x),
};

const floats = fc.float32Array({ minLength: 1, maxLength: 37, noDefaultInfinity: false });

describe("host operations inside the Wasm module", () => {
  test.each(Object.keys(ops))("%s: one module, no JS steps, the JS backend's bits", (name) => {
    const f = ops[name];
    fc.assert(
      fc.property(floats, floats, (a, b) => {
        const n = Math.min(a.length, b.length);
        const x = np.array(a.slice(0, n));
        const y = np.array(b.slice(0, n));
        const got = jit(f, { backend: "wasm" })(x, y).data();
        const want = jit(f, { backend: "js" })(x, y).data();
        // NaN payloads aside (JS does not specify them), every bit agrees.
        expect(globalThis.Array.from(got, (v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v))).toEqual(
          globalThis.Array.from(want, (v) => (Number.isNaN(v) ? "NaN" : Object.is(v, -0) ? "-0" : v)),
        );
      }),
      { numRuns: 60 },
    );
    const text = jit(f, { backend: "wasm" })
      .compile(np.ones([5]), np.ones([5]))
      .asText();
    expect(text).toContain("backend: wasm");
    expect(text).not.toContain("steps run in JS");
  });

  test("the bias correction of Adam (a scalar power of the step count) stays in the module", () => {
    const f = (t: Array, g: Array) => g.div(np.subtract(1, np.power(0.9, t)));
    const text = jit(f)
      .compile(np.array(3), np.ones([4]))
      .asText();
    expect(text).toContain("backend: wasm");
    expect(text).not.toContain("steps run in JS");
    expect(jit(f)(np.array(2), np.ones([2])).data()).toEqual(jit(f, { backend: "js" })(np.array(2), np.ones([2])).data());
  });
});
