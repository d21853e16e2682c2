/**
 * Whole programs exported and run in ONNX Runtime against axle: a scan training epoch (XOR), a
 * cond, per-example gradients (vmap of grad), a while loop, PRNG bits, integer edge cases; and
 * the exporter's naming, initializers and refusals.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { exportOnnx, ONNX_OPSET } from "../../src/export/onnx/index.js";
import { type Array, cond, grad, jit, nn, np, random, scan, switchCase, tree, vmap, whileLoop } from "../../src/index.js";
import { shiftRightLogical } from "../../src/primitives/random-bits.js";
import { maxDiff, RUNTIMES, type Runtime, runOnnx, values } from "./ort.js";

/** Export `f` at `args` (inputs named a0, a1…), run it, and compare every output leaf with axle. */
let runtime: Runtime = "node";

async function expectSame(f: (...a: never[]) => unknown, args: unknown[], tol = 1e-5) {
  const names = args.map((_, i) => `a${i}`);
  const model = exportOnnx(f as (...a: unknown[]) => unknown, args, { argNames: names });
  const feeds = args.flatMap((a, i) => tree.leavesWithPath(a).map(([p, l]) => [tree.keyPathString(p, names[i]), l as Array]));
  const got = await runOnnx(model, Object.fromEntries(feeds), runtime);
  const out = jit(f as (...a: unknown[]) => unknown)(...args);
  const leaves = tree.leavesWithPath(out);
  expect(Object.keys(got).length).toBe(leaves.length);
  let worst = 0;
  for (const [path, leaf] of leaves) {
    const name = path.length === 0 ? "out" : path[0].kind === "key" ? tree.keyPathString(path) : tree.keyPathString(path, "out");
    const w = leaf as Array;
    expect(got[name].dims, name).toEqual([...w.shape]);
    worst = Math.max(worst, maxDiff(got[name].data, values(w)));
  }
  expect(worst).toBeLessThanOrEqual(tol);
  return worst;
}

const X = np.array([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
]);
const Y = np.array([0, 1, 1, 0]);

interface P {
  w1: Array;
  b1: Array;
  w2: Array;
  b2: Array;
}
const params0 = (): P => {
  const [k1, k2] = random.split(random.key(3), 2);
  return { w1: random.normal(k1, [2, 4]), b1: np.zeros([4]), w2: random.normal(k2, [4]), b2: np.zeros([]) };
};
const forward = (p: P, x: Array) => nn.sigmoid(np.add(np.matmul(nn.tanh(np.add(np.matmul(x, p.w1), p.b1)), p.w2), p.b2));
const exLoss = (p: P, x: Array, y: Array) => np.square(np.subtract(forward(p, x), y));

