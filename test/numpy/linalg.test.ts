/** matmul, dot, outer, einsum against triple loops. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { np, ShapeError } from "../../src/index.js";
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
    expect(() => np.matmul(np.ones([2, 3, 4]), np.ones([5, 4, 2]))).toThrow(/matmul: shapes \[2\] and \[5\] cannot be broadcast/);
    expect(() => np.matmul(np.ones([]), np.ones([2]))).toThrow("matmul: operands must have at least one dimension");
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

  test("einsum errors", () => {
    expect(() => np.einsum("ij,jk", np.ones([2, 2]), np.ones([2, 2]))).toThrow('einsum: cannot parse "ij,jk"');
    expect(() => np.einsum("ij,jk->ik", np.ones([2, 3]), np.ones([2, 2]))).toThrow("einsum: index j has sizes 3 and 2");
    expect(() => np.einsum("ij->ik", np.ones([2, 3]))).toThrow("einsum: output index k does not appear in the inputs");
  });
});
