/**
 * jit's donateArgnums: a donated argument's arrays are deleted after a concrete call, their
 * buffers may hold outputs, and nothing any other array can see is ever written.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { BACKENDS } from "../../src/compile/compile.js";
import { type Array, type ConcreteArray, DeletedArrayError, grad, jit, np, TransformError, vmap } from "../../src/index.js";

const step = (w: Array, g: Array) => w.sub(g.mul(0.5));
const buf = (a: Array) => (a as ConcreteArray).buffer;

describe("donateArgnums", () => {
  test.each(BACKENDS)(
    "a donated array is deleted after the call and reading it raises a DeletedArrayError naming the call (%s)",
    (backend) => {
      const f = jit(
        function update(w: Array, g: Array) {
          return step(w, g);
        },
        { donateArgnums: 0, backend },
      );
      const w = np.array([1, 2, 3]);
      const g = np.array([2, 2, 2]);
      const out = f(w, g);
      expect(out.toArray()).toEqual([0, 1, 2]);
      expect((w as ConcreteArray).isDeleted).toBe(true);
      expect(w.shape).toEqual([3]);
      expect(String(w)).toContain("deleted: donated to jit(update) as argument 0");
      for (const use of [() => w.toArray(), () => w.data(), () => w.add(1), () => Number(w.sum()), () => f(w, g)]) {
        expect(use).toThrow(DeletedArrayError);
      }
      expect(() => w.item()).toThrow(/f32\[3\] array was donated to jit\(update\) as argument 0/);
      // The argument that was not donated stays usable.
      expect(g.toArray()).toEqual([2, 2, 2]);
    },
  );

  test("on the wasm backend the output is written into the donated buffer", () => {
    const f = jit(step, { donateArgnums: 0, backend: "wasm" });
    const w = np.array([1, 2, 3, 4]);
    const before = buf(w);
    const out = f(w, np.ones([4]));
    expect(buf(out)).toBe(before);
    expect(out.toArray()).toEqual([0.5, 1.5, 2.5, 3.5]);
    // The adopted buffer is the output's alone, so it can be donated again.
    const out2 = f(out, np.ones([4]));
    expect(buf(out2)).toBe(before);
    expect(out2.toArray()).toEqual([0, 1, 2, 3]);
  });

  test("a donated buffer that another array shares is never written (reshape shares buffers)", () => {
    const f = jit((w: Array) => w.mul(10), { donateArgnums: 0, backend: "wasm" });
    const base = np.arange(6).astype("float32");
    const view = base.reshape([2, 3]);
    const out = f(view);
    expect(buf(out)).not.toBe(buf(base));
    expect(base.toArray()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(out.toArray()).toEqual([
      [0, 10, 20],
      [30, 40, 50],
    ]);
    expect(() => view.toArray()).toThrow(DeletedArrayError);
  });

  test("pytree arguments: every leaf is deleted, and messages name the leaf's path", () => {
    const f = jit((p: { w: Array; b: Array }, x: Array) => ({ w: p.w.sub(x), b: p.b.add(1) }), { donateArgnums: [0] });
    const p = { w: np.ones([2, 2]), b: np.zeros([2]) };
    const q = f(p, np.ones([2, 2]));
    expect(q.w.toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(q.b.toArray()).toEqual([1, 1]);
    expect(() => p.b.toArray()).toThrow(/donated to jit\(\w*\) as argument 0 \(b\)/);
    expect(() => p.w.toArray()).toThrow(/argument 0 \(w\)/);
  });

  test("an array donated and also passed where it is not donated is refused before anything runs", () => {
    const f = jit((a: Array, b: Array) => a.add(b), { donateArgnums: 0 });
    const x = np.ones([3]);
    expect(() => f(x, x)).toThrow(TransformError);
    expect(() => f(x, x)).toThrow(/argument 0 is donated.*also passed as argument 1, which is not donated/);
    expect(x.toArray()).toEqual([1, 1, 1]);
  });

  test("one array in two donated places is deleted once and its buffer goes to one output only", () => {
    const g = jit((a: Array, b: Array) => [a.add(1), b.add(2)] as const, { donateArgnums: [0, 1], backend: "wasm" });
    const x = np.ones([3]);
    const [p, q] = g(x, x);
    expect(p.toArray()).toEqual([2, 2, 2]);
    expect(q.toArray()).toEqual([3, 3, 3]);
    expect(buf(p)).not.toBe(buf(q));
    expect(() => x.toArray()).toThrow(DeletedArrayError);
  });

  test("np.copy makes an array that can be donated while the original stays readable", () => {
    const f = jit((w: Array) => w.mul(2), { donateArgnums: 0 });
    const w = np.array([1, 2]);
    const out = f(np.copy(w));
    expect(out.toArray()).toEqual([2, 4]);
    expect(w.toArray()).toEqual([1, 2]);
  });

  test("under transforms the donation is ignored: traced arguments are not deleted", () => {
    const f = jit((w: Array) => np.sum(np.square(w)), { donateArgnums: 0 });
    const w = np.array([1, 2, 3]);
    expect(grad(f)(w).toArray()).toEqual([2, 4, 6]);
    expect(vmap(f)(np.ones([2, 3])).toArray()).toEqual([3, 3]);
    expect(jit((v: Array) => f(v))(w).item()).toBe(14);
    expect(w.toArray()).toEqual([1, 2, 3]);
  });

  test("bad donateArgnums are TransformErrors", () => {
    expect(() => jit(step, { donateArgnums: 0, staticArgnums: 0 })).toThrow(/both staticArgnums and donateArgnums/);
    expect(() => jit(step, { donateArgnums: 1.5 })).toThrow(TransformError);
    expect(() => jit(step, { donateArgnums: 5 })(np.ones([1]), np.ones([1]))).toThrow(/names argument 5, but the call has 2/);
  });

  test.each(BACKENDS)("a donated training loop computes the same numbers as an undonated one (%s)", (backend) => {
    const lossGrad = (p: { w: Array; b: Array }, x: Array, y: Array) => {
      const g = grad((q: { w: Array; b: Array }) => np.sum(np.square(np.tanh(x.matmul(q.w).add(q.b)).sub(y))))(p);
      return { w: p.w.sub(g.w.mul(0.1)), b: p.b.sub(g.b.mul(0.1)) };
    };
    const plain = jit(lossGrad, { backend });
    const donated = jit(lossGrad, { backend, donateArgnums: 0 });
    const x = np.array([
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    const y = np.array([[1], [1], [0]]);
    let p = { w: np.array([[0.1], [-0.2]]), b: np.array([0.05]) };
    let q = { w: np.copy(p.w), b: np.copy(p.b) };
    for (let i = 0; i < 50; i++) {
      p = plain(p, x, y);
      q = donated(q, x, y);
    }
    expect(q.w.data()).toEqual(p.w.data());
    expect(q.b.data()).toEqual(p.b.data());
    expect(x.toArray()).toEqual([
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
  });

  test("property: donation never changes any array that was not donated, and outputs equal the undonated call's", () => {
    const f = (a: Array, b: Array) => [a.mul(b).add(1), np.flip(a, 1), b.sub(a)] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(...BACKENDS),
        fc.subarray([0, 1]),
        fc.boolean(),
        (n, backend, donate, shareA) => {
          // A reshape to another shape is another array over the same buffer.
          const base = np.arange(n).astype("float32");
          const a = shareA ? base.reshape([1, n]) : np.arange(n).astype("float32").reshape([1, n]);
          const b = np.full([1, n], 3);
          const held = [base, ...(donate.includes(0) ? [] : [a]), ...(donate.includes(1) ? [] : [b])];
          const snapshot = held.map((h) => h.toArray());
          const want = jit(f, { backend })(a, b).map((o) => o.toArray());
          const got = jit(f, { backend, donateArgnums: donate })(a, b).map((o) => o.toArray());
          expect(got).toEqual(want);
          expect(held.map((h) => h.toArray())).toEqual(snapshot);
          for (const i of donate) expect(([a, b][i] as ConcreteArray).isDeleted).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("donation and eager fusion", () => {
  test("a value deferred before the donation reads the donated array as it was", () => {
    const n = 100_000; // large enough for eager elementwise results to be deferred
    const f = jit((w: Array) => w.mul(3), { donateArgnums: 0, backend: "wasm" });
    const w = np.ones([n]);
    const later = w.add(1); // pending: reads w when it is computed
    const out = f(w);
    expect(np.max(later).item()).toBe(2);
    expect(np.min(later).item()).toBe(2);
    expect(np.max(out).item()).toBe(3);
    expect(() => w.toArray()).toThrow(DeletedArrayError);
  });

  test("a donated array that is itself pending is computed before the call", () => {
    const n = 100_000;
    const f = jit((w: Array) => w.mul(2), { donateArgnums: 0 });
    const w = np.ones([n]).add(1); // pending
    const out = f(w);
    expect(np.min(out).item()).toBe(4);
    expect(np.max(out).item()).toBe(4);
  });
});
