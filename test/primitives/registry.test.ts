/**
 * Registry-driven laws: for every registered primitive (one spec each, see specs.ts) check its
 * derivatives with checkGrads, the vmap law, the jit law, and that its IRs typecheck.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { bind1 } from "../../src/core/trace.js";
import {
  Array,
  allPrimitives,
  ConcreteArray,
  grad,
  jit,
  jvp,
  makeIr,
  np,
  type Primitive,
  typecheck,
  vmap,
} from "../../src/index.js";
import { checkGrads } from "../../src/testing/index.js";
import { type PrimitiveSpec, SPECS } from "./specs.js";

const NUM_RUNS = 20;
const isFloat = (x: Array) => x.dtype === "float32" || x.dtype === "float64";
const asList = (out: Array | Array[]): Array[] => (globalThis.Array.isArray(out) ? out : [out]);

/** A case: setup params and one argument tuple. */
const cases = (s: PrimitiveSpec) => s.setup.chain((p) => s.args(p).map((args) => ({ p, args })));

/** Shapes, dtypes and values equal (floats to ~1e-9 relative, others exactly). */
function expectSame(got: Array, want: Array, what: string): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  const g = got.data();
  const w = want.data();
  for (let i = 0; i < w.length; i++) {
    const ok = isFloat(want)
      ? Math.abs(g[i] - w[i]) <= 1e-12 + 1e-9 * Math.abs(w[i]) || (Number.isNaN(g[i]) && Number.isNaN(w[i]))
      : g[i] === w[i];
    if (!ok) expect.fail(`${what}: element ${i} is ${g[i]}, expected ${w[i]}`);
  }
}

type Kinks = NonNullable<PrimitiveSpec["kinks"]>;
const kinkCases = (k: Kinks) => k.setup.chain((p) => k.args(p).map((args) => ({ p, args })));

/** Forward and reverse derivatives w.r.t. argument `wrt`, elementwise, equal the spec's `deriv`. */
function checkKinks(s: PrimitiveSpec, p: unknown, args: readonly Array[]): void {
  const k = s.kinks as Kinks;
  const f = s.fn(p);
  const only = (x: Array) => asList(f(...args.map((a, i) => (i === k.wrt ? x : a))))[0];
  const x = args[k.wrt];
  const vals = args.map((a) => [...a.data()]);
  const want = vals[k.wrt].map((_, e) =>
    k.deriv(
      p,
      vals.map((v) => v[e]),
    ),
  );
  const [, fwd] = jvp(only, [x], [np.onesLike(x)]);
  const rev = grad((v: Array) => np.sum(only(v)))(x);
  for (const [mode, got] of [
    ["forward", fwd],
    ["reverse", rev],
  ] as const) {
    const g = got.data();
    want.forEach((w, e) => {
      if (!(Math.abs(g[e] - w) <= 1e-12 + 1e-9 * Math.abs(w))) {
        expect.fail(`${s.name}, ${mode} mode: element ${e} (x = ${vals[k.wrt][e]}): derivative ${g[e]}, expected ${w}`);
      }
    });
  }
}

function zerosLike(x: Array): Array {
  return np.zeros(x.shape, x.dtype);
}

test("every registered primitive has a spec", () => {
  const covered = new Set(SPECS.map((s) => s.name));
  const missing = allPrimitives()
    .map((p) => p.name)
    .filter((n) => !covered.has(n));
  expect(missing, `primitives without a spec in test/primitives/specs.ts: ${missing.join(", ")}`).toEqual([]);
  const unknown = [...covered].filter((n) => !allPrimitives().some((p) => p.name === n));
  expect(unknown, "specs naming no registered primitive").toEqual([]);
});

