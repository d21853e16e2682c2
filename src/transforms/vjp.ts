/**
 * Reverse mode: vjp = linearize + transpose. grad, valueAndGrad, jacrev and hessian are thin
 * layers over it.
 */
import { Array, ConcreteArray, fullConcrete } from "../core/array.js";
import { isFloat } from "../core/dtype.js";
import { TransformError } from "../core/errors.js";
import { type Tangent, UndefPrimal, Zero } from "../core/primitive.js";
import { sizeOf } from "../core/shape.js";
import { reshape, slice, transpose as transposeAxes } from "../primitives/movement.js";
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
import { jacfwd } from "./forward.js";
import { linearizeFlat } from "./linearize.js";
import { backwardPass } from "./transpose.js";
import type { AnyFn, Argnums, AuxOf, GradOptions, GradsOf } from "./types.js";
import { vmapFlat } from "./vmap.js";

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
    return splitLeaves(pullback(cl), flat) as A;
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

function valueAndGradImpl(op: string, f: AnyFn, opts: GradOptions<Argnums>, args: readonly unknown[]) {
  const hasAux = opts.hasAux ?? false;
  const argnums = opts.argnums ?? 0;
  const p = prepare(op, args, argnums);
  let auxDef: TreeDef | undefined;
  let auxOther: unknown[] = [];
  const fFlat = (...leaves: Array[]): Array[] => {
    const out = (f as unknown as (...a: unknown[]) => unknown)(...p.rebuild(leaves));
    if (!hasAux) return [checkScalarLoss(op, out)];
    if (!globalThis.Array.isArray(out) || out.length !== 2) {
      throw new TransformError(`${op}: with hasAux: true the function must return [loss, aux], got ${typeof out}`);
    }
    const [al, ad] = flatten(out[1]);
    auxDef = ad;
    auxOther = al;
    // Array leaves of aux ride along as extra (non-differentiated) outputs, so no tracer escapes.
    return [checkScalarLoss(op, out[0]), ...al.filter((l): l is Array => l instanceof Array)];
  };
  const [outs, pullback] = vjpFlat(fFlat, p.leaves);
  const [loss, ...auxLeaves] = outs;
  const cts = pullback([fullConcrete([], loss.dtype, 1), ...auxLeaves.map((a) => new Zero(a.aval))]);
  const parts = splitLeaves(cts, p);
  // Returned trees are frozen, the tuple of gradients included.
  const grads = typeof argnums === "number" ? parts[0] : Object.freeze(parts);
  let k = 0;
  const aux = hasAux
    ? unflatten(
        auxDef as TreeDef,
        auxOther.map((l) => (l instanceof Array ? auxLeaves[k++] : l)),
      )
    : undefined;
  const value = hasAux ? [loss, aux] : loss;
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
): (...args: Parameters<F>) => GradsOf<Parameters<F>, N>;
export function grad<F extends (...args: never[]) => readonly [Array, unknown], const N extends Argnums = 0>(
  f: F,
  opts: GradOptions<N> & { hasAux: true },
): (...args: Parameters<F>) => [GradsOf<Parameters<F>, N>, AuxOf<ReturnType<F>>];
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
): (...args: Parameters<F>) => [Array, GradsOf<Parameters<F>, N>];
export function valueAndGrad<F extends (...args: never[]) => readonly [Array, unknown], const N extends Argnums = 0>(
  f: F,
  opts: GradOptions<N> & { hasAux: true },
): (...args: Parameters<F>) => [[Array, AuxOf<ReturnType<F>>], GradsOf<Parameters<F>, N>];
export function valueAndGrad(f: AnyFn, opts: GradOptions<Argnums> = {}) {
  return (...args: unknown[]) => {
    const [value, grads] = valueAndGradImpl("valueAndGrad", f, opts, args);
    return [value, grads];
  };
}

/** The identity basis of `n` directions, as a float array [n, n]. */
export function basis(n: number, dtype: Array["dtype"]): ConcreteArray {
  const e = fullConcrete([n, n], dtype, 0);
  const buf = e.data();
  for (let i = 0; i < n; i++) buf[i * n + i] = 1;
  return new ConcreteArray([n, n], dtype, buf);
}

