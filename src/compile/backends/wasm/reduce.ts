/**
 * Reductions that keep a contiguous innermost dim (column sums: the bias gradients of every dense
 * layer, `sum(x, 0)`) as f32x4/i32x4 code: four neighbouring outputs are reduced at once, one per
 * lane, each over its terms in the same order as the scalar loop, with the prologue evaluated in
 * vector mode (the same correctly rounded operations per lane). float32 sums and products
 * accumulate in float64, two lanes per f64x2, and round once, exactly as the scalar path does, so
 * the result is bit for bit the scalar (and the JS backend's) result. max/min compare and select
 * per lane with the scalar rule (NaN wins, ties keep the first). The last n mod 4 outputs of a row
 * use partial lanes: loads never read past a row, stores write only the valid lanes.
 */
import type { DType } from "../../../core/dtype.js";
import type { ReduceStep } from "../../kernel.js";
import { sizeOfShape } from "../../kernel.js";
import { ELEMENT_BYTES } from "../../plan.js";
import { collapse } from "../js.js";
import { nest, repeat } from "./access.js";
import type { Code, Local, ModuleBuilder } from "./encoder.js";
import { ExprEmitter, unsupported } from "./expr.js";

/** Byte address of element `offset` of buffer `buf`, and a buffer's dtype. */
export interface Addressing {
  addr(buf: number, offset?: number): number;
  dtypeOf(buf: number): DType;
}

/** Why `s` has no vector form here, or null. */
export function vectorReduceUnsupported(s: ReduceStep, dtypeOf: (buf: number) => DType): string | null {
  if (s.keep === 0) return "no kept dim";
  if (s.dtype !== "float32" && s.dtype !== "int32") return `${s.dtype} output`;
  if (s.dtype === "int32" && s.op === "prod") return "int32 product";
  if (unsupported(s.expr, true) !== null) return "prologue without a vector form";
  const kept = collapse(
    s.shape.slice(0, s.keep),
    s.inputs.map((v) => ({ ...v, strides: v.strides.slice(0, s.keep) })),
    false,
  );
  const r = kept.shape.length;
  if (r === 0 || kept.shape[r - 1] < 4) return "a short innermost kept dim";
  if (!kept.strides.every((st) => st[r - 1] === 0 || st[r - 1] === 1)) return "a strided innermost kept dim";
  if (s.inputs.some((v) => !["float32", "int32", "bool"].includes(dtypeOf(v.buf)))) return "operand dtype";
  return null;
}

