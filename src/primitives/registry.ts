/**
 * One primitive, one record: `definePrimitive(name, rules)` declares every rule (shape/dtype,
 * kernel, JVP, transpose, batching, lowering) in one place. Transforms look rules up here and
 * never switch on a primitive's name.
 */
import type { Array } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import {
  type BDim,
  type Params,
  type Primitive,
  type PrimitiveRules,
  standardWeak,
  type Tangent,
  Zero,
} from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { instantiate } from "./zeros.js";

export type { BDim, Params, Primitive, PrimitiveRules, Tangent };

const registry = new Map<string, Primitive>();

export function definePrimitive<P extends Params>(name: string, rules: PrimitiveRules<P>): Primitive<P> {
  if (registry.has(name)) {
    throw new ValueError(`definePrimitive: a primitive named '${name}' already exists; give the new primitive another name`);
  }
  const weakType = rules.weakType ?? (rules.lower.kind === "call" ? "own" : "standard");
  const own = rules.abstractEval;
  // The standard weak-type rule is applied here once, so no primitive's shape rule repeats it.
  const abstractEval: PrimitiveRules<P>["abstractEval"] =
    weakType === "own"
      ? own
      : (avals, params) => {
          const outs = own(avals, params);
          return avals.some((a) => a.weakType) ? outs.map((o) => o.withWeak(standardWeak(avals, o.dtype))) : outs;
        };
  const prim: Primitive<P> = { name, ...rules, weakType, abstractEval };
  registry.set(name, prim as unknown as Primitive);
  return prim;
}

/** Every registered primitive, in registration order. */
export function allPrimitives(): Primitive[] {
  return [...registry.values()];
}

export function lookupPrimitive(name: string): Primitive | undefined {
  return registry.get(name);
}

// ---- Shared rule helpers (JAX's defjvp_zero, deflinear, defvectorized) ----

/** JVP of a primitive whose outputs have zero derivative (comparisons, argmax, floor…). */
export function zeroJvp<P extends Params>(prim: () => Primitive<P>) {
  return (primals: readonly Array[], _t: readonly Tangent[], params: P): [Array[], Tangent[]] => {
    const outs = bind(prim(), primals, params);
    return [outs, outs.map((o) => new Zero(o.aval))];
  };
}

/** JVP of a primitive linear in all its inputs: apply it to the tangents. */
export function linearJvp<P extends Params>(prim: () => Primitive<P>) {
  return (primals: readonly Array[], tangents: readonly Tangent[], params: P): [Array[], Tangent[]] => {
    const outs = bind(prim(), primals, params);
    if (tangents.every((t) => t instanceof Zero)) return [outs, outs.map((o) => new Zero(o.aval))];
    const ts = tangents.map(instantiate);
    return [outs, bind(prim(), ts, params)];
  };
}

/** Batching rule of a unary primitive that acts elementwise: the batch dim stays put. */
export function vectorizedBatch<P extends Params>(prim: () => Primitive<P>) {
  return (args: readonly Array[], dims: readonly BDim[], params: P): [Array[], BDim[]] => {
    const outs = bind(prim(), args, params);
    return [outs, outs.map(() => dims[0])];
  };
}
