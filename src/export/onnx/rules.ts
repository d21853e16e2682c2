/**
 * ONNX rules of the non-elementwise primitives (movement, reductions, dot_general, random bits),
 * each referenced from its primitive's record. Opset 18: Reduce*, Pad, Slice, Expand, Reshape and
 * Unsqueeze take their axes/shapes as int64 inputs.
 */
import type { ShapedArray } from "../../core/aval.js";
import { castScalar, type DType, isFloat } from "../../core/dtype.js";
import { where } from "./ops.js";
import type { OnnxContext, OnnxRule } from "./types.js";

type P = Readonly<Record<string, unknown>>;
type Rule = Exclude<OnnxRule<P>, { unsupported: string }>;

const INT64_MAX = Number.MAX_SAFE_INTEGER;

export const reshapeOnnx: Rule = (ctx, [x], p) => [ctx.op("Reshape", [x, ctx.shapeParam("newShape", p.newShape as number[])])];

/**
 * Unsqueeze to the output rank (size-1 dims where the operand has none), then Expand; no operand
 * size is baked in, so a broadcast stays valid when a dim is dynamic.
 */
export const broadcastInDimOnnx: Rule = (ctx, [x], p) => {
  const shape = p.shape as number[];
  const dims = p.broadcastDimensions as number[];
  const missing = shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const r = missing.length === 0 ? x : ctx.op("Unsqueeze", [x, ctx.ints(missing)]);
  return [ctx.op("Expand", [r, ctx.shapeParam("shape", shape)])];
};

export const transposeOnnx: Rule = (ctx, [x], p) => [ctx.op("Transpose", [x], { perm: p.permutation as number[] })];

export const sliceOnnx: Rule = (ctx, [x], p, [a]) => {
  const start = p.start as number[];
  if (a.ndim === 0) return [ctx.op("Identity", [x])];
  const axes = a.shape.map((_, i) => i);
  return [ctx.op("Slice", [x, ctx.ints(start), ctx.ints(p.limit as number[]), ctx.ints(axes), ctx.ints(p.strides as number[])])];
};

export const revOnnx: Rule = (ctx, [x], p) => {
  const axes = p.axes as number[];
  if (axes.length === 0) return [ctx.op("Identity", [x])];
  const n = axes.length;
  const starts = ctx.ints(axes.map(() => -1));
  const ends = ctx.ints(axes.map(() => -INT64_MAX));
  return [ctx.op("Slice", [x, starts, ends, ctx.ints(axes), ctx.ints(new Array<number>(n).fill(-1))])];
};

/** Interior padding spreads each axis (unsqueeze, pad the new axis, merge, trim); then edge pads. */
export const padOnnx: Rule = (ctx, [x], p, [a]) => {
  const interior = p.interior as number[];
  const lo = p.lo as number[];
  const hi = p.hi as number[];
  const value = ctx.scalar(castScalar(a.dtype, p.value as number), a.dtype);
  let y = x;
  let shape = [...a.shape];
  interior.forEach((k, ax) => {
    if (k === 0 || shape[ax] === 0) return;
    const n = shape[ax];
    const u = ctx.op("Unsqueeze", [y, ctx.ints([ax + 1])]);
    const pads = new Array<number>(2 * (shape.length + 1)).fill(0);
    pads[shape.length + 1 + ax + 1] = k;
    const padded = ctx.op("Pad", [u, ctx.ints(pads), value]);
    const merged = [...shape];
    merged[ax] = n * (k + 1);
    const flat = ctx.op("Reshape", [padded, ctx.ints(merged)]);
    y = ctx.op("Slice", [flat, ctx.ints([0]), ctx.ints([n * (k + 1) - k]), ctx.ints([ax])]);
    shape = [...shape];
    shape[ax] = n * (k + 1) - k;
  });
  if (lo.every((v) => v === 0) && hi.every((v) => v === 0)) return [y === x ? ctx.op("Identity", [x]) : y];
  return [ctx.op("Pad", [y, ctx.ints([...lo, ...hi]), value])];
};

export const concatenateOnnx: Rule = (ctx, xs, p) => [ctx.op("Concat", [...xs], { axis: p.axis as number })];

