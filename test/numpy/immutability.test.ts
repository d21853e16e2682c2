/** No operation writes to its inputs: every input's data() is unchanged after each op. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Array as AxArray } from "../../src/index.js";
import { np } from "../../src/index.js";
import { dataArb, fromRef, type Ref, type RefDType, shapeArb } from "../helpers/reference.js";

type Op = [string, (x: AxArray, y: AxArray) => unknown];

// y always has x's shape, so every binary op applies; unary ops ignore y.
const OPS: Op[] = [
  ["add", np.add],
  ["subtract", np.subtract],
  ["multiply", np.multiply],
  ["divide", np.divide],
  ["power", (x, y) => np.power(np.abs(x), y)],
  ["maximum", np.maximum],
  ["minimum", np.minimum],
  ["less", np.less],
  ["equal", np.equal],
  ["logicalAnd", np.logicalAnd],
  ["where", (x, y) => np.where(np.greater(x, 0), x, y)],
  ["clip", (x) => np.clip(x, -1, 1)],
  ["negative", np.negative],
  ["abs", np.abs],
  ["exp", np.exp],
  ["sqrt", (x) => np.sqrt(np.abs(x))],
  ["round", np.round],
  ["isnan", np.isnan],
  ["sum", (x) => np.sum(x)],
  ["sum0", (x) => (x.ndim > 0 ? np.sum(x, 0, { keepdims: true }) : x)],
  ["mean", (x) => np.mean(x)],
  ["max", (x) => np.max(x)],
  ["argmax", (x) => np.argmax(x)],
  ["var", (x) => np.var(x)],
  ["logsumexp", (x) => np.logsumexp(x)],
  ["cumsum", (x) => (x.ndim > 0 ? np.cumsum(x) : x)],
  ["reshape", (x) => np.reshape(x, [-1])],
  ["transpose", (x) => np.transpose(x)],
  ["flip", (x) => np.flip(x)],
  ["pad", (x) => np.pad(x, 1)],
  ["slice", (x) => (x.ndim > 0 ? np.slice(x, [null, null, -1]) : x)],
  ["concatenate", (x, y) => (x.ndim > 0 ? np.concatenate([x, y]) : x)],
  ["stack", (x, y) => np.stack([x, y])],
  ["split", (x) => (x.ndim > 0 ? np.split(x, 1) : x)],
  ["take", (x) => (x.size > 0 ? np.take(x, [0, 0]) : x)],
  ["expandDims", (x) => np.expandDims(x, 0)],
  ["broadcastTo", (x) => np.broadcastTo(x, [2, ...x.shape])],
  ["astype", (x) => np.astype(x, "int32")],
  ["matmul", (x, y) => (x.ndim >= 2 ? np.matmul(x, np.swapaxes(y, -1, -2)) : x.ndim === 1 ? np.matmul(x, y) : x)],
  ["outer", np.outer],
  ["isclose", (x, y) => np.isclose(x, y)],
  // Methods on Array and the values readers also must not write.
  ["methods", (x, y) => x.add(y).mul(2).sub(x).div(2).sum()],
  ["data-mutation", (x) => x.data().fill(7)],
  ["toArray", (x) => x.toArray()],
];

const inputArb = fc
  .tuple(shapeArb(3, 1, 3), fc.constantFrom<RefDType>("float32", "float64", "int32"))
  .chain(([s, d]) =>
    fc.tuple(dataArb(s, fc.integer({ min: -4, max: 4 })), dataArb(s, fc.integer({ min: -4, max: 4 })), fc.constant(d)),
  );

describe("operations never mutate their inputs", () => {
  test("random sequences of ops leave every input's values unchanged", () => {
    fc.assert(
      fc.property(inputArb, fc.array(fc.constantFrom(...OPS), { minLength: 1, maxLength: 6 }), ([rx, ry, d], ops) => {
        const x = fromRef(rx, d);
        const y = fromRef(ry, d);
        const before: [AxArray, Ref][] = [
          [x, rx],
          [y, ry],
        ];
        for (const [name, op] of ops) {
          op(x, y);
          for (const [arr, ref] of before) {
            expect(Array.from(arr.data()), `after ${name}`).toEqual(ref.data);
            expect(arr.shape, `after ${name}`).toEqual(ref.shape);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  test("shape arrays are frozen, so callers cannot reshape in place", () => {
    const x = np.ones([2, 3]);
    expect(() => {
      (x.shape as number[])[0] = 5;
    }).toThrow(TypeError);
    expect(x.shape).toEqual([2, 3]);
  });
});
