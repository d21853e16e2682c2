/**
 * The reference evaluator, which lives with the IR: run an IR on concrete values by calling each
 * primitive's reference kernel directly. All values are concrete here, so the trace machinery
 * (bind, trace lookup) is skipped; the kernels are the same ones eager code uses, so jit(f) and f
 * agree exactly. It defines what every compiled backend must compute, and it is what the
 * higher-order primitives' reference kernels run their sub-IRs with (compiled backends compile
 * sub-IRs themselves), so no primitive depends on a backend.
 */
import { type ConcreteArray, fullConcrete } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import type { IrEvaluator } from "../core/primitive.js";
import { type Atom, type Ir, Lit, type Var } from "./ir.js";

// A literal's array is made once and reused: arrays are immutable, so sharing is safe.
const litValues = new WeakMap<Lit, ConcreteArray>();
function litValue(l: Lit): ConcreteArray {
  let v = litValues.get(l);
  if (v === undefined) {
    v = fullConcrete([], l.aval.dtype, l.value);
    litValues.set(l, v);
  }
  return v;
}

export function executeReference(ir: Ir, args: readonly ConcreteArray[]): ConcreteArray[] {
  if (args.length !== ir.inVars.length) {
    throw new ValueError(`jit: the compiled IR takes ${ir.inVars.length} inputs, got ${args.length}`);
  }
  const env = new Map<Var, ConcreteArray>();
  ir.constVars.forEach((v, i) => env.set(v, ir.consts[i]));
  ir.inVars.forEach((v, i) => env.set(v, args[i]));
  const read = (a: Atom): ConcreteArray => (a instanceof Lit ? litValue(a) : (env.get(a) as ConcreteArray));
  for (const eqn of ir.eqns) {
    const outs = eqn.prim.impl(eqn.inputs.map(read), eqn.params);
    eqn.outVars.forEach((v, i) => env.set(v, outs[i]));
  }
  // Kernels make strong arrays: the outputs take the IR's weak flags (a call's outputs are its body's).
  return ir.outs.map((a, i) => read(a).withWeak(ir.outs[i].aval.weakType));
}

/** Runs an IR on concrete inputs: the reference evaluator, or a compiled backend. */
export type IrRunner = (ir: Ir, args: readonly ConcreteArray[]) => ConcreteArray[];

const runners = new Map<string, IrRunner>([["reference", executeReference]]);

/**
 * Install a backend (the compiler does, when it loads), so call primitives can run their IR on
 * it without depending on the compiler: `jit_call` names its backend in its params.
 */
export function registerRunner(name: string, run: IrRunner): void {
  runners.set(name, run);
}

/** Run `ir` on the backend named `name` (the reference evaluator when none is installed by that name). */
export function runIr(name: string, ir: Ir, args: readonly ConcreteArray[]): ConcreteArray[] {
  return (runners.get(name) ?? executeReference)(ir, args);
}

/**
 * The sub-IR runner of a higher-order primitive's `impl`: its evaluator (the compiled backend
 * calling it) or the reference one. `impl` and `enter` share one loop through it; the label is
 * for `enter`'s callers (debugNans' re-run) and is ignored here.
 */
export function subIrRunner(
  ev: IrEvaluator | undefined,
): (ir: Ir, args: readonly ConcreteArray[], where: string) => ConcreteArray[] {
  return ev === undefined ? (ir, args) => executeReference(ir, args) : (ir, args) => ev.run(ir, args);
}
