/**
 * Eager kernels of elementwise primitives, generated from the scalar expression that the
 * primitive's lowering gives every backend (rendered to JS by `ir/scalar-js.ts`). Generated loops
 * keep each primitive's inner loop monomorphic, which is what makes them run at the speed of a
 * hand-written loop.
 */
import { ConcreteArray } from "../core/array.js";
import { allocate, type DType, type TypedArray } from "../core/dtype.js";
import { inputsOf, type ScalarExpr } from "../core/scalar.js";
import { renderJs } from "../core/scalar-js.js";
import { type Shape, shapesEqual, sizeOf, stridesOf } from "../core/shape.js";

/** `(out0, …, out(k-1), n, in0, …)`: k outputs of n elements each. */
export type FlatKernel = (...args: (TypedArray | number)[]) => void;
/** `(out0, …, out(k-1), shape, strides, in0, …)`. */
export type StridedKernel = (...args: (TypedArray | readonly number[] | readonly (readonly number[])[])[]) => void;

/** Where generated kernels are kept: a plain map for per-primitive kernels (a bounded set). */
export interface KernelCache<K> {
  get(key: string): K | undefined;
  set(key: string, value: K): unknown;
}

const flatCache = new Map<string, FlatKernel>();
const stridedCache = new Map<string, StridedKernel>();

function vars(n: number): string[] {
  return [...Array(n).keys()].map((i) => `x${i}`);
}

/** The statements and the output values of one element (`renderJs` / `renderJsMany`). */
export interface Body {
  stmts: string[];
  values: string[];
}

const outName = (k: number) => (k === 0 ? "out" : `out${k}`);
const outNames = (n: number) => [...Array(n).keys()].map(outName);
const stores = (values: readonly string[], index: string) => values.map((v, k) => `${outName(k)}[${index}] = ${v};`).join(" ");

/** Loop over same-size inputs, where `scalarMask[i]` marks a size-1 input (hoisted). */
function flatKernel(
  key: string,
  expr: () => Body,
  scalarMask: readonly boolean[],
  nOut = 1,
  cache: KernelCache<FlatKernel> = flatCache,
): FlatKernel {
  let k = `${key}|`;
  for (const m of scalarMask) k += m ? "1" : "0";
  let fn = cache.get(k);
  if (fn === undefined) {
    const n = scalarMask.length;
    const params = vars(n).map((_, i) => `in${i}`);
    const hoisted = scalarMask.map((s, i) => (s ? `const x${i} = in${i}[0];` : "")).join("\n");
    const loads = scalarMask.map((s, i) => (s ? "" : `const x${i} = in${i}[i];`)).join(" ");
    const e = expr();
    const body = `${hoisted}\nfor (let i = 0; i < n; i++) { ${loads} ${e.stmts.join(" ")} ${stores(e.values, "i")} }`;
    fn = new Function(...outNames(nOut), "n", ...params, body) as FlatKernel;
    cache.set(k, fn);
  }
  return fn;
}

/** General broadcasting loop: an odometer over the outer dims, strided inner loop. */
function stridedKernel(
  key: string,
  expr: () => Body,
  n: number,
  nOut = 1,
  cache: KernelCache<StridedKernel> = stridedCache,
): StridedKernel {
  let fn = cache.get(key);
  if (fn === undefined) {
    const params = vars(n).map((_, i) => `in${i}`);
    const decl = vars(n)
      .map((_, i) => `const st${i} = strides[${i}]; const s${i} = st${i}[nd - 1]; let b${i} = 0;`)
      .join("\n");
    const ptrs = vars(n)
      .map((_, i) => `let p${i} = b${i};`)
      .join(" ");
    const loads = vars(n)
      .map((_, i) => `const x${i} = in${i}[p${i}]; p${i} += s${i};`)
      .join(" ");
    const bump = vars(n)
      .map((_, i) => `b${i} += st${i}[d];`)
      .join(" ");
    const unbump = vars(n)
      .map((_, i) => `b${i} -= st${i}[d] * shape[d];`)
      .join(" ");
    const e = expr();
    const body = `
const nd = shape.length;
const last = shape[nd - 1];
let outer = 1;
for (let d = 0; d < nd - 1; d++) outer *= shape[d];
const idx = new Int32Array(nd);
${decl}
let o = 0;
for (let r = 0; r < outer; r++) {
  ${ptrs}
  for (let j = 0; j < last; j++) { ${loads} ${e.stmts.join(" ")} ${stores(e.values, "o")} o++; }
  for (let d = nd - 2; d >= 0; d--) {
    idx[d]++; ${bump}
    if (idx[d] < shape[d]) break;
    idx[d] = 0; ${unbump}
  }
}`;
    fn = new Function(...outNames(nOut), "shape", "strides", ...params, body) as StridedKernel;
    cache.set(key, fn);
  }
  return fn;
}

