/** Combinators: partition, maskedTransform, multiSteps, and a whole jitted training step. */
import { describe, expect, test } from "vitest";
import { type Array, grad, jit, np, tree, ValueError } from "../../src/index.js";
import * as optim from "../../src/optim/index.js";
import { deepFrozen, expectTreeClose, fingerprint, vals } from "./helpers.js";

describe("partition", () => {
  const params = { encoder: { w: np.array([1, 2]), b: np.array([3]) }, head: { w: np.array([4]) } };
  const labelOf = (p: unknown) =>
    tree.mapWithPath((path) => (tree.keyPathString(path).startsWith("head") ? "fast" : "frozen"), p as typeof params);

  test("applies each transformation to its labelled group only", () => {
    const opt = optim.partition({ fast: optim.adam(0.1), frozen: optim.setToZero() }, labelOf);
    let state = opt.init(params);
    // adam's state only holds the "fast" leaves: the others are null (empty) nodes.
    const mu = (state.inner.fast.inner as unknown as [{ mu: unknown }])[0].mu;
    expect(tree.leaves(mu)).toHaveLength(1);
    const adam = optim.adam(0.1);
    let adamState = adam.init(params.head);
    for (const gv of [1, -3, 2]) {
      const g = tree.map((x) => np.fullLike(x, gv), params);
      const [u, s] = opt.update(g, state, params);
      state = s;
      const [ua, sa] = adam.update(g.head, adamState, params.head);
      adamState = sa;
      expect(vals(u.encoder.w)).toEqual([0, 0]);
      expect(vals(u.encoder.b)).toEqual([0]);
      expectTreeClose(u.head, ua, 0, 0);
    }
  });

  test("labels may be a tree; unknown labels are ValueErrors listing the known ones", () => {
    const opt = optim.partition({ a: optim.scale(2), b: optim.scale(-1) }, { encoder: { w: "a", b: "b" }, head: { w: "a" } });
    const [u] = opt.update(params, opt.init(params));
    expect(vals(u.encoder.w)).toEqual([2, 4]);
    expect(vals(u.encoder.b)).toEqual([-3]);
    expect(vals(u.head.w)).toEqual([8]);
    const bad = optim.partition({ a: optim.scale(2) }, { encoder: { w: "a", b: "zz" }, head: { w: "a" } });
    expect(() => bad.init(params)).toThrow(ValueError);
    expect(() => bad.init(params)).toThrow(/"zz".*"a"/);
  });
});

describe("maskedTransform", () => {
  test("transforms the selected leaves, passes the rest through, accepts a mask function", () => {
    const g = { a: np.array([1, 2]), b: [np.array([3]), np.array([4])] };
    const t = optim.maskedTransform(optim.scale(-10), { a: true, b: [false, true] });
    const [u] = t.update(g, t.init(g));
    expect(vals(u.a)).toEqual([-10, -20]);
    expect(vals(u.b[0])).toEqual([3]);
    expect(vals(u.b[1])).toEqual([-40]);
    const byFn = optim.maskedTransform(optim.scale(0), (p) => tree.map((x: Array) => x.size > 1, p));
    const [v] = byFn.update(g, byFn.init(g));
    expect(vals(v.a)).toEqual([0, 0]);
    expect(vals(v.b[1])).toEqual([4]);
    expect(() => optim.maskedTransform(optim.identity(), { a: 1, b: [true, true] }).update(g, { inner: {} })).toThrow(/booleans/);
  });
});

describe("multiSteps", () => {
  test("accumulates k steps: zero updates, then the inner update of the mean gradient", () => {
    const k = 3;
    const opt = optim.multiSteps(optim.sgd(1), k);
    const p = { x: np.zeros([2]) };
    let state = opt.init(p);
    const gs = [
      [1, 2],
      [3, -4],
      [5, 8],
      [-1, 0],
      [2, 2],
      [2, 1],
    ];
    const out = gs.map((g) => {
      const [u, s] = opt.update({ x: np.array(g) }, state, p);
      state = s;
      return vals(u.x);
    });
    expect(out).toEqual([
      [0, 0],
      [0, 0],
      [-3, -2],
      [0, 0],
      [0, 0],
      [-1, -1],
    ]);
    expect(state.gradientStep.item()).toBe(2);
    expect(state.miniStep.item()).toBe(0);
  });

  test("multiSteps(adam, k) on k repeats of each gradient equals adam on those gradients, under jit", () => {
    const k = 2;
    const ms = optim.multiSteps(optim.adam(0.1), k);
    const adam = optim.adam(0.1);
    const step = jit((g: { x: Array }, s: optim.MultiStepsState<optim.StateOf<typeof adam>>) => ms.update(g, s));
    let sm = ms.init({ x: np.zeros([2]) });
    let sa = adam.init({ x: np.zeros([2]) });
    for (const gv of [
      [1, -1],
      [0.5, 2],
      [-3, 0.1],
    ]) {
      const g = { x: np.array(gv) };
      const [u0, s0] = step(g, sm);
      expect(vals(u0.x)).toEqual([0, 0]);
      const [u1, s1] = step(g, s0);
      sm = s1;
      const [ua, s2] = adam.update(g, sa);
      sa = s2;
      expectTreeClose(u1, ua, 1e-6, 1e-8);
      expectTreeClose(sm.innerState, sa, 1e-6, 1e-8);
    }
  });
});

describe("a whole training step under jit", () => {
  type Params = { w: Array; b: Array };
  const xs = np.array([
    [1, 2],
    [3, -1],
    [0, 1],
    [-2, 0.5],
  ]);
  const ys = np.array([5.5, 1.5, 2.5, -0.5]); // y = x·[1, 2] + 0.5 exactly
  const loss = (p: Params, batch: { x: Array; y: Array }) => np.mean(np.square(batch.x.matmul(p.w).add(p.b).sub(batch.y)));

  test("jit(trainStep) returns new params and state, equals the eager step, and converges", () => {
    const opt = optim.adamw(0.1, { weightDecay: 1e-4, mask: { w: true, b: false } });
    type State = optim.StateOf<typeof opt>;
    const trainStep = (params: Params, optState: State, batch: { x: Array; y: Array }) => {
      const grads = grad(loss)(params, batch);
      const [updates, next] = opt.update(grads, optState, params);
      return [optim.applyUpdates(params, updates), next, loss(params, batch)] as const;
    };
    const step = jit(trainStep);
    const params: Params = { w: np.zeros([2]), b: np.zeros([]) };
    const batch = { x: xs, y: ys };
    let p = params;
    let s = opt.init(params);
    const before = fingerprint([params, s]);
    const [pe, se] = trainStep(p, s, batch);
    const [pj, sj] = step(p, s, batch);
    expect(fingerprint([params, s])).toBe(before);
    expectTreeClose(pj, pe, 1e-6, 1e-7);
    expectTreeClose(sj, se, 1e-6, 1e-7);
    expect(deepFrozen(pj) && deepFrozen(sj)).toBe(true);
    let first = Number.NaN;
    let last = Number.NaN;
    for (let i = 0; i < 300; i++) {
      const [p2, s2, l] = step(p, s, batch);
      if (i === 0) first = l.item();
      last = l.item();
      p = p2;
      s = s2;
    }
    expect(last).toBeLessThan(first * 1e-3);
    expect(np.allclose(p.w, np.array([1, 2]), { atol: 0.05 })).toBe(true);
    expect(p.b.item()).toBeCloseTo(0.5, 1);
    expect(s[0].count.item()).toBe(300);
  });
});
