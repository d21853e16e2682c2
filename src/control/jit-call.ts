/**
 * jit_call: a call primitive holding an IR. Its rules transform the IR itself (JVP of the IR,
 * vmap of the IR), so `grad(jit(f))`, `vmap(jit(f))` and `jit(grad(f))` all stay staged.
 */

import { executeReference } from "../compile/backends/reference.js";
import type { Array } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { TransformError } from "../core/errors.js";
import { type BDim, type Params, type Primitive, type Tangent, UndefPrimal, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { evalIr } from "../ir/eval.js";
import type { Ir } from "../ir/ir.js";
import { definePrimitive } from "../primitives/registry.js";
import { instantiate } from "../primitives/zeros.js";
import { jvpFlat } from "../transforms/jvp.js";
import { partialEvalIr } from "../transforms/partial-eval.js";
import { closeIr, traceToIr } from "../transforms/stage.js";
import { transposeIr } from "../transforms/transpose.js";
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
  // Only the unknown half of a split call reaches transposition, and it is linear in its
  // unknown inputs: transpose its IR and run that as one call.
  transpose: (cts, args, { ir, name }) => {
    const linear = args.map((a) => a instanceof UndefPrimal);
    const t = transposeIr(ir, linear);
    const fixed = args.filter((a): a is Array => !(a instanceof UndefPrimal));
    const outs = bind(jitCallP, [...fixed, ...cts.map(instantiate)], { ir: t, name: `transpose(${name})` });
    let k = 0;
    return args.map((a) => (a instanceof UndefPrimal ? outs[k++] : null));
  },
  batch: (args, dims, { ir, name }) => {
    const size = args.find((_, i) => dims[i] !== null)?.shape[dims.find((d) => d !== null) as number] as number;
    const v = vmapIr(ir, dims, size);
    const outs = bind(jitCallP, args, { ir: v, name: `vmap(${name})` });
    return [outs, outs.map(() => 0)];
  },
  lower: { kind: "call" },
  // Under partial evaluation (reverse mode) the call splits in two: the known half runs now as
  // one call and yields residuals; the unknown half is staged as one call on residuals and
  // unknowns. So grad(jit(f)) keeps both its forward and its backward pass compiled.
  partialEval: (pe, args, { ir, name }) => {
    const known = args.map((a) => pe.knownValue(a));
    const split = partialEvalIr(
      ir,
      known.map((v) => v === null),
    );
    const knownOuts = bind(
      jitCallP,
      known.filter((v): v is Array => v !== null),
      { ir: split.known, name: `known(${name})` },
    );
    const nKnown = knownOuts.length - split.numResiduals;
    const residuals = knownOuts.slice(nKnown);
    const unknownIns = args.filter((_, i) => known[i] === null);
    const staged = split.outUnknown.some((u) => u)
      ? pe.stage(
          jitCallP as unknown as Primitive,
          [...residuals.map((r) => pe.known(r)), ...unknownIns],
          { ir: split.unknown, name: `unknown(${name})` },
          split.unknown.outAvals,
        )
      : [];
    let kk = 0;
    let ku = 0;
    return split.outUnknown.map((u) => (u ? staged[ku++] : pe.known(knownOuts[kk++])));
  },
});
