/**
 * The staging interpreter: traces a function to the typed IR. Under `jit`/`makeIr` it is the
 * dynamic trace, so every primitive applied inside is staged, even on constants.
 */
import { type Array, ConcreteArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { withTransformContext } from "../core/errors.js";
import type { Params, Primitive } from "../core/primitive.js";
import { captureSource, currentSource } from "../core/source.js";
import { fullRaise, type MainTrace, newDynamic, newMain, Trace, Tracer } from "../core/trace.js";
import { type Atom, type Eqn, Ir, Lit, Var } from "../ir/ir.js";
import { dce } from "../ir/passes/dce.js";

export class StagingTracer extends Tracer {
  constructor(
    readonly trace: StagingTrace,
    readonly aval: ShapedArray,
  ) {
    super();
  }
  protected get transformName(): string {
    return (this.trace.main.globalData as Builder).what;
  }
}

class Builder {
  readonly tracerToVar = new Map<StagingTracer, Var>();
  readonly constTracers = new Map<Array, StagingTracer>();
  readonly constVals = new Map<StagingTracer, Array>();
  readonly eqns: Eqn[] = [];
  constructor(readonly what: string) {}
}

export class StagingTrace extends Trace {
  private get builder(): Builder {
    return this.main.globalData as Builder;
  }

  newArg(aval: ShapedArray): StagingTracer {
    const t = new StagingTracer(this, aval);
    this.builder.tracerToVar.set(t, new Var(aval));
    return t;
  }

  /** Constants (and values of outer transforms) become IR constants or inline literals. */
  pure(x: Array): Array {
    const b = this.builder;
    let t = b.constTracers.get(x);
    if (t === undefined) {
      t = new StagingTracer(this, x.aval);
      b.constTracers.set(x, t);
      b.constVals.set(t, x);
    }
    return t;
  }

  private atom(t: StagingTracer): Atom {
    const b = this.builder;
    const c = b.constVals.get(t);
    if (c instanceof ConcreteArray && c.ndim === 0) return new Lit(c.item(), c.aval);
    let v = b.tracerToVar.get(t);
    if (v === undefined) {
      v = new Var(t.aval);
      b.tracerToVar.set(t, v);
    }
    return v;
  }

  processPrimitive(prim: Primitive, tracers: readonly Array[], params: Params): Array[] {
    const ts = tracers as StagingTracer[];
    const avals = prim.abstractEval(
      ts.map((t) => t.aval),
      params,
    );
    const inputs = ts.map((t) => this.atom(t));
    const outTracers = avals.map((a) => new StagingTracer(this, a));
    const outVars = outTracers.map((t) => this.atom(t) as Var);
    this.builder.eqns.push({ prim, inputs, params, outVars, sourceInfo: currentSource() ?? captureSource() });
    return outTracers;
  }

  /** Assemble the IR: constants become leading inputs (`numConsts` of them) with their values. */
  build(ins: readonly StagingTracer[], outs: readonly StagingTracer[]): { ir: Ir; consts: Array[] } {
    const b = this.builder;
    const inVars = ins.map((t) => this.atom(t) as Var);
    const outAtoms = outs.map((t) => this.atom(t));
    const constVars: Var[] = [];
    const consts: Array[] = [];
    for (const [t, val] of b.constVals) {
      const a = this.atom(t);
      if (a instanceof Var) {
        constVars.push(a);
        consts.push(val);
      }
    }
    const ir = dce(new Ir([], [], [...constVars, ...inVars], b.eqns, outAtoms));
    // Drop constants that DCE left unused.
    const used = new Set(ir.inVars);
    const keep = constVars.map((v) => used.has(v));
    return {
      ir: new Ir(
        [],
        [],
        ir.inVars.filter((_v, i) => i >= constVars.length || keep[i]),
        ir.eqns,
        ir.outs,
      ),
      consts: consts.filter((_, i) => keep[i]),
    };
  }
}

export interface Staged {
  /** The IR; its first `consts.length` inputs are bound to `consts`. */
  readonly ir: Ir;
  readonly consts: Array[];
}

/**
 * Trace `fn` on abstract inputs of `inAvals` to an IR. `what` names the transform in errors
 * ("jit", "makeIr").
 */
export function traceToIr(fn: (...args: Array[]) => Array[], inAvals: readonly ShapedArray[], what: string): Staged {
  return newMain(StagingTrace, new Builder(what), (main: MainTrace) =>
    newDynamic(main, () => {
      const trace = new StagingTrace(main);
      const ins = inAvals.map((a) => trace.newArg(a));
      const outs = withTransformContext(what, () => fn(...ins)).map((o) => fullRaise(trace, o) as StagingTracer);
      return trace.build(ins, outs);
    }),
  );
}

/** A closed IR (constants attached) when every constant is concrete. */
export function closeIr(staged: Staged): Ir {
  const n = staged.consts.length;
  const consts = staged.consts as ConcreteArray[];
  const { ir } = staged;
  return new Ir(ir.inVars.slice(0, n), consts, ir.inVars.slice(n), ir.eqns, ir.outs);
}
