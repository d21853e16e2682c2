/**
 * The compiler's IR passes one at a time, on hand-built IRs: what each rewrites (inline
 * snapshots of the printed IR), that its output still typechecks, and that it computes what
 * its input computed.
 */
import { describe, expect, test } from "vitest";
import { optimize } from "../../src/compile/compile.js";
import { cse } from "../../src/compile/passes/cse.js";
import { foldConstants } from "../../src/compile/passes/fold.js";
import { inlineCalls } from "../../src/compile/passes/inline.js";
import { jitCallP } from "../../src/control/jit-call.js";
import type { Params, Primitive } from "../../src/core/primitive.js";
import type { Array, ConcreteArray, Eqn } from "../../src/index.js";
import { Ir, jit, Lit, makeIr, np, ShapedArray, typecheck, Var } from "../../src/index.js";
import { executeReference } from "../../src/ir/execute.js";
import { dce } from "../../src/ir/passes/dce.js";
import { addP, expP, mulP, negP, sinP } from "../../src/primitives/elementwise.js";
import { broadcastInDimP, reshapeP, revP, sliceP, transposeP } from "../../src/primitives/movement.js";
import { reduceMaxP, reduceSumP } from "../../src/primitives/reduce.js";

const f32 = (...shape: number[]) => new ShapedArray(shape, "float32");
const lit = (v: number) => new Lit(v, new ShapedArray([], "float32", true));

/** A small IR builder: `b.eq(prim, inputs, params)` stages one equation and returns its output. */
function builder() {
  const eqns: Eqn[] = [];
  return {
    eqns,
    // biome-ignore lint/suspicious/noExplicitAny: primitives of any params type
    eq(prim: Primitive<any>, inputs: (Var | Lit)[], params: Params = {}): Var {
      const [aval] = prim.abstractEval(
        inputs.map((a) => a.aval),
        params,
      );
      const v = new Var(aval);
      eqns.push({ prim, inputs, params, outVars: [v] });
      return v;
    },
  };
}

/** Run `pass` on `ir`, typecheck the result, and check it computes the same outputs. */
function checkPass(pass: (ir: Ir) => Ir, ir: Ir, args: readonly ConcreteArray[]): Ir {
  const out = pass(ir);
  typecheck(out);
  const want = executeReference(ir, args);
  const got = executeReference(out, args);
  expect(got.map((x) => x.toArray())).toEqual(want.map((x) => x.toArray()));
  return out;
}

const arr = (shape: number[], data: number[]) => np.reshape(np.array(data, "float32"), shape) as ConcreteArray;

describe("inline", () => {
  test("a nested jit_call is spliced into its caller, twice with fresh variables", () => {
    const inner = jit((x: Array) => np.sin(x).mul(2));
    const ir = makeIr((x: Array) => inner(inner(x)))(np.ones([3]));
    expect(ir.eqns.map((e) => e.prim.name)).toEqual(["jit_call", "jit_call"]);
    const out = checkPass(inlineCalls, ir, [arr([3], [0.5, 1, 2])]);
    expect(out.eqns.every((e) => e.prim !== jitCallP)).toBe(true);
    expect(out.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3] . let
          b:f32[3] = sin a
          c:f32[3] = mul b 2.0:f32[]
          d:f32[3] = sin c
          e:f32[3] = mul d 2.0:f32[]
        in (e) }"
    `);
  });

  test("an IR without calls is returned as is", () => {
    const ir = makeIr((x: Array) => np.sin(x))(np.ones([3]));
    expect(inlineCalls(ir)).toBe(ir);
  });
});

describe("cse", () => {
  test("merges equations with the same primitive, params and inputs", () => {
    const b = builder();
    const x = new Var(f32(3));
    const s1 = b.eq(sinP, [x]);
    const s2 = b.eq(sinP, [x]);
    const y = b.eq(addP, [s1, s2]);
    const ir = new Ir([], [], [x], b.eqns, [y]);
    const out = checkPass(cse, ir, [arr([3], [1, 2, 3])]);
    expect(out.eqns.map((e) => e.prim.name)).toEqual(["sin", "add"]);
    expect(out.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3] . let
          b:f32[3] = sin a
          c:f32[3] = add b b
        in (c) }"
    `);
  });

  test("keeps equations whose params differ", () => {
    const b = builder();
    const x = new Var(f32(2, 3));
    const r0 = b.eq(reduceSumP, [x], { axes: [0] });
    const r1 = b.eq(reduceSumP, [x], { axes: [1] });
    const t0 = b.eq(sliceP, [r0], { start: [0], limit: [2], strides: [1] });
    const y = b.eq(addP, [t0, r1]);
    const ir = new Ir([], [], [x], b.eqns, [y]);
    const out = checkPass(cse, ir, [arr([2, 3], [1, 2, 3, 4, 5, 6])]);
    expect(out).toBe(ir);
  });

  test("merges through a chain: once inputs are merged, their users merge too", () => {
    const b = builder();
    const x = new Var(f32(3));
    const a1 = b.eq(mulP, [x, lit(2)]);
    const a2 = b.eq(mulP, [x, lit(2)]);
    const e1 = b.eq(expP, [a1]);
    const e2 = b.eq(expP, [a2]);
    const y = b.eq(addP, [e1, e2]);
    const out = checkPass(cse, new Ir([], [], [x], b.eqns, [y]), [arr([3], [0, 1, -1])]);
    expect(out.eqns.map((e) => e.prim.name)).toEqual(["mul", "exp", "add"]);
  });

  test("keeps equations whose literal inputs differ (2 vs 2.5, 0 vs -0)", () => {
    const b = builder();
    const x = new Var(f32(3));
    const a1 = b.eq(mulP, [x, lit(2)]);
    const a2 = b.eq(mulP, [x, lit(2.5)]);
    const a3 = b.eq(addP, [x, lit(0)]);
    const a4 = b.eq(addP, [x, lit(-0)]);
    const y = b.eq(addP, [b.eq(addP, [a1, a2]), b.eq(mulP, [a3, a4])]);
    const out = checkPass(cse, new Ir([], [], [x], b.eqns, [y]), [arr([3], [-0, 1, -1])]);
    expect(out.eqns.length).toBe(b.eqns.length);
  });
});

