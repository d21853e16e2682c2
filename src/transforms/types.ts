/** Static types of the public transforms: results have the types of the user's own trees. */
import type { Array } from "../core/array.js";

/** Any function a transform accepts. `never[]` keeps parameter types inferable without `any`. */
export type AnyFn = (...args: never[]) => unknown;

/** An argument index, or a list of them. */
export type Argnums = number | readonly number[];

/** A value the transforms return where `T` is: a JS number comes back as an `Array`. */
export type AsArrays<T> = T extends number ? Array : T;

/**
 * The gradients' type: the differentiated argument's own type, or a tuple of them (a JS number
 * that a jitted function also accepts in an `Array` slot is not part of it: its gradient is an Array).
 */
export type GradsOf<P extends readonly unknown[], N> = N extends number
  ? Exclude<P[N], number>
  : N extends readonly number[]
    ? { -readonly [K in keyof N]: Exclude<P[N[K] & number], number> }
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

/** A parameter list in which a JS number may stand wherever an `Array` is taken. */
export type WithNumbers<P extends readonly unknown[]> = { [K in keyof P]: P[K] | (P[K] extends Array ? number : never) };

/**
 * The arguments a transformed `F` accepts: where `F` takes an `Array`, a JS number may be passed
 * too — the transform takes it as a weakly typed scalar (see docs/transforms.md, "JS numbers").
 */
export type ArgsOf<F extends AnyFn> = WithNumbers<Parameters<F>>;
/** The aux part of a `[out, aux]` output (jacfwd, jacrev, hessian with hasAux). */
export type JacobianAuxOf<R> = R extends readonly [unknown, infer A] ? A : never;
