/**
 * Partial evaluation (Autodidax's design): values are known (computed now) or unknown (staged
 * into an IR). Linearize runs JVP on top of it with primals known and tangents unknown, so the
 * staged IR is exactly the linear map.
 */
import type { Array, ConcreteArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import type { Params, Primitive } from "../core/primitive.js";
import { bind, fullLower, fullRaise, type MainTrace, newMain, Trace, Tracer } from "../core/trace.js";
import { type Eqn, Ir, Var } from "../ir/ir.js";

/** Known: `value` is set. Unknown: only the aval is. */
export interface PartialVal {
  readonly aval: ShapedArray;
  readonly value: Array | null;
}

export const known = (value: Array): PartialVal => ({ aval: value.aval, value });
export const unknown = (aval: ShapedArray): PartialVal => ({ aval, value: null });

type Recipe = { kind: "arg" } | { kind: "const"; value: Array } | { kind: "eqn"; eqn: EqnRecipe } | null;

interface EqnRecipe {
  prim: Primitive;
  ins: PartialEvalTracer[];
  params: Params;
  outs: PartialEvalTracer[];
}

export class PartialEvalTracer extends Tracer {
  recipe: Recipe;
  constructor(
    readonly trace: PartialEvalTrace,
    readonly pval: PartialVal,
    recipe: Recipe,
  ) {
    super();
    this.recipe = recipe;
  }
  get aval(): ShapedArray {
    return this.pval.aval;
  }
  protected get transformName(): string {
    return "linearize";
  }
  override toConcrete(op: string): ConcreteArray {
    if (this.pval.value !== null) return this.pval.value.toConcrete(op);
    return super.toConcrete(op);
  }
  override fullLower(): Array {
    return this.pval.value !== null ? fullLower(this.pval.value) : this;
  }
}

export class PartialEvalTrace extends Trace {
  newArg(pval: PartialVal): PartialEvalTracer {
    return new PartialEvalTracer(this, pval, { kind: "arg" });
  }
  pure(x: Array): Array {
    return new PartialEvalTracer(this, known(x), null);
  }
  instantiateConst(t: PartialEvalTracer): PartialEvalTracer {
    if (t.pval.value === null) return t;
    return new PartialEvalTracer(this, unknown(t.aval), { kind: "const", value: t.pval.value });
  }
  processPrimitive(prim: Primitive, tracers: readonly Array[], params: Params): Array[] {
    const ts = tracers as PartialEvalTracer[];
    if (ts.every((t) => t.pval.value !== null)) {
      return bind(
        prim,
        ts.map((t) => fullLower(t)),
        params,
      );
    }
    if (prim.inline !== undefined) return prim.inline(ts, params);
    const ins = ts.map((t) => this.instantiateConst(t));
    const avals = prim.abstractEval(
      ins.map((t) => t.aval),
      params,
    );
    const recipe: EqnRecipe = { prim, ins, params, outs: [] };
    recipe.outs = avals.map((a) => new PartialEvalTracer(this, unknown(a), { kind: "eqn", eqn: recipe }));
    return recipe.outs;
  }
}

/** Build the IR computing `outs` from `ins`; constants become leading inputs bound to `consts`. */
function tracersToIr(ins: readonly PartialEvalTracer[], outs: readonly PartialEvalTracer[]): { ir: Ir; consts: Array[] } {
  const varOf = new Map<PartialEvalTracer, Var>();
  ins.forEach((t) => varOf.set(t, new Var(t.aval)));
  const constVar = new Map<Array, Var>();
  const eqns: Eqn[] = [];
  const done = new Set<EqnRecipe>();
  const visited = new Set<PartialEvalTracer>();
  // Iterative post-order DFS (deep graphs would overflow a recursive one).
  const order: PartialEvalTracer[] = [];
  const stack: [PartialEvalTracer, boolean][] = outs.map((t) => [t, false]);
  while (stack.length > 0) {
    const [t, expanded] = stack.pop() as [PartialEvalTracer, boolean];
    if (expanded) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    const r = t.recipe;
    if (r !== null && r.kind === "eqn") for (const p of r.eqn.ins) if (!visited.has(p)) stack.push([p, false]);
  }
  for (const t of order) {
    const r = t.recipe;
    if (r === null || r.kind === "arg") continue;
    if (r.kind === "const") {
      let v = constVar.get(r.value);
      if (v === undefined) {
        v = new Var(r.value.aval);
        constVar.set(r.value, v);
      }
      varOf.set(t, v);
      continue;
    }
    if (done.has(r.eqn)) continue;
    done.add(r.eqn);
    const inputs = r.eqn.ins.map((p) => varOf.get(p) as Var);
    const outVars = r.eqn.outs.map((o) => {
      const v = new Var(o.aval);
      varOf.set(o, v);
      return v;
    });
    eqns.push({ prim: r.eqn.prim, inputs, params: r.eqn.params, outVars });
  }
  const constVars = [...constVar.values()];
  const ir = new Ir(
    [],
    [],
    [...constVars, ...ins.map((t) => varOf.get(t) as Var)],
    eqns,
    outs.map((t) => varOf.get(t) as Var),
  );
  return { ir, consts: [...constVar.keys()] };
}

export interface PartialEvalResult {
  /** Computes the unknown outputs from [...consts, ...unknown inputs]. */
  ir: Ir;
  consts: Array[];
  /** Per output: its known value, or null when it is computed by `ir`. */
  outs: (Array | null)[];
}

/**
 * Partially evaluate `f`. `instantiate[i]` forces output i to be unknown (staged) even when
 * its value is known, so that the IR returns it.
 */
export function partialEvalFlat(
  f: (...args: Array[]) => Array[],
  pvals: readonly PartialVal[],
  instantiate: (i: number) => boolean,
): PartialEvalResult {
  return newMain(PartialEvalTrace, null, (main: MainTrace) => {
    const trace = new PartialEvalTrace(main);
    const ins = pvals.map((p) => trace.newArg(p));
    const outs = f(...ins).map((o, i) => {
      const t = fullRaise(trace, o) as PartialEvalTracer;
      return instantiate(i) ? trace.instantiateConst(t) : t;
    });
    const unkIns = ins.filter((t) => t.pval.value === null);
    const unkOuts = outs.filter((t) => t.pval.value === null);
    const { ir, consts } = tracersToIr(unkIns, unkOuts);
    return { ir, consts, outs: outs.map((t) => t.pval.value) };
  });
}
