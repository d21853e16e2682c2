/** Movement: reshape (-1), transpose, expandDims, squeeze, broadcastTo, concatenate, stack, split, slice, flip, pad, take. */
import { Array, type ArrayLike, type Axis } from "../core/array.js";
import { checkDType } from "../core/dtype.js";
import { AxisError, DTypeError, ShapeError, ValueError } from "../core/errors.js";
import { broadcastShapes, checkShape, normalizeAxes, normalizeAxis, range, shapeStr, sizeOf } from "../core/shape.js";
import { convert } from "../primitives/elementwise.js";
import * as M from "../primitives/movement.js";
import { asArray, promote } from "./coerce.js";
import { array } from "./creation.js";

/** Reshape; one entry may be -1 (inferred). The size must not change. */
export function reshape(a: ArrayLike, shape: number | readonly number[]): Array {
  const x = asArray("reshape", a);
  const s = typeof shape === "number" ? [shape] : [...shape];
  const unknown = s.filter((d) => d === -1).length;
  if (unknown > 1) throw new ShapeError(`reshape: only one dimension can be -1, got ${shapeStr(s)}`);
  s.forEach((d, i) => {
    if (d !== -1 && (!Number.isInteger(d) || d < 0)) {
      throw new ShapeError(
        `reshape: shape entry ${i} is ${d} in ${shapeStr(s)}; entries must be non-negative integers (or one -1)`,
      );
    }
  });
  if (unknown === 1) {
    const known = sizeOf(s.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(
        `reshape: cannot reshape ${x.aval.str()} (${x.size} elements) to ${shapeStr(s)}: ${x.size} is not divisible by ${known}`,
      );
    }
    s[s.indexOf(-1)] = x.size / known;
  }
  if (sizeOf(s) !== x.size) {
    throw new ShapeError(
      `reshape: cannot reshape ${x.aval.str()} (${x.size} elements) to ${shapeStr(s)} (${sizeOf(s)} elements); ` +
        "the sizes must be equal (one entry may be -1 to infer it)",
    );
  }
  return M.reshape(x, s);
}

/** Permute axes (default: reverse them). */
export function transpose(a: ArrayLike, perm?: readonly number[]): Array {
  const x = asArray("transpose", a);
  if (perm !== undefined && perm !== null && !globalThis.Array.isArray(perm)) {
    throw new AxisError(
      `transpose: the permutation must be a list of axes, got ${JSON.stringify(perm)}; e.g. [1, 0] for ${x.aval.str()}`,
    );
  }
  const p =
    perm === undefined || perm === null ? range(x.ndim).reverse() : perm.map((ax) => normalizeAxis("transpose", ax, x.ndim));
  if (p.length !== x.ndim || new Set(p).size !== p.length) {
    throw new AxisError(`transpose: ${JSON.stringify(perm)} is not a permutation of the ${x.ndim} axes of ${x.aval.str()}`);
  }
  return M.transpose(x, p);
}

export function moveaxis(a: ArrayLike, source: number, destination: number): Array {
  const x = asArray("moveaxis", a);
  return M.moveAxis(x, normalizeAxis("moveaxis", source, x.ndim), normalizeAxis("moveaxis", destination, x.ndim));
}

export function swapaxes(a: ArrayLike, a1: number, a2: number): Array {
  const x = asArray("swapaxes", a);
  const p = range(x.ndim);
  const i = normalizeAxis("swapaxes", a1, x.ndim);
  const j = normalizeAxis("swapaxes", a2, x.ndim);
  [p[i], p[j]] = [p[j], p[i]];
  return M.transpose(x, p);
}

/** Insert size-1 axes at the given positions (of the result). */
export function expandDims(a: ArrayLike, axis: number | readonly number[]): Array {
  const x = asArray("expandDims", a);
  const list = typeof axis === "number" ? [axis] : axis;
  const nd = x.ndim + list.length;
  const axes = normalizeAxes("expandDims", list, nd);
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < nd; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
  return M.reshape(x, shape);
}

