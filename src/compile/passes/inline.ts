/**
 * Inline nested calls (`jit_call`: every primitive whose lowering is "inline") into the calling
 * IR, so the compiler sees one flat program and can fuse across what were call boundaries.
 */
import type { ConcreteArray } from "../../core/array.js";
import { type Atom, type Eqn, Ir, Lit, Var } from "../../ir/ir.js";

/** A copy of `ir` with every inlinable call replaced by its body, recursively. */
export function inlineCalls(ir: Ir): Ir {
  if (!ir.eqns.some((e) => e.prim.lower.kind === "inline")) return ir;
  const constVars = [...ir.constVars];
  const consts: ConcreteArray[] = [...ir.consts];
  const eqns: Eqn[] = [];
  // What each variable of the outer IR now stands for (a call's outputs become body atoms).
  const subst = new Map<Var, Atom>();
  const read = (a: Atom): Atom => (a instanceof Lit ? a : (subst.get(a) ?? a));
  for (const e of ir.eqns) {
    const lower = e.prim.lower;
    if (lower.kind !== "inline") {
      eqns.push({ ...e, inputs: e.inputs.map(read) });
      continue;
    }
    const body = inlineCalls(lower.body(e.params));
    // Fresh variables for the body, so a body inlined twice defines each variable once.
    const env = new Map<Var, Atom>();
    body.constVars.forEach((v, i) => {
      const fresh = new Var(v.aval);
      constVars.push(fresh);
      consts.push(body.consts[i]);
      env.set(v, fresh);
    });
    body.inVars.forEach((v, i) => env.set(v, read(e.inputs[i])));
    const bread = (a: Atom): Atom => (a instanceof Lit ? a : (env.get(a) as Atom));
    for (const be of body.eqns) {
      const outVars = be.outVars.map((v) => {
        const fresh = new Var(v.aval);
        env.set(v, fresh);
        return fresh;
      });
      eqns.push({ prim: be.prim, params: be.params, inputs: be.inputs.map(bread), outVars, sourceInfo: be.sourceInfo });
    }
    e.outVars.forEach((v, i) => subst.set(v, bread(body.outs[i])));
  }
  return new Ir(constVars, consts, ir.inVars, eqns, ir.outs.map(read));
}
