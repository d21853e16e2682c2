/** vmap: where outAxes put the mapped axis, their errors, and work linear in the number of leaves. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, grad, jit, jvp, np, TransformError, tree, vmap } from "../../src/index.js";
import { shapes } from "../../src/testing/arbitraries/index.js";

const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error");
};

describe("outAxes", () => {
  test("a negative out axis counts from the end of the result (rank + 1): -1 on [3,4] gives [4,3]", () => {
    const x = np.arange(12).reshape([3, 4]);
    const y = vmap((r: Array) => r, { outAxes: -1 })(x);
    expect(y.shape).toEqual([4, 3]);
    expect(y.toArray()).toEqual(x.transpose().toArray());
    expect(vmap((r: Array) => r, { outAxes: -2 })(x).toArray()).toEqual(x.toArray());
    expect(vmap((r: Array) => r.sum(), { outAxes: -1 })(x).toArray()).toEqual(x.sum(1).toArray());
  });

  test("every out axis in -(rank+1)..rank matches stacking the examples there, batched or broadcast outputs", () => {
    const arb = shapes({ minRank: 0, maxRank: 3, minDim: 1, maxDim: 3 }).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        n: fc.integer({ min: 1, max: 3 }),
        to: fc.integer({ min: -(shape.length + 1), max: shape.length }),
      }),
    );
    fc.assert(
      fc.property(arb, ({ shape, n, to }) => {
        const xs = np.arange(n * shape.reduce((a, b) => a * b, 1)).reshape([n, ...shape]);
        const c = np
          .arange(shape.reduce((a, b) => a * b, 1))
          .reshape(shape)
          .add(100);
        const [batched, broadcast] = vmap((x: Array, k: Array) => [x.mul(2), k], { inAxes: [0, null], outAxes: to })(xs, c);
        const axis = to < 0 ? to + shape.length + 1 : to;
        const rows = globalThis.Array.from({ length: n }, (_, i) => np.take(xs, i, 0).mul(2));
        expect(batched.toArray()).toEqual(np.stack(rows, axis).toArray());
        expect(broadcast.toArray()).toEqual(
          np
            .stack(
              rows.map(() => c),
              axis,
            )
            .toArray(),
        );
      }),
      { numRuns: 40 },
    );
  });

  test("an out axis beyond the result's rank is a TransformError naming the output, its rank and the valid range", () => {
    const x = np.ones([3, 4]);
    const e = thrown(() => vmap((r: Array) => r, { outAxes: 2 })(x));
    expect(e).toBeInstanceOf(TransformError);
    expect(e.message).toBe(
      "vmap: outAxes 2 for output (f32[4] per example) is out of range: the result has rank 2, so the mapped axis can go at -2..1",
    );
    const e2 = thrown(() => vmap((r: Array) => ({ a: r, b: r.sum() }), { outAxes: { a: 0, b: 1 } })(x));
    expect(e2).toBeInstanceOf(TransformError);
    expect(e2.message).toContain("outAxes 1 for output.b (f32[] per example) is out of range: the result has rank 1");
    expect(e2.message).toContain("-1..0");
    expect(() => vmap((r: Array) => r, { outAxes: -3 })(x)).toThrow("the mapped axis can go at -2..1");
    expect(() => vmap((r: Array) => r, { outAxes: 0.5 })(x)).toThrow(TransformError);
    // An unmapped (broadcast) output is checked the same way.
    expect(() => vmap((_r: Array, c: Array) => c, { inAxes: [0, null], outAxes: 2 })(x, np.ones([2]))).toThrow(
      "outAxes 2 for output (f32[2] per example) is out of range",
    );
  });
});

describe("vmap over many leaves", () => {
  // A registered node whose flatten counts its calls: the number of tree walks, without timing.
  class Box {
    constructor(readonly v: unknown) {}
  }
  let flattens = 0;
  tree.register(Box, {
    flatten: (b: Box) => {
      flattens++;
      return [[b.v], null] as const;
    },
    unflatten: (_aux: unknown, [v]: unknown[]) => new Box(v),
  });
  const boxes = (n: number) => globalThis.Array.from({ length: n }, () => new Box(np.ones([2, 3], "float64")));
  const total = (t: Box[]) => t.reduce((acc: Array, b) => acc.add((b.v as Array).sum()), np.zeros([], "float64"));
  const walks = (run: (t: Box[]) => unknown, n: number): number => {
    const t = boxes(n);
    flattens = 0;
    run(t);
    return flattens;
  };

  test.each([
    ["vmap", (t: Box[]) => vmap((u: Box[]) => u)(t)],
    ["vmap with a per-leaf inAxes spec", (t: Box[]) => vmap((u: Box[]) => u, { inAxes: [t.map(() => 1)] })(t)],
    ["grad", (t: Box[]) => grad(total)(t)],
    ["jit", (t: Box[]) => jit((u: Box[]) => u)(t)],
    ["jvp", (t: Box[]) => jvp((u: Box[]) => u, [t], [t])],
  ])("%s walks the argument tree a constant number of times per leaf (linear, not quadratic)", (_name, run) => {
    const per50 = walks(run, 50);
    const per200 = walks(run, 200);
    expect(per200).toBe(4 * per50);
    expect(per200).toBeLessThanOrEqual(10 * 200);
  });

  test("errors about one leaf still name its path", () => {
    const t = [...boxes(3), new Box(np.ones([4, 3], "float64"))];
    expect(() => vmap((u: Box[]) => u)(t)).toThrow(
      "the mapped axes have different sizes: argument 0[0][0] (f64[2,3]) has size 2 at axis 0, but argument 0[3][0] (f64[4,3]) has size 4 at axis 0",
    );
  });
});
