/**
 * How a dot_general over row-major operands reads as a batch of matrix products: its batch,
 * free and contracted dims, each group merged into one dim when the group is laid out as one
 * uniformly strided run (so `[128, 1, 64]·[64, 32]` is a 128×64·64×32 product, and a
 * per-example product under `vmap` is a batched one), plus the affine maps that read each
 * operand as a term of the product (for the single-term case, which is elementwise).
 */
import type { AffineMap } from "../core/primitive.js";
import { contiguousStrides, type MatrixOperand } from "./kernel.js";

export interface DotDims {
  readonly contracting: readonly [readonly number[], readonly number[]];
  readonly batch: readonly [readonly number[], readonly number[]];
}

/** out[t, i, j] = Σ_p a(t, i, p)·b(t, p, j) with the operands' element strides (offsets 0). */
export interface MatrixForm {
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly a: Omit<MatrixOperand, "buf" | "offset">;
  readonly b: Omit<MatrixOperand, "buf" | "offset">;
}

/** The dims of one operand, by role: batch, free (ascending, as the output orders them), contracted. */
export function operandDims(ndim: number, batch: readonly number[], contracting: readonly number[]) {
  const free = Array.from({ length: ndim }, (_, d) => d).filter((d) => !batch.includes(d) && !contracting.includes(d));
  return { batch, free, contracting };
}

/**
 * `dims` of a row-major array of `shape`, taken in that order, as one dim: its size and element
 * stride, or null when they are not one uniformly strided run. Size-1 dims never matter; a group
 * with a size-0 dim is empty (any stride reads nothing).
 */
export function mergeDims(shape: readonly number[], dims: readonly number[]): { size: number; stride: number } | null {
  const st = contiguousStrides(shape);
  const size = dims.reduce((n, d) => n * shape[d], 1);
  if (size === 0) return { size: 0, stride: 0 };
  const used = dims.filter((d) => shape[d] !== 1);
  if (used.length === 0) return { size: 1, stride: 0 };
  for (let i = 0; i + 1 < used.length; i++) {
    if (st[used[i]] !== st[used[i + 1]] * shape[used[i + 1]]) return null;
  }
  return { size, stride: st[used[used.length - 1]] };
}

/** The product as a batch of matrix products over row-major operands, or null if it is not one. */
export function matrixForm(lShape: readonly number[], rShape: readonly number[], dims: DotDims): MatrixForm | null {
  const l = operandDims(lShape.length, dims.batch[0], dims.contracting[0]);
  const r = operandDims(rShape.length, dims.batch[1], dims.contracting[1]);
  const [lb, lf, lc] = [mergeDims(lShape, l.batch), mergeDims(lShape, l.free), mergeDims(lShape, l.contracting)];
  const [rb, rf, rc] = [mergeDims(rShape, r.batch), mergeDims(rShape, r.free), mergeDims(rShape, r.contracting)];
  if (lb === null || lf === null || lc === null || rb === null || rf === null || rc === null) return null;
  return {
    batch: lb.size,
    m: lf.size,
    k: lc.size,
    n: rf.size,
    a: { bs: lb.stride, rs: lf.stride, cs: lc.stride },
    b: { bs: rb.stride, rs: rc.stride, cs: rf.stride },
  };
}

/**
 * The same product with the operands swapped, which writes the transposed output
 * ([batch, n, m] row-major): Cᵀ = Bᵀ·Aᵀ, so Bᵀ's rows are B's columns and Aᵀ's columns A's rows.
 */
export function transposedForm(f: MatrixForm): MatrixForm {
  return {
    batch: f.batch,
    m: f.n,
    k: f.k,
    n: f.m,
    a: { bs: f.b.bs, rs: f.b.cs, cs: f.b.rs },
    b: { bs: f.a.bs, rs: f.a.cs, cs: f.a.rs },
  };
}

/**
 * Maps of the output index space of the product (batch, lhs free, rhs free; `rank` dims), plus
 * `extra` trailing dims that enumerate the contracted dims, onto each operand's index. With
 * `extra` = 0 the contracted dims (all of size 1) read index 0.
 */
export function termMaps(
  lShape: readonly number[],
  rShape: readonly number[],
  dims: DotDims,
  extra: number,
): readonly [AffineMap, AffineMap] {
  const l = operandDims(lShape.length, dims.batch[0], dims.contracting[0]);
  const r = operandDims(rShape.length, dims.batch[1], dims.contracting[1]);
  const rank = l.batch.length + l.free.length + r.free.length;
  const width = rank + extra;
  const mapOf = (nd: number, o: ReturnType<typeof operandDims>, freeAt: number): AffineMap => {
    const at = new Array<number>(nd).fill(-1);
    o.batch.forEach((d, i) => {
      at[d] = i;
    });
    o.free.forEach((d, i) => {
      at[d] = freeAt + i;
    });
    if (extra > 0)
      o.contracting.forEach((d, i) => {
        at[d] = rank + i;
      });
    return {
      offset: new Array<number>(nd).fill(0),
      coef: at.map((dim) => Array.from({ length: width }, (_, d) => (d === dim ? 1 : 0))),
    };
  };
  return [mapOf(lShape.length, l, l.batch.length), mapOf(rShape.length, r, l.batch.length + l.free.length)];
}

/**
 * Where dim j of the product's output ([batch (nb), lhs free (nl), rhs free (nr)]) sits in the
 * transposed output [batch, rhs free, lhs free].
 */
export function transposedDim(j: number, nb: number, nl: number, nr: number): number {
  if (j < nb) return j;
  if (j < nb + nl) return j + nr;
  return j - nl;
}

/** Whether `m` (a view: its index → the product's output index) reads the product as its transpose. */
export function readsTransposed(m: AffineMap, nb: number, nl: number, nr: number): boolean {
  const rank = nb + nl + nr;
  if (nl === 0 || nr === 0 || m.coef.length !== rank || m.offset.some((o) => o !== 0)) return false;
  return m.coef.every((row, j) => row.length === rank && row.every((c, d) => c === (d === transposedDim(j, nb, nl, nr) ? 1 : 0)));
}
