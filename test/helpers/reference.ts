/**
 * Naive reference implementations for the foundation tests: plain index loops over flat
 * row-major `number[]` data. No oracle calls into axle (only the bridges at the end do), so a
 * bug in axle's kernels cannot hide behind the same bug in the oracle.
 */
import fc from "fast-check";
import type { Array as AxArray } from "../../src/index.js";
import { np } from "../../src/index.js";

/** A reference n-d array: shape plus row-major values. */
export interface Ref {
  shape: number[];
  data: number[];
}

export type RefDType = "float32" | "float64" | "int32" | "uint32" | "bool";

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Multi-index of flat position `flat` in `shape` (row-major). */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

/** Flat position of multi-index `idx` in `shape` (row-major). */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let flat = 0;
  for (let i = 0; i < shape.length; i++) flat = flat * shape[i] + idx[i];
  return flat;
}

/**
 * Round a JS number as a buffer of `dtype` stores it: by storing it in a one-element typed array
 * (the platform's own conversion), independent of axle's `castScalar`. bool is "non-zero" (so
 * NaN is true), as NumPy's astype(bool). Integers wrap, so use it only for in-range values when
 * checking float → int casts, which saturate (see test/numpy/casts.test.ts).
 */
export function castRef(dtype: RefDType, x: number): number {
  if (dtype === "bool") return x !== 0 ? 1 : 0;
  const cell =
    dtype === "float32"
      ? new Float32Array(1)
      : dtype === "float64"
        ? new Float64Array(1)
        : dtype === "int32"
          ? new Int32Array(1)
          : new Uint32Array(1);
  cell[0] = x;
  return cell[0];
}

/** NumPy broadcasting of shapes, or null when they are incompatible. */
export function broadcastShapesRef(...shapes: (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      if (s[i] === 1 || s[i] === out[j]) continue;
      if (out[j] !== 1) return null;
      out[j] = s[i];
    }
  }
  return out;
}

/** The element of `r` that broadcasts to multi-index `outIdx` of a larger result. */
export function atBroadcast(r: Ref, outIdx: readonly number[]): number {
  const lead = outIdx.length - r.shape.length;
  let flat = 0;
  for (let i = 0; i < r.shape.length; i++) {
    const k = r.shape[i] === 1 ? 0 : outIdx[lead + i];
    flat = flat * r.shape[i] + k;
  }
  return r.data[flat];
}

/** Apply `f` elementwise over broadcast operands. */
export function mapRef(refs: readonly Ref[], f: (...xs: number[]) => number): Ref {
  const shape = broadcastShapesRef(...refs.map((r) => r.shape));
  if (shape === null) throw new Error("mapRef: shapes do not broadcast");
  const n = sizeOf(shape);
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    const idx = unravel(i, shape);
    data.push(f(...refs.map((r) => atBroadcast(r, idx))));
  }
  return { shape, data };
}

/** Normalise an axis spec the way NumPy does (undefined/null = all axes). */
export function axesRef(axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === undefined || axis === null) return [...Array(ndim).keys()];
  const list = typeof axis === "number" ? [axis] : [...axis];
  return list.map((a) => (a < 0 ? a + ndim : a)).sort((a, b) => a - b);
}

/**
 * Reduce over `axes` by collecting each output cell's values in row-major order and handing
 * them to `f` (so the oracle for mean/var/argmax is just a function of a list).
 */
export function reduceRef(r: Ref, axes: readonly number[], f: (vals: number[]) => number, keepdims = false): Ref {
  const keptShape = r.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups: number[][] = Array.from({ length: sizeOf(keptShape) }, () => []);
  for (let i = 0; i < r.data.length; i++) {
    const idx = unravel(i, r.shape).map((k, a) => (axes.includes(a) ? 0 : k));
    groups[ravel(idx, keptShape)].push(r.data[i]);
  }
  const shape = keepdims ? keptShape : r.shape.filter((_, i) => !axes.includes(i));
  return { shape, data: groups.map(f) };
}

