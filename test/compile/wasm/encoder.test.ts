import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ByteWriter, type Code, type Local, ModuleBuilder, type ValType } from "../../../src/compile/backends/wasm/encoder.js";

// An independent LEB128 decoder (the spec's definition, read back bit by bit).
function readLeb(bytes: Uint8Array, signed: boolean): bigint {
  let result = 0n;
  let shift = 0n;
  let i = 0;
  let byte: number;
  do {
    byte = bytes[i++];
    result |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  expect(i).toBe(bytes.length);
  if (signed && byte & 0x40) result -= 1n << shift;
  return result;
}

const hex = (w: ByteWriter) => Array.from(w.finish(), (b) => b.toString(16).padStart(2, "0")).join(" ");

describe("LEB128", () => {
  test("matches the known encodings", () => {
    expect(hex(new ByteWriter().u32(0))).toBe("00");
    expect(hex(new ByteWriter().u32(127))).toBe("7f");
    expect(hex(new ByteWriter().u32(128))).toBe("80 01");
    expect(hex(new ByteWriter().u32(624485))).toBe("e5 8e 26");
    expect(hex(new ByteWriter().u32(0xffffffff))).toBe("ff ff ff ff 0f");
    expect(hex(new ByteWriter().s32(-1))).toBe("7f");
    expect(hex(new ByteWriter().s32(63))).toBe("3f");
    expect(hex(new ByteWriter().s32(64))).toBe("c0 00");
    expect(hex(new ByteWriter().s32(-64))).toBe("40");
    expect(hex(new ByteWriter().s32(-65))).toBe("bf 7f");
    expect(hex(new ByteWriter().s32(-123456))).toBe("c0 bb 78");
    expect(hex(new ByteWriter().s32(-0x80000000))).toBe("80 80 80 80 78");
    // The unsigned spelling of a negative i32 encodes the same bits.
    expect(hex(new ByteWriter().s32(0xffffffff))).toBe("7f");
    expect(hex(new ByteWriter().s64(-(2n ** 63n)))).toBe("80 80 80 80 80 80 80 80 80 7f");
  });

  test("round-trips through a reference decoder", () => {
    fc.assert(
      fc.property(fc.nat(), (v) => {
        expect(readLeb(new ByteWriter().u32(v).finish(), false)).toBe(BigInt(v));
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (v) => {
        expect(readLeb(new ByteWriter().s32(v).finish(), true)).toBe(BigInt(v));
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        expect(readLeb(new ByteWriter().s64(v).finish(), true)).toBe(v);
      }),
    );
  });

  test("rejects values that do not fit", () => {
    expect(() => new ByteWriter().u32(-1)).toThrow(RangeError);
    expect(() => new ByteWriter().u32(1.5)).toThrow(RangeError);
    expect(() => new ByteWriter().s32(2 ** 32)).toThrow(RangeError);
  });
});

type Fn = (...args: (number | bigint)[]) => number | bigint;

/** Builds a one-function module, validates it, and returns the export. */
function single(params: ValType[], results: ValType[], body: (c: Code, p: Local[]) => void, memory?: WebAssembly.Memory): Fn {
  const m = new ModuleBuilder();
  if (memory) m.importMemory("env", "memory", { initial: 1, maximum: 16, shared: memory.buffer instanceof SharedArrayBuffer });
  m.exportFunc(m.func("f", { params, results }, body));
  const bytes = m.toBytes();
  expect(WebAssembly.validate(bytes)).toBe(true);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), memory ? { env: { memory } } : {});
  return inst.exports.f as Fn;
}

