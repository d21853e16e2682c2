/** Evaluate an IR by binding each equation, so it runs under whatever transforms are active. */
import { type Array, fullConcrete } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import { currentSource, setCurrentSource } from "../core/source.js";
import { bind } from "../core/trace.js";
import { type Atom, type Eqn, type Ir, Lit, type Var } from "./ir.js";

/** Called with each equation and its input and output values (for interpreter hooks). */
export type EqnHook = (eqn: Eqn, inputs: readonly Array[], outputs: readonly Array[]) => void;

export function evalIr(ir: Ir, args: readonly Array[], hook?: EqnHook): Array[] {
  if (args.length !== ir.inVars.length) {
    throw new ValueError(`evalIr: the IR takes ${ir.inVars.length} inputs, got ${args.length}`);
  }
  const env = new Map<Var, Array>();
  const read = (a: Atom): Array => {
    if (a instanceof Lit) return fullConcrete([], a.aval.dtype, a.value, a.aval.weakType);
    const v = env.get(a);
    if (v === undefined) throw new ValueError(`evalIr: variable used before it is defined (${a.aval.str()})`);
    return v;
  };
  ir.constVars.forEach((v, i) => env.set(v, ir.consts[i]));
  ir.inVars.forEach((v, i) => env.set(v, args[i]));
  for (const eqn of ir.eqns) {
    const ins = eqn.inputs.map(read);
    // The equation's recorded call site stays current while it runs, so what it stages again
    // (under jvp/vmap of an IR) keeps the user's line and a debugNans report names it.
    const prev = setCurrentSource(eqn.sourceInfo ?? currentSource());
    let outs: Array[];
    try {
      outs = bind(eqn.prim, ins, eqn.params);
    } finally {
      setCurrentSource(prev);
    }
    eqn.outVars.forEach((v, i) => env.set(v, outs[i]));
    hook?.(eqn, ins, outs);
  }
  return ir.outs.map(read);
}
