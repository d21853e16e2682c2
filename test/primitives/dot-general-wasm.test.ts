/**
 * Eager float32 dot_general above EAGER_WASM_MIN_MACS runs on the Wasm SIMD kernel; the float64
 * reference kernel still defines the meaning: results agree with it within the float32
 * accumulation bound γ_k·Σ|a·b|, and equal the Wasm kernel's output bit for bit (so the fast path
 * is really taken). Small products and other dtypes stay on the reference kernel exactly.
 */
import { describe, expect, test } from "vitest";
import { EAGER_WASM_MIN_MACS } from "../../src/compile/backends/wasm/eager-matmul.js";
import { sgemm } from "../../src/compile/backends/wasm/sgemm.js";
import { ConcreteArray } from "../../src/core/array.js";
import { grad, np } from "../../src/index.js";
import { type DotParams, dotGeneral, referenceDotGeneral } from "../../src/primitives/linalg.js";
import { transposeP } from "../../src/primitives/movement.js";

function randomArray(shape: number[], seed: number, dtype: "float32" | "float64" = "float32"): ConcreteArray {
  const size = shape.reduce((a, b) => a * b, 1);
  const buf = dtype === "float32" ? new Float32Array(size) : new Float64Array(size);
  for (let i = 0; i < size; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    buf[i] = Math.fround(seed / 2 ** 31 - 1);
  }
  return new ConcreteArray(shape, dtype, buf);
}

const abs = (x: ConcreteArray) => new ConcreteArray(x.shape, x.dtype, x.buffer.map(Math.abs));

/** |got − ref| ≤ γ_k·(|l|·|r|) entrywise, with the magnitudes contracted by the reference. */
function expectWithinBound(got: ConcreteArray, l: ConcreteArray, r: ConcreteArray, params: DotParams, k: number) {
  const ref = referenceDotGeneral(l, r, params);
  const mag = referenceDotGeneral(abs(l), abs(r), params);
  const u = 2 ** -24;
  const gamma = (k * u) / (1 - k * u);
  expect(got.shape).toEqual(ref.shape);
  got.buffer.forEach((v, i) => {
    const bound = gamma * mag.buffer[i] + 1e-30;
    if (!(Math.abs(v - ref.buffer[i]) <= bound)) expect.fail(`entry ${i}: ${v} vs reference ${ref.buffer[i]} (bound ${bound})`);
  });
}

const cases: [string, number[], number[], DotParams, number][] = [
  ["A·B", [40, 70], [70, 50], { contracting: [[1], [0]], batch: [[], []] }, 70],
  ["Aᵀ·B (contracting [[0],[0]])", [70, 40], [70, 50], { contracting: [[0], [0]], batch: [[], []] }, 70],
  ["A·Bᵀ (contracting [[1],[1]])", [40, 70], [50, 70], { contracting: [[1], [1]], batch: [[], []] }, 70],
  ["batched", [3, 20, 30], [3, 30, 25], { contracting: [[2], [1]], batch: [[0], [0]] }, 30],
  [
    "batch dim last, two contracting dims",
    [6, 5, 20, 2],
    [5, 6, 30, 2],
    {
      contracting: [
        [0, 1],
        [1, 0],
      ],
      batch: [[3], [3]],
    },
    30,
  ],
];

describe("eager float32 dot_general on the Wasm kernel", () => {
  for (const [name, ls, rs, params, k] of cases) {
    test(`${name}: within γ_k of the reference and equal to the Wasm kernel`, () => {
      const l = randomArray(ls, 1);
      const r = randomArray(rs, 2);
      const got = dotGeneral(l, r, params).toConcrete("test");
      expect(got.dtype).toBe("float32");
      expectWithinBound(got, l, r, params, k);
    });
  }

  test("a plain matmul equals sgemm's output bit for bit (the fast path is taken)", () => {
    const [m, k, n] = [33, 64, 47];
    expect(m * k * n).toBeGreaterThanOrEqual(EAGER_WASM_MIN_MACS);
    const l = randomArray([m, k], 3);
    const r = randomArray([k, n], 4);
    const got = np.matmul(l, r).toConcrete("test");
    expect(Array.from(got.buffer)).toEqual(
      Array.from(sgemm().matmul(l.buffer as Float32Array, r.buffer as Float32Array, m, k, n)),
    );
    // And the transposed-in-place layout gives the same numbers as an explicit transpose.
    const lt = transposeP.impl([l], { permutation: [1, 0] })[0];
    const viaT = dotGeneral(lt, r, { contracting: [[0], [0]], batch: [[], []] }).toConcrete("test");
    expect(Array.from(viaT.buffer)).toEqual(Array.from(got.buffer));
  });

  test("small products and float64 stay on the reference kernel exactly", () => {
    const params: DotParams = { contracting: [[1], [0]], batch: [[], []] };
    const small = [randomArray([4, 5], 5), randomArray([5, 3], 6)] as const;
    expect(Array.from(dotGeneral(small[0], small[1], params).toConcrete("test").buffer)).toEqual(
      Array.from(referenceDotGeneral(small[0], small[1], params).buffer),
    );
    const big = [randomArray([40, 70], 7, "float64"), randomArray([70, 50], 8, "float64")] as const;
    const out = dotGeneral(big[0], big[1], params).toConcrete("test");
    expect(out.dtype).toBe("float64");
    expect(Array.from(out.buffer)).toEqual(Array.from(referenceDotGeneral(big[0], big[1], params).buffer));
  });

  test("gradients through a large float32 matmul match the float64 ones", () => {
    const x = randomArray([30, 40], 9);
    const w = randomArray([40, 20], 10);
    const loss = (w: ReturnType<typeof np.array>) => np.sum(np.tanh(np.matmul(x, w)));
    const g32 = grad(loss)(w).toConcrete("test");
    const g64 = grad((w: ReturnType<typeof np.array>) => np.sum(np.tanh(np.matmul(x.astype("float64"), w))))(w.astype("float64"));
    const ref = g64.toConcrete("test").buffer;
    g32.buffer.forEach((v, i) => expect(Math.abs(v - ref[i])).toBeLessThan(1e-4 * (1 + Math.abs(ref[i]))));
  });
});
