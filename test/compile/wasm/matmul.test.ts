/**
 * The blocked Wasm SIMD matmul against a float64 reference. Float32 accumulation in any order
 * satisfies |Ĉ − C| ≤ γ_k·Σ_p |a_ip·b_pj| with γ_k = k·u/(1 − k·u), u = 2^-24 (Higham, Accuracy
 * and Stability of Numerical Algorithms, §3.1): that K-dependent bound is the tolerance.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { DEFAULT_BLOCKING, relaxedSimdSupported } from "../../../src/compile/backends/wasm/matmul.js";
import { Sgemm, type SgemmOptions } from "../../../src/compile/backends/wasm/sgemm.js";

function seeded(seed: number) {
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

const randomArray = (len: number, rnd: () => number) => Float32Array.from({ length: len }, () => Math.fround(rnd() * 4 - 2));

/** Reference in float64 with the bound of each entry; a and b are laid out as the options say. */
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number, o: SgemmOptions) {
  const batch = o.batch ?? 1;
  const val = new Float64Array(batch * m * n);
  const tol = new Float64Array(batch * m * n);
  const u = 2 ** -24;
  const gamma = ((k + 1) * u) / (1 - (k + 1) * u);
  for (let t = 0; t < batch; t++) {
    const A = (i: number, p: number) => a[t * m * k + (o.transA ? p * m + i : i * k + p)];
    const B = (p: number, j: number) => b[t * k * n + (o.transB ? j * k + p : p * n + j)];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = o.bias ? o.bias[j] : 0;
        let mag = Math.abs(s);
        for (let p = 0; p < k; p++) {
          s += A(i, p) * B(p, j);
          mag += Math.abs(A(i, p) * B(p, j));
        }
        const idx = t * m * n + i * n + j;
        val[idx] = o.relu ? (s < 0 ? 0 : s) : s;
        tol[idx] = gamma * mag + 1e-45;
      }
    }
  }
  return { val, tol };
}

function expectClose(got: Float32Array, want: { val: Float64Array; tol: Float64Array }, label: string) {
  expect(got.length).toBe(want.val.length);
  for (let i = 0; i < got.length; i++) {
    const w = want.val[i];
    if (Number.isNaN(w)) {
      expect(got[i], `${label} [${i}]`).toBeNaN();
      continue;
    }
    const err = Math.abs(got[i] - w);
    if (!(err <= want.tol[i]))
      expect.fail(`${label}: entry ${i} is ${got[i]}, reference ${w}, error ${err} > bound ${want.tol[i]}`);
  }
}

const kernels: [string, Sgemm][] = [
  ["4×8 mul+add (default)", new Sgemm({ blocking: DEFAULT_BLOCKING })],
  // A small blocking makes every block boundary (kc, mc, nc) occur in small products.
  ["small blocks 3×4, kc 5, mc 6, nc 8", new Sgemm({ blocking: { mr: 3, nr: 4, kc: 5, mc: 6, nc: 8, unroll: 2 } })],
];
// Relaxed SIMD needs Node ≥ 22 or `--experimental-wasm-relaxed-simd` on Node 20.
if (relaxedSimdSupported())
  kernels.push(["6×8 relaxed_madd", new Sgemm({ blocking: { ...DEFAULT_BLOCKING, mr: 6, mc: 120, fma: true } })]);

