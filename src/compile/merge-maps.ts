/**
 * Multi-output fusion of map steps. The scheduler writes a map's result to a buffer when it is
 * a program output or read by several kernels (an Adam moment is both: returned, and read by
 * the parameter update). When a later map over the same index space reads that buffer in
 * row-major order, the earlier map moves into it: one loop computes both values and writes
 * both buffers, and the later expression uses the value in a register instead of loading it.
 * For an optimizer update, the new first and second moments and the new parameter of one leaf
 * become one loop over the leaf (three before), and relu's mask and its output one loop (two).
 *
 * The move is legal when no step between the two reads the earlier map's output or writes a
 * buffer the earlier map reads (only regions of an assembled output are written after creation).
 * Only top-level steps are merged; loop bodies and branches keep their steps.
 */
import { nodesOf, type ScalarExpr, shareCommonAll, substitute } from "../core/scalar.js";
import type { Buffer, MapStep, Step, View } from "./kernel.js";
import { allSteps, contiguousStrides, mapOutputs } from "./kernel.js";

/** Buffers a step (and every step nested in it) reads. */
function reads(s: Step): Set<number> {
  const out = new Set<number>();
  for (const t of allSteps([s])) {
    if (t.kind === "map" || t.kind === "reduce") for (const v of t.inputs) out.add(v.buf);
    else if (t.kind === "contract") for (const b of t.inputs) out.add(b);
    else {
      for (const x of t.inputs) if (typeof x === "number") out.add(x);
      if (t.kind === "loop") {
        for (const x of t.init) if (typeof x === "number") out.add(x);
        for (const x of t.xs) out.add(x.src);
      } else if (t.kind === "branch" && typeof t.index === "number") out.add(t.index);
    }
  }
  return out;
}

/** Buffers a top-level step writes. */
function writes(s: Step): number[] {
  if (s.kind === "map") return [s.out, ...(s.more ?? []).map((m) => m.out)];
  if (s.kind === "reduce" || s.kind === "contract") return [s.out];
  return [...s.outs];
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Whether `v` reads `buf` (of `shape`) element i at index i of a map over `shape`. */
function readsInOrder(v: View, shape: readonly number[]): boolean {
  if (v.offset !== 0) return false;
  const st = contiguousStrides(shape);
  return v.strides.every((s, d) => s === st[d] || shape[d] === 1);
}

const viewKey = (v: View) => `${v.buf}@${v.offset}:${v.strides.join(",")}`;

/**
 * `b` with `a` computed inside it: `a`'s output becomes one of the merged step's outputs, and
 * `b`'s loads of it become `a`'s expression.
 */
function merge(a: MapStep, b: MapStep, buffers: readonly Buffer[]): MapStep {
  const views: View[] = [];
  const index = new Map<string, number>();
  // An input node reads its view's buffer in that buffer's dtype (as the scheduler builds them).
  const at = (v: View) => {
    const dtype = buffers[v.buf].dtype;
    const k = viewKey(v);
    let i = index.get(k);
    if (i === undefined) {
      i = views.length;
      views.push(v);
      index.set(k, i);
    }
    return { k: "input" as const, index: i, dtype };
  };
  const aArgs = a.inputs.map(at);
  // Every output of `a` (it may itself be a merged step) by its buffer; `b` reads them as values.
  const aMemo = new Map<ScalarExpr, ScalarExpr>();
  const aOuts = mapOutputs(a).map((o) => ({ out: o.out, expr: substitute(o.expr, aArgs, aMemo) }));
  const aValue = new Map(aOuts.map((o) => [o.out, o.expr]));
  const bArgs = b.inputs.map((v) => aValue.get(v.buf) ?? at(v));
  const bMemo = new Map<ScalarExpr, ScalarExpr>();
  const outs = [
    { out: b.out, expr: substitute(b.expr, bArgs, bMemo) },
    ...(b.more ?? []).map((m) => ({ out: m.out, expr: substitute(m.expr, bArgs, bMemo) })),
    ...aOuts,
  ];
  // Hash-consing makes structurally equal values one node, so the emitters (which share by
  // identity) compute each once per element.
  const roots = shareCommonAll(outs.map((o) => o.expr));
  return {
    kind: "map",
    out: b.out,
    shape: b.shape,
    inputs: views,
    expr: roots[0],
    more: outs.slice(1).map((o, k) => ({ out: o.out, expr: roots[k + 1] })),
  };
}

/**
 * Whether every input node of `s` reads its view's buffer in that buffer's dtype, which the
 * merge assumes when it renumbers inputs (always so for scheduled steps; checked, not assumed).
 */
function inputsTyped(s: MapStep, buffers: readonly Buffer[]): boolean {
  for (const n of nodesOf(mapOutputs(s).map((o) => o.expr)))
    if (n.k === "input" && buffers[s.inputs[n.index].buf].dtype !== n.dtype) return false;
  return true;
}

/** Outputs of one merged step at most (the generated loop body stays small). */
const MAX_MERGED_OUTPUTS = 4;

/** `steps` with producer maps moved into the later maps that read their outputs in order. */
export function mergeMaps(steps: readonly Step[], buffers: readonly Buffer[]): Step[] {
  const out = [...steps];
  for (let j = 0; j < out.length; j++) {
    const first = out[j];
    if (first.kind !== "map" || first.dest) continue;
    let b: MapStep = first;
    for (let i = j - 1; i >= 0; i--) {
      const a = out[i];
      if (a.kind !== "map" || a.dest || !sameShape(a.shape, b.shape)) continue;
      if (!inputsTyped(a, buffers) || !inputsTyped(b, buffers)) continue;
      if ((b.more?.length ?? 0) + 2 + (a.more?.length ?? 0) > MAX_MERGED_OUTPUTS) continue;
      const aWrites = new Set(writes(a));
      const onA = b.inputs.filter((v) => aWrites.has(v.buf));
      if (onA.length === 0 || !onA.every((v) => readsInOrder(v, b.shape))) continue;
      // Every step between must leave a's inputs and outputs alone.
      const aReads = new Set(a.inputs.map((v) => v.buf));
      const blocked = out.slice(i + 1, j).some((s) => {
        for (const w of writes(s)) if (aReads.has(w) || aWrites.has(w)) return true;
        for (const r of reads(s)) if (aWrites.has(r)) return true;
        return false;
      });
      if (blocked) continue;
      b = merge(a, b, buffers);
      out.splice(i, 1);
      j--;
      out[j] = b;
    }
  }
  return out;
}
