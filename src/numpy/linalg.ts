/** matmul (NumPy batch-broadcast rules), dot, outer, inner, tensordot and einsum, all via dot_general. */
import type { Array, ArrayLike } from "../core/array.js";
import { ShapeError, ValueError } from "../core/errors.js";
import { broadcastShapes, range, shapeStr } from "../core/shape.js";
import { mul } from "../primitives/elementwise.js";
import { dotGeneral } from "../primitives/linalg.js";
import * as M from "../primitives/movement.js";
import { promote } from "./coerce.js";

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to matrices (and the added
 * axis removed), leading batch dimensions broadcast.
 * @example np.matmul(np.ones([5, 2, 3]), np.ones([3, 4])) // f32[5,2,4]
 */
export function matmul(a: ArrayLike, b: ArrayLike): Array {
  let [x, y] = promote("matmul", a, b);
  if (x.ndim === 0 || y.ndim === 0) {
    throw new ShapeError(
      `matmul: operands must have at least one dimension, got ${x.aval.str()} and ${y.aval.str()}; use multiply for scalars`,
    );
  }
  const xVec = x.ndim === 1;
  const yVec = y.ndim === 1;
  if (xVec) x = M.reshape(x, [1, x.shape[0]]);
  if (yVec) y = M.reshape(y, [y.shape[0], 1]);
  const k1 = x.shape[x.ndim - 1];
  const k2 = y.shape[y.ndim - 2];
  if (k1 !== k2) {
    throw new ShapeError(
      `matmul: cannot contract ${x.aval.str()} with ${y.aval.str()}: inner dimensions ${k1} and ${k2} differ ` +
        "(the last axis of the first must equal the second-to-last of the second)",
    );
  }
  const bx = x.shape.slice(0, -2);
  const by = y.shape.slice(0, -2);
  const batch = broadcastShapes("matmul", bx, by);
  const nb = batch.length;
  const bcast = (z: Array, zb: readonly number[]) => {
    if (zb.length === nb && zb.every((d, i) => d === batch[i])) return z;
    const tail = z.shape.slice(-2);
    const lead = nb - zb.length;
    return M.broadcastInDim(
      z,
      [...batch, ...tail],
      range(z.ndim).map((i) => i + lead),
    );
  };
  let out: Array;
  if (by.length === 0 && nb > 0) {
    // [..., m, k] @ [k, n]: contract directly without broadcasting the weights.
    out = dotGeneral(x, y, { contracting: [[x.ndim - 1], [0]], batch: [[], []] });
    if (bx.length < nb) out = bcast(out, bx);
  } else {
    const xb = bcast(x, bx);
    const yb = bcast(y, by);
    out = dotGeneral(xb, yb, { contracting: [[nb + 1], [nb]], batch: [range(nb), range(nb)] });
  }
  if (xVec && yVec) return M.reshape(out, out.shape.slice(0, -2));
  if (xVec) return M.reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]]);
  if (yVec) return M.reshape(out, out.shape.slice(0, -1));
  return out;
}

/** NumPy's dot: scalars multiply; 1-D·1-D is the inner product; N-D·1-D and N-D·M-D contract the last axis of a with the second-to-last of b. */
export function dot(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("dot", a, b);
  if (x.ndim === 0 || y.ndim === 0) return mul(x, y);
  const ya = y.ndim === 1 ? 0 : y.ndim - 2;
  if (x.shape[x.ndim - 1] !== y.shape[ya]) {
    throw new ShapeError(
      `dot: cannot contract ${x.aval.str()} with ${y.aval.str()}: dimensions ${x.shape[x.ndim - 1]} and ${y.shape[ya]} differ`,
    );
  }
  return dotGeneral(x, y, { contracting: [[x.ndim - 1], [ya]], batch: [[], []] });
}

export function vdot(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("vdot", a, b);
  if (x.size !== y.size) throw new ShapeError(`vdot: sizes differ: ${x.aval.str()} vs ${y.aval.str()}`);
  return dotGeneral(M.reshape(x, [x.size]), M.reshape(y, [y.size]), { contracting: [[0], [0]], batch: [[], []] });
}

/** Inner product over the last axes. */
export function inner(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("inner", a, b);
  if (x.shape[x.ndim - 1] !== y.shape[y.ndim - 1]) {
    throw new ShapeError(`inner: last dimensions differ: ${x.aval.str()} vs ${y.aval.str()}`);
  }
  return dotGeneral(x, y, { contracting: [[x.ndim - 1], [y.ndim - 1]], batch: [[], []] });
}

