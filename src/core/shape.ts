import { AxisError, ShapeError } from "./errors.js";

export type Shape = readonly number[];

export function shapeStr(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Validate a user-given shape: non-negative integers only. */
export function checkShape(op: string, shape: unknown): number[] {
  if (typeof shape === "number") shape = [shape];
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${op}: shape must be an array of non-negative integers, got ${String(shape)}`);
  }
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `${op}: shape entry ${i} is ${String(d)} in [${shape.map(String).join(",")}]; ` +
          "every dimension must be a non-negative integer",
      );
    }
  }
  return shape.slice() as number[];
}

/**
 * NumPy broadcasting: align trailing dimensions; each pair must be equal or contain a 1.
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i];
      if (d === out[j] || d === 1) continue;
      if (out[j] === 1) {
        out[j] = d;
        continue;
      }
      throw new ShapeError(
        `${op}: shapes ${shapes.map(shapeStr).join(" and ")} cannot be broadcast together: ` +
          `dimension ${j - rank} is ${out[j]} in one and ${d} in another (each pair must be equal or 1); ` +
          "reshape or expandDims an operand so the dimensions line up",
      );
    }
  }
  return out;
}

/** Normalise a possibly negative axis for an array of rank `ndim`. */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (typeof axis !== "number" || !Number.isInteger(axis)) {
    throw new AxisError(`${op}: axis must be an integer, got ${String(axis)}`);
  }
  if (axis < -ndim || axis >= ndim) {
    throw new AxisError(
      `${op}: axis ${axis} is out of bounds for an array of rank ${ndim} ` +
        `(valid axes are ${ndim === 0 ? "none" : `${-ndim}..${ndim - 1}`})`,
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalise an axis spec (undefined = all axes) to a sorted list without repeats. */
export function normalizeAxes(op: string, axis: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (axis === undefined || axis === null) return [...Array(ndim).keys()];
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, ndim));
  const seen = new Set<number>();
  for (const a of out) {
    if (seen.has(a)) {
      throw new AxisError(`${op}: axis ${a} is repeated in ${JSON.stringify(list)}; list each axis once`);
    }
    seen.add(a);
  }
  return out.sort((a, b) => a - b);
}

export function isPermutation(perm: readonly number[], n: number): boolean {
  if (perm.length !== n) return false;
  const seen = new Array<boolean>(n).fill(false);
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= n || seen[p]) return false;
    seen[p] = true;
  }
  return true;
}

export function invertPermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

/** [0, 1, …, n-1] */
export function range(n: number): number[] {
  const r = new globalThis.Array<number>(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}
