/**
 * Control flow compiled into the program: scan, whileLoop/foriLoop and cond/switch lower to loops
 * and branches of the kernel program, which the Wasm backend emits inside its one module.
 * Every case runs on the Wasm and JS backends and is compared with `jit` on the reference
 * backend: exactly for integer and bool outputs and for float programs whose values are exact
 * (small integers and halves, where float32 arithmetic does not round), and within a few ulp
 * per step where a transcendental is involved.
 */
import { describe, expect, test } from "vitest";
import type { Backend } from "../../src/compile/compile.js";
import { type Array, cond, foriLoop, grad, jit, np, scan, switchCase, vmap, whileLoop } from "../../src/index.js";

type Tree = Array | null | readonly Tree[] | { readonly [k: string]: Tree };
const FAST: readonly Backend[] = ["wasm", "js"];

function leaves(t: Tree): Array[] {
  if (t === null) return [];
  if (globalThis.Array.isArray(t)) return (t as readonly Tree[]).flatMap(leaves);
  if (typeof t === "object" && !("dtype" in t)) {
    return Object.keys(t)
      .sort()
      .flatMap((k) => leaves((t as { [k: string]: Tree })[k]));
  }
  return [t as Array];
}

/** got = want exactly (NaNs match), or within `rtol`·max(1, |want|) for float outputs when given. */
function expectAgree(got: Array, want: Array, what: string, rtol = 0): void {
  expect(got.shape, what).toEqual(want.shape);
  expect(got.dtype, what).toBe(want.dtype);
  const g = got.data();
  const w = want.data();
  const float = want.dtype === "float32" || want.dtype === "float64";
  for (let i = 0; i < w.length; i++) {
    const a = Number(g[i]);
    const b = Number(w[i]);
    if (Object.is(a, b)) continue;
    if (float && rtol > 0 && Math.abs(a - b) <= rtol * Math.max(1, Math.abs(b))) continue;
    expect.fail(`${what}: element ${i} is ${a}, want ${b} (got ${[...g]}, want ${[...w]})`);
  }
}

/** f under jit on each fast backend agrees with jit on the reference backend. */
function agree<A extends Array[]>(f: (...xs: A) => Tree, args: A, rtol = 0): void {
  const want = leaves(jit(f, { backend: "reference" })(...args));
  for (const backend of FAST) {
    const got = leaves(jit(f, { backend })(...args));
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => expectAgree(g, want[i], `${backend} output ${i}`, rtol));
  }
}

/** The Wasm program text; the control flow must run inside the module (no step in JS). */
function wasmText<A extends Array[]>(f: (...xs: A) => Tree, args: A): string {
  const text = jit(f, { backend: "wasm" })
    .compile(...args)
    .asText();
  expect(text.split("\n")[0]).toBe("backend: wasm");
  expect(text).not.toContain("steps run in JS");
  return text;
}

const ints = (n: number, seed: number, lo = -8, hi = 8) =>
  np.array(
    globalThis.Array.from({ length: n }, (_, i) => lo + ((i * 7 + seed * 13) % (hi - lo + 1))),
    "int32",
  );
const halves = (shape: number[], seed: number) =>
  np
    .array(globalThis.Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => (((i * 5 + seed * 11) % 17) - 8) / 2))
    .reshape(shape);