/** Remove size-1 axes (all of them, or the given ones, which must have size 1). */
export function squeeze(a: ArrayLike, axis?: Axis): Array {
  const x = asArray("squeeze", a);
  const axes =
    axis === undefined || axis === null ? range(x.ndim).filter((i) => x.shape[i] === 1) : normalizeAxes("squeeze", axis, x.ndim);
  for (const i of axes) {
    if (x.shape[i] !== 1) throw new ShapeError(`squeeze: axis ${i} of ${x.aval.str()} has size ${x.shape[i]}, not 1`);
  }
  return M.reshape(
    x,
    x.shape.filter((_, i) => !axes.includes(i)),
  );
}

/** Broadcast to `shape` under NumPy rules (an error when not compatible). */
export function broadcastTo(a: ArrayLike, shape: readonly number[]): Array {
  const x = asArray("broadcastTo", a);
  const s = checkShape("broadcastTo", shape);
  const out = broadcastShapes("broadcastTo", x.shape, s);
  if (out.length !== s.length || out.some((d, i) => d !== s[i])) {
    throw new ShapeError(`broadcastTo: cannot broadcast ${x.aval.str()} to ${shapeStr(s)}`);
  }
  const lead = s.length - x.ndim;
  return M.broadcastInDim(
    x,
    s,
    range(x.ndim).map((i) => i + lead),
  );
}

export function broadcastArrays(...xs: ArrayLike[]): Array[] {
  const arrs = xs.map((x) => asArray("broadcastArrays", x));
  const s = broadcastShapes("broadcastArrays", ...arrs.map((x) => x.shape));
  return arrs.map((x) => broadcastTo(x, s));
}

/** Join arrays along an existing axis. */
export function concatenate(xs: readonly ArrayLike[], axis = 0): Array {
  if (xs.length === 0) throw new ValueError("concatenate: needs at least one array");
  const arrs = promote("concatenate", ...xs);
  const nd = arrs[0].ndim;
  if (nd === 0) throw new ShapeError("concatenate: zero-dimensional arrays cannot be concatenated; use stack");
  arrs.forEach((x, i) => {
    if (x.ndim !== nd)
      throw new ShapeError(
        `concatenate: array ${i} has rank ${x.ndim} (${x.aval.str()}) but array 0 has rank ${nd}; all must match`,
      );
  });
  return M.concatenate(arrs, normalizeAxis("concatenate", axis, nd));
}

/** Join arrays along a new axis. */
export function stack(xs: readonly ArrayLike[], axis = 0): Array {
  if (xs.length === 0) throw new ValueError("stack: needs at least one array");
  const arrs = promote("stack", ...xs);
  arrs.forEach((x, i) => {
    if (x.ndim !== arrs[0].ndim || x.shape.some((d, k) => d !== arrs[0].shape[k])) {
      throw new ShapeError(
        `stack: array ${i} is ${x.aval.str()} but array 0 is ${arrs[0].aval.str()}; all must have the same shape`,
      );
    }
  });
  const ax = normalizeAxis("stack", axis, arrs[0].ndim + 1);
  return M.concatenate(
    arrs.map((x) => expandDims(x, ax)),
    ax,
  );
}

/** Split into `sections` equal parts, or at the given indices, along `axis`. */
export function split(a: ArrayLike, sections: number | readonly number[], axis = 0): Array[] {
  const x = asArray("split", a);
  const ax = normalizeAxis("split", axis, x.ndim);
  const n = x.shape[ax];
  let cuts: number[];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections <= 0 || n % sections !== 0) {
      throw new ShapeError(`split: axis ${ax} of ${x.aval.str()} (size ${n}) cannot be split into ${sections} equal parts`);
    }
    cuts = range(sections + 1).map((i) => (i * n) / sections);
  } else {
    cuts = [0, ...sections.map((c) => Math.min(Math.max(c < 0 ? c + n : c, 0), n)), n];
  }
  const out: Array[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = x.shape.map((_, k) => (k === ax ? cuts[i] : 0));
    const hi = x.shape.map((d, k) => (k === ax ? Math.max(cuts[i], cuts[i + 1]) : d));
    out.push(M.slice(x, lo, hi));
  }
  return out;
}

/** One axis of a slice spec: `[start, stop, step]` with nulls for defaults (like Python's a:b:c). */
export type SliceSpec = number | null | readonly [number | null, (number | null)?, (number | null)?];

