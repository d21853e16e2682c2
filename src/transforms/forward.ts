/** Pytree-level forward mode: jvp, linearize, jacfwd. */
import type { Array } from "../core/array.js";
import { isFloat } from "../core/dtype.js";
import { TransformError } from "../core/errors.js";
import { type Tangent, Zero } from "../core/primitive.js";
import { evalIr } from "../ir/eval.js";
import { reshape, slice } from "../primitives/movement.js";
import { instantiate } from "../primitives/zeros.js";
import { assertSameStructure, type TreeDef } from "../tree/index.js";
import { flatFn, flattenArgs, flattenArrays, unflattenArrays } from "./args.js";
import { jvpFlat } from "./jvp.js";
import { linearizeFlat } from "./linearize.js";
import type { AnyFn, Argnums } from "./types.js";
import { assembleJacobian, basis, prepare } from "./vjp.js";
import { vmapFlat } from "./vmap.js";

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

/**
 * Jacobian by forward mode: one JVP per input element, batched with vmap. Same layout as
 * `jacrev`: for output leaf shape S and input leaf shape T an entry has shape [...S, ...T].
 */
export function jacfwd<F extends AnyFn, const N extends Argnums = 0>(f: F, opts: { argnums?: N } = {}) {
  return (...args: Parameters<F>): unknown => {
    const argnums = opts.argnums ?? 0;
    const p = prepare("jacfwd", args, argnums);
    const out: { def?: TreeDef; outs?: Array[] } = {};
    const fFlat = (...leaves: Array[]): Array[] => {
      const res = (f as unknown as (...a: unknown[]) => unknown)(...p.rebuild(leaves));
      const [ol, od] = flattenArrays("jacfwd", res, "output");
      out.def = od;
      return ol;
    };
    const total = p.leaves.reduce((n, l) => n + l.size, 0);
    const eye = basis(total, p.leaves[0]?.dtype ?? "float32");
    // Tangent basis for each input leaf: rows of the identity, [total, ...leafShape].
    let off = 0;
    const tangentBasis = p.leaves.map((l) => {
      const cols = slice(eye, [0, off], [total, off + l.size]);
      off += l.size;
      return reshape(cols, [total, ...l.shape]);
    });
    const primalsOut = jvpFlat(
      fFlat,
      p.leaves,
      p.leaves.map((l) => new Zero(l.aval)),
    )[0];
    const jac = vmapFlat(
      (...t: Array[]) => jvpFlat(fFlat, p.leaves, t)[1].map(instantiate),
      total,
      tangentBasis.map(() => 0),
      tangentBasis,
      (n) => new globalThis.Array(n).fill(0),
    );
    return assembleJacobian(primalsOut, out.def as TreeDef, p, jac, argnums, "fwd");
  };
}
