/**
 * The typed IR (like a closed jaxpr): every variable carries an aval; equations hold a primitive,
 * inputs, readonly params and outputs; constants are explicit. All readonly.
 */
import type { ConcreteArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import type { Params, Primitive } from "../core/primitive.js";
import type { SourceInfo } from "../core/source.js";
import { type DotOptions, irToDot } from "./dot.js";
import { type PrintOptions, printIr } from "./print.js";

let nextVarId = 0;

export class Var {
  readonly id = nextVarId++;
  constructor(readonly aval: ShapedArray) {}
}

/** A scalar constant written inline in the IR. */
export class Lit {
  constructor(
    readonly value: number,
    readonly aval: ShapedArray,
  ) {}
}

export type Atom = Var | Lit;

export interface Eqn {
  readonly prim: Primitive;
  readonly inputs: readonly Atom[];
  readonly params: Params;
  readonly outVars: readonly Var[];
  /** The user's call site that staged this equation (parsed on demand; absent for built IRs). */
  readonly sourceInfo?: SourceInfo;
}

export class Ir {
  constructor(
    /** Variables bound to `consts` (non-scalar constants captured while tracing). */
    readonly constVars: readonly Var[],
    readonly consts: readonly ConcreteArray[],
    readonly inVars: readonly Var[],
    readonly eqns: readonly Eqn[],
    readonly outs: readonly Atom[],
  ) {}

  get inAvals(): ShapedArray[] {
    return this.inVars.map((v) => v.aval);
  }
  get outAvals(): ShapedArray[] {
    return this.outs.map((v) => v.aval);
  }

  /**
   * A jaxpr-like listing: `{ lambda c:f32[3] ; a:f32[3] . let b:f32[3] = mul a c in (b) }`.
   * With `{ sourceInfo: true }` each equation ends with the user's line that staged it.
   */
  toString(opts?: PrintOptions): string {
    return printIr(this, "", opts);
  }

  /**
   * The graph as Graphviz DOT text: a node per input, constant, literal and equation, an edge per
   * use of a variable, optionally with recorded values (see `dotValues`) and edge labels.
   */
  toDot(opts?: DotOptions): string {
    return irToDot(this, opts);
  }
}

/** The sub-IRs an equation's params hold (a call's IR, a cond's branches), for passes and checks. */
export function subIrs(params: Params): Ir[] {
  return Object.values(params).flatMap((v) =>
    v instanceof Ir ? [v] : globalThis.Array.isArray(v) ? v.filter((x): x is Ir => x instanceof Ir) : [],
  );
}
