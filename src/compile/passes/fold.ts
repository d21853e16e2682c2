/**
 * Constant folding: an equation whose inputs are all literals or constants runs now, with its
 * reference kernel, and its outputs become literals (scalars) or constants. Equations that would
 * grow their data (a broadcast of a literal) are left alone: the fused kernels read a broadcast
 * scalar for free, and a materialised constant would only cost memory and copies.
 */
import { type ConcreteArray, fullConcrete } from "../../core/array.js";
import { type Atom, Ir, Lit, Var } from "../../ir/ir.js";

/**
 * Lowerings that run a kernel on their inputs alone (calls and inlined bodies are left to the
 * later passes). Movements and reductions fold too: a transposed, sliced or summed constant is
 * one constant, not a kernel per call.
 */
const FOLDABLE_KINDS: ReadonlySet<string> = new Set([
  "elementwise",
  "kernel",
  "view",
  "reshape",
  "reduce",
  "contract",
  "assemble",
]);

/** The largest folded output kept as a constant (elements). */
const MAX_FOLDED = 1 << 16;

export function foldConstants(ir: Ir): Ir {
  const known = new Map<Var, ConcreteArray>();
  ir.constVars.forEach((v, i) => known.set(v, ir.consts[i]));
  const subst = new Map<Var, Atom>();
  const read = (a: Atom): Atom => (a instanceof Lit ? a : (subst.get(a) ?? a));
  const value = (a: Atom): ConcreteArray | undefined =>
    a instanceof Lit ? fullConcrete([], a.aval.dtype, a.value, a.aval.weakType) : known.get(a);
  const constVars = [...ir.constVars];
  const consts = [...ir.consts];
  const eqns = [];
  let changed = false;
  for (const e of ir.eqns) {
    const inputs = e.inputs.map(read);
    const vals = inputs.map(value);
    const kind = e.prim.lower.kind;
    const inSize = Math.max(1, ...inputs.map((a) => a.aval.size));
    const outSize = Math.max(0, ...e.outVars.map((v) => v.aval.size));
    const foldable = FOLDABLE_KINDS.has(kind) && vals.every((v) => v !== undefined) && outSize <= inSize && outSize <= MAX_FOLDED;
    if (!foldable) {
      if (inputs.some((a, i) => a !== e.inputs[i])) changed = true;
      eqns.push({ ...e, inputs });
      continue;
    }
    const outs = e.prim.impl(vals as ConcreteArray[], e.params);
    changed = true;
    e.outVars.forEach((v, i) => {
      const o = outs[i].withWeak(v.aval.weakType);
      if (v.aval.ndim === 0) {
        subst.set(v, new Lit(o.item(), v.aval));
      } else {
        const c = new Var(v.aval);
        constVars.push(c);
        consts.push(o);
        known.set(c, o);
        subst.set(v, c);
      }
    });
  }
  if (!changed) return ir;
  // Drop the constants nothing reads any more (those folded into others), so the program
  // carries only the constants it uses.
  const outs = ir.outs.map(read);
  const used = new Set<Atom>([...eqns.flatMap((e) => e.inputs), ...outs]);
  const keep = constVars.map((v) => used.has(v));
  return new Ir(
    constVars.filter((_, i) => keep[i]),
    consts.filter((_, i) => keep[i]),
    ir.inVars,
    eqns,
    outs,
  );
}