describe.each(RUNTIMES)("programs run in ONNX Runtime (%s) as in axle", (rt) => {
  beforeAll(() => {
    runtime = rt;
  });
  test(`models declare opset ${ONNX_OPSET}`, () => {
    expect(ONNX_OPSET).toBe(18);
  });

  test("a scan over the XOR examples (one SGD epoch, per-example updates) → Loop", async () => {
    const epoch = (p: P, x: Array, y: Array) =>
      scan(
        (c: P, [xi, yi]: [Array, Array]) => {
          const g = grad(exLoss)(c, xi, yi);
          return [tree.map((a: Array, b: Array) => np.subtract(a, np.multiply(b, 0.5)), c, g) as P, exLoss(c, xi, yi)] as const;
        },
        p,
        [x, y],
      );
    const p = params0();
    const model = exportOnnx(epoch, [p, X, Y], { argNames: ["params", "x", "y"] });
    const feeds = Object.fromEntries([
      ...tree.leavesWithPath(p).map(([path, l]) => [tree.keyPathString(path, "params"), l as Array]),
      ["x", X],
      ["y", Y],
    ]);
    const got = await runOnnx(model, feeds, runtime);
    const [pw, losses] = jit(epoch)(p, X, Y);
    expect(maxDiff(got["out[1]"].data, values(losses))).toBeLessThan(1e-5);
    expect(maxDiff(got["out[0].w1"].data, values(pw.w1))).toBeLessThan(1e-5);
  });

  test("a reverse scan stacks its outputs in index order", async () => {
    const f = (x: Array) => scan((c: Array, xi: Array) => [c.add(xi), c.mul(xi)] as const, np.zeros([2]), x, { reverse: true });
    await expectSame(f, [np.arange(12).reshape([6, 2]).astype("float32")]);
  });

  test("cond and a 3-way switch pick the branch of a runtime index → If", async () => {
    const f = (i: Array, x: Array) => ({
      c: cond(
        i.gt(0),
        (v: Array) => np.sin(v),
        (v: Array) => np.cos(v).mul(2),
        x,
      ),
      s: switchCase(i, [(v: Array) => v.add(1), (v: Array) => v.mul(3), (v: Array) => np.exp(v)], x),
    });
    const x = np.array([0.5, -1, 2]);
    for (const i of [-2, 0, 1, 2, 7]) await expectSame(f, [np.array(i, "int32"), x]);
  });

  test("vmap(grad): per-example gradients of the XOR loss", async () => {
    const perExample = (p: P, x: Array, y: Array) => vmap((xi: Array, yi: Array) => grad(exLoss)(p, xi, yi))(x, y);
    await expectSame(perExample, [params0(), X, Y]);
  });

  test("vmap of scatter_add (batch dims) and of gather, in every index mode but raise", async () => {
    const x = np.arange(24).reshape([2, 3, 4]).astype("float32");
    const idx = np.array(
      [
        [0, 3, 3, -1, 7],
        [2, 2, -4, 1, 0],
      ],
      "int32",
    );
    for (const mode of ["clip", "fill", "wrap"] as const) {
      // grad of a per-example take is a batched scatter_add.
      const g = (t: Array, i: Array) =>
        vmap((ti: Array, ii: Array) => grad((u: Array) => np.sum(np.take(u, ii, 1, { mode }).mul(np.arange(5))))(ti))(t, i);
      await expectSame(g, [x, idx], 1e-6);
      const take = (t: Array, i: Array) => vmap((ti: Array, ii: Array) => np.take(ti, ii, 1, { mode }))(t, i);
      await expectSame(take, [x, idx], 0);
    }
  });

  test("a while loop with a data-dependent trip count → Loop", async () => {
    const f = (x: Array) =>
      whileLoop(
        (c: [Array, Array]) => c[0].lt(100),
        ([v, n]: [Array, Array]): [Array, Array] => [v.mul(2), n.add(1)],
        [x, np.array(0, "int32")],
      );
    await expectSame(f, [np.array(3)]);
  });

  test("threefry random bits are axle's, bit for bit", async () => {
    await expectSame((k: Array) => random.bits(k, [5, 3]), [random.key(1234)], 0);
    await expectSame((k: Array) => random.uniform(k, [4, 4]), [random.key(99)], 0);
  });

  test("integer edge cases: division by zero, INT32_MIN / -1, saturating casts, long shifts", async () => {
    const a = np.array([7, -7, -(2 ** 31), 5, 0], "int32");
    const b = np.array([0, 2, -1, -3, 0], "int32");
    await expectSame((x: Array, y: Array) => ({ q: np.floorDivide(x, y), r: np.fmod(x, y), t: x.div(y) }), [a, b], 0);
    const f = np.array([Number.NaN, 3e9, -3e9, -2.7, 2.7, 4294967295, Number.POSITIVE_INFINITY], "float32");
    await expectSame((x: Array) => ({ i: x.astype("int32"), u: x.astype("uint32"), b: x.astype("bool") }), [f], 0);
    const u = np.array([1, 2 ** 31, 0xffffffff, 12345], "uint32");
    const s = np.array([0, 31, 32, 40], "uint32");
    await expectSame((x: Array, n: Array) => shiftRightLogical(x, n), [u, s], 0);
  });
});

describe.each(RUNTIMES)("NaN in ONNX Runtime (%s)", (rt) => {
  beforeAll(() => {
    runtime = rt;
  });
  test("NaN propagates through maximum, minimum, max/min reductions and argmax as in axle", async () => {
    const a = np.array([Number.NaN, 1, 2, Number.NaN, 5, 0]);
    const b = np.array([1, Number.NaN, 3, Number.NaN, 0, 4]);
    const f = (x: Array, y: Array) => ({
      mx: np.maximum(x, y),
      mn: np.minimum(x, y),
      rmax: np.max(y),
      rmin: np.min(y),
      rows: np.min(np.stack([x, y]), 1),
      am: np.argmax(y),
      an: np.argmin(np.stack([b, a]), 1),
    });
    await expectSame(f, [a, b], 0);
  });
});