describe("scan compiles to a loop inside the module", () => {
  test("forward and reverse scans with xs and ys agree with the reference, and asText shows the loop", () => {
    for (const reverse of [false, true]) {
      const f = (c0: Array, xs: Array) =>
        scan((c: Array, x: Array) => [c.add(x).mul(0.5), c.sub(x)] as const, c0, xs, { reverse });
      const args = [halves([3], 1), halves([6, 3], 2)] as [Array, Array];
      agree(f, args);
      const text = wasmText(f, args);
      expect(text).toContain(`loop scan (6 iterations${reverse ? ", reversed" : ""})`);
      expect(text).toMatch(/xs rows: b\d+\[i\] → b\d+:float32\[3\]/);
      expect(text).toMatch(/end of iteration: b\d+ → b\d+:float32\[6,3\]\[i\], b\d+ → b\d+/);
    }
  });

  test("length-0 and length-1 scans (the carry is the init; ys are empty or one row)", () => {
    for (const n of [0, 1]) {
      for (const reverse of [false, true]) {
        const f = (c0: Array, xs: Array) => scan((c: Array, x: Array) => [c.mul(x), c.add(x)] as const, c0, xs, { reverse });
        const args = [ints(2, 1), ints(2 * n, 3).reshape([n, 2])] as [Array, Array];
        agree(f, args);
        wasmText(f, args);
        const [c, ys] = jit(f)(...args);
        expect(ys.shape).toEqual([n, 2]);
        if (n === 0) expect([...c.data()]).toEqual([...args[0].data()]);
      }
    }
  });

  test("a scan with no xs (length given) and one with no ys", () => {
    const noXs = (c0: Array) => scan((c: Array, _x: null) => [c.mul(2).sub(1), c] as const, c0, null, { length: 5 });
    agree(noXs, [ints(3, 2)]);
    expect(wasmText(noXs, [ints(3, 2)])).toContain("loop scan (5 iterations)");
    const noYs = (c0: Array, xs: Array) => scan((c: Array, x: Array) => [c.add(x.sum()), null] as const, c0, xs);
    agree(noYs, [np.array(0.5), halves([4, 2], 5)]);
    wasmText(noYs, [np.array(0.5), halves([4, 2], 5)]);
  });

  test("carries that swap, c = (b, a + b), stay right (the copy-out never reads an overwritten carry)", () => {
    const fib = (a0: Array, b0: Array) =>
      scan(([a, b]: readonly [Array, Array], _x: null) => [[b, a.add(b)] as const, a] as const, [a0, b0] as const, null, {
        length: 12,
      });
    const args = [np.array([0, 1], "int32"), np.array([1, 1], "int32")] as [Array, Array];
    agree(fib, args);
    const [[a, b], ys] = jit(fib)(...args);
    expect([...a.data()]).toEqual([144, 233]);
    expect([...b.data()]).toEqual([233, 377]);
    expect([...ys.data()].slice(0, 8)).toEqual([0, 1, 1, 1, 1, 2, 2, 3]);
    // A pure swap and a rotation of three carries.
    const rot = (a0: Array, b0: Array, c0: Array) =>
      scan(
        ([a, b, c]: readonly [Array, Array, Array], x: Array) => [[c, a, b.add(x)] as const, [a, c]] as const,
        [a0, b0, c0] as const,
        ints(7, 4),
      );
    agree(rot, [np.array(1, "int32"), np.array(2, "int32"), np.array(3, "int32")]);
    wasmText(rot, [np.array(1, "int32"), np.array(2, "int32"), np.array(3, "int32")]);
  });

  test("a carry read after its new value is computed in the same iteration sees the old value", () => {
    // new a = a·2 is computed first; b and the y read the old a afterwards.
    const f = (a0: Array, b0: Array, xs: Array) =>
      scan(
        ([a, b]: readonly [Array, Array], x: Array) => {
          const a2 = a.mul(2).add(x);
          const b2 = b.add(a).sub(a2.mul(0.25));
          return [[a2, b2] as const, np.concatenate([a, a2, b2])] as const;
        },
        [a0, b0] as const,
        xs,
      );
    agree(f, [halves([2], 1), halves([2], 2), halves([5, 2], 3)]);
    wasmText(f, [halves([2], 1), halves([2], 2), halves([5, 2], 3)]);
  });

  test("integer and bool carries are exact", () => {
    const f = (n0: Array, flag0: Array, xs: Array) =>
      scan(
        ([n, flag]: readonly [Array, Array], x: Array) => {
          const n2 = n.mul(3).add(x).sub(np.floorDivide(n, 2));
          return [[n2, np.logicalXor(flag, n2.gt(0))] as const, np.remainder(n2, 5)] as const;
        },
        [n0, flag0] as const,
        xs,
      );
    const args = [ints(3, 1), np.array([true, false, true]), ints(24, 2).reshape([8, 3])] as [Array, Array, Array];
    agree(f, args);
    wasmText(f, args);
  });

  test("nested scans: the inner loop runs inside the outer loop's body", () => {
    const f = (c0: Array, xss: Array) =>
      scan(
        (c: Array, xs: Array) => {
          const [inner, ys] = scan((d: Array, x: Array) => [d.mul(0.5).add(x), d.add(c)] as const, c, xs, { reverse: true });
          return [inner.add(1), ys.sum(0)] as const;
        },
        c0,
        xss,
      );
    const args = [halves([2], 3), halves([3, 4, 2], 4)] as [Array, Array];
    agree(f, args);
    const text = wasmText(f, args);
    expect(text).toContain("loop scan (3 iterations)");
    expect(text).toMatch(/body:\n\s+0: loop scan \(4 iterations, reversed\)/);
  });

  test("vmap of a scan and grad of a scan (the transposed scan runs reversed) compile to loops", () => {
    const step = (c: Array, x: Array) => [np.tanh(c.mul(x).add(0.5)), c.mul(x)] as const;
    const f = (c0: Array, xs: Array) => scan(step, c0, xs);
    const vf = vmap(f, { inAxes: [0, 1] });
    const vargs = [halves([3, 2], 1).mul(0.25), halves([5, 3, 2], 2).mul(0.25)] as [Array, Array];
    agree(vf, vargs, 1e-5);
    wasmText(vf, vargs);
    const loss = (c0: Array, xs: Array) => {
      const [c, ys] = scan(step, c0, xs);
      return c.sum().add(ys.mul(ys).sum());
    };
    const g = grad(loss, { argnums: [0, 1] });
    const gargs = [halves([2], 1).mul(0.25), halves([6, 2], 2).mul(0.25)] as [Array, Array];
    agree(g, gargs, 1e-5);
    const text = wasmText(g, gargs);
    expect(text).toContain("loop scan (6 iterations)");
    expect(text).toContain("loop scan (6 iterations, reversed)");
  });

  test("large carries and rows (copied with memory.copy) and a matmul in the body (the module's sgemm)", () => {
    const f = (w0: Array, xs: Array) =>
      scan(
        (w: Array, x: Array) => {
          const h = np.matmul(x, w); // [4, 6] · [6, 6]: a contract step inside the loop
          return [w.sub(np.matmul(x.transpose(), h).mul(1 / 64)), np.concatenate([h, x], 1)] as const;
        },
        w0,
        xs,
        { reverse: true },
      );
    const args = [halves([6, 6], 1).mul(0.25), halves([5, 4, 6], 2).mul(0.25)] as [Array, Array];
    agree(f, args, 1e-5);
    const text = wasmText(f, args);
    expect(text).toMatch(/body:\n\s+0: contract/);
  });

  test("a NaN born at step k inside a compiled scan is in the output from step k on", () => {
    // sqrt(c) turns NaN once c goes negative at step 3; the ys before it stay finite.
    const f = (c0: Array, xs: Array) => scan((c: Array, x: Array) => [c.sub(x), np.sqrt(c)] as const, c0, xs);
    const args = [np.array(2.5), np.ones([6])] as [Array, Array];
    agree(f, args);
    wasmText(f, args);
    const ys = [...jit(f)(...args)[1].data()];
    expect(ys.slice(0, 3).every(Number.isFinite)).toBe(true);
    expect(ys.slice(3).every(Number.isNaN)).toBe(true);
  });
});

