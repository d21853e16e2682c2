/**
 * Fuzzing of invalid calls: random np/nn calls and transforms with arguments that are often
 * wrong — shapes that do not broadcast or contract, axes out of range, unknown dtypes, values of
 * the wrong JS type, out-of-range indices — either return an array or raise an `AxleError`
 * (whose message names the operation); never a `TypeError`/`RangeError` from deep inside, never
 * a hang. `npm run fuzz -- --runs N` runs longer (AXLE_FUZZ_RUNS).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { Array as AxArray, AxleError, grad, jit, nn, np, vmap } from "../../src/index.js";
import {
  broadcast,
  dotShape,
  matmulShape,
  reduceShape,
  type Shape,
  shapeOf,
  squeezeShape,
  takeShape,
  transposeShape,
} from "./shape-oracle.js";
import { tally } from "./tally.js";

const RUNS = Number(process.env.AXLE_FUZZ_RUNS ?? 300);
const count = tally("invalid calls");

const shapes = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
const dtypes = fc.constantFrom("float32", "float64", "int32", "uint32", "bool", "float16", "", "int64");

/** A value a user might pass where an array is expected: arrays, numbers, and wrong things. */
const values = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(shapes, fc.constantFrom("float32", "int32", "bool", "float64"))
      .map(([s, d]) => np.ones(s, d as "float32")),
  },
  { weight: 2, arbitrary: fc.double({ noNaN: false }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>("x", null, undefined, {}, [1, [2]], [], true, Number.NaN, 2 ** 40, -1) },
);
const axes = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constant(1.5),
  fc.constant(null),
  fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 3 }),
);

/** A call, and the shape NumPy's rule gives its result when it returns (null: not modelled). */
type Call = { name: string; run: () => unknown; shape: () => Shape | null };

// biome-ignore lint/suspicious/noExplicitAny: the fuzzer calls the API the way untyped JS would
const loose = (f: unknown) => f as (...a: any[]) => unknown;