describe.each(RUNTIMES)("integer dtypes in ONNX Runtime (%s)", (rt) => {
  beforeAll(() => {
    runtime = rt;
  });
  for (const dtype of ["int32", "uint32"] as const) {
    test(`${dtype}: arithmetic wraps, comparisons, reductions, argmax, matmul, select as in axle`, async () => {
      const a = np
        .array(
          [
            [7, 4000000000, 3],
            [0, 1, 2 ** 31 + 5],
          ],
          "float64",
        )
        .astype(dtype);
      const b = np
        .array(
          [
            [2, 3, 4000000000],
            [5, 0, 3],
          ],
          "float64",
        )
        .astype(dtype);
      // Small left factors: axle's integer matmul accumulates in float64 (exact below 2^53).
      const c = np
        .array(
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
          "float64",
        )
        .astype(dtype);
      const f = (x: Array, y: Array, z: Array) => ({
        add: x.add(y),
        sub: x.sub(y),
        mul: x.mul(y),
        max: np.maximum(x, y),
        lt: x.lt(y),
        eq: x.eq(y),
        sum: np.sum(x, 1),
        prod: np.prod(y, 0),
        rmax: np.max(x, 0),
        am: np.argmax(x, 1),
        dot: np.matmul(z, y.T),
        sel: np.where(x.gt(y), x, y),
        sq: x.mul(x).mul(x),
        neg: np.negative(x),
        abs: np.abs(x),
        sign: np.sign(x),
      });
      await expectSame(f, [a, b, c], 0);
    });
  }
  for (const dtype of ["bool", "int32", "uint32", "float64"] as const) {
    test(`${dtype}: movements (transpose, reshape, broadcast, slice, pad, rev, concatenate, gather, where)`, async () => {
      const x = np
        .array(
          [
            [1, 0, 3],
            [0, 5, 6],
          ],
          "float64",
        )
        .astype(dtype);
      const f = (v: Array) => ({
        t: v.T,
        r: v.reshape([3, 2]),
        b: np.broadcastTo(np.slice(v, [0, 1]), [4, 1, 3]),
        s: np.slice(v, [0, 2], [2, 0, -1]),
        p: np.pad(v, [
          [1, 0],
          [0, 2],
        ]),
        f: np.flip(v, 1),
        c: np.concatenate([v, v], 0),
        g: np.take(v, np.array([2, 0, 2], "int32"), 1, { mode: "clip" }),
        w: np.where(np.array([true, false, true]), v, np.flip(v, 0)),
      });
      await expectSame(f, [x], 0);
    });
  }

  test("float x^0 is 1 even at NaN and inf", async () => {
    await expectSame((x: Array) => np.power(x, 0), [np.array([Number.NaN, Number.POSITIVE_INFINITY, 0, -2])], 0);
  });
});

describe("exportOnnx names, initializers and refusals", () => {
  test("pytree inputs and outputs are named by key path; closed-over arrays become initializers", async () => {
    const w = np.array([
      [1, 2],
      [3, 4],
    ]);
    const f = (p: { scale: Array }, x: Array) => ({ y: np.matmul(x, w).mul(p.scale), n: np.sum(x) });
    const model = exportOnnx(f, [{ scale: np.array(2) }, np.array([1, 1])], { argNames: ["p", "x"] });
    const got = await runOnnx(model, { "p.scale": np.array(2), x: np.array([1, 1]) });
    expect(got.y.data).toEqual([8, 12]);
    expect(got.n.data).toEqual([2]);
  });

  test("gather in mode raise is refused, naming the primitive and the fix", () => {
    const f = (x: Array, i: Array) => np.take(x, i, 0, { mode: "raise" });
    expect(() => exportOnnx(f, [np.arange(5), np.array([1, 2], "int32")])).toThrow(/'gather'.*"raise".*mode: "clip"/s);
  });

  test("dynamicAxes: a size-dependent program is refused naming the primitive", () => {
    expect(() =>
      exportOnnx((x: Array) => np.mean(x, 0), [np.ones([4, 3])], { argNames: ["x"], dynamicAxes: { x: { 0: "batch" } } }),
    ).toThrow(/dynamicAxes.*depends on the size/s);
    expect(() => exportOnnx((x: Array) => x, [np.ones([4])], { dynamicAxes: { y: { 0: "b" } } })).toThrow(/names input 'y'/);
  });

  test("dynamicAxes: a rule that bakes the example size into the model is refused, naming the primitive", () => {
    // Random bits for every row: threefry's counts are a constant of the example's size.
    const f = (x: Array) => x.add(random.uniform(random.key(0), x.shape));
    expect(() => exportOnnx(f, [np.ones([4, 3])], { argNames: ["x"], dynamicAxes: { x: { 0: "batch" } } })).toThrow(
      /dynamicAxes.*depends on the size/s,
    );
    // A fill-mode gather writes its out-of-bounds mask with the indices' (example) shape.
    const table = np.arange(12).reshape([4, 3]).astype("float32");
    const g = (i: Array) => np.take(table, i, 0, { mode: "fill" });
    expect(() => exportOnnx(g, [np.array([0, 5], "int32")], { argNames: ["i"], dynamicAxes: { i: { 0: "n" } } })).toThrow(
      /primitive 'gather' bakes a size-dependent constant into the model/,
    );
  });

  test("dynamicAxes: a broadcast that follows the dynamic dim runs at other sizes", async () => {
    const f = (x: Array) => nn.relu(x).add(np.ones([3]));
    const model = exportOnnx(f, [np.ones([4, 3])], { argNames: ["x"], dynamicAxes: { x: { 0: "batch" } } });
    const x = np.arange(-6, 9).reshape([5, 3]).astype("float32");
    const got = await runOnnx(model, { x });
    expect(got.out.data).toEqual(values(f(x)));
  });
});
