/**
 * Scheduling: turn a (flat) IR into a kernel program. Elementwise equations fuse into the
 * expression of their consumer; movement equations with an affine lowering (broadcast,
 * transpose, slice, rev, and reshapes of row-major data) become views of the loads; a reduction
 * takes its producer chain as a prologue. A value is written to a buffer ("materialised") only
 * where it must be: program outputs, operands of equations that run a whole kernel (dot_general,
 * gather…), and values used twice whose recomputation would cost more than a load.
 */
import { castScalar } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import type { AffineMap } from "../core/primitive.js";
import * as S from "../core/scalar.js";
import { type Atom, type Eqn, type Ir, Lit, type Var } from "../ir/ir.js";
import { matrixForm, readsTransposed, termMaps, transposedDim, transposedForm } from "./contract-form.js";
import {
  type Buffer,
  contiguousStrides,
  type LoopStep,
  type Operand,
  type Output,
  type Program,
  type Step,
  sizeOfShape,
  type View,
} from "./kernel.js";

/** A value not yet written anywhere: an expression over views, indexed by its own shape. */
interface Lazy {
  readonly shape: readonly number[];
  readonly expr: S.ScalarExpr;
  readonly views: readonly View[];
}

/** Expressions larger than this are written out rather than fused further (bounds code size). */
const MAX_NODES = 48;
/** A value used twice whose expression has at most this many nodes is recomputed, not stored. */
const CHEAP_NODES = 4;

const TRANSCENDENTAL = new Set<string>([
  "exp",
  "log",
  "log1p",
  "expm1",
  "sin",
  "cos",
  "tan",
  "tanh",
  "logistic",
  "sqrt",
  "rsqrt",
]);

function hasTranscendental(e: S.ScalarExpr): boolean {
  switch (e.k) {
    case "const":
    case "input":
      return false;
    case "unary":
      return TRANSCENDENTAL.has(e.op) || hasTranscendental(e.x);
    case "ipow":
    case "cast":
      return hasTranscendental(e.x);
    case "binary":
      return e.op === "pow" || hasTranscendental(e.a) || hasTranscendental(e.b);
    case "compare":
      return hasTranscendental(e.a) || hasTranscendental(e.b);
    case "select":
      return hasTranscendental(e.cond) || hasTranscendental(e.a) || hasTranscendental(e.b);
  }
}

function nodeCount(e: S.ScalarExpr, seen = new Set<S.ScalarExpr>()): number {
  if (seen.has(e)) return 0;
  seen.add(e);
  switch (e.k) {
    case "const":
    case "input":
      return 1;
    case "unary":
    case "ipow":
    case "cast":
      return 1 + nodeCount(e.x, seen);
    case "binary":
    case "compare":
      return 1 + nodeCount(e.a, seen) + nodeCount(e.b, seen);
    case "select":
      return 1 + nodeCount(e.cond, seen) + nodeCount(e.a, seen) + nodeCount(e.b, seen);
  }
}

/** A view of `v` re-indexed through `m` (an index of rank `rank` → `v`'s index). */
function remap(v: View, m: AffineMap, rank: number): View {
  let offset = v.offset;
  m.offset.forEach((o, j) => {
    offset += v.strides[j] * o;
  });
  const strides = new globalThis.Array<number>(rank).fill(0);
  m.coef.forEach((row, j) => {
    row.forEach((c, d) => {
      strides[d] += v.strides[j] * c;
    });
  });
  return { buf: v.buf, offset, strides };
}

