/** matmul, dot, outer, einsum against triple loops. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, grad, np, ShapeError, vmap } from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";
import {
  broadcastShapesArb,
  castAll,
  dataArb,
  fromRef,
  matmulRef,
  mismatch,
  type Ref,
  type RefDType,
  reduceRef,
  shapeArb,
  sumList,
  toRef,
  transposeRef,
} from "../helpers/reference.js";

const valArb = fc.integer({ min: -16, max: 16 }).map((k) => k / 4);
const dim = fc.integer({ min: 1, max: 4 });

/** Operands for matmul: batched with broadcast batch dims, or 1-D on either side. */
const matmulArb = fc
  .tuple(broadcastShapesArb(2, 2), dim, dim, dim, fc.constantFrom("mm", "vm", "mv", "vv"))
  .chain(([[ba, bb], m, k, n, kind]) => {
    const sa = kind[0] === "v" ? [k] : [...ba, m, k];
    const sb = kind[1] === "v" ? [k] : [...bb, k, n];
    return fc.tuple(dataArb(sa, valArb), dataArb(sb, valArb), fc.constantFrom<RefDType>("float32", "float64", "int32"));
  });

const asRef = (x: { shape: readonly number[]; data(): ArrayLike<number> }) => ({ shape: x.shape, data: x.data() });

