/**
 * The trace machinery, after Autodidax: each transform is an interpreter (a `Trace`) on a
 * stack; `bind` finds the highest-level trace among the arguments (or the dynamic staging
 * trace under `jit`) and lets it process the primitive.
 */
import { Array, type ConcreteArray } from "./array.js";
import { flags, hooks } from "./config.js";
import { ConcretizationError, LeakedTracerError } from "./errors.js";
import { type Params, type Primitive, standardWeak } from "./primitive.js";
import { sourceScope } from "./source.js";

export interface MainTrace {
  readonly level: number;
  readonly traceType: TraceClass;
  readonly globalData: unknown;
  alive: boolean;
}

export type TraceClass = new (main: MainTrace) => Trace;

export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Bring a concrete value (level 0) into this trace. */
  abstract pure(x: Array): Array;
  /** Bring a tracer of a lower-level trace into this trace. */
  lift(x: Array): Array {
    return this.pure(x);
  }
  abstract processPrimitive(prim: Primitive, tracers: readonly Array[], params: Params): Array[];
}

/** A value standing for an array while a transform runs; it has all of `Array`'s methods. */
export abstract class Tracer extends Array {
  abstract readonly trace: Trace;
  /** The transform's name for error messages: "jit", "vmap", "grad"… */
  protected abstract get transformName(): string;

  /** Unwrap when this tracer carries nothing for its trace (e.g. a zero tangent). */
  fullLower(): Array {
    return this;
  }

  toConcrete(op: string): ConcreteArray {
    throw new ConcretizationError(
      `${op}: cannot read the value of a traced array ${this.aval.str()} inside ${this.transformName}: ` +
        "its value is not known while the function is being traced. Use np.where(cond, a, b) " +
        "instead of a JS if/ternary on array values (cond/switchCase to choose whole computations, scan/foriLoop/whileLoop for loops), " +
        "or pass the value as a static argument (jit's staticArgnums).",
    );
  }

  override toString(): string {
    return `Traced<${this.aval.str()}>(${this.transformName})`;
  }
}

/**
 * Eager elementwise fusion, installed by `src/primitives/eager-fusion.ts` (which the core cannot
 * import): given an elementwise primitive applied to concrete arrays outside every transform, a
 * pending result to compute later together with its neighbours, or null to run the kernel now.
 */
export const eagerFusion: {
  defer: ((prim: Primitive, args: readonly ConcreteArray[], params: Params) => ConcreteArray | null) | null;
} = { defer: null };

/** Level 0: evaluate primitives with their reference kernels. */
export class EvalTrace extends Trace {
  pure(x: Array): Array {
    return x;
  }
  processPrimitive(prim: Primitive, args: readonly Array[], params: Params): Array[] {
    const concrete = args.map((a) => a.toConcrete(prim.name));
    // Only plain eager code defers: under a transform (the trace stack has more than this level,
    // or jit is staging) every primitive runs as before, and while debugNans/debugInfs are on
    // each primitive must run on its own so the check can name it.
    if (
      prim.lower.kind === "elementwise" &&
      eagerFusion.defer !== null &&
      !flags.check &&
      traceStack.length === 1 &&
      dynamicTrace === null
    ) {
      const pending = eagerFusion.defer(prim, concrete, params);
      if (pending !== null) return [pending];
    }
    const outs = prim.impl(concrete, params);
    if (flags.check) hooks.eagerCheck?.(prim, concrete, params, outs);
    // Kernels build strong arrays; weak flags follow the primitive's rule, as its abstractEval's
    // do. A primitive with its own rule ("own": conversions, calls) sets them in its kernel.
    if (prim.weakType === "own" || !concrete.some((a) => a.weakType)) return outs;
    const ins = concrete.map((a) => a.aval);
    return outs.map((o) => o.withWeak(standardWeak(ins, o.dtype)));
  }
}

const traceStack: MainTrace[] = [{ level: 0, traceType: EvalTrace, globalData: null, alive: true }];
let dynamicTrace: MainTrace | null = null;

/** True when no transform is active: a primitive applied now runs its kernel at once. */
export function isEvalContext(): boolean {
  return traceStack.length === 1 && dynamicTrace === null;
}

/** Run `fn` with a new interpreter pushed on the trace stack; it is popped (and dies) after. */
export function newMain<T>(traceType: TraceClass, globalData: unknown, fn: (main: MainTrace) => T): T {
  const main: MainTrace = { level: traceStack.length, traceType, globalData, alive: true };
  traceStack.push(main);
  try {
    return fn(main);
  } finally {
    traceStack.pop();
    main.alive = false;
  }
}

/** Make `main` the dynamic trace: every bind inside `fn` is processed at least at its level. */
export function newDynamic<T>(main: MainTrace, fn: () => T): T {
  const prev = dynamicTrace;
  dynamicTrace = main;
  try {
    return fn();
  } finally {
    dynamicTrace = prev;
  }
}

function checkAlive(op: string, t: Tracer): void {
  const main = t.trace.main;
  if (!main.alive || traceStack[main.level] !== main) {
    throw new LeakedTracerError(
      `${op}: a traced array ${t.aval.str()} from an earlier transform was used after that transform ` +
        "returned (the tracer leaked, e.g. it was saved in an outer variable or closure). " +
        "Return values from the transformed function instead of storing them outside it.",
    );
  }
}

export function findTopTrace(op: string, xs: readonly Array[]): Trace {
  let top = traceStack[0];
  for (const x of xs) {
    if (x instanceof Tracer) {
      checkAlive(op, x);
      if (x.trace.main.level > top.level) top = x.trace.main;
    }
  }
  if (dynamicTrace !== null && dynamicTrace.level > top.level) top = dynamicTrace;
  return new top.traceType(top);
}

export function fullRaise(trace: Trace, x: Array): Array {
  if (!(x instanceof Tracer)) return trace.pure(x);
  const main = x.trace.main;
  if (main === trace.main) return x;
  if (main.level < trace.main.level) return trace.lift(x);
  throw new LeakedTracerError(
    `a traced array ${x.aval.str()} from an inner transform reached an outer one ` +
      "(it escaped the function it belongs to). Return it from that function instead.",
  );
}

export function fullLower(x: Array): Array {
  return x instanceof Tracer ? x.fullLower() : x;
}

/** Apply a primitive under whatever transforms are active. */
export function bind<P extends Params>(prim: Primitive<P>, args: readonly Array[], params?: P): Array[] {
  if (sourceScope.open) return bindNow(prim, args, params);
  // The outermost bind: what it stages shares one recorded call site (see captureSource).
  sourceScope.open = true;
  try {
    return bindNow(prim, args, params);
  } finally {
    sourceScope.open = false;
    sourceScope.info = undefined;
  }
}

function bindNow<P extends Params>(prim: Primitive<P>, args: readonly Array[], params?: P): Array[] {
  const trace = findTopTrace(prim.name, args);
  const tracers = args.map((a) => fullRaise(trace, a));
  const outs = trace.processPrimitive(prim as unknown as Primitive, tracers, params ?? {});
  return outs.map(fullLower);
}

/** `bind` for a single-output primitive. */
export function bind1<P extends Params>(prim: Primitive<P>, args: readonly Array[], params?: P): Array {
  return bind(prim, args, params)[0];
}
