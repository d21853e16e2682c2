/**
 * Control flow inside the Wasm module: loop steps (scan, while) become a Wasm `loop` around their
 * body's steps, branch steps (cond) an `if` chain, so a whole `jit(scan)` is one exported call.
 *
 * The carry lives in the loop's carry buffers for the whole loop. An iteration copies row i of
 * each xs buffer into its row buffer (the body reads rows through ordinary views), runs the body,
 * then copies the y results into row i of the ys buffers and the next-carry results into the
 * carry buffers. The body only writes fresh temporaries, so every read of a carry inside one
 * iteration sees that iteration's value; the scheduler routes a next carry that is another
 * carry's buffer (a swap) through a temporary, so the end-of-iteration copies never read a
 * carry they already overwrote. The buffer plan keeps everything the loop reads from before it
 * alive to the loop's end (plan.ts, `lifetimes`).
 */
import type { DType } from "../../../core/dtype.js";
import { type BranchStep, type LoopStep, type Operand, type Output, type Program, type Step, sizeOfShape } from "../../kernel.js";
import { ELEMENT_BYTES } from "../../plan.js";
import type { Code, Local } from "./encoder.js";

/** What the loop emitter needs from the program emitter. */
export interface StepEmitter {
  readonly c: Code;
  readonly program: Program;
  /** Byte address of element `offset` of buffer `buf`. */
  addr(buf: number, offset?: number): number;
  /** Emit `steps` in order (loops and branches included). */
  steps(steps: readonly Step[]): void;
}

/** A byte address: a local holding a base plus a constant, or a constant. */
interface Addr {
  readonly base: Local | null;
  readonly offset: number;
}

const at = (offset: number): Addr => ({ base: null, offset });

/** Push the base of `a` and return the memory immediate offset to use with it. */
function base(c: Code, a: Addr, extra: number): number {
  if (a.base === null) {
    c.i32.const(a.offset + extra);
    return 0;
  }
  c.get(a.base);
  return a.offset + extra;
}

/** Copies above this many bytes use `memory.copy`; below, unrolled loads and stores. */
const UNROLL_BYTES = 128;

/** Copy exactly `n` bytes from `src` to `dst` (non-overlapping). */
function copyBytes(c: Code, dst: Addr, src: Addr, n: number): void {
  if (n === 0) return;
  if (n > UNROLL_BYTES) {
    base(c, dst, 0);
    if (dst.base !== null && dst.offset !== 0) c.i32.const(dst.offset).i32.add();
    base(c, src, 0);
    if (src.base !== null && src.offset !== 0) c.i32.const(src.offset).i32.add();
    c.i32.const(n).memory.copy();
    return;
  }
  let k = 0;
  const chunk = (size: number, move: (d: number, s: number) => void) => {
    while (n - k >= size) {
      const d = base(c, dst, k);
      const s = base(c, src, k);
      move(d, s);
      k += size;
    }
  };
  // Buffers are 16-byte aligned but rows of xs/ys are not: no alignment is promised.
  chunk(16, (d, s) => c.v128.load({ offset: s, align: 0 }).v128.store({ offset: d, align: 0 }));
  chunk(8, (d, s) => c.i64.load({ offset: s, align: 0 }).i64.store({ offset: d, align: 0 }));
  chunk(4, (d, s) => c.i32.load({ offset: s, align: 0 }).i32.store({ offset: d, align: 0 }));
  chunk(1, (d, s) => c.i32.load8_u({ offset: s }).i32.store8({ offset: d }));
}

/** Store the literal `value` into all `count` elements of dtype `d` at `dst`. */
function fillLiteral(c: Code, dst: Addr, d: DType, value: number, count: number): void {
  const bytes = ELEMENT_BYTES[d];
  for (let k = 0; k < count; k++) {
    const off = base(c, dst, k * bytes);
    if (d === "float32") c.f32.const(value).f32.store({ offset: off, align: 0 });
    else if (d === "int32") c.i32.const(value | 0).i32.store({ offset: off, align: 0 });
    else c.i32.const(value ? 1 : 0).i32.store8({ offset: off });
  }
}

/** The byte size of buffer `b`'s data (not its padded slot). */
function dataBytes(p: Program, b: number): number {
  const buf = p.buffers[b];
  return sizeOfShape(buf.shape) * ELEMENT_BYTES[buf.dtype];
}

/**
 * Write an operand or block result (a buffer, or a literal) into buffer `dst` at `to`: all of
 * it, or `elems` elements (one row of a ys buffer).
 */
