/**
 * Eager elementwise fusion (src/primitives/eager-fusion.ts): deferred elementwise results give
 * bit for bit what the per-primitive kernels give, are computed by whatever reads them, keep
 * their graphs bounded, raise errors at the call, and leave transforms and debugNans untouched.
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import fc from "fast-check";
import { afterEach, describe, expect, test } from "vitest";
import { ConcreteArray } from "../../src/core/array.js";
import { ShapedArray } from "../../src/core/aval.js";
import { bind1 } from "../../src/core/trace.js";
import {
  type Array as AxArray,
  DTypeError,
  FloatingPointError,
  grad,
  jit,
  jvp,
  np,
  ShapeError,
  vmap,
  withConfig,
} from "../../src/index.js";
import {
  computePendingReaders,
  eagerFusionOptions,
  eagerFusionStats,
  pendingRegionSize,
  readerEntries,
} from "../../src/primitives/eager-fusion.js";
import { addP } from "../../src/primitives/elementwise.js";

const DEFAULTS = { ...eagerFusionOptions };

afterEach(() => {
  Object.assign(eagerFusionOptions, DEFAULTS);
});

type Opts = Partial<typeof eagerFusionOptions>;

function withFusion<T>(opts: Opts, fn: () => T): T {
  const prev = { ...eagerFusionOptions };
  Object.assign(eagerFusionOptions, opts);
  try {
    return fn();
  } finally {
    Object.assign(eagerFusionOptions, prev);
  }
}

const unfused = <T>(fn: () => T): T => withFusion({ enabled: false }, fn);

const conc = (a: AxArray) => a as ConcreteArray;

/** Same dtype, shape, weak flag and values bit for bit (NaN payloads aside: JS leaves them unspecified). */
function expectSameArray(got: AxArray, want: AxArray, what = ""): void {
  expect(got.dtype, what).toBe(want.dtype);
  expect(got.shape, what).toEqual(want.shape);
  expect(got.weakType, what).toBe(want.weakType);
  const g = got.data();
  const w = want.data();
  expect(g.length, what).toBe(w.length);
  for (let i = 0; i < g.length; i++) {
    if (!Object.is(g[i], w[i])) throw new Error(`${what} element ${i}: got ${g[i]}, want ${w[i]}`);
  }
}

function f32(n: number, f: (i: number) => number): AxArray {
  return np.array(Float32Array.from({ length: n }, (_, i) => f(i)));
}

/** Full garbage collections, with the event-loop turns that let WeakRefs clear in between. */
async function collect(): Promise<void> {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
}

// ---------------------------------------------------------------------------------------------
// Random elementwise programs.

type DT = "float32" | "int32" | "bool" | "float64";
type Value = AxArray | number;
type Op = { name: string; arity: number; run: (xs: AxArray[], c: number) => AxArray };

const SCALARS = [2, 0.5, -3, 1e10, 0, -0.25, 7];

