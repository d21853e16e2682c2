/**
 * dot_general under jit, on every compiled backend, against a float64 evaluation of the same
 * product: random batch/free/contracted dim counts, sizes with 0s and 1s, operand axes in random
 * order (so some groups merge into one matrix dim and some do not), operands that are inputs,
 * reshapes of inputs or fused elementwise values, and readers that take the product's transpose.
 * A float32 result accumulated in any order lies within γ_k·Σ_p|a·b| (γ_k = ku/(1 − ku), u =
 * 2^-24; Higham §3.1) of the exact sum; single-term products must equal the reference backend bit
 * for bit (one rounding of the exact product; a −0 product reads +0, as the reference sums from +0).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ModuleBuilder } from "../../src/compile/backends/wasm/encoder.js";
import { emitSmallContraction, smallFits } from "../../src/compile/backends/wasm/small-matmul.js";
import { compileIr } from "../../src/compile/compile.js";
import { type Array, jit, np } from "../../src/index.js";
import { type DotParams, dotGeneral } from "../../src/primitives/linalg.js";

const U = 2 ** -24;

function lcg(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Values in [−2, 2], some −0. On a grid of 1/64 (`grid`), every product and every sum of up to
 * 2^8 of them is exact in float32, so any order must give the float64 result exactly.
 */
function values(n: number, seed: number, grid = true): Float32Array {
  const rnd = lcg(seed);
  return Float32Array.from({ length: n }, () => {
    const x = rnd() * 4 - 2;
    const v = grid ? Math.round(x * 64) / 64 : x;
    return v === 0 || rnd() < 0.02 ? (rnd() < 0.5 ? -0 : 0) : v;
  });
}

interface Case {
  readonly lShape: number[];
  readonly rShape: number[];
  readonly params: DotParams;
  readonly outShape: number[];
  /** Dims of the output: batch, lhs free, rhs free counts. */
  readonly nb: number;
  readonly nl: number;
  readonly nr: number;
}

const size = fc.oneof(
  { weight: 2, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 6, arbitrary: fc.integer({ min: 2, max: 9 }) },
);

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    batch: fc.array(size, { maxLength: 2 }),
    lf: fc.array(size, { maxLength: 2 }),
    rf: fc.array(size, { maxLength: 2 }),
    contract: fc.array(size, { maxLength: 2 }),
    lPerm: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
    rPerm: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
  })
  .map(({ batch, lf, rf, contract, lPerm, rPerm }) => {
    // Roles of each operand's dims before shuffling: batch, free, contracted.
    const lDims = [
      ...batch.map((s, i) => ({ s, role: "b", i })),
      ...lf.map((s, i) => ({ s, role: "f", i })),
      ...contract.map((s, i) => ({ s, role: "c", i })),
    ];
    const rDims = [
      ...batch.map((s, i) => ({ s, role: "b", i })),
      ...contract.map((s, i) => ({ s, role: "c", i })),
      ...rf.map((s, i) => ({ s, role: "f", i })),
    ];
    // A random order (a few transpositions), so some operands are laid out as matrices and some not.
    const shuffle = <T>(xs: T[], keys: number[]) => {
      const out = [...xs];
      keys.forEach((k, j) => {
        if (out.length < 2 || k % 3 !== 0) return;
        const a = j % out.length;
        const b = k % out.length;
        [out[a], out[b]] = [out[b], out[a]];
      });
      return out;
    };
    const L = shuffle(lDims, lPerm);
    const R = shuffle(rDims, rPerm);
    const axis = (D: typeof L, role: string, i: number) => D.findIndex((d) => d.role === role && d.i === i);
    const params: DotParams = {
      contracting: [contract.map((_, i) => axis(L, "c", i)), contract.map((_, i) => axis(R, "c", i))],
      batch: [batch.map((_, i) => axis(L, "b", i)), batch.map((_, i) => axis(R, "b", i))],
    };
    // The output's free dims come in each operand's axis order.
    const lFree = L.filter((d) => d.role === "f").map((d) => d.s);
    const rFree = R.filter((d) => d.role === "f").map((d) => d.s);
    return {
      lShape: L.map((d) => d.s),
      rShape: R.map((d) => d.s),
      params,
      outShape: [...batch, ...lFree, ...rFree],
      nb: batch.length,
      nl: lf.length,
      nr: rf.length,
    };
  });

