/** Every binary np op over random broadcast-compatible shapes, against index-loop references. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Array as AxArray } from "../../src/index.js";
import { jit, np, ShapeError } from "../../src/index.js";
import {
  broadcastShapesArb,
  castAll,
  dataArb,
  fromRef,
  incompatibleShapesArb,
  mapRef,
  mismatch,
  type Ref,
  type RefDType,
  sizeOf,
} from "../helpers/reference.js";

type Binary = (a: AxArray, b: AxArray) => AxArray;

interface Case {
  name: string;
  f: Binary;
  ref: (a: number, b: number) => number;
  /** Result dtype given the promoted input dtype. */
  out: (d: RefDType) => RefDType;
  /** Restrict inputs (e.g. positive bases for power). */
  positiveLeft?: boolean;
  rtol?: number;
}

const same = (d: RefDType): RefDType => d;
const boolOut = (): RefDType => "bool";
const floatOut = (d: RefDType): RefDType => (d === "float64" ? "float64" : "float32");
const b = (x: boolean) => (x ? 1 : 0);

const CASES: Case[] = [
  { name: "add", f: np.add, ref: (x, y) => x + y, out: same },
  { name: "subtract", f: np.subtract, ref: (x, y) => x - y, out: same },
  { name: "multiply", f: np.multiply, ref: (x, y) => x * y, out: same },
  { name: "divide", f: np.divide, ref: (x, y) => x / y, out: floatOut },
  { name: "power", f: np.power, ref: (x, y) => x ** y, out: same, positiveLeft: true, rtol: 1e-6 },
  { name: "maximum", f: np.maximum, ref: Math.max, out: same },
  { name: "minimum", f: np.minimum, ref: Math.min, out: same },
  { name: "equal", f: np.equal, ref: (x, y) => b(x === y), out: boolOut },
  { name: "notEqual", f: np.notEqual, ref: (x, y) => b(x !== y), out: boolOut },
  { name: "less", f: np.less, ref: (x, y) => b(x < y), out: boolOut },
  { name: "lessEqual", f: np.lessEqual, ref: (x, y) => b(x <= y), out: boolOut },
  { name: "greater", f: np.greater, ref: (x, y) => b(x > y), out: boolOut },
  { name: "greaterEqual", f: np.greaterEqual, ref: (x, y) => b(x >= y), out: boolOut },
  { name: "logicalAnd", f: np.logicalAnd, ref: (x, y) => b(x !== 0 && y !== 0), out: boolOut },
  { name: "logicalOr", f: np.logicalOr, ref: (x, y) => b(x !== 0 || y !== 0), out: boolOut },
];

const PROMOTE: Record<string, RefDType> = {
  "float32,float32": "float32",
  "float32,float64": "float64",
  "float32,int32": "float32",
  "float64,float64": "float64",
  "float64,int32": "float64",
  "int32,int32": "int32",
};
const promote2 = (a: RefDType, c: RefDType): RefDType => PROMOTE[[a, c].sort().join(",")];

const dtypeArb = fc.constantFrom<RefDType>("float32", "float64", "int32");
// Small values with many ties (so comparisons see equality), including zero (so divide sees ±inf/NaN).
const valueArb = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.integer({ min: -40, max: 40 }).map((k) => k / 8),
);
const positiveArb = fc.integer({ min: 1, max: 24 }).map((k) => k / 8);
const exponentArb = fc.integer({ min: -3, max: 3 });

function operands(c: Case) {
  return fc
    .tuple(broadcastShapesArb(2), dtypeArb, dtypeArb)
    .chain(([[sa, sb], da, db]) =>
      fc.tuple(
        dataArb(sa, c.positiveLeft ? positiveArb : valueArb),
        dataArb(sb, c.positiveLeft ? exponentArb : valueArb),
        fc.constant(da),
        fc.constant(db),
      ),
    );
}

