/**
 * Gradient fuzzing: random smooth float64 programs (smooth-programs.ts) over pytree arguments,
 * differentiated every way, against central differences and against each other:
 * - `grad` (argnums 0 or [0, 1]) against `numericalGrad` element by element, and `checkGrads`
 *   (JVP and VJP against central differences along random directions; order 2 on some programs);
 * - `valueAndGrad`'s value, `jit(f)` and `vmap(f)` against the function;
 * - `jit(grad(f))` on every backend in `BACKENDS` and `grad(jit(f))` against eager `grad`;
 * - `vmap(grad(f))` (params batched; extra and the flag batched or shared) and `jit(vmap(grad(f)))`
 *   against `grad` on each example.
 * A failure reports the shrunk program as text. `RANDOM_GRAD_RUNS=N` (or `npm run fuzz -- --runs N`)
 * runs N programs; CI runs the default budget.
 */
import fc from "fast-check";
import { expect, describe as group, test } from "vitest";
import { BACKENDS } from "../../src/compile/compile.js";
import type { Array } from "../../src/index.js";
import { grad, jit, np, tree, valueAndGrad, vmap } from "../../src/index.js";
import { checkGrads, numericalGrad } from "../../src/testing/index.js";
import { build, type Case, caseArb, describe, extraAxis, makeArgs } from "./smooth-programs.js";
import { tally } from "./tally.js";

const RUNS = Number(process.env.RANDOM_GRAD_RUNS ?? 40);
const count = tally("random gradients");
/**
 * The central-difference step: float64's default 1e-4 is too coarse here. A program may take sin
 * of a product of two values of size up to LIMIT, whose third derivative is then large enough that
 * the truncation error eps²·f‴/6 reaches the 1e-5 tolerance; a 2,000-program run failed that way
 * on a correct gradient (it converged to grad's value as eps shrank). At 1e-5 the truncation error
 * is 100 times smaller and the rounding error |f|·2⁻⁵²/eps is still below 1e-9 of the values here.
 */
const EPS = 1e-5;

const leavesOf = (t: unknown): Array[] => tree.leaves(t) as Array[];

/**
 * |got − want| ≤ atol + rtol·|want| element by element over two trees of the same structure;
 * the message names the leaf (by position) and the element.
 */
function closeTrees(got: unknown, want: unknown, atol: number, rtol: number, what: string): void {
  const g = leavesOf(got);
  const w = leavesOf(want);
  if (g.length !== w.length) throw new Error(`${what}: ${g.length} leaves, want ${w.length}`);
  g.forEach((a, k) => {
    const b = w[k];
    if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) {
      throw new Error(`${what}: leaf ${k} is ${a.aval.str()}, want ${b.aval.str()}`);
    }
    const ad = a.data();
    const bd = b.data();
    for (let i = 0; i < bd.length; i++) {
      if (Object.is(ad[i], bd[i])) continue;
      if (Math.abs(ad[i] - bd[i]) <= atol + rtol * Math.abs(bd[i])) continue;
      throw new Error(
        `${what}: leaf ${k} element ${i} is ${ad[i]}, want ${bd[i]} (atol ${atol.toExponential(1)}, rtol ${rtol.toExponential(1)}); ` +
          `got [${globalThis.Array.from(ad).join(", ")}], want [${globalThis.Array.from(bd).join(", ")}]`,
      );
    }
  });
}

/** The largest |element| of a tree, at least 1: the scale of rounding differences. */
function scale(t: unknown): number {
  let m = 1;
  for (const l of leavesOf(t)) for (const v of l.data()) m = Math.max(m, Math.abs(v));
  return m;
}

const fingerprint = (t: unknown) =>
  leavesOf(t)
    .map((l) => globalThis.Array.from(l.data()).join(","))
    .join("|");

/** Stack the leaves of two trees of the same structure along a new axis 0. */
const stackTrees = <T>(a: T, b: T): T => tree.map((x: Array, y: Array) => np.stack([x, y]), a, b) as T;
const rowOf = <T>(t: T, k: number, axis: number): T => tree.map((x: Array) => np.take(x, k, axis), t) as T;

