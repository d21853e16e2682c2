/**
 * Reverse mode: vjp = linearize + transpose. grad and valueAndGrad are thin layers over it (and
 * jacrev, in jacobians.ts).
 */
import { Array, fullConcrete } from "../core/array.js";
import { isFloat } from "../core/dtype.js";
import { inTransform, TransformError, withTransformContext } from "../core/errors.js";
import { type Tangent, UndefPrimal, Zero } from "../core/primitive.js";
import { instantiate } from "../primitives/zeros.js";
import { assertSameStructure, flatten, type TreeDef, unflatten } from "../tree/index.js";
import {
  checkFloatLeaves,
  type FlatArgs,
  flatFn,
  flattenArgs,
  flattenArrays,
  normalizeArgnums,
  splitLeaves,
  unflattenArrays,
} from "./args.js";
import { linearizeFlat } from "./linearize.js";
import { backwardPass } from "./transpose.js";
import type { AnyFn, Argnums, ArgsOf, AuxOf, GradOptions, GradsOf } from "./types.js";

/** VJP of a flat function: primal outputs and the pullback from output to input cotangents. */
export function vjpFlat(
  f: (...args: Array[]) => Array[],
  primals: readonly Array[],
): [Array[], (cts: readonly Tangent[]) => Array[]] {
  const { primalsOut, ir, consts } = linearizeFlat(f, primals);
  const pullback = (cts: readonly Tangent[]): Array[] => {
    const args = [...consts, ...primals.map((p) => new UndefPrimal(p.aval))];
    return backwardPass(ir, args, cts).map(instantiate);
  };
  return [primalsOut, pullback];
}

/**
 * `[out, pullback] = vjp(f, ...primals)`: `pullback(ct)` returns the cotangents of every
 * primal (a tuple), each shaped like its primal.
 * @example const [y, back] = vjp((x: Array) => x.mul(x), np.array(3)); back(np.array(1)) // [6]
 */
export function vjp<A extends unknown[], R>(f: (...args: A) => R, ...primals: NoInfer<A>): [R, (ct: R) => A] {
  const flat = flattenArgs("vjp", primals);
  flat.defs.forEach((d, i) => checkFloatLeaves("vjp", splitFlat(flat, i), i, d, primals[i]));
  const out: { def?: TreeDef } = {};
  const [outs, pullback] = vjpFlat(flatFn("vjp", f, flat, out), flat.leaves);
  const outDef = out.def;
  const def = outDef as TreeDef;
  const back = (ct: R): A => {
    const [cl] = flattenArrays("vjp", ct, "cotangent");
    assertSameStructure(unflattenArrays(def, outs), ct, { what: "vjp: cotangent vs output", root: "output", leaves: "aval" });
    return splitLeaves(
      inTransform("vjp (backward pass)", () => pullback(cl)),
      flat,
    ) as A;
  };
  return [unflattenArrays(def, outs), back];
}

/** The leaves of argument `i` in a flattened argument list. */
function splitFlat(flat: FlatArgs, i: number): Array[] {
  const start = flat.counts.slice(0, i).reduce((a, b) => a + b, 0);
  return flat.leaves.slice(start, start + flat.counts[i]);
}

interface Prepared {
  argnums: number[];
  leaves: Array[];
  counts: number[];
  defs: TreeDef[];
  rebuild: (leaves: readonly Array[]) => unknown[];
}

function prepare(op: string, args: readonly unknown[], argnums: Argnums): Prepared {
  const nums = normalizeArgnums(op, argnums, args.length);
  const flat = flattenArgs(
    op,
    nums.map((i) => args[i]),
  );
  const { counts, defs } = flat;
  defs.forEach((d, k) => checkFloatLeaves(op, splitFlat(flat, k), nums[k], d, args[nums[k]]));
  const rebuild = (leaves: readonly Array[]): unknown[] => {
    const parts = splitLeaves(leaves, flat);
    const full = [...args];
    nums.forEach((i, k) => {
      full[i] = parts[k];
    });
    return full;
  };
  return { argnums: nums, leaves: flat.leaves, counts, defs, rebuild };
}

function checkScalarLoss(op: string, loss: unknown): Array {
  if (!(loss instanceof Array)) {
    throw new TransformError(
      `${op}: the function must return a scalar array${op.includes("Aux") ? "" : " (or [loss, aux] with hasAux: true)"}, got ${
        globalThis.Array.isArray(loss) ? "a JS array; pass { hasAux: true } if it is [loss, aux]" : typeof loss
      }`,
    );
  }
  if (loss.ndim !== 0 || !isFloat(loss.dtype)) {
    throw new TransformError(
      `${op}: the function must return a float scalar (shape []), got ${loss.aval.str()}. ` +
        (loss.ndim !== 0
          ? "Reduce it first (e.g. np.sum(y) or y.mean()), or use vjp/jacrev for non-scalar outputs"
          : "Cast it with astype('float32'); integer outputs have no gradient"),
    );
  }
  return loss;
}

