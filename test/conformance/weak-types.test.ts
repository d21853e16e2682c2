/** Issue 8 §2: JS numbers stay weakly typed through every transform, and never wrap silently. */
import { describe, expect, it } from "vitest";
import { type Array, cond, DTypeError, foriLoop, grad, jit, jvp, makeIr, np, scan, TransformError, vmap, whileLoop } from "#axle";

const int32 = (v: number[]) => np.array(v, "int32");

describe("weak JS numbers keep the array's dtype under every transform", () => {
  const f = (x: Array, n: number) => x.mul(n);

  it("eagerly and under jit, int32 times a JS integer is int32", () => {
    expect(f(int32([1, 2]), 3).dtype).toBe("int32");
    expect(jit(f)(int32([1, 2]), 3).dtype).toBe("int32");
    expect(jit(f)(int32([1, 2]), 3).toArray()).toEqual([3, 6]);
    expect(jit(f)(np.array([1, 2], "float64"), 3).dtype).toBe("float64");
  });

  it("under jit, a JS float argument times int32 is float32 (int32 + f* = f*)", () => {
    expect(jit(f)(int32([1, 2]), 2.5).dtype).toBe("float32");
    expect(jit(f)(int32([1, 2]), 2.5).toArray()).toEqual([2.5, 5]);
  });

  it("under vmap with inAxes null", () => {
    expect(vmap(f, { inAxes: [0, null] })(int32([1, 2]), 3).dtype).toBe("int32");
  });

  it("jvp primals given as JS numbers are weak float32 and do not widen float64", () => {
    const [y, t] = jvp(
      (x: Array, s: Array) => x.mul(s),
      [np.array([1, 2], "float64"), 2 as unknown as Array],
      [np.array([1, 1], "float64"), 0 as unknown as Array],
    );
    expect(y.dtype).toBe("float64");
    expect(t.dtype).toBe("float64");
  });

  it("a grad w.r.t. a JS number is taken at that value as a float", () => {
    expect(grad((x: Array) => x.mul(x))(3).item()).toBe(6);
  });

  it("cond operands", () => {
    const out = cond(
      true,
      (x: Array, n: Array) => x.mul(n),
      (x: Array) => x,
      int32([1, 2]),
      3 as unknown as Array,
    );
    expect(out.dtype).toBe("int32");
    const jitted = jit((x: Array) =>
      cond(
        true,
        (a: Array, n: Array) => a.mul(n),
        (a: Array) => a,
        x,
        3 as unknown as Array,
      ),
    );
    expect(jitted(int32([1])).dtype).toBe("int32");
  });

  it("a scan carry that starts at the JS number 0 takes the dtype of int32 xs (and of float32 xs)", () => {
    const total = (xs: Array) => scan((c: Array, x: Array) => [c.add(x), null] as const, 0 as unknown as Array, xs)[0];
    expect(total(int32([1, 2, 3])).dtype).toBe("int32");
    expect(total(int32([1, 2, 3])).item()).toBe(6);
    expect(total(np.array([0.5, 1])).dtype).toBe("float32");
    expect(total(np.array([0.5, 1])).item()).toBe(1.5);
    expect(jit(total)(int32([1, 2, 3])).dtype).toBe("int32");
  });

  it("foriLoop and whileLoop carries that start as JS numbers", () => {
    expect(foriLoop(0, 4, (i: Array, c: Array) => c.add(i), 0 as unknown as Array).dtype).toBe("int32");
    const w = whileLoop(
      (c: Array) => c.lt(100),
      (c: Array) => c.mul(np.array(2, "float64")),
      1 as unknown as Array,
    );
    expect(w.dtype).toBe("float64");
    expect(w.item()).toBe(128);
  });

  it("a jitted function returning a JS integer returns a weak int32", () => {
    const out = jit(() => 3)();
    expect(out.dtype).toBe("int32");
    expect(out.weakType).toBe(true);
    expect(out.add(np.array([1], "uint32")).dtype).toBe("uint32");
  });

  it("weak values show as weak in the IR (dtype followed by *)", () => {
    expect(makeIr((x: Array, n: Array) => x.mul(n))(int32([1, 2]), 3).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:i32[2] b:i32*[] . let
          c:i32[2] = mul a b
        in (c) }"
    `);
    expect(makeIr((n: Array) => np.add(n, 1).mul(2.5))(3).toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:i32*[] . let
          b:i32*[] = add a 1:i32*[]
          c:f32*[] = convert_element_type[newDtype=float32 weak=true] b
          d:f32*[] = mul c 2.5:f32*[]
        in (d) }"
    `);
  });
});

describe("weak values among themselves", () => {
  it("np.add(2, 3) is weak, so adding it to a uint32 array gives uint32", () => {
    const five = np.add(2, 3);
    expect(five.weakType).toBe(true);
    expect(five.toString()).toBe("Array(5, dtype=int32, weak_type=True)");
    expect(np.add(five, np.array([1], "uint32")).dtype).toBe("uint32");
    expect(np.add(five, np.array([1], "uint32")).toArray()).toEqual([6]);
  });

  it("astype and np.array make a weak value strong", () => {
    expect(np.add(2, 3).astype("int32").weakType).toBe(false);
    expect(np.array(np.add(2, 3)).weakType).toBe(false);
  });

  it("a comparison of weak values is a strong bool", () => {
    expect(np.less(np.add(1, 1), 3).weakType).toBe(false);
  });
});

describe("weak ints never wrap around", () => {
  it("a JS number that does not fit the array's integer dtype raises a DTypeError naming value and dtype", () => {
    expect(() => int32([1]).add(2 ** 31)).toThrow(DTypeError);
    expect(() => int32([1]).add(2 ** 31)).toThrow(/2147483648 does not fit int32/);
    expect(() => np.array([1], "uint32").add(-1)).toThrow(/-1 does not fit uint32/);
    expect(
      int32([0])
        .add(2 ** 31 - 1)
        .toArray(),
    ).toEqual([2 ** 31 - 1]);
  });

  it("np.add(3e9, 0) raises instead of producing a wrapped int32", () => {
    expect(() => np.add(3e9, 0)).toThrow(/3000000000 does not fit int32/);
    expect(np.add(np.array(3e9, "float64"), 0).item()).toBe(3e9);
  });

  it("an integer JS-number argument beyond int32 under jit raises", () => {
    expect(() => jit((x: Array, n: Array) => x.add(n))(np.ones([1]), 2 ** 40)).toThrow(TransformError);
    expect(jit((x: Array, n: Array) => x.add(n))(np.ones([1]), 0.5).toArray()).toEqual([1.5]);
  });
});
