/** matmul (NumPy batch-broadcast rules), dot, outer, inner, tensordot and einsum, all via dot_general. */
import { type Array, type ArrayLike, fullConcrete } from "../core/array.js";
import { AxisError, ShapeError, ValueError } from "../core/errors.js";
import { broadcastShapes, normalizeAxis, range, shapeStr } from "../core/shape.js";
import { convert, mul, ne } from "../primitives/elementwise.js";
import { type DotParams, dotGeneral } from "../primitives/linalg.js";
import * as M from "../primitives/movement.js";
import * as R from "../primitives/reduce.js";
import { promote } from "./coerce.js";

/**
 * dot_general for the np layer: bool operands contract as in JAX (the result is true where some
 * pair of elements is true in both), by counting in int32.
 */
function contract(x: Array, y: Array, params: DotParams): Array {
  if (x.dtype !== "bool") return dotGeneral(x, y, params);
  const counts = dotGeneral(convert(x, "int32"), convert(y, "int32"), params);
  return ne(counts, fullConcrete([], "int32", 0));
}

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted to matrices (and the added
 * axis removed), leading batch dimensions broadcast.
 * @example np.matmul(np.ones([5, 2, 3]), np.ones([3, 4])) // f32[5,2,4]
 */
export function matmul(a: ArrayLike, b: ArrayLike): Array {
  let [x, y] = promote("matmul", a, b);
  // Validate against the shapes the user passed (before 1-D operands become matrices).
  const ax = x.aval.str();
  const by = y.aval.str();
  if (x.ndim === 0 || y.ndim === 0) {
    throw new ShapeError(`matmul: operands must have at least one dimension, got ${ax} and ${by}; use multiply for scalars`);
  }
  const xVec = x.ndim === 1;
  const yVec = y.ndim === 1;
  const k1 = x.shape[x.ndim - 1];
  const k2 = y.shape[yVec ? 0 : y.ndim - 2];
  if (k1 !== k2) {
    throw new ShapeError(
      `matmul: cannot contract ${ax} with ${by}: inner dimensions ${k1} and ${k2} differ ` +
        `(${xVec ? "the length of the first vector" : "the last axis of the first"} must equal ` +
        `${yVec ? "the length of the second vector" : "the second-to-last axis of the second"})`,
    );
  }
  if (xVec) x = M.reshape(x, [1, x.shape[0]]);
  if (yVec) y = M.reshape(y, [y.shape[0], 1]);
  const bx = x.shape.slice(0, -2);
  const byShape = y.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes("matmul", bx, byShape);
  } catch {
    throw new ShapeError(
      `matmul: the batch dimensions ${shapeStr(bx)} of ${ax} and ${shapeStr(byShape)} of ${by} cannot be broadcast together ` +
        "(each pair must be equal or 1)",
    );
  }
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
  if (byShape.length === 0 && nb > 0) {
    // [..., m, k] @ [k, n]: contract directly without broadcasting the weights.
    out = contract(x, y, { contracting: [[x.ndim - 1], [0]], batch: [[], []] });
    if (bx.length < nb) out = bcast(out, bx);
  } else {
    const xb = bcast(x, bx);
    const yb = bcast(y, byShape);
    out = contract(xb, yb, { contracting: [[nb + 1], [nb]], batch: [range(nb), range(nb)] });
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
      `dot: cannot contract ${x.aval.str()} with ${y.aval.str()}: dimensions ${x.shape[x.ndim - 1]} and ${y.shape[ya]} differ ` +
        `(the last axis of the first must equal ${y.ndim === 1 ? "the length of the second vector" : "the second-to-last axis of the second"})`,
    );
  }
  return contract(x, y, { contracting: [[x.ndim - 1], [ya]], batch: [[], []] });
}

export function vdot(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("vdot", a, b);
  if (x.size !== y.size) throw new ShapeError(`vdot: sizes differ: ${x.aval.str()} vs ${y.aval.str()}`);
  return contract(M.reshape(x, [x.size]), M.reshape(y, [y.size]), { contracting: [[0], [0]], batch: [[], []] });
}

