/** Forward-mode differentiation: the JVP interpreter. Tangents may be symbolic zeros. */
import type { Array, ConcreteArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type Params, type Primitive, type Tangent, Zero } from "../core/primitive.js";
import { fullLower, fullRaise, type MainTrace, newMain, Trace, Tracer } from "../core/trace.js";

export class JVPTracer extends Tracer {
  constructor(
    readonly trace: JVPTrace,
    readonly primal: Array,
    readonly tangent: Tangent,
  ) {
    super();
  }
  get aval(): ShapedArray {
    return this.primal.aval;
  }
  protected get transformName(): string {
    return "jvp";
  }
  /** Differentiation does not hide values: JS control flow on them works (as in JAX). */
  override toConcrete(op: string): ConcreteArray {
    return this.primal.toConcrete(op);
  }
  override fullLower(): Array {
    return this.tangent instanceof Zero ? fullLower(this.primal) : this;
  }
}

export class JVPTrace extends Trace {
  pure(x: Array): Array {
    return new JVPTracer(this, x, new Zero(x.aval));
  }
  processPrimitive(prim: Primitive, tracers: readonly Array[], params: Params): Array[] {
    const ts = tracers as JVPTracer[];
    const [primals, tangents] = prim.jvp(
      ts.map((t) => t.primal),
      ts.map((t) => t.tangent),
      params,
    );
    return primals.map((p, i) => new JVPTracer(this, p, tangents[i]));
  }
}

/** JVP of a flat function. Returns primal outputs and (possibly symbolic-zero) tangents. */
export function jvpFlat(
  f: (...args: Array[]) => Array[],
  primals: readonly Array[],
  tangents: readonly Tangent[],
): [Array[], Tangent[]] {
  return newMain(JVPTrace, null, (main: MainTrace) => {
    const trace = new JVPTrace(main);
    const ins = primals.map((p, i) => new JVPTracer(trace, p, tangents[i]));
    const outs = f(...ins).map((o) => fullRaise(trace, o) as JVPTracer);
    return [outs.map((t) => t.primal), outs.map((t) => t.tangent)];
  });
}
