/**
 * Small output buffers carved out of shared slabs. A fresh ArrayBuffer costs ~0.6 µs in V8
 * (its backing store is allocated outside the heap and tracked by the GC), a view into an
 * existing slab ~0.2 µs (`bench/costs.ts`, item 1). The same
 * trade-off as Node's Buffer pool: a small array that stays alive keeps its 4 KiB slab alive (a
 * pooled Buffer keeps Node's 8 KiB pool), which is why slabs are small.
 *
 * Views never overlap and a slab is never reused, so no array's values are ever overwritten;
 * `ConcreteArray.exclusiveBuffer()` sees a view into a larger buffer and never donates it.
 * Users never see the slab: `data()` returns a copy.
 */
import type { TypedArray } from "./dtype.js";

const SLAB_BYTES = 4096;
/** Larger outputs get their own buffer (the slab would fill after a few). */
const MAX_POOLED_BYTES = 512;

let slab = new ArrayBuffer(0);
let used = 0;

type ViewCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => TypedArray;

/** A new array holding a copy of `v`'s values, of `v`'s type. */
export function copyOut<T extends TypedArray>(v: T): T {
  const bytes = v.byteLength;
  if (bytes === 0 || bytes > MAX_POOLED_BYTES) return v.slice() as T;
  // 8-byte alignment serves every element type (float64 included).
  let at = (used + 7) & ~7;
  if (at + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    at = 0;
  }
  used = at + bytes;
  const out = new (v.constructor as ViewCtor)(slab, at, v.length) as T;
  out.set(v as never);
  return out;
}
