/**
 * Transforms of whole IRs, each staged back to an IR and cached per source IR: the rules of
 * higher-order primitives (jit_call, cond, custom calls) transform the IRs they hold with these.
 */
import type { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { type BDim, type Tangent, Zero } from "../core/primitive.js";
import { evalIr } from "../ir/eval.js";
import type { Ir } from "../ir/ir.js";
import { instantiate } from "../primitives/zeros.js";
import { jvpFlat } from "./jvp.js";
import { closeIr, traceToIr } from "./stage.js";
import { vmapFlat } from "./vmap.js";

// Derived IRs are cached per source IR, so repeated transforms of one jitted function reuse them.
const jvpCache = new WeakMap<Ir, Ir>();
const vmapCache = new WeakMap<Ir, Map<string, Ir>>();

/** The JVP of an IR as an IR: inputs [...primals, ...float tangents], outputs [...outs, ...float tangents]. */
export function jvpIr(ir: Ir): Ir {
  let cached = jvpCache.get(ir);
  if (cached === undefined) {
    const inAvals = ir.inAvals;
    const floatIn = inAvals.map((a) => isFloat(a.dtype));
    const n = inAvals.length;
    const staged = traceToIr(
      (...xs: Array[]) => {
        let k = n;
        const tangents: Tangent[] = inAvals.map((a, i) => (floatIn[i] ? xs[k++] : new Zero(a)));
        const [po, to] = jvpFlat((...ys: Array[]) => evalIr(ir, ys), xs.slice(0, n), tangents);
        const floatOut = po.map((p) => isFloat(p.dtype));
        return [...po, ...to.filter((_, i) => floatOut[i]).map(instantiate)];
      },
      [...inAvals, ...inAvals.filter((_, i) => floatIn[i])],
      "jit",
    );
    cached = closeIr(staged);
    jvpCache.set(ir, cached);
  }
  return cached;
}

/** vmap of an IR with per-input batch dims; every output gets its batch dim at 0. */
export function vmapIr(ir: Ir, dims: readonly BDim[], size: number): Ir {
  let byKey = vmapCache.get(ir);
  if (byKey === undefined) {
    byKey = new Map();
    vmapCache.set(ir, byKey);
  }
  const key = `${size}|${dims.join(",")}`;
  let cached = byKey.get(key);
  if (cached === undefined) {
    const avals = ir.inAvals.map((a, i) => {
      const d = dims[i];
      if (d === null) return a;
      const shape = [...a.shape];
      shape.splice(d, 0, size);
      return new ShapedArray(shape, a.dtype);
    });
    const staged = traceToIr(
      (...xs: Array[]) =>
        vmapFlat(
          (...ys: Array[]) => evalIr(ir, ys),
          size,
          dims,
          xs,
          (m) => new globalThis.Array<BDim>(m).fill(0),
        ),
      avals,
      "jit",
    );
    cached = closeIr(staged);
    byKey.set(key, cached);
  }
  return cached;
}