describe("module writer", () => {
  test("an empty module validates", () => {
    expect(WebAssembly.validate(new ModuleBuilder().toBytes())).toBe(true);
  });

  test("integer and float arithmetic run", () => {
    expect(single(["i32", "i32"], ["i32"], (c, [a, b]) => c.get(a).get(b).i32.sub())(7, 10)).toBe(-3);
    expect(single(["i32"], ["i32"], (c, [a]) => c.get(a).i32.const(-123456).i32.mul())(3)).toBe(-370368);
    expect(
      single(["i64"], ["i64"], (c, [a]) =>
        c
          .get(a)
          .i64.const(-(2n ** 62n))
          .i64.add(),
      )(5n),
    ).toBe(5n - 2n ** 62n);
    expect(single(["f32"], ["f32"], (c, [a]) => c.get(a).f32.const(0.1).f32.mul())(3)).toBe(Math.fround(3 * Math.fround(0.1)));
    expect(single(["f64"], ["f64"], (c, [a]) => c.get(a).f64.sqrt().f64.const(0.25).f64.add())(2)).toBe(Math.SQRT2 + 0.25);
    expect(single(["f32"], ["i32"], (c, [a]) => c.get(a).i32.reinterpret_f32())(-0)).toBe(-0x80000000);
    expect(single([], ["f32"], (c) => c.f32.constBits(0x7f800000))()).toBe(Number.POSITIVE_INFINITY);
    // Saturating conversion (0xfc prefix): NaN → 0, overflow clamps.
    const sat = single(["f32"], ["i32"], (c, [a]) => c.get(a).i32.trunc_sat_f32_s());
    expect([sat(Number.NaN), sat(1e20), sat(-1e20), sat(-2.7)]).toEqual([0, 0x7fffffff, -0x80000000, -2]);
  });

  test("loops, branches and select: sum of 0..n-1 and a clamp", () => {
    const sum = single(["i32"], ["i32"], (c, [n]) => {
      const i = c.local("i32");
      const acc = c.local("i32");
      c.block("void", (done) => {
        c.loop("void", (top) => {
          c.get(i).get(n).i32.ge_s().br_if(done);
          c.get(acc).get(i).i32.add().set(acc);
          c.get(i).i32.const(1).i32.add().set(i);
          c.br(top);
        });
      });
      c.get(acc);
    });
    expect(sum(0)).toBe(0);
    expect(sum(10)).toBe(45);
    const clamp = single(["i32"], ["i32"], (c, [x]) => {
      c.get(x).i32.const(0).get(x).i32.const(0).i32.gt_s().select();
    });
    expect([clamp(-5), clamp(7)]).toEqual([0, 7]);
    const sign = single(["f64"], ["i32"], (c, [x]) => {
      c.get(x)
        .f64.const(0)
        .f64.lt()
        .if(
          "i32",
          () => c.i32.const(-1),
          () => c.i32.const(1),
        );
    });
    expect([sign(-2), sign(3)]).toEqual([-1, 1]);
  });

  test("br_table dispatches on an index, the default taking the rest", () => {
    const pick = single(["i32"], ["i32"], (c, [x]) => {
      const r = c.local("i32");
      c.block("void", (out) => {
        c.block("void", (b2) => {
          c.block("void", (b1) => {
            c.block("void", (b0) => {
              c.get(x).br_table([b0, b1], b2);
            });
            c.i32.const(100).set(r).br(out);
          });
          c.i32.const(200).set(r).br(out);
        });
        c.i32.const(300).set(r);
      });
      c.get(r);
    });
    expect([0, 1, 2, 9].map((v) => pick(v))).toEqual([100, 200, 300, 300]);
  });

  test("a branch to a closed block is an encoder error, not an invalid module", () => {
    expect(() =>
      single([], [], (c) => {
        let escaped: Parameters<Code["br"]>[0] | null = null;
        c.block("void", (l) => {
          escaped = l;
        });
        c.br(escaped!);
      }),
    ).toThrow(/not open/);
  });

  test("calls to a declared function defined later, globals, and exports", () => {
    const m = new ModuleBuilder();
    const g = m.global("i32", true, (c) => c.i32.const(5));
    const twice = m.declare("twice", { params: ["i32"], results: ["i32"] });
    const f = m.func("f", { params: ["i32"], results: ["i32"] }, (c, [x]) => {
      c.get(x).call(twice).globalGet(g).i32.add();
      c.globalGet(g).i32.const(1).i32.add().globalSet(g);
    });
    m.define(twice, (c, [x]) => c.get(x).get(x).i32.add());
    m.exportFunc(f);
    expect(() => m.exportFunc(f)).toThrow(/duplicate export/);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(m.toBytes()));
    const run = inst.exports.f as (x: number) => number;
    expect([run(1), run(1)]).toEqual([7, 8]);
  });

  test("an undefined declaration is reported by name", () => {
    const m = new ModuleBuilder();
    m.declare("later", { params: [], results: [] });
    expect(() => m.toBytes()).toThrow(/later was declared but never defined/);
  });

  test("loads and stores with offsets on an imported memory", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 });
    const f = single(
      ["i32"],
      [],
      (c, [p]) => {
        // mem[p+8] = mem[p] + mem[p+4] as f32; mem[p+12] = (i8)mem[p+16] sign-extended.
        c.get(p).get(p).f32.load().get(p).f32.load({ offset: 4 }).f32.add().f32.store({ offset: 8 });
        c.get(p).get(p).i32.load8_s({ offset: 16 }).i32.store({ offset: 12 });
      },
      memory,
    );
    const f32 = new Float32Array(memory.buffer);
    f32[10] = 1.5;
    f32[11] = 2.25;
    new Uint8Array(memory.buffer)[56] = 0xfe;
    f(40);
    expect(f32[12]).toBe(3.75);
    expect(new Int32Array(memory.buffer)[13]).toBe(-2);
  });

  test("alignment above natural is rejected", () => {
    expect(() => single(["i32"], ["i32"], (c, [p]) => c.get(p).i32.load({ align: 3 }))).toThrow(/alignment/);
  });
});

