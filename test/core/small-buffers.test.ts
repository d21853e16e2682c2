/**
 * Small compiled outputs are views into shared slabs (core/small-buffers.ts). Locks in that no
 * view ever overlaps another or is overwritten later — by more outputs, or by a donated call
 * that reuses buffers.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { ConcreteArray } from "../../src/core/array.js";
import { copyOut } from "../../src/core/small-buffers.js";
import { type Array, jit, np } from "../../src/index.js";

const source = fc.oneof(
  fc.float32Array({ maxLength: 300 }),
  fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 300 }).map((a) => Int32Array.from(a)),
  fc.uint8Array({ maxLength: 1100 }),
  fc.float64Array({ maxLength: 140 }),
);

describe("small output buffers", () => {
  test("copies keep their values while any number of later copies are made", () => {
    fc.assert(
      fc.property(fc.array(source, { maxLength: 80 }), (sources) => {
        const copies = sources.map((s) => copyOut(s));
        copies.forEach((c, i) => {
          expect(c.constructor).toBe(sources[i].constructor);
          expect(c.byteOffset % c.BYTES_PER_ELEMENT).toBe(0);
          expect(globalThis.Array.from(c)).toEqual(globalThis.Array.from(sources[i]));
        });
      }),
    );
  });

  test("a jitted function's small outputs stay intact across thousands of later calls", () => {
    const f = jit((x: Array, k: Array) => x.mul(k).add(1));
    const x = np.arange(100).astype("float32");
    const outs = globalThis.Array.from({ length: 2000 }, (_, i) => f(x, np.array(i, "float32")));
    outs.forEach((o, i) => {
      expect(o.data()[99]).toBe(99 * i + 1);
    });
  });

  test("a pooled array is never donated: its slab neighbours keep their values", () => {
    const step = jit((p: Array) => p.add(1), { donateArgnums: [0] });
    const keep = jit((x: Array) => x.mul(3))(np.ones([10]));
    let p = jit((x: Array) => x.mul(0))(np.ones([10]));
    expect((p as ConcreteArray).exclusiveBuffer()).toBeNull();
    for (let i = 0; i < 50; i++) p = step(p);
    expect(globalThis.Array.from(p.data())).toEqual(new globalThis.Array(10).fill(50));
    expect(globalThis.Array.from(keep.data())).toEqual(new globalThis.Array(10).fill(3));
  });
});