/**
 * Basic slicing: one spec per leading axis; a number picks an index (dropping the axis),
 * `[start, stop, step]` slices (negative values count from the end; negative steps reverse).
 * @example np.slice(x, [0, 2], [null, null, -1]) // x[0:2, ::-1]
 */
export function slice(a: ArrayLike, ...specs: SliceSpec[]): Array {
  const x = asArray("slice", a);
  if (specs.length > x.ndim) throw new ShapeError(`slice: ${specs.length} specs for ${x.aval.str()} with only ${x.ndim} axes`);
  const start: number[] = [];
  const limit: number[] = [];
  const strides: number[] = [];
  const flip: number[] = [];
  const drop: number[] = [];
  x.shape.forEach((n, i) => {
    const s = specs[i] ?? null;
    if (s === null) {
      start.push(0);
      limit.push(n);
      strides.push(1);
      return;
    }
    if (typeof s === "number") {
      if (!Number.isInteger(s) || s < -n || s >= n)
        throw new ShapeError(`slice: index ${s} is out of bounds for axis ${i} of size ${n}`);
      const k = s < 0 ? s + n : s;
      start.push(k);
      limit.push(k + 1);
      strides.push(1);
      drop.push(i);
      return;
    }
    const step = s[2] ?? 1;
    if (!Number.isInteger(step) || step === 0)
      throw new ShapeError(`slice: step must be a non-zero integer, got ${step} for axis ${i}`);
    const norm = (v: number | null | undefined, dflt: number) => {
      if (v === null || v === undefined) return dflt;
      const w = v < 0 ? v + n : v;
      return step > 0 ? Math.min(Math.max(w, 0), n) : Math.min(Math.max(w, -1), n - 1);
    };
    if (step > 0) {
      const b = norm(s[0], 0);
      const e = Math.max(b, norm(s[1], n));
      start.push(b);
      limit.push(e);
      strides.push(step);
    } else {
      // Reverse, then slice forward: x[b:e:-k] picks b, b-k, … > e.
      const b = norm(s[0], n - 1);
      const e = norm(s[1], -1);
      const count = Math.max(0, Math.ceil((b - e) / -step));
      const rb = n - 1 - b;
      start.push(Math.min(rb, n));
      limit.push(Math.min(n, rb + (count === 0 ? 0 : (count - 1) * -step + 1)));
      strides.push(-step);
      flip.push(i);
    }
  });
  let y = M.rev(x, flip);
  y = M.slice(y, start, limit, strides);
  return drop.length === 0
    ? y
    : M.reshape(
        y,
        y.shape.filter((_, i) => !drop.includes(i)),
      );
}

/** Reverse the order of elements along the given axes (default: all). */
export function flip(a: ArrayLike, axis?: Axis): Array {
  const x = asArray("flip", a);
  return M.rev(x, normalizeAxes("flip", axis, x.ndim));
}

/** How `pad` fills: as in NumPy (`reflect` mirrors without repeating the edge, `symmetric` with it). */
export type PadMode = "constant" | "edge" | "reflect" | "symmetric" | "wrap";

const PAD_MODES: readonly PadMode[] = ["constant", "edge", "reflect", "symmetric", "wrap"];

export interface PadOptions {
  /** The fill value of `"constant"` mode (default 0). */
  constantValues?: number;
}

type PadWidth = number | readonly [number, number] | readonly (readonly [number, number])[];

/** `x[start:stop]` along `axis`. */
function sliceAxis(x: Array, axis: number, start: number, stop: number): Array {
  return M.slice(
    x,
    x.shape.map((_, k) => (k === axis ? start : 0)),
    x.shape.map((d, k) => (k === axis ? stop : d)),
  );
}

function joinAxis(parts: readonly Array[], axis: number): Array {
  const kept = parts.filter((p) => p.shape[axis] > 0);
  return kept.length === 1 ? kept[0] : M.concatenate(kept, axis);
}

/** `count` copies of the size-1 slice `edge` along `axis`. */
function repeatEdge(edge: Array, axis: number, count: number): Array {
  return M.broadcastInDim(
    edge,
    edge.shape.map((d, k) => (k === axis ? count : d)),
    range(edge.ndim),
  );
}

