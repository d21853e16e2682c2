/**
 * Shared rule helpers, as JAX's `defjvp_zero`, `deflinear`, `defvectorized`: the common shapes of
 * JVP and batching rules, written once.
 */
import type { Array } from "../core/array.js";
import { type BDim, type Params, type Primitive, type Tangent, Zero } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { instantiate } from "./zeros.js";

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