/** Emits `s` (see vectorReduceUnsupported) into `c`. */
export function emitVectorReduce(m: ModuleBuilder, c: Code, s: ReduceStep, at: Addressing): void {
  const keptShape = s.shape.slice(0, s.keep);
  if (sizeOfShape(keptShape) === 0) return;
  const kept = collapse(
    keptShape,
    s.inputs.map((v) => ({ ...v, strides: v.strides.slice(0, s.keep) })),
    false,
  );
  const inner = collapse(
    s.shape.slice(s.keep),
    s.inputs.map((v) => ({ ...v, strides: v.strides.slice(s.keep) })),
    false,
  );
  const redSize = sizeOfShape(s.shape.slice(s.keep));
  const dts = s.inputs.map((v) => at.dtypeOf(v.buf));
  const bytes = dts.map((d) => ELEMENT_BYTES[d]);
  const r = kept.shape.length;
  const n = kept.shape[r - 1];
  const lane = kept.strides.map((st) => st[r - 1]);
  const wide = s.dtype === "float32" && (s.op === "sum" || s.op === "prod");
  const isF32 = s.dtype === "float32";
  const o = c.local("i32");
  c.i32.const(at.addr(s.out)).set(o);
  const starts = s.inputs.map((v) => {
    const l = c.local("i32");
    c.i32.const(at.addr(v.buf, v.offset)).set(l);
    return l;
  });
  const [lo, hi] = [c.local("v128"), c.local("v128")];
  const acc = c.local("v128");

  /** Operand k's `w` lanes at pointer p as a vector (stride-1 views) or a splat (stride 0). */
  const loadLanes = (p: Local, k: number, w: number) => {
    const d = dts[k];
    if (lane[k] === 0) {
      c.get(p);
      if (d === "float32") c.f32.load({ align: 0 }).f32x4.splat();
      else if (d === "int32") c.i32.load({ align: 0 }).i32x4.splat();
      else {
        const t = c.local("i32");
        c.i32.load8_u().set(t);
        c.i32.const(0).get(t).i32.sub().i32x4.splat();
      }
      return;
    }
    if (d === "bool") {
      if (w === 4) {
        c.get(p).v128.load32_zero({ align: 0 }).i16x8.extend_low_i8x16_u().i32x4.extend_low_i16x8_u().i32x4.neg();
        return;
      }
      c.v128.const(new Uint8Array(16));
      for (let e = 0; e < w; e++) c.get(p).i32.load8_u({ offset: e }).i32x4.replace_lane(e);
      c.i32x4.neg();
      return;
    }
    c.get(p);
    if (w === 4) c.v128.load({ align: 0 });
    else if (w === 2) c.v128.load64_zero({ align: 0 });
    else if (w === 1) c.v128.load32_zero({ align: 0 });
    else {
      const t = c.local("v128");
      c.v128.load64_zero({ align: 0 }).set(t);
      c.get(p).get(t).v128.load32_lane(2, { offset: 8, align: 0 });
    }
  };

  const init = () => {
    if (wide) {
      const one = s.op === "prod" ? 1 : 0;
      c.v128
        .const(new Uint8Array(new Float64Array([one, one]).buffer))
        .tee(lo)
        .set(hi);
    } else if (isF32) {
      const v = s.op === "max" ? -Infinity : Infinity;
      c.v128.constF32x4([v, v, v, v]).set(acc);
    } else {
      const v = s.op === "sum" ? 0 : s.op === "max" ? -2147483648 : 2147483647;
      c.v128.constI32x4([v, v, v, v]).set(acc);
    }
  };

  /** Folds the element vector `v` into the accumulators. */
  const combine = (v: Local) => {
    if (wide) {
      const op = () => (s.op === "sum" ? c.f64x2.add() : c.f64x2.mul());
      c.get(lo).get(v).f64x2.promote_low_f32x4();
      op();
      c.set(lo);
      // Lanes 2, 3 moved down, then promoted.
      c.get(hi).get(v).get(v);
      c.i8x16.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
      c.f64x2.promote_low_f32x4();
      op();
      c.set(hi);
    } else if (isF32) {
      // v > acc (v < acc for min) or v is NaN: NaN wins and ties keep the first, as the reference.
      c.get(v).get(acc);
      c.get(v).get(acc);
      s.op === "max" ? c.f32x4.gt() : c.f32x4.lt();
      c.get(v).get(v).f32x4.ne().v128.or();
      c.v128.bitselect().set(acc);
    } else if (s.op === "sum") c.get(acc).get(v).i32x4.add().set(acc);
    else {
      c.get(acc).get(v);
      s.op === "max" ? c.i32x4.max_s() : c.i32x4.min_s();
      c.set(acc);
    }
  };

  /** `w` neighbouring outputs at o, their operands at `ptrs`. */
  const group = (ptrs: readonly Local[], w: number) => {
    init();
    if (redSize > 0)
      nest(c, inner.shape, inner.strides, bytes, ptrs, (q) => {
        const loaded = s.inputs.map((_, k) => {
          const l = c.local("v128");
          loadLanes(q[k], k, w);
          c.set(l);
          return l;
        });
        const ex = new ExprEmitter(m, c, true, (k) => c.get(loaded[k]));
        const v = c.local("v128");
        ex.emit(s.expr);
        c.set(v);
        combine(v);
      });
    if (wide) {
      c.get(lo).f32x4.demote_f64x2_zero();
      c.get(hi).f32x4.demote_f64x2_zero();
      c.i8x16.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]).set(acc);
    }
    if (w === 4) c.get(o).get(acc).v128.store({ align: 0 });
    else
      for (let e = 0; e < w; e++)
        c.get(o)
          .get(acc)
          .v128.store32_lane(e, { offset: 4 * e, align: 0 });
    c.get(o)
      .i32.const(4 * w)
      .i32.add()
      .set(o);
  };

  nest(
    c,
    kept.shape.slice(0, -1),
    kept.strides.map((st) => st.slice(0, -1)),
    bytes,
    starts,
    (ptrs) => {
      // Per row: pointers that walk the innermost kept dim four lanes at a time.
      const q = ptrs.map((p, k) => {
        if (lane[k] === 0) return p;
        const l = c.local("i32");
        c.get(p).set(l);
        return l;
      });
      const step = (w: number) =>
        q.forEach((l, k) => {
          if (lane[k] !== 0)
            c.get(l)
              .i32.const(w * bytes[k])
              .i32.add()
              .set(l);
        });
      repeat(c, Math.floor(n / 4), () => {
        group(q, 4);
        step(4);
      });
      if (n % 4 > 0) group(q, n % 4);
    },
  );
}