export const sumList = (v: number[]): number => v.reduce((a, b) => a + b, 0);
export const prodList = (v: number[]): number => v.reduce((a, b) => a * b, 1);
export const meanList = (v: number[]): number => sumList(v) / v.length;
export const varList = (v: number[]): number => {
  const m = meanList(v);
  return sumList(v.map((x) => (x - m) ** 2)) / v.length;
};
export const maxList = (v: number[]): number => v.reduce((a, b) => Math.max(a, b));
export const minList = (v: number[]): number => v.reduce((a, b) => Math.min(a, b));
/** First index of the maximum, as NumPy's argmax. */
export const argmaxList = (v: number[]): number => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);
export const argminList = (v: number[]): number => v.reduce((best, x, i) => (x < v[best] ? i : best), 0);
export const logsumexpList = (v: number[]): number => {
  const m = maxList(v);
  return m + Math.log(sumList(v.map((x) => Math.exp(x - m))));
};

export function transposeRef(r: Ref, perm: readonly number[]): Ref {
  const shape = perm.map((p) => r.shape[p]);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(r.shape.length);
    perm.forEach((p, k) => {
      src[p] = idx[k];
    });
    data.push(r.data[ravel(src, r.shape)]);
  }
  return { shape, data };
}

/** The indices Python's `range(*slice(start, stop, step).indices(n))` visits. */
export function sliceIndices(n: number, start: number | null, stop: number | null, step: number): number[] {
  const out: number[] = [];
  if (step > 0) {
    const clamp = (v: number) => (v < 0 ? Math.max(v + n, 0) : Math.min(v, n));
    const b = start === null ? 0 : clamp(start);
    const e = stop === null ? n : clamp(stop);
    for (let i = b; i < e; i += step) out.push(i);
  } else {
    const clamp = (v: number) => (v < 0 ? Math.max(v + n, -1) : Math.min(v, n - 1));
    const b = start === null ? n - 1 : clamp(start);
    const e = stop === null ? -1 : clamp(stop);
    for (let i = b; i > e; i += step) out.push(i);
  }
  return out;
}

export type RefSliceSpec = number | null | readonly [number | null, number | null, number | null];

/** x[spec0, spec1, …] with Python semantics (integers drop their axis). */
export function sliceRef(r: Ref, specs: readonly RefSliceSpec[]): Ref {
  const picks: number[][] = [];
  const keep: boolean[] = [];
  r.shape.forEach((n, i) => {
    const s = specs[i] ?? null;
    if (s === null) {
      picks.push([...Array(n).keys()]);
      keep.push(true);
    } else if (typeof s === "number") {
      picks.push([s < 0 ? s + n : s]);
      keep.push(false);
    } else {
      picks.push(sliceIndices(n, s[0], s[1], s[2] ?? 1));
      keep.push(true);
    }
  });
  const full = picks.map((p) => p.length);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(full); i++) {
    const idx = unravel(i, full).map((k, a) => picks[a][k]);
    data.push(r.data[ravel(idx, r.shape)]);
  }
  return { shape: full.filter((_, i) => keep[i]), data };
}

export function concatRef(rs: readonly Ref[], axis: number): Ref {
  const shape = [...rs[0].shape];
  shape[axis] = rs.reduce((a, r) => a + r.shape[axis], 0);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    let k = idx[axis];
    let j = 0;
    while (k >= rs[j].shape[axis]) k -= rs[j++].shape[axis];
    const src = [...idx];
    src[axis] = k;
    data.push(rs[j].data[ravel(src, rs[j].shape)]);
  }
  return { shape, data };
}

export function stackRef(rs: readonly Ref[], axis: number): Ref {
  const shape = [...rs[0].shape];
  shape.splice(axis, 0, rs.length);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape);
    const j = idx[axis];
    idx.splice(axis, 1);
    data.push(rs[j].data[ravel(idx, rs[j].shape)]);
  }
  return { shape, data };
}

