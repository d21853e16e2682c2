/**
 * dot_general: a contraction with batch dimensions, as in XLA. matmul, dot, outer, tensordot
 * and einsum are composites of it. Output axes: batch dims, then lhs free dims, then rhs free.
 */
import { eagerSgemm } from "../compile/backends/wasm/eager-matmul.js";
import { type Array, ConcreteArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { allocate, type TypedArray } from "../core/dtype.js";
import { DTypeError, ShapeError } from "../core/errors.js";
import { type Params, type Primitive, type Tangent, UndefPrimal, Zero } from "../core/primitive.js";
import { range, sizeOf } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import { dotGeneralOnnx } from "../export/onnx/rules.js";
import { add } from "./elementwise.js";
import { moveAxis, reshape, transpose, transposeP } from "./movement.js";
import { definePrimitive } from "./registry.js";

export interface DotParams extends Params {
  /** [lhs axes, rhs axes] contracted pairwise. */
  contracting: readonly [readonly number[], readonly number[]];
  /** [lhs axes, rhs axes] that are batch dimensions, paired. */
  batch: readonly [readonly number[], readonly number[]];
}

function freeAxes(ndim: number, ...used: (readonly number[])[]): number[] {
  return range(ndim).filter((i) => !used.some((u) => u.includes(i)));
}

function dotAval(lhs: ShapedArray, rhs: ShapedArray, { contracting: [lc, rc], batch: [lb, rb] }: DotParams): ShapedArray {
  const name = "dot_general";
  if (lhs.dtype !== rhs.dtype) {
    throw new DTypeError(`${name}: operand dtypes ${lhs.dtype} and ${rhs.dtype} differ; cast one with astype`);
  }
  if (lhs.dtype === "bool") throw new DTypeError(`${name}: bool operands ${lhs.str()}; cast to a numeric dtype`);
  const valid = (axes: readonly number[], nd: number) =>
    axes.every((a) => Number.isInteger(a) && a >= 0 && a < nd) && new Set(axes).size === axes.length;
  if (
    lc.length !== rc.length ||
    lb.length !== rb.length ||
    !valid([...lc, ...lb], lhs.ndim) ||
    !valid([...rc, ...rb], rhs.ndim)
  ) {
    throw new ShapeError(
      `${name}: bad dimension numbers contracting ${JSON.stringify([lc, rc])}, batch ${JSON.stringify([lb, rb])} ` +
        `for ${lhs.str()} and ${rhs.str()}`,
    );
  }
  for (let i = 0; i < lc.length; i++) {
    if (lhs.shape[lc[i]] !== rhs.shape[rc[i]]) {
      throw new ShapeError(
        `${name}: cannot contract ${lhs.str()} with ${rhs.str()}: contracted dimensions ` +
          `${lhs.shape[lc[i]]} (lhs axis ${lc[i]}) and ${rhs.shape[rc[i]]} (rhs axis ${rc[i]}) differ`,
      );
    }
  }
  for (let i = 0; i < lb.length; i++) {
    if (lhs.shape[lb[i]] !== rhs.shape[rb[i]]) {
      throw new ShapeError(
        `${name}: batch dimensions of ${lhs.str()} and ${rhs.str()} differ: ${lhs.shape[lb[i]]} vs ${rhs.shape[rb[i]]}`,
      );
    }
  }
  const shape = [
    ...lb.map((a) => lhs.shape[a]),
    ...freeAxes(lhs.ndim, lc, lb).map((a) => lhs.shape[a]),
    ...freeAxes(rhs.ndim, rc, rb).map((a) => rhs.shape[a]),
  ];
  return new ShapedArray(shape, lhs.dtype);
}

/**
 * Batched matmul on contiguous [B, M, K] × [B, K, N] in float64 (operands converted once, so
 * the loops see one array type and stay monomorphic). i-k-j order over blocks of four rows:
 * each row of b is loaded once per four output rows.
 */
function bmm(a: Float64Array, b: Float64Array, out: Float64Array, nb: number, m: number, k: number, n: number): void {
  // Column panels of b (JT wide) stay in cache while every row block of a passes over them.
  const JT = 256;
  for (let bi = 0; bi < nb; bi++) {
    const ao = bi * m * k;
    const bo = bi * k * n;
    const oo = bi * m * n;
    for (let j0 = 0; j0 < n; j0 += JT) {
      const j1 = Math.min(n, j0 + JT);
      let i = 0;
      for (; i + 3 < m; i += 4) {
        const o0 = oo + i * n;
        const o1 = o0 + n;
        const o2 = o1 + n;
        const o3 = o2 + n;
        const r0 = ao + i * k;
        for (let p = 0; p < k; p++) {
          const a0 = a[r0 + p];
          const a1 = a[r0 + k + p];
          const a2 = a[r0 + 2 * k + p];
          const a3 = a[r0 + 3 * k + p];
          const brow = bo + p * n;
          for (let j = j0; j < j1; j++) {
            const bv = b[brow + j];
            out[o0 + j] += a0 * bv;
            out[o1 + j] += a1 * bv;
            out[o2 + j] += a2 * bv;
            out[o3 + j] += a3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const orow = oo + i * n;
        const arow = ao + i * k;
        for (let p = 0; p < k; p++) {
          const av = a[arow + p];
          const brow = bo + p * n;
          for (let j = j0; j < j1; j++) out[orow + j] += av * b[brow + j];
        }
      }
    }
  }
}

const isIdentity = (perm: readonly number[]) => perm.every((p, i) => p === i);

function contiguous(x: ConcreteArray, perm: readonly number[]): ConcreteArray {
  if (isIdentity(perm)) return x;
  return transposeP.impl([x], { permutation: perm })[0];
}

const asF64 = (buf: TypedArray): Float64Array => (buf instanceof Float64Array ? buf : new Float64Array(buf));

/** A dot_general as a batched matmul: the axes of each role and the sizes [batch, m, k] × [batch, k, n]. */
function contraction(l: ConcreteArray, r: ConcreteArray, params: DotParams) {
  const aval = dotAval(l.aval, r.aval, params);
  const {
    contracting: [lc, rc],
    batch: [lb, rb],
  } = params;
  const lf = freeAxes(l.ndim, lc, lb);
  const rf = freeAxes(r.ndim, rc, rb);
  const size = (x: ConcreteArray, axes: readonly number[]) => sizeOf(axes.map((a) => x.shape[a]));
  return { aval, lb, lf, lc, rb, rc, rf, nb: size(l, lb), m: size(l, lf), k: size(l, lc), n: size(r, rf) };
}

/**
 * The reference kernel (defines dot_general's meaning): operands made contiguous as
 * [batch, m, k] × [batch, k, n], accumulated in float64, rounded once to the output dtype.
 */
export function referenceDotGeneral(l: ConcreteArray, r: ConcreteArray, params: DotParams): ConcreteArray {
  const { aval, lb, lf, lc, rb, rc, rf, nb, m, k, n } = contraction(l, r, params);
  const lt = contiguous(l, [...lb, ...lf, ...lc]);
  const rt = contiguous(r, [...rb, ...rc, ...rf]);
  const acc = new Float64Array(aval.size);
  bmm(asF64(lt.buffer), asF64(rt.buffer), acc, nb, m, k, n);
  const out = aval.dtype === "float64" ? acc : allocate(aval.dtype, aval.size);
  if (out !== acc) out.set(acc);
  return new ConcreteArray(aval.shape, aval.dtype, out);
}

/**
 * float32 through the blocked Wasm SIMD kernel (float32 accumulation, as XLA on CPU does),
 * or null for products too small to gain or where Wasm cannot run. An operand already laid
 * out as [batch, k, m] (lhs) or [batch, n, k] (rhs) is read transposed in place, so the
 * products of backprop (contracting [[0], [0]] or [[1], [1]]) copy nothing.
 */
function wasmDotGeneral(l: ConcreteArray, r: ConcreteArray, params: DotParams): ConcreteArray | null {
  const { aval, lb, lf, lc, rb, rc, rf, nb, m, k, n } = contraction(l, r, params);
  // Beyond 512 MiB of operands the reference kernel handles it (Wasm memory is 32-bit).
  if (4 * (nb * (m * k + k * n + m * n)) > 2 ** 29) return null;
  const mm = eagerSgemm(nb * m * k * n);
  if (!mm) return null;
  const transA = !isIdentity([...lb, ...lf, ...lc]) && isIdentity([...lb, ...lc, ...lf]);
  const transB = !isIdentity([...rb, ...rc, ...rf]) && isIdentity([...rb, ...rf, ...rc]);
  const lt = transA ? l : contiguous(l, [...lb, ...lf, ...lc]);
  const rt = transB ? r : contiguous(r, [...rb, ...rc, ...rf]);
  try {
    const out = mm.matmul(lt.buffer as Float32Array, rt.buffer as Float32Array, m, k, n, { batch: nb, transA, transB });
    return new ConcreteArray(aval.shape, "float32", out);
  } catch (e) {
    // The Wasm memory could not grow (RangeError): the reference kernel needs no contiguous block.
    if (e instanceof RangeError) return null;
    throw e;
  }
}

export const dotGeneralP: Primitive<DotParams> = definePrimitive<DotParams>("dot_general", {
  abstractEval: ([l, r], params) => [dotAval(l, r, params)],
  impl: ([l, r], params) => [(l.dtype === "float32" ? wasmDotGeneral(l, r, params) : null) ?? referenceDotGeneral(l, r, params)],
  // Bilinear: d(l·r) = dl·r + l·dr.
  jvp: ([l, r], [tl, tr], params) => {
    const out = dotGeneral(l, r, params);
    const a: Tangent = tl instanceof Zero ? tl : dotGeneral(tl, r, params);
    const b: Tangent = tr instanceof Zero ? tr : dotGeneral(l, tr, params);
    if (a instanceof Zero && b instanceof Zero) return [[out], [new Zero(out.aval)]];
    return [[out], [a instanceof Zero ? b : b instanceof Zero ? a : add(a, b)]];
  },
  transpose: ([ct], [l, r], params) => {
    if (l instanceof UndefPrimal && r instanceof UndefPrimal) {
      throw new ShapeError("dot_general: transpose of a product of two linear values (the function is not linear)");
    }
    if (l instanceof UndefPrimal) {
      return [ct instanceof Zero ? new Zero(l.aval) : transposeLhs(ct, r as Array, l.aval, params), null];
    }
    if (r instanceof UndefPrimal) {
      return [null, ct instanceof Zero ? new Zero(r.aval) : transposeRhs(ct, l, r.aval, params)];
    }
    return [null, null];
  },
  batch: ([l, r], [dl, dr], params) => {
    const {
      contracting: [lc, rc],
      batch: [lb, rb],
    } = params;
    const up = (axes: readonly number[]) => axes.map((a) => a + 1);
    if (dl !== null && dr !== null) {
      const lm = moveAxis(l, dl, 0);
      const rm = moveAxis(r, dr, 0);
      return [
        [
          dotGeneral(lm, rm, {
            contracting: [up(lc), up(rc)],
            batch: [
              [0, ...up(lb)],
              [0, ...up(rb)],
            ],
          }),
        ],
        [0],
      ];
    }
    if (dl !== null) {
      // The batch dim becomes lhs's first free dim.
      const lm = moveAxis(l, dl, 0);
      return [[dotGeneral(lm, r, { contracting: [up(lc), rc], batch: [up(lb), rb] })], [lb.length]];
    }
    const rm = moveAxis(r, dr as number, 0);
    const nlf = l.ndim - lc.length - lb.length;
    return [[dotGeneral(l, rm, { contracting: [lc, up(rc)], batch: [lb, up(rb)] })], [lb.length + nlf]];
  },
  lower: { kind: "contract", dims: (p) => p as DotParams },
  onnx: dotGeneralOnnx,
});

export function dotGeneral(l: Array, r: Array, params: DotParams): Array {
  return bind1(dotGeneralP, [l, r], params);
}

// ct has axes [batch, lhsFree, rhsFree]. Contract its rhsFree axes with rhs's free axes.
function transposeLhs(ct: Array, r: Array, lAval: ShapedArray, { contracting: [lc, rc], batch: [lb, rb] }: DotParams): Array {
  const nb = lb.length;
  const lf = freeAxes(lAval.ndim, lc, lb);
  const rf = freeAxes(r.ndim, rc, rb);
  const ctRhsFree = rf.map((_, i) => nb + lf.length + i);
  const res = dotGeneral(ct, r, { contracting: [ctRhsFree, rf], batch: [range(nb), rb] });
  // res axes: [batch, lhsFree, rhs's remaining axes (= rc sorted)]
  const rcSorted = [...rc].sort((a, b) => a - b);
  const pos = new globalThis.Array<number>(lAval.ndim);
  lb.forEach((a, i) => {
    pos[a] = i;
  });
  lf.forEach((a, i) => {
    pos[a] = nb + i;
  });
  rcSorted.forEach((ra, i) => {
    pos[lc[rc.indexOf(ra)]] = nb + lf.length + i;
  });
  return reshape(transpose(res, pos), lAval.shape);
}

function transposeRhs(ct: Array, l: Array, rAval: ShapedArray, { contracting: [lc, rc], batch: [lb, rb] }: DotParams): Array {
  const nb = lb.length;
  const lf = freeAxes(l.ndim, lc, lb);
  const rf = freeAxes(rAval.ndim, rc, rb);
  const ctLhsFree = lf.map((_, i) => nb + i);
  const res = dotGeneral(ct, l, { contracting: [ctLhsFree, lf], batch: [range(nb), lb] });
  // res axes: [batch, rhsFree, lhs's remaining axes (= lc sorted)]
  const lcSorted = [...lc].sort((a, b) => a - b);
  const pos = new globalThis.Array<number>(rAval.ndim);
  rb.forEach((a, i) => {
    pos[a] = i;
  });
  rf.forEach((a, i) => {
    pos[a] = nb + i;
  });
  lcSorted.forEach((la, i) => {
    pos[rc[lc.indexOf(la)]] = nb + rf.length + i;
  });
  return reshape(transpose(res, pos), rAval.shape);
}
