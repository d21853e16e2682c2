/** Copy loops shared by the movement kernels (transpose, broadcast, slice, rev, pad, concat). */
import type { TypedArray } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";

/**
 * Visit the rows (last axis) of an affine view of `shape`: `row(base, r)` gets the flat position
 * of the row's first element in the viewed buffer and the row's index in row-major order.
 */
function forEachRow(
  shape: readonly number[],
  offset: number,
  strides: readonly number[],
  row: (base: number, r: number) => void,
): void {
  const nd = shape.length;
  const outer = sizeOf(shape) / shape[nd - 1];
  const idx = new Int32Array(nd);
  let base = offset;
  for (let r = 0; r < outer; r++) {
    row(base, r);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      base += strides[d];
      if (idx[d] < shape[d]) break;
      idx[d] = 0;
      base -= strides[d] * shape[d];
    }
  }
}

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
  if (sizeOf(shape) === 0) return;
  if (shape.length === 0) {
    out[0] = src[offset];
    return;
  }
  const last = shape[shape.length - 1];
  const s = strides[strides.length - 1];
  forEachRow(shape, offset, strides, (base, r) => {
    let o = r * last;
    let p = base;
    if (s === 1) for (let j = 0; j < last; j++) out[o++] = src[p++];
    else
      for (let j = 0; j < last; j++) {
        out[o++] = src[p];
        p += s;
      }
  });
}

/** Write the contiguous `src` of shape `shape` into `dst` through an affine view. */
export function writeStrided(
  src: TypedArray,
  shape: readonly number[],
  dst: TypedArray,
  offset: number,
  strides: readonly number[],
): void {
  if (sizeOf(shape) === 0) return;
  if (shape.length === 0) {
    dst[offset] = src[0];
    return;
  }
  const last = shape[shape.length - 1];
  const s = strides[strides.length - 1];
  forEachRow(shape, offset, strides, (base, r) => {
    let i = r * last;
    let p = base;
    for (let j = 0; j < last; j++) {
      dst[p] = src[i++];
      p += s;
    }
  });
}
