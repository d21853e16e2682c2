/**
 * One primitive, one record: `definePrimitive(name, rules)` declares every rule (shape/dtype,
 * kernel, JVP, transpose, batching, lowering) in one place. Transforms look rules up here and
 * never switch on a primitive's name. This module imports no primitive (the shared rule helpers,
 * which do, live in `rules.ts`), so any module may be loaded first.
 */
import { ValueError } from "../core/errors.js";
import { type BDim, type Params, type Primitive, type PrimitiveRules, standardWeak, type Tangent } from "../core/primitive.js";

export type { BDim, Params, Primitive, PrimitiveRules, Tangent };

const registry = new Map<string, Primitive>();

export function definePrimitive<P extends Params>(name: string, rules: PrimitiveRules<P>): Primitive<P> {
  if (registry.has(name)) {
    throw new ValueError(`definePrimitive: a primitive named '${name}' already exists; give the new primitive another name`);
  }
  const weakType = rules.weakType ?? (["call", "inline", "loop", "branch"].includes(rules.lower.kind) ? "own" : "standard");
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
