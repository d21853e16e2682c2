/**
 * Vectorised reductions (four kept outputs per f32x4/i32x4 vector) against the JS backend, which
 * runs the scalar loop in the same order: equal bit for bit (NaN for NaN), on random shapes with
 * size-0/1 dims, random kept/reduced axes, fused prologues over float32, int32 and bool operands,
 * NaN and ±0 inputs, every combining op.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { vectorReduceUnsupported } from "../../../src/compile/backends/wasm/reduce.js";
import { optimize } from "../../../src/compile/compile.js";
import { schedule } from "../../../src/compile/schedule.js";
import { type Array, jit, makeIr, np } from "../../../src/index.js";

function lcg(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function floats(n: number, seed: number): Float32Array {
  const rnd = lcg(seed);
  return Float32Array.from({ length: n }, () => {
    const u = rnd();
    if (u < 0.03) return Number.NaN;
    if (u < 0.06) return -0;
    return (rnd() * 4 - 2) * 10 ** Math.floor(rnd() * 6 - 3);
  });
}

const OPS = ["sum", "max", "min", "prod"] as const;
type Op = (typeof OPS)[number];

const reduce = (op: Op, x: Array, axes: number[], keepdims: boolean): Array =>
  op === "sum"
    ? np.sum(x, axes, { keepdims })
    : op === "max"
      ? np.max(x, axes, { keepdims })
      : op === "min"
        ? np.min(x, axes, { keepdims })
        : np.prod(x, axes, { keepdims });

/** Runs one case on both backends; returns how many of its reduce steps take the vector path. */
function runCase(shape: number[], axes: number[], op: Op, kind: string, keepdims: boolean, seed: number): number {
  let vectorised = 0;
  const size = shape.reduce((a, b) => a * b, 1);
  // max/min of an empty axis has no identity (an error on every backend).
  if ((op === "max" || op === "min") && axes.some((d) => shape[d] === 0)) return 0;
  const x = np.array(floats(size, seed)).reshape(shape);
  const y = np.array(floats(size, seed + 1)).reshape(shape);
  const f =
    kind === "float"
      ? (a: Array, b: Array) => reduce(op, a.mul(b).add(1), axes, keepdims)
      : kind === "int"
        ? (a: Array, b: Array) =>
            reduce(
              op === "prod" ? "sum" : op,
              np.where(np.isnan(a), 0, a.mul(7)).astype("int32").add(b.gt(0).astype("int32")),
              axes,
              keepdims,
            )
        : (a: Array, b: Array) => reduce(op, np.where(b.gt(0), a, 0), axes, keepdims);
  const p = schedule(optimize(makeIr(f)(x, y)));
  for (const s of p.steps)
    if (s.kind === "reduce" && vectorReduceUnsupported(s, (b) => p.buffers[b].dtype) === null) vectorised++;
  const got = jit(f, { backend: "wasm" })(x, y).data();
  const want = jit(f, { backend: "js" })(x, y).data();
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i], want[i]];
    if (!(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)))) expect.fail(`element ${i}: wasm ${g}, js ${w}`);
  }
  return vectorised;
}

const dim = fc.oneof(fc.constant(1), fc.constant(0), fc.integer({ min: 2, max: 11 }));
const op = fc.constantFrom(...OPS);
const kind = fc.constantFrom("float", "int", "masked");

describe("vectorised reductions in the Wasm module", () => {
  test("equal the scalar loop (JS backend) bit for bit: any shape and axes", () => {
    fc.assert(
      fc.property(
        fc.array(dim, { minLength: 1, maxLength: 4 }),
        fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        op,
        kind,
        fc.boolean(),
        fc.integer({ min: 1, max: 1e6 }),
        (shape, pick, o, k, keepdims, seed) => {
          runCase(
            shape,
            shape.map((_, d) => d).filter((d) => pick[d]),
            o,
            k,
            keepdims,
            seed,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test("equal the scalar loop bit for bit: column reductions (the vector path), with partial lanes", () => {
    let vectorised = 0;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 2, max: 7 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 4, max: 13 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        op,
        kind,
        fc.integer({ min: 1, max: 1e6 }),
        (lead, last, pick, o, k, seed) => {
          const axes = lead.map((_, d) => d).filter((d) => pick[d] || d === 0);
          vectorised += runCase([...lead, last], axes, o, k, false, seed);
        },
      ),
      { numRuns: 200 },
    );
    expect(vectorised).toBeGreaterThan(150);
  });
});