/** Indices resolved under the mode to [0, n) (fill: out-of-range flagged in `bad`); int64. */
function resolve(ctx: OnnxContext, idx: string, dtype: DType, n: number, mode: string): { pos: string; bad: string | null } {
  const i = ctx.op("Cast", [idx], { to: 7 });
  const k = (v: number) => ctx.scalar(v, "int64");
  if (mode === "clip") return { pos: ctx.op("Clip", [i, k(0), k(n - 1)]), bad: null };
  if (mode === "wrap") return { pos: ctx.op("Mod", [ctx.op("Add", [ctx.op("Mod", [i, k(n)]), k(n)]), k(n)]), bad: null };
  // raise / fill: a negative index in [-n, 0) counts from the end.
  const j = dtype === "uint32" ? i : ctx.op("Where", [ctx.op("Less", [i, k(0)]), ctx.op("Add", [i, k(n)]), i]);
  const bad = ctx.op("Or", [ctx.op("Less", [j, k(0)]), ctx.op("GreaterOrEqual", [j, k(n)])]);
  return { pos: ctx.op("Where", [bad, k(0), j]), bad };
}

function fillDefault(dtype: DType): number {
  return isFloat(dtype) ? Number.NaN : dtype === "int32" ? -(2 ** 31) : dtype === "uint32" ? 2 ** 32 - 1 : 1;
}

/** An integer array as int64 (exact). */
const widen = (ctx: OnnxContext, x: string) => ctx.op("Cast", [x], { to: 7 });
/** An int64 result wrapped to int32/uint32 (Cast keeps the low 32 bits). */
const narrow = (ctx: OnnxContext, x: string, d: DType) => ctx.op("Cast", [x], { to: d === "uint32" ? 12 : 6 });

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

/**
 * gather: ONNX Gather (no batch dims) or GatherND with batch_dims after moving the axis next to
 * the batch dims. Mode "raise" cannot raise inside ONNX Runtime: it is rejected (use "clip"/"fill").
 */
export const gatherOnnx: Rule = (ctx, [x, idx], p, [a, ia], [out]) => {
  const axis = p.axis as number;
  const nb = p.batchDims as number;
  const mode = p.mode as string;
  if (mode === "raise") {
    ctx.unsupported(
      "gather",
      'index mode "raise" cannot raise inside an ONNX runtime (out-of-bounds indices would read silently); ' +
        'take with { mode: "clip" } or { mode: "fill" } before exporting',
    );
  }
  const n = a.shape[axis];
  const { pos, bad } = resolve(ctx, idx, ia.dtype, n, mode);
  let g: string;
  if (nb === 0) g = ctx.op("Gather", [x, pos], { axis });
  else {
    // Move the indexed axis to position nb, gather the leading non-batch dim, move dims back.
    const perm = [...range(nb), axis, ...range(axis - nb, nb), ...range(a.ndim - axis - 1, axis + 1)];
    const xt = axis === nb ? x : ctx.op("Transpose", [x], { perm });
    const gi = ctx.op("GatherND", [xt, ctx.op("Unsqueeze", [pos, ctx.ints([-1])])], { batch_dims: nb });
    // gi: [batch, idx dims, x dims nb..axis (excl), after axis]; want [batch, x nb..axis, idx dims, after].
    const m = ia.ndim - nb;
    const before = axis - nb;
    const back = [...range(nb), ...range(before, nb + m), ...range(m, nb), ...range(a.ndim - axis - 1, nb + m + before)];
    g = before === 0 ? gi : ctx.op("Transpose", [gi], { perm: back });
  }
  if (bad === null) return [g];
  // Broadcast the out-of-bounds mask [idx dims] to the output: idx dims sit at axis.. in out.
  const lead = axis - nb;
  const maskShape = [...ia.shape.slice(0, nb), ...new Array<number>(lead).fill(1), ...ia.shape.slice(nb)];
  const trail = out.ndim - maskShape.length;
  const mask = ctx.op("Reshape", [bad, ctx.ints([...maskShape, ...new Array<number>(trail).fill(1)])]);
  const fill = p.fillValue === null ? fillDefault(a.dtype) : (p.fillValue as number);
  return [where(ctx, mask, ctx.scalar(castScalar(a.dtype, fill), a.dtype), g, a.dtype)];
};

/**
 * scatter_add: ScatterND (reduction "add") on the operand with the indexed axis moved after the
 * batch dims; with batch dims each index tuple leads with its example's coordinates, so an
 * update only ever reaches its own example.
 */