/** Check one case; the error message carries the program. */
function check(c: Case): void {
  const p = build(c);
  const text = describe(c, p);
  try {
    const args = makeArgs(c, 0);
    const f = p.loss;
    const argnums = c.both ? ([0, 1] as const) : 0;
    const pickArgs = (t: unknown[]): unknown => (c.both ? [t[0], t[1]] : t[0]);

    // grad against central differences, element by element
    const g = grad(f, { argnums })(...args);
    const num = numericalGrad(f, args, { eps: EPS });
    closeTrees(g, pickArgs(num), 1e-6 * scale(num), 1e-5, "grad vs central differences");
    count("gradients compared with central differences");
    count(
      "gradient elements",
      leavesOf(g).reduce((n, l) => n + l.size, 0),
    );

    // checkGrads: JVP and VJP along random directions, second order on every fourth program
    const order = c.dataSeed % 4 === 0 ? 2 : 1;
    checkGrads(f, args, { modes: p.revOnly ? ["rev"] : ["fwd", "rev"], order, seed: c.dataSeed % 1000, eps: EPS });
    count(order === 2 ? "checkGrads at order 2" : "checkGrads at order 1");

    const tol = 1e-9 * scale(g);
    const [value, g2] = valueAndGrad(f, { argnums })(...args);
    closeTrees(value, f(...args), 1e-12 * scale(value), 0, "valueAndGrad's value vs f");
    closeTrees(g2, g, 0, 0, "valueAndGrad's gradient vs grad");

    const before = fingerprint(args);
    for (const backend of BACKENDS) {
      closeTrees(jit(grad(f, { argnums }), { backend })(...args), g, tol, 0, `jit(grad) on ${backend} vs grad`);
      count("jit(grad) runs");
    }
    const backend = BACKENDS[c.dataSeed % BACKENDS.length];
    closeTrees(grad(jit(f, { backend }), { argnums })(...args), g, tol, 0, `grad(jit) on ${backend} vs grad`);
    closeTrees(jit(f, { backend })(...args), value, 1e-12 * scale(value), 0, `jit(f) on ${backend} vs f`);
    expect(fingerprint(args), "a gradient wrote into its arguments").toBe(before);

    // vmap of the gradient over two examples against the gradient of each
    const args1 = makeArgs(c, 1);
    const ax = extraAxis(c);
    const batched = [
      stackTrees(args[0], args1[0]),
      ax === null ? args[1] : np.stack([args[1], args1[1]], ax),
      c.vmapFlag ? np.stack([args[2], args1[2]]) : args[2],
    ] as const;
    // Shared arguments are example 0's, so example 1's expected gradient uses them too.
    const g1 = grad(f, { argnums })(args1[0], ax === null ? args[1] : args1[1], c.vmapFlag ? args1[2] : args[2]);
    const inAxes = [0, ax, c.vmapFlag ? 0 : null];
    const outAxes = c.outLast ? -1 : 0;
    const vg = vmap(grad(f, { argnums }), { inAxes, outAxes })(...batched);
    const vtol = 1e-9 * Math.max(scale(g), scale(g1));
    closeTrees(rowOf(vg, 0, outAxes), g, vtol, 0, "vmap(grad) example 0 vs grad");
    closeTrees(rowOf(vg, 1, outAxes), g1, vtol, 0, "vmap(grad) example 1 vs grad");
    const v1 = f(args1[0], ax === null ? args[1] : args1[1], c.vmapFlag ? args1[2] : args[2]);
    closeTrees(
      vmap(f, { inAxes })(...batched),
      np.stack([value, v1]),
      1e-12 * Math.max(scale(value), scale(v1)),
      0,
      "vmap(f) vs f",
    );
    const jvg = jit(vmap(grad(f, { argnums }), { inAxes, outAxes }), { backend })(...batched);
    closeTrees(jvg, vg, vtol, 0, `jit(vmap(grad)) on ${backend} vs vmap(grad)`);
    count("vmap(grad) checks");
  } catch (err) {
    throw new Error(`program:\n${text}\n${(err as Error).message}`);
  }
}

group("random smooth programs: gradients agree with central differences and across transforms", () => {
  test(
    `grad = central differences = checkGrads; jit(grad) on ${BACKENDS.join(", ")}, grad(jit), vmap(grad) = grad (${RUNS} programs)`,
    () => {
      fc.assert(
        fc.property(caseArb, (c) => check(c)),
        { numRuns: RUNS },
      );
    },
    60_000 + 3_000 * RUNS,
  );

  test("the generator covers every op kind (a test of the test)", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(caseArb, (c) => {
        for (const op of build(c).ops) seen.add(op.text);
      }),
      { numRuns: 300, seed: 1 },
    );
    const all = [...seen].join("\n");
    for (const name of [
      "tanh",
      "exp",
      "logaddexp",
      "power(1 + x²",
      "sum(",
      "prod(",
      "variance(",
      "cumsum(",
      "logsumexp(",
      "nn.softmax(",
      "nn.logSoftmax(",
      "matmul",
      "einsum(",
      "transpose(",
      "reshape(",
      "slice[",
      "broadcastTo(",
      "tile(",
      "concatenate(",
      "stack(",
      "pad(",
      "take(",
      "split(",
      "where(flag",
      "cond(flag",
      "switchCase(",
      "scan(",
      "foriLoop(",
      "customJvp",
      "customVjp",
      "jit((a, b)",
      "vmap(r =>",
      "take(x, flag",
    ]) {
      expect(all.includes(name), name).toBe(true);
    }
  });
});