describe("Wasm sgemm", () => {
  for (const [name, mm] of kernels) {
    test(`${name}: random shapes and layouts agree with the float64 reference within γ_k`, () => {
      fc.assert(
        fc.property(
          fc.record({
            m: fc.integer({ min: 1, max: 37 }),
            k: fc.integer({ min: 1, max: 41 }),
            n: fc.integer({ min: 1, max: 35 }),
            transA: fc.boolean(),
            transB: fc.boolean(),
            bias: fc.boolean(),
            relu: fc.boolean(),
            batch: fc.integer({ min: 1, max: 3 }),
            seed: fc.nat(),
          }),
          ({ m, k, n, transA, transB, bias, relu, batch, seed }) => {
            const rnd = seeded(seed);
            const a = randomArray(batch * m * k, rnd);
            const b = randomArray(batch * k * n, rnd);
            const o: SgemmOptions = { transA, transB, relu, batch, bias: bias ? randomArray(n, rnd) : undefined };
            expectClose(mm.matmul(a, b, m, k, n, o), reference(a, b, m, k, n, o), JSON.stringify({ m, k, n, ...o, bias }));
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  test("shapes across the default blocks: k past kc, m past mc, n past nc, and 1-wide edges", () => {
    const mm = kernels[0][1];
    const rnd = seeded(3);
    for (const [m, k, n] of [
      [1, 1, 1],
      [1, 300, 1],
      [129, 257, 9],
      [5, 513, 1030],
      [130, 31, 17],
      [64, 64, 64],
    ]) {
      const a = randomArray(m * k, rnd);
      const b = randomArray(k * n, rnd);
      for (const o of [{}, { transA: true }, { transB: true, bias: randomArray(n, rnd), relu: true }]) {
        expectClose(mm.matmul(a, b, m, k, n, o), reference(a, b, m, k, n, o), JSON.stringify({ m, k, n }));
      }
    }
  });

  test("empty dimensions: k = 0 gives the epilogue of zeros, m = 0 or n = 0 an empty result", () => {
    const mm = kernels[0][1];
    expect(Array.from(mm.matmul(new Float32Array(0), new Float32Array(0), 2, 0, 3))).toEqual([0, 0, 0, 0, 0, 0]);
    const bias = new Float32Array([-1, 2, Number.NaN]);
    expect(Array.from(mm.matmul(new Float32Array(0), new Float32Array(0), 1, 0, 3, { bias, relu: true }))).toEqual([
      0,
      2,
      Number.NaN,
    ]);
    expect(mm.matmul(new Float32Array(0), new Float32Array(12), 0, 4, 3).length).toBe(0);
    expect(mm.matmul(new Float32Array(8), new Float32Array(0), 2, 4, 0).length).toBe(0);
  });

  test("NaN and infinity propagate to exactly the rows and columns they touch; relu keeps NaN", () => {
    const mm = kernels[0][1];
    const m = 6;
    const k = 5;
    const n = 10;
    const a = new Float32Array(m * k).fill(1);
    const b = new Float32Array(k * n).fill(1);
    a[2 * k + 3] = Number.NaN; // row 2
    b[1 * n + 7] = Number.POSITIVE_INFINITY; // column 7
    const c = mm.matmul(a, b, m, k, n, { relu: true });
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const want = i === 2 ? Number.NaN : j === 7 ? Number.POSITIVE_INFINITY : k;
        expect(c[i * n + j]).toBe(want);
      }
    }
  });

  test("operand sizes that do not match the dimensions are a ShapeError naming them", () => {
    const mm = kernels[0][1];
    expect(() => mm.matmul(new Float32Array(5), new Float32Array(6), 2, 3, 2)).toThrow(
      /operand sizes 5 and 6 .*\(expected 6 and 6\)/,
    );
    expect(() => mm.matmul(new Float32Array(6), new Float32Array(6), 2, 3, 2, { bias: new Float32Array(3) })).toThrow(
      /bias has 3/,
    );
  });

  test("memory grows between calls and earlier results stay valid", () => {
    const mm = new Sgemm({ blocking: DEFAULT_BLOCKING });
    const rnd = seeded(11);
    const small = [randomArray(4, rnd), randomArray(4, rnd)] as const;
    const first = mm.matmul(small[0], small[1], 2, 2, 2);
    const copy = Array.from(first);
    const big = 300;
    const a = randomArray(big * big, rnd);
    const b = randomArray(big * big, rnd);
    expectClose(mm.matmul(a, b, big, big, big), reference(a, b, big, big, big, {}), "300³");
    expect(Array.from(first)).toEqual(copy);
  });
});