/** The product in float64, and Σ|terms| of each output, by brute force over the output index. */
function exact(c: Case, l: Float32Array, r: Float32Array): { val: Float64Array; mag: Float64Array; terms: number } {
  const strides = (shape: readonly number[]) => {
    const st = shape.map(() => 1);
    for (let d = shape.length - 2; d >= 0; d--) st[d] = st[d + 1] * shape[d + 1];
    return st;
  };
  const [ls, rs] = [strides(c.lShape), strides(c.rShape)];
  const [lc, rc] = c.params.contracting;
  const [lb, rb] = c.params.batch;
  const lf = c.lShape.map((_, d) => d).filter((d) => !lc.includes(d) && !lb.includes(d));
  const rf = c.rShape.map((_, d) => d).filter((d) => !rc.includes(d) && !rb.includes(d));
  const kShape = lc.map((d) => c.lShape[d]);
  const terms = kShape.reduce((a, b) => a * b, 1);
  const total = c.outShape.reduce((a, b) => a * b, 1);
  const val = new Float64Array(total);
  const mag = new Float64Array(total);
  const os = strides(c.outShape);
  const ks = strides(kShape);
  for (let o = 0; o < total; o++) {
    const idx = c.outShape.map((n, d) => Math.floor(o / os[d]) % n);
    let lo = 0;
    let ro = 0;
    lb.forEach((d, i) => {
      lo += ls[d] * idx[i];
    });
    rb.forEach((d, i) => {
      ro += rs[d] * idx[i];
    });
    lf.forEach((d, i) => {
      lo += ls[d] * idx[lb.length + i];
    });
    rf.forEach((d, i) => {
      ro += rs[d] * idx[lb.length + lf.length + i];
    });
    let s = 0;
    let m = 0;
    for (let p = 0; p < terms; p++) {
      let la = lo;
      let ra = ro;
      kShape.forEach((n, i) => {
        const q = Math.floor(p / ks[i]) % n;
        la += ls[lc[i]] * q;
        ra += rs[rc[i]] * q;
      });
      const t = l[la] * r[ra];
      s += t;
      m += Math.abs(t);
    }
    val[o] = s;
    mag[o] = m;
  }
  return { val, mag, terms };
}

function check(got: Array, c: Case, l: Float32Array, r: Float32Array, label: string): void {
  expect(got.shape).toEqual(c.outShape);
  const { val, mag, terms } = exact(c, l, r);
  const g = got.data() as Float32Array;
  const gamma = (terms * U) / (1 - terms * U);
  for (let i = 0; i < val.length; i++) {
    const err = Math.abs(g[i] - val[i]);
    if (!(err <= gamma * mag[i]))
      expect.fail(`${label}: entry ${i} is ${g[i]}, exact ${val[i]}, error ${err} > γ_k·Σ|a·b| = ${gamma * mag[i]}`);
  }
}

/** The output's transpose: batch dims first, then the rhs free dims, then the lhs free dims. */
function transposeOut(x: Array, c: Case): Array {
  const b = range(c.nb);
  const lf = range(c.nl).map((i) => c.nb + i);
  const rf = range(c.nr).map((i) => c.nb + c.nl + i);
  return np.transpose(x, [...b, ...rf, ...lf]);
}

const BACKENDS = ["wasm", "js"] as const;

describe("dot_general on the compiled backends", () => {
  test("random dims, layouts and operand producers agree with float64 within γ_k (single terms: bit for bit)", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 3 }), (c, seed, form) => {
        const l = values(
          c.lShape.reduce((a, b) => a * b, 1),
          seed,
        );
        const r = values(
          c.rShape.reduce((a, b) => a * b, 1),
          seed + 1,
        );
        const L = np.array(l).reshape(c.lShape);
        const R = np.array(r).reshape(c.rShape);
        // 0: plain; 1: operands made by elementwise ops (exact: ×1, +0 keep the values); 2: the
        // product read through its transpose; 3: the lhs as a reshape of a flat input.
        const f =
          form === 1
            ? (a: Array, b: Array) => dotGeneral(a.mul(1), b.add(0), c.params)
            : form === 2
              ? (a: Array, b: Array) => transposeOut(dotGeneral(a, b, c.params), c).mul(1)
              : form === 3
                ? (a: Array, b: Array) => dotGeneral(a.reshape(c.lShape), b, c.params)
                : (a: Array, b: Array) => dotGeneral(a, b, c.params);
        const args: [Array, Array] = form === 3 ? [L.reshape([-1]), R] : [L, R];
        const want = jit(f, { backend: "reference" })(...args);
        for (const backend of BACKENDS) {
          const jf = jit(f, { backend });
          const got = jf(...args);
          for (const line of compileIr(jf.lower(...args), backend)
            .asText()
            .split("\n")) {
            const k = /^\s+\d+: (contract|reduce_sum|map)/.exec(line);
            if (k) seen.add(`${backend} ${k[1]}${line.includes("transpose") ? " transposed" : ""}`);
          }
          const terms = c.params.contracting[0].reduce((n, d) => n * c.lShape[d], 1);
          if (terms === 1) {
            const [g, w] = [got.data(), want.data()];
            for (let i = 0; i < w.length; i++)
              if (!Object.is(g[i], w[i])) expect.fail(`${backend} entry ${i}: ${g[i]}, reference ${w[i]}`);
          }
          // The transpose read back: batch dims, then the lhs free dims (behind the rhs free ones).
          const back =
            form === 2
              ? np.transpose(got, [
                  ...range(c.nb),
                  ...range(c.nl).map((i) => c.nb + c.nr + i),
                  ...range(c.nr).map((i) => c.nb + i),
                ])
              : got;
          check(back, c, l, r, `${backend} form ${form} ${JSON.stringify(c)}`);
        }
      }),
      { numRuns: 300 },
    );
    // Every scheduling form was exercised.
    for (const k of ["wasm contract", "wasm contract transposed", "wasm reduce_sum", "wasm map", "js contract transposed"])
      expect(seen).toContain(k);
  });
});