describe("whileLoop and foriLoop compile to loops inside the module", () => {
  test("a while loop whose predicate reads the carry", () => {
    const f = (x: Array, limit: Array) =>
      whileLoop(
        ([i, v]: readonly [Array, Array]) => np.logicalAnd(i.lt(20), v.sum().lt(limit)),
        ([i, v]: readonly [Array, Array]) => [i.add(1), v.mul(1.5).add(i.astype("float32"))] as const,
        [np.array(0, "int32"), x] as const,
      );
    for (const limit of [-1, 10, 1e6]) {
      const args = [np.abs(halves([3], 2)).add(0.5), np.array(limit)] as [Array, Array];
      agree(f, args);
      expect(wasmText(f, args)).toContain("loop while (while)");
    }
  });

  test("foriLoop with static bounds (a scan over indices) and with a traced bound (a while loop)", () => {
    const fixed = (x: Array) => foriLoop(2, 9, (i, c: Array) => c.mul(2).sub(i), x);
    agree(fixed, [ints(4, 1)]);
    wasmText(fixed, [ints(4, 1)]);
    const traced = (x: Array, n: Array) => foriLoop(0, n, (i, c: Array) => c.add(i.mul(i)), x);
    for (const n of [0, 1, 7]) agree(traced, [ints(2, 3), np.array(n, "int32")]);
    expect(wasmText(traced, [ints(2, 3), np.array(3, "int32")])).toContain("loop while (while)");
  });
});

