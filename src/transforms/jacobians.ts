/**
 * Full Jacobians: jacfwd (one batched JVP per input element), jacrev (one batched VJP per output
 * element) and hessian (jacfwd of jacrev). They sit over both forward.ts and vjp.ts, so neither
 * of those imports the other.
 */
import { type Array, ConcreteArray } from "../core/array.js";
import { allocate, type DType, isFloat } from "../core/dtype.js";
import { TransformError, withTransformContext } from "../core/errors.js";
import { Zero } from "../core/primitive.js";
import { sizeOf } from "../core/shape.js";
import { reshape, slice, transpose as transposeAxes } from "../primitives/movement.js";
import { instantiate } from "../primitives/zeros.js";
import { keyPathString, leavesWithPath, type TreeDef, unflatten } from "../tree/index.js";
import { flattenArrays, joinPath, splitLeaves } from "./args.js";
import { jvpFlat } from "./jvp.js";
import type { AnyFn, Argnums, JacobianAuxOf } from "./types.js";
import { AuxOutput, type Prepared, prepare, vjpFlat } from "./vjp.js";
import { vmapFlat } from "./vmap.js";

/** Options of jacfwd, jacrev and hessian. */
export interface JacobianOptions<N extends Argnums = 0> {
  /** Which arguments to differentiate (default 0). A list gives a tuple per output leaf. */
  argnums?: N;
  /** The function returns `[out, aux]`; aux is passed through, not differentiated. */
  hasAux?: boolean;
}

/**
 * Rows `off … off + size` of the `total × total` identity, as a `[total, size]` array of `dtype`:
 * the basis directions that belong to one leaf, in that leaf's own dtype (a float32 leaf next to
 * a float64 one gets float32 directions).
 */
function basisBlock(total: number, off: number, size: number, dtype: DType): ConcreteArray {
  const buf = allocate(dtype, total * size);
  for (let k = 0; k < size; k++) buf[(off + k) * size + k] = 1;
  return new ConcreteArray([total, size], dtype, buf);
}

/** One basis block per leaf, reshaped to `[total, ...leafShape]`. */
function basisFor(leaves: readonly Array[]): { total: number; blocks: Array[] } {
  const total = leaves.reduce((n, l) => n + l.size, 0);
  let off = 0;
  const blocks = leaves.map((l) => {
    const b = basisBlock(total, off, l.size, l.dtype);
    off += l.size;
    return reshape(b, [total, ...l.shape]);
  });
  return { total, blocks };
}

/**
 * `f` as a flat function of the differentiated leaves, for a Jacobian: returns the output's
 * leaves followed by aux's array leaves (with hasAux), and records the output's treedef and leaf
 * count in `out`.
 */
function jacobianFlatFn(
  op: string,
  f: AnyFn,
  p: Prepared,
  aux: AuxOutput | null,
  out: { def?: TreeDef; count: number; tree?: unknown },
): (...leaves: Array[]) => Array[] {
  return (...leaves: Array[]): Array[] => {
    const res = withTransformContext(op, () => (f as unknown as (...a: unknown[]) => unknown)(...p.rebuild(leaves)));
    const [main, auxLeaves] = aux === null ? [res, []] : aux.split(op, res, "out");
    const [ol, od] = flattenArrays(op, main, "output");
    out.def = od;
    out.count = ol.length;
    out.tree = main;
    return [...ol, ...auxLeaves];
  };
}

type JacobianFn<F extends AnyFn> = (...args: Parameters<F>) => unknown;
type JacobianAuxFn<F extends AnyFn> = (...args: Parameters<F>) => [unknown, JacobianAuxOf<ReturnType<F>>];

/**
 * Jacobian by forward mode: one JVP per input element, batched with vmap. Same layout as
 * `jacrev`: for output leaf shape S and input leaf shape T an entry has shape [...S, ...T] and
 * the output leaf's dtype. With `hasAux: true`, `f` returns `[out, aux]` and the result is
 * `[jacobian, aux]`.
 * @example jacfwd((x: Array) => x.mul(x))(np.array([1, 2])) // [[2, 0], [0, 4]]
 */
