/**
 * The Wasm backend against the reference backend on random programs and shapes (size-0 and
 * size-1 dims included). Integer and bool results must agree exactly. float32 results: each
 * elementwise op is correctly rounded except the transcendentals (≤ 2 ulp, math.ts), so a chain
 * stays within a few ulp of |result| + 1 (inputs in [−2, 2]); a sum or product of length K may
 * differ by the accumulation order: K·2⁻²³·Σ|terms|.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compileIr } from "../../src/compile/compile.js";
import { type Array, jit, np, scan } from "../../src/index.js";

const ULP = 2 ** -23;

function randomArray(shape: readonly number[], seed: number, dtype: "float32" | "int32" | "bool" = "float32"): Array {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed >>> 0 || 1;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const vals = globalThis.Array.from({ length: n }, () => next());
  const data =
    dtype === "float32"
      ? vals.map((v) => 4 * v - 2)
      : dtype === "int32"
        ? vals.map((v) => Math.floor(v * 41) - 20)
        : vals.map((v) => (v < 0.5 ? 1 : 0));
  return np.array(data, dtype === "bool" ? "bool" : dtype).reshape([...shape]);
}

/** got ≈ want elementwise: exact for ints/bools, within `tol(i)` for floats (NaNs match). */
function expectClose(got: Array, want: Array, tol: (i: number, w: number) => number): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.dtype).toBe(want.dtype);
  const g = got.data();
  const w = want.data();
  for (let i = 0; i < w.length; i++) {
    if (want.dtype !== "float32") {
      if (g[i] !== w[i]) expect.fail(`element ${i}: ${g[i]}, expected ${w[i]}`);
      continue;
    }
    if (Number.isNaN(w[i]) && Number.isNaN(g[i])) continue;
    if (g[i] === w[i]) continue;
    if (!(Math.abs(g[i] - w[i]) <= tol(i, w[i])))
      expect.fail(`element ${i}: ${g[i]}, expected ${w[i]} (tolerance ${tol(i, w[i])})`);
  }
}

/** Runs `f` on both backends; checks that the Wasm backend really compiled it. */
// biome-ignore lint/suspicious/noExplicitAny: any arity
function both(f: (...xs: any[]) => Array, args: readonly Array[]): { got: Array; want: Array } {
  const jw = jit(f, { backend: "wasm" });
  const got = jw(...args);
  const want = jit(f, { backend: "reference" })(...args);
  const text = compileIr(jw.lower(...args), "wasm").asText();
  expect(text.split("\n")[0]).toBe("backend: wasm");
  return { got, want };
}

const dim = fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 2, max: 9 }));
const shape = (rank: number) => fc.array(dim, { minLength: rank, maxLength: rank });
const seed = fc.integer({ min: 1, max: 2 ** 31 });
const chainTol = (_: number, w: number) => 8 * ULP * (Math.abs(w) + 1);