/**
 * Jacobian by reverse mode: one pullback per output element, batched with vmap. For an output
 * leaf of shape S and an input leaf of shape T, the entry has shape [...S, ...T]. The result is
 * the output's structure holding, at each leaf, the differentiated argument's structure.
 */
export function jacrev<F extends AnyFn, const N extends Argnums = 0>(f: F, opts: { argnums?: N } = {}) {
  return (...args: Parameters<F>): unknown => {
    const argnums = opts.argnums ?? 0;
    const p = prepare("jacrev", args, argnums);
    let outDef: TreeDef | undefined;
    const fFlat = (...leaves: Array[]): Array[] => {
      const out = (f as unknown as (...a: unknown[]) => unknown)(...p.rebuild(leaves));
      const [ol, od] = flattenArrays("jacrev", out, "output");
      outDef = od;
      return ol;
    };
    const [outs, pullback] = vjpFlat(fFlat, p.leaves);
    const sizes = outs.map((o) => o.size);
    const total = sizes.reduce((a, b) => a + b, 0);
    const dtype = outs.find((o) => isFloat(o.dtype))?.dtype ?? "float32";
    const eye = basis(total, dtype);
    let off = 0;
    const cts = outs.map((o, i) => {
      const rows = slice(eye, [0, off], [total, off + sizes[i]]);
      off += sizes[i];
      return reshape(rows, [total, ...o.shape]);
    });
    const jac = vmapFlat(
      (...c: Array[]) => pullback(c),
      total,
      cts.map(() => 0),
      cts,
      (n) => new globalThis.Array(n).fill(0),
    );
    return assembleJacobian(outs, outDef as TreeDef, p, jac, argnums, "rev");
  };
}

/**
 * Arrange Jacobian blocks: `jac[j]` holds input leaf j's rows for all `total` output elements
 * (mode "rev": [total, ...in]) or output leaf i's columns for all input elements (mode "fwd").
 */
export function assembleJacobian(
  outs: readonly Array[],
  outDef: TreeDef,
  p: Prepared,
  jac: readonly Array[],
  argnums: Argnums,
  mode: "rev" | "fwd",
): unknown {
  const ins = p.leaves;
  let off = 0;
  const perOut = outs.map((o) => {
    const start = off;
    off += o.size;
    const blocks = ins.map((x, j) => {
      if (mode === "rev") {
        const rows = slice(jac[j], [start, ...x.shape.map(() => 0)], [start + o.size, ...x.shape]);
        return reshape(rows, [...o.shape, ...x.shape]);
      }
      return blockFwd(jac, outs, ins, o, x, j);
    });
    const parts = splitLeaves(blocks, p);
    return typeof argnums === "number" ? parts[0] : parts;
  });
  return unflatten(outDef, perOut);
}

function blockFwd(jac: readonly Array[], outs: readonly Array[], ins: readonly Array[], o: Array, x: Array, j: number): Array {
  // Forward mode gives, for output leaf i, an array [totalIn, ...out]; slice input j's rows.
  const i = outs.indexOf(o);
  let start = 0;
  for (let k = 0; k < j; k++) start += ins[k].size;
  const cols = slice(jac[i], [start, ...o.shape.map(() => 0)], [start + x.size, ...o.shape]);
  const r = reshape(cols, [x.size, sizeOf(o.shape)]);
  // [inSize, outSize] → [outSize, inSize] → [...out, ...in]
  const t = reshape(r, [x.size, ...o.shape]);
  const perm = [...o.shape.map((_, k) => k + 1), 0];
  return reshape(transposeAxes(t, perm), [...o.shape, ...x.shape]);
}

/** Hessian: forward-over-reverse, `jacfwd(jacrev(f))`. */
export function hessian<F extends AnyFn, const N extends Argnums = 0>(f: F, opts: { argnums?: N } = {}) {
  return jacfwd(jacrev(f, opts) as unknown as F, opts);
}

export type { Prepared };
export { prepare };