export const scatterAddOnnx: Rule = (ctx, [op, idx, upd], p, [a, ia]) => {
  const axis = p.axis as number;
  const nb = p.batchDims as number;
  const mode = p.mode as string;
  if (mode === "raise") {
    ctx.unsupported("scatter_add", 'index mode "raise" cannot raise inside an ONNX runtime; use { mode: "clip" } or "fill"');
  }
  const n = a.shape[axis];
  const { pos, bad } = resolve(ctx, idx, ia.dtype, n, mode);
  const m = ia.ndim - nb;
  // operand [B, pre, n, post] → [B, n, pre, post]; updates [B, pre, idx, post] → [B, idx, pre, post].
  const permOp = [...range(nb), axis, ...range(axis - nb, nb), ...range(a.ndim - axis - 1, axis + 1)];
  const permUpd = [...range(nb), ...range(m, axis), ...range(axis - nb, nb), ...range(a.ndim - axis - 1, axis + m)];
  const opT = ctx.op("Transpose", [op], { perm: permOp });
  let updT = ctx.op("Transpose", [upd], { perm: permUpd });
  const trailing = a.ndim - nb - 1;
  if (bad !== null) {
    const mask = trailing === 0 ? bad : ctx.op("Unsqueeze", [bad, ctx.ints(range(trailing, nb + m))]);
    updT = where(ctx, mask, ctx.scalar(0, a.dtype), updT, a.dtype);
  }
  const coords = [...range(nb)].map((j) => {
    const shape = ia.shape.map((d, k) => (k === j ? d : 1));
    const iota = ctx.constant("int64", shape, range(ia.shape[j]));
    return ctx.op("Unsqueeze", [ctx.op("Expand", [iota, ctx.ints(ia.shape)]), ctx.ints([-1])]);
  });
  const last = ctx.op("Unsqueeze", [pos, ctx.ints([-1])]);
  const indices = nb === 0 ? last : ctx.op("Concat", [...coords, last], { axis: -1 });
  const s = ctx.op("ScatterND", [opT, indices, updT], { reduction: "add" });
  const inv = permOp.map((_, i) => permOp.indexOf(i));
  return [ctx.op("Transpose", [s], { perm: inv })];
};

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** dot_general as an Einsum (output: batch dims, lhs free dims, rhs free dims, as axle orders them). */
export const dotGeneralOnnx: Rule = (ctx, [l, r], p, [la, ra]) => {
  const [lc, rc] = p.contracting as [number[], number[]];
  const [lb, rb] = p.batch as [number[], number[]];
  let next = 0;
  const ls = la.shape.map(() => LETTERS[next++]);
  const rs = ra.shape.map(() => "");
  lc.forEach((d, i) => {
    rs[rc[i]] = ls[d];
  });
  lb.forEach((d, i) => {
    rs[rb[i]] = ls[d];
  });
  rs.forEach((s, i) => {
    if (s === "") rs[i] = LETTERS[next++];
  });
  const out = [
    ...lb.map((d) => ls[d]),
    ...ls.filter((_, i) => !lc.includes(i) && !lb.includes(i)),
    ...rs.filter((_, i) => !rc.includes(i) && !rb.includes(i)),
  ];
  const eq = `${ls.join("")},${rs.join("")}->${out.join("")}`;
  if (la.dtype === "bool") ctx.unsupported("dot_general", "bool matrix products have no ONNX operator");
  if (isFloat(la.dtype)) return [ctx.op("Einsum", [l, r], { equation: eq })];
  // Integer products accumulate in int64 and wrap to 32 bits, as axle's (ONNX Runtime's int32
  // Einsum differs and it has no uint32 one).
  return [narrow(ctx, ctx.op("Einsum", [widen(ctx, l), widen(ctx, r)], { equation: eq }), la.dtype)];
};

/**
 * Reductions over `axes` (keepdims 0). ONNX Runtime's ReduceMax/ReduceMin may skip NaNs; axle's
 * propagate them (as NumPy's max), so float max/min put NaN back where the reduced slice has one.
 */
