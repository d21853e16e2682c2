/** Issue 8 §1: JS coercion of arrays is never silent (numbers convert or throw; strings print). */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { type Array, ConcretizationError, grad, jit, np, ValueError, vmap } from "#axle";

// TypeScript rejects `array > 0` at compile time; these tests check what plain JS (or a cast) gets.
const js = (x: Array): number => x as unknown as number;

describe("numeric coercion of concrete arrays", () => {
  it("a size-1 array converts to its number in comparisons, arithmetic, Number() and Math.*", () => {
    const loss = np.ones([3]).sum();
    expect(js(loss) > 0).toBe(true);
    expect(Number(loss)).toBe(3);
    expect(+loss * 2).toBe(6);
    expect(Math.sqrt(js(np.array(16)))).toBe(4);
    expect(js(np.array([[2]])) < 3).toBe(true);
  });

  it("a larger array used as a number throws a ValueError naming its shape", () => {
    const x = np.ones([2, 3]);
    expect(() => js(x) > 0).toThrow(ValueError);
    expect(() => Number(x)).toThrow(/f32\[2,3\] with 6 elements was used as a JS number/);
  });

  it("string coercion prints the array (template literals and string concatenation)", () => {
    const x = np.array([1, 2]);
    expect(`${x}`).toBe("Array([1., 2.], dtype=float32)");
    expect("x = " + x).toBe("x = Array([1., 2.], dtype=float32)");
  });

  it("console.log/util.inspect and JSON show the values, also inside objects", () => {
    const x = np.array([1, 2]);
    expect(inspect({ w: x })).toBe("{ w: Array([1., 2.], dtype=float32) }");
    expect(JSON.stringify({ w: x })).toBe('{"w":[1,2]}');
  });
});

describe("numeric coercion of traced arrays raises ConcretizationError", () => {
  const branchy = (x: Array, n: number) => (n > 1 ? x.mul(n) : x);
  const x = np.array([1, 1]);

  it("under jit, a JS comparison on a traced JS-number argument raises and points to staticArgnums", () => {
    expect(() => jit(branchy)(x, 3)).toThrow(ConcretizationError);
    expect(() => jit(branchy)(x, 3)).toThrow(/staticArgnums/);
    expect(jit(branchy, { staticArgnums: [1] })(x, 3).toArray()).toEqual([3, 3]);
  });

  it("under jit, Math.* and a JS for-loop bound on a traced value raise instead of giving NaN or no iterations", () => {
    expect(() => jit((x: Array, n: number) => x.mul(Math.sqrt(n)))(x, 4)).toThrow(ConcretizationError);
    const loop = (x: Array, n: number) => {
      let y = x;
      for (let i = 0; i < n; i++) y = y.add(1);
      return y;
    };
    expect(() => jit(loop)(x, 3)).toThrow(ConcretizationError);
    expect(() => jit((x: Array) => (js(x.sum()) > 0 ? x : x.neg()))(x)).toThrow(/inside jit/);
  });

  it("under vmap, an unmapped JS number stays a concrete (weak) value, so JS control flow on it works", () => {
    const out = vmap(branchy, { inAxes: [0, null] })(
      np.array([
        [1, 2],
        [3, 4],
      ]),
      3,
    );
    expect(out.toArray()).toEqual([
      [3, 6],
      [9, 12],
    ]);
    expect(vmap((x: Array, n: number) => x.mul(Math.sqrt(n)), { inAxes: [0, null] })(x, 4).toArray()).toEqual([2, 2]);
  });

  it("under vmap, a JS comparison on a mapped value raises", () => {
    expect(() => vmap((x: Array) => (js(x) > 0 ? x : x.neg()))(np.array([1, -1]))).toThrow(ConcretizationError);
  });

  it("under grad, values are concrete: JS control flow on the differentiated argument works (as in JAX)", () => {
    const f = (x: Array, n: number) => (js(x) > 0 ? x.mul(Math.sqrt(n)) : x.neg());
    expect(grad(f)(np.array(2), 9).item()).toBe(3);
    expect(grad(f)(np.array(-2), 9).item()).toBe(-1);
  });

  it("a tracer prints its aval and transform in strings and JSON", () => {
    let seen = "";
    jit((x: Array) => {
      seen = `${x} ${JSON.stringify({ x })}`;
      return x;
    })(np.ones([2]));
    expect(seen).toBe('Traced<f32[2]>(jit) {"x":"Traced<f32[2]>(jit)"}');
  });
});

describe("errors raised inside a transform say so", () => {
  const bad = (x: Array) => np.matmul(x, np.ones([3]));

  it("eagerly, the message is the operation's alone", () => {
    expect(() => bad(np.ones([4, 2]))).toThrow(/matmul/);
    expect(() => bad(np.ones([4, 2]))).not.toThrow(/while tracing/);
  });

  it("under nested transforms, the note names them innermost first, then the user's line", () => {
    expect(() => jit(bad)(np.ones([4, 2]))).toThrow(
      /\(raised while tracing under jit, at test\/conformance\/js-coercion\.test\.ts:\d+:\d+\)$/,
    );
    const loss = (x: Array) => bad(x).sum();
    expect(() => jit(grad(loss))(np.ones([4, 2]))).toThrow(
      /\(raised while tracing under grad, inside jit, at test\/conformance\/js-coercion\.test\.ts:\d+:\d+\)$/,
    );
    expect(() => vmap(bad)(np.ones([5, 4, 2]))).toThrow(
      /\(raised while tracing under vmap, at test\/conformance\/js-coercion\.test\.ts:\d+:\d+\)$/,
    );
  });
});