/** Inner product over the last axes. */
export function inner(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("inner", a, b);
  if (x.ndim === 0 || y.ndim === 0) return mul(x, y);
  if (x.shape[x.ndim - 1] !== y.shape[y.ndim - 1]) {
    throw new ShapeError(`inner: last dimensions differ: ${x.aval.str()} vs ${y.aval.str()}`);
  }
  return contract(x, y, { contracting: [[x.ndim - 1], [y.ndim - 1]], batch: [[], []] });
}

/** Outer product of the flattened inputs: [m] × [n] → [m, n]. */
export function outer(a: ArrayLike, b: ArrayLike): Array {
  const [x, y] = promote("outer", a, b);
  return contract(M.reshape(x, [x.size]), M.reshape(y, [y.size]), { contracting: [[], []], batch: [[], []] });
}

/** Contract the given axes (or the last `axes` of a with the first of b). */
export function tensordot(a: ArrayLike, b: ArrayLike, axes: number | readonly [readonly number[], readonly number[]] = 2): Array {
  const [x, y] = promote("tensordot", a, b);
  const shapes = `${x.aval.str()} and ${y.aval.str()}`;
  let la: number[];
  let ra: number[];
  if (typeof axes === "number") {
    if (!Number.isInteger(axes) || axes < 0 || axes > x.ndim || axes > y.ndim) {
      throw new AxisError(
        `tensordot: axes=${axes} must be an integer from 0 to the smaller rank (${Math.min(x.ndim, y.ndim)}) for ${shapes}`,
      );
    }
    la = range(axes).map((i) => x.ndim - axes + i);
    ra = range(axes);
  } else {
    if (axes[0].length !== axes[1].length) {
      throw new AxisError(
        `tensordot: axes ${JSON.stringify(axes)} name ${axes[0].length} axes of the first operand but ${axes[1].length} of the second; they are contracted in pairs`,
      );
    }
    la = axes[0].map((i) => normalizeAxis("tensordot", i, x.ndim));
    ra = axes[1].map((i) => normalizeAxis("tensordot", i, y.ndim));
    if (new Set(la).size !== la.length || new Set(ra).size !== ra.length) {
      throw new AxisError(`tensordot: axes ${JSON.stringify(axes)} repeat an axis (for ${shapes})`);
    }
  }
  la.forEach((i, k) => {
    if (x.shape[i] !== y.shape[ra[k]]) {
      throw new ShapeError(
        `tensordot: cannot contract ${shapes}: axis ${i} of the first has size ${x.shape[i]} but axis ${ra[k]} of the second has size ${y.shape[ra[k]]}`,
      );
    }
  });
  return contract(x, y, { contracting: [la, ra], batch: [[], []] });
}

interface Term {
  x: Array;
  labels: string;
}

/** Take the diagonal over every repeated label ("ii" → "i"), as a strided slice of the flattened pair. */
function diagonals({ x, labels }: Term): Term {
  for (;;) {
    const i = [...labels].findIndex((c, k) => labels.indexOf(c) !== k);
    if (i < 0) return { x, labels };
    const c = labels[i];
    const first = labels.indexOf(c);
    const n = x.shape[first];
    const rest = range(x.ndim).filter((k) => k !== first && k !== i);
    const moved = M.transpose(x, [...rest, first, i]);
    const lead = rest.map((k) => x.shape[k]);
    const flat = M.reshape(moved, [...lead, n * n]);
    // Elements (k, k) of an n×n block sit at k·(n + 1) in its flattening.
    x = M.slice(flat, [...lead.map(() => 0), 0], [...lead, n * n], [...lead.map(() => 1), n + 1]);
    labels = rest.map((k) => labels[k]).join("") + c;
  }
}

/** Sum out the labels of `t` that are not in `keep`. */
function sumExcept(t: Term, keep: string): Term {
  const axes = range(t.x.ndim).filter((k) => !keep.includes(t.labels[k]));
  if (axes.length === 0) return t;
  return { x: R.reduceSum(t.x, axes), labels: [...t.labels].filter((c) => keep.includes(c)).join("") };
}

