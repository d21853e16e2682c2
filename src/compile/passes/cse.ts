/**
 * Common-subexpression elimination: two equations applying the same primitive with the same
 * params to the same inputs compute the same values (primitives are pure, randomness included:
 * threefry is a function of its key and counter), so the second reuses the first's outputs.
 */
import { type Atom, Ir, Lit, type Var } from "../../ir/ir.js";

let nextObjectId = 0;
const objectIds = new WeakMap<object, number>();

/** A key for params: JSON for plain data, identity for sub-IRs and other objects. */
function paramsKey(params: object): string {
  return JSON.stringify(params, (_k, v) => {
    if (v !== null && typeof v === "object" && !globalThis.Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) {
      let id = objectIds.get(v);
      if (id === undefined) {
        id = nextObjectId++;
        objectIds.set(v, id);
      }
      return `#obj${id}`;
    }
    if (typeof v === "number" && !Number.isFinite(v)) return `#num${v}`;
    return v;
  });
}

export function cse(ir: Ir): Ir {
  const subst = new Map<Var, Atom>();
  const read = (a: Atom): Atom => (a instanceof Lit ? a : (subst.get(a) ?? a));
  const seen = new Map<string, readonly Var[]>();
  const eqns = [];
  let changed = false;
  for (const e of ir.eqns) {
    const inputs = e.inputs.map(read);
    const key = `${e.prim.name}|${paramsKey(e.params)}|${inputs
      .map((a) => (a instanceof Lit ? `${Object.is(a.value, -0) ? "-0" : a.value}:${a.aval.str()}` : `v${a.id}`))
      .join(",")}`;
    const prev = seen.get(key);
    if (prev?.every((v, i) => v.aval.str() === e.outVars[i].aval.str())) {
      e.outVars.forEach((v, i) => subst.set(v, (prev as readonly Var[])[i]));
      changed = true;
      continue;
    }
    seen.set(key, e.outVars);
    if (inputs.some((a, i) => a !== e.inputs[i])) changed = true;
    eqns.push({ ...e, inputs });
  }
  if (!changed) return ir;
  return new Ir(ir.constVars, ir.consts, ir.inVars, eqns, ir.outs.map(read));
}
