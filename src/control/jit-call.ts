/**
 * jit_call: a call primitive holding an IR. Its rules transform the IR itself (JVP of the IR,
 * vmap of the IR), so `grad(jit(f))`, `vmap(jit(f))` and `jit(grad(f))` all stay staged.
 */

import { executeReference } from "../compile/backends/reference.js";
import type { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { TransformError } from "../core/errors.js";
import { type BDim, type Params, type Primitive, type Tangent, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { evalIr } from "../ir/eval.js";
import type { Ir } from "../ir/ir.js";
import { definePrimitive } from "../primitives/registry.js";
import { instantiate } from "../primitives/zeros.js";
import { jvpFlat } from "../transforms/jvp.js";
import { closeIr, traceToIr } from "../transforms/stage.js";
import { vmapFlat } from "../transforms/vmap.js";

export interface JitParams extends Params {
  ir: Ir;
  name: string;
}

function checkAvals(name: string, ir: Ir, avals: readonly ShapedArray[]): void {
  const want = ir.inAvals;
  const ok = want.length === avals.length && want.every((a, i) => a.equals(avals[i]));
  if (!ok) {
    throw new TransformError(
      `jit(${name}): called with ${avals.map((a) => a.str()).join(", ")} but staged for ${want.map((a) => a.str()).join(", ")}`,
    );
  }
}

// Derived IRs are cached per source IR, so repeated transforms of one jitted function reuse them.
const jvpCache = new WeakMap<Ir, Ir>();
const vmapCache = new WeakMap<Ir, Map<string, Ir>>();

/** The JVP of an IR as an IR: inputs [...primals, ...float tangents], outputs [...outs, ...float tangents]. */
function jvpIr(ir: Ir): Ir {
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

function vmapIr(ir: Ir, dims: readonly BDim[], size: number): Ir {
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

export const jitCallP: Primitive<JitParams> = definePrimitive<JitParams>("jit_call", {
  abstractEval: (avals, { ir, name }) => {
    checkAvals(name, ir, avals);
    return ir.outAvals;
  },
  impl: (args, { ir, name }) => {
    checkAvals(
      name,
      ir,
      args.map((a) => a.aval),
    );
    return executeReference(ir, args);
  },
  jvp: (primals, tangents, { ir, name }) => {
    const j = jvpIr(ir);
    const floatIn = primals.map((p) => isFloat(p.dtype));
    const ts = tangents.filter((_, i) => floatIn[i]).map(instantiate);
    const outs = bind(jitCallP, [...primals, ...ts], { ir: j, name: `jvp(${name})` });
    const nOut = ir.outs.length;
    const po = outs.slice(0, nOut);
    let k = nOut;
    return [po, po.map((p) => (isFloat(p.dtype) ? outs[k++] : new Zero(p.aval)))];
  },
  transpose: null,
  batch: (args, dims, { ir, name }) => {
    const size = args.find((_, i) => dims[i] !== null)?.shape[dims.find((d) => d !== null) as number] as number;
    const v = vmapIr(ir, dims, size);
    const outs = bind(jitCallP, args, { ir: v, name: `vmap(${name})` });
    return [outs, outs.map(() => 0)];
  },
  lower: { kind: "call" },
  inline: (args, { ir }) => evalIr(ir, args),
});