/**
 * The output `[out, aux]` of a function called with `hasAux: true`. Aux's array leaves ride
 * along as extra (non-differentiated) outputs of the flat function, so no tracer escapes its
 * transform; `rebuild` puts their final values back into aux's structure, next to its other
 * leaves (numbers, strings…), which are kept as they are.
 */
export class AuxOutput {
  #def: TreeDef | undefined;
  #leaves: unknown[] = [];

  /** `[out, aux's array leaves]`; `what` names `out` in the error ("loss", "out"). */
  split(op: string, res: unknown, what: string): [unknown, Array[]] {
    if (!globalThis.Array.isArray(res) || res.length !== 2) {
      const got = globalThis.Array.isArray(res) ? `a JS array of length ${res.length}` : typeof res;
      throw new TransformError(`${op}: with hasAux: true the function must return [${what}, aux], got ${got}`);
    }
    const [leaves, def] = flatten(res[1]);
    this.#def = def;
    this.#leaves = leaves;
    return [res[0], leaves.filter((l): l is Array => l instanceof Array)];
  }

  /** Aux with its array leaves replaced by `arrays` (in order). */
  rebuild(arrays: readonly Array[]): unknown {
    let k = 0;
    return unflatten(
      this.#def as TreeDef,
      this.#leaves.map((l) => (l instanceof Array ? arrays[k++] : l)),
    );
  }
}

function valueAndGradImpl(op: string, f: AnyFn, opts: GradOptions<Argnums>, args: readonly unknown[]) {
  const argnums = opts.argnums ?? 0;
  const p = prepare(op, args, argnums);
  const aux = opts.hasAux ? new AuxOutput() : null;
  const fFlat = (...leaves: Array[]): Array[] => {
    const out = withTransformContext(op, () => (f as unknown as (...a: unknown[]) => unknown)(...p.rebuild(leaves)));
    if (aux === null) return [checkScalarLoss(op, out)];
    const [loss, auxLeaves] = aux.split(op, out, "loss");
    return [checkScalarLoss(op, loss), ...auxLeaves];
  };
  const [outs, pullback] = vjpFlat(fFlat, p.leaves);
  const [loss, ...auxLeaves] = outs;
  const cts = inTransform(`${op} (backward pass)`, () =>
    pullback([fullConcrete([], loss.dtype, 1), ...auxLeaves.map((a) => new Zero(a.aval))]),
  );
  const parts = splitLeaves(cts, p);
  // Returned trees are frozen, the tuple of gradients included.
  const grads = typeof argnums === "number" ? parts[0] : Object.freeze(parts);
  const value = aux === null ? loss : [loss, aux.rebuild(auxLeaves)];
  return [value, grads] as const;
}

/**
 * `grad(f)` returns a function computing the gradient of the scalar-valued `f` with respect
 * to argument `argnums` (default 0); the gradient has the argument's own type and structure.
 * @example const g = grad((x: Array) => x.mul(x).sum()); g(np.array([1, 2])) // [2, 4]
 */
export function grad<F extends (...args: never[]) => Array, const N extends Argnums = 0>(
  f: F,
  opts?: GradOptions<N> & { hasAux?: false },
): (...args: ArgsOf<F>) => GradsOf<Parameters<F>, N>;
export function grad<F extends (...args: never[]) => readonly [Array, unknown], const N extends Argnums = 0>(
  f: F,
  opts: GradOptions<N> & { hasAux: true },
): (...args: ArgsOf<F>) => [GradsOf<Parameters<F>, N>, AuxOf<ReturnType<F>>];
export function grad(f: AnyFn, opts: GradOptions<Argnums> = {}) {
  return (...args: unknown[]) => {
    const [value, grads] = valueAndGradImpl("grad", f, opts, args);
    return opts.hasAux ? [grads, (value as unknown[])[1]] : grads;
  };
}

/**
 * Like `grad`, but returns `[value, grads]` (with hasAux: `[[value, aux], grads]`).
 */
export function valueAndGrad<F extends (...args: never[]) => Array, const N extends Argnums = 0>(
  f: F,
  opts?: GradOptions<N> & { hasAux?: false },
): (...args: ArgsOf<F>) => [Array, GradsOf<Parameters<F>, N>];
export function valueAndGrad<F extends (...args: never[]) => readonly [Array, unknown], const N extends Argnums = 0>(
  f: F,
  opts: GradOptions<N> & { hasAux: true },
): (...args: ArgsOf<F>) => [[Array, AuxOf<ReturnType<F>>], GradsOf<Parameters<F>, N>];
export function valueAndGrad(f: AnyFn, opts: GradOptions<Argnums> = {}) {
  return (...args: unknown[]) => {
    const [value, grads] = valueAndGradImpl("valueAndGrad", f, opts, args);
    return [value, grads];
  };
}

export type { Prepared };
export { prepare };