/**
 * Mirror padding along one axis, built from slices, reversals and concatenations (so it is
 * linear and differentiable). A pad wider than the axis reflects again off the new edge, as in
 * NumPy; `reflect` on a size-1 axis repeats the element.
 */
function padMirror(x: Array, axis: number, before: number, after: number, symmetric: boolean): Array {
  const n = x.shape[axis];
  const offset = !symmetric && n > 1 ? 1 : 0;
  let y = x;
  for (let left = before; left > 0; ) {
    const k = Math.min(left, n - offset);
    y = joinAxis([M.rev(sliceAxis(y, axis, offset, offset + k), [axis]), y], axis);
    left -= k;
  }
  for (let right = after; right > 0; ) {
    const k = Math.min(right, n - offset);
    const len = y.shape[axis];
    y = joinAxis([y, M.rev(sliceAxis(y, axis, len - offset - k, len - offset), [axis])], axis);
    right -= k;
  }
  return y;
}

function padAxis(x: Array, axis: number, mode: Exclude<PadMode, "constant">, before: number, after: number): Array {
  const n = x.shape[axis];
  if (before === 0 && after === 0) return x;
  if (n === 0) {
    throw new ValueError(`pad: cannot apply "${mode}" padding to the empty axis ${axis} of ${x.aval.str()}; use mode "constant"`);
  }
  switch (mode) {
    case "edge":
      return joinAxis(
        [repeatEdge(sliceAxis(x, axis, 0, 1), axis, before), x, repeatEdge(sliceAxis(x, axis, n - 1, n), axis, after)],
        axis,
      );
    case "wrap": {
      const parts: Array[] = [];
      if (before % n > 0) parts.push(sliceAxis(x, axis, n - (before % n), n));
      const copies = Math.floor(before / n) + Math.floor(after / n) + 1;
      for (let k = 0; k < copies; k++) parts.push(x);
      if (after % n > 0) parts.push(sliceAxis(x, axis, 0, after % n));
      return joinAxis(parts, axis);
    }
    case "reflect":
    case "symmetric":
      return padMirror(x, axis, before, after, mode === "symmetric");
  }
}

/**
 * Pad with NumPy's modes: `width` is a number, [before, after], or one [before, after] per axis;
 * `mode` is `"constant"` (default; fill `opts.constantValues`, 0 by default), `"edge"`,
 * `"reflect"`, `"symmetric"` or `"wrap"`. A number in place of the mode is the constant fill value.
 * @example np.pad(np.array([1, 2, 3]), 2, "reflect") // [3, 2, 1, 2, 3, 2, 1]
 */
export function pad(a: ArrayLike, width: PadWidth, mode: PadMode | number = "constant", opts: PadOptions = {}): Array {
  const x = asArray("pad", a);
  let pairs: (readonly [number, number])[];
  if (typeof width === "number") pairs = x.shape.map(() => [width, width] as const);
  else if (typeof width[0] === "number") pairs = x.shape.map(() => width as readonly [number, number]);
  else pairs = [...(width as readonly (readonly [number, number])[])];
  if (pairs.length !== x.ndim || pairs.some((p) => p.length !== 2 || p.some((w) => !Number.isInteger(w) || w < 0))) {
    throw new ShapeError(
      `pad: widths ${JSON.stringify(width)} must be non-negative integers, one [before, after] per axis of ${x.aval.str()}`,
    );
  }
  if (typeof mode === "number" || mode === "constant") {
    const value = typeof mode === "number" ? mode : (opts.constantValues ?? 0);
    return M.pad(
      x,
      value,
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    );
  }
  if (!(PAD_MODES as readonly string[]).includes(mode)) {
    throw new ValueError(`pad: unknown mode ${JSON.stringify(mode)}; use one of ${PAD_MODES.map((m) => `"${m}"`).join(", ")}`);
  }
  if (opts.constantValues !== undefined) {
    throw new ValueError(`pad: constantValues only applies to mode "constant", not "${mode}"`);
  }
  return pairs.reduce((y, [before, after], axis) => padAxis(y, axis, mode, before, after), x);
}

/** How `take` treats indices outside the axis (see `TakeOptions`). */
export type TakeMode = M.IndexMode;

