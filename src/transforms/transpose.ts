/**
 * Transposition of a linear IR (the backward pass): walk the equations in reverse, applying
 * each primitive's transpose rule to accumulate cotangents. Symbolic zeros skip whole equations.
 */
import { type Array, fullConcrete } from "../core/array.js";
import { TransformError } from "../core/errors.js";
import { type Tangent, UndefPrimal, Zero } from "../core/primitive.js";
import { currentSource, setCurrentSource } from "../core/source.js";
import type { Ir } from "../ir/ir.js";
import { type Atom, Lit, type Var } from "../ir/ir.js";
import { add } from "../primitives/elementwise.js";
import { addTangents, instantiate } from "../primitives/zeros.js";
import { closeIr, traceToIr } from "./stage.js";

/**
 * `args[i]` is a value for non-linear inputs (constants) or an `UndefPrimal` for the linear
 * ones; returns the cotangents of the linear inputs, in order.
 */
export function backwardPass(ir: Ir, args: readonly (Array | UndefPrimal)[], cts: readonly Tangent[]): Tangent[] {
  const primal = new Map<Var, Array>();
  ir.inVars.forEach((v, i) => {
    const a = args[i];
    if (!(a instanceof UndefPrimal)) primal.set(v, a);
  });
  const readPrimal = (a: Atom): Array | UndefPrimal => {
    if (a instanceof Lit) return fullConcrete([], a.aval.dtype, a.value);
    return primal.get(a) ?? new UndefPrimal(a.aval);
  };
  const ctEnv = new Map<Var, Tangent>();
  const writeCt = (a: Atom, ct: Tangent | null) => {
    if (ct === null || a instanceof Lit || ct instanceof Zero) return;
    const prev = ctEnv.get(a);
    ctEnv.set(a, prev === undefined ? ct : addTangents(prev, ct, add));
  };
  const readCt = (v: Var): Tangent => ctEnv.get(v) ?? new Zero(v.aval);
  ir.outs.forEach((o, i) => writeCt(o, cts[i]));
  for (let k = ir.eqns.length - 1; k >= 0; k--) {
    const eqn = ir.eqns[k];
    const ctsOut = eqn.outVars.map(readCt);
    if (ctsOut.every((c) => c instanceof Zero)) continue;
    const rule = eqn.prim.transpose;
    if (rule === null) {
      throw new TransformError(
        `transpose: primitive '${eqn.prim.name}' is not linear in its inputs, so it cannot be transposed ` +
          "(reverse-mode differentiation of a function that is not differentiable this way?)",
      );
    }
    // The forward equation's call site stays current: what the rule (and the cotangent sums)
    // stage or check names it.
    const prev = setCurrentSource(eqn.sourceInfo ?? currentSource());
    try {
      const ctsIn = rule(ctsOut, eqn.inputs.map(readPrimal), eqn.params);
      eqn.inputs.forEach((a, i) => writeCt(a, ctsIn[i]));
    } finally {
      setCurrentSource(prev);
    }
  }
  return ir.inVars.filter((_, i) => args[i] instanceof UndefPrimal).map(readCt);
}

const transposeCache = new WeakMap<Ir, Map<string, Ir>>();

/**
 * The transpose of an IR that is linear in the inputs marked `linear`, as an IR: inputs
 * [...the non-linear inputs, ...one cotangent per output], outputs the cotangents of the linear
 * inputs.
 */
export function transposeIr(ir: Ir, linear: readonly boolean[]): Ir {
  let byMask = transposeCache.get(ir);
  if (byMask === undefined) {
    byMask = new Map();
    transposeCache.set(ir, byMask);
  }
  const key = linear.map(Number).join("");
  let t = byMask.get(key);
  if (t === undefined) {
    const avals = ir.inAvals;
    const fixed = avals.filter((_, i) => !linear[i]);
    t = closeIr(
      traceToIr(
        (...xs: Array[]) => {
          let k = 0;
          const args = avals.map((a, i) => (linear[i] ? new UndefPrimal(a) : xs[k++]));
          return backwardPass(ir, args, xs.slice(fixed.length)).map(instantiate);
        },
        [...fixed, ...ir.outAvals],
        "jit",
      ),
    );
    byMask.set(key, t);
  }
  return t;
}