describe("constant folding", () => {
  test("an equation of literals only becomes a literal", () => {
    const b = builder();
    const x = new Var(f32(3));
    const c = b.eq(mulP, [lit(3), lit(4)]);
    const y = b.eq(addP, [x, c]);
    const out = checkPass(foldConstants, new Ir([], [], [x], b.eqns, [y]), [arr([3], [1, 2, 3])]);
    expect(out.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3] . let
          b:f32[3] = add a 12.0:f32*[]
        in (b) }"
    `);
  });

  test("a broadcast of a literal is not folded (it would only grow a constant)", () => {
    const b = builder();
    const x = new Var(f32(2, 3));
    const c = b.eq(broadcastInDimP, [lit(1.5)], { shape: [2, 3], broadcastDimensions: [] });
    const y = b.eq(addP, [x, c]);
    const ir = new Ir([], [], [x], b.eqns, [y]);
    const out = checkPass(foldConstants, ir, [arr([2, 3], [1, 2, 3, 4, 5, 6])]);
    expect(out).toBe(ir);
  });

  test("views, reshapes and reductions of constants fold into one constant", () => {
    const b = builder();
    const c = new Var(f32(2, 3));
    const x = new Var(f32(3));
    const t = b.eq(transposeP, [c], { permutation: [1, 0] });
    const r = b.eq(revP, [t], { axes: [0] });
    const m = b.eq(reduceMaxP, [r], { axes: [1] });
    const s = b.eq(reduceSumP, [b.eq(reshapeP, [c], { newShape: [6] })], { axes: [0] });
    const y = b.eq(addP, [b.eq(mulP, [x, m]), s]);
    const ir = new Ir([c], [arr([2, 3], [1, 5, 3, 4, 2, 6])], [x], b.eqns, [y]);
    const out = checkPass(foldConstants, ir, [arr([3], [1, 2, 3])]);
    expect(out.eqns.map((e) => e.prim.name)).toEqual(["mul", "add"]);
    expect(out.toString()).toMatchInlineSnapshot(`
      "{ lambda a:f32[3] ; b:f32[3] . let
          c:f32[3] = mul b a
          d:f32[3] = add c 21.0:f32[]
        in (d) }"
    `);
    const folded = out.eqns[0].inputs[1] as Var;
    expect(out.consts[out.constVars.indexOf(folded)].toArray()).toEqual([6, 5, 4]);
    expect(out.eqns[1].inputs[1]).toBeInstanceOf(Lit);
  });

  test("equations reading an input are left alone", () => {
    const b = builder();
    const x = new Var(f32(3));
    const y = b.eq(negP, [b.eq(sinP, [x])]);
    const ir = new Ir([], [], [x], b.eqns, [y]);
    expect(checkPass(foldConstants, ir, [arr([3], [1, 2, 3])])).toBe(ir);
  });
});

describe("dce", () => {
  test("drops equations whose outputs are unused, transitively", () => {
    const b = builder();
    const x = new Var(f32(3));
    const dead = b.eq(expP, [b.eq(sinP, [x])]);
    void dead;
    const y = b.eq(negP, [x]);
    const out = checkPass(dce, new Ir([], [], [x], b.eqns, [y]), [arr([3], [1, 2, 3])]);
    expect(out.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3] . let
          b:f32[3] = neg a
        in (b) }"
    `);
  });
});

describe("optimize (the passes in order)", () => {
  test("inlines, merges, folds and prunes; the result typechecks and computes the same", () => {
    const inner = jit((x: Array) => np.exp(x).add(np.array(2).mul(3)));
    const f = (x: Array) => {
      const unused = np.cos(x);
      void unused;
      return inner(x).add(inner(x));
    };
    const ir = makeIr(f)(np.ones([2]));
    const out = checkPass(optimize, ir, [arr([2], [0, 1])]);
    expect(out.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[2] . let
          b:f32[2] = exp a
          c:f32[2] = add b 6.0:f32[]
          d:f32[2] = add c c
        in (d) }"
    `);
  });
});