describe("binary ops broadcast like NumPy", () => {
  for (const c of CASES) {
    test(`${c.name} matches the reference on broadcast shapes and dtype pairs`, () => {
      fc.assert(
        fc.property(operands(c), ([ra, rb, da, db]) => {
          const a = castAll(ra, da);
          const bb = castAll(rb, db);
          const out = c.f(fromRef(a, da), fromRef(bb, db));
          const promoted = promote2(da, db);
          const outDType = c.out(promoted);
          expect(out.dtype).toBe(outDType);
          // The op computes in the promoted dtype, then rounds to the output dtype.
          const inDType = c.out === floatOut ? outDType : promoted;
          const expected = castAll(mapRef([castAll(a, inDType), castAll(bb, inDType)], c.ref), outDType);
          expect(mismatch({ shape: out.shape, data: out.data() }, expected, c.rtol ?? 0)).toBeNull();
        }),
        { numRuns: 40 },
      );
    });

    test(`${c.name} rejects shapes that do not broadcast, naming both`, () => {
      fc.assert(
        fc.property(incompatibleShapesArb, ([sa, sb]) => {
          const call = () => c.f(np.zeros(sa), np.ones(sb));
          expect(call).toThrow(ShapeError);
          expect(call).toThrow(`[${sa.join(",")}] and [${sb.join(",")}] cannot be broadcast together`);
        }),
        { numRuns: 15 },
      );
    });
  }

  test("where selects elementwise over three broadcast operands; a numeric condition is true where nonzero", () => {
    const arb = broadcastShapesArb(3).chain(([sc, sx, sy]) =>
      fc.tuple(dataArb(sc, fc.integer({ min: -2, max: 2 })), dataArb(sx, valueArb), dataArb(sy, valueArb)),
    );
    const condDtypes = fc.constantFrom<"bool" | "int32" | "uint32" | "float32">("bool", "int32", "uint32", "float32");
    fc.assert(
      fc.property(arb, dtypeArb, condDtypes, ([rc, rx, ry]: Ref[], d, cd) => {
        const where = (c: AxArray, x: AxArray, y: AxArray) => np.where(c, x, y);
        const args = [fromRef(rc, cd), fromRef(rx, d), fromRef(ry, d)] as const;
        const expected = castAll(
          mapRef([castAll(rc, cd), rx, ry], (c, x, y) => (c !== 0 ? x : y)),
          d,
        );
        for (const out of [where(...args), jit(where)(...args)]) {
          expect(out.dtype).toBe(d);
          expect(mismatch({ shape: out.shape, data: out.data() }, expected)).toBeNull();
        }
      }),
      { numRuns: 60 },
    );
  });

  test("where rejects a condition that does not broadcast", () => {
    expect(() => np.where(np.ones([2, 3], "bool"), np.ones([4, 3]), 0)).toThrow(ShapeError);
    expect(() => np.where(np.ones([2, 3], "bool"), np.ones([4, 3]), 0)).toThrow(/\[2,3\].*\[4,3\]/);
  });

  test("zero-size dimensions broadcast against 1 and give empty results", () => {
    const out = np.add(np.ones([0, 3]), np.ones([1, 3]));
    expect(out.shape).toEqual([0, 3]);
    expect(sizeOf([...out.shape])).toBe(0);
  });
});

describe("bool arithmetic", () => {
  test("add and multiply of two bool arrays are logical or / and, as in NumPy and JAX", () => {
    const a = np.array([true, true, false, false]);
    const b = np.array([true, false, true, false]);
    expect(np.add(a, b).dtype).toBe("bool");
    expect(np.add(a, b).toArray()).toEqual([true, true, true, false]);
    expect(np.multiply(a, b).toArray()).toEqual([true, false, false, false]);
    // A bool with a weak int scalar promotes to int32 arithmetic instead.
    expect(np.add(a, 1).toArray()).toEqual([2, 2, 1, 1]);
  });
});