describe("SIMD128", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 });
  const f32 = new Float32Array(memory.buffer);
  const i32 = new Int32Array(memory.buffer);

  test("f32x4 arithmetic, splat broadcast and lane extraction", () => {
    // out[0..3] = (a + b) * splat(s) - a / b, min/max; returns lane 2 of max(a, b).
    const f = single(
      ["i32"],
      ["f32"],
      (c, [p]) => {
        const a = c.local("v128");
        const b = c.local("v128");
        c.get(p).v128.load().set(a);
        c.get(p).v128.load({ offset: 16 }).set(b);
        c.get(p);
        c.get(a).get(b).f32x4.add().get(p).v128.load32_splat({ offset: 32 }).f32x4.mul();
        c.get(a).get(b).f32x4.div().f32x4.sub();
        c.v128.store({ offset: 48 });
        c.get(p).get(a).get(b).f32x4.min().v128.store({ offset: 64 });
        c.get(a).get(b).f32x4.max().f32x4.extract_lane(2);
      },
      memory,
    );
    const a = [1, -2, 3, 0.5];
    const b = [4, 5, -6, 0.25];
    f32.set(a, 0);
    f32.set(b, 4);
    f32[8] = 0.5;
    expect(f(0)).toBe(3);
    const fr = Math.fround;
    expect(Array.from(f32.subarray(12, 16))).toEqual(a.map((x, i) => fr(fr(fr(x + b[i]) * 0.5) - fr(x / b[i]))));
    expect(Array.from(f32.subarray(16, 20))).toEqual(a.map((x, i) => Math.min(x, b[i])));
  });

  test("i32x4 ops, bitselect, v128.const and f32x4 splat from a scalar", () => {
    const f = single(
      ["i32", "f32"],
      ["i32"],
      (c, [p, s]) => {
        const v = c.local("v128");
        c.get(p).v128.load().set(v);
        // lanes: (v << 2) + [10, 20, 30, 40], stored; then select lanes of splat(s) where v > 1.
        c.get(p).get(v).i32.const(2).i32x4.shl().v128.constI32x4([10, 20, 30, 40]).i32x4.add().v128.store({ offset: 16 });
        c.get(p);
        c.get(s).f32x4.splat().v128.constF32x4([0, 0, 0, 0]);
        c.get(v).i32.const(1).i32x4.splat().i32x4.gt_s();
        c.v128.bitselect().v128.store({ offset: 32 });
        c.get(v).i32x4.extract_lane(3);
      },
      memory,
    );
    i32.set([1, 2, -3, 4], 0);
    expect(f(0, 2.5)).toBe(4);
    expect(Array.from(i32.subarray(4, 8))).toEqual([14, 28, 18, 56]);
    expect(Array.from(f32.subarray(8, 12))).toEqual([0, 2.5, 0, 2.5]);
  });

  test("f64x2 basics and the f32x4 ↔ i32x4 conversions", () => {
    const f = single(
      ["f64", "f64"],
      ["f64"],
      (c, [x, y]) => {
        c.get(x).f64x2.splat().get(y).f64x2.replace_lane(1).f64.const(3).f64x2.splat().f64x2.mul();
        c.f64x2.extract_lane(1);
      },
      memory,
    );
    expect(f(1.5, 2.5)).toBe(7.5);
    const g = single(
      ["f32"],
      ["i32"],
      (c, [x]) => {
        c.get(x).f32x4.splat().f32x4.nearest().i32x4.trunc_sat_f32x4_s().i32x4.extract_lane(0);
      },
      memory,
    );
    expect([g(2.5), g(-3.7), g(Number.NaN), g(1e30)]).toEqual([2, -4, 0, 0x7fffffff]);
  });

  test("i8x16.shuffle reverses the four f32 lanes", () => {
    const f = single(
      ["i32"],
      [],
      (c, [p]) => {
        c.get(p).get(p).v128.load().get(p).v128.load();
        c.i8x16.shuffle([12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]).v128.store({ offset: 16 });
      },
      memory,
    );
    f32.set([1, 2, 3, 4], 0);
    f(0);
    expect(Array.from(f32.subarray(4, 8))).toEqual([4, 3, 2, 1]);
  });
});

describe("threads", () => {
  test("a shared memory import and atomic read-modify-write", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const f = single(
      ["i32", "i32"],
      ["i32"],
      (c, [p, v]) => {
        c.get(p).get(v).atomic.i32_rmw_add().atomic.fence();
      },
      memory,
    );
    const view = new Int32Array(memory.buffer);
    view[2] = 40;
    expect(f(8, 2)).toBe(40);
    expect(Atomics.load(view, 2)).toBe(42);
    expect(() => single(["i32"], ["i32"], (c, [p]) => c.get(p).atomic.i32_load({ align: 0 }), memory)).toThrow(/alignment/);
  });
});
