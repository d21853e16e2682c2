/**
 * The static buffer plan: every buffer of a kernel program gets a byte offset in one arena,
 * fixed at compile time and reused by every call. Inputs and constants get slots of their own
 * (inputs are copied in per call, constants once); a temporary lives from the step that first
 * writes it to the last step that reads it (program outputs: to the end; see `lifetimes` for
 * loop bodies), and temporaries whose
 * lifetimes do not overlap share space (first fit). A step's output never shares space with its
 * operands, since both are live at that step.
 */
import type { DType } from "../core/dtype.js";
import { type Operand, type Output, type Program, type Step, sizeOfShape } from "./kernel.js";

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

/**
 * Lifetimes: the first and last position at which each buffer is written or read, over the
 * steps in execution order with loop bodies and branches laid out inline. A loop body runs many
 * times, so a buffer that a loop touches but that was written before the loop lives to the
 * loop's end (it is read again by the next iteration); buffers written inside the body live
 * within one iteration, which repeats the same order. Branches need no such extension: one
 * branch runs, and its events are a subsequence of the laid-out order.
 */
function lifetimes(p: Program): { def: number[]; last: number[] } {
  const def = p.buffers.map(() => -1);
  const last = p.buffers.map(() => -1);
  const touched: Set<number>[] = [];
  let pos = 0;
  const read = (b: Operand, at: number) => {
    if (typeof b !== "number") return;
    last[b] = Math.max(last[b], at);
    for (const t of touched) t.add(b);
  };
  const write = (b: number, at: number) => {
    if (def[b] < 0) def[b] = at;
    read(b, at);
  };
  const results = (r: readonly Output[], at: number) => {
    for (const o of r) if ("buf" in o) read(o.buf, at);
  };
  const visit = (steps: readonly Step[]): void => {
    for (const s of steps) {
      const at = pos++;
      if (s.kind === "map" || s.kind === "reduce") {
        for (const v of s.inputs) read(v.buf, at);
        write(s.out, at);
        if (s.kind === "map") for (const m of s.more ?? []) write(m.out, at);
      } else if (s.kind === "contract") {
        for (const b of s.inputs) read(b, at);
        write(s.out, at);
      } else if (s.kind === "call") {
        for (const x of s.inputs) read(x, at);
        for (const o of s.outs) write(o, at);
      } else if (s.kind === "branch") {
        read(s.index, at);
        for (const o of s.outs) write(o, at);
        for (const b of s.branches) {
          visit(b.steps);
          const end = pos++;
          results(b.results, end);
          for (const o of s.outs) write(o, end);
        }
      } else {
        for (const x of s.init) read(x, at);
        for (const o of s.outs) write(o, at);
        const inside = new Set<number>();
        touched.push(inside);
        if (s.trip.kind === "while") {
          visit(s.trip.cond.steps);
          results(s.trip.cond.results, pos++);
        }
        const rows = pos++;
        for (const x of s.xs) {
          read(x.src, rows);
          write(x.row, rows);
        }
        visit(s.body.steps);
        const end = pos++;
        results(s.body.results, end);
        for (const o of s.outs) write(o, end);
        touched.pop();
        for (const b of inside) if (def[b] <= at) last[b] = Math.max(last[b], end);
      }
    }
  };
  visit(p.steps);
  return { def, last };
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
  const { def, last } = lifetimes(p);
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
