/** Reductions over a set of axes (reduce_sum/max/min/prod) and argmax/argmin over one axis. */
import { type Array, ConcreteArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { allocate, type DType, isFloat } from "../core/dtype.js";
import { AxisError, DTypeError, ValueError } from "../core/errors.js";
import { type BDim, type Params, type Primitive, type Tangent, type UndefPrimal, Zero } from "../core/primitive.js";
import { range, sizeOf, stridesOf } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import { argOnnx, reduceMaxOnnx, reduceMinOnnx, reduceProdOnnx, reduceSumOnnx } from "../export/onnx/rules.js";
import { add, convert, div, eq, mul } from "./elementwise.js";
import { broadcastInDim, moveAxis, pad, reshape, slice, transpose } from "./movement.js";
import { definePrimitive } from "./registry.js";
import { linearJvp } from "./rules.js";
import { instantiate } from "./zeros.js";

const REDUCE_ONNX = { sum: reduceSumOnnx, max: reduceMaxOnnx, min: reduceMinOnnx, prod: reduceProdOnnx };

interface AxesParams extends Params {
  axes: readonly number[];
}

function checkAxes(name: string, a: ShapedArray, axes: readonly number[]): void {
  const ok = axes.every((ax, i) => Number.isInteger(ax) && ax >= 0 && ax < a.ndim && (i === 0 || ax > axes[i - 1]));
  if (!ok) {
    throw new AxisError(`${name}: axes ${JSON.stringify(axes)} must be increasing and within 0..${a.ndim - 1} for ${a.str()}`);
  }
}

function reducedShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

type Combine = "sum" | "max" | "min" | "prod";

/** Reference reduction: walk the input once, accumulating into the output slot of each element. */
function reduceKernel(a: ConcreteArray, axes: readonly number[], how: Combine, outDtype: DType): ConcreteArray {
  const outShape = reducedShape(a.shape, axes);
  const n = sizeOf(outShape);
  const init = how === "sum" ? 0 : how === "prod" ? 1 : how === "max" ? -Infinity : Infinity;
  // Accumulate in float64 (exact for int32 sums below 2^53; fewer rounding errors for float32).
  const acc = new Float64Array(n).fill(init);
  if (how !== "sum" && how !== "prod" && a.size === 0 && n > 0) {
    throw new ValueError(`reduce_${how}: cannot reduce over an empty axis of ${a.aval.str()} (there is no identity)`);
  }
  const outSt = stridesOf(outShape);
  const st = new globalThis.Array<number>(a.ndim).fill(0);
  let k = 0;
  for (let i = 0; i < a.ndim; i++) if (!axes.includes(i)) st[i] = outSt[k++];
  const buf = a.buffer;
  const nd = a.ndim;
  const size = a.size;
  if (nd === 0 || size === 0) {
    if (size === 1) acc[0] = buf[0];
  } else {
    const idx = new Int32Array(nd);
    let o = 0;
    const last = a.shape[nd - 1];
    const sl = st[nd - 1];
    for (let i = 0; i < size; ) {
      let p = o;
      for (let j = 0; j < last; j++, i++, p += sl) {
        const v = buf[i];
        const cur = acc[p];
        if (how === "sum") acc[p] = cur + v;
        else if (how === "prod") acc[p] = cur * v;
        else if (how === "max") acc[p] = v > cur || v !== v ? v : cur;
        else acc[p] = v < cur || v !== v ? v : cur;
      }
      for (let d = nd - 2; d >= 0; d--) {
        idx[d]++;
        o += st[d];
        if (idx[d] < a.shape[d]) break;
        idx[d] = 0;
        o -= st[d] * a.shape[d];
      }
    }
  }
  const out = allocate(outDtype, n);
  for (let i = 0; i < n; i++) out[i] = acc[i];
  return new ConcreteArray(outShape, outDtype, out);
}

function reduceBatch(prim: () => Primitive<AxesParams>) {
  return ([a]: readonly Array[], [d]: readonly BDim[], { axes }: AxesParams): [Array[], BDim[]] => {
    const bd = d as number;
    const shifted = axes.map((ax) => (ax >= bd ? ax + 1 : ax));
    const outDim = bd - axes.filter((ax) => ax < bd).length;
    return [[bind1(prim(), [a], { axes: shifted })], [outDim]];
  };
}

function defineReduce(
  name: string,
  how: Combine,
  jvp: Primitive<AxesParams>["jvp"],
  transpose: Primitive<AxesParams>["transpose"],
): Primitive<AxesParams> {
  const self: Primitive<AxesParams> = definePrimitive<AxesParams>(name, {
    abstractEval: ([a], { axes }) => {
      checkAxes(name, a, axes);
      if (a.dtype === "bool") {
        throw new DTypeError(`${name}: got ${a.str()}; cast bool arrays with astype('int32') or astype('float32') first`);
      }
      return [new ShapedArray(reducedShape(a.shape, axes), a.dtype)];
    },
    impl: ([a], { axes }) => [reduceKernel(a, axes, how, a.dtype)],
    jvp,
    transpose,
    batch: reduceBatch(() => self),
    lower: { kind: "reduce", op: how, axes: (p) => (p as AxesParams).axes },
    onnx: REDUCE_ONNX[how],
  });
  return self;
}

/** Broadcast a reduced array (or cotangent) back over the reduced axes of `shape`. */
export function expandReduced(x: Array, shape: readonly number[], axes: readonly number[]): Array {
  const kept = range(shape.length).filter((i) => !axes.includes(i));
  return broadcastInDim(x, shape, kept);
}

export const reduceSumP: Primitive<AxesParams> = defineReduce(
  "reduce_sum",
  "sum",
  linearJvp(() => reduceSumP),
  ([ct], [a], { axes }) => {
    const aval = (a as UndefPrimal).aval;
    return [ct instanceof Zero ? new Zero(aval) : expandReduced(ct, aval.shape, axes)];
  },
);

export function reduceSum(x: Array, axes: readonly number[]): Array {
  return axes.length === 0 ? x : bind1(reduceSumP, [x], { axes: [...axes] });
}

// d max(x) = mean of the tangents at the positions that attain the max (ties share equally).
function extremumJvp(prim: () => Primitive<AxesParams>) {
  return ([x]: readonly Array[], [t]: readonly Tangent[], params: AxesParams): [Array[], Tangent[]] => {
    const out = bind1(prim(), [x], params);
    if (t instanceof Zero || !isFloat(x.dtype)) return [[out], [new Zero(out.aval)]];
    const hits = convert(eq(x, expandReduced(out, x.shape, params.axes)), x.dtype);
    const num = reduceSum(mul(instantiate(t), hits), params.axes);
    return [[out], [div(num, reduceSum(hits, params.axes))]];
  };
}

export const reduceMaxP: Primitive<AxesParams> = defineReduce(
  "reduce_max",
  "max",
  extremumJvp(() => reduceMaxP),
  null,
);
export const reduceMinP: Primitive<AxesParams> = defineReduce(
  "reduce_min",
  "min",
  extremumJvp(() => reduceMinP),
  null,
);

export function reduceMax(x: Array, axes: readonly number[]): Array {
  return axes.length === 0 ? x : bind1(reduceMaxP, [x], { axes: [...axes] });
}
export function reduceMin(x: Array, axes: readonly number[]): Array {
  return axes.length === 0 ? x : bind1(reduceMinP, [x], { axes: [...axes] });
}

/**
 * d prod(x) = Σ_i t_i · Π_{j≠i} x_j, computed as JAX does: the JVP of a pairwise product tree.
 * Each level multiplies the first half of the reduced elements by the second half (an odd one
 * out pairs with 1), carrying d(ab) = da·b + a·db, so level k holds N/2^k values and the whole
 * rule takes O(N) memory (no N×N "product of the others"). Nothing is divided, so zeros in x
 * (one or several) give the exact derivative, and every step is a primitive, so the rule
 * differentiates again (grad of grad).
 */
function prodTangent(x: Array, t: Array, axes: readonly number[]): Array {
  const kept = range(x.ndim).filter((i) => !axes.includes(i));
  const keptShape = kept.map((i) => x.shape[i]);
  const n = sizeOf(axes.map((i) => x.shape[i]));
  const r = keptShape.length;
  const group = (v: Array) => reshape(transpose(v, [...kept, ...axes]), [...keptShape, n]);
  const zeros = new globalThis.Array<number>(r).fill(0);
  // Elements [from, to) of the grouped last axis, padded at the end with `fill` up to `len`.
  const part = (v: Array, from: number, to: number, len: number, fill: number): Array => {
    const s = slice(v, [...zeros, from], [...keptShape, to]);
    return to - from === len ? s : pad(s, fill, [...zeros, 0], [...zeros, len - (to - from)]);
  };
  let v = group(x);
  let dv = group(t);
  for (let len = n; len > 1; ) {
    const half = Math.ceil(len / 2);
    const [a, b] = [part(v, 0, half, half, 1), part(v, half, len, half, 1)];
    const [da, db] = [part(dv, 0, half, half, 0), part(dv, half, len, half, 0)];
    dv = add(mul(da, b), mul(a, db));
    if (half > 1) v = mul(a, b);
    len = half;
  }
  return reshape(dv, keptShape);
}

export const reduceProdP: Primitive<AxesParams> = defineReduce(
  "reduce_prod",
  "prod",
  ([x], [t], params) => {
    const out = bind1(reduceProdP, [x], params);
    // The product over an empty axis is the constant 1.
    const empty = params.axes.some((i) => x.shape[i] === 0);
    if (t instanceof Zero || !isFloat(x.dtype) || empty) return [[out], [new Zero(out.aval)]];
    return [[out], [prodTangent(x, instantiate(t), params.axes)]];
  },
  null,
);

export function reduceProd(x: Array, axes: readonly number[]): Array {
  return axes.length === 0 ? x : bind1(reduceProdP, [x], { axes: [...axes] });
}

// ---- argmax / argmin ----

interface ArgParams extends Params {
  axis: number;
}

function argKernel(a: ConcreteArray, axis: number, isMax: boolean): ConcreteArray {
  const outShape = a.shape.filter((_, i) => i !== axis);
  const outer = sizeOf(a.shape.slice(0, axis));
  const n = a.shape[axis];
  const inner = sizeOf(a.shape.slice(axis + 1));
  const out = new Int32Array(outer * inner);
  const b = a.buffer;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < inner; k++) {
      let best = 0;
      let bv = b[o * n * inner + k];
      for (let j = 1; j < n && bv === bv; j++) {
        const v = b[(o * n + j) * inner + k];
        // The first NaN wins, as in NumPy; otherwise the first extreme.
        if (v !== v || (isMax ? v > bv : v < bv)) {
          best = j;
          bv = v;
        }
      }
      out[o * inner + k] = best;
    }
  }
  return new ConcreteArray(outShape, "int32", out);
}

