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
const jvpCache = new WeakMap<Ir, Map<string, JvpIr>>();
const vmapCache = new WeakMap<Ir, Map<string, Ir>>();

/** The JVP of an IR, and which of its output tangents are symbolically nonzero. */
export interface JvpIr {
  /** Inputs [...primals, ...tangents of the inputs marked nonzero], outputs [...outs, ...float tangents]. */
  readonly ir: Ir;
  /** Per output of the source IR: false when its tangent is a symbolic zero (a float one is still output, as zeros). */
  readonly outNonzero: readonly boolean[];
}

/**
 * The JVP of an IR as an IR: inputs [...primals, ...tangents of the float inputs marked in
 * `nonzero` (default: every float input)], outputs [...outs, ...float tangents]. Inputs not marked
 * get symbolic zero tangents, as JAX's jvp_jaxpr with its `nonzeros` mask: an instantiated zero
 * would be a *known* value to partial evaluation, so a rule with no forward-mode meaning (a
 * customVjp's linear part) would run at once on it instead of being staged for transposition,
 * and every zero tangent would be computed.
 */
export function jvpIr(ir: Ir, nonzero?: readonly boolean[]): Ir {
  return jvpIrWithZeros(ir, nonzero).ir;
}

/** `jvpIr`, also reporting which output tangents are symbolic zeros (for loops' fixpoints). */
export function jvpIrWithZeros(ir: Ir, nonzero?: readonly boolean[]): JvpIr {
  const inAvals = ir.inAvals;
  const has = inAvals.map((a, i) => isFloat(a.dtype) && (nonzero === undefined || nonzero[i]));
  const key = has.map((h) => (h ? 1 : 0)).join("");
  let byMask = jvpCache.get(ir);
  if (byMask === undefined) {
    byMask = new Map();
    jvpCache.set(ir, byMask);
  }
  let cached = byMask.get(key);
  if (cached === undefined) {
    const n = inAvals.length;
    let outNonzero: boolean[] = [];
    const staged = traceToIr(
      (...xs: Array[]) => {
        let k = n;
        const tangents: Tangent[] = inAvals.map((a, i) => (has[i] ? xs[k++] : new Zero(a)));
        const [po, to] = jvpFlat((...ys: Array[]) => evalIr(ir, ys), xs.slice(0, n), tangents);
        const floatOut = po.map((p) => isFloat(p.dtype));
        outNonzero = to.map((t, i) => floatOut[i] && !(t instanceof Zero));
        return [...po, ...to.filter((_, i) => floatOut[i]).map(instantiate)];
      },
      [...inAvals, ...inAvals.filter((_, i) => has[i])],
      "jit",
    );
    cached = { ir: closeIr(staged), outNonzero };
    byMask.set(key, cached);
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
