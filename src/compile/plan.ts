/**
 * The static buffer plan: every buffer of a kernel program gets a byte offset in one arena,
 * fixed at compile time and reused by every call. Inputs and constants get slots of their own
 * (inputs are copied in per call, constants once); a temporary lives from the step that writes
 * it to the last step that reads it (program outputs: to the end), and temporaries whose
 * lifetimes do not overlap share space (first fit). A step's output never shares space with its
 * operands, since both are live at that step.
 */
import type { DType } from "../core/dtype.js";
import { type Program, sizeOfShape } from "./kernel.js";

export const ELEMENT_BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, uint32: 4, bool: 1 };

/** Slots are aligned for v128 access. */
const ALIGN = 16;

export interface BufferPlan {
  /** Byte offset of each buffer (indexed by buffer id), relative to `base`. */
  readonly offsets: readonly number[];
  /** Bytes each buffer occupies. */
  readonly bytes: readonly number[];
  /** End of the arena (bytes from 0). */
  readonly end: number;
  /** Bytes the temporaries would take without reuse (for asText). */
  readonly unshared: number;
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** Step indices reading each buffer. */
function readers(p: Program): number[][] {
  const r: number[][] = p.buffers.map(() => []);
  p.steps.forEach((s, i) => {
    if (s.kind === "map" || s.kind === "reduce") for (const v of s.inputs) r[v.buf].push(i);
    else if (s.kind === "contract") for (const b of s.inputs) r[b].push(i);
    else for (const x of s.inputs) if (typeof x === "number") r[x].push(i);
  });
  return r;
}

/** The plan of `p`'s buffers in an arena starting at byte `base`. */
export function planBuffers(p: Program, base: number): BufferPlan {
  const bytes = p.buffers.map((b) => align(sizeOfShape(b.shape) * ELEMENT_BYTES[b.dtype]));
  const offsets = p.buffers.map(() => -1);
  let end = base;
  for (const b of p.buffers) {
    if (b.role === "temp") continue;
    offsets[b.id] = end;
    end += bytes[b.id];
  }
  const def = p.buffers.map(() => -1);
  p.steps.forEach((s, i) => {
    const outs = s.kind === "call" ? s.outs : [s.out];
    for (const o of outs) def[o] = i;
  });
  const reads = readers(p);
  const last = p.buffers.map((_, b) => Math.max(def[b], ...reads[b]));
  for (const o of p.outputs) if ("buf" in o) last[o.buf] = Number.POSITIVE_INFINITY;
  const temps = p.buffers.filter((b) => b.role === "temp" && def[b.id] >= 0).map((b) => b.id);
  temps.sort((a, b) => def[a] - def[b] || a - b);
  const placed: number[] = [];
  const arena = end;
  let top = arena;
  let unshared = 0;
  for (const t of temps) {
    unshared += bytes[t];
    // Intervals of live placed buffers that overlap t's lifetime, by offset.
    const busy = placed
      .filter((u) => def[u] <= last[t] && def[t] <= last[u])
      .map((u) => [offsets[u], offsets[u] + bytes[u]] as const)
      .sort((x, y) => x[0] - y[0]);
    let at = arena;
    for (const [lo, hi] of busy) {
      if (at + bytes[t] <= lo) break;
      at = Math.max(at, hi);
    }
    offsets[t] = at;
    top = Math.max(top, at + bytes[t]);
    placed.push(t);
  }
  // Buffers no step writes (there are none today) still get a valid offset.
  for (const b of p.buffers) if (offsets[b.id] < 0) offsets[b.id] = top;
  return { offsets, bytes, end: top, unshared };
}