function defineArg(name: string, isMax: boolean): Primitive<ArgParams> {
  const self: Primitive<ArgParams> = definePrimitive<ArgParams>(name, {
    abstractEval: ([a], { axis }) => {
      if (!(Number.isInteger(axis) && axis >= 0 && axis < a.ndim)) {
        throw new AxisError(`${name}: axis ${axis} is out of range for ${a.str()}`);
      }
      if (a.shape[axis] === 0) throw new ValueError(`${name}: cannot take ${name} of an empty axis of ${a.str()}`);
      return [
        new ShapedArray(
          a.shape.filter((_, i) => i !== axis),
          "int32",
        ),
      ];
    },
    impl: ([a], { axis }) => [argKernel(a, axis, isMax)],
    jvp: ([a], _t, params) => {
      const out = bind1(self, [a], params);
      return [[out], [new Zero(out.aval)]];
    },
    transpose: null,
    batch: ([a], [d], { axis }) => {
      const x = moveAxis(a, d as number, 0);
      return [[bind1(self, [x], { axis: axis + 1 })], [0]];
    },
    lower: { kind: "kernel" },
    onnx: argOnnx(isMax),
  });
  return self;
}

export const argmaxP = defineArg("argmax", true);
export const argminP = defineArg("argmin", false);

export function argmax(x: Array, axis: number): Array {
  return bind1(argmaxP, [x], { axis });
}
export function argmin(x: Array, axis: number): Array {
  return bind1(argminP, [x], { axis });
}
