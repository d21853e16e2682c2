/** Building blocks and aliases: closed forms, chain by hand, clipping, jit vs eager, purity. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, jit, np, TreeError, tree, ValueError } from "../../src/index.js";
import * as optim from "../../src/optim/index.js";
import { deepFrozen, expectTreeClose, fingerprint, vals } from "./helpers.js";

type Params = { w: Array; b: Array };

const vecArb = (n: number) => fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n });

/** A params-shaped tree from a seed, deterministic. */
function grads(seed: number): Params {
  const f = (i: number) => Math.sin(seed * 7.1 + i * 1.3) * 3;
  return {
    w: np.array(
      [0, 1, 2].map((r) => [0, 1].map((c) => f(r * 2 + c))),
      "float32",
    ),
    b: np.array([f(10), f(11)], "float32"),
  };
}
const params0: Params = {
  w: np.array([
    [1, -2],
    [0.5, 3],
    [-1, 0],
  ]),
  b: np.array([0.1, -0.2]),
};

describe("adam", () => {
  test("first steps equal the closed form for random gradients (float64 property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((n) => fc.array(vecArb(n), { minLength: 1, maxLength: 5 })),
        fc.double({ min: 0.5, max: 0.99, noNaN: true }),
        fc.double({ min: 0.9, max: 0.9999, noNaN: true }),
        fc.double({ min: 1e-4, max: 1, noNaN: true }),
        (gs, b1, b2, lr) => {
          const eps = 1e-8;
          const opt = optim.adam(lr, { b1, b2, eps });
          let p = np.zeros([gs[0].length], "float64");
          let state = opt.init(p);
          const m = gs[0].map(() => 0);
          const v = gs[0].map(() => 0);
          const want = gs[0].map(() => 0);
          gs.forEach((g, k) => {
            const t = k + 1;
            const [u, s] = opt.update(np.array(g, "float64"), state, p);
            p = optim.applyUpdates(p, u);
            state = s;
            g.forEach((gi, i) => {
              m[i] = b1 * m[i] + (1 - b1) * gi;
              v[i] = b2 * v[i] + (1 - b2) * gi * gi;
              const mh = m[i] / (1 - b1 ** t);
              const vh = v[i] / (1 - b2 ** t);
              want[i] -= (lr * mh) / (Math.sqrt(vh) + eps);
            });
          });
          expect(p.dtype).toBe("float64");
          vals(p).forEach((x, i) => {
            if (Math.abs(x - want[i]) > 1e-12 + 1e-9 * Math.abs(want[i])) throw new Error(`param ${i}: ${x} vs ${want[i]}`);
          });
          expect(state[0].count.item()).toBe(gs.length);
          expect(state[0].count.dtype).toBe("int32");
        },
      ),
      { numRuns: 40 },
    );
  });

  test("the first update is −η·g/(|g| + ε) whatever β₁, β₂", () => {
    const opt = optim.adam(0.1, { b1: 0.3, b2: 0.7 });
    const [u] = opt.update(np.array([2, -0.5, 0], "float64"), opt.init(np.zeros([3], "float64")));
    expect(vals(u)).toEqual([-0.1 * (2 / (2 + 1e-8)), 0.1 * (0.5 / (0.5 + 1e-8)), -0]);
  });
});

