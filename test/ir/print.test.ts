/** IR printing (pinned), typecheck of every transform's output, evalIr and evalShape. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { Array } from "../../src/index.js";
import {
  customJvp,
  customVjp,
  evalIr,
  evalShape,
  grad,
  hessian,
  IrTypeError,
  jacfwd,
  jacrev,
  jit,
  jvp,
  linearize,
  makeIr,
  np,
  ShapedArray,
  stopGradient,
  typecheck,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";
import { Ir, Var } from "../../src/ir/ir.js";

const f32 = (shape: number[], start = 0.1) =>
  np.reshape(
    np
      .arange(shape.reduce((a, b) => a * b, 1))
      .astype("float32")
      .mul(0.1)
      .add(start),
    shape,
  );

function expectClose(actual: Array, expected: Array, tol = 1e-5): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(actual.dtype).toBe(expected.dtype);
  const a = actual.data();
  const b = expected.data();
  for (let i = 0; i < a.length; i++) expect(Number(a[i])).toBeCloseTo(Number(b[i]), -Math.log10(tol));
}

const affine = (a: Array, b: Array, c: Array) => np.dot(a, b).add(c);
const loss = (w: Array, x: Array) => np.sum(np.tanh(np.dot(x, w)).square());

describe("IR printing", () => {
  test("a small function: dot then add with a scalar", () => {
    const ir = makeIr(affine)(np.ones([4, 2]), np.ones([2]), np.array(1.5));
    expect(ir.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[4,2] b:f32[2] c:f32[] . let
          d:f32[4] = dot_general[contracting=[[1],[0]] batch=[[],[]]] a b
          e:f32[4] = add d c
        in (e) }"
    `);
  });

  test("the gradient of a small loss", () => {
    const ir = makeIr(grad(loss))(np.ones([3]), np.ones([2, 3]));
    expect(ir.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3] b:f32[2,3] . let
          c:f32[2] = dot_general[contracting=[[1],[0]] batch=[[],[]]] b a
          d:f32[2] = tanh c
          e:f32[2] = mul d d
          f:f32[2] = sub 1.0:f32[] e
          g:f32[2] = broadcast_in_dim[shape=[2] broadcastDimensions=[]] 1.0:f32[]
          h:f32[2] = mul g d
          i:f32[2] = mul d g
          j:f32[2] = add h i
          k:f32[2] = mul j f
          l:f32[3] = dot_general[contracting=[[0],[0]] batch=[[],[]]] k b
        in (l) }"
    `);
  });

  test("a jit inside a function is one jit_call equation holding its own IR", () => {
    const inner = jit(function double_sin(y: Array) {
      return np.sin(y.mul(2));
    });
    const ir = makeIr((x: Array) => inner(x).add(1))(np.ones([3]));
    expect(ir.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[3] . let
          b:f32[3] = jit_call[ir=
              { lambda ; a:f32[3] . let
                  b:f32[3] = mul a 2.0:f32[]
                  c:f32[3] = sin b
                in (c) } name=double_sin backend=wasm] a
          c:f32[3] = add b 1.0:f32[]
        in (c) }"
    `);
  });

  test("vmap of a function: the batch axis is folded into the primitives", () => {
    const ir = makeIr(vmap((x: Array, y: Array) => np.dot(x, y).mul(2)))(np.ones([5, 3]), np.ones([5, 3]));
    expect(ir.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[5,3] b:f32[5,3] . let
          c:f32[5] = dot_general[contracting=[[1],[1]] batch=[[0],[0]]] a b
          d:f32[5] = mul c 2.0:f32[]
        in (d) }"
    `);
  });

  test("non-scalar constants become IR constants, scalars inline literals", () => {
    const c = np.array([1, 2, 3], "float32");
    const ir = makeIr((x: Array) => x.mul(c).add(2))(np.ones([3]));
    expect(ir.toString()).toMatchInlineSnapshot(`
      "{ lambda a:f32[3] ; b:f32[3] . let
          c:f32[3] = mul b a
          d:f32[3] = add c 2.0:f32[]
        in (d) }"
    `);
    expect(ir.consts).toHaveLength(1);
  });

  test("stopGradient shows up as a primitive and grad treats it as constant", () => {
    const ir = makeIr(grad((x: Array) => x.mul(stopGradient(x))))(np.array(3));
    expect(ir.toString()).toMatchInlineSnapshot(`
      "{ lambda ; a:f32[] . let
          b:f32[] = stop_gradient a
          c:f32[] = mul 1.0:f32[] b
        in (c) }"
    `);
  });
});

describe("typecheck accepts every transform's output", () => {
  const x = f32([3]);
  const m = f32([2, 3]);
  const scalarF = (v: Array) => np.sum(np.sin(v).mul(v));
  const logS = customJvp(
    (v: Array) => np.log(np.sigmoid(v)),
    ([v], [t]) => [np.log(np.sigmoid(v)), t.mul(np.sigmoid(v.neg()))],
  );
  const clip = customVjp(
    (v: Array) => v.mul(1),
    (v: Array) => [v.mul(1), null] as const,
    (_r: null, g: Array) => [np.clip(g, -1, 1)] as [Array],
  );
  const cases: [string, () => ReturnType<ReturnType<typeof makeIr>>][] = [
    ["plain", () => makeIr(loss)(x, m)],
    ["grad", () => makeIr(grad(loss))(x, m)],
    ["grad argnums list", () => makeIr(grad(loss, { argnums: [0, 1] }))(x, m)],
    ["valueAndGrad", () => makeIr(valueAndGrad(loss))(x, m)],
    ["vmap", () => makeIr(vmap(scalarF))(m)],
    ["vmap inAxes 1", () => makeIr(vmap(scalarF, { inAxes: 1 }))(m)],
    ["vmap(grad)", () => makeIr(vmap(grad(scalarF)))(m)],
    ["jvp", () => makeIr((p: Array, t: Array) => jvp(scalarF, [p], [t]))(x, x)],
    ["linearize", () => makeIr((p: Array, t: Array) => linearize(scalarF, p)[1](t))(x, x)],
    ["vjp", () => makeIr((p: Array) => vjp(scalarF, p)[1](np.array(1))[0])(x)],
    ["jit", () => makeIr(jit(scalarF))(x)],
    ["grad(jit)", () => makeIr(grad(jit(scalarF)))(x)],
    ["vmap(jit)", () => makeIr(vmap(jit(scalarF)))(m)],
    ["jit(vmap(grad))", () => makeIr(jit(vmap(grad(scalarF))))(m)],
    ["hessian", () => makeIr(hessian(scalarF))(x)],
    ["jacfwd", () => makeIr(jacfwd((v: Array) => np.sin(v)))(x)],
    ["jacrev", () => makeIr(jacrev((v: Array) => np.sin(v)))(x)],
    ["customJvp under grad", () => makeIr(grad((v: Array) => np.sum(logS(v))))(x)],
    ["customJvp under vmap", () => makeIr(vmap(logS))(m)],
    ["customVjp under grad", () => makeIr(grad((v: Array) => np.sum(clip(v).square())))(x)],
  ];
  test.each(cases)("%s", (_name, build) => {
    const ir = build();
    expect(typecheck(ir)).toBe(ir);
    expect(ir.eqns.length).toBeGreaterThan(0);
  });

  test("an ill-typed IR is rejected with every problem listed", () => {
    const good = makeIr((a: Array) => np.sin(a).add(1))(np.ones([3]));
    const wrongOut = new Var(new ShapedArray([4], "float32"));
    const [e0, e1] = good.eqns;
    const bad = new Ir([], [], good.inVars, [{ ...e0, outVars: [wrongOut] }, e1], good.outs);
    expect(() => typecheck(bad)).toThrow(IrTypeError);
    expect(() => typecheck(bad)).toThrow(/equation 0 \(sin\): output 0 is f32\[3\] but declared f32\[4\]/);
    expect(() => typecheck(bad)).toThrow(/equation 1 \(add\): variable f32\[3\] \(#\d+\) used before it is defined/);
  });
});

describe("evalIr and evalShape", () => {
  const shapes = fc.constantFrom<[number, number]>([1, 1], [2, 3], [4, 2], [3, 5]);
  const vals = (n: number) => fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n });

  test("evalIr(makeIr(f)(args), args) equals f(args)", () => {
    fc.assert(
      fc.property(
        shapes.chain(([r, c]) => fc.tuple(fc.constant([r, c]), vals(r * c), vals(c), vals(1))),
        ([[r, c], av, bv, cv]) => {
          const a = np.reshape(np.array(av, "float32"), [r, c]);
          const b = np.array(bv, "float32");
          const s = np.array(cv[0], "float32");
          const f = (p: Array, q: Array, t: Array) => np.tanh(affine(p, q, t)).mul(np.sum(q));
          const ir = makeIr(f)(a, b, s);
          const [out] = evalIr(ir, [a, b, s]);
          expectClose(out, f(a, b, s));
        },
      ),
      { numRuns: 40 },
    );
  });

  test("evalIr of a gradient IR equals grad(f)", () => {
    const x = f32([3]);
    const m = f32([2, 3], -0.3);
    const ir = makeIr(grad(loss))(x, m);
    expectClose(evalIr(ir, [x, m])[0], grad(loss)(x, m));
  });

  test("evalIr rejects the wrong number of inputs", () => {
    const ir = makeIr(affine)(np.ones([4, 2]), np.ones([2]), np.array(1.5));
    expect(() => evalIr(ir, [np.ones([4, 2])])).toThrow(/evalIr: the IR takes 3 inputs, got 1/);
  });

  test("evalIr's hook sees every equation in order", () => {
    const ir = makeIr(affine)(np.ones([4, 2]), np.ones([2]), np.array(1.5));
    const seen: string[] = [];
    evalIr(ir, [np.ones([4, 2]), np.ones([2]), np.array(1.5)], (eqn, ins, outs) => {
      seen.push(`${eqn.prim.name}:${ins.length}->${outs[0].shape.join("x")}`);
    });
    expect(seen).toEqual(["dot_general:2->4", "add:2->4"]);
  });

  test("evalShape returns output avals in the output's structure without computing", () => {
    let calls = 0;
    const f = (a: Array, b: Array) => {
      calls++;
      return { y: np.dot(a, b), s: [np.sum(a, 0), a.astype("int32")] };
    };
    const out = evalShape(f)(np.ones([4, 2]), np.ones([2, 5])) as {
      y: ShapedArray;
      s: [ShapedArray, ShapedArray];
    };
    expect(calls).toBe(1);
    expect(out.y.str()).toBe("f32[4,5]");
    expect(out.s[0].str()).toBe("f32[2]");
    expect(out.s[1].str()).toBe("i32[4,2]");
  });
});