function range(n: number): number[] {
  return globalThis.Array.from({ length: n }, (_, i) => i);
}

describe("the specialised small-matrix kernel", () => {
  /** Runs one emitted contraction in a fresh module over strided operands. */
  function run(batch: number, m: number, k: number, n: number, transA: boolean, transB: boolean, seed: number) {
    const a = values(batch * m * k, seed, false);
    const b = values(batch * k * n, seed + 7, false);
    const A = { bs: m * k, rs: transA ? 1 : k, cs: transA ? m : 1 };
    const B = { bs: k * n, rs: transB ? 1 : n, cs: transB ? k : 1 };
    const bytes = 4 * (a.length + b.length + batch * m * n) + 4 * k * n + 256;
    const pages = Math.ceil(bytes / 65536) + 1;
    const aAt = 64;
    const bAt = aAt + 4 * a.length;
    const cAt = bAt + 4 * b.length;
    const work = cAt + 4 * batch * m * n + 64;
    expect(smallFits({ m, k, n, a: A, b: B })).toBe(true);
    const mb = new ModuleBuilder();
    mb.importMemory("env", "memory", { initial: pages });
    mb.exportFunc(
      mb.func("run", { params: [], results: [] }, (c) =>
        emitSmallContraction(c, { batch, m, k, n, a: { ...A, addr: aAt }, b: { ...B, addr: bAt }, out: cAt }, work),
      ),
    );
    const memory = new WebAssembly.Memory({ initial: pages });
    const f32 = new Float32Array(memory.buffer);
    f32.set(a, aAt / 4);
    f32.set(b, bAt / 4);
    // A sentinel right after C: the kernel must not write past it.
    f32.fill(12345, cAt / 4 + batch * m * n, cAt / 4 + batch * m * n + 8);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(mb.toBytes()), { env: { memory } });
    (inst.exports.run as () => void)();
    const got = f32.slice(cAt / 4, cAt / 4 + batch * m * n);
    expect(globalThis.Array.from(f32.subarray(cAt / 4 + batch * m * n, cAt / 4 + batch * m * n + 8))).toEqual(
      new globalThis.Array(8).fill(12345),
    );
    const gamma = (k * U) / (1 - k * U);
    for (let t = 0; t < batch; t++)
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          let mag = 0;
          for (let p = 0; p < k; p++) {
            const x = a[t * A.bs + i * A.rs + p * A.cs] * b[t * B.bs + p * B.rs + j * B.cs];
            s += x;
            mag += Math.abs(x);
          }
          const o = t * m * n + i * n + j;
          if (!(Math.abs(got[o] - s) <= gamma * mag))
            expect.fail(`(${t},${i},${j}) of ${batch}×${m}×${k}×${n} ${transA}/${transB}: ${got[o]} vs ${s}`);
          if (k === 0) expect(Object.is(got[o], 0)).toBe(true);
        }
  }

  test("every edge: rows mod 4, columns mod 8 and mod 4, k = 0 and 1, transposed operands, batches", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 0, max: 11 }),
        fc.integer({ min: 1, max: 19 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 1e6 }),
        (batch, m, k, n, ta, tb, seed) => run(batch, m, k, n, ta, tb, seed),
      ),
      { numRuns: 400 },
    );
  });
});