export interface TakeOptions {
  /**
   * Out-of-range indices, on every path (eager, `jit`, `vmap`, gradients): `"raise"` (default)
   * throws a ValueError (indices in [-n, n) count from the end); `"clip"` clamps to [0, n-1]
   * (negative indices become 0); `"fill"` reads NaN (floats), the int32 minimum, the uint32
   * maximum or true (bool) — JAX's default — and its gradient is 0 there; `"wrap"` takes the
   * index modulo n.
   */
  mode?: TakeMode;
}

/**
 * Take elements along `axis` (default, or null: of the flattened array) at integer `indices`.
 * @example np.take(np.array([10, 20, 30]), [2, -1, 5], 0, { mode: "clip" }) // [30, 10, 30]
 */
export function take(a: ArrayLike, indices: ArrayLike | readonly number[], axis?: number | null, opts: TakeOptions = {}): Array {
  let x = asArray("take", a);
  const mode = opts.mode ?? "raise";
  if (!M.INDEX_MODES.includes(mode)) {
    throw new ValueError(`take: mode ${JSON.stringify(mode)} is not one of ${M.INDEX_MODES.map((m) => `"${m}"`).join(", ")}`);
  }
  const idx =
    indices instanceof Array
      ? indices
      : typeof indices === "number"
        ? array(indices, "int32")
        : array(indices as number[], "int32");
  if (idx.dtype !== "int32" && idx.dtype !== "uint32") {
    if (idx.dtype === "bool") throw new DTypeError("take: boolean indices are not supported; use np.where for masking");
    // Float indices are not truncated silently (NumPy and JAX's gather reject them too).
    throw new DTypeError(
      `take: indices ${idx.aval.str()} have dtype ${idx.dtype}; indices must be int32 or uint32. ` +
        'Cast them with indices.astype("int32") (which truncates toward zero) or build them as integers (np.arange, argmax)',
    );
  }
  if (axis === undefined || axis === null) {
    x = M.reshape(x, [x.size]);
    return M.gather(x, idx, 0, { mode });
  }
  return M.gather(x, idx, normalizeAxis("take", axis, x.ndim), { mode });
}

export function ravel(a: ArrayLike): Array {
  const x = asArray("ravel", a);
  return M.reshape(x, [x.size]);
}

/**
 * Cast to `dtype`, with XLA's conversion semantics: float → int truncates toward zero and
 * saturates (out of range and ±Infinity clamp to the integer range, NaN → 0); int → int wraps;
 * → bool is `x != 0`. An unknown dtype is a DTypeError. The result is strongly typed (as `astype`
 * of a JS number is in JAX).
 * @example np.array([2.7, -1, 1e10]).astype("int32") // [2, -1, 2147483647]
 */
export function astype(a: ArrayLike, dtype: Array["dtype"]): Array {
  return convert(asArray("astype", a), checkDType("astype", dtype));
}

export function tile(a: ArrayLike, reps: number | readonly number[]): Array {
  const x = asArray("tile", a);
  const r = typeof reps === "number" ? [reps] : [...reps];
  const nd = Math.max(x.ndim, r.length);
  const xs = [...new globalThis.Array(nd - x.ndim).fill(1), ...x.shape];
  const rs = [...new globalThis.Array(nd - r.length).fill(1), ...r];
  const inter = xs.flatMap((d, i) => [rs[i], d]);
  const b = M.broadcastInDim(
    M.reshape(x, xs),
    inter,
    range(nd).map((i) => 2 * i + 1),
  );
  return M.reshape(
    b,
    xs.map((d, i) => d * rs[i]),
  );
}

export function repeat(a: ArrayLike, repeats: number, axis?: number): Array {
  let x = asArray("repeat", a);
  if (axis === undefined) x = M.reshape(x, [x.size]);
  const ax = axis === undefined ? 0 : normalizeAxis("repeat", axis, x.ndim);
  const shape = [...x.shape];
  const expanded = [...shape.slice(0, ax + 1), repeats, ...shape.slice(ax + 1)];
  const dims = range(x.ndim).map((i) => (i <= ax ? i : i + 1));
  const b = M.broadcastInDim(x, expanded, dims);
  shape[ax] *= repeats;
  return M.reshape(b, shape);
}