describe.each(SPECS.map((s) => [s.name, s] as const))("%s", (_name, s) => {
  if (s.grad === "both" || s.grad === "rev" || s.grad === "fwd") {
    test("derivatives match central differences (checkGrads)", () => {
      const modes = s.grad === "both" ? (["fwd", "rev"] as const) : s.grad === "fwd" ? (["fwd"] as const) : (["rev"] as const);
      fc.assert(
        fc.property(cases(s), ({ p, args }) => {
          checkGrads(s.fn(p), args, { order: s.order ?? 2, modes });
        }),
        { numRuns: NUM_RUNS },
      );
    });
  } else {
    test("the JVP tangent is zero", () => {
      fc.assert(
        fc.property(cases(s), ({ p, args }) => {
          const f = s.fn(p);
          // Unit tangents on float inputs (non-float inputs take zeros, which jvp ignores).
          const tangents = args.map((x) => (isFloat(x) ? np.onesLike(x) : zerosLike(x)));
          const [out, tout] = jvp((...xs: Array[]) => asList(f(...xs)), args, tangents);
          tout.forEach((t, i) => {
            expect(t.shape).toEqual(out[i].shape);
            if (isFloat(t))
              expect(
                [...t.data()].every((v) => v === 0),
                `tangent ${i} is ${t}`,
              ).toBe(true);
          });
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }

  const kinks = s.kinks;
  if (kinks !== undefined) {
    test("at kink points, jvp and grad give the documented derivative (JAX's convention)", () => {
      fc.assert(
        fc.property(kinkCases(kinks), ({ p, args }) => checkKinks(s, p, args)),
        { numRuns: NUM_RUNS },
      );
    });
  }

  test("vmap(f) equals stacking f over examples (random in axes, incl. null)", () => {
    const arb = s.setup.chain((p) =>
      fc
        .integer({ min: 1, max: 3 })
        .chain((n) =>
          fc
            .array(s.args(p), { minLength: n, maxLength: n })
            .chain((examples) =>
              fc
                .tuple(...examples[0].map((x) => fc.option(fc.integer({ min: 0, max: x.ndim }), { freq: 3 })))
                .map((axes) => ({ p, examples, axes: axes.every((a) => a === null) ? [0, ...axes.slice(1)] : axes })),
            ),
        ),
    );
    fc.assert(
      fc.property(arb, ({ p, examples, axes }) => {
        const f = s.fn(p);
        const batched = axes.map((ax, i) =>
          ax === null
            ? examples[0][i]
            : np.stack(
                examples.map((e) => e[i]),
                ax,
              ),
        );
        const got = asList(vmap(f, { inAxes: axes })(...batched));
        const perExample = examples.map((e) => asList(f(...e.map((x, i) => (axes[i] === null ? examples[0][i] : x)))));
        const want = perExample[0].map((_, j) =>
          np.stack(
            perExample.map((outs) => outs[j]),
            0,
          ),
        );
        expect(got.length).toBe(want.length);
        got.forEach((g, j) => expectSame(g, want[j], `output ${j}`));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test("jit(f) equals f", () => {
    fc.assert(
      fc.property(cases(s), ({ p, args }) => {
        const f = s.fn(p);
        const want = asList(f(...args));
        const got = asList(jit(f)(...args));
        got.forEach((g, j) => expectSame(g, want[j], `output ${j}`));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  // The Wasm backend's float32 transcendentals are within 2 ulp and its products accumulate in
  // float32, so float32 results get a few-ulp bound scaled by the magnitude; everything else
  // (ints, bools, and float64, which runs on the JS backend) must match as tightly as above.
  test("jit(f, { backend: 'wasm' }) equals f", () => {
    fc.assert(
      fc.property(cases(s), ({ p, args }) => {
        const f = s.fn(p);
        const want = asList(f(...args));
        const got = asList(jit(f, { backend: "wasm" })(...args));
        got.forEach((g, j) => {
          if (want[j].dtype !== "float32") return expectSame(g, want[j], `output ${j}`);
          expect(g.shape, `output ${j}: shape`).toEqual(want[j].shape);
          expect(g.dtype, `output ${j}: dtype`).toBe("float32");
          const [gd, wd] = [g.data(), want[j].data()];
          for (let i = 0; i < wd.length; i++) {
            const ok =
              Math.abs(gd[i] - wd[i]) <= 2 ** -18 * (1 + Math.abs(wd[i])) || (Number.isNaN(gd[i]) && Number.isNaN(wd[i]));
            if (!ok && gd[i] !== wd[i]) expect.fail(`output ${j}: element ${i} is ${gd[i]}, expected ${wd[i]}`);
          }
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test("the IRs of f and of its gradient typecheck", () => {
    fc.assert(
      fc.property(cases(s), ({ p, args }) => {
        const f = s.fn(p);
        expect(typecheck(makeIr(f)(...args)).outs.length).toBe(asList(f(...args)).length);
        const floatArgs = args.flatMap((x, i) => (isFloat(x) ? [i] : []));
        const floatOuts = asList(f(...args)).some(isFloat);
        if (floatArgs.length === 0 || !floatOuts) return;
        const loss = (...xs: Array[]) =>
          asList(f(...xs))
            .filter(isFloat)
            .reduce((acc: Array, o) => acc.add(np.sum(o).astype(acc.dtype)), np.zeros([], "float64"));
        if (s.grad === "fwd") {
          // No reverse mode: check the IR of the forward-mode derivative instead.
          typecheck(
            makeIr(
              (...xs: Array[]) =>
                jvp(
                  loss,
                  xs,
                  xs.map((x) => (isFloat(x) ? np.onesLike(x) : x)),
                )[1],
            )(...args),
          );
          return;
        }
        const g = grad(loss, { argnums: floatArgs });
        typecheck(makeIr(g)(...args));
      }),
      { numRuns: 5 },
    );
  });
});

test("the spec helpers build concrete float64 inputs", () => {
  const [{ args }] = fc.sample(cases(SPECS[0]), { numRuns: 1, seed: 1 });
  expect(args[0]).toBeInstanceOf(ConcreteArray);
  expect(args[0].dtype).toBe("float64");
});

describe("the laws catch broken rules", () => {
  /** Run `body` with one rule of a primitive replaced, then restore it. */
  function withRule<K extends "jvp" | "batch">(name: string, key: K, rule: Primitive[K], body: () => void): void {
    const p = allPrimitives().find((q) => q.name === name) as Primitive & Record<K, Primitive[K]>;
    const saved = p[key];
    p[key] = rule;
    try {
      body();
    } finally {
      p[key] = saved;
    }
  }
  const specOf = (name: string) => SPECS.find((s) => s.name === name) as PrimitiveSpec;
  /** checkGrads on a few fixed samples of the spec's cases. */
  const runCheck = (s: PrimitiveSpec) => {
    for (const { p, args } of fc.sample(cases(s), { numRuns: 3, seed: 7 })) checkGrads(s.fn(p), args, { order: 1 });
  };

  test("a JVP rule off by a factor fails checkGrads", () => {
    const sin = allPrimitives().find((q) => q.name === "sin") as Primitive;
    const original = sin.jvp;
    const doubled: Primitive["jvp"] = (primals, tangents, params) => {
      const [outs, ts] = original(primals, tangents, params);
      return [outs, ts.map((t) => (t instanceof Array ? t.mul(2) : t))];
    };
    expect(() => runCheck(specOf("sin"))).not.toThrow();
    withRule("sin", "jvp", doubled, () => expect(() => runCheck(specOf("sin"))).toThrow(/forward-mode order 1/));
  });

  test("a JVP rule with the wrong value at a kink (sign(x)·dx for abs) fails the kink law", () => {
    const s = specOf("abs");
    const run = () => {
      for (const { p, args } of fc.sample(kinkCases(s.kinks as Kinks), { numRuns: 10, seed: 3 })) checkKinks(s, p, args);
    };
    expect(run).not.toThrow();
    const signRule: Primitive["jvp"] = ([x], [t]) => [[np.abs(x)], [(t as Array).mul(np.sign(x))]];
    withRule("abs", "jvp", signRule, () => expect(run).toThrow(/expected 1/));
  });

  test("a batching rule that forgets to move the batch dim fails the vmap law", () => {
    const tr = allPrimitives().find((q) => q.name === "transpose") as Primitive;
    const g = (y: Array) => bind1(tr, [y], { permutation: [1, 0] });
    const xs = np.arange(12, undefined, 1, "float64").reshape([2, 2, 3]);
    const stacked = () => np.stack([g(np.take(xs, 0, 0)), g(np.take(xs, 1, 0))]);
    expectSame(vmap(g)(xs), stacked(), "vmap");
    // Claims the output is batched at dim 0 without transposing: per-example results are wrong.
    const wrong: Primitive["batch"] = (args, dims) => [[args[0]], [dims[0]]];
    withRule("transpose", "batch", wrong, () => expect(() => expectSame(vmap(g)(xs), stacked(), "vmap")).toThrow());
  });
});
