/**
 * The `enter` rule of primitives that hold sub-IRs (debugNans re-runs a program equation by
 * equation through it, src/ir/float-check.ts): it must compute what `impl` computes, run every
 * sub-IR through the given runner with a label naming the step, and every such primitive must
 * declare it.
 */
import { describe, expect, test } from "vitest";
import { type ConcreteArray, fullConcrete } from "../../src/core/array.js";
import { type Array, cond, customJvp, customVjp, foriLoop, grad, jit, makeIr, np, scan, whileLoop } from "../../src/index.js";
import { executeReference } from "../../src/ir/execute.js";
import { type Atom, type Ir, Lit, type Var } from "../../src/ir/ir.js";
import { allPrimitives } from "../../src/primitives/registry.js";

/** What entering saw: the primitives entered and the labels of their sub-IR runs. */
interface Seen {
  prims: Set<string>;
  labels: string[];
}

function expectSame(got: readonly ConcreteArray[], want: readonly ConcreteArray[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => {
    expect(g.aval.str(), `${what} output ${i}`).toBe(want[i].aval.str());
    expect(g.aval.weakType, `${what} output ${i} weak type`).toBe(want[i].aval.weakType);
    expect(globalThis.Array.from(g.buffer), `${what} output ${i}`).toEqual(globalThis.Array.from(want[i].buffer));
  });
}

/** Run `ir` equation by equation; every primitive with `enter` is run both ways and compared. */
function runBothWays(ir: Ir, args: readonly ConcreteArray[], seen: Seen): ConcreteArray[] {
  const env = new Map<Var, ConcreteArray>();
  ir.constVars.forEach((v, i) => env.set(v, ir.consts[i] as ConcreteArray));
  ir.inVars.forEach((v, i) => env.set(v, args[i]));
  const read = (a: Atom) =>
    a instanceof Lit ? fullConcrete([], a.aval.dtype, a.value, a.aval.weakType) : (env.get(a) as ConcreteArray);
  for (const eqn of ir.eqns) {
    const ins = eqn.inputs.map(read);
    const outs = eqn.prim.impl(ins, eqn.params);
    if (eqn.prim.enter !== undefined) {
      seen.prims.add(eqn.prim.name);
      const entered = eqn.prim.enter(ins, eqn.params, (sub, xs, where) => {
        seen.labels.push(where);
        return runBothWays(sub, xs, seen);
      });
      expectSame(entered, outs, `${eqn.prim.name}: enter vs impl`);
    }
    eqn.outVars.forEach((v, i) => env.set(v, outs[i]));
  }
  return ir.outs.map(read);
}

const swishFn = (x: Array) => x.mul(np.sigmoid(x));
const swish = customJvp(swishFn, ([x], [t]) => [x.mul(np.sigmoid(x)), t.mul(np.sigmoid(x))]);
const softlogFn = (x: Array) => np.log1p(np.square(x));
const softlog = customVjp(
  softlogFn,
  (x: Array) => [np.log1p(np.square(x)), x] as const,
  (x: Array, ct: Array) => [ct.mul(x.mul(2).div(np.square(x).add(1)))] as [Array],
);
const inner = (x: Array) => np.tanh(x).mul(3);

/** One program holding every kind of sub-IR, nested: a jit call, cond, a reverse scan with ys, a while loop. */
function program(x: Array, k: Array): Array[] {
  const a = jit(inner)(x);
  const b = cond(
    np.greater(k, 0),
    (u: Array) => swish(u).add(1),
    (u: Array) => u,
    a,
  );
  const [c, ys] = scan(
    (h: Array, xt: Array) => {
      const h2 = h.mul(0.5).add(softlog(xt));
      return [
        h2,
        cond(
          np.greater(h2, 1),
          (v: Array) => v.neg(),
          (v: Array) => v,
          h2,
        ),
      ] as const;
    },
    np.array(0.25, "float64"),
    b,
    { reverse: true },
  );
  const [i, w] = whileLoop(
    ([j]: [Array, Array]) => np.less(j, 3),
    ([j, v]: [Array, Array]) => [j.add(1), v.mul(1.5)] as [Array, Array],
    [np.array(0, "int32"), c] as [Array, Array],
  );
  const f = foriLoop(0, 2, (_q, v: Array) => v.add(1), w); // a scan without xs, weak-typed carry
  return [ys, i, w, f];
}

describe("enter rules", () => {
  test("enter computes what impl computes (weak types too) and names each sub-IR run", () => {
    const x = np.array([0.5, -1, 2], "float64");
    const k = np.array(1, "int32");
    const ir = makeIr(program)(x, k);
    const seen: Seen = { prims: new Set(), labels: [] };
    runBothWays(ir, [x, k] as unknown as ConcreteArray[], seen);
    expect([...seen.prims].sort()).toEqual(["cond", "custom_jvp_call", "custom_vjp_call", "jit_call", "scan", "while"]);
    for (const label of [
      "jit(inner)",
      "cond branch 1",
      "custom_jvp_call(swishFn)",
      "custom_vjp_call(softlogFn)",
      "scan step 2",
      "scan step 0",
      "whileLoop condition at iteration 0",
      "whileLoop iteration 2",
      "whileLoop condition at iteration 3",
    ]) {
      expect(seen.labels, `${label} in ${seen.labels.join("; ")}`).toContain(label);
    }
    // reverse: the steps run from the last row to the first
    const steps = seen.labels.filter((l) => l.startsWith("scan step")).slice(0, 3);
    expect(steps).toEqual(["scan step 2", "scan step 1", "scan step 0"]);
  });

  test("enter equals impl on the backward pass of a jitted gradient (residual-carrying scans)", () => {
    const loss = (x: Array) => {
      const [c] = scan((h: Array, xt: Array) => [np.tanh(h.mul(xt)).add(softlog(xt)), null] as const, np.array(1, "float64"), x);
      return c;
    };
    const x = np.array([0.5, -1, 2], "float64");
    const ir = makeIr(jit(grad(loss)))(x);
    const seen: Seen = { prims: new Set(), labels: [] };
    runBothWays(ir, [x] as unknown as ConcreteArray[], seen);
    expect(seen.prims.has("scan")).toBe(true);
    expect(executeReference(ir, [x] as unknown as ConcreteArray[])[0].aval.str()).toBe("f64[3]");
  });

  test("every primitive that holds sub-IRs declares enter (so debugNans needs no list of them)", () => {
    const holders = allPrimitives().filter(
      (p) => p.lower.kind === "call" || p.lower.kind === "inline" || p.name === "scan" || p.name === "while",
    );
    // custom_lin only exists while a customVjp is differentiated: its impl refuses to run.
    const missing = holders.filter((p) => p.enter === undefined && p.name !== "custom_lin").map((p) => p.name);
    expect(missing).toEqual([]);
    expect(holders.length).toBeGreaterThanOrEqual(6);
  });
});
