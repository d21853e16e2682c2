/** Static types of the public transforms: results have the types of the user's own trees. */
import type { Array } from "../core/array.js";

/** Any function a transform accepts. `never[]` keeps parameter types inferable without `any`. */
export type AnyFn = (...args: never[]) => unknown;

/** An argument index, or a list of them. */
export type Argnums = number | readonly number[];

/** The gradients' type: the differentiated argument's own type, or a tuple of them. */
export type GradsOf<P extends readonly unknown[], N> = N extends number
  ? P[N]
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: P[N[K] & number] }
    : never;

export interface GradOptions<N extends Argnums = 0> {
  /** Which arguments to differentiate (default 0). A list returns a tuple of gradients. */
  argnums?: N;
  /** The function returns `[loss, aux]`; aux is passed through, not differentiated. */
  hasAux?: boolean;
}

/** A scalar loss, or `[loss, aux]` with `hasAux`. */
export type LossOut = Array | readonly [Array, unknown];

/** The loss part of a function's output (without aux). */
export type AuxOf<R> = R extends readonly [Array, infer A] ? A : never;

/** The aux part of a `[out, aux]` output (jacfwd, jacrev, hessian with hasAux). */
export type JacobianAuxOf<R> = R extends readonly [unknown, infer A] ? A : never;