/** Element strides of `shape` broadcast to `outShape` (0 along broadcast dimensions). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const st = stridesOf(shape);
  const pad = outShape.length - shape.length;
  return outShape.map((_, j) => {
    const i = j - pad;
    return i < 0 || shape[i] === 1 ? 0 : st[i];
  });
}

/**
 * Run a scalar lowering over inputs that broadcast to `outShape`. `key` names the lowering and
 * its params for the kernel cache (the expression is only built when a kernel is generated).
 */
export function runScalar(
  key: string,
  lowering: (...xs: ScalarExpr[]) => ScalarExpr,
  outShape: Shape,
  ins: readonly ConcreteArray[],
): ConcreteArray {
  let outDtype: DType | undefined;
  const build = (): ScalarExpr => lowering(...inputsOf(ins.map((a) => a.dtype)));
  const expr = (): Body => {
    const r = renderJs(build(), (i) => `x${i}`);
    return { stmts: r.stmts, values: [r.value] };
  };
  // The output dtype is the expression's; building it once per key is cheap and cached.
  let k = key;
  for (const a of ins) k += `|${a.dtype}`;
  outDtype = outDtypes.get(k);
  if (outDtype === undefined) {
    outDtype = build().dtype;
    outDtypes.set(k, outDtype);
  }
  return runKernel(key, expr, outDtype, outShape, ins);
}

const outDtypes = new Map<string, DType>();

function runKernel(name: string, expr: () => Body, outDtype: DType, outShape: Shape, ins: readonly ConcreteArray[]) {
  const size = sizeOf(outShape);
  const out = allocate(outDtype, size);
  if (size === 0) return new ConcreteArray(outShape, outDtype, out);
  let key = `${name}|${outDtype}`;
  for (const a of ins) key += `|${a.dtype}`;
  const bufs = ins.map((a) => a.buffer);
  const flat = ins.every((a) => a.size === 1 || shapesEqual(a.shape, outShape));
  if (flat) {
    flatKernel(
      key,
      expr,
      ins.map((a) => a.size === 1 && size !== 1),
    )(out, size, ...bufs);
  } else {
    const strides = ins.map((a) => broadcastStrides(a.shape, outShape));
    stridedKernel(key, expr, ins.length)(out, outShape, strides, ...bufs);
  }
  return new ConcreteArray(outShape, outDtype, out);
}

/** Where fused kernels are kept (bounded by their owner, unlike the per-primitive maps). */
export interface FusedKernelCaches {
  flat: KernelCache<FlatKernel>;
  strided: KernelCache<StridedKernel>;
}

/**
 * Run one generated kernel with several outputs of `outShape` over inputs that broadcast to it
 * (a fused eager expression: `key` names its structure, `expr` renders it on a cache miss).
 */
export function runFused(
  key: string,
  expr: () => Body,
  outDtypes: readonly DType[],
  outShape: Shape,
  ins: readonly ConcreteArray[],
  caches: FusedKernelCaches,
): TypedArray[] {
  const size = sizeOf(outShape);
  const outs = outDtypes.map((d) => allocate(d, size));
  if (size === 0) return outs;
  let k = key;
  for (const d of outDtypes) k += `|${d}`;
  for (const a of ins) k += `|${a.dtype}`;
  const bufs = ins.map((a) => a.buffer);
  // An input of the output's size has its layout (broadcasting can only add leading 1-dims).
  if (ins.every((a) => a.size === 1 || a.size === size)) {
    const mask = ins.map((a) => a.size === 1 && size !== 1);
    flatKernel(k, expr, mask, outs.length, caches.flat)(...outs, size, ...bufs);
  } else {
    const strides = ins.map((a) => broadcastStrides(a.shape, outShape));
    stridedKernel(k, expr, ins.length, outs.length, caches.strided)(...outs, outShape, strides, ...bufs);
  }
  return outs;
}
