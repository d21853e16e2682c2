/** Pytree-level forward mode: jvp and linearize (jacfwd is in jacobians.ts). */
import { isFloat } from "../core/dtype.js";
import { TransformError } from "../core/errors.js";
import { type Tangent, Zero } from "../core/primitive.js";
import { evalIr } from "../ir/eval.js";
import { instantiate } from "../primitives/zeros.js";
import { assertSameStructure, type TreeDef } from "../tree/index.js";
import { flatFn, flattenArgs, unflattenArrays } from "./args.js";
import { jvpFlat } from "./jvp.js";
import { linearizeFlat } from "./linearize.js";

/** Tangents must mirror the primals: same structure, and each leaf's shape and dtype. */
function checkTangents(op: string, primals: readonly unknown[], tangents: readonly unknown[]): void {
  assertSameStructure(primals, tangents, { what: `${op}: tangents vs primals`, root: "primals", leaves: "aval" });
}

/**
 * Forward mode: `[out, outTangent] = jvp(f, primals, tangents)`; primals and tangents are
 * tuples of the function's arguments, with matching structure, shapes and dtypes.
 * @example jvp((x: Array) => np.sin(x), [np.array(0)], [np.array(1)]) // [0, 1]
 */
export function jvp<A extends unknown[], R>(f: (...args: A) => R, primals: NoInfer<A>, tangents: NoInfer<A>): [R, R] {
  const p = flattenArgs("jvp", primals, "primal");
  const t = flattenArgs("jvp", tangents, "tangent");
  const pl = p.leaves;
  checkTangents("jvp", primals, tangents);
  const out: { def?: TreeDef } = {};
  const ts: Tangent[] = t.leaves.map((x, i) => (isFloat(pl[i].dtype) ? x : new Zero(pl[i].aval)));
  const [po, to] = jvpFlat(flatFn("jvp", f, p, out), pl, ts);
  const def = out.def as TreeDef;
  return [unflattenArrays(def, po), unflattenArrays(def, to.map(instantiate))];
}

/**
 * `[out, fJvp] = linearize(f, ...primals)`: evaluates f once and returns its linear map
 * (the JVP at the primals) as a function of the tangents, which only runs the linear part.
 */
export function linearize<A extends unknown[], R>(f: (...args: A) => R, ...primals: NoInfer<A>): [R, (...tangents: A) => R] {
  const flat = flattenArgs("linearize", primals, "primal");
  const pl = flat.leaves;
  pl.forEach((p, i) => {
    if (!isFloat(p.dtype))
      throw new TransformError(`linearize: primal leaf ${i} is ${p.aval.str()}; only float inputs can be linearized`);
  });
  const out: { def?: TreeDef } = {};
  const { primalsOut, ir, consts } = linearizeFlat(flatFn("linearize", f, flat, out), pl);
  const def = out.def as TreeDef;
  const fJvp = (...tangents: A): R => {
    const t = flattenArgs("linearize", tangents, "tangent");
    checkTangents("linearize", primals, tangents);
    return unflattenArrays(def, evalIr(ir, [...consts, ...t.leaves]));
  };
  return [unflattenArrays(def, primalsOut), fJvp];
}