const calls: fc.Arbitrary<Call> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        "add",
        "multiply",
        "divide",
        "power",
        "maximum",
        "less",
        "where",
        "matmul",
        "dot",
        "remainder",
        "logaddexp",
      ),
      values,
      values,
      values,
    )
    .map(([n, a, b, c]) => ({
      name: `np.${n}`,
      run: () => (n === "where" ? loose(np.where)(a, b, c) : loose((np as Record<string, unknown>)[n])(a, b)),
      shape: () =>
        n === "where"
          ? broadcast(shapeOf(a), shapeOf(b), shapeOf(c))
          : n === "matmul"
            ? matmulShape(shapeOf(a), shapeOf(b))
            : n === "dot"
              ? dotShape(shapeOf(a), shapeOf(b))
              : broadcast(shapeOf(a), shapeOf(b)),
    })),
  fc
    .tuple(fc.constantFrom("sum", "mean", "max", "argmax", "logsumexp", "var", "cumsum", "squeeze", "flip"), values, axes)
    .map(([n, a, ax]) => ({
      name: `np.${n}`,
      run: () => loose((np as Record<string, unknown>)[n])(a, ax),
      shape: () => {
        const s = shapeOf(a);
        if (n === "squeeze") return squeezeShape(s, ax);
        if (n === "flip") return ax === null || reduceShape(s, ax) !== null ? s : null; // same shape for valid axes
        if (n === "cumsum") return typeof ax === "number" && reduceShape(s, ax) !== null ? s : null;
        if (n === "argmax" && typeof ax !== "number" && ax !== null) return null; // one axis only
        return reduceShape(s, ax);
      },
    })),
  fc.tuple(values, shapes).map(([a, s]) => ({ name: "np.reshape", run: () => loose(np.reshape)(a, s), shape: () => s })),
  fc.tuple(values, shapes).map(([a, s]) => ({
    name: "np.broadcastTo",
    run: () => loose(np.broadcastTo)(a, s),
    shape: () => s,
  })),
  fc.tuple(values, axes).map(([a, p]) => ({
    name: "np.transpose",
    run: () => loose(np.transpose)(a, p),
    shape: () => transposeShape(shapeOf(a), p),
  })),
  fc.tuple(values, dtypes).map(([a, d]) => ({ name: "astype", run: () => loose(np.astype)(a, d), shape: () => shapeOf(a) })),
  fc.tuple(shapes, dtypes).map(([s, d]) => ({ name: "np.zeros", run: () => loose(np.zeros)(s, d), shape: () => s })),
  fc.tuple(values, values, axes).map(([a, i, ax]) => ({
    name: "np.take",
    run: () => loose(np.take)(a, i, ax),
    shape: () => takeShape(shapeOf(a), shapeOf(i), ax),
  })),
  fc.tuple(values, values).map(([a, b]) => ({
    name: "np.concatenate",
    run: () => loose(np.concatenate)([a, b], 0),
    shape: () => {
      const [x, y] = [shapeOf(a), shapeOf(b)];
      if (x === null || y === null || x.length === 0 || x.length !== y.length) return null;
      return x.slice(1).join() === y.slice(1).join() ? [x[0] + y[0], ...x.slice(1)] : null;
    },
  })),
  fc.tuple(values, fc.integer({ min: -2, max: 3 })).map(([a, w]) => ({
    name: "np.pad",
    run: () => loose(np.pad)(a, w),
    shape: () => shapeOf(a)?.map((d) => d + 2 * w) ?? null,
  })),
  fc.tuple(values, values).map(([a, b]) => ({
    name: "nn.softmaxCrossEntropy",
    run: () => loose(nn.softmaxCrossEntropy)(a, b),
    shape: () => null,
  })),
  fc.tuple(values, axes).map(([a, ax]) => ({ name: "nn.softmax", run: () => loose(nn.softmax)(a, ax), shape: () => shapeOf(a) })),
  fc.tuple(values, values).map(([a, b]) => ({
    name: "jit(matmul)",
    run: () => loose(jit(loose(np.matmul)))(a, b),
    shape: () => matmulShape(shapeOf(a), shapeOf(b)),
  })),
  fc.tuple(values).map(([a]) => ({
    name: "grad(sum∘tanh)",
    run: () => loose(grad((x: AxArray) => np.sum(np.tanh(x))))(a),
    shape: () => shapeOf(a),
  })),
  fc.tuple(values, axes).map(([a, ax]) => ({
    name: "vmap(sum)",
    run: () =>
      loose(
        vmap(
          loose((x: AxArray) => np.sum(x)),
          { inAxes: ax as number },
        ),
      )(a),
    shape: () => {
      const s = shapeOf(a);
      const k = typeof ax === "number" && s !== null ? reduceShape(s, ax) : null;
      return k === null || s === null ? null : [s[(ax as number) < 0 ? (ax as number) + s.length : (ax as number)]];
    },
  })),
);

describe("fuzzing invalid calls", () => {
  test(`random calls either return arrays or raise an AxleError naming the operation (${RUNS} calls)`, () => {
    let raised = 0;
    let returned = 0;
    let checkedShapes = 0;
    fc.assert(
      fc.property(calls, (c) => {
        let out: unknown;
        try {
          out = c.run();
        } catch (e) {
          if (!(e instanceof AxleError)) {
            throw new Error(
              `${c.name} raised ${(e as Error)?.name}: ${(e as Error)?.message} — every invalid call must raise an AxleError`,
            );
          }
          expect(e.message.length).toBeGreaterThan(10);
          raised++;
          count("raised an AxleError");
          return;
        }
        returned++;
        count("returned an array");
        // A value that came back must be a well-formed array (or a tree of them).
        const leaves = out instanceof AxArray ? [out] : Object.values(out as object);
        for (const l of leaves) {
          if (!(l instanceof AxArray)) continue;
          expect(l.size).toBe(l.shape.reduce((x, y) => x * y, 1));
          expect(l.data().length).toBe(l.size);
        }
        // …of the shape NumPy's rule gives (when the oracle models these arguments)
        const want = c.shape();
        if (want !== null && out instanceof AxArray) {
          expect(out.shape, `${c.name} returned ${out.aval.str()}; NumPy's rule gives [${want.join(", ")}]`).toEqual([...want]);
          checkedShapes++;
          count("result shapes equal to NumPy's rule");
        }
      }),
      { numRuns: RUNS },
    );
    // Both outcomes occur: the generator is not all-valid nor all-invalid (a test of the test).
    expect(raised).toBeGreaterThan(0);
    expect(returned).toBeGreaterThan(0);
    expect(checkedShapes).toBeGreaterThan(returned / 4);
  });
});