export function jacfwd<F extends AnyFn, const N extends Argnums = 0>(
  f: F,
  opts?: JacobianOptions<N> & { hasAux?: false },
): JacobianFn<F>;
export function jacfwd<F extends (...args: never[]) => readonly [unknown, unknown], const N extends Argnums = 0>(
  f: F,
  opts: JacobianOptions<N> & { hasAux: true },
): JacobianAuxFn<F>;
export function jacfwd(f: AnyFn, opts: JacobianOptions<Argnums> = {}) {
  return jacfwdImpl(f, opts);
}

function jacfwdImpl(f: AnyFn, opts: JacobianOptions<Argnums>): (...args: unknown[]) => unknown {
  return (...args: unknown[]): unknown => {
    const argnums = opts.argnums ?? 0;
    const p = prepare("jacfwd", args, argnums);
    const aux = opts.hasAux ? new AuxOutput() : null;
    const out: { def?: TreeDef; count: number } = { count: 0 };
    const fFlat = jacobianFlatFn("jacfwd", f, p, aux, out);
    // Tangent basis for each input leaf: its rows of the identity, [total, ...leafShape].
    const { total, blocks } = basisFor(p.leaves);
    const primalsOut = jvpFlat(
      fFlat,
      p.leaves,
      p.leaves.map((l) => new Zero(l.aval)),
    )[0];
    const n = out.count;
    const jac = vmapFlat(
      (...t: Array[]) => jvpFlat(fFlat, p.leaves, t)[1].slice(0, n).map(instantiate),
      total,
      blocks.map(() => 0),
      blocks,
      (k) => new globalThis.Array(k).fill(0),
    );
    const jacobian = assembleJacobian(primalsOut.slice(0, n), out.def as TreeDef, p, jac, argnums, "fwd");
    return aux === null ? jacobian : [jacobian, aux.rebuild(primalsOut.slice(n))];
  };
}

/** Reverse mode differentiates each output element: outputs must be floats (as in JAX). */
function checkFloatOutputs(op: string, outs: readonly Array[], tree: unknown): void {
  outs.forEach((o, i) => {
    if (isFloat(o.dtype)) return;
    const path = leavesWithPath(tree)[i]?.[0];
    throw new TransformError(
      `${op}: ${joinPath("output", path ? keyPathString(path) : "")} is ${o.aval.str()}; reverse mode needs float ` +
        "outputs (each output element is differentiated). Cast it with astype('float32'), return it as aux " +
        "(hasAux: true), or use jacfwd",
    );
  });
}

/**
 * Jacobian by reverse mode: one pullback per output element, batched with vmap. For an output
 * leaf of shape S and an input leaf of shape T, the entry has shape [...S, ...T] and the input
 * leaf's dtype. The result is the output's structure holding, at each leaf, the differentiated
 * argument's structure. With `hasAux: true`, `f` returns `[out, aux]` and the result is
 * `[jacobian, aux]`.
 * @example jacrev((x: Array) => x.mul(x))(np.array([1, 2])) // [[2, 0], [0, 4]]
 */
export function jacrev<F extends AnyFn, const N extends Argnums = 0>(
  f: F,
  opts?: JacobianOptions<N> & { hasAux?: false },
): JacobianFn<F>;
export function jacrev<F extends (...args: never[]) => readonly [unknown, unknown], const N extends Argnums = 0>(
  f: F,
  opts: JacobianOptions<N> & { hasAux: true },
): JacobianAuxFn<F>;
export function jacrev(f: AnyFn, opts: JacobianOptions<Argnums> = {}) {
  return jacrevImpl(f, opts);
}

