/**
 * Movement primitives: reshape, broadcast_in_dim, transpose, slice, pad, rev, concatenate,
 * gather (take along an axis) and its transpose scatter_add. All are linear.
 */
import { type Array, ConcreteArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { allocate, castScalar, type DType } from "../core/dtype.js";
import { DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { type BDim, type Params, type Primitive, type Tangent, UndefPrimal, Zero } from "../core/primitive.js";
import { invertPermutation, isPermutation, range, type Shape, shapeStr, shapesEqual, sizeOf, stridesOf } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import {
  broadcastInDimOnnx,
  concatenateOnnx,
  gatherOnnx,
  padOnnx,
  reshapeOnnx,
  revOnnx,
  scatterAddOnnx,
  sliceOnnx,
  transposeOnnx,
} from "../export/onnx/rules.js";
import { reduceSum } from "./reduce.js";
import { definePrimitive } from "./registry.js";
import { linearJvp } from "./rules.js";
import { readStrided, writeStrided } from "./strided.js";
import { instantiate, zerosOf } from "./zeros.js";

const ct0 = (ct: Tangent, aval: ShapedArray, f: (c: Array) => Array): Tangent => (ct instanceof Zero ? new Zero(aval) : f(ct));
const undefAval = (x: Array | UndefPrimal): ShapedArray => (x instanceof UndefPrimal ? x.aval : x.aval);

function view(a: ConcreteArray, shape: Shape, offset: number, strides: readonly number[]): ConcreteArray {
  const out = allocate(a.dtype, sizeOf(shape));
  readStrided(a.buffer, offset, strides, shape, out);
  return new ConcreteArray(shape, a.dtype, out);
}

// ---- reshape ----

interface ReshapeParams extends Params {
  newShape: readonly number[];
}

export const reshapeP: Primitive<ReshapeParams> = definePrimitive<ReshapeParams>("reshape", {
  abstractEval: ([a], { newShape }) => {
    if (sizeOf(newShape) !== a.size) {
      throw new ShapeError(
        `reshape: cannot reshape ${a.str()} (${a.size} elements) to ${shapeStr(newShape)} (${sizeOf(newShape)} elements)`,
      );
    }
    return [new ShapedArray(newShape, a.dtype)];
  },
  // Buffers are immutable, so a reshape shares its input's buffer.
  impl: ([a], { newShape }) => [new ConcreteArray(newShape, a.dtype, a.buffer)],
  jvp: linearJvp(() => reshapeP),
  transpose: ([ct], [a]) => [ct0(ct, undefAval(a), (c) => reshape(c, undefAval(a).shape))],
  batch: ([a], [d], { newShape }) => {
    const x = moveAxis(a, d as number, 0);
    return [[reshape(x, [x.shape[0], ...newShape])], [0]];
  },
  lower: { kind: "reshape" },
  onnx: reshapeOnnx,
});

export function reshape(x: Array, newShape: readonly number[]): Array {
  return shapesEqual(x.shape, newShape) ? x : bind1(reshapeP, [x], { newShape: [...newShape] });
}

// ---- broadcast_in_dim ----

interface BroadcastParams extends Params {
  shape: readonly number[];
  /** For each operand dim, the output dim it maps to (increasing). */
  broadcastDimensions: readonly number[];
}

export const broadcastInDimP: Primitive<BroadcastParams> = definePrimitive<BroadcastParams>("broadcast_in_dim", {
  abstractEval: ([a], { shape, broadcastDimensions: dims }) => {
    const ok =
      dims.length === a.ndim &&
      dims.every((d, i) => d >= 0 && d < shape.length && (i === 0 || d > dims[i - 1])) &&
      a.shape.every((s, i) => s === 1 || s === shape[dims[i]]);
    if (!ok) {
      throw new ShapeError(
        `broadcast_in_dim: cannot broadcast ${a.str()} to ${shapeStr(shape)} with operand dims mapped to ` +
          `${JSON.stringify(dims)}; each operand dim must be 1 or equal to its target`,
      );
    }
    return [new ShapedArray(shape, a.dtype)];
  },
  impl: ([a], { shape, broadcastDimensions: dims }) => {
    const st = stridesOf(a.shape);
    const strides = new globalThis.Array<number>(shape.length).fill(0);
    dims.forEach((d, i) => {
      strides[d] = a.shape[i] === 1 ? 0 : st[i];
    });
    return [view(a, shape, 0, strides)];
  },
  jvp: linearJvp(() => broadcastInDimP),
  transpose: ([ct], [a], { shape, broadcastDimensions: dims }) => {
    const aval = undefAval(a);
    return [
      ct0(ct, aval, (c) => {
        const summed = shape.map((_, j) => j).filter((j) => !dims.includes(j) || aval.shape[dims.indexOf(j)] === 1);
        const r = summed.length > 0 ? reduceSum(c, summed) : c;
        return reshape(r, aval.shape);
      }),
    ];
  },
  batch: ([a], [d], { shape, broadcastDimensions: dims }) => {
    const x = moveAxis(a, d as number, 0);
    return [[broadcastInDim(x, [x.shape[0], ...shape], [0, ...dims.map((k) => k + 1)])], [0]];
  },
  // out[d] reads in[j] at out[dims[j]] (0 where the input dim is 1 and broadcast).
  lower: {
    kind: "view",
    map: (inShape, outShape, p) => {
      const dims = (p as BroadcastParams).broadcastDimensions;
      return {
        offset: inShape.map(() => 0),
        coef: inShape.map((n, j) => outShape.map((m, d) => (d === dims[j] && !(n === 1 && m !== 1) ? 1 : 0))),
      };
    },
  },
  onnx: broadcastInDimOnnx,
});

export function broadcastInDim(x: Array, shape: readonly number[], broadcastDimensions: readonly number[]): Array {
  if (shapesEqual(x.shape, shape) && broadcastDimensions.every((d, i) => d === i)) return x;
  return bind1(broadcastInDimP, [x], { shape: [...shape], broadcastDimensions: [...broadcastDimensions] });
}

// ---- transpose ----

interface TransposeParams extends Params {
  permutation: readonly number[];
}

export const transposeP: Primitive<TransposeParams> = definePrimitive<TransposeParams>("transpose", {
  abstractEval: ([a], { permutation: perm }) => {
    if (!isPermutation(perm, a.ndim)) {
      throw new ShapeError(`transpose: ${JSON.stringify(perm)} is not a permutation of the ${a.ndim} axes of ${a.str()}`);
    }
    return [
      new ShapedArray(
        perm.map((p) => a.shape[p]),
        a.dtype,
      ),
    ];
  },
  impl: ([a], { permutation: perm }) => {
    const st = stridesOf(a.shape);
    return [
      view(
        a,
        perm.map((p) => a.shape[p]),
        0,
        perm.map((p) => st[p]),
      ),
    ];
  },
  jvp: linearJvp(() => transposeP),
  transpose: ([ct], [a], { permutation }) => [ct0(ct, undefAval(a), (c) => transpose(c, invertPermutation(permutation)))],
  batch: ([a], [d], { permutation }) => {
    const x = moveAxis(a, d as number, 0);
    return [[transpose(x, [0, ...permutation.map((p) => p + 1)])], [0]];
  },
  // out[d] = in[perm[d]]: input dim perm[d] is read at output index d.
  lower: {
    kind: "view",
    map: (inShape, outShape, p) => {
      const perm = (p as TransposeParams).permutation;
      return { offset: inShape.map(() => 0), coef: inShape.map((_, j) => outShape.map((_m, d) => (perm[d] === j ? 1 : 0))) };
    },
  },
  onnx: transposeOnnx,
});

export function transpose(x: Array, permutation: readonly number[]): Array {
  if (permutation.every((p, i) => p === i) && permutation.length === x.ndim) return x;
  return bind1(transposeP, [x], { permutation: [...permutation] });
}

/** Move axis `from` to position `to`, keeping the other axes in order. */
export function moveAxis(x: Array, from: number, to: number): Array {
  if (from === to) return x;
  const perm = range(x.ndim).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return transpose(x, perm);
}

// ---- slice ----

interface SliceParams extends Params {
  start: readonly number[];
  limit: readonly number[];
  strides: readonly number[];
}

function sliceShape(start: readonly number[], limit: readonly number[], strides: readonly number[]): number[] {
  return start.map((s, i) => Math.max(0, Math.ceil((limit[i] - s) / strides[i])));
}

export const sliceP: Primitive<SliceParams> = definePrimitive<SliceParams>("slice", {
  abstractEval: ([a], { start, limit, strides }) => {
    const ok =
      start.length === a.ndim &&
      limit.length === a.ndim &&
      strides.length === a.ndim &&
      a.shape.every((n, i) => start[i] >= 0 && start[i] <= limit[i] && limit[i] <= n && strides[i] >= 1);
    if (!ok) {
      throw new ShapeError(
        `slice: start ${JSON.stringify(start)}, limit ${JSON.stringify(limit)}, strides ${JSON.stringify(strides)} ` +
          `do not fit ${a.str()} (need 0 <= start <= limit <= dim and strides >= 1 for every axis)`,
      );
    }
    return [new ShapedArray(sliceShape(start, limit, strides), a.dtype)];
  },
  impl: ([a], { start, limit, strides }) => {
    const st = stridesOf(a.shape);
    const offset = start.reduce((o, s, i) => o + s * st[i], 0);
    return [
      view(
        a,
        sliceShape(start, limit, strides),
        offset,
        st.map((s, i) => s * strides[i]),
      ),
    ];
  },
  jvp: linearJvp(() => sliceP),
  // The transpose pads the cotangent back into place (interior padding undoes the strides).
  transpose: ([ct], [a], { start, strides }) => {
    const aval = undefAval(a);
    return [
      ct0(ct, aval, (c) => {
        const hi = aval.shape.map((n, i) => n - (start[i] + (c.shape[i] === 0 ? 0 : (c.shape[i] - 1) * strides[i] + 1)));
        if (c.size === 0) return zerosOf(aval);
        return pad(
          c,
          0,
          start,
          hi,
          strides.map((s) => s - 1),
        );
      }),
    ];
  },
  batch: ([a], [d], { start, limit, strides }) => {
    const x = moveAxis(a, d as number, 0);
    return [[slice(x, [0, ...start], [x.shape[0], ...limit], [1, ...strides])], [0]];
  },
  // in[j] = start[j] + stride[j]·out[j].
  lower: {
    kind: "view",
    map: (inShape, _outShape, p) => {
      const { start, strides } = p as SliceParams;
      return { offset: [...start], coef: inShape.map((_, j) => inShape.map((_n, d) => (d === j ? strides[j] : 0))) };
    },
  },
  onnx: sliceOnnx,
});

export function slice(x: Array, start: readonly number[], limit: readonly number[], strides?: readonly number[]): Array {
  const st = strides ?? start.map(() => 1);
  if (start.every((s) => s === 0) && shapesEqual(limit, x.shape) && st.every((s) => s === 1)) return x;
  return bind1(sliceP, [x], { start: [...start], limit: [...limit], strides: [...st] });
}

// ---- pad ----

interface PadParams extends Params {
  value: number;
  lo: readonly number[];
  hi: readonly number[];
  interior: readonly number[];
}

function padShape(shape: Shape, lo: readonly number[], hi: readonly number[], interior: readonly number[]): number[] {
  return shape.map((n, i) => lo[i] + hi[i] + n + Math.max(0, n - 1) * interior[i]);
}

export const padP: Primitive<PadParams> = definePrimitive<PadParams>("pad", {
  abstractEval: ([a], { lo, hi, interior }) => {
    const ok = [lo, hi, interior].every((v) => v.length === a.ndim && v.every((x) => Number.isInteger(x) && x >= 0));
    if (!ok) {
      throw new ShapeError(
        `pad: lo ${JSON.stringify(lo)}, hi ${JSON.stringify(hi)}, interior ${JSON.stringify(interior)} ` +
          `must each list one non-negative integer per axis of ${a.str()}`,
      );
    }
    return [new ShapedArray(padShape(a.shape, lo, hi, interior), a.dtype)];
  },
  impl: ([a], { value, lo, hi, interior }) => {
    const shape = padShape(a.shape, lo, hi, interior);
    const out = allocate(a.dtype, sizeOf(shape));
    const v = castScalar(a.dtype, value);
    if (v !== 0) out.fill(v);
    const st = stridesOf(shape);
    const offset = lo.reduce((o, l, i) => o + l * st[i], 0);
    writeStrided(
      a.buffer,
      a.shape,
      out,
      offset,
      st.map((s, i) => s * (interior[i] + 1)),
    );
    return [new ConcreteArray(shape, a.dtype, out)];
  },
  // Linear in the operand (the padding value is a constant).
  jvp: (primals, tangents, params) => {
    const out = bind1(padP, primals, params);
    if (tangents[0] instanceof Zero) return [[out], [new Zero(out.aval)]];
    return [[out], [bind1(padP, [instantiate(tangents[0])], { ...params, value: 0 })]];
  },
  transpose: ([ct], [a], { lo, interior }) => {
    const aval = undefAval(a);
    return [
      ct0(ct, aval, (c) =>
        slice(
          c,
          lo,
          aval.shape.map((n, i) => lo[i] + (n === 0 ? 0 : (n - 1) * (interior[i] + 1) + 1)),
          interior.map((s) => s + 1),
        ),
      ),
    ];
  },
  batch: ([a], [d], { value, lo, hi, interior }) => {
    const x = moveAxis(a, d as number, 0);
    return [[pad(x, value, [0, ...lo], [0, ...hi], [0, ...interior])], [0]];
  },
  // The operand lands at lo + (interior + 1)·i over a fill of `value`.
  lower: {
    kind: "assemble",
    pieces: (_in, _out, p) => {
      const { value, lo, interior } = p as PadParams;
      return { fill: value, pieces: [{ input: 0, start: lo, step: interior.map((k) => k + 1) }] };
    },
  },
  onnx: padOnnx,
});

export function pad(x: Array, value: number, lo: readonly number[], hi: readonly number[], interior?: readonly number[]): Array {
  return bind1(padP, [x], { value, lo: [...lo], hi: [...hi], interior: [...(interior ?? lo.map(() => 0))] });
}

// ---- rev (flip) ----

interface RevParams extends Params {
  axes: readonly number[];
}

export const revP: Primitive<RevParams> = definePrimitive<RevParams>("rev", {
  abstractEval: ([a], { axes }) => {
    if (!axes.every((ax) => Number.isInteger(ax) && ax >= 0 && ax < a.ndim)) {
      throw new ShapeError(`rev: axes ${JSON.stringify(axes)} out of range for ${a.str()}`);
    }
    return [a];
  },
  impl: ([a], { axes }) => {
    const st = stridesOf(a.shape);
    let offset = 0;
    const strides = st.map((s, i) => {
      if (!axes.includes(i) || a.shape[i] === 0) return s;
      offset += (a.shape[i] - 1) * s;
      return -s;
    });
    return [view(a, a.shape, offset, strides)];
  },
  jvp: linearJvp(() => revP),
  transpose: ([ct], [a], { axes }) => [ct0(ct, undefAval(a), (c) => rev(c, axes))],
  batch: ([a], [d], { axes }) => [
    [
      rev(
        a,
        axes.map((ax) => (ax >= (d as number) ? ax + 1 : ax)),
      ),
    ],
    [d],
  ],
  // in[j] = n[j] - 1 - out[j] along the reversed axes.
  lower: {
    kind: "view",
    map: (inShape, _outShape, p) => {
      const { axes } = p as RevParams;
      return {
        offset: inShape.map((n, j) => (axes.includes(j) && n > 0 ? n - 1 : 0)),
        coef: inShape.map((_, j) => inShape.map((_n, d) => (d === j ? (axes.includes(j) ? -1 : 1) : 0))),
      };
    },
  },
  onnx: revOnnx,
});

export function rev(x: Array, axes: readonly number[]): Array {
  return axes.length === 0 ? x : bind1(revP, [x], { axes: [...axes] });
}

// ---- concatenate ----

interface ConcatParams extends Params {
  axis: number;
}

function concatAval(avals: readonly ShapedArray[], axis: number): ShapedArray {
  const first = avals[0];
  for (const a of avals) {
    if (a.dtype !== first.dtype) {
      throw new DTypeError(`concatenate: dtypes ${avals.map((x) => x.dtype).join(", ")} differ; cast them to one dtype`);
    }
    const same = a.ndim === first.ndim && a.shape.every((n, i) => i === axis || n === first.shape[i]);
    if (!same) {
      throw new ShapeError(
        `concatenate: shapes ${avals.map((x) => shapeStr(x.shape)).join(", ")} must agree on every axis except axis ${axis}, ` +
          `the one they are joined along; pass the axis they differ on, or reshape/pad them to match`,
      );
    }
  }
  const shape = [...first.shape];
  shape[axis] = avals.reduce((n, a) => n + a.shape[axis], 0);
  return new ShapedArray(shape, first.dtype);
}

export const concatenateP: Primitive<ConcatParams> = definePrimitive<ConcatParams>("concatenate", {
  abstractEval: (avals, { axis }) => [concatAval(avals, axis)],
  impl: (args, { axis }) => {
    const aval = concatAval(
      args.map((a) => a.aval),
      axis,
    );
    const out = allocate(aval.dtype, aval.size);
    const st = stridesOf(aval.shape);
    let off = 0;
    for (const a of args) {
      writeStrided(a.buffer, a.shape, out, off * st[axis], st);
      off += a.shape[axis];
    }
    return [new ConcreteArray(aval.shape, aval.dtype, out)];
  },
  jvp: (primals, tangents, params) => {
    const out = bind1(concatenateP, primals, params);
    if (tangents.every((t) => t instanceof Zero)) return [[out], [new Zero(out.aval)]];
    return [[out], [bind1(concatenateP, tangents.map(instantiate), params)]];
  },
  transpose: ([ct], args, { axis }) => {
    let off = 0;
    return args.map((a) => {
      const aval = undefAval(a);
      const start = off;
      off += aval.shape[axis];
      if (!(a instanceof UndefPrimal)) return null;
      return ct0(ct, aval, (c) => {
        const lo = c.shape.map((_, i) => (i === axis ? start : 0));
        const hi = c.shape.map((n, i) => (i === axis ? start + aval.shape[axis] : n));
        return slice(c, lo, hi);
      });
    });
  },
  batch: (args, dims, { axis }) => {
    const size = args.map((a, i) => (dims[i] === null ? -1 : a.shape[dims[i] as number])).find((n) => n >= 0) ?? 1;
    const moved = args.map((a, i) => {
      const d = dims[i];
      if (d !== null) return moveAxis(a, d, 0);
      return broadcastInDim(
        a,
        [size, ...a.shape],
        a.shape.map((_, k) => k + 1),
      );
    });
    return [[bind1(concatenateP, moved, { axis: axis + 1 })], [0]];
  },
  // Each operand lands at its running offset along the axis; together they cover the output.
  lower: {
    kind: "assemble",
    pieces: (inShapes, _out, p) => {
      const { axis } = p as ConcatParams;
      let off = 0;
      const pieces = inShapes.map((shape, input) => {
        const start = shape.map((_, d) => (d === axis ? off : 0));
        off += shape[axis];
        return { input, start, step: shape.map(() => 1) };
      });
      return { fill: null, pieces };
    },
  },
  onnx: concatenateOnnx,
});

export function concatenate(xs: readonly Array[], axis: number): Array {
  return xs.length === 1 ? xs[0] : bind1(concatenateP, xs, { axis });
}

// ---- gather (take along an axis) and scatter_add ----

/**
 * What an index outside its axis (of size n) does. One rule, applied by the kernels themselves, so
 * eager code, jit, vmap and gradients all agree:
 * - "raise": an index in [-n, n) counts from the end when negative; any other is a ValueError.
 * - "clip": clamped to [0, n-1]; negative indices clamp to 0 (XLA's CLIP, NumPy's "clip").
 * - "fill": an index in [-n, n) counts from the end; any other reads the fill value, and its
 *   scatter_add update is dropped (XLA's FILL_OR_DROP, the default of JAX's `jnp.take`).
 * - "wrap": taken modulo n.
 */
export type IndexMode = "raise" | "clip" | "fill" | "wrap";

export const INDEX_MODES: readonly IndexMode[] = ["raise", "clip", "fill", "wrap"];

interface IndexParams extends Params {
  /** The operand axis that is indexed. */
  axis: number;
  /**
   * Leading dims that operand and indices share one to one (vmap adds them): the indices of
   * example b only ever address example b of the operand, whatever their values.
   */
  batchDims: number;
  mode: IndexMode;
}

export interface GatherParams extends IndexParams {
  /** Mode "fill": the value read out of bounds; null is JAX's default for the dtype (see defaultFill). */
  fillValue: number | null;
}

export type ScatterParams = IndexParams;

/** JAX's out-of-bounds fill: NaN for floats, the minimum of int32, the maximum of uint32, true. */
function defaultFill(dtype: DType): number {
  switch (dtype) {
    case "float32":
    case "float64":
      return Number.NaN;
    case "int32":
      return -(2 ** 31);
    case "uint32":
      return 2 ** 32 - 1;
    case "bool":
      return 1;
  }
}

/** [...operand dims before axis, ...index dims after the batch dims, ...operand dims after axis]. */
function gatherShape(x: Shape, idx: Shape, axis: number, batchDims: number): number[] {
  return [...x.slice(0, axis), ...idx.slice(batchDims), ...x.slice(axis + 1)];
}

function checkIndices(op: string, x: ShapedArray, idx: ShapedArray, p: IndexParams): void {
  const { axis, batchDims: nb, mode } = p;
  if (idx.dtype !== "int32" && idx.dtype !== "uint32") {
    throw new DTypeError(`${op}: indices must be int32, got ${idx.str()}; cast with astype('int32')`);
  }
  if (!INDEX_MODES.includes(mode)) {
    throw new ValueError(`${op}: mode ${JSON.stringify(mode)} is not one of ${INDEX_MODES.join(", ")}`);
  }
  if (!Number.isInteger(nb) || nb < 0 || nb > idx.ndim || !shapesEqual(x.shape.slice(0, nb), idx.shape.slice(0, nb))) {
    throw new ShapeError(`${op}: ${nb} batch dims do not pair up operand ${x.str()} with indices ${idx.str()}`);
  }
  if (!Number.isInteger(axis) || axis < nb || axis >= x.ndim) {
    throw new ShapeError(`${op}: axis ${axis} is out of range for ${x.str()}`);
  }
  if (x.shape[axis] === 0 && idx.size > 0) {
    throw new ValueError(`${op}: cannot index into axis ${axis} of ${x.str()}: it is empty`);
  }
}

function outOfBounds(op: string, k: number, n: number, batchShape: Shape, b: number): ValueError {
  let where = "";
  if (batchShape.length > 0) {
    const at = stridesOf(batchShape).map((s, i) => Math.floor(b / s) % batchShape[i]);
    where = ` in example ${JSON.stringify(at)} of a vmap batch`;
  }
  return new ValueError(
    `${op}: index ${k} is out of bounds for an axis of size ${n} (valid: ${-n}..${n - 1})${where}; ` +
      `pass { mode: "clip" }, { mode: "fill" } or { mode: "wrap" } to np.take to allow such indices`,
  );
}

/**
 * Every index resolved to a position along the axis under `mode` (-1: out of bounds, "fill").
 * Row b (of `m` indices) belongs to example b of the batch dims, so no index can reach another
 * example's data.
 */
function resolveIndices(op: string, idx: ConcreteArray, n: number, p: IndexParams): Int32Array {
  const ib = idx.buffer;
  const out = new Int32Array(ib.length);
  const m = sizeOf(idx.shape.slice(p.batchDims));
  for (let t = 0; t < ib.length; t++) {
    const k = ib[t];
    if (p.mode === "clip") out[t] = k < 0 ? 0 : k >= n ? n - 1 : k;
    else if (p.mode === "wrap") out[t] = ((k % n) + n) % n;
    else {
      const j = k < 0 ? k + n : k;
      if (j >= 0 && j < n) out[t] = j;
      else if (p.mode === "fill") out[t] = -1;
      else throw outOfBounds(op, k, n, idx.shape.slice(0, p.batchDims), Math.floor(t / m));
    }
  }
  return out;
}

/** Loop sizes of an indexed operand: [batch, before axis, axis, after axis, indices per example]. */
function indexLoops(x: Shape, idx: Shape, { axis, batchDims: nb }: IndexParams): number[] {
  return [sizeOf(x.slice(0, nb)), sizeOf(x.slice(nb, axis)), x[axis], sizeOf(x.slice(axis + 1)), sizeOf(idx.slice(nb))];
}

/** `x` with its batch dim (or a broadcast one, when unbatched) at `to`. */
function batchAt(x: Array, d: BDim, to: number, size: number): Array {
  if (d !== null) return moveAxis(x, d, to);
  const shape = [...x.shape];
  shape.splice(to, 0, size);
  return broadcastInDim(
    x,
    shape,
    x.shape.map((_, i) => (i < to ? i : i + 1)),
  );
}

export const gatherP: Primitive<GatherParams> = definePrimitive<GatherParams>("gather", {
  abstractEval: ([x, idx], p) => {
    checkIndices("take", x, idx, p);
    return [new ShapedArray(gatherShape(x.shape, idx.shape, p.axis, p.batchDims), x.dtype)];
  },
  // Eager calls go straight to the kernel (no abstractEval), so it checks its inputs itself.
  impl: ([x, idx], p) => {
    checkIndices("take", x.aval, idx.aval, p);
    const shape = gatherShape(x.shape, idx.shape, p.axis, p.batchDims);
    const out = allocate(x.dtype, sizeOf(shape));
    const [batch, outer, n, inner, m] = indexLoops(x.shape, idx.shape, p);
    const pos = resolveIndices("take", idx, n, p);
    const fill = p.mode === "fill" ? castScalar(x.dtype, p.fillValue ?? defaultFill(x.dtype)) : 0;
    const xb = x.buffer;
    let o = 0;
    for (let b = 0; b < batch; b++) {
      for (let a = 0; a < outer; a++) {
        const base = (b * outer + a) * n;
        for (let j = 0; j < m; j++) {
          const r = pos[b * m + j];
          if (r < 0) {
            out.fill(fill, o, o + inner);
            o += inner;
            continue;
          }
          const src = (base + r) * inner;
          for (let k = 0; k < inner; k++) out[o++] = xb[src + k];
        }
      }
    }
    return [new ConcreteArray(shape, x.dtype, out)];
  },
  // Linear in x; a filled element is a constant, so its tangent is 0.
  jvp: ([x, idx], [tx], p) => {
    const out = bind1(gatherP, [x, idx], p);
    if (tx instanceof Zero) return [[out], [new Zero(out.aval)]];
    return [[out], [bind1(gatherP, [tx, idx], { ...p, fillValue: 0 })]];
  },
  transpose: ([ct], [x, idx], { axis, batchDims, mode }) => {
    if (idx instanceof UndefPrimal) throw new DTypeError("take: indices cannot be a linear input");
    const aval = undefAval(x);
    return [ct0(ct, aval, (c) => scatterAdd(zerosOf(aval), idx, c, axis, { batchDims, mode })), null];
  },
  batch: ([x, idx], [dx, di], p) => {
    const nb = p.batchDims;
    // Only x mapped: its mapped axis is one more operand axis before `axis`.
    if (di === null) return [[bind1(gatherP, [moveAxis(x, dx as number, nb), idx], { ...p, axis: p.axis + 1 })], [nb]];
    // Only the indices mapped: their mapped axis is one more index axis, which lands at `axis`.
    if (dx === null) return [[bind1(gatherP, [x, moveAxis(idx, di, nb)], p)], [p.axis]];
    // Both: one more shared batch dim, so example b's indices only ever read example b's x.
    const both = { ...p, axis: p.axis + 1, batchDims: nb + 1 };
    return [[bind1(gatherP, [moveAxis(x, dx, 0), moveAxis(idx, di, 0)], both)], [0]];
  },
  lower: { kind: "kernel" },
  onnx: gatherOnnx,
});

export interface GatherOptions {
  batchDims?: number;
  mode?: IndexMode;
  fillValue?: number | null;
}

export function gather(x: Array, indices: Array, axis: number, opts: GatherOptions = {}): Array {
  return bind1(gatherP, [x, indices], {
    axis,
    batchDims: opts.batchDims ?? 0,
    mode: opts.mode ?? "raise",
    fillValue: opts.fillValue ?? null,
  });
}

function scatterCheck(op: ShapedArray, idx: ShapedArray, upd: ShapedArray, p: ScatterParams): void {
  checkIndices("scatter_add", op, idx, p);
  const want = gatherShape(op.shape, idx.shape, p.axis, p.batchDims);
  if (upd.dtype !== op.dtype || !shapesEqual(upd.shape, want)) {
    throw new ShapeError(
      `scatter_add: updates ${upd.str()} must have dtype ${op.dtype} and shape ${shapeStr(want)} ` +
        `(operand ${op.str()}, indices ${idx.str()}, axis ${p.axis})`,
    );
  }
}

/**
 * `scatter_add(operand, indices, updates)`: operand with updates added at the indices (the
 * transpose of gather). Out-of-bounds indices follow the same modes; "fill" drops the update.
 */
export const scatterAddP: Primitive<ScatterParams> = definePrimitive<ScatterParams>("scatter_add", {
  abstractEval: ([op, idx, upd], p) => {
    scatterCheck(op, idx, upd, p);
    return [op];
  },
  impl: ([op, idx, upd], p) => {
    scatterCheck(op.aval, idx.aval, upd.aval, p);
    const out = op.buffer.slice();
    const [batch, outer, n, inner, m] = indexLoops(op.shape, idx.shape, p);
    const pos = resolveIndices("scatter_add", idx, n, p);
    const ub = upd.buffer;
    let u = 0;
    for (let b = 0; b < batch; b++) {
      for (let a = 0; a < outer; a++) {
        const base = (b * outer + a) * n;
        for (let j = 0; j < m; j++) {
          const r = pos[b * m + j];
          if (r < 0) {
            u += inner;
            continue;
          }
          const dst = (base + r) * inner;
          for (let k = 0; k < inner; k++) out[dst + k] += ub[u++];
        }
      }
    }
    return [new ConcreteArray(op.shape, op.dtype, out)];
  },
  jvp: ([op, idx, upd], [to, , tu], p) => {
    const out = bind1(scatterAddP, [op, idx, upd], p);
    if (to instanceof Zero && tu instanceof Zero) return [[out], [new Zero(out.aval)]];
    return [[out], [bind1(scatterAddP, [instantiate(to), idx, instantiate(tu)], p)]];
  },
  transpose: ([ct], [op, idx, upd], { axis, batchDims, mode }) => {
    if (idx instanceof UndefPrimal) throw new DTypeError("scatter_add: indices cannot be a linear input");
    const ctOp = op instanceof UndefPrimal ? ct : null;
    // A dropped update ("fill") had no effect: its cotangent is 0.
    const ctUpd =
      upd instanceof UndefPrimal ? ct0(ct, upd.aval, (c) => gather(c, idx, axis, { batchDims, mode, fillValue: 0 })) : null;
    return [ctOp, null, ctUpd];
  },
  batch: ([op, idx, upd], dims, p) => {
    const nb = p.batchDims;
    const size = [op, idx, upd].map((a, i) => (dims[i] === null ? -1 : a.shape[dims[i] as number])).find((n) => n >= 0) as number;
    if (dims[1] === null) {
      // Unmapped indices: the mapped axis is one more operand (and update) axis before `axis`.
      const o = batchAt(op, dims[0], nb, size);
      const u = batchAt(upd, dims[2], nb, size);
      return [[bind1(scatterAddP, [o, idx, u], { ...p, axis: p.axis + 1 })], [nb]];
    }
    const [o, i, u] = [op, idx, upd].map((a, k) => batchAt(a, dims[k], 0, size));
    return [[bind1(scatterAddP, [o, i, u], { ...p, axis: p.axis + 1, batchDims: nb + 1 })], [0]];
  },
  lower: { kind: "kernel" },
  onnx: scatterAddOnnx,
});

export function scatterAdd(
  operand: Array,
  indices: Array,
  updates: Array,
  axis: number,
  opts: Omit<GatherOptions, "fillValue"> = {},
): Array {
  return bind1(scatterAddP, [operand, indices, updates], { axis, batchDims: opts.batchDims ?? 0, mode: opts.mode ?? "raise" });
}