describe("building blocks", () => {
  test("sgd, momentum and nesterov against hand-written recurrences", () => {
    const gs = [1, -2, 0.5, 3].map((x) => np.array([x], "float64"));
    const run = (opt: optim.AnyTransformation) => {
      let s = opt.init(gs[0]);
      return gs.map((g) => {
        const [u, s2] = opt.update(g, s);
        s = s2;
        return u.item();
      });
    };
    const lr = 0.1;
    const mu = 0.9;
    let b = 0;
    const mom: number[] = [];
    const nes: number[] = [];
    for (const g of [1, -2, 0.5, 3]) {
      b = g + mu * b;
      mom.push(-lr * b);
      nes.push(-lr * (g + mu * b));
    }
    expect(run(optim.sgd(lr))).toEqual([1, -2, 0.5, 3].map((g) => -lr * g));
    run(optim.sgd(lr, { momentum: mu })).forEach((x, i) => expect(x).toBeCloseTo(mom[i], 12));
    run(optim.sgd(lr, { momentum: mu, nesterov: true })).forEach((x, i) => expect(x).toBeCloseTo(nes[i], 12));
  });

  test("rmsprop and adagrad against hand-written recurrences", () => {
    const gs = [1, -2, 0.5];
    let nu = 0;
    let acc = 0.1;
    const wantRms: number[] = [];
    const wantAda: number[] = [];
    for (const g of gs) {
      nu = 0.9 * nu + 0.1 * g * g;
      wantRms.push((-0.01 * g) / Math.sqrt(nu + 1e-8));
      acc += g * g;
      wantAda.push((-0.5 * g) / Math.sqrt(acc + 1e-7));
    }
    for (const [opt, want] of [
      [optim.rmsprop(0.01), wantRms],
      [optim.adagrad(0.5), wantAda],
    ] as const) {
      let s: unknown = opt.init(np.zeros([1], "float64"));
      gs.forEach((g, i) => {
        const [u, s2] = (opt as optim.AnyTransformation).update(np.array([g], "float64"), s);
        s = s2;
        expect(u.item()).toBeCloseTo(want[i], 12);
      });
    }
  });

  test("chain(a, b, c) equals applying a, then b, then c by hand", () => {
    const a = optim.scaleByAdam({ b1: 0.8 });
    const b = optim.trace({ decay: 0.5, nesterov: true });
    const c = optim.scaleByLearningRate(optim.exponentialDecay({ init: 0.1, decayRate: 0.5, transitionSteps: 2 }));
    const chained = optim.chain(a, b, c);
    let cs = chained.init(params0);
    let [sa, sb, sc] = [a.init(params0), b.init(params0), c.init(params0)];
    for (let k = 0; k < 4; k++) {
      const g = grads(k);
      const [u, s] = chained.update(g, cs, params0);
      cs = s;
      const [ua, sa2] = a.update(g, sa, params0);
      const [ub, sb2] = b.update(ua, sb, params0);
      const [uc, sc2] = c.update(ub, sc, params0);
      [sa, sb, sc] = [sa2, sb2, sc2];
      expectTreeClose(u, uc, 0, 0);
      expectTreeClose(cs, [sa, sb, sc], 0, 0);
    }
  });

  test("scaleByLearningRate negates; flipSign: false does not", () => {
    const g = np.array([1, -2]);
    expect(vals(optim.scaleByLearningRate(0.5).update(g, {})[0])).toEqual([-0.5, 1]);
    expect(vals(optim.scaleByLearningRate(0.5, { flipSign: false }).update(g, {})[0])).toEqual([0.5, -1]);
    const sch = optim.scaleByLearningRate(optim.linear({ init: 1, end: 0, transitionSteps: 4 }));
    let s = sch.init(g);
    const seen: number[] = [];
    for (let k = 0; k < 5; k++) {
      const [u, s2] = sch.update(g, s);
      s = s2;
      seen.push(u.data()[0]);
    }
    expect(seen).toEqual([-1, -0.75, -0.5, -0.25, -0]);
  });

  test("addDecayedWeights adds λ·params, only where masked in, and needs params", () => {
    const g = { w: np.array([1, 1]), b: np.array([1]) };
    const p = { w: np.array([2, -4]), b: np.array([10]) };
    expect(vals(optim.addDecayedWeights(0.5).update(g, {}, p)[0].w)).toEqual([2, -1]);
    const masked = optim.addDecayedWeights(0.5, { w: true, b: false });
    const [u] = masked.update(g, masked.init(p), p);
    expect(vals(u.w)).toEqual([2, -1]);
    expect(vals(u.b)).toEqual([1]);
    expect(() => optim.addDecayedWeights(0.5).update(g, {})).toThrow(/needs the current parameters/);
  });

  test("clipByGlobalNorm clips exactly to maxNorm and keeps the direction (property)", () => {
    fc.assert(
      fc.property(vecArb(3), vecArb(2), fc.double({ min: 0.01, max: 20, noNaN: true }), (a, b, maxNorm) => {
        const g = { a: np.array(a, "float64"), b: [np.array(b, "float64")] };
        const norm = Math.hypot(...a, ...b);
        const [u] = optim.clipByGlobalNorm(maxNorm).update(g, {});
        const out = [...vals(u.a), ...vals(u.b[0])];
        const inp = [...a, ...b];
        if (norm < maxNorm) {
          expect(out).toEqual(inp);
        } else {
          expect(optim.globalNorm(u).item()).toBeCloseTo(maxNorm, 10);
          out.forEach((x, i) => expect(x).toBeCloseTo((inp[i] * maxNorm) / norm, 10));
        }
      }),
      { numRuns: 60 },
    );
    // float32 leaves stay float32 and land on maxNorm to float32 precision.
    const [u32] = optim.clipByGlobalNorm(1).update({ x: np.array([3, 4]) }, {});
    expect(u32.x.dtype).toBe("float32");
    expect(vals(u32.x)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });

  test("clip bounds each element; identity and setToZero", () => {
    const g = { x: np.array([-3, 0.5, 7]) };
    expect(vals(optim.clip(1).update(g, {})[0].x)).toEqual([-1, 0.5, 1]);
    expect(vals(optim.identity().update(g, {})[0].x)).toEqual([-3, 0.5, 7]);
    expect(vals(optim.setToZero().update(g, {})[0].x)).toEqual([0, 0, 0]);
  });

  test("applyUpdates keeps the params' dtype and adds leafwise", () => {
    const p = { w: np.array([1, 2], "float32"), n: [np.array(5, "float64")] };
    const out = optim.applyUpdates(p, { w: np.array([0.5, 0.5], "float64"), n: [np.array(-1, "float64")] });
    expect(out.w.dtype).toBe("float32");
    expect(vals(out.w)).toEqual([1.5, 2.5]);
    expect(out.n[0].item()).toBe(4);
    expect(() => optim.applyUpdates({ w: 1 }, { w: 2 })).toThrow(/np.array/);
  });
});

const OPTIMIZERS: [string, () => optim.AnyTransformation][] = [
  ["sgd", () => optim.sgd(0.1)],
  ["sgd+nesterov", () => optim.sgd(0.1, { momentum: 0.9, nesterov: true })],
  ["adam", () => optim.adam(1e-2)],
  ["adam+schedule", () => optim.adam(optim.warmupCosineDecay({ init: 0, peak: 0.1, warmupSteps: 2, decaySteps: 10 }))],
  ["adamw+mask", () => optim.adamw(1e-2, { weightDecay: 0.1, mask: (p) => tree.map((x: Array) => x.ndim > 1, p) })],
  ["rmsprop+momentum", () => optim.rmsprop(1e-2, { momentum: 0.5 })],
  ["adagrad", () => optim.adagrad(0.3)],
  ["clip+adam", () => optim.chain(optim.clipByGlobalNorm(1), optim.clip(0.5), optim.adam(0.1))],
  ["multiSteps", () => optim.multiSteps(optim.adam(0.1), 2)],
  ["partition", () => optim.partition({ a: optim.adam(0.1), s: optim.sgd(0.1) }, { w: "a", b: "s" })],
];

describe.each(OPTIMIZERS)("%s", (_name, make) => {
  test("update under jit equals eager; state keeps its layout; inputs untouched; outputs frozen", () => {
    const opt = make();
    const jitted = jit((g: Params, s: unknown, p: Params) => opt.update(g, s, p));
    let eagerState = opt.init(params0);
    const layout = (t: unknown) => `${tree.structure(t)} ${(tree.leaves(t) as Array[]).map((x) => x.aval.str())}`;
    const initLayout = layout(eagerState);
    let jitState = eagerState;
    let nonZero = false;
    expect(deepFrozen(eagerState)).toBe(true);
    for (let k = 0; k < 4; k++) {
      const g = grads(k);
      const before = [fingerprint(g), fingerprint(eagerState), fingerprint(params0)];
      const [ue, se] = opt.update(g, eagerState, params0);
      expect([fingerprint(g), fingerprint(eagerState), fingerprint(params0)]).toEqual(before);
      const [uj, sj] = jitted(g, jitState, params0);
      expectTreeClose(uj, ue, 1e-5, 1e-7);
      expectTreeClose(sj, se, 1e-5, 1e-7);
      for (const t of [ue, se]) expect(deepFrozen(t)).toBe(true);
      expect(deepFrozen(optim.applyUpdates(params0, ue))).toBe(true);
      expect(tree.structure(ue).toString()).toBe(tree.structure(g).toString());
      expect(layout(se)).toBe(initLayout); // so a jitted loop never retraces
      nonZero ||= (tree.leaves(ue) as Array[]).some((x) => vals(x).some((v) => v !== 0));
      eagerState = se;
      jitState = sj;
    }
    // Some updates were not zero (multiSteps emits every other step): the comparison was not vacuous.
    expect(nonZero).toBe(true);
  });
});

describe("errors", () => {
  test("non-array leaves and bad options are ValueErrors that say what to do", () => {
    expect(() => optim.adam(0.1).init({ w: 3 })).toThrow(ValueError);
    expect(() => optim.adam(0.1).init({ w: 3 })).toThrow(/leaf w .*np\.array/);
    expect(() => optim.clipByGlobalNorm(0)).toThrow(/maxNorm/);
    expect(() => optim.chain(optim.identity()).update({ x: np.zeros([1]) }, [] as never)).toThrow(/chain: the state/);
  });
});

describe("mismatched trees", () => {
  const p = { layer: { w: np.ones([2]), b: np.ones([2]) } };
  test.each<[string, optim.AnyTransformation, string]>([
    ["adam", optim.adam(1e-3), "scaleByAdam"],
    ["adamw", optim.adamw(1e-3), "scaleByAdam"],
    ["sgd", optim.sgd(0.1, { momentum: 0.9 }), "trace"],
    ["rmsprop", optim.rmsprop(1e-2), "scaleByRms"],
    ["adagrad", optim.adagrad(0.1), "scaleByRss"],
  ])(
    "%s: grads that do not match the state name the optimizer, grads vs. state, and which side lacks which key",
    (name, opt, part) => {
      const state = opt.init(p);
      const extra = { layer: { w: np.ones([2]), b: np.ones([2]), c: np.ones([2]) } };
      expect(() => opt.update(extra, state, p)).toThrow(TreeError);
      expect(() => opt.update(extra, state, p)).toThrow(
        `optim.${name}: ${part}: grads vs. state: structure mismatch at layer: the grads have key c, which the state lacks; ` +
          "pass grads with the structure of the params given to init ({layer: {b: *, w: *}})",
      );
      expect(() => opt.update({ layer: { w: np.ones([2]) } }, state, p)).toThrow(
        `optim.${name}: ${part}: grads vs. state: structure mismatch at layer: the grads lack key b, which the state has`,
      );
      expect(() => opt.update({ layer: [np.ones([2])] }, state, p)).toThrow(
        "structure mismatch at layer: the grads have an array of 1 child but the state has an object with keys [b, w]",
      );
    },
  );

  test("transformations used directly name themselves; params-based ones say grads vs. params", () => {
    const t = optim.scaleByAdam();
    expect(() => t.update({ a: np.ones([1]) }, t.init({ b: np.ones([1]) }))).toThrow(
      "scaleByAdam: grads vs. state: structure mismatch at <root>: the grads have key a, which the state lacks; the grads lack key b, which the state has",
    );
    const d = optim.addDecayedWeights(0.1);
    expect(() => d.update({ a: np.ones([1]) }, d.init({}), { b: np.ones([1]) })).toThrow(
      "addDecayedWeights: grads vs. params: structure mismatch at <root>: the grads have key a, which the params lack",
    );
    const m = optim.multiSteps(optim.sgd(0.1), 2);
    expect(() => m.update({ a: np.ones([1]) }, m.init({ b: np.ones([1]) }))).toThrow("multiSteps: grads vs. state");
    expect(() => optim.applyUpdates({ w: np.ones([1]) }, { v: np.ones([1]) })).toThrow(
      "applyUpdates: updates vs. params: structure mismatch at <root>: the updates have key v, which the params lack",
    );
  });

  test("applyUpdates names the parameter whose update has the wrong shape", () => {
    const params = { layers: [{ b: np.zeros([32]) }, { b: np.zeros([32]) }] };
    const updates = { layers: [{ b: np.zeros([32]) }, { b: np.zeros([10]) }] };
    expect(() => optim.applyUpdates(params, updates)).toThrow(
      "applyUpdates: updates vs. params: params.layers[1].b: expected f32[32], got f32[10]",
    );
  });
});