/**
 * Einstein summation over any number of operands, e.g. "ij,jk->ik", "bij,bjk->bik", "i,i->",
 * "ij->ji", traces and diagonals ("ii->", "ii->i"), and the implicit form without "->" (NumPy's
 * rule: the output is every label that appears exactly once, in alphabetical order, so "ij,jk"
 * is "ij,jk->ik" and "ii" is a trace). Operands are contracted pairwise from the left; the
 * "..." ellipsis is not supported.
 * @example np.einsum("ii->", np.eye(3)) // 3
 */
export function einsum(spec: string, ...operands: ArrayLike[]): Array {
  const text = spec.replace(/\s+/g, "");
  if (text.includes(".")) throw new ValueError(`einsum: "${spec}": the "..." ellipsis is not supported; name every axis`);
  const m = /^([a-zA-Z]*(?:,[a-zA-Z]*)*)(?:->([a-zA-Z]*))?$/.exec(text);
  if (m === null) throw new ValueError(`einsum: cannot parse "${spec}"; use letters for axes, e.g. "ij,jk->ik" or "ij,jk"`);
  const specs = m[1].split(",");
  if (specs.length !== operands.length) {
    throw new ValueError(`einsum: "${spec}" names ${specs.length} operand(s) but ${operands.length} were given`);
  }
  const all = specs.join("");
  const out =
    m[2] ??
    [...new Set(all)]
      .filter((c) => all.indexOf(c) === all.lastIndexOf(c))
      .sort()
      .join("");
  const xs = promote("einsum", ...operands);
  const isBool = xs[0].dtype === "bool";
  const sizes = new Map<string, [number, number]>();
  specs.forEach((s, i) => {
    if (s.length !== xs[i].ndim) {
      throw new ShapeError(`einsum: operand ${i} is ${xs[i].aval.str()} but "${s}" has ${s.length} indices`);
    }
    [...s].forEach((c, k) => {
      const d = xs[i].shape[k];
      const prev = sizes.get(c);
      if (prev !== undefined && prev[0] !== d) {
        throw new ShapeError(
          `einsum: index ${c} has size ${prev[0]} in operand ${prev[1]} (${xs[prev[1]].aval.str()}) but ${d} in operand ${i} (${xs[i].aval.str()})`,
        );
      }
      sizes.set(c, [d, i]);
    });
  });
  [...out].forEach((c, k) => {
    if (!sizes.has(c)) throw new ValueError(`einsum: output index ${c} does not appear in the inputs of "${spec}"`);
    if (out.indexOf(c) !== k) throw new ValueError(`einsum: output index ${c} appears more than once in "${spec}"`);
  });
  const terms = xs.map((x, i) => diagonals({ x: isBool ? convert(x, "int32") : x, labels: specs[i] }));
  let acc = sumExcept(terms[0], out + specs.slice(1).join(""));
  for (let k = 1; k < terms.length; k++) {
    const later = out + specs.slice(k + 1).join("");
    const a = sumExcept(acc, later + terms[k].labels);
    const b = sumExcept(terms[k], later + a.labels);
    const shared = [...a.labels].filter((c) => b.labels.includes(c));
    const batch = shared.filter((c) => later.includes(c));
    const summed = shared.filter((c) => !later.includes(c));
    const x = dotGeneral(a.x, b.x, {
      contracting: [summed.map((c) => a.labels.indexOf(c)), summed.map((c) => b.labels.indexOf(c))],
      batch: [batch.map((c) => a.labels.indexOf(c)), batch.map((c) => b.labels.indexOf(c))],
    });
    const free = (t: Term) => [...t.labels].filter((c) => !shared.includes(c));
    acc = { x, labels: [...batch, ...free(a), ...free(b)].join("") };
  }
  acc = sumExcept(acc, out);
  const result = M.transpose(
    acc.x,
    [...out].map((c) => acc.labels.indexOf(c)),
  );
  return isBool ? ne(result, fullConcrete([], "int32", 0)) : result;
}
