/**
 * NumPy's shape rules, written independently of axle, for the invalid-calls fuzzer: when a call
 * returns instead of raising, its result must have the shape NumPy's rule gives for the same
 * arguments ("never a wrong-shaped result"). Each oracle returns null when the arguments are
 * outside what it models (the call is then only checked for raising an AxleError or returning a
 * well-formed array).
 */
import { Array as AxArray } from "../../src/index.js";

export type Shape = readonly number[];

/** The shape of an argument as NumPy sees it: an array's, [] for a number or boolean, a regular nested list's; else null. */
export function shapeOf(v: unknown): Shape | null {
  if (v instanceof AxArray) return v.shape;
  if (typeof v === "number" || typeof v === "boolean") return [];
  if (globalThis.Array.isArray(v)) {
    if (v.length === 0) return [0];
    const inner = v.map(shapeOf);
    const first = inner[0];
    if (first === null || inner.some((s) => s === null || s.join() !== first.join())) return null;
    return [v.length, ...first];
  }
  return null;
}

export function broadcast(...shapes: (Shape | null)[]): Shape | null {
  if (shapes.some((s) => s === null)) return null;
  const ss = shapes as Shape[];
  const n = Math.max(...ss.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let d = 1;
    for (const s of ss) {
      const e = s[s.length - n + i] ?? 1;
      if (e === 1) continue;
      if (d !== 1 && d !== e) return null;
      d = e;
    }
    out.push(d);
  }
  return out;
}

/** An integer axis in [-nd, nd) normalised, else null. */
function axisOf(ax: unknown, nd: number): number | null {
  if (typeof ax !== "number" || !Number.isInteger(ax) || ax < -nd || ax >= nd) return null;
  return ax < 0 ? ax + nd : ax;
}

/** A list of distinct valid axes, normalised; a single axis as a list; else null. */
function axesOf(ax: unknown, nd: number): number[] | null {
  const list = typeof ax === "number" ? [ax] : globalThis.Array.isArray(ax) ? ax : null;
  if (list === null) return null;
  const out = list.map((a) => axisOf(a, nd));
  if (out.some((a) => a === null) || new Set(out).size !== out.length) return null;
  return out as number[];
}

/** np.matmul: 1-D operands get a dim prepended/appended and removed after; batch dims broadcast. */
export function matmulShape(a: Shape | null, b: Shape | null): Shape | null {
  if (a === null || b === null || a.length === 0 || b.length === 0) return null;
  const x = a.length === 1 ? [1, a[0]] : a;
  const y = b.length === 1 ? [b[0], 1] : b;
  if (x[x.length - 1] !== y[y.length - 2]) return null;
  const batch = broadcast(x.slice(0, -2), y.slice(0, -2));
  if (batch === null) return null;
  return [...batch, ...(a.length === 1 ? [] : [x[x.length - 2]]), ...(b.length === 1 ? [] : [y[y.length - 1]])];
}

/** np.dot: a scalar operand multiplies; otherwise contract a's last dim with b's second-to-last (or only) dim. */
export function dotShape(a: Shape | null, b: Shape | null): Shape | null {
  if (a === null || b === null) return null;
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const kb = b.length === 1 ? b[0] : b[b.length - 2];
  if (a[a.length - 1] !== kb) return null;
  return [...a.slice(0, -1), ...b.slice(0, -2), ...(b.length === 1 ? [] : [b[b.length - 1]])];
}

/** A reduction over `ax` (an axis, a list of axes, or null/undefined for all). */
export function reduceShape(a: Shape | null, ax: unknown): Shape | null {
  if (a === null) return null;
  if (ax === null || ax === undefined) return [];
  const axes = axesOf(ax, a.length);
  return axes === null ? null : a.filter((_, i) => !axes.includes(i));
}

/** np.take: along an axis, that dim is replaced by the indices' shape; with no axis, a is flattened first. */
export function takeShape(a: Shape | null, idx: Shape | null, ax: unknown): Shape | null {
  if (a === null || idx === null) return null;
  if (ax === null || ax === undefined) return idx;
  const k = axisOf(ax, a.length);
  return k === null ? null : [...a.slice(0, k), ...idx, ...a.slice(k + 1)];
}

export function squeezeShape(a: Shape | null, ax: unknown): Shape | null {
  if (a === null) return null;
  if (ax === null || ax === undefined) return a.filter((d) => d !== 1);
  const axes = axesOf(ax, a.length);
  if (axes === null || axes.some((k) => a[k] !== 1)) return null;
  return a.filter((_, i) => !axes.includes(i));
}

export function transposeShape(a: Shape | null, p: unknown): Shape | null {
  if (a === null) return null;
  if (p === null || p === undefined) return [...a].reverse();
  if (!globalThis.Array.isArray(p) || p.length !== a.length) return null;
  const axes = axesOf(p, a.length);
  return axes === null ? null : axes.map((k) => a[k]);
}