function jacrevImpl(f: AnyFn, opts: JacobianOptions<Argnums>): (...args: unknown[]) => unknown {
  return (...args: unknown[]): unknown => {
    const argnums = opts.argnums ?? 0;
    const p = prepare("jacrev", args, argnums);
    const aux = opts.hasAux ? new AuxOutput() : null;
    const out: { def?: TreeDef; count: number; tree?: unknown } = { count: 0 };
    const [all, pullback] = vjpFlat(jacobianFlatFn("jacrev", f, p, aux, out), p.leaves);
    const outs = all.slice(0, out.count);
    const auxOuts = all.slice(out.count);
    checkFloatOutputs("jacrev", outs, out.tree);
    // Cotangent basis for each output leaf, in that output's dtype; aux outputs get zeros.
    const { total, blocks } = basisFor(outs);
    const auxZeros = auxOuts.map((a) => new Zero(a.aval));
    const jac = vmapFlat(
      (...c: Array[]) => pullback([...c, ...auxZeros]),
      total,
      blocks.map(() => 0),
      blocks,
      (k) => new globalThis.Array(k).fill(0),
    );
    const jacobian = assembleJacobian(outs, out.def as TreeDef, p, jac, argnums, "rev");
    return aux === null ? jacobian : [jacobian, aux.rebuild(auxOuts)];
  };
}

/**
 * Arrange Jacobian blocks: `jac[j]` holds input leaf j's rows for all `total` output elements
 * (mode "rev": [total, ...in]) or output leaf i's columns for all input elements (mode "fwd").
 */
function assembleJacobian(
  outs: readonly Array[],
  outDef: TreeDef,
  p: Prepared,
  jac: readonly Array[],
  argnums: Argnums,
  mode: "rev" | "fwd",
): unknown {
  const ins = p.leaves;
  let off = 0;
  const perOut = outs.map((o, i) => {
    const start = off;
    off += o.size;
    const blocks = ins.map((x, j) => {
      if (mode === "rev") {
        const rows = slice(jac[j], [start, ...x.shape.map(() => 0)], [start + o.size, ...x.shape]);
        return reshape(rows, [...o.shape, ...x.shape]);
      }
      return blockFwd(jac[i], ins, o, x, j);
    });
    const parts = splitLeaves(blocks, p);
    return typeof argnums === "number" ? parts[0] : parts;
  });
  return unflatten(outDef, perOut);
}

function blockFwd(jacOut: Array, ins: readonly Array[], o: Array, x: Array, j: number): Array {
  // Forward mode gives, for one output leaf, an array [totalIn, ...out]; slice input j's rows.
  let start = 0;
  for (let k = 0; k < j; k++) start += ins[k].size;
  const cols = slice(jacOut, [start, ...o.shape.map(() => 0)], [start + x.size, ...o.shape]);
  const r = reshape(cols, [x.size, sizeOf(o.shape)]);
  // [inSize, outSize] → [outSize, inSize] → [...out, ...in]
  const t = reshape(r, [x.size, ...o.shape]);
  const perm = [...o.shape.map((_, k) => k + 1), 0];
  return reshape(transposeAxes(t, perm), [...o.shape, ...x.shape]);
}

/**
 * Hessian: forward-over-reverse, `jacfwd(jacrev(f))`. With `hasAux: true`, `f` returns
 * `[out, aux]` and the result is `[hessian, aux]` (as in JAX, aux is passed through both).
 * @example hessian((x: Array) => np.sum(x.mul(x).mul(x)))(np.array([1, 2])) // [[6, 0], [0, 12]]
 */
export function hessian<F extends AnyFn, const N extends Argnums = 0>(
  f: F,
  opts?: JacobianOptions<N> & { hasAux?: false },
): JacobianFn<F>;
export function hessian<F extends (...args: never[]) => readonly [unknown, unknown], const N extends Argnums = 0>(
  f: F,
  opts: JacobianOptions<N> & { hasAux: true },
): JacobianAuxFn<F>;
export function hessian(f: AnyFn, opts: JacobianOptions<Argnums> = {}) {
  return jacfwdImpl(jacrevImpl(f, opts), opts);
}
