/** Keys: seeding, split, foldIn, and the errors for things that are not keys. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, DTypeError, jit, np, ShapeError, ValueError, vmap } from "../../src/index.js";
import { threefry2x32 } from "../../src/primitives/random-bits.js";
import * as random from "../../src/random/index.js";

const words = (a: Array) => globalThis.Array.from(a.data());
const u32 = (x: number) => np.array(x, "uint32");

describe("key", () => {
  test("splits the seed into high and low 32-bit words like JAX's PRNGKey", () => {
    expect(words(random.key(0))).toEqual([0, 0]);
    expect(words(random.key(42))).toEqual([0, 42]);
    expect(words(random.key(2 ** 32 + 7))).toEqual([1, 7]);
    expect(words(random.key(-1))).toEqual([0xffffffff, 0xffffffff]);
    expect(random.key(0).dtype).toBe("uint32");
  });

  test("round-trips every safe integer: hi·2^32 + lo (two's complement for negatives)", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (s) => {
        const [hi, lo] = words(random.key(s));
        const signedHi = hi >= 2 ** 31 ? hi - 2 ** 32 : hi;
        expect(signedHi * 2 ** 32 + lo).toBe(s);
      }),
      { numRuns: 100 },
    );
  });

  test("rejects non-integer and unsafe seeds", () => {
    expect(() => random.key(1.5)).toThrow(ValueError);
    expect(() => random.key(2 ** 53)).toThrow(/2\^53/);
    expect(() => random.key(np.array(1.5))).toThrow(DTypeError);
  });

  test("a traced int32 seed gives the same key (vmap over seeds)", () => {
    const seeds = np.array([0, 5, -3], "int32");
    const keys = vmap((s: Array) => random.key(s))(seeds);
    expect(keys.toArray()).toEqual([0, 5, -3].map((s) => words(random.key(s))));
  });
});

describe("split and foldIn", () => {
  test("split is JAX's partitionable split: key i = threefry(key, (0, i))", () => {
    const k = random.key(7);
    const ks = random.splitArray(k, 3);
    expect(ks.shape).toEqual([3, 2]);
    for (let i = 0; i < 3; i++) {
      const [a, b] = threefry2x32(u32(0), u32(7), u32(0), u32(i));
      expect(words(np.take(ks, i, 0))).toEqual([a.item(), b.item()]);
    }
    // jax.random.split(jax.random.key(0)) with jax_threefry_partitionable (JAX ≥ 0.5).
    expect(random.splitArray(random.key(0)).toArray()).toEqual([
      [1797259609, 2579123966],
      [928981903, 3453687069],
    ]);
  });

  test("split returns a destructurable JS array equal to the rows of splitArray", () => {
    const k = random.key(3);
    const [k1, k2, k3] = random.split(k, 3);
    expect([k1, k2, k3].map(words)).toEqual(random.splitArray(k, 3).toArray());
    expect(random.split(k)).toHaveLength(2);
    expect(random.split(k, 0)).toEqual([]);
  });

  test("split keys are distinct from each other and from the parent", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 2, max: 20 }), (seed, n) => {
        const k = random.key(seed);
        const all = [k, ...random.split(k, n)].map((x) => words(x).join(","));
        expect(new Set(all).size).toBe(n + 1);
      }),
      { numRuns: 30 },
    );
  });

  test("foldIn(key, d) = threefry(key, (0, d)); different data give different keys", () => {
    const k = random.key(11);
    const [a, b] = threefry2x32(u32(0), u32(11), u32(0), u32(5));
    expect(words(random.foldIn(k, 5))).toEqual([a.item(), b.item()]);
    expect(words(random.foldIn(k, -1))).toEqual(words(random.foldIn(k, 0xffffffff)));
    expect(words(random.foldIn(k, 1))).not.toEqual(words(random.foldIn(k, 2)));
    // A traced step number (the usual use under jit) gives the eager key.
    const f = jit((key: Array, step: Array) => random.foldIn(key, step));
    expect(words(f(k, np.array(5, "int32")))).toEqual(words(random.foldIn(k, 5)));
    expect(() => random.foldIn(k, 1.5)).toThrow(ValueError);
    expect(() => random.foldIn(k, np.array([1, 2], "int32"))).toThrow(/scalar/);
  });

  test("split under jit and vmap gives the eager keys", () => {
    const k = random.key(9);
    const eager = random.splitArray(k, 4);
    expect(jit((key: Array) => random.splitArray(key, 4))(k).toArray()).toEqual(eager.toArray());
    const ks = random.splitArray(k, 3);
    const batched = vmap((key: Array) => random.splitArray(key, 2))(ks);
    expect(batched.shape).toEqual([3, 2, 2]);
    for (let i = 0; i < 3; i++) {
      expect(np.take(batched, i, 0).toArray()).toEqual(random.splitArray(np.take(ks, i, 0), 2).toArray());
    }
  });
});

describe("bad keys name the expected uint32[2]", () => {
  test.each([
    ["a float key", () => random.normal(np.zeros([2]), [3]), DTypeError],
    ["a key of the wrong shape", () => random.uniform(np.zeros([3], "uint32")), ShapeError],
    ["a JS number", () => random.bits(0 as unknown as Array, [2]), ValueError],
    ["an int32 key", () => random.split(np.zeros([2], "int32")), DTypeError],
  ])("%s", (_name, f, cls) => {
    expect(f).toThrow(cls);
    expect(f).toThrow(/uint32\[2\]/);
  });

  test("a stack of keys suggests vmap or np.take", () => {
    expect(() => random.normal(random.splitArray(random.key(0), 4))).toThrow(/vmap/);
  });
});
