/**
 * `whileLoop(condFn, bodyFn, init)`: `carry = bodyFn(carry)` while `condFn(carry)` holds, as one
 * staged operation, so a data-dependent trip count works under `jit`. Forward mode and `vmap`
 * compose with it; reverse mode does not (the number of steps is only known at run time, so
 * nothing can be stored for a backward pass): use `scan` or `foriLoop` there, as in JAX.
 */

import { type Array, Array as ArrayClass, type ConcreteArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { DTypeError, TransformError } from "../core/errors.js";
import { type Params, type Primitive, type SubIrRunner, type Tangent, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { whileOnnx } from "../export/onnx/control.js";
import { evalIr } from "../ir/eval.js";
import { subIrRunner } from "../ir/execute.js";
import type { Ir } from "../ir/ir.js";
import { convert, select } from "../primitives/elementwise.js";
import { broadcastInDim } from "../primitives/movement.js";
import { reduceMax } from "../primitives/reduce.js";
import { definePrimitive } from "../primitives/registry.js";
import { instantiate } from "../primitives/zeros.js";
import { flattenArrays } from "../transforms/args.js";
import { jvpIrWithZeros, vmapIr } from "../transforms/ir-transforms.js";
import { closeIr, traceToIr } from "../transforms/stage.js";
import { moveBatchAxis } from "../transforms/vmap.js";
import { type TreeDef, unflatten } from "../tree/index.js";
import { checkCarry, promoteWeakCarry } from "./weak-carry.js";

/** Inputs: [...cond consts, ...body consts, ...carry]. */
export interface WhileParams extends Params {
  cond: Ir;
  body: Ir;
  numCondConsts: number;
  numBodyConsts: number;
}

const stageIr = (f: (...xs: Array[]) => Array[], avals: readonly ShapedArray[]) => closeIr(traceToIr(f, avals, "whileLoop"));

function parts<T>(args: readonly T[], p: WhileParams) {
  const nc = p.numCondConsts;
  const nb = p.numBodyConsts;
  return { cc: args.slice(0, nc), bc: args.slice(nc, nc + nb), carry: args.slice(nc + nb) };
}

/** The loop, its condition and body run by `run` (impl's evaluator, or debugNans' labelled runner). */
function runWhile(args: readonly ConcreteArray[], p: WhileParams, run: SubIrRunner): ConcreteArray[] {
  const { cc, bc } = parts(args, p);
  let { carry } = parts(args, p);
  for (let k = 0; run(p.cond, [...cc, ...carry], `whileLoop condition at iteration ${k}`)[0].item(); k++) {
    carry = run(p.body, [...bc, ...carry], `whileLoop iteration ${k}`);
  }
  return carry.map((c, i) => c.withWeak(p.body.outAvals[i].weakType));
}

export const whileP: Primitive<WhileParams> = definePrimitive<WhileParams>("while", {
  abstractEval: (avals, p) => {
    const out = p.cond.outAvals;
    if (out.length !== 1 || out[0].ndim !== 0 || out[0].dtype !== "bool") {
      throw new DTypeError(`whileLoop: the condition must return a bool scalar, got ${out.map((a) => a.str()).join(", ")}`);
    }
    return avals.slice(p.numCondConsts + p.numBodyConsts);
  },
  impl: (args, p, ev) => runWhile(args, p, subIrRunner(ev)),
  enter: runWhile,
  // Tangents of the body consts and the carry ride along; the condition only reads the primals.
  // Only nonzero ones do (see jvpIr): a carry's tangent is nonzero when its initial tangent is or
  // the body makes it so from the nonzero ones (a fixpoint); the others stay symbolic zeros.
  jvp: (primals, tangents, p) => {
    const { cc, bc, carry } = parts(primals, p);
    const nc = p.numCondConsts;
    const nb = p.numBodyConsts;
    const nk = carry.length;
    const nonzero = p.body.inAvals.map((a, i) => isFloat(a.dtype) && !(tangents[nc + i] instanceof Zero)); // [bc, carry]
    let jz = jvpIrWithZeros(p.body, nonzero);
    for (;;) {
      const grow = jz.outNonzero.map((z, o) => z && !nonzero[nb + o]);
      if (!grow.includes(true)) break;
      grow.forEach((g, o) => {
        if (g) nonzero[nb + o] = true;
      });
      jz = jvpIrWithZeros(p.body, nonzero);
    }
    const tb = tangents.slice(nc).map((t, i) => (nonzero[i] ? instantiate(t) : null));
    const tbc = tb.slice(0, nb).filter((t): t is Array => t !== null);
    const tcarry = tb.slice(nb).filter((t): t is Array => t !== null);
    const j = jz.ir; // [bc, carry, nonzero t(bc), nonzero t(carry)] → [carry, float t(carry)]
    const nbf = tbc.length;
    const carryAvals = p.body.inAvals.slice(nb);
    const bcAvals = p.body.inAvals.slice(0, nb);
    const tbcAvals = bcAvals.filter((_, i) => nonzero[i]);
    const tkAvals = carryAvals.filter((_, i) => nonzero[nb + i]);
    // Which of j's carry tangents (one per float carry) the loop carries: the nonzero ones.
    const keep = carryAvals.filter((a) => isFloat(a.dtype)).map(() => false);
    let f = 0;
    carryAvals.forEach((a, i) => {
      if (isFloat(a.dtype)) keep[f++] = nonzero[nb + i];
    });
    // New layout: body consts [bc, t(bc)], carry [carry, t(carry)].
    const body2 = stageIr(
      (...xs) => {
        const outs = evalIr(j, [
          ...xs.slice(0, nb),
          ...xs.slice(nb + nbf, nb + nbf + nk),
          ...xs.slice(nb, nb + nbf),
          ...xs.slice(nb + nbf + nk),
        ]);
        return [...outs.slice(0, nk), ...outs.slice(nk).filter((_, q) => keep[q])];
      },
      [...bcAvals, ...tbcAvals, ...carryAvals, ...tkAvals],
    );
    const cond2 = stageIr((...xs) => evalIr(p.cond, xs.slice(0, nc + nk)), [...p.cond.inAvals, ...tkAvals]);
    const outs = bind(whileP, [...cc, ...bc, ...tbc, ...carry, ...tcarry], {
      cond: cond2,
      body: body2,
      numCondConsts: nc,
      numBodyConsts: nb + nbf,
    });
    const primalOut = outs.slice(0, nk);
    let k = nk;
    const tangentOut: Tangent[] = primalOut.map((o, i) => (nonzero[nb + i] ? outs[k++] : new Zero(o.aval)));
    return [primalOut, tangentOut];
  },
  transpose: null,
  // Batched: loop while any example's condition holds; an example whose condition is false keeps
  // its carry (the body's result is discarded by a select).
  batch: (args, dims, p) => {
    const i0 = dims.findIndex((d) => d !== null);
    const size = args[i0].shape[dims[i0] as number];
    const xs = args.map((a, i) => moveBatchAxis(a, dims[i], 0, size));
    const { cc, bc, carry } = parts(xs, p);
    const vc = vmapIr(
      p.cond,
      p.cond.inVars.map(() => 0),
      size,
    );
    const vb = vmapIr(
      p.body,
      p.body.inVars.map(() => 0),
      size,
    );
    const nc = cc.length;
    const nb = bc.length;
    const ccAvals = cc.map((a) => a.aval);
    const bcAvals = bc.map((a) => a.aval);
    const kAvals = carry.map((a) => a.aval);
    const anyCond = stageIr((...ys) => [reduceMax(convert(evalIr(vc, ys)[0], "int32"), [0]).gt(0)], [...ccAvals, ...kAvals]);
    const maskedBody = stageIr(
      (...ys) => {
        const c = ys.slice(0, nc);
        const b = ys.slice(nc, nc + nb);
        const k = ys.slice(nc + nb);
        const live = evalIr(vc, [...c, ...k])[0];
        const next = evalIr(vb, [...b, ...k]);
        return next.map((n, i) => select(broadcastInDim(live, n.shape, [0]), n, k[i]));
      },
      [...ccAvals, ...bcAvals, ...kAvals],
    );
    const outs = bind(whileP, [...cc, ...cc, ...bc, ...carry], {
      cond: anyCond,
      body: maskedBody,
      numCondConsts: nc,
      numBodyConsts: nc + nb,
    });
    return [outs, outs.map(() => 0)];
  },
  // Operands [cond consts, body consts, carry]: a loop whose consts are both groups.
  lower: {
    kind: "loop",
    loop: (params) => {
      const p = params as WhileParams;
      const nc = p.numCondConsts;
      const nb = p.numBodyConsts;
      const ids = (lo: number, n: number) => globalThis.Array.from({ length: n }, (_, i) => lo + i);
      return {
        numConsts: nc + nb,
        numCarry: p.body.outs.length,
        body: p.body,
        bodyConsts: ids(nc, nb),
        trip: { kind: "while", cond: p.cond, condConsts: ids(0, nc) },
      };
    },
  },
  partialEval: () => {
    throw new TransformError(
      "whileLoop: reverse-mode differentiation (grad, vjp, jacrev) is not supported: the number of iterations " +
        "is only known at run time, so no backward pass can be prepared. Use scan or foriLoop with a fixed number of steps",
    );
  },
  onnx: whileOnnx,
});

/**
 * `carry = bodyFn(carry)` while `condFn(carry)` is true (a bool scalar); returns the final carry
 * (a pytree whose structure, shapes and dtypes the body keeps).
 * @example whileLoop((c: Array) => c.lt(100), (c: Array) => c.mul(2), np.array(1)) // 128
 */
export function whileLoop<C>(condFn: (carry: C) => Array, bodyFn: (carry: C) => C, init: C): C {
  const op = "whileLoop";
  const [initLeaves, def] = flattenArrays(op, init, "init", "weak");
  let outDef: TreeDef | undefined;
  const trace = (avals: readonly ShapedArray[]) => {
    const cond = traceToIr(
      (...xs) => {
        const c = condFn(unflatten(def, xs) as C);
        if (!(c instanceof ArrayClass) || c.ndim !== 0 || c.dtype !== "bool") {
          throw new DTypeError(
            `${op}: the condition must return a bool scalar array (e.g. c.lt(10)), got ${c instanceof ArrayClass ? c.aval.str() : typeof c}`,
          );
        }
        return [c];
      },
      avals,
      op,
    );
    const body = traceToIr(
      (...xs) => {
        const [ol, od] = flattenArrays(op, bodyFn(unflatten(def, xs) as C), "body output", "weak");
        outDef = od;
        return ol;
      },
      avals,
      op,
    );
    if ((outDef as TreeDef).toString() !== def.toString()) {
      throw new TransformError(`${op}: the body returns ${outDef} but the carry is ${def}; the carry must keep its structure`);
    }
    return { cond, body };
  };
  let leaves = initLeaves;
  let { cond, body } = trace(leaves.map((l) => l.aval));
  const promoted = promoteWeakCarry(leaves, body.ir.outAvals);
  if (promoted !== null) {
    leaves = promoted;
    ({ cond, body } = trace(leaves.map((l) => l.aval)));
  }
  checkCarry(
    op,
    leaves.map((l) => l.aval),
    body.ir.outAvals,
  );
  const out = bind(whileP, [...cond.consts, ...body.consts, ...leaves], {
    cond: cond.ir,
    body: body.ir,
    numCondConsts: cond.consts.length,
    numBodyConsts: body.consts.length,
  });
  return unflatten(def, out) as C;
}
