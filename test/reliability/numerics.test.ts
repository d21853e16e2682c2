/**
 * Numerics at the edges of float32: the paths that overflow or cancel (softmax, logSoftmax,
 * logsumexp, sigmoid / softplus / logSigmoid, the sigmoid and probability BCE losses, softmax
 * cross-entropy, log1p / expm1, variance / std, the global norm) at ±1e4, ±88.7 (where exp
 * overflows float32), ±103 (where σ becomes denormal), ±1e-38 and ±1e-45 (denormals), ±3.4e38 and
 * tiny differences (1 + 1e-7 vs 1), against float64 references written in plain JS on the same
 * (rounded) inputs. Each value and gradient runs under every runner in RUNNERS: a new backend is
 * one more line there.
 *
 * Tolerances are in units in the last place (ulps) of the expected value, rounded to the dtype,
 * plus an absolute term only where the float32 answer is inherently absolute-accurate (a value
 * computed as a difference near 1, e.g. σ'(x) = σ(1 − σ) for x ≫ 0, as JAX computes it too).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { BACKENDS } from "../../src/compile/compile.js";
import type { Array as AxArray } from "../../src/index.js";
import { grad, jit, nn, np, optim } from "../../src/index.js";
import { tally } from "./tally.js";

const count = tally("numerics");

type Fn = (x: AxArray) => AxArray;

/** How a function is run: eagerly, under jit (the reference backend), and later each compiled backend. */
interface Runner {
  name: string;
  run: (f: Fn) => Fn;
}

const RUNNERS: readonly Runner[] = [
  { name: "eager", run: (f) => f },
  ...BACKENDS.map((backend): Runner => ({ name: `jit(${backend})`, run: (f) => jit(f, { backend }) })),
];

type FloatDType = "float32" | "float64";
const DTYPES: readonly FloatDType[] = ["float32", "float64"];

const round = (d: FloatDType, v: number) => (d === "float32" ? Math.fround(v) : v);

/** The spacing of `d`'s values at `v` (the denormal spacing below the normal range). */
function ulp(d: FloatDType, v: number): number {
  const [mant, minExp, tiny] = d === "float32" ? [23, -126, 2 ** -149] : [52, -1022, 2 ** -1074];
  const a = Math.abs(v);
  if (a < 2 ** minExp) return tiny;
  return 2 ** (Math.floor(Math.log2(a)) - mant);
}

interface Tolerance {
  ulps: number;
  /** An absolute term, as a multiple of ulp(1) of the dtype (default 0). */
  absUlpsOf1?: number;
  /** Extra ulps per entry where the problem itself is ill-conditioned (see `expCondition`). */
  extraUlps?: readonly number[];
}