export function flipRef(r: Ref, axes: readonly number[]): Ref {
  const data = r.data.map((_, i) => {
    const idx = unravel(i, r.shape).map((k, a) => (axes.includes(a) ? r.shape[a] - 1 - k : k));
    return r.data[ravel(idx, r.shape)];
  });
  return { shape: [...r.shape], data };
}

export function padRef(r: Ref, widths: readonly (readonly [number, number])[], value: number): Ref {
  const shape = r.shape.map((d, i) => d + widths[i][0] + widths[i][1]);
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const idx = unravel(i, shape).map((k, a) => k - widths[a][0]);
    const inside = idx.every((k, a) => k >= 0 && k < r.shape[a]);
    data.push(inside ? r.data[ravel(idx, r.shape)] : value);
  }
  return { shape, data };
}

/** np.take along `axis` with (possibly negative) integer indices of any shape. */
/**
 * NumPy/JAX take along `axis`. Out-of-range indices follow `mode`: "clip" clamps the raw index to
 * [0, n-1], "wrap" takes it modulo n, "fill" counts a negative index from the end once and reads
 * `fill` beyond that; "raise" (the default here) assumes every index is in [-n, n).
 */
export function takeRef(r: Ref, idx: Ref, axis: number, mode: "raise" | "clip" | "fill" | "wrap" = "raise", fill = NaN): Ref {
  const n = r.shape[axis];
  const shape = [...r.shape.slice(0, axis), ...idx.shape, ...r.shape.slice(axis + 1)];
  const data: number[] = [];
  for (let i = 0; i < sizeOf(shape); i++) {
    const o = unravel(i, shape);
    const inner = o.slice(axis, axis + idx.shape.length);
    let k = idx.data[ravel(inner, idx.shape)];
    if (mode === "clip") k = Math.min(Math.max(k, 0), n - 1);
    else if (mode === "wrap") k = ((k % n) + n) % n;
    else if (k < 0) k += n;
    if (k < 0 || k >= n) {
      data.push(fill);
      continue;
    }
    const src = [...o.slice(0, axis), k, ...o.slice(axis + idx.shape.length)];
    data.push(r.data[ravel(src, r.shape)]);
  }
  return { shape, data };
}

/** NumPy matmul: 1-D operands get a unit axis (removed again), batch dims broadcast. */
export function matmulRef(a: Ref, b: Ref): Ref {
  const as = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const [m, k] = as.slice(-2);
  const n = bs[bs.length - 1];
  const batch = broadcastShapesRef(as.slice(0, -2), bs.slice(0, -2));
  if (batch === null) throw new Error("matmulRef: batch dims do not broadcast");
  const A: Ref = { shape: as, data: a.data };
  const B: Ref = { shape: bs, data: b.data };
  const full = [...batch, m, n];
  const data: number[] = [];
  for (let f = 0; f < sizeOf(full); f++) {
    const idx = unravel(f, full);
    const bi = idx.slice(0, -2);
    const [i, j] = idx.slice(-2);
    let s = 0;
    for (let p = 0; p < k; p++) s += atBroadcast(A, [...bi, i, p]) * atBroadcast(B, [...bi, p, j]);
    data.push(s);
  }
  let shape = full;
  if (a.shape.length === 1) shape = [...shape.slice(0, -2), shape[shape.length - 1]];
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  return { shape, data };
}

/** Values equal within `rtol`/`atol` (NaN equals NaN; infinities must match exactly). */
export function closeTo(actual: number, expected: number, rtol = 0, atol = 0): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