describe("cond and switch compile to branches inside the module", () => {
  test("switchCase clamps the index (negative: first branch, past the end: last)", () => {
    const f = (i: Array, x: Array) =>
      switchCase(i, [(v: Array) => v.add(1), (v: Array) => v.mul(v), (v: Array) => np.negative(v).sub(3)], x);
    for (const i of [-5, 0, 1, 2, 9]) agree(f, [np.array(i, "int32"), halves([4], 1)]);
    const text = wasmText(f, [np.array(1, "int32"), halves([4], 1)]);
    expect(text).toMatch(/branch cond on b\d+/);
    expect(text).toContain("branch 2 →");
  });

  test("cond inside scan and scan inside cond", () => {
    const inScan = (c0: Array, xs: Array) =>
      scan(
        (c: Array, x: Array) => {
          const next = cond(
            x.sum().gt(0),
            (a: Array, b: Array) => a.add(b),
            (a: Array, b: Array) => a.sub(b).mul(0.5),
            c,
            x,
          );
          return [next, next.sum()] as const;
        },
        c0,
        xs,
      );
    const a1 = [halves([3], 1), halves([7, 3], 2)] as [Array, Array];
    agree(inScan, a1);
    expect(wasmText(inScan, a1)).toMatch(/body:\n(?:\s+\d+: [^\n]*\n)*?\s+\d+: branch cond/);
    const inCond = (p: Array, xs: Array) =>
      cond(
        p,
        (v: Array) => scan((c: Array, x: Array) => [c.add(x), c] as const, v.sum(0), v)[1],
        (v: Array) => v.mul(2),
        xs,
      );
    for (const p of [true, false]) agree(inCond, [np.array(p), halves([4, 2], 3)]);
    expect(wasmText(inCond, [np.array(true), halves([4, 2], 3)])).toMatch(
      /branch 0 →[^\n]*:\n\s+\d+: [^\n]*\n(?:[^\n]*\n)*?\s+\d+: loop scan/,
    );
  });
});

describe("concatenate and pad write their pieces in the module", () => {
  test("pieces of fused producers land in their strided regions (interior padding included)", () => {
    const f = (a: Array, b: Array) => {
      const joined = np.concatenate([a.mul(2), np.round(np.exp(b)), a.sub(b)], 1);
      const padded = np.pad(joined.add(1), [
        [1, 2],
        [0, 3],
      ]);
      return [joined, padded];
    };
    const args = [halves([2, 3], 1), halves([2, 3], 2)] as [Array, Array];
    agree(f, args);
    const text = wasmText(f, args);
    expect(text).toMatch(/→ b\d+:float32\[2,9\] @3\[9,1\]/);
  });

  test("lax.pad's interior padding and a non-zero fill", () => {
    // np.pad has no interior padding: the pad primitive itself, through the JVP of a strided slice.
    const f = (x: Array) =>
      grad((v: Array) =>
        np
          .slice(v, [1, 9, 3])
          .mul(np.array([1, 2, 3]))
          .sum(),
      )(x);
    agree(f, [halves([10], 2)]);
    wasmText(f, [halves([10], 2)]);
    const g = (x: Array) => np.pad(x, [[2, 1]], -1.5);
    agree(g, [ints(3, 1)]);
    wasmText(g, [ints(3, 1)]);
  });
});

describe("what still runs in JS", () => {
  test("a loop whose body has a step without a Wasm form runs as one JS step and asText says so", () => {
    const f = (c0: Array, xs: Array, idx: Array) => {
      const [c] = scan((c: Array, x: Array) => [c.add(np.take(x, idx, 0)), null] as const, c0, xs);
      return np.tanh(c.mul(2)); // a step in Wasm after the loop
    };
    const args = [np.zeros([2]), halves([3, 4], 1), np.array([3, 0], "int32")] as [Array, Array, Array];
    agree(f, args, 1e-6);
    const text = jit(f, { backend: "wasm" })
      .compile(...args)
      .asText();
    expect(text.split("\n")[0]).toBe("backend: wasm");
    expect(text).toContain("steps run in JS: loop (scan body: gather runs a reference kernel)");
    // With nothing else in the program, the whole program runs on the JS backend (its loop form).
    const g = (c0: Array, xs: Array, idx: Array) =>
      scan((c: Array, x: Array) => [c.add(np.take(x, idx, 0)), null] as const, c0, xs)[0];
    agree(g, args);
    const whole = jit(g, { backend: "wasm" })
      .compile(...args)
      .asText();
    expect(whole.split("\n")[0]).toMatch(/^backend: js \(wasm: no step compiles to Wasm/);
    expect(whole).toMatch(/for \(let L\d+i = 0; L\d+i < 3; L\d+i\+\+\)/);
  });
});