const OPS: Op[] = [
  { name: "add", arity: 2, run: ([a, b]) => np.add(a, b) },
  { name: "subtract", arity: 2, run: ([a, b]) => np.subtract(a, b) },
  { name: "multiply", arity: 2, run: ([a, b]) => np.multiply(a, b) },
  { name: "divide", arity: 2, run: ([a, b]) => np.divide(a, b) },
  { name: "maximum", arity: 2, run: ([a, b]) => np.maximum(a, b) },
  { name: "minimum", arity: 2, run: ([a, b]) => np.minimum(a, b) },
  { name: "less", arity: 2, run: ([a, b]) => np.less(a, b) },
  { name: "equal", arity: 2, run: ([a, b]) => np.equal(a, b) },
  { name: "logicalAnd", arity: 2, run: ([a, b]) => np.logicalAnd(a, b) },
  { name: "logicalOr", arity: 2, run: ([a, b]) => np.logicalOr(a, b) },
  { name: "remainder", arity: 2, run: ([a, b]) => np.remainder(a, b) },
  { name: "where", arity: 3, run: ([c, a, b]) => np.where(c, a, b) },
  { name: "negative", arity: 1, run: ([a]) => np.negative(a) },
  { name: "abs", arity: 1, run: ([a]) => np.abs(a) },
  { name: "sign", arity: 1, run: ([a]) => np.sign(a) },
  { name: "square", arity: 1, run: ([a]) => np.square(a) },
  { name: "cube", arity: 1, run: ([a]) => np.power(a, 3) },
  { name: "sqrt", arity: 1, run: ([a]) => np.sqrt(a) },
  { name: "exp", arity: 1, run: ([a]) => np.exp(a) },
  { name: "log", arity: 1, run: ([a]) => np.log(a) },
  { name: "tanh", arity: 1, run: ([a]) => np.tanh(a) },
  { name: "sigmoid", arity: 1, run: ([a]) => np.sigmoid(a) },
  { name: "floor", arity: 1, run: ([a]) => np.floor(a) },
  { name: "round", arity: 1, run: ([a]) => np.round(a) },
  { name: "logicalNot", arity: 1, run: ([a]) => np.logicalNot(a) },
  { name: "isnan", arity: 1, run: ([a]) => np.isnan(a) },
  { name: "astype float32", arity: 1, run: ([a]) => a.astype("float32") },
  { name: "astype int32", arity: 1, run: ([a]) => a.astype("int32") },
  { name: "astype bool", arity: 1, run: ([a]) => a.astype("bool") },
  { name: "astype float64", arity: 1, run: ([a]) => a.astype("float64") },
  { name: "add scalar", arity: 1, run: ([a], c) => a.add(c) },
  { name: "scalar times", arity: 1, run: ([a], c) => np.multiply(c, a) },
  { name: "max scalar", arity: 1, run: ([a], c) => np.maximum(a, c) },
  { name: "scalar minus", arity: 1, run: ([a], c) => np.subtract(c, a) },
];

interface LeafSpec {
  dtype: DT;
  /** Which dims of the base shape this leaf keeps (false: size 1), and how many leading dims it drops. */
  keep: boolean[];
  drop: number;
  values: number[];
}

interface StepSpec {
  op: number;
  /** Operands, counted back from the newest value (so chains and diamonds are common). */
  back: number[];
  scalar: number;
  /** Read the new value at once (a partly computed graph for the steps after). */
  read: boolean;
}

interface Program {
  base: number[];
  leaves: LeafSpec[];
  steps: StepSpec[];
  /** The order in which the lazy run reads the values at the end. */
  readOrder: number[];
}

const SPECIAL = [
  Number.NaN,
  0,
  -0,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1,
  -1,
  2147483647,
  -2147483648,
  0.5,
  1e-40,
];

