/** Dead-code elimination: drop equations whose outputs are never used (primitives are pure). */
import { Ir, Lit, type Var } from "../ir.js";

export function dce(ir: Ir): Ir {
  const live = new Set<Var>();
  for (const o of ir.outs) if (!(o instanceof Lit)) live.add(o);
  const kept = [];
  for (let i = ir.eqns.length - 1; i >= 0; i--) {
    const e = ir.eqns[i];
    if (!e.outVars.some((v) => live.has(v))) continue;
    kept.push(e);
    for (const a of e.inputs) if (!(a instanceof Lit)) live.add(a);
  }
  kept.reverse();
  if (kept.length === ir.eqns.length) return ir;
  return new Ir(ir.constVars, ir.consts, ir.inVars, kept, ir.outs);
}