/** A readable description of the first mismatch, or null when `actual` matches `expected`. */
export function mismatch(
  actual: { shape: readonly number[]; data: ArrayLike<number> },
  expected: Ref,
  rtol = 0,
  atol = 0,
): string | null {
  const sa = JSON.stringify([...actual.shape]);
  const se = JSON.stringify(expected.shape);
  if (sa !== se) return `shape ${sa}, expected ${se}`;
  for (let i = 0; i < expected.data.length; i++) {
    if (!closeTo(actual.data[i], expected.data[i], rtol, atol)) {
      return `at flat index ${i} (${JSON.stringify(unravel(i, expected.shape))}): got ${actual.data[i]}, expected ${expected.data[i]}`;
    }
  }
  return null;
}

// ---- arbitraries -------------------------------------------------------------------------

/** A shape of rank ≤ maxRank with dims in [minDim, maxDim]. */
export const shapeArb = (maxRank = 4, minDim = 1, maxDim = 4): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: minDim, max: maxDim }), { maxLength: maxRank });

/** Values that are exact in float32 (multiples of 1/8 in [-8, 8]), so sums are exact too. */
export const exactValueArb = fc.integer({ min: -64, max: 64 }).map((k) => k / 8);

/** Data of a given shape. */
export const dataArb = (shape: readonly number[], value: fc.Arbitrary<number> = exactValueArb): fc.Arbitrary<Ref> =>
  fc.array(value, { minLength: sizeOf(shape), maxLength: sizeOf(shape) }).map((data) => ({ shape: [...shape], data }));

/** A random array (shape and data). */
export const refArb = (maxRank = 4, maxDim = 4, value: fc.Arbitrary<number> = exactValueArb): fc.Arbitrary<Ref> =>
  shapeArb(maxRank, 1, maxDim).chain((s) => dataArb(s, value));

/**
 * `count` shapes that broadcast together: start from an output shape, then per operand drop
 * some leading axes and set some dims to 1.
 */
export const broadcastShapesArb = (count: number, maxRank = 4): fc.Arbitrary<number[][]> =>
  shapeArb(maxRank, 0, 3).chain((out) =>
    fc.tuple(
      ...Array.from({ length: count }, () =>
        fc
          .tuple(
            fc.integer({ min: 0, max: out.length }),
            fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
          )
          .map(([drop, ones]) => out.map((d, i) => (ones[i] ? 1 : d)).slice(drop)),
      ),
    ),
  );

/** Two shapes that do not broadcast: some aligned dims differ and neither is 1. */
export const incompatibleShapesArb: fc.Arbitrary<[number[], number[]]> = fc
  .tuple(
    shapeArb(2, 1, 3),
    shapeArb(2, 1, 3),
    shapeArb(2, 1, 3),
    fc.integer({ min: 2, max: 4 }),
    fc.integer({ min: 1, max: 3 }),
    fc.boolean(),
  )
  .map(([a, b, tail, d, delta, swap]) => {
    // A clashing pair (d vs d + delta, both ≥ 2) at the same position from the end.
    const x = [...a, d, ...tail];
    const y = [...b, d + delta, ...tail];
    return (swap ? [y, x] : [x, y]) as [number[], number[]];
  });

// ---- bridges (the only place axle appears: converting to and from the oracle's format) ----

const BUFFER = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint32: Uint32Array,
  bool: Uint8Array,
} as const;

/** An axle array holding `r`'s values (cast to `dtype`). */
export function fromRef(r: Ref, dtype: RefDType = "float32"): AxArray {
  const buf = BUFFER[dtype].from(r.data.map((v) => castRef(dtype, v)));
  return np.reshape(np.array(buf, dtype), r.shape);
}

/** `x`'s shape and values as a plain Ref. */
export function toRef(x: AxArray): Ref {
  return { shape: [...x.shape], data: Array.from(x.data()) };
}

/** `r` with every value rounded as `dtype` stores it. */
export function castAll(r: Ref, dtype: RefDType): Ref {
  return { shape: r.shape, data: r.data.map((v) => castRef(dtype, v)) };
}
