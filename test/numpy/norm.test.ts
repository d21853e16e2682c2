/** np.linalg.norm against loops over the reduced axes: vector and matrix orders, axis, keepdims, gradients. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, AxisError, grad, jit, np, ValueError, vmap } from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";
import { dataArb, fromRef, mismatch, type Ref, reduceRef, shapeArb } from "../helpers/reference.js";

const asRef = (x: Array) => ({ shape: x.shape, data: x.data() });
const values = fc.integer({ min: -12, max: 12 }).map((k) => k / 4);
const arrArb = (minRank: number) =>
  shapeArb(4, 1, 3)
    .filter((s) => s.length >= minRank)
    .chain((s) => dataArb(s, values));

const vectorRef: [number | null, (v: number[]) => number][] = [
  [null, (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0))],
  [2, (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0))],
  [1, (v) => v.reduce((a, x) => a + Math.abs(x), 0)],
  [Infinity, (v) => Math.max(0, ...v.map(Math.abs))],
  [-Infinity, (v) => Math.min(...v.map(Math.abs))],
  [0, (v) => v.filter((x) => x !== 0).length],
  [3, (v) => v.reduce((a, x) => a + Math.abs(x) ** 3, 0) ** (1 / 3)],
  [0.5, (v) => v.reduce((a, x) => a + Math.abs(x) ** 0.5, 0) ** 2],
];

/** ‖x‖ for matrix orders: reduce `first` with f, then `second` with g (as index loops). */
function matrixRef(r: Ref, rows: number, cols: number, ord: number | "fro" | null, keepdims: boolean): Ref {
  const sumAbs = (v: number[]) => v.reduce((a, x) => a + Math.abs(x), 0);
  if (ord === null || ord === "fro")
    return reduceRef(r, [rows, cols], (v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0)), keepdims);
  const [first, second] = ord === 1 || ord === -1 ? [rows, cols] : [cols, rows];
  const ext = ord > 0 ? (v: number[]) => Math.max(...v) : (v: number[]) => Math.min(...v);
  const inner = reduceRef(r, [first], sumAbs, true);
  const out = reduceRef(inner, [second], ext, true);
  return keepdims ? out : { shape: r.shape.filter((_, i) => i !== rows && i !== cols), data: out.data };
}

describe("linalg.norm", () => {
  test("vector norms over one axis match loops for every ord, with and without keepdims", () => {
    fc.assert(
      fc.property(arrArb(1), fc.nat(), fc.boolean(), (r, k, keepdims) => {
        const axis = k % r.shape.length;
        const x = fromRef(r, "float64");
        for (const [ord, f] of vectorRef) {
          const want = reduceRef(r, [axis], f, keepdims);
          const got = np.linalg.norm(x, ord, axis - (k % 2) * r.shape.length, { keepdims });
          expect(mismatch(asRef(got), want, 1e-12, 1e-12), `ord ${ord}`).toBeNull();
        }
      }),
      { numRuns: 40 },
    );
  });

  test("matrix norms over two axes (in the order given) match loops", () => {
    fc.assert(
      fc.property(arrArb(2), fc.nat(), fc.nat(), fc.boolean(), (r, i, j, keepdims) => {
        const n = r.shape.length;
        const rows = i % n;
        const cols = (rows + 1 + (j % (n - 1))) % n;
        const x = fromRef(r, "float64");
        for (const ord of [null, "fro", 1, -1, Infinity, -Infinity] as const) {
          const got = np.linalg.norm(x, ord, [rows, cols], { keepdims });
          expect(mismatch(asRef(got), matrixRef(r, rows, cols, ord, keepdims), 1e-12, 1e-12), `ord ${ord}`).toBeNull();
        }
      }),
      { numRuns: 40 },
    );
  });

  test("defaults: the 2-norm of all elements (any rank); a 2-D array with an ord is a matrix norm", () => {
    expect(np.linalg.norm(np.array([3, 4])).item()).toBe(5);
    const k = np.linalg.norm(np.ones([2, 2, 2]), null, undefined, { keepdims: true });
    expect(k.shape).toEqual([1, 1, 1]);
    expect(k.item()).toBe(Math.fround(Math.sqrt(8)));
    const m = np.array([
      [1, -2],
      [3, 4],
    ]);
    expect(np.linalg.norm(m, 1).item()).toBe(6);
    expect(np.linalg.norm(m, Infinity).item()).toBe(7);
    expect(np.linalg.norm(np.array([1, 2], "int32")).dtype).toBe("float32");
    expect(np.linalg.norm(np.array([1, 2], "float64"), 0).dtype).toBe("float64");
  });

  test("empty axes: the inf-norm is 0 (JAX's initial=0); the -inf norm has no value", () => {
    expect(np.linalg.norm(np.zeros([0]), Infinity).item()).toBe(0);
    expect(np.linalg.norm(np.zeros([2, 0]), Infinity, 1).toArray()).toEqual([0, 0]);
    expect(np.linalg.norm(np.zeros([0])).item()).toBe(0);
    expect(() => np.linalg.norm(np.zeros([0]), -Infinity)).toThrow(ValueError);
  });

  test("bad orders and axes are errors naming them", () => {
    const m = np.ones([2, 2]);
    expect(() => np.linalg.norm(m, 2)).toThrow("linalg.norm: the matrix 2-norm needs singular values");
    expect(() => np.linalg.norm(m, 3)).toThrow('linalg.norm: invalid order 3 for a matrix norm; use "fro", 1, -1');
    expect(() => np.linalg.norm(np.ones([3]), "fro")).toThrow('"fro" is a matrix norm');
    expect(() => np.linalg.norm(np.ones([2, 2, 2]), 1)).toThrow("linalg.norm: 3 axes of f32[2,2,2] given with ord=1");
    expect(() => np.linalg.norm(m, null, [0, 0])).toThrow(AxisError);
    expect(() => np.linalg.norm(m, null, 2)).toThrow(AxisError);
  });

  test("gradients: x / ‖x‖ away from 0, and NaN at the zero vector as in JAX (0/0)", () => {
    const f = (x: Array) => np.linalg.norm(x);
    const g = grad(f)(np.array([3, 4], "float64")).data();
    expect(g[0]).toBeCloseTo(0.6, 14);
    expect(g[1]).toBeCloseTo(0.8, 14);
    expect(globalThis.Array.from(grad(f)(np.zeros([3])).data()).every(Number.isNaN)).toBe(true);
    const x = np.array(
      [
        [0.5, -1.25, 2],
        [1, 0.75, -0.5],
      ],
      "float64",
    );
    for (const ord of [null, 1, Infinity, 3] as const) {
      checkGrads((y: Array) => np.linalg.norm(y, ord, 1), [x], { order: 2 });
    }
    checkGrads((y: Array) => np.linalg.norm(y, "fro"), [x], { order: 2 });
  });

  test("jit and vmap agree with eager", () => {
    const x = np.array([
      [3, 4],
      [-5, 12],
    ]);
    const f = (y: Array) => np.linalg.norm(y, 1, -1);
    expect(jit(f)(x).toArray()).toEqual(f(x).toArray());
    expect(vmap((y: Array) => np.linalg.norm(y))(x).toArray()).toEqual([5, 13]);
  });
});