/** `actual` matches the float64 reference rounded to `d`: NaN for NaN, ±inf exactly, else within tolerance. */
function expectNear(what: string, actual: ArrayLike<number>, reference: readonly number[], d: FloatDType, tol: Tolerance) {
  expect(actual.length, what).toBe(reference.length);
  count("values compared with float64 references", reference.length);
  for (let i = 0; i < reference.length; i++) {
    const want = round(d, reference[i]);
    const got = actual[i];
    const at = `${what}: entry ${i}: got ${got}, expected ${want}`;
    if (Number.isNaN(want)) expect(Number.isNaN(got), at).toBe(true);
    else if (!Number.isFinite(want)) expect(got, at).toBe(want);
    else {
      const bound = (tol.ulps + (tol.extraUlps?.[i] ?? 0)) * ulp(d, want) + (tol.absUlpsOf1 ?? 0) * ulp(d, 1);
      expect(Math.abs(got - want) <= bound, `${at} (bound ${bound})`).toBe(true);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// float64 references on plain JS numbers (the inputs already rounded to the dtype).

const maxOf = (v: readonly number[]) => v.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
const sigmoidRef = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplusRef = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

function shiftedRef(v: readonly number[]): { shift: number; lse: number } {
  const m = maxOf(v);
  const shift = Number.isFinite(m) ? m : 0;
  return { shift, lse: Math.log(v.reduce((s, x) => s + Math.exp(x - shift), 0)) };
}
const logsumexpRef = (v: readonly number[]) => {
  const { shift, lse } = shiftedRef(v);
  return shift + lse;
};
const logSoftmaxRef = (v: readonly number[]) => {
  const { shift, lse } = shiftedRef(v);
  return v.map((x) => x - shift - lse);
};
const softmaxRef = (v: readonly number[]) => {
  const m = maxOf(v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
/**
 * softmax's entries are exp(x − max): rounding x − max (relative error 2^-24 in float32) changes
 * exp by |x − max|·2^-24 relatively, about |x − max|/2 ulps, in any implementation (JAX too).
 */
const expCondition = (v: readonly number[]) => {
  const m = maxOf(v);
  return v.map((x) => (Number.isFinite(x - m) ? Math.ceil(Math.abs(x - m)) : 0));
};
const meanRef = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const varianceRef = (v: readonly number[]) => {
  const m = meanRef(v);
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length;
};

// ---------------------------------------------------------------------------------------------
// Inputs.

/** Elementwise extremes: overflow of exp, denormal σ, denormals, the float32 range, tiny differences. */
const EXTREMES = [
  1e4,
  -1e4,
  88.7,
  -88.7,
  88.8,
  -88.8,
  103,
  -103,
  1e-38,
  -1e-38,
  1e-45,
  -1e-45,
  0,
  -0,
  20,
  -20,
  1e-7,
  -1e-7,
  1 + 1e-7,
  1,
  3.4e38,
  -3.4e38,
];

/** Rows for the softmax family: a naive exp overflows (89, 1e4) or underflows (−104, −1e4) on each. */
const ROWS: readonly (readonly number[])[] = [
  [1e4, 0, -1e4],
  [88.7, 88.7],
  [89, 0],
  [-1e4, -1e4],
  [-104, -104, -105],
  [-1e4, -1e4 + 1],
  [1e-38, -1e-38, 1e-45],
  [1 + 1e-7, 1],
  [Number.NEGATIVE_INFINITY, 0, 1],
  [3.4e38, -3.4e38],
];

const arr = (v: readonly number[], d: FloatDType) => np.array([...v], d);
const rounded = (v: readonly number[], d: FloatDType) => v.map((x) => round(d, x));

// ---------------------------------------------------------------------------------------------

/** A tolerance, or one computed from the (rounded) input for ill-conditioned entries. */
type TolSpec = Tolerance | ((x: readonly number[]) => Tolerance);
const tolFor = (t: TolSpec, x: readonly number[]): Tolerance => (typeof t === "function" ? t(x) : t);
const softmaxTol = (v: readonly number[]): Tolerance => ({ ulps: 4, extraUlps: expCondition(v) });

interface Case {
  name: string;
  f: Fn;
  ref: (x: readonly number[]) => number[];
  inputs: readonly (readonly number[])[];
  tol: TolSpec;
}

const sum =
  (f: Fn): Fn =>
  (x) =>
    np.sum(f(x));
const first =
  (f: Fn): Fn =>
  (x) =>
    f(x).take(0);

const VALUE_CASES: Case[] = [
  { name: "sigmoid", f: nn.sigmoid, ref: (v) => v.map(sigmoidRef), inputs: [EXTREMES], tol: { ulps: 2 } },
  { name: "softplus", f: nn.softplus, ref: (v) => v.map(softplusRef), inputs: [EXTREMES], tol: { ulps: 3 } },
  { name: "logSigmoid", f: nn.logSigmoid, ref: (v) => v.map((x) => -softplusRef(-x)), inputs: [EXTREMES], tol: { ulps: 3 } },
  { name: "log1p", f: np.log1p, ref: (v) => v.map(Math.log1p), inputs: [EXTREMES], tol: { ulps: 1 } },
  { name: "expm1", f: np.expm1, ref: (v) => v.map(Math.expm1), inputs: [EXTREMES], tol: { ulps: 1 } },
  { name: "softmax", f: (x) => nn.softmax(x), ref: softmaxRef, inputs: ROWS.slice(0, 8), tol: softmaxTol },
  { name: "logSoftmax", f: (x) => nn.logSoftmax(x), ref: logSoftmaxRef, inputs: ROWS, tol: { ulps: 4 } },
  { name: "logsumexp", f: (x) => np.logsumexp(x).reshape(1), ref: (v) => [logsumexpRef(v)], inputs: ROWS, tol: { ulps: 2 } },
  {
    name: "softmaxCrossEntropy (label 0)",
    f: (x) => nn.softmaxCrossEntropy(x.reshape(1, -1), np.array([0], "int32")).reshape(1),
    ref: (v) => [-logSoftmaxRef(v)[0]],
    inputs: ROWS.slice(0, 8),
    tol: { ulps: 4 },
  },
  {
    // [c, c + δ, c + 2δ] around 1e4, 1 and 1e19: E[x²] − E[x]² would lose every digit here.
    name: "variance",
    f: (x) => np.var(x).reshape(1),
    ref: (v) => [varianceRef(v)],
    inputs: [
      [1e4, 1e4 + 1],
      [1e4 + 0.25, 1e4 + 0.5, 1e4 + 0.75],
      [1, 1 + 1e-7, 1 + 2e-7],
      [1, 1 + 1e-7],
      [1e6, 1e6 + 0.0625, 1e6 - 0.4375],
      [1e-38, -1e-38],
      [1e19, -1e19],
      [88.7, -88.7, 1e4],
    ],
    tol: { ulps: 4 },
  },
  {
    name: "std",
    f: (x) => np.std(x).reshape(1),
    ref: (v) => [Math.sqrt(varianceRef(v))],
    inputs: [
      [1e4, 1e4 + 1],
      [1, 1 + 1e-7, 1 + 2e-7],
      [1e19, -1e19],
    ],
    tol: { ulps: 4 },
  },
];

describe.each(VALUE_CASES)("$name at extreme inputs matches a float64 reference", (c) => {
  test.each(DTYPES)(`%s: ${c.inputs.length} input(s) × ${RUNNERS.length} runners`, (d) => {
    for (const input of c.inputs) {
      const x = arr(input, d);
      const ref = c.ref(rounded(input, d));
      for (const r of RUNNERS) {
        const out = r.run(c.f)(x);
        expect(out.dtype).toBe(d);
        expectNear(`${r.name} ${c.name}([${input}])`, out.data(), ref, d, tolFor(c.tol, rounded(input, d)));
      }
    }
  });
});

/** Gradients: each scalar function's gradient against the float64 derivative. */
const GRAD_CASES: Case[] = [
  { name: "∇Σ softplus = σ", f: sum(nn.softplus), ref: (v) => v.map(sigmoidRef), inputs: [EXTREMES], tol: { ulps: 3 } },
  {
    name: "∇Σ logSigmoid = σ(−x)",
    f: sum(nn.logSigmoid),
    ref: (v) => v.map((x) => sigmoidRef(-x)),
    inputs: [EXTREMES],
    tol: { ulps: 3 },
  },
  {
    // σ' = σ·(1 − σ), as JAX's logistic JVP: for x ≫ 0, 1 − σ rounds to 0 in float32, so the
    // derivative is accurate to ulp(1) absolutely, not relatively (σ(20)' = 2e-9 comes out 0).
    name: "∇Σ sigmoid = σ(x)σ(−x)",
    f: sum(nn.sigmoid),
    ref: (v) => v.map((x) => sigmoidRef(x) * sigmoidRef(-x)),
    inputs: [EXTREMES],
    tol: { ulps: 4, absUlpsOf1: 1 },
  },
  { name: "∇Σ log1p = 1/(1+x)", f: sum(np.log1p), ref: (v) => v.map((x) => 1 / (1 + x)), inputs: [EXTREMES], tol: { ulps: 2 } },
  {
    // d expm1 = expm1(x) + 1, as JAX: absolute accuracy ulp(1) for x ≪ 0.
    name: "∇Σ expm1 = eˣ",
    f: sum(np.expm1),
    ref: (v) => v.map(Math.exp),
    inputs: [EXTREMES],
    tol: { ulps: 2, absUlpsOf1: 1 },
  },
  { name: "∇ logsumexp = softmax", f: (x) => np.logsumexp(x), ref: softmaxRef, inputs: ROWS.slice(0, 8), tol: softmaxTol },
  {
    // ∂ logSoftmax(x)[0] = e₀ − softmax: 1 − p₀ cancels when p₀ ≈ 1 (absolute accuracy).
    name: "∇ logSoftmax(x)[0] = e₀ − softmax",
    f: first((x) => nn.logSoftmax(x)),
    ref: (v) => softmaxRef(v).map((p, i) => (i === 0 ? 1 : 0) - p),
    inputs: ROWS.slice(0, 8),
    tol: (v) => ({ ...softmaxTol(v), absUlpsOf1: 1 }),
  },
  {
    name: "∇ var = 2(x − mean)/n",
    f: (x) => np.var(x),
    ref: (v) => v.map((x) => (2 * (x - meanRef(v))) / v.length),
    inputs: [
      [1e4, 1e4 + 1],
      [1e4 + 0.25, 1e4 + 0.5, 1e4 + 0.75],
      [1e19, -1e19],
    ],
    tol: { ulps: 4 },
  },
];

describe.each(GRAD_CASES)("$name at extreme inputs", (c) => {
  test.each(DTYPES)(`%s: ${c.inputs.length} input(s) × ${RUNNERS.length} runners × [grad(run(f)), run(grad(f))]`, (d) => {
    for (const input of c.inputs) {
      const x = arr(input, d);
      const ref = c.ref(rounded(input, d));
      for (const r of RUNNERS) {
        const tol = tolFor(c.tol, rounded(input, d));
        expectNear(`grad(${r.name}(${c.name}))`, grad(r.run(c.f))(x).data(), ref, d, tol);
        expectNear(`${r.name}(grad(${c.name}))`, r.run(grad(c.f))(x).data(), ref, d, tol);
      }
    }
  });
});

describe("losses on logits and probabilities at the extremes", () => {
  const LOGITS = [1e4, -1e4, 88.7, -88.7, 103, -103, 20, -20, 1e-7, -1e-7, 1e-45, 0];
  const TARGETS = [0, 1, 0.5, 1e-7, 1 - 1e-7];

  test.each(DTYPES)(
    `%s: sigmoidBinaryCrossEntropy = softplus(z) − z·y and its gradient σ(z) − y, ${LOGITS.length} logits × ${TARGETS.length} targets × ${RUNNERS.length} runners`,
    (d) => {
      for (const y of TARGETS) {
        const z = arr(LOGITS, d);
        const t = np.full([LOGITS.length], round(d, y), d);
        const yr = round(d, y);
        const zs = rounded(LOGITS, d);
        // Stable float64 reference: (1 − y)·z + log1p(e^−z) above 0, log1p(e^z) − z·y below (for
        // y near 1, max(z, 0) − z·y would cancel in the reference itself).
        const ref = zs.map((zi) => (zi > 0 ? (1 - yr) * zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi)) - zi * yr));
        const dref = zs.map((zi) => sigmoidRef(zi) - yr);
        const loss = (zz: AxArray) => nn.sigmoidBinaryCrossEntropy(zz, t, { reduction: "none" });
        const total = (zz: AxArray) => nn.sigmoidBinaryCrossEntropy(zz, t, { reduction: "sum" });
        for (const r of RUNNERS) {
          expectNear(`${r.name} sigmoidBCE y=${y}`, r.run(loss)(z).data(), ref, d, { ulps: 4 });
          // σ(z) − y cancels for σ(z) ≈ y: accurate to ulp(1) absolutely.
          expectNear(`${r.name} ∇sigmoidBCE y=${y}`, r.run(grad(total))(z).data(), dref, d, { ulps: 4, absUlpsOf1: 1 });
        }
      }
    },
  );

  test.each(DTYPES)(`%s: binaryCrossEntropy on probabilities 0 and 1 is finite (clipped to [eps, 1 − eps])`, (d) => {
    const p = arr([0, 1, 1e-45, 1, 0.5, 1e-30], d);
    const y = arr([1, 0, 1, 1, 1, 0], d);
    const lo = round(d, 1e-7);
    const hi = round(d, 1 - 1e-7);
    const ref = rounded([0, 1, 1e-45, 1, 0.5, 1e-30], d).map((pi, i) => {
      const pc = Math.min(Math.max(pi, lo), hi);
      const yi = [1, 0, 1, 1, 1, 0][i];
      return -(yi * Math.log(pc) + (1 - yi) * Math.log(round(d, 1 - pc)));
    });
    for (const r of RUNNERS) {
      const out = r.run((pp) => nn.binaryCrossEntropy(pp, y, { reduction: "none" }))(p);
      expectNear(`${r.name} binaryCrossEntropy`, out.data(), ref, d, { ulps: 4 });
    }
  });
});

describe("the global norm of very large and very small trees", () => {
  const trees: [string, Record<string, readonly number[]>][] = [
    ["exploding gradients (1e20)", { a: [1e20, -1e20], b: [1e20] }],
    ["the float32 range (3e38)", { a: [3e38], b: [1] }],
    ["tiny gradients (3e-25, 4e-25)", { a: [3e-25], b: [4e-25] }],
    ["denormals", { a: [1e-45, 1e-40] }],
    ["mixed magnitudes", { a: [1e4, 1e-7], b: [-88.7] }],
  ];
  test.each(DTYPES)(`%s: ${trees.length} trees: √Σx² summed in float64, rounded once`, (d) => {
    for (const [what, t] of trees) {
      const leaves = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, arr(v, d)]));
      const ref = Math.sqrt(
        Object.values(t)
          .flatMap((v) => rounded(v, d))
          .reduce((s, x) => s + x * x, 0),
      );
      const out = optim.globalNorm(leaves);
      expect(out.dtype).toBe(d);
      expectNear(`globalNorm ${what}`, out.data(), [ref], d, { ulps: 2 });
      const jitted = jit((tr: typeof leaves) => optim.globalNorm(tr))(leaves);
      expectNear(`jit globalNorm ${what}`, jitted.data(), [ref], d, { ulps: 2 });
    }
  });

  test("clipByGlobalNorm scales 1e20 gradients to the max norm instead of zeroing them", () => {
    const g = { w: np.array([1e20, -1e20]) };
    const [u] = optim.clipByGlobalNorm(1).update(g, {});
    expectNear("clipped", u.w.data(), [Math.SQRT1_2, -Math.SQRT1_2], "float32", { ulps: 2 });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: random rows mixing extreme constants with arbitrary float32 values (denormals and
// ±3.4e38 included), under every runner.

/** Runs per property; AXLE_RELIABILITY_RUNS=N runs longer. */
const RUNS = Number(process.env.AXLE_RELIABILITY_RUNS ?? 100);
const value32 = fc.oneof(
  fc.constantFrom(...EXTREMES, -104, 89),
  fc.float({ noNaN: true, noDefaultInfinity: true }),
  fc.float({ min: -100, max: 100, noNaN: true }),
);
const row32 = fc.array(value32, { minLength: 1, maxLength: 6 });

describe(`properties over random float32 rows (${RUNS} runs each, × ${RUNNERS.length} runners)`, () => {
  // log Σ exp(x − max) is log of a sum in [1, n] rounded to float32: absolutely accurate to
  // ulp(1) (logSoftmax([20, 0])[0] is −2e-9 and comes out 0, as in JAX).
  const family: [string, Fn, (v: readonly number[]) => number[], TolSpec][] = [
    ["logSoftmax", (x) => nn.logSoftmax(x), logSoftmaxRef, { ulps: 4, absUlpsOf1: 1 }],
    ["logsumexp", (x) => np.logsumexp(x).reshape(1), (v) => [logsumexpRef(v)], { ulps: 2, absUlpsOf1: 1 }],
    ["softmax", (x) => nn.softmax(x), softmaxRef, softmaxTol],
    ["sigmoid", nn.sigmoid, (v) => v.map(sigmoidRef), { ulps: 2 }],
    ["softplus", nn.softplus, (v) => v.map(softplusRef), { ulps: 3 }],
    ["logSigmoid", nn.logSigmoid, (v) => v.map((x) => -softplusRef(-x)), { ulps: 3 }],
  ];
  test.each(family)("%s matches its float64 reference", (name, f, ref, tol) => {
    const runners = RUNNERS.map((r) => [r.name, r.run(f)] as const);
    fc.assert(
      fc.property(row32, (v) => {
        const x = np.array(v);
        const want = ref(rounded(v, "float32"));
        const t = tolFor(tol, rounded(v, "float32"));
        for (const [rn, g] of runners) expectNear(`${rn} ${name}([${v}])`, g(x).data(), want, "float32", t);
      }),
      { numRuns: RUNS },
    );
  });

  test("softmax rows sum to 1 within n ulps and logSoftmax ≤ 0, for finite rows", () => {
    fc.assert(
      fc.property(row32, (v) => {
        const x = np.array(v);
        for (const r of RUNNERS) {
          const p = r
            .run((z) => nn.softmax(z))(x)
            .data();
          const s = Array.from(p).reduce((a, b) => a + b, 0);
          expect(Math.abs(s - 1)).toBeLessThanOrEqual(v.length * 2 ** -23);
          for (const l of r
            .run((z) => nn.logSoftmax(z))(x)
            .data())
            expect(l).toBeLessThanOrEqual(0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test("variance of c + small offsets: relative error ≤ 1e-5 whatever c (no E[x²] − E[x]² cancellation)", () => {
    const offsets = fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 2, maxLength: 8 });
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 1e4, -1e4, 1e6), offsets, (c, ks) => {
        // Offsets are multiples of ulp(c), so every input is exactly representable in float32.
        const step = Math.max(ulp("float32", c), 2 ** -20);
        const v = ks.map((k) => round("float32", c + k * step));
        const want = varianceRef(v);
        for (const r of RUNNERS) {
          const got = r
            .run((z) => np.var(z))(np.array(v))
            .item();
          if (want === 0) expect(got).toBe(0);
          else expect(Math.abs(got - want) / want, `${r.name} var(${v})`).toBeLessThanOrEqual(1e-5);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
