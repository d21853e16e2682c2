/**
 * The public API's static types: transforms return the user's own types. These assertions are
 * checked by `tsc --noEmit` (part of CI); the runtime checks confirm the values match.
 */
import { describe, expect, expectTypeOf, test } from "vitest";
import {
  type Array,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  np,
  stopGradient,
  tree,
  valueAndGrad,
  vjp,
  vmap,
} from "../../src/index.js";

type Params = { layers: { w: Array; b: Array }[]; scale: Array };

const params: Params = {
  layers: [{ w: np.ones([2, 2]), b: np.zeros([2]) }],
  scale: np.array(2),
};
const loss = (p: Params, x: Array) => np.sum(np.square(np.matmul(x, p.layers[0].w).add(p.layers[0].b).mul(p.scale)));
const x = np.ones([3, 2]);

describe("static types of transforms", () => {
  test("grad returns the differentiated argument's own type", () => {
    const g = grad(loss)(params, x);
    expectTypeOf(g).toEqualTypeOf<Params>();
    expect(g.layers[0].w.shape).toEqual([2, 2]);
  });

  test("argnums lists give a tuple of the arguments' types", () => {
    const [gp, gx] = grad(loss, { argnums: [0, 1] })(params, x);
    expectTypeOf(gp).toEqualTypeOf<Params>();
    expectTypeOf(gx).toEqualTypeOf<Array>();
    expect(gx.shape).toEqual([3, 2]);
  });

  test("valueAndGrad with hasAux keeps the aux type", () => {
    const f = (p: Params) => [loss(p, x), { note: "aux", n: p.scale }] as const;
    const [[value, aux], g] = valueAndGrad(f, { hasAux: true })(params);
    expectTypeOf(value).toEqualTypeOf<Array>();
    expectTypeOf(aux).toEqualTypeOf<{ readonly note: "aux"; readonly n: Array }>();
    expectTypeOf(g).toEqualTypeOf<Params>();
    expect(aux.note).toBe("aux");
  });

  test("jacfwd, jacrev and hessian with hasAux return [jacobian, aux] with the aux type", () => {
    const f = (v: Array) => [v.mul(v), { sq: v.mul(v), note: "aux" }] as const;
    const [jf, auxF] = jacfwd(f, { hasAux: true })(np.array([1, 2]));
    const [, auxR] = jacrev(f, { hasAux: true })(np.array([1, 2]));
    const [, auxH] = hessian((v: Array) => [np.sum(v), v] as const, { hasAux: true })(np.array([1, 2]));
    expectTypeOf(jf).toEqualTypeOf<unknown>();
    expectTypeOf(auxF).toEqualTypeOf<{ readonly sq: Array; readonly note: "aux" }>();
    expectTypeOf(auxR).toEqualTypeOf<{ readonly sq: Array; readonly note: "aux" }>();
    expectTypeOf(auxH).toEqualTypeOf<Array>();
    expect(auxF.note).toBe("aux");
  });

  test("stopGradient returns its argument's type (an array or a pytree)", () => {
    expectTypeOf(stopGradient(params)).toEqualTypeOf<Params>();
    expectTypeOf(stopGradient(x)).toEqualTypeOf<Array>();
    expect(stopGradient(params).layers[0].w.shape).toEqual([2, 2]);
  });

  test("jvp, vjp, vmap, jit and tree.map keep the function's types, also when nested inline", () => {
    const f = (v: Array) => np.sum(np.sin(v));
    const [gv, hv] = jvp(grad(f), [np.array([1, 2])], [np.ones([2])]);
    expectTypeOf(gv).toEqualTypeOf<Array>();
    expectTypeOf(hv).toEqualTypeOf<Array>();
    const [out, back] = vjp(loss, params, x);
    expectTypeOf(out).toEqualTypeOf<Array>();
    expectTypeOf(back(np.array(1))).toEqualTypeOf<[Params, Array]>();
    const perExample = vmap(grad(loss), { inAxes: [null, 0] });
    expectTypeOf(perExample).returns.toEqualTypeOf<Params>();
    expectTypeOf(jit(loss)).returns.toEqualTypeOf<Array>();
    expectTypeOf(tree.map((a) => a.mul(2), params)).toEqualTypeOf<Params>();
    expect(hv.shape).toEqual([2]);
  });
});
