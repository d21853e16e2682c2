/** The threefry2x32 primitive and the integer bit primitives: known answers and every rule. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { bind } from "../../src/core/trace.js";
import { type Array, DTypeError, jit, jvp, makeIr, np, vmap } from "../../src/index.js";
import { bitwiseXor, shiftRightLogical, threefry2x32, threefry2x32P } from "../../src/primitives/random-bits.js";

const u32 = (xs: Parameters<typeof np.array>[0]) => np.array(xs, "uint32");
const words = (a: Array) => globalThis.Array.from(a.data());

describe("threefry2x32", () => {
  // Random123's known-answer vectors for threefry2x32_20 (kat_vectors).
  test.each([
    [
      [0, 0, 0, 0],
      [0x6b200159, 0x99ba4efe],
    ],
    [
      [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
      [0x1cb996fc, 0xbb002be7],
    ],
    [
      [0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3],
      [0xc4923a9c, 0x483df7a0],
    ],
  ])("known answer %#", ([k0, k1, c0, c1], want) => {
    const [a, b] = threefry2x32(u32(k0), u32(k1), u32(c0), u32(c1));
    expect([a.item(), b.item()]).toEqual(want);
  });

  test("matches JAX's original split of PRNGKey(0): [[4146024105, 967050713], [2718843009, 1272950319]]", () => {
    // JAX (non-partitionable mode) encrypts counters [0,1 | 2,3] and concatenates the halves.
    const [a, b] = threefry2x32(u32(0), u32(0), u32([0, 1]), u32([2, 3]));
    expect([...words(a), ...words(b)]).toEqual([4146024105, 967050713, 2718843009, 1272950319]);
  });

  test("broadcasts its four operands and agrees with elementwise calls", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (c1, k0, k1) => {
          const counts = u32(c1).reshape(2, 3);
          const [a, b] = threefry2x32(u32(k0), u32([k1]), u32([[5], [9]]), counts);
          expect(a.shape).toEqual([2, 3]);
          for (let i = 0; i < 6; i++) {
            const [x, y] = threefry2x32(u32(k0), u32(k1), u32(i < 3 ? 5 : 9), u32(c1[i]));
            expect([words(a)[i], words(b)[i]]).toEqual([x.item(), y.item()]);
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  test("abstract eval rejects non-uint32 operands and wrong arity with a DTypeError", () => {
    expect(() => threefry2x32(u32(0), u32(0), np.array(0, "int32"), u32(0))).toThrow(DTypeError);
    expect(() => threefry2x32(u32(0), u32(0), np.array(0, "int32"), u32(0))).toThrow(/uint32/);
    expect(() => bind(threefry2x32P, [u32(0), u32(0), u32(0)])).toThrow(/4 operands/);
    expect(() => threefry2x32(u32([1, 2]), u32(0), u32([1, 2, 3]), u32(0))).toThrow();
  });

  test("vmap over any operand (batch rule) equals per-example calls", () => {
    const k0 = u32([1, 2, 3]);
    const counts = u32([
      [7, 8],
      [9, 10],
      [11, 12],
    ]);
    const f = (k: Array, c: Array) => threefry2x32(k, u32(42), u32(0), c);
    const [a, b] = vmap(f, { inAxes: [0, 1] })(k0, counts.T) as Array[];
    for (let i = 0; i < 3; i++) {
      const [x, y] = f(np.take(k0, i), np.take(counts, i, 0));
      expect(words(np.take(a, i, 0))).toEqual(words(x));
      expect(words(np.take(b, i, 0))).toEqual(words(y));
    }
  });

  test("jit stages one threefry2x32 equation with two outputs and gives the eager bits", () => {
    const f = (c: Array) => threefry2x32(u32(3), u32(4), u32(0), c);
    const c = u32([0, 1, 2, 3]);
    expect(makeIr(f)(c).toString()).toMatch(/threefry2x32/);
    const [a, b] = jit(f)(c);
    const [x, y] = f(c);
    expect(words(a)).toEqual(words(x));
    expect(words(b)).toEqual(words(y));
  });

  test("jvp gives zero tangents; there is no transpose rule (not linear)", () => {
    const f = (x: Array) => {
      const [a] = threefry2x32(u32(1), u32(2), u32(0), x.astype("uint32"));
      return x.add(a.astype("float32").mul(0));
    };
    const [, t] = jvp(f, [np.array([1, 2])], [np.array([1, 1])]);
    expect(t.toArray()).toEqual([1, 1]);
    expect(threefry2x32P.transpose).toBeNull();
  });
});

describe("shift_right_logical and bitwise_xor", () => {
  const u32Arb = fc.integer({ min: 0, max: 0xffffffff });
  const i32Arb = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

  test("shift_right_logical is JS >>> for shifts below 32 and 0 from 32 on (uint32 and int32)", () => {
    fc.assert(
      fc.property(fc.array(u32Arb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 40 }), (xs, n) => {
        const got = words(shiftRightLogical(u32(xs), u32(n)));
        expect(got).toEqual(xs.map((x) => (n >= 32 ? 0 : x >>> n)));
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(fc.array(i32Arb, { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 31 }), (xs, n) => {
        const got = words(shiftRightLogical(np.array(xs, "int32"), np.array(n, "int32")));
        expect(got).toEqual(xs.map((x) => (x >>> n) | 0));
      }),
      { numRuns: 50 },
    );
  });

  test("bitwise_xor is JS ^ on 32-bit words", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(u32Arb, u32Arb), { minLength: 1, maxLength: 5 }), (pairs) => {
        const got = words(bitwiseXor(u32(pairs.map((p) => p[0])), u32(pairs.map((p) => p[1]))));
        expect(got).toEqual(pairs.map(([a, b]) => (a ^ b) >>> 0));
      }),
      { numRuns: 50 },
    );
  });

  test("they reject float and mixed dtypes, naming the expected dtypes", () => {
    expect(() => bitwiseXor(np.array([1.5]), np.array([2.5]))).toThrow(/int32 or two uint32/);
    expect(() => shiftRightLogical(u32([1]), np.array(1, "int32"))).toThrow(DTypeError);
  });

  test("batch, jit and broadcasting agree with eager", () => {
    const x = u32([
      [1, 256],
      [0xffffffff, 0x80000000],
    ]);
    const n = u32([1, 8]);
    const eager = shiftRightLogical(x, n);
    expect(words(eager)).toEqual([0, 1, 0x7fffffff, 0x800000]);
    expect(words(jit(shiftRightLogical)(x, n))).toEqual(words(eager));
    expect(words(vmap(shiftRightLogical, { inAxes: [0, null] })(x, n))).toEqual(words(eager));
    expect(
      words(
        vmap(bitwiseXor, { inAxes: [1, 0] })(
          x,
          u32([
            [3, 3],
            [5, 5],
          ]),
        ),
      ),
    ).toEqual(
      words(
        bitwiseXor(
          x.T,
          u32([
            [3, 3],
            [5, 5],
          ]),
        ),
      ),
    );
  });
});