function reduceOnnx(op: string): Rule {
  return (ctx, [x], p, [a]) => {
    const axes = p.axes as number[];
    if (axes.length === 0) return [ctx.op("Identity", [x])];
    if (!isFloat(a.dtype)) {
      // Integers: in int64, wrapped back to 32 bits (ONNX Runtime's int32 ReduceSum saturates
      // and it has no uint32 reductions; axle wraps).
      return [narrow(ctx, ctx.op(op, [widen(ctx, x), ctx.ints(axes)], { keepdims: 0 }), a.dtype)];
    }
    const r = ctx.op(op, [x, ctx.ints(axes)], { keepdims: 0 });
    if (op !== "ReduceMax" && op !== "ReduceMin") return [r];
    const nan = ctx.op("ReduceMax", [ctx.op("Cast", [ctx.op("IsNaN", [x])], { to: 6 }), ctx.ints(axes)], { keepdims: 0 });
    return [ctx.op("Where", [ctx.op("Greater", [nan, ctx.scalar(0, "int32")]), ctx.scalar(Number.NaN, a.dtype), r])];
  };
}
export const reduceSumOnnx = reduceOnnx("ReduceSum");
export const reduceMaxOnnx = reduceOnnx("ReduceMax");
export const reduceMinOnnx = reduceOnnx("ReduceMin");
export const reduceProdOnnx = reduceOnnx("ReduceProd");

/** ArgMax/ArgMin (first extreme), with axle's rule that the first NaN wins. */
export function argOnnx(isMax: boolean): Rule {
  return (ctx, [x], p, [a], [out]) => {
    const axis = p.axis as number;
    const arg = ctx.op(isMax ? "ArgMax" : "ArgMin", [a.dtype === "uint32" ? widen(ctx, x) : x], { axis, keepdims: 0 });
    let r = arg;
    if (isFloat(a.dtype)) {
      const nan = ctx.op("Cast", [ctx.op("IsNaN", [x])], { to: 6 });
      const firstNan = ctx.op("ArgMax", [nan], { axis, keepdims: 0 });
      const any = ctx.op("ReduceMax", [nan, ctx.ints([axis])], { keepdims: 0 });
      r = ctx.op("Where", [ctx.op("Greater", [any, ctx.scalar(0, "int32")]), firstNan, arg]);
    }
    return [ctx.op("Cast", [r], { to: out.dtype === "uint32" ? 12 : 6 })];
  };
}

/**
 * threefry2x32 with opset-18 bitwise operators. uint32 additions wrap: they are done in int64
 * and masked to 32 bits (ONNX Runtime has no uint32 Add kernel); rotations are BitShift + BitwiseOr.
 */
export const threefryOnnx: Rule = (ctx, ins, _p, _avals, [out]) => {
  const shape = ctx.ints(out.shape);
  const [k0, k1, c0, c1] = ins.map((x) => ctx.op("Cast", [ctx.op("Expand", [x, shape])], { to: 7 }));
  const mask = ctx.scalar(0xffffffff, "int64");
  const add = (a: string, b: string) => ctx.op("BitwiseAnd", [ctx.op("Add", [a, b]), mask]);
  const u32 = (x: string) => ctx.op("Cast", [x], { to: 12 });
  const i64 = (x: string) => ctx.op("Cast", [x], { to: 7 });
  const rotl = (x: string, s: number) => {
    const u = u32(x);
    const left = ctx.op("BitShift", [u, ctx.scalar(s, "uint32")], { direction: "LEFT" });
    const right = ctx.op("BitShift", [u, ctx.scalar(32 - s, "uint32")], { direction: "RIGHT" });
    return ctx.op("BitwiseOr", [left, right]);
  };
  const ks2 = ctx.op("BitwiseXor", [ctx.op("BitwiseXor", [ctx.scalar(0x1bd11bda, "int64"), k0]), k1]);
  const ks = [k0, k1, ks2];
  let x0 = add(c0, k0);
  let x1 = add(c1, k1);
  const ROT = [
    [13, 15, 26, 6],
    [17, 29, 16, 24],
  ];
  for (let g = 0; g < 5; g++) {
    for (const s of ROT[g % 2]) {
      x0 = add(x0, x1);
      x1 = ctx.op("BitwiseXor", [i64(rotl(x1, s)), x0]);
    }
    const m = (g + 1) % 3;
    x0 = add(x0, ks[m]);
    x1 = add(add(x1, ks[(m + 1) % 3]), ctx.scalar(g + 1, "int64"));
  }
  return [u32(x0), u32(x1)];
};

/** The type of `a` as a subgraph value. */
export const valueType = (a: ShapedArray) => ({ dtype: a.dtype, shape: a.shape });
