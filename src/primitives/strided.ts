/** Copy loops shared by the movement kernels (transpose, broadcast, slice, rev, pad, concat). */
import type { TypedArray } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";

/**
 * Read `src` through an affine view (offset + per-output-dim strides, possibly 0 or negative)
 * into the contiguous `out` of shape `shape`.
 */
export function readStrided(
  src: TypedArray,
  offset: number,
  strides: readonly number[],
  shape: readonly number[],
  out: TypedArray,
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    out[0] = src[offset];
    return;
  }
  const last = shape[nd - 1];
  const s = strides[nd - 1];
  const idx = new Int32Array(nd);
  let base = offset;
  let o = 0;
  const outer = n / last;
  for (let r = 0; r < outer; r++) {
    let p = base;
    if (s === 1) {
      for (let j = 0; j < last; j++) out[o++] = src[p++];
    } else {
      for (let j = 0; j < last; j++) {
        out[o++] = src[p];
        p += s;
      }
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      idx[d] = 0;
      base -= strides[d] * shape[d];
    }
  }
}

/** Write the contiguous `src` of shape `shape` into `dst` through an affine view. */
export function writeStrided(
  src: TypedArray,
  shape: readonly number[],
  dst: TypedArray,
  offset: number,
  strides: readonly number[],
): void {
  const n = sizeOf(shape);
  if (n === 0) return;
  const nd = shape.length;
  if (nd === 0) {
    dst[offset] = src[0];
    return;
  }
  const last = shape[nd - 1];
  const s = strides[nd - 1];
  const idx = new Int32Array(nd);
  let base = offset;
  let i = 0;
  const outer = n / last;
  for (let r = 0; r < outer; r++) {
    let p = base;
    for (let j = 0; j < last; j++) {
      dst[p] = src[i++];
      p += s;
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      idx[d] = 0;
      base -= strides[d] * shape[d];
    }
  }
}
