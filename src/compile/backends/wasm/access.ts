/**
 * Loads and stores of one element (scalar mode) or four (vector mode) of a buffer of float32,
 * int32 or bool (one byte, 0/1; in vector mode a lane mask), shared by the Wasm backend's
 * programs and the fused eager kernels, and the counted loop they all emit.
 */
import type { DType } from "../../../core/dtype.js";
import type { Code, Local } from "./encoder.js";

/** A byte address: a compile-time constant or a local that holds it. */
export type Ptr = Local | number;

export const push = (c: Code, p: Ptr) => (typeof p === "number" ? c.i32.const(p) : c.get(p));

export function load(c: Code, d: DType, vector: boolean): void {
  if (!vector) {
    if (d === "float32") c.f32.load({ align: 0 });
    else if (d === "int32") c.i32.load({ align: 0 });
    else c.i32.load8_u();
    return;
  }
  if (d === "bool") c.v128.load32_zero({ align: 0 }).i16x8.extend_low_i8x16_u().i32x4.extend_low_i16x8_u().i32x4.neg();
  else c.v128.load({ align: 0 });
}

export function store(c: Code, d: DType, vector: boolean): void {
  if (!vector) {
    if (d === "float32") c.f32.store({ align: 0 });
    else if (d === "int32") c.i32.store({ align: 0 });
    else c.i32.store8();
    return;
  }
  if (d === "bool") {
    // Masks to 0/1 bytes: narrow twice, store the low four.
    const t = c.local("v128");
    c.v128.constI32x4([1, 1, 1, 1]).v128.and().tee(t).get(t).i16x8.narrow_i32x4_u();
    c.tee(t).get(t).i8x16.narrow_i16x8_u().v128.store32_lane(0, { align: 0 });
  } else c.v128.store({ align: 0 });
}

/** A scalar loaded once (outside the innermost loop), as an f32/i32 local and, if needed, splatted. */
export function hoist(c: Code, p: Ptr, d: DType, vector: boolean): { scalar: Local; vec: Local | null } {
  const scalar = c.local(d === "float32" ? "f32" : "i32");
  push(c, p);
  load(c, d, false);
  c.set(scalar);
  if (!vector) return { scalar, vec: null };
  const vec = c.local("v128");
  if (d === "float32") c.get(scalar).f32x4.splat();
  else if (d === "bool") c.i32.const(0).get(scalar).i32.sub().i32x4.splat();
  else c.get(scalar).i32x4.splat();
  c.set(vec);
  return { scalar, vec };
}

/** `count` iterations of `body`, counting down an i32 local. */
export function repeat(c: Code, count: number, body: () => void): void {
  if (count === 0) return;
  if (count === 1) {
    body();
    return;
  }
  const left = c.local("i32");
  c.i32.const(count).set(left);
  c.loop("void", (top) => {
    body();
    c.get(left).i32.const(1).i32.sub().tee(left).br_if(top);
  });
}

/**
 * Nested loops over `dims`; `body` gets each view's current byte address. A view that moves
 * along a dim gets a local advanced by its stride (in elements, times its element size in
 * `bytes`); one that does not keeps its address (a constant stays a constant).
 */
export function nest<P extends Ptr>(
  c: Code,
  dims: readonly number[],
  strides: readonly (readonly number[])[],
  bytes: readonly number[],
  start: readonly P[],
  body: (ptrs: readonly (P | Local)[]) => void,
): void {
  const level = (d: number, cur: readonly (P | Local)[]): void => {
    if (d === dims.length) return body(cur);
    const next = cur.map((p, k) => {
      if (strides[k][d] === 0) return p;
      const l = c.local("i32");
      push(c, p).set(l);
      return l;
    });
    repeat(c, dims[d], () => {
      level(d + 1, next);
      next.forEach((p, k) => {
        if (strides[k][d] !== 0)
          c.get(p as Local)
            .i32.const(strides[k][d] * bytes[k])
            .i32.add()
            .set(p as Local);
      });
    });
  };
  level(0, start);
}
