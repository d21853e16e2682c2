/**
 * jit_call: a call primitive holding an IR. Its rules transform the IR itself (JVP of the IR,
 * vmap of the IR), so `grad(jit(f))`, `vmap(jit(f))` and `jit(grad(f))` all stay staged.
 */

import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { TransformError } from "../core/errors.js";
import { type Params, type Primitive, UndefPrimal, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { callOnnx } from "../export/onnx/control.js";
import { runIr } from "../ir/execute.js";
import type { Ir } from "../ir/ir.js";
import { definePrimitive } from "../primitives/registry.js";
import { instantiate } from "../primitives/zeros.js";
import { jvpIrWithZeros, vmapIr } from "../transforms/ir-transforms.js";
import { partialEvalIr } from "../transforms/partial-eval.js";
import { transposeIr } from "../transforms/transpose.js";

export interface JitParams extends Params {
  ir: Ir;
  name: string;
  /** The backend that runs the IR (the compiler installs "js"); absent: the reference evaluator. */
  backend?: string;
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

/** Params of a call derived from one on `backend` (a JVP, transpose, batched or split call). */
function withBackend(p: JitParams, backend: string | undefined): JitParams {
  return backend === undefined ? p : { ...p, backend };
}

export const jitCallP: Primitive<JitParams> = definePrimitive<JitParams>("jit_call", {
  abstractEval: (avals, { ir, name }) => {
    checkAvals(name, ir, avals);
    return ir.outAvals;
  },
  impl: (args, { ir, name, backend }) => {
    checkAvals(
      name,
      ir,
      args.map((a) => a.aval),
    );
    return runIr(backend ?? "reference", ir, args);
  },
  // Only nonzero tangents enter the JVP call (see jvpIr); symbolic zeros out stay symbolic.
  jvp: (primals, tangents, { ir, name, backend }) => {
    const nonzero = primals.map((p, i) => isFloat(p.dtype) && !(tangents[i] instanceof Zero));
    const j = jvpIrWithZeros(ir, nonzero);
    const ts = tangents.filter((_, i) => nonzero[i]) as Array[];
    const outs = bind(jitCallP, [...primals, ...ts], withBackend({ ir: j.ir, name: `jvp(${name})` }, backend));
    const nOut = ir.outs.length;
    const po = outs.slice(0, nOut);
    let k = nOut;
    const tangentOut = po.map((p, o) => {
      if (!isFloat(p.dtype)) return new Zero(p.aval);
      const t = outs[k++];
      return j.outNonzero[o] ? t : new Zero(p.aval);
    });
    return [po, tangentOut];
  },
  // Only the unknown half of a split call reaches transposition, and it is linear in its
  // unknown inputs: transpose its IR and run that as one call.
  transpose: (cts, args, { ir, name, backend }) => {
    const linear = args.map((a) => a instanceof UndefPrimal);
    const t = transposeIr(ir, linear);
    const fixed = args.filter((a): a is Array => !(a instanceof UndefPrimal));
    const outs = bind(jitCallP, [...fixed, ...cts.map(instantiate)], withBackend({ ir: t, name: `transpose(${name})` }, backend));
    let k = 0;
    return args.map((a) => (a instanceof UndefPrimal ? outs[k++] : null));
  },
  batch: (args, dims, { ir, name, backend }) => {
    const size = args.find((_, i) => dims[i] !== null)?.shape[dims.find((d) => d !== null) as number] as number;
    const v = vmapIr(ir, dims, size);
    const outs = bind(jitCallP, args, withBackend({ ir: v, name: `vmap(${name})` }, backend));
    return [outs, outs.map(() => 0)];
  },
  lower: { kind: "inline", body: (params) => (params as JitParams).ir },
  enter: (args, { ir, name }, run) => run(ir, args, `jit(${name})`),
  // Under partial evaluation (reverse mode) the call splits in two: the known half runs now as
  // one call and yields residuals; the unknown half is staged as one call on residuals and
  // unknowns. So grad(jit(f)) keeps both its forward and its backward pass compiled.
  partialEval: (pe, args, { ir, name, backend }) => {
    const known = args.map((a) => pe.knownValue(a));
    const split = partialEvalIr(
      ir,
      known.map((v) => v === null),
    );
    const knownOuts = bind(
      jitCallP,
      known.filter((v): v is Array => v !== null),
      withBackend({ ir: split.known, name: `known(${name})` }, backend),
    );
    const nKnown = knownOuts.length - split.numResiduals;
    const residuals = knownOuts.slice(nKnown);
    const unknownIns = args.filter((_, i) => known[i] === null);
    const staged = split.outUnknown.some((u) => u)
      ? pe.stage(
          jitCallP as unknown as Primitive,
          [...residuals.map((r) => pe.known(r)), ...unknownIns],
          withBackend({ ir: split.unknown, name: `unknown(${name})` }, backend),
          split.unknown.outAvals,
        )
      : [];
    let kk = 0;
    let ku = 0;
    return split.outUnknown.map((u) => (u ? staged[ku++] : pe.known(knownOuts[kk++])));
  },
  onnx: callOnnx((p) => (p as JitParams).ir),
});