const valueArb = fc.oneof(
  { weight: 5, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
  { weight: 2, arbitrary: fc.integer({ min: -20, max: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(...SPECIAL) },
);

const programArb: fc.Arbitrary<Program> = fc.constantFrom<number[]>([7], [3, 5], [2, 3, 4], [1], [4, 1]).chain((base) =>
  fc.record({
    base: fc.constant(base),
    leaves: fc.array(
      fc.record({
        dtype: fc.constantFrom<DT>("float32", "float32", "int32", "bool", "float64"),
        keep: fc.array(fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), {
          minLength: base.length,
          maxLength: base.length,
        }),
        drop: fc.nat(base.length),
        values: fc.array(valueArb, { minLength: 24, maxLength: 24 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    steps: fc.array(
      fc.record({
        op: fc.nat(OPS.length - 1),
        back: fc.array(fc.oneof({ weight: 3, arbitrary: fc.nat(1) }, { weight: 1, arbitrary: fc.nat(8) }), {
          minLength: 3,
          maxLength: 3,
        }),
        scalar: fc.nat(SCALARS.length - 1),
        read: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
    readOrder: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
  }),
);

function leafArray(base: readonly number[], l: LeafSpec): AxArray {
  const shape = base.slice(l.drop).map((d, i) => (l.keep[i + l.drop] ? d : 1));
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, (_, i) => l.values[i % l.values.length]);
  if (l.dtype === "bool") return np.array(vals.map((v) => v > 0)).reshape(shape);
  if (l.dtype === "int32")
    return np
      .array(
        vals.map((v) => (Number.isFinite(v) ? Math.trunc(v) : 3)),
        "int32",
      )
      .reshape(shape);
  return np.array(vals, l.dtype).reshape(shape);
}

/** Runs the program; every value made (or the error of each step), read in `order` at the end. */
function runProgram(p: Program, order?: readonly number[]): { values: Value[]; errors: string[] } {
  const pool: AxArray[] = p.leaves.map((l) => leafArray(p.base, l));
  const errors: string[] = [];
  for (const s of p.steps) {
    const op = OPS[s.op];
    const args = s.back.slice(0, op.arity).map((b) => pool[Math.max(0, pool.length - 1 - (b % pool.length))]);
    try {
      const y = op.run(args, SCALARS[s.scalar]);
      if (s.read) y.data();
      pool.push(y);
      errors.push("");
    } catch (e) {
      errors.push(e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e));
    }
  }
  if (order !== undefined) {
    const idx = pool.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = order[i % order.length] % (i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    for (const i of idx) pool[i].data();
  }
  return { values: pool, errors };
}

describe("eager fusion is bit for bit the per-primitive kernels", () => {
  test("random elementwise programs (mixed ops, broadcasting, weak scalars, 4 dtypes, shared values) agree with unfused eager", () => {
    let deferred = 0;
    fc.assert(
      fc.property(programArb, fc.integer({ min: 2, max: 64 }), fc.boolean(), (p, maxOps, wasm) => {
        const want = unfused(() => runProgram(p));
        const before = eagerFusionStats.deferred;
        const got = withFusion({ minSize: 1, maxOps, wasm }, () => runProgram(p, p.readOrder));
        deferred += eagerFusionStats.deferred - before;
        expect(got.errors).toEqual(want.errors);
        expect(got.values.length).toBe(want.values.length);
        got.values.forEach((g, i) => expectSameArray(g as AxArray, want.values[i] as AxArray, `value ${i}`));
      }),
      { numRuns: 300 },
    );
    expect(deferred).toBeGreaterThan(1000); // the lazy runs did defer
  });

  test("float32 chains on Wasm and on JS give the same bits as unfused, specials included", () => {
    const n = 40000;
    const special = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, 3.4e38, -1];
    const x = f32(n, (i) => (i < special.length ? special[i] : Math.sin(i) * 1e3));
    const y = f32(n, (i) => Math.cos(i * 0.37) * 5);
    const chain = () => {
      let t = x.mul(1.5).add(0.5);
      t = t.mul(t).sub(x);
      t = np.sqrt(np.abs(t).add(1)).mul(0.25);
      const u = np.where(t.gt(y), np.floor(t.div(y)), np.round(y.mul(t)));
      return np.negative(np.maximum(u, x)).sub(np.minimum(y, -0));
    };
    const want = unfused(chain);
    const wasm0 = eagerFusionStats.wasmRun;
    const onWasm = withFusion({ wasm: true }, () => chain());
    onWasm.data();
    expect(eagerFusionStats.wasmRun).toBe(wasm0 + 1);
    const onJs = withFusion({ wasm: false }, () => chain());
    expectSameArray(onWasm, want, "wasm");
    expectSameArray(onJs, want, "js");
  });
});

describe("subnormal operands in the Wasm kernel", () => {
  test("an Adam-like update over arrays dense in subnormals gives the unfused bits", () => {
    // Every vector with a subnormal lane takes the float64 path; every fourth element is one.
    const n = 40000;
    const m = f32(n, (i) => (i % 4 === 0 ? (1 + (i % 97)) * 2 ** -149 : Math.sin(i) * 1e-3));
    const v = f32(n, (i) => (i % 7 === 0 ? 2 ** -140 : Math.cos(i) ** 2 * 1e-6));
    const p = f32(n, (i) => Math.sin(i * 0.1));
    const update = () =>
      p.sub(
        m
          .mul(0.9)
          .div(0.1)
          .div(np.sqrt(v.mul(0.999).div(0.01)).add(1e-8))
          .mul(1e-3),
      );
    const want = unfused(update);
    const wasm0 = eagerFusionStats.wasmRun;
    const got = withFusion({ wasm: true }, update);
    got.data();
    expect(eagerFusionStats.wasmRun).toBe(wasm0 + 1);
    expectSameArray(got, want, "wasm");
  });
});

describe("what defers", () => {
  test("a 10-op chain on a large array is one kernel, run when the result is read", () => {
    const x = f32(100000, (i) => i / 1000 - 50);
    const k0 = eagerFusionStats.kernelsRun;
    const d0 = eagerFusionStats.deferred;
    let t = x.mul(1.5).add(0.5);
    t = t.mul(t).sub(x);
    t = np.sqrt(np.abs(t).add(1)).mul(0.25);
    const y = np.negative(np.maximum(t, x));
    expect(eagerFusionStats.deferred - d0).toBe(10);
    expect(eagerFusionStats.kernelsRun).toBe(k0);
    expect(pendingRegionSize(conc(y))).toBe(10);
    y.data();
    expect(eagerFusionStats.kernelsRun).toBe(k0 + 1);
    expect(pendingRegionSize(conc(y))).toBe(0);
  });

  test("small arrays run at once (below minSize nothing is deferred)", () => {
    eagerFusionOptions.minSize = 1000;
    const x = f32(999, (i) => i);
    const d0 = eagerFusionStats.deferred;
    const y = x.mul(2).add(1);
    expect(eagerFusionStats.deferred).toBe(d0);
    expect(conc(y).pending).toBeNull();
  });

  test("while debugNans/debugInfs are on nothing is deferred, and the culprit is named", () => {
    const x = f32(50000, (i) => i - 10);
    const d0 = eagerFusionStats.deferred;
    expect(() => withConfig({ debugNans: true }, () => np.sqrt(x.sub(1)).mul(2))).toThrow(FloatingPointError);
    expect(() => withConfig({ debugNans: true }, () => np.sqrt(x.sub(1)).mul(2))).toThrow(/sqrt/);
    expect(() => withConfig({ debugInfs: true }, () => np.log(x.add(10)).mul(2))).toThrow(/log/);
    expect(eagerFusionStats.deferred).toBe(d0);
  });

  test("a value deferred before debugNans was turned on behaves as if computed then (as unfused eager)", () => {
    const x = f32(50000, (i) => i - 10);
    const p = np.sqrt(x); // NaN for i < 10, deferred
    expect(pendingRegionSize(conc(p))).toBe(1);
    // The NaN was made before the check was on; the add only passes it through.
    const y = withConfig({ debugNans: true }, () => p.add(1));
    expect(Number.isNaN(y.data()[0])).toBe(true);
    const want = unfused(() => np.sqrt(x).add(1));
    expectSameArray(y, want);
  });

  test("nothing defers inside grad, vmap or jit, and results of transforms are unchanged bit for bit", () => {
    eagerFusionOptions.minSize = 1;
    const x = f32(64, (i) => i / 7 - 3);
    const xs = np.reshape(
      f32(64, (i) => i / 5 - 6),
      [8, 8],
    );
    const f = (v: AxArray) => np.sum(np.sqrt(np.abs(v.mul(1.5).add(0.5)).add(1)).mul(np.tanh(v)));
    const g = (v: AxArray) => np.sqrt(np.abs(v).add(1)).mul(v).sub(0.5);
    const runs = () => [
      grad(f)(x),
      vmap(g)(xs),
      jvp(g, [x], [np.onesLike(x)])[1],
      jit(g)(x),
      jit(g, { backend: "reference" })(x),
    ];
    const want = unfused(runs);
    const inside: number[] = [];
    const probe = (v: AxArray) => {
      const before = eagerFusionStats.deferred;
      const y = g(v);
      inside.push(eagerFusionStats.deferred - before);
      return y;
    };
    grad((v: AxArray) => np.sum(probe(v)))(x);
    vmap(probe)(xs);
    jit(probe)(x);
    jvp(probe, [x], [np.onesLike(x)]);
    expect(inside).toEqual([0, 0, 0, 0]);
    runs().forEach((r, i) => expectSameArray(r, want[i], `run ${i}`));
  });

  test("a pending array passed into grad, vmap and jit is computed first and gives the same result", () => {
    eagerFusionOptions.minSize = 1;
    const base = f32(12, (i) => i - 4);
    const make = () => base.mul(0.5).add(1);
    const g = (v: AxArray) => np.sum(v.mul(v));
    const want = unfused(() => [grad(g)(make()), vmap((v: AxArray) => v.mul(2))(make()), jit(g)(make())]);
    const got = [grad(g)(make()), vmap((v: AxArray) => v.mul(2))(make()), jit(g)(make())];
    got.forEach((r, i) => expectSameArray(r, want[i], `run ${i}`));
  });
});

describe("materialisation: every reader computes a pending array", () => {
  const N = 40000;
  const x = f32(N, (i) => (i % 17) - 8);
  const fresh = () => x.mul(0.5).add(np.abs(x)); // pending
  const want = unfused(fresh);
  const wantData = want.data();

  const readers: [string, (a: AxArray) => unknown, (a: AxArray) => unknown][] = [
    ["data()", (a) => a.data(), () => wantData],
    ["toArray()", (a) => a.toArray(), () => want.toArray()],
    ["toString()", (a) => a.toString(), () => want.toString()],
    ["template string", (a) => `${a}`, () => `${want}`],
    ["JSON.stringify", (a) => JSON.stringify(a).length, () => JSON.stringify(want).length],
    ["np.sum (a reduction)", (a) => np.sum(a).item(), () => np.sum(want).item()],
    ["reshape (shares the buffer)", (a) => a.reshape([200, 200]).data(), () => wantData],
    [
      "matmul",
      (a) => np.matmul(a.reshape([200, 200]), np.ones([200, 1])).data(),
      () => np.matmul(want.reshape([200, 200]), np.ones([200, 1])).data(),
    ],
    ["a jitted call's input", (a) => jit((v: AxArray) => v.mul(2))(a).data(), () => jit((v: AxArray) => v.mul(2))(want).data()],
    [
      "a jitted function's closed-over constant",
      (a) => jit((v: AxArray) => v.add(a))(x).data(),
      () => jit((v: AxArray) => v.add(want))(x).data(),
    ],
    ["take (gather)", (a) => np.take(a, [3, 0, 39999]).data(), () => np.take(want, [3, 0, 39999]).data()],
  ];

  for (const [name, read, expected] of readers) {
    test(`${name}`, () => {
      const a = fresh();
      expect(conc(a).pending).not.toBeNull();
      expect(read(a)).toEqual(expected(want));
      expect(pendingRegionSize(conc(a))).toBe(0);
      expectSameArray(a, want);
    });
  }

  test("item() and numeric coercion of a pending size-1 result", () => {
    eagerFusionOptions.minSize = 1;
    const s = np.array([2.5]).mul(3).add(1);
    expect(conc(s).pending).not.toBeNull();
    expect(+s).toBe(8.5);
    const t = np.array([2.5]).mul(3).add(1);
    expect(t.item()).toBe(8.5);
    expect(Math.sqrt(np.array([16]).mul(4) as unknown as number)).toBe(8);
  });

  test("the buffer accessor is the only way in: a pending array built by hand computes on first read, once", () => {
    let calls = 0;
    const a = ConcreteArray.ofPending(new ShapedArray([3], "float32"), {
      force: () => {
        calls++;
        return new Float32Array([1, 2, 3]);
      },
    });
    expect(calls).toBe(0);
    expect(a.toString()).toContain("1");
    expect(Array.from(a.data())).toEqual([1, 2, 3]);
    expect(a.toArray()).toEqual([1, 2, 3]);
    expect(calls).toBe(1);
  });

  test("withWeak keeps a pending array pending, and both arrays share one computation", () => {
    const a = conc(fresh());
    const k0 = eagerFusionStats.kernelsRun;
    const w = a.withWeak(true);
    expect(w.pending).not.toBeNull();
    expect(w.weakType).toBe(true);
    w.data();
    a.data();
    expect(eagerFusionStats.kernelsRun).toBe(k0 + 1);
    expect(a.buffer).toBe(w.buffer);
  });

  test("writing into a data() copy never changes the array; reading never changes the inputs", () => {
    const inputBefore = x.data();
    const a = fresh();
    const d = a.data() as Float32Array;
    d.fill(123);
    expect(a.data()).toEqual(wantData);
    expect(x.data()).toEqual(inputBefore);
  });
});

describe("graphs stay bounded", () => {
  test("a chain of diamonds (t = t·t + t, 400 times) is linear work, not exponential, and exact", () => {
    eagerFusionOptions.minSize = 1;
    const x = f32(1000, (i) => (i % 3) * 0.25 - 0.25);
    const run = () => {
      let t = x;
      for (let i = 0; i < 400; i++) t = t.mul(t).add(t).mul(0.5);
      return t;
    };
    const want = unfused(run);
    const t0 = performance.now();
    const got = run();
    got.data();
    expect(performance.now() - t0).toBeLessThan(10000);
    expectSameArray(got, want);
  });

  test("maxOps bounds the pending graph: a long unread chain computes its operands as it grows", () => {
    eagerFusionOptions.minSize = 1;
    eagerFusionOptions.maxOps = 16;
    const x = f32(500, (i) => i);
    const k0 = eagerFusionStats.kernelsRun;
    let t = x;
    let most = 0;
    for (let i = 0; i < 200; i++) {
      t = t.add(1).mul(t);
      most = Math.max(most, pendingRegionSize(conc(t)));
    }
    expect(most).toBeLessThanOrEqual(16);
    // 400 ops in regions of at most 16; the last region is still pending.
    expect(eagerFusionStats.kernelsRun - k0).toBeGreaterThanOrEqual(Math.floor(400 / 16) - 1);
    expectSameArray(
      t,
      unfused(() => {
        let u = x;
        for (let i = 0; i < 200; i++) u = u.add(1).mul(u);
        return u;
      }),
    );
  });

  test("a value read by two later results is computed once: the first kernel writes it out too", () => {
    eagerFusionOptions.minSize = 1;
    const x = f32(1000, (i) => i / 10);
    const shared = np.sqrt(x.mul(3).add(1));
    const b = shared.add(1);
    const c = shared.mul(2);
    const k0 = eagerFusionStats.kernelsRun;
    b.data();
    expect(eagerFusionStats.kernelsRun).toBe(k0 + 1);
    expect(pendingRegionSize(conc(c))).toBe(1); // only c itself: shared was written by b's kernel
    c.data();
    shared.data();
    expect(eagerFusionStats.kernelsRun).toBe(k0 + 2);
    expectSameArray(
      c,
      unfused(() => np.sqrt(x.mul(3).add(1)).mul(2)),
    );
  });

  test("a pending operand broadcast into a larger result is computed first (never recomputed per position)", () => {
    eagerFusionOptions.minSize = 1;
    const row = f32(100, (i) => i).mul(2); // pending [100]
    const m = np.reshape(
      f32(10000, (i) => i % 7),
      [100, 100],
    );
    const y = m.add(row);
    expect(pendingRegionSize(conc(row))).toBe(0);
    expect(pendingRegionSize(conc(y))).toBe(1);
    expectSameArray(
      y,
      unfused(() => m.add(f32(100, (i) => i).mul(2))),
    );
  });

  test("fused kernels are cached by structure (a loop generates each once) and the cache is bounded", () => {
    eagerFusionOptions.minSize = 1;
    eagerFusionStats.clearCache();
    const step = (p: AxArray, g: AxArray) => p.sub(g.mul(0.1)).mul(0.99);
    let p = f32(2000, (i) => i);
    const g = f32(2000, (i) => Math.sin(i));
    p = step(p, g);
    p.data();
    const after1 = eagerFusionStats.cachedKernels;
    for (let i = 0; i < 20; i++) {
      p = step(p, g);
      p.data();
    }
    expect(eagerFusionStats.cachedKernels).toBe(after1);
    eagerFusionOptions.cacheSize = 4;
    let t = f32(2000, (i) => i);
    for (let i = 1; i < 30; i++) {
      let u = t;
      for (let j = 0; j < i; j++) u = u.add(j); // a chain of i adds: a new structure each time
      u.data();
      t = u;
    }
    expect(eagerFusionStats.cachedKernels).toBeLessThanOrEqual(3 * 4);
  });

  test("once computed, a pending array drops its expression, so its operands can be collected", async () => {
    eagerFusionOptions.minSize = 1;
    const settle = collect;
    const make = () => {
      const x = f32(10000, (i) => i);
      return { ref: new WeakRef(x), y: x.mul(2).add(1) };
    };
    const held = make();
    await settle();
    // While pending, y holds its operand alive (the test can fail) …
    expect(held.ref.deref()).toBeDefined();
    held.y.data();
    await settle();
    // … and once computed, not any more.
    expect(held.ref.deref()).toBeUndefined();
    expect(held.y.data()[3]).toBe(7);
  });
});

describe("layouts and buffer reuse", () => {
  test("operands that differ from the result only by leading 1-dims read flat (Wasm and JS), exactly", () => {
    const n = 40000;
    const a = np.reshape(
      f32(n, (i) => i * 0.5),
      [1, n],
    );
    const b = f32(n, (i) => 3 - i);
    const run = () => np.maximum(a.mul(b), b.sub(a)).add(np.reshape(b, [1, 1, n]));
    const want = unfused(run);
    for (const wasm of [true, false]) {
      const w0 = eagerFusionStats.wasmRun;
      const got = withFusion({ wasm }, () => {
        const r = run();
        r.data();
        return r;
      });
      expectSameArray(got, want, `wasm ${wasm}`);
      expect(eagerFusionStats.wasmRun - w0).toBe(wasm ? 1 : 0);
    }
  });

  test("computePendingReaders computes what still reads an array, so its buffer may be reused", () => {
    eagerFusionOptions.minSize = 1;
    const x = conc(f32(100, (i) => i));
    const y = x.mul(2).add(1);
    const z = np.sqrt(x);
    expect(pendingRegionSize(conc(y))).toBe(2);
    computePendingReaders(x);
    expect(pendingRegionSize(conc(y))).toBe(1); // the add is still pending, but reads x no more
    expect(pendingRegionSize(conc(z))).toBe(0);
    // Overwriting x's buffer now (what a donating jitted call may do) cannot change y or z.
    (x.buffer as Float32Array).fill(-1);
    expect(y.data()[3]).toBe(7);
    expect(z.data()[4]).toBe(2);
  });

  test("an array read by many computed values keeps no growing list of them", async () => {
    eagerFusionOptions.minSize = 1;
    const x = conc(f32(100, (i) => i));
    for (let i = 0; i < 1000; i++) x.mul(i).data();
    expect(readerEntries(x)).toBe(0); // computed readers leave the list
    for (let i = 0; i < 1000; i++) x.add(i); // dropped unread: swept once collected
    await collect();
    const stillPending = x.mul(3);
    for (let i = 0; i < 200; i++) x.add(i);
    await collect();
    for (let i = 0; i < 64; i++) x.add(i);
    expect(readerEntries(x)).toBeLessThan(200);
    computePendingReaders(x);
    expect(pendingRegionSize(conc(stillPending))).toBe(0);
  });
});

describe("errors are raised at the call, not when the value is read", () => {
  test("shape and dtype errors on pending operands", () => {
    eagerFusionOptions.minSize = 1;
    const a = f32(10, (i) => i).mul(2);
    const b = f32(9, (i) => i).mul(2);
    expect(conc(a).pending).not.toBeNull();
    expect(() => a.add(b)).toThrow(ShapeError);
    const i32 = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "int32").mul(3);
    expect(() => bind1(addP, [a, i32])).toThrow(DTypeError);
    // The operands are still usable afterwards.
    expect(a.data()[3]).toBe(6);
  });
});