function put(e: StepEmitter, dst: number, to: Addr, from: Operand | Output, elems?: number): void {
  const p = e.program;
  const src = typeof from === "number" ? from : "buf" in from ? from.buf : null;
  if (src === null) {
    const lit = (from as { literal: number }).literal;
    const buf = p.buffers[dst];
    fillLiteral(e.c, to, buf.dtype, lit, elems ?? sizeOfShape(buf.shape));
    return;
  }
  if (src === dst && to.base === null && to.offset === e.addr(dst)) return;
  copyBytes(e.c, to, at(e.addr(src)), dataBytes(p, src));
}

/** A loop step: init copies, then a Wasm `loop` over the body (see the module comment). */
export function emitLoop(e: StepEmitter, s: LoopStep): void {
  const c = e.c;
  const p = e.program;
  const nk = s.numCarry;
  s.init.forEach((x, k) => {
    put(e, s.outs[k], at(e.addr(s.outs[k])), x);
  });
  const results = s.body.results;
  const endOfIteration = (i: Local | null) => {
    // ys first: a y may be a carry buffer, read before the carries are replaced.
    results.slice(nk).forEach((r, k) => {
      const ys = s.outs[nk + k];
      const rowElems = sizeOfShape(p.buffers[ys].shape.slice(1));
      const rowBytes = rowElems * ELEMENT_BYTES[p.buffers[ys].dtype];
      if (rowBytes === 0 || i === null) return;
      const row = c.local("i32");
      c.get(i).i32.const(rowBytes).i32.mul().i32.const(e.addr(ys)).i32.add().set(row);
      put(e, ys, { base: row, offset: 0 }, r, rowElems);
    });
    results.slice(0, nk).forEach((r, k) => {
      put(e, s.outs[k], at(e.addr(s.outs[k])), r);
    });
  };
  if (s.trip.kind === "while") {
    const cond = s.trip.cond;
    c.block("void", (exit) => {
      c.loop("void", (top) => {
        e.steps(cond.steps);
        const pred = cond.results[0];
        if ("buf" in pred) c.i32.const(e.addr(pred.buf)).i32.load8_u();
        else c.i32.const(pred.literal ? 1 : 0);
        c.i32.eqz().br_if(exit);
        e.steps(s.body.steps);
        endOfIteration(null);
        c.br(top);
      });
    });
    return;
  }
  const { length, reverse } = s.trip;
  if (length === 0) return;
  const i = c.local("i32");
  const left = c.local("i32");
  c.i32.const(reverse ? length - 1 : 0).set(i);
  c.i32.const(length).set(left);
  c.loop("void", (top) => {
    for (const x of s.xs) {
      const rowBytes = dataBytes(p, x.row);
      if (rowBytes === 0) continue;
      const src = c.local("i32");
      c.get(i).i32.const(rowBytes).i32.mul().i32.const(e.addr(x.src)).i32.add().set(src);
      copyBytes(c, at(e.addr(x.row)), { base: src, offset: 0 }, rowBytes);
    }
    e.steps(s.body.steps);
    endOfIteration(i);
    c.get(i)
      .i32.const(reverse ? -1 : 1)
      .i32.add()
      .set(i);
    c.get(left).i32.const(1).i32.sub().tee(left).br_if(top);
  });
}

/**
 * A branch step: an `if` chain on the int32 index, `index ≤ k` picking branch k, so negative
 * indices run the first branch and indices past the end the last (the clamp of the lowering).
 */
export function emitBranch(e: StepEmitter, s: BranchStep): void {
  const c = e.c;
  const n = s.branches.length;
  const run = (k: number) => {
    const b = s.branches[k];
    e.steps(b.steps);
    b.results.forEach((r, j) => {
      put(e, s.outs[j], at(e.addr(s.outs[j])), r);
    });
  };
  if (typeof s.index !== "number") {
    run(Math.min(Math.max(Math.trunc(s.index.literal), 0), n - 1));
    return;
  }
  const idx = c.local("i32");
  c.i32.const(e.addr(s.index)).i32.load({ align: 0 }).set(idx);
  const chain = (k: number): void => {
    if (k === n - 1) return run(k);
    c.get(idx)
      .i32.const(k)
      .i32.le_s()
      .if(
        "void",
        () => run(k),
        () => chain(k + 1),
      );
  };
  chain(0);
}

/** Why a loop or branch cannot run inside the module (its first body step without a Wasm form), or null. */
export function controlUnsupported(s: LoopStep | BranchStep, stepWhy: (s: Step) => string | null): string | null {
  const blocks = s.kind === "loop" ? [...(s.trip.kind === "while" ? [s.trip.cond] : []), s.body] : s.branches;
  for (const b of blocks) {
    for (const inner of b.steps) {
      const why = stepWhy(inner);
      if (why !== null) return `${s.eqn.prim.name} body: ${why}`;
    }
  }
  return null;
}
