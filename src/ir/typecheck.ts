/**
 * Re-derive every aval of an IR and check that each variable is defined once, before use.
 * Problems are collected (fp-ts Either), so one report lists all of them.
 */
import * as E from "fp-ts/lib/Either.js";
import { AxleError } from "../core/errors.js";
import { type Atom, type Ir, Lit, subIrs, type Var } from "./ir.js";
import { printIr } from "./print.js";

export class IrTypeError extends AxleError {
  override name = "IrTypeError";
}

/** All problems found, or the IR itself. */
export function checkIr(ir: Ir): E.Either<string[], Ir> {
  const problems: string[] = [];
  const defined = new Set<Var>();
  const define = (v: Var, where: string) => {
    if (defined.has(v)) problems.push(`${where}: variable ${v.aval.str()} (#${v.id}) is defined twice`);
    defined.add(v);
  };
  const use = (a: Atom, where: string) => {
    if (!(a instanceof Lit) && !defined.has(a))
      problems.push(`${where}: variable ${a.aval.str()} (#${a.id}) used before it is defined`);
  };
  if (ir.constVars.length !== ir.consts.length) problems.push("constVars and consts differ in length");
  ir.constVars.forEach((v, i) => {
    define(v, "consts");
    const c = ir.consts[i];
    if (c !== undefined && !c.aval.equals(v.aval)) problems.push(`const ${i}: value ${c.aval.str()} bound to ${v.aval.str()}`);
  });
  ir.inVars.forEach((v) => define(v, "inputs"));
  ir.eqns.forEach((eqn, k) => {
    const where = `equation ${k} (${eqn.prim.name})`;
    eqn.inputs.forEach((a) => use(a, where));
    try {
      const avals = eqn.prim.abstractEval(
        eqn.inputs.map((a) => a.aval),
        eqn.params,
      );
      if (avals.length !== eqn.outVars.length) {
        problems.push(`${where}: ${avals.length} outputs derived, ${eqn.outVars.length} declared`);
      }
      avals.forEach((a, i) => {
        const v = eqn.outVars[i];
        if (v !== undefined && !a.equals(v.aval))
          problems.push(`${where}: output ${i} is ${a.str()} but declared ${v.aval.str()}`);
      });
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
    for (const sub of subIrs(eqn.params)) {
      const r = checkIr(sub);
      if (E.isLeft(r)) problems.push(...r.left.map((p) => `${where} sub-IR: ${p}`));
    }
    eqn.outVars.forEach((v) => define(v, where));
  });
  ir.outs.forEach((a) => use(a, "outputs"));
  return problems.length === 0 ? E.right(ir) : E.left(problems);
}

/** Throws an `IrTypeError` listing every problem; returns the IR when it is well typed. */
export function typecheck(ir: Ir): Ir {
  const r = checkIr(ir);
  if (E.isLeft(r)) {
    throw new IrTypeError(`typecheck: the IR is ill-typed:\n  ${r.left.join("\n  ")}\n${printIr(ir)}`);
  }
  return ir;
}