/** NumPy broadcasting of a value of `from` to `to` (trailing dims aligned) as an affine map. */
function broadcastMap(from: readonly number[], to: readonly number[]): AffineMap {
  const lead = to.length - from.length;
  return {
    offset: from.map(() => 0),
    coef: from.map((n, j) => to.map((m, d) => (d === j + lead && !(n === 1 && m !== 1) ? 1 : 0))),
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Float dot_generals that are not contract steps become reductions of products (integer products
 * would wrap where the reference kernel multiplies in float64). */
const DOT_REDUCE_DTYPES = new Set(["float32", "float64"]);

/** Reductions of one term per output become elementwise for these dtypes. */
const SINGLE_TERM_DTYPES = new Set(["float32", "float64", "int32"]);

/** The shape of a product's transpose: [batch, rhs free, lhs free] from [batch, lhs free, rhs free]. */
function transposedShape(shape: readonly number[], nb: number, nl: number): number[] {
  return [...shape.slice(0, nb), ...shape.slice(nb + nl), ...shape.slice(nb, nb + nl)];
}

export function schedule(ir: Ir, prepare: (sub: Ir) => Ir = (sub) => sub): Program {
  const buffers: Buffer[] = [];
  const newBuffer = (b: Omit<Buffer, "id">): number => {
    buffers.push({ ...b, id: buffers.length });
    return buffers.length - 1;
  };
  const inputs = ir.inVars.map((v) => newBuffer({ dtype: v.aval.dtype, shape: v.aval.shape, role: "input" }));
  const steps: Step[] = [];

  /** Schedule `sub`'s equations into `steps`, its inputs bound to `ins`; where its outputs are. */
  const scheduleIr = (sub: Ir, ins: readonly Operand[], steps: Step[]): Output[] => {
    const ir = sub;
    const bufOf = new Map<Var, number>();
    const litOf = new Map<Var, Lit>();
    const lazyOf = new Map<Var, Lazy>();
    ir.constVars.forEach((v, i) => {
      bufOf.set(v, newBuffer({ dtype: v.aval.dtype, shape: v.aval.shape, role: "const", value: ir.consts[i] }));
    });
    ir.inVars.forEach((v, i) => {
      const x = ins[i];
      if (typeof x === "number") bufOf.set(v, x);
      else litOf.set(v, new Lit(x.literal, v.aval));
    });
    /** The literal behind an atom (a literal, or a variable bound to one), or null. */
    const litAt = (a: Atom): Lit | null => (a instanceof Lit ? a : (litOf.get(a) ?? null));
    const uses = new Map<Var, number>();
    const use = (a: Atom) => {
      if (!(a instanceof Lit)) uses.set(a, (uses.get(a) ?? 0) + 1);
    };
    for (const e of ir.eqns) e.inputs.forEach(use);
    ir.outs.forEach(use);
    const consumers = new Map<Var, Eqn[]>();
    for (const e of ir.eqns)
      for (const a of e.inputs) if (!(a instanceof Lit)) consumers.set(a, [...(consumers.get(a) ?? []), e]);
    const isOutput = new Set(ir.outs.filter((a): a is Var => !(a instanceof Lit)));

    const materialise = (v: Var, lazy: Lazy): number => {
      const b = newBuffer({ dtype: lazy.expr.dtype, shape: lazy.shape, role: "temp" });
      steps.push({ kind: "map", out: b, shape: lazy.shape, inputs: lazy.views, expr: lazy.expr });
      bufOf.set(v, b);
      lazyOf.delete(v);
      return b;
    };
    const bufferOf = (v: Var): number => {
      const b = bufOf.get(v);
      if (b !== undefined) return b;
      const l = lazyOf.get(v) as Lazy;
      // A whole temporary read in its own row-major order (a transposed product read back through
      // its transpose) is that buffer: no copy.
      const [w] = l.views;
      if (l.expr.k === "input" && l.views.length === 1 && w.offset === 0 && buffers[w.buf].role === "temp") {
        const t = buffers[w.buf];
        const st = contiguousStrides(l.shape);
        if (
          t.dtype === l.expr.dtype &&
          sameShape(t.shape, l.shape) &&
          w.strides.every((s, d) => s === st[d] || l.shape[d] === 1)
        ) {
          bufOf.set(v, w.buf);
          lazyOf.delete(v);
          return w.buf;
        }
      }
      return materialise(v, l);
    };
    /** A buffer holding `v`'s elements in row-major order (possibly under another shape, as a reshape's operand). */
    const operandBuffer = (v: Var): number => {
      const l = lazyOf.get(v);
      if (l !== undefined && l.expr.k === "input" && l.views.length === 1) {
        const [w] = l.views;
        const st = contiguousStrides(l.shape);
        const whole = sizeOfShape(buffers[w.buf].shape) === sizeOfShape(l.shape) && w.offset === 0;
        if (whole && buffers[w.buf].dtype === l.expr.dtype && w.strides.every((s, d) => s === st[d] || l.shape[d] === 1))
          return w.buf;
      }
      return bufferOf(v);
    };
    const valueOf = (a: Atom): Lazy => {
      const lit = litAt(a);
      if (lit !== null) return { shape: [], expr: S.constant(lit.value, lit.aval.dtype), views: [] };
      const l = lazyOf.get(a as Var);
      if (l !== undefined) return l;
      const b = bufOf.get(a as Var) as number;
      return {
        shape: a.aval.shape,
        expr: S.input(0, a.aval.dtype),
        views: [{ buf: b, offset: 0, strides: contiguousStrides(a.aval.shape) }],
      };
    };
    /** Re-index a value's views through `m` onto a new index space of `shape`. */
    /** An operand of a whole-buffer step: the literal, or the value written to a buffer. */
    const operandOf = (a: Atom): Operand => {
      const lit = litAt(a);
      if (lit !== null) return { literal: lit.value, dtype: lit.aval.dtype, weak: lit.aval.weakType };
      return bufferOf(a as Var);
    };
    const fresh = (v: Var): number => {
      const b = newBuffer({ dtype: v.aval.dtype, shape: v.aval.shape, role: "temp" });
      bufOf.set(v, b);
      return b;
    };
    /** A copy of buffer `b` into a fresh temporary (a map step that loads it in row-major order). */
    const copyOf = (b: number, into: Step[]): number => {
      const { dtype, shape } = buffers[b];
      const out = newBuffer({ dtype, shape, role: "temp" });
      into.push({
        kind: "map",
        out,
        shape,
        inputs: [{ buf: b, offset: 0, strides: contiguousStrides(shape) }],
        expr: S.input(0, dtype),
      });
      return out;
    };
    const reindex = (l: Lazy, m: AffineMap, shape: readonly number[]): Lazy => ({
      shape,
      expr: l.expr,
      views: l.views.map((v) => remap(v, m, shape.length)),
    });
    /** One expression over the union of the operands' views (shared views are loaded once). */
    const combine = (ls: readonly Lazy[]): { exprs: S.ScalarExpr[]; views: View[] } => {
      const views: View[] = [];
      const key = (v: View) => `${v.buf}@${v.offset}:${v.strides.join(",")}`;
      const index = new Map<string, number>();
      const memo = new Map<Lazy, S.ScalarExpr>();
      const exprs = ls.map((l) => {
        const hit = memo.get(l);
        if (hit !== undefined) return hit;
        const args = l.views.map((v) => {
          const k = key(v);
          let at = index.get(k);
          if (at === undefined) {
            at = views.length;
            views.push(v);
            index.set(k, at);
          }
          return S.input(at, buffers[v.buf].dtype);
        });
        const e = S.substitute(l.expr, args);
        memo.set(l, e);
        return e;
      });
      return { exprs, views };
    };
    // A value used more than once is written out when recomputing it in each consumer would cost
    // more than a store and loads: a transcendental, or more than a few operations. Cheap ones
    // (a bias add feeding relu's compare and select) are recomputed, and within one kernel the
    // renderer computes structurally equal subexpressions once.
    const define = (v: Var, l: Lazy) => {
      const n = nodeCount(l.expr);
      lazyOf.set(v, l);
      if (((uses.get(v) ?? 0) > 1 && (n > CHEAP_NODES || hasTranscendental(l.expr))) || n > MAX_NODES) materialise(v, l);
    };

    for (const e of ir.eqns) {
      const lower = e.prim.lower;
      const out = e.outVars[0];
      if (lower.kind === "elementwise") {
        const shape = out.aval.shape;
        const ins = e.inputs.map((a) => {
          const l = valueOf(a);
          return sameShape(l.shape, shape) ? l : reindex(l, broadcastMap(l.shape, shape), shape);
        });
        const { exprs, views } = combine(ins);
        define(out, { shape, expr: lower.scalar(e.params, ...exprs), views });
        continue;
      }
      if (lower.kind === "view") {
        const a = e.inputs[0];
        const l = valueOf(a);
        define(out, reindex(l, lower.map(a.aval.shape, out.aval.shape, e.params), out.aval.shape));
        continue;
      }
      if (lower.kind === "reshape") {
        const a = e.inputs[0];
        let l = valueOf(a);
        // Row-major views (and broadcast scalars) read the same elements under any shape.
        const linear = (v: View) => {
          const st = contiguousStrides(l.shape);
          return v.strides.every((s, d) => s === st[d] || l.shape[d] === 1) || v.strides.every((s) => s === 0);
        };
        if (!l.views.every(linear)) {
          bufferOf(a as Var);
          l = valueOf(a);
        }
        const shape = out.aval.shape;
        const st = contiguousStrides(shape);
        define(out, {
          shape,
          expr: l.expr,
          views: l.views.map((v) => ({
            buf: v.buf,
            offset: v.offset,
            strides: v.strides.every((s) => s === 0) ? shape.map(() => 0) : st,
          })),
        });
        continue;
      }
      if (lower.kind === "reduce") {
        const a = e.inputs[0];
        const l = valueOf(a);
        const axes = lower.axes(e.params);
        const inShape = a.aval.shape;
        const kept = inShape.map((_, d) => d).filter((d) => !axes.includes(d));
        const order = [...kept, ...axes];
        if ((lower.op === "max" || lower.op === "min") && sizeOfShape(axes.map((d) => inShape[d])) === 0 && out.aval.size > 0) {
          throw new ValueError(`reduce_${lower.op}: cannot reduce over an empty axis of ${a.aval.str()} (there is no identity)`);
        }
        // One term per output: elementwise (and fused like any). The reference sums from +0 (a −0
        // term reads +0) except for a rank-0 operand, which it copies.
        if (
          sizeOfShape(axes.map((d) => inShape[d])) === 1 &&
          SINGLE_TERM_DTYPES.has(out.aval.dtype) &&
          l.expr.dtype === out.aval.dtype
        ) {
          const m: AffineMap = { offset: inShape.map(() => 0), coef: inShape.map((_, d) => kept.map((k) => (k === d ? 1 : 0))) };
          const term = reindex(l, m, out.aval.shape);
          const plusZero = lower.op === "sum" && inShape.length > 0;
          define(out, plusZero ? { ...term, expr: S.binary("add", term.expr, S.constant(0, out.aval.dtype)) } : term);
          continue;
        }
        const shape = order.map((d) => inShape[d]);
        const views = l.views.map((v) => ({ buf: v.buf, offset: v.offset, strides: order.map((d) => v.strides[d]) }));
        const b = newBuffer({ dtype: out.aval.dtype, shape: out.aval.shape, role: "temp" });
        steps.push({
          kind: "reduce",
          out: b,
          op: lower.op,
          shape,
          keep: kept.length,
          inputs: views,
          expr: l.expr,
          dtype: out.aval.dtype,
        });
        bufOf.set(out, b);
        continue;
      }
      if (lower.kind === "contract" && DOT_REDUCE_DTYPES.has(out.aval.dtype)) {
        const [l, r] = e.inputs;
        const dims = lower.dims(e.params);
        const terms = dims.contracting[0].reduce((n, d) => n * l.aval.shape[d], 1);
        const outRank = out.aval.ndim;
        // One term per output: the product is elementwise (and fuses like any). + 0 as in the
        // reference kernel, whose sums start at +0 (so a −0 product reads +0); one rounding of the
        // exact product, as there.
        if (terms === 1) {
          const [lm, rm] = termMaps(l.aval.shape, r.aval.shape, dims, 0);
          const { exprs, views } = combine([reindex(valueOf(l), lm, out.aval.shape), reindex(valueOf(r), rm, out.aval.shape)]);
          const zero = S.constant(0, out.aval.dtype);
          define(out, { shape: out.aval.shape, expr: S.binary("add", S.binary("mul", exprs[0], exprs[1]), zero), views });
          continue;
        }
        // A float32 batch of matrix products over materialised operands: a contract step (vector
        // and matrix-vector products stay reductions, which keep their producers fused). When
        // every reader takes its transpose (backprop's weight gradients), it computes Bᵀ·Aᵀ and
        // writes the transpose directly, so the readers see a row-major buffer.
        const form =
          out.aval.dtype === "float32" && litAt(l) === null && litAt(r) === null
            ? matrixForm(l.aval.shape, r.aval.shape, dims)
            : null;
        if (form !== null && form.m > 1 && form.n > 1 && litAt(l) === null && litAt(r) === null) {
          const nb = dims.batch[0].length;
          const nl = l.aval.ndim - nb - dims.contracting[0].length;
          const nr = outRank - nb - nl;
          const readers = consumers.get(out) ?? [];
          const swap =
            !isOutput.has(out) &&
            readers.length > 0 &&
            readers.every((c) => {
              const lw = c.prim.lower;
              return lw.kind === "view" && readsTransposed(lw.map(out.aval.shape, c.outVars[0].aval.shape, c.params), nb, nl, nr);
            });
          const f = swap ? transposedForm(form) : form;
          const ins = [operandBuffer(l as Var), operandBuffer(r as Var)] as const;
          const [ia, ib] = swap ? [ins[1], ins[0]] : ins;
          const b = newBuffer({
            dtype: "float32",
            shape: swap ? transposedShape(out.aval.shape, nb, nl) : out.aval.shape,
            role: "temp",
          });
          steps.push({
            kind: "contract",
            out: b,
            batch: f.batch,
            m: f.m,
            k: f.k,
            n: f.n,
            a: { buf: ia, offset: 0, ...f.a },
            b: { buf: ib, offset: 0, ...f.b },
            eqn: e,
            inputs: ins,
            ...(swap ? { transposed: true } : {}),
          });
          if (swap) {
            // The product's own index reads the transposed buffer.
            const ts = transposedShape(out.aval.shape, nb, nl);
            const st = contiguousStrides(ts);
            const strides = out.aval.shape.map((_, j) => st[transposedDim(j, nb, nl, nr)]);
            lazyOf.set(out, { shape: out.aval.shape, expr: S.input(0, "float32"), views: [{ buf: b, offset: 0, strides }] });
          } else bufOf.set(out, b);
          continue;
        }
        // Any other float dot_general is a reduction: out[b, i, j] = Σ_k l[b, i, k]·r[b, k, j] over
        // an index space (output dims, then contracted dims) that reads both operands through views,
        // so their producers fuse in as a prologue. (Accumulated in float64 like the reference kernel.)
        const shape = [...out.aval.shape, ...dims.contracting[0].map((d) => l.aval.shape[d])];
        const [lm, rm] = termMaps(l.aval.shape, r.aval.shape, dims, dims.contracting[0].length);
        const { exprs, views } = combine([reindex(valueOf(l), lm, shape), reindex(valueOf(r), rm, shape)]);
        const b = newBuffer({ dtype: out.aval.dtype, shape: out.aval.shape, role: "temp" });
        steps.push({
          kind: "reduce",
          out: b,
          op: "sum",
          shape,
          keep: outRank,
          inputs: views,
          expr: S.binary("mul", exprs[0], exprs[1]),
          dtype: out.aval.dtype,
        });
        bufOf.set(out, b);
        continue;
      }
      // Concatenate, pad: an optional fill, then each operand (with its fused producers) written
      // straight into its strided region of the output.
      if (lower.kind === "assemble") {
        const { shape, dtype } = out.aval;
        const asm = lower.pieces(
          e.inputs.map((a) => a.aval.shape),
          shape,
          e.params,
        );
        const b = fresh(out);
        const st = contiguousStrides(shape);
        const before = steps.length;
        if (asm.fill !== null) {
          steps.push({ kind: "map", out: b, shape, inputs: [], expr: S.constant(castScalar(dtype, asm.fill), dtype) });
        }
        for (const piece of asm.pieces) {
          const l = valueOf(e.inputs[piece.input]);
          if (sizeOfShape(l.shape) === 0) continue;
          const offset = piece.start.reduce((o, x, d) => o + x * st[d], 0);
          const dest = { offset, strides: st.map((x, d) => x * piece.step[d]) };
          steps.push({ kind: "map", out: b, shape: l.shape, inputs: l.views, expr: l.expr, dest });
        }
        // An empty output still needs a step that creates its buffer.
        if (steps.length === before) steps.push({ kind: "map", out: b, shape, inputs: [], expr: S.constant(0, dtype) });
        continue;
      }
      // A loop: consts and the initial carry are read from buffers (or literals), the body is
      // scheduled inline over the carry buffers and per-iteration row buffers of the xs.
      if (lower.kind === "loop") {
        const loop = lower.loop(e.params);
        const nc = loop.numConsts;
        const nk = loop.numCarry;
        const operands = e.inputs.map(operandOf);
        const consts = operands.slice(0, nc);
        const outs = e.outVars.map(fresh);
        const carry = outs.slice(0, nk);
        const xs = operands.slice(nc + nk).map((x) => {
          const src = x as number;
          const { dtype, shape } = buffers[src];
          return { src, row: newBuffer({ dtype, shape: shape.slice(1), role: "temp" }) };
        });
        let trip: LoopStep["trip"];
        if (loop.trip.kind === "while") {
          const condSteps: Step[] = [];
          const cc = loop.trip.condConsts.map((i) => consts[i]);
          const results = scheduleIr(prepare(loop.trip.cond), [...cc, ...carry], condSteps);
          trip = { kind: "while", cond: { steps: condSteps, results } };
        } else trip = loop.trip;
        const bodySteps: Step[] = [];
        const bc = loop.bodyConsts.map((i) => consts[i]);
        const results = scheduleIr(prepare(loop.body), [...bc, ...carry, ...xs.map((x) => x.row)], bodySteps).map(
          (r, j): Output => {
            // A next carry that is another carry's buffer (c = (b, a)) is copied first, so the
            // end-of-iteration copies never read a carry they already overwrote.
            if (j >= nk || !("buf" in r) || r.buf === carry[j] || !carry.includes(r.buf)) return r;
            return { buf: copyOf(r.buf, bodySteps) };
          },
        );
        steps.push({
          kind: "loop",
          eqn: e,
          inputs: operands,
          outs,
          numCarry: nk,
          init: operands.slice(nc, nc + nk),
          trip,
          xs,
          body: { steps: bodySteps, results },
        });
        continue;
      }
      // A conditional: every branch scheduled inline over the operands.
      if (lower.kind === "branch") {
        const operands = e.inputs.map(operandOf);
        const outs = e.outVars.map(fresh);
        const branches = lower.branches(e.params).map((br) => {
          const st: Step[] = [];
          const results = scheduleIr(prepare(br), operands.slice(1), st);
          return { steps: st, results };
        });
        steps.push({ kind: "branch", eqn: e, inputs: operands, outs, index: operands[0], branches });
        continue;
      }
      // Anything else runs its reference kernel on whole buffers.
      const callInputs = e.inputs.map(operandOf);
      const outs = e.outVars.map((v) => {
        const b = newBuffer({ dtype: v.aval.dtype, shape: v.aval.shape, role: "temp" });
        bufOf.set(v, b);
        return b;
      });
      steps.push({ kind: "call", eqn: e, inputs: callInputs, outs });
    }
    const results: Output[] = ir.outs.map((a) => {
      const lit = litAt(a);
      return lit !== null ? { literal: lit.value } : { buf: bufferOf(a as Var) };
    });
    return results;
  };
  const outputs = scheduleIr(ir, inputs, steps);
  return { buffers, inputs, steps, outputs };
}
