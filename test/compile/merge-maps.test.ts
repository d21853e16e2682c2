/**
 * Multi-output fusion (compile/merge-maps.ts): a map whose result is written out and read by a
 * later map over the same index space runs inside that map. Locks in that an optimizer update
 * becomes one kernel per leaf, that every backend still gives the reference's values, and that
 * a step in between that reads the earlier result keeps the two apart.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, grad, jit, nn, np } from "../../src/index.js";

const adamLike = (p: Array, m: Array, v: Array, g: Array) => {
  const m2 = m.mul(0.9).add(g.mul(0.1));
  const v2 = v.mul(0.999).add(g.mul(g).mul(0.001));
  const p2 = p.sub(m2.div(np.sqrt(v2).add(1e-8)).mul(1e-3));
  return [p2, m2, v2] as const;
};

const kernelLines = (text: string) => text.split("\n").filter((l) => /^ {2}\d+: /.test(l));

describe("multi-output map fusion", () => {
  test("an Adam-like update of one leaf is one kernel with three outputs, on wasm and js", () => {
    const args = [np.ones([8, 16]), np.zeros([8, 16]), np.zeros([8, 16]), np.ones([8, 16])] as const;
    for (const backend of ["wasm", "js"] as const) {
      const text = jit(adamLike, { backend })
        .compile(...args)
        .asText();
      const maps = kernelLines(text).filter((l) => l.includes(": map "));
      expect(maps, text).toHaveLength(1);
      expect(maps[0].split("→")[1].match(/b\d+:/g)).toHaveLength(3);
    }
  });

  test("merged kernels give the reference backend's values (property over shapes and values)", () => {
    const shape = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 0, maxLength: 3 });
    fc.assert(
      fc.property(shape, fc.integer({ min: 0, max: 1000 }), (s, seed) => {
        const n = s.reduce((a, b) => a * b, 1);
        const mk = (k: number) =>
          np.array(Float32Array.from({ length: n }, (_, i) => Math.sin(seed + 7 * i + 13 * k) * (k === 2 ? 1 : 3))).reshape(s);
        const args = [mk(0), mk(1), np.abs(mk(2)), mk(3)] as const;
        const want = jit(adamLike, { backend: "reference" })(...args).map((a) => globalThis.Array.from(a.data()));
        for (const backend of ["wasm", "js"] as const) {
          const got = jit(adamLike, { backend })(...args).map((a) => globalThis.Array.from(a.data()));
          expect(got).toEqual(want);
        }
      }),
      { numRuns: 60 },
    );
  });

  test("a chain of merges where a later map reads every earlier output: gelu's gradient (a regression)", () => {
    // The scheduler writes out tanh, its derivative term and a product; each later map read all
    // of the earlier ones, including outputs that an earlier merge had already moved inside.
    const f = (w: Array) => np.sum(nn.gelu(w).mul(0.7));
    for (const x of [-1.3, 0.2, 2.5]) {
      const w = np.array(x, "float64");
      const want = grad(f)(w).item();
      for (const backend of ["wasm", "js"] as const) expect(jit(grad(f), { backend })(w).item()).toBeCloseTo(want, 12);
    }
  });

  test("random chains of values that are returned and read by later values agree with the reference", () => {
    // v_k = op(v_i, v_j) over earlier values (inputs first); every value is also returned, so
    // each is written out and each later reader may merge it in.
    const ops: ((a: Array, b: Array) => Array)[] = [
      (a, b) => a.mul(b).add(0.5),
      (a, b) => np.tanh(a).sub(b),
      (a, b) => a.div(np.abs(b).add(1)),
      (a, b) => np.where(np.greater(a, b), a, b.mul(2)),
      (a) => np.exp(a.mul(-0.1)),
    ];
    const step = fc.record({ op: fc.nat(ops.length - 1), i: fc.nat(), j: fc.nat() });
    fc.assert(
      fc.property(
        fc.array(step, { minLength: 1, maxLength: 7 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 2 }),
        (steps, shape) => {
          const f = (x: Array, y: Array) => {
            const vs = [x, y];
            for (const s of steps) vs.push(ops[s.op](vs[s.i % vs.length], vs[s.j % vs.length]));
            return vs.slice(2);
          };
          const n = shape.reduce((a, b) => a * b, 1);
          const x = np.array(Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1))).reshape(shape);
          const y = np.array(Float32Array.from({ length: n }, (_, i) => Math.cos(3 * i))).reshape(shape);
          const want = jit(f, { backend: "reference" })(x, y).map((a) => globalThis.Array.from(a.data()));
          for (const backend of ["wasm", "js"] as const) {
            const got = jit(f, { backend })(x, y).map((a) => globalThis.Array.from(a.data()));
            got.forEach((g, k) =>
              g.forEach((v, e) => {
                const w = want[k][e];
                if (!(Object.is(v, w) || Math.abs(v - w) <= 4e-6 * Math.max(1, Math.abs(w))))
                  throw new Error(`${backend}: output ${k} element ${e} is ${v}, want ${w}`);
              }),
            );
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test("a step between that reads the earlier result keeps the maps apart, and the values right", () => {
    // m2 is read by a reduction before the update: moving its map past that reduction would
    // read m2 before it is written.
    const f = (m: Array, g: Array) => {
      const m2 = m.mul(0.9).add(g.mul(0.1));
      const s = np.sum(m2);
      return [m2, m2.mul(s).add(1)] as const;
    };
    const args = [np.arange(12).astype("float32").reshape([3, 4]), np.ones([3, 4])] as const;
    const want = jit(f, { backend: "reference" })(...args).map((a) => globalThis.Array.from(a.data()));
    for (const backend of ["wasm", "js"] as const) {
      const got = jit(f, { backend })(...args).map((a) => globalThis.Array.from(a.data()));
      expect(got).toEqual(want);
    }
  });
});
