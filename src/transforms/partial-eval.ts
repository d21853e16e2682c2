/**
 * Partial evaluation (Autodidax's design): values are known (computed now) or unknown (staged
 * into an IR). Linearize runs JVP on top of it with primals known and tangents unknown, so the
 * staged IR is exactly the linear map.
 */

import type { Array, ConcreteArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import type { Params, PartialEvaluator, Primitive } from "../core/primitive.js";
import { captureSource, currentSource, type SourceInfo } from "../core/source.js";
import { bind, fullLower, fullRaise, type MainTrace, newMain, Trace, Tracer } from "../core/trace.js";
import { evalIr } from "../ir/eval.js";
import { type Eqn, Ir, Var } from "../ir/ir.js";
import { closeIr, traceToIr } from "./stage.js";

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
  sourceInfo: SourceInfo;
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

export class PartialEvalTrace extends Trace implements PartialEvaluator {
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
    if (prim.partialEval !== undefined) return prim.partialEval(this, ts, params);
    if (prim.inline !== undefined) return prim.inline(ts, params);
    return this.stage(
      prim,
      ts,
      params,
      prim.abstractEval(
        ts.map((t) => t.aval),
        params,
      ),
    );
  }

  knownValue(x: Array): Array | null {
    return x instanceof PartialEvalTracer && x.trace.main === this.main ? x.pval.value : x;
  }

  known(x: Array): Array {
    return this.pure(x);
  }

  stage(prim: Primitive, args: readonly Array[], params: Params, outAvals: readonly ShapedArray[]): Array[] {
    const ins = args.map((a) => this.instantiateConst(fullRaise(this, a) as PartialEvalTracer));
    const recipe: EqnRecipe = { prim, ins, params, outs: [], sourceInfo: currentSource() ?? captureSource() };
    recipe.outs = outAvals.map((a) => new PartialEvalTracer(this, unknown(a), { kind: "eqn", eqn: recipe }));
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
    eqns.push({ prim: r.eqn.prim, inputs, params: r.eqn.params, outVars, sourceInfo: r.eqn.sourceInfo });
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

/** An IR split by partial evaluation: a known part to run now and an unknown part to stage. */
export interface SplitIr {
  /** Known inputs → [...known outputs, ...residuals]. */
  known: Ir;
  /** [...residuals, ...unknown inputs] → unknown outputs. */
  unknown: Ir;
  numResiduals: number;
  /** Per output of the original IR: whether the unknown part computes it. */
  outUnknown: boolean[];
}

const splitCache = new WeakMap<Ir, Map<string, SplitIr>>();

/**
 * Partially evaluate an IR for inputs marked unknown (`instantiate` forces outputs to be computed
 * by the unknown part even when they are known). The known part is itself staged (its
 * inputs are abstract here), so both halves are IRs: the known half can run as one call, and the
 * unknown half (linear, when it comes from a JVP) can be transposed as one call.
 */
export function partialEvalIr(ir: Ir, inUnknown: readonly boolean[], instantiate?: readonly boolean[]): SplitIr {
  let byMask = splitCache.get(ir);
  if (byMask === undefined) {
    byMask = new Map();
    splitCache.set(ir, byMask);
  }
  const key = `${inUnknown.map(Number).join("")}|${(instantiate ?? []).map(Number).join("")}`;
  const hit = byMask.get(key);
  if (hit !== undefined) return hit;
  const avals = ir.inAvals;
  let unknownIr: Ir | undefined;
  let numResiduals = 0;
  let outUnknown: boolean[] = [];
  const staged = traceToIr(
    (...knownIns: Array[]) => {
      let k = 0;
      const pvals = avals.map((a, i) => (inUnknown[i] ? unknown(a) : known(knownIns[k++])));
      const r = partialEvalFlat(
        (...xs: Array[]) => evalIr(ir, xs),
        pvals,
        (i) => instantiate?.[i] ?? false,
      );
      unknownIr = r.ir;
      numResiduals = r.consts.length;
      outUnknown = r.outs.map((v) => v === null);
      return [...r.outs.filter((v): v is Array => v !== null), ...r.consts];
    },
    avals.filter((_, i) => !inUnknown[i]),
    "jit",
  );
  const split: SplitIr = { known: closeIr(staged), unknown: unknownIr as Ir, numResiduals, outUnknown };
  byMask.set(key, split);
  return split;
}