describe("wasm backend", () => {
  test("elementwise chains with broadcasting match the reference within a few ulp", () => {
    fc.assert(
      fc.property(shape(3), fc.integer({ min: 0, max: 3 }), seed, (sh, kind, sd) => {
        const x = randomArray(sh, sd);
        const y = randomArray([sh[2]], sd + 1);
        const z = randomArray([sh[0], 1, 1], sd + 2);
        const fs = [
          (a: Array, b: Array, c: Array) => np.tanh(a.mul(b).add(1)).sub(np.exp(c).div(np.abs(b).add(1))),
          (a: Array, b: Array, c: Array) =>
            np
              .sigmoid(a)
              .mul(np.log(np.abs(c).add(0.5)))
              .add(np.square(b)),
          (a: Array, b: Array, c: Array) => np.where(np.greater(a.add(c), 0), np.sqrt(np.abs(a)), np.maximum(b, c)),
          (a: Array, b: Array, c: Array) =>
            np
              .sin(a)
              .add(np.cos(b))
              .mul(np.floor(c.mul(3)))
              .sub(np.round(a.mul(2.5))),
        ];
        const { got, want } = both(fs[kind], [x, y, z]);
        expectClose(got, want, chainTol);
      }),
      { numRuns: 60 },
    );
  });

  test("transposes and reductions over random axes match within K·ulp·Σ|terms|", () => {
    fc.assert(
      fc.property(shape(3), fc.subarray([0, 1, 2]), fc.constantFrom("sum", "max", "min"), seed, (sh, axes, op, sd) => {
        const x = randomArray(sh, sd);
        if (op !== "sum" && axes.some((a) => sh[a] === 0)) return; // no identity: raises (or is empty) on every backend
        const f = (a: Array) => {
          const t = np.transpose(a.mul(a).sub(a), [2, 0, 1]);
          const red = axes.map((d) => (d + 1) % 3);
          return op === "sum" ? np.sum(t, red) : op === "max" ? np.max(t, red) : np.min(t, red);
        };
        const { got, want } = both(f, [x]);
        const K = axes.reduce((k, a) => k * sh[a], 1);
        expectClose(got, want, (_, w) => (op === "sum" ? K * ULP * 6 * K + 4 * ULP * Math.abs(w) : 0));
      }),
      { numRuns: 60 },
    );
  });

  test("matmuls (plain, transposed, batched) with fused epilogues match within K·ulp", () => {
    fc.assert(
      fc.property(dim, dim, dim, dim, fc.integer({ min: 0, max: 2 }), seed, (m, k, n, b, kind, sd) => {
        const fs = [
          { f: (p: Array, q: Array) => np.maximum(np.matmul(p, q).add(1), 0), a: [m, k], c: [k, n] },
          { f: (p: Array, q: Array) => np.tanh(np.matmul(np.transpose(p), q)), a: [k, m], c: [k, n] },
          { f: (p: Array, q: Array) => np.matmul(p, np.transpose(q, [0, 2, 1])), a: [b, m, k], c: [b, n, k] },
        ];
        const { f, a, c } = fs[kind];
        const { got, want } = both(f, [randomArray(a, sd).mul(0.5), randomArray(c, sd + 7).mul(0.5)]);
        // |a|, |b| ≤ 1: every partial sum is bounded by K.
        expectClose(got, want, (_, w) => 2 * (k + 2) * ULP * (k + Math.abs(w) + 1));
      }),
      { numRuns: 60 },
    );
  });

  test("int32 and bool programs (division, remainder, compare, select, casts) match exactly", () => {
    fc.assert(
      fc.property(shape(2), seed, (sh, sd) => {
        const i = randomArray(sh, sd, "int32");
        const j = randomArray([sh[1]], sd + 3, "int32");
        const x = randomArray(sh, sd + 5);
        const bo = randomArray(sh, sd + 9, "bool");
        const f = (a: Array, b: Array, c: Array, d: Array) => {
          const q = np.floorDivide(a, b).add(np.fmod(a, b)).mul(3).sub(np.abs(a));
          const casted = np.astype(c.mul(7), "int32");
          const sel = np.where(np.logicalOr(d, np.less(casted, q)), casted, np.maximum(q, b));
          return [sel, np.logicalXor(d, np.greaterEqual(a, 0)), np.sum(sel, 1), np.astype(np.sign(q), "float32")];
        };
        const jw = jit(f, { backend: "wasm" });
        const got = jw(i, j, x, bo) as unknown as Array[];
        const want = jit(f, { backend: "reference" })(i, j, x, bo) as unknown as Array[];
        got.forEach((g, k) => expectClose(g, want[k], () => 0));
        expect(
          compileIr(jw.lower(i, j, x, bo), "wasm")
            .asText()
            .split("\n")[0],
        ).toBe("backend: wasm");
      }),
      { numRuns: 60 },
    );
  });

  test("steps without a Wasm form (gather, integer_pow 12, a scan whose body has one) run in JS between Wasm segments, with the same values", () => {
    const f = (x: Array, i: Array, n: Array) => {
      const h = np.exp(x.mul(0.5));
      const picked = np.take(h, i, 0); // gather: a reference-kernel step
      const powed = np.power(picked, 12).add(n); // integer_pow beyond 8: no Wasm form yet
      const [c] = scan((acc: Array, row: Array) => [acc.add(np.tanh(row)), null] as const, np.zeros([3]), powed);
      const [d] = scan((acc: Array, row: Array) => [acc.add(np.power(row, 12)), null] as const, np.zeros([3]), picked);
      return np.sum(c.mul(2)).add(np.sum(d));
    };
    const args = [
      np.array([
        [0.1, 0.2, 0.3],
        [0.4, 0.5, 0.6],
        [-1, 0, 1],
      ]),
      np.array([2, 0, 1, 2], "int32"),
      np.array(1.5),
    ] as const;
    const compiled = jit(f).compile(...args);
    expect(compiled.backend).toBe("wasm");
    const text = compiled.asText();
    expect(text.split("\n")[0]).toBe("backend: wasm");
    expect(text).toMatch(
      /steps run in JS: call \(gather runs a reference kernel\), map \(ipow 12 on float32\), loop \(scan body: ipow 12 on float32\)/,
    );
    const want = jit(f, { backend: "reference" })(...args).item();
    expect(Math.abs(jit(f)(...args).item() - want)).toBeLessThan(1e-5 * Math.abs(want));
  });

  test("a float64 program falls back to the JS backend and says why in asText()", () => {
    const f = (a: Array) => np.exp(a).sum();
    const x = np.array([1, 2, 3], "float64");
    const jw = jit(f, { backend: "wasm" });
    expect(jw(x).item()).toBeCloseTo(Math.exp(1) + Math.exp(2) + Math.exp(3), 12);
    expect(compileIr(jw.lower(x), "wasm").asText().split("\n")[0]).toBe("backend: js (wasm: float64 buffer b0)");
  });

  test("the buffer plan reuses the space of dead temporaries and calls never alias outputs", () => {
    const f = (a: Array) => {
      let t = a;
      for (let k = 0; k < 6; k++) t = np.matmul(t, a).mul(0.5);
      return t;
    };
    const x = randomArray([8, 8], 3).mul(0.5);
    const jw = jit(f, { backend: "wasm" });
    const text = compileIr(jw.lower(x), "wasm").asText();
    const m = /arena (\d+) bytes \(temporaries (\d+) bytes/.exec(text);
    expect(m).not.toBeNull();
    const [arena, temps] = [Number(m?.[1]), Number(m?.[2])];
    expect(arena).toBeLessThan(temps);
    const first = jw(x);
    const again = jw(x.mul(2));
    expectClose(first, jit(f, { backend: "reference" })(x), (_, w) => 64 * ULP * (Math.abs(w) + 1));
    expect(first.data()).not.toEqual(again.data());
  });
});