/** Outer product of the flattened inputs: [m] × [n] → [m, n]. */
export function outer(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("outer", a, b);
  return dotGeneral(M.reshape(x, [x.size]), M.reshape(y, [y.size]), { contracting: [[], []], batch: [[], []] });
}

/** Contract the given axes (or the last `axes` of a with the first of b). */
export function tensordot(a: ArrayLike, b: ArrayLike, axes: number | readonly [readonly number[], readonly number[]] = 2): Array {
  const [x, y] = promote("tensordot", a, b);
  const [la, ra] =
    typeof axes === "number"
      ? [range(axes).map((i) => x.ndim - axes + i), range(axes)]
      : [axes[0].map((i) => (i < 0 ? i + x.ndim : i)), axes[1].map((i) => (i < 0 ? i + y.ndim : i))];
  return dotGeneral(x, y, { contracting: [la, ra], batch: [[], []] });
}

/**
 * Einstein summation for one or two operands, e.g. "ij,jk->ik", "bij,bjk->bik", "i,i->",
 * "ij->ji", "ii->i" is not supported (repeated indices within one operand).
 */
export function einsum(spec: string, ...operands: ArrayLike[]): Array {
  const m = /^\s*([a-zA-Z]*)\s*(?:,\s*([a-zA-Z]*)\s*)?->\s*([a-zA-Z]*)\s*$/.exec(spec);
  if (m === null) throw new ValueError(`einsum: cannot parse "${spec}"; use the explicit form like "ij,jk->ik"`);
  const [, s1, s2, so] = m;
  const specs = s2 === undefined ? [s1] : [s1, s2];
  if (specs.length !== operands.length)
    throw new ValueError(`einsum: "${spec}" names ${specs.length} operand(s) but ${operands.length} were given`);
  const xs = promote("einsum", ...operands);
  specs.forEach((s, i) => {
    if (s.length !== xs[i].ndim)
      throw new ShapeError(`einsum: operand ${i} is ${xs[i].aval.str()} but "${s}" has ${s.length} indices`);
    if (new Set(s).size !== s.length)
      throw new ValueError(`einsum: repeated index in "${s}" (traces/diagonals) is not supported`);
  });
  const sizes = new Map<string, number>();
  specs.forEach((s, i) =>
    [...s].forEach((c, k) => {
      const d = xs[i].shape[k];
      const prev = sizes.get(c);
      if (prev !== undefined && prev !== d)
        throw new ShapeError(
          `einsum: index ${c} has sizes ${prev} and ${d} in ${shapeStr(xs[0].shape)} / ${shapeStr(xs[i].shape)}`,
        );
      sizes.set(c, d);
    }),
  );
  for (const c of so) if (!sizes.has(c)) throw new ValueError(`einsum: output index ${c} does not appear in the inputs`);
  const sumOut = (x: Array, s: string): [Array, string] => {
    const other = specs.length === 2 ? (s === specs[0] ? specs[1] : specs[0]) : "";
    const drop = [...s].map((c, i) => [c, i] as const).filter(([c]) => !so.includes(c) && !other.includes(c));
    if (drop.length === 0) return [x, s];
    return [x.sum(drop.map(([, i]) => i)), [...s].filter((c) => !drop.some(([d]) => d === c)).join("")];
  };
  let out: Array;
  let labels: string;
  if (specs.length === 1) {
    [out, labels] = sumOut(xs[0], s1);
  } else {
    const [x, a] = sumOut(xs[0], s1);
    const [y, b] = sumOut(xs[1], s2 as string);
    const batch = [...a].filter((c) => b.includes(c) && so.includes(c));
    const contract = [...a].filter((c) => b.includes(c) && !so.includes(c));
    out = dotGeneral(x, y, {
      contracting: [contract.map((c) => a.indexOf(c)), contract.map((c) => b.indexOf(c))],
      batch: [batch.map((c) => a.indexOf(c)), batch.map((c) => b.indexOf(c))],
    });
    labels = [...batch, ...[...a].filter((c) => !b.includes(c)), ...[...b].filter((c) => !a.includes(c))].join("");
  }
  return M.transpose(
    out,
    [...so].map((c) => labels.indexOf(c)),
  );
}