describe("matmul", () => {
  test("matches a triple loop (batched, broadcast batch, 1-D operands)", () => {
    fc.assert(
      fc.property(matmulArb, ([a, b, d]) => {
        const out = np.matmul(fromRef(a, d), fromRef(b, d));
        expect(out.dtype).toBe(d);
        // Values are multiples of 1/4 and small, so float32 products and sums are exact.
        expect(mismatch(asRef(out), castAll(matmulRef(castAll(a, d), castAll(b, d)), d))).toBeNull();
        expect(mismatch(asRef(fromRef(a, d).matmul(fromRef(b, d))), toRef(out))).toBeNull();
      }),
      { numRuns: 80 },
    );
  });

  test("contraction mismatch names both operands and the inner dims", () => {
    const call = () => np.matmul(np.ones([15, 64]), np.ones([32, 1]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow("matmul: cannot contract f32[15,64] with f32[32,1]: inner dimensions 64 and 32 differ");
  });

  test("incompatible batch dims and scalars are errors", () => {
    expect(() => np.matmul(np.ones([2, 3, 4]), np.ones([5, 4, 2]))).toThrow(
      "matmul: the batch dimensions [2] of f32[2,3,4] and [5] of f32[5,4,2] cannot be broadcast together",
    );
    expect(() => np.matmul(np.ones([]), np.ones([2]))).toThrow("matmul: operands must have at least one dimension");
  });

  test("errors show the shapes the user passed, not the internal matrices of 1-D operands", () => {
    expect(() => np.matmul(np.ones([4, 2]), np.ones([3]))).toThrow(
      "matmul: cannot contract f32[4,2] with f32[3]: inner dimensions 2 and 3 differ " +
        "(the last axis of the first must equal the length of the second vector)",
    );
    expect(() => np.matmul(np.ones([3]), np.ones([2, 4]))).toThrow(
      "matmul: cannot contract f32[3] with f32[2,4]: inner dimensions 3 and 2 differ " +
        "(the length of the first vector must equal the second-to-last axis of the second)",
    );
    expect(() => np.dot(np.ones([2, 3]), np.ones([4]))).toThrow("dot: cannot contract f32[2,3] with f32[4]");
    expect(() => np.tensordot(np.ones([2, 3]), np.ones([4, 5]), 1)).toThrow(
      "tensordot: cannot contract f32[2,3] and f32[4,5]: axis 1 of the first has size 3 but axis 0 of the second has size 4",
    );
    expect(() => np.tensordot(np.ones([2, 3]), np.ones([3, 2]), [[0], [0, 1]])).toThrow(
      "tensordot: axes [[0],[0,1]] name 1 axes of the first operand but 2 of the second",
    );
    expect(() => np.tensordot(np.ones([2]), np.ones([2]), 2)).toThrow(
      "tensordot: axes=2 must be an integer from 0 to the smaller rank (1)",
    );
  });

  test("bool operands contract as in JAX: true where some pair is true in both", () => {
    const a = np.array([
      [true, false],
      [false, false],
    ]);
    const b = np.array([true, true]);
    const out = np.matmul(a, b);
    expect(out.dtype).toBe("bool");
    expect(out.toArray()).toEqual([true, false]);
    expect(np.einsum("ij,j->i", a, b).toArray()).toEqual([true, false]);
  });

  test("mixed dtypes promote", () => {
    expect(np.matmul(np.ones([2, 2], "int32"), np.ones([2, 2], "float64")).dtype).toBe("float64");
  });
});

describe("dot, outer, einsum", () => {
  const mat = (r: number, c: number) => dataArb([r, c], valArb);

  test("dot: vector·vector, matrix·vector, matrix·matrix, scalar", () => {
    fc.assert(
      fc.property(
        fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(mat(m, k), mat(k, n), dataArb([k], valArb))),
        ([a, b, v]) => {
          const A = fromRef(a);
          expect(mismatch(asRef(np.dot(A, fromRef(b))), matmulRef(a, b))).toBeNull();
          expect(mismatch(asRef(np.dot(A, fromRef(v))), matmulRef(a, v))).toBeNull();
          expect(np.dot(fromRef(v), fromRef(v)).item()).toBe(sumList(v.data.map((x) => x * x)));
          expect(mismatch(asRef(np.dot(A, np.array(2))), { shape: a.shape, data: a.data.map((x) => 2 * x) })).toBeNull();
        },
      ),
      { numRuns: 40 },
    );
    expect(() => np.dot(np.ones([2, 3]), np.ones([2]))).toThrow(
      "dot: cannot contract f32[2,3] with f32[2]: dimensions 3 and 2 differ",
    );
  });

  test("outer flattens both inputs", () => {
    fc.assert(
      fc.property(
        shapeArb(2, 1, 3).chain((s) => dataArb(s, valArb)),
        shapeArb(2, 1, 3).chain((s) => dataArb(s, valArb)),
        (a, b) => {
          const out = np.outer(fromRef(a), fromRef(b));
          const data = a.data.flatMap((x) => b.data.map((y) => x * y));
          expect(mismatch(asRef(out), { shape: [a.data.length, b.data.length], data })).toBeNull();
        },
      ),
      { numRuns: 30 },
    );
  });

  test('einsum "ij,jk->ik", "bij,bjk->bik", "i,i->", "ij->ji"', () => {
    const arb = fc
      .tuple(dim, dim, dim, dim)
      .chain(([bt, m, k, n]) =>
        fc.tuple(
          mat(m, k),
          mat(k, n),
          dataArb([bt, m, k], valArb),
          dataArb([bt, k, n], valArb),
          dataArb([k], valArb),
          dataArb([k], valArb),
        ),
      );
    fc.assert(
      fc.property(arb, ([a, b, ba, bb, u, v]) => {
        expect(mismatch(asRef(np.einsum("ij,jk->ik", fromRef(a), fromRef(b))), matmulRef(a, b))).toBeNull();
        expect(mismatch(asRef(np.einsum("bij,bjk->bik", fromRef(ba), fromRef(bb))), matmulRef(ba, bb))).toBeNull();
        const inner = sumList(u.data.map((x, i) => x * v.data[i]));
        const ui = np.einsum("i,i->", fromRef(u), fromRef(v));
        expect(ui.shape).toEqual([]);
        expect(ui.item()).toBe(inner);
        expect(mismatch(asRef(np.einsum("ij->ji", fromRef(a))), transposeRef(a, [1, 0]))).toBeNull();
        // A summed-out index that only one operand has.
        const rowSums: Ref = reduceRef(a, [1], sumList);
        expect(mismatch(asRef(np.einsum("ij->i", fromRef(a))), rowSums)).toBeNull();
      }),
      { numRuns: 40 },
    );
  });

  /** Σ over every assignment of the labels of the product of the operands' entries (a brute-force oracle). */
  function einsumRef(inputs: string[], out: string, refs: Ref[]): Ref {
    const size = new Map<string, number>();
    inputs.forEach((s, k) => [...s].forEach((c, i) => size.set(c, refs[k].shape[i])));
    const labels = [...size.keys()];
    const shape = [...out].map((c) => size.get(c) as number);
    const data = new globalThis.Array<number>(shape.reduce((a, b) => a * b, 1)).fill(0);
    const total = labels.reduce((a, c) => a * (size.get(c) as number), 1);
    for (let t = 0; t < total; t++) {
      const at = new Map<string, number>();
      let rest = t;
      for (const c of labels) {
        const n = size.get(c) as number;
        at.set(c, rest % n);
        rest = Math.floor(rest / n);
      }
      const flat = (s: string, dims: readonly number[]) => [...s].reduce((a, c, i) => a * dims[i] + (at.get(c) as number), 0);
      const term = inputs.reduce((p, s, k) => p * refs[k].data[flat(s, refs[k].shape)], 1);
      data[flat(out, shape)] += term;
    }
    return { shape, data };
  }

  // [spec, its explicit output]: traces, diagonals, implicit outputs, three operands.
  const einsumCases: [string, string][] = [
    ["ii->", ""],
    ["ii->i", "i"],
    ["ii", ""],
    ["iij->j", "j"],
    ["iji->ij", "ij"],
    ["iii->i", "i"],
    ["ij,jk", "ik"],
    ["ji", "ij"],
    ["ij,jk->", ""],
    ["i,j", "ij"],
    ["ba,ab", ""],
    ["ij,jk,kl->il", "il"],
    ["ii,ij->j", "j"],
    ["i,i,i->i", "i"],
    ["bij,bjk", "ik"], // implicit: b appears twice, so it is summed (as in NumPy)
    ["ijk->kji", "kji"],
    ["Ab,bA->A", "A"],
  ];

  test.each(einsumCases)('einsum "%s" matches a brute-force sum over its labels', (spec, out) => {
    const inputs = spec.split("->")[0].split(",");
    const letters = [...new Set(inputs.join(""))];
    const arb = fc.tuple(...letters.map(() => dim)).chain((sizes) =>
      fc.tuple(
        ...inputs.map((s) =>
          dataArb(
            [...s].map((c) => sizes[letters.indexOf(c)]),
            valArb,
          ),
        ),
      ),
    );
    fc.assert(
      fc.property(arb, (refs) => {
        const got = np.einsum(spec, ...refs.map((r) => fromRef(r, "float64")));
        expect(mismatch(asRef(got), einsumRef(inputs, out, refs))).toBeNull();
      }),
      { numRuns: 15 },
    );
  });

  test("einsum traces and diagonals are differentiable (the gradient of a trace is the identity)", () => {
    const a = np.array(
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ],
      "float64",
    );
    expect(grad((x: Array) => np.einsum("ii->", x))(a).toArray()).toEqual(np.eye(3, 3, 0, "float64").toArray());
    checkGrads((x: Array) => np.einsum("ii->i", x), [a], { order: 2 });
    checkGrads((x: Array, y: Array) => np.einsum("ij,jk,kl", x, y, x), [a, a.mul(0.5)], { order: 1 });
    expect(vmap((x: Array) => np.einsum("ii", x))(np.stack([a, a.mul(2)])).toArray()).toEqual([15, 30]);
    expect(np.einsum("ii", np.zeros([0, 0])).item()).toBe(0);
  });

  test("einsum errors", () => {
    expect(() => np.einsum("ij;jk", np.ones([2, 2]), np.ones([2, 2]))).toThrow('einsum: cannot parse "ij;jk"');
    expect(() => np.einsum("...i->i", np.ones([2, 2]))).toThrow('the "..." ellipsis is not supported');
    expect(() => np.einsum("ij,jk->ik", np.ones([2, 3]), np.ones([2, 2]))).toThrow(
      "einsum: index j has size 3 in operand 0 (f32[2,3]) but 2 in operand 1 (f32[2,2])",
    );
    expect(() => np.einsum("i->ii", np.ones([2]))).toThrow("einsum: output index i appears more than once");
    expect(() => np.einsum("ij", np.ones([2]))).toThrow('einsum: operand 0 is f32[2] but "ij" has 2 indices');
    expect(() => np.einsum("ij->ik", np.ones([2, 3]))).toThrow("einsum: output index k does not appear in the inputs");
  });
});
