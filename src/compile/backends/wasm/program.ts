/**
 * The Wasm backend: a whole kernel program becomes ONE WebAssembly module whose exported `run`
 * executes every step in order over one linear memory laid out by the static buffer plan
 * (plan.ts). Inputs are copied into their slots per call, constants once, and each output is
 * copied out into a fresh typed array, so callers never see the shared memory.
 *
 * - map: nested loops over the collapsed index space with one byte pointer per view; the
 *   innermost dim runs f32x4/i32x4 lanes when every view steps 1 or 0 along it (stride-0 loads
 *   are hoisted out of the loop and splatted), then a scalar loop for the tail.
 * - reduce: scalar loops; float32 sum/prod accumulate in float64 in the reference order (as the
 *   JS backend does, so both give the same bits), max/min keep the first NaN as the reference.
 *   A contiguous innermost kept dim (column sums) runs four outputs per vector (reduce.ts), each
 *   in the same order, so the bits are the same.
 * - contract: small products as shape-specialised f32x4 code (small-matmul.ts), larger ones on
 *   the blocked f32x4 sgemm of matmul.ts, defined inside the same module.
 * Steps without a Wasm form (reference-kernel calls such as gather or control flow, and
 * expressions with ops the emitter lacks) run in JS between Wasm segments, over views of the same
 * memory: the module exports one function per run of Wasm steps. Programs with other dtypes
 * (float64, uint32) are not compiled here: `compileWasm` says why and the caller runs the JS
 * backend.
 */
import { ConcreteArray } from "../../../core/array.js";
import type { DType, TypedArray } from "../../../core/dtype.js";
import type { IrEvaluator } from "../../../core/primitive.js";
import { copyOut } from "../../../core/small-buffers.js";
import type { ContractStep, MapStep, Program, ReduceStep, Step } from "../../kernel.js";
import { allSteps, contiguousStrides, mapOutputs, sizeOfShape } from "../../kernel.js";
import { type BufferPlan, ELEMENT_BYTES, planBuffers } from "../../plan.js";
import { collapse, compileJs } from "../js.js";
import { hoist, load, nest, type Ptr, push, repeat, store } from "./access.js";
import { controlUnsupported, emitBranch, emitLoop, type StepEmitter } from "./control.js";
import { type Code, type FuncRef, type Local, ModuleBuilder } from "./encoder.js";
import {
  branchOnSubnormal,
  ExprEmitter,
  HOST_IMPORTS,
  type HostImports,
  hasFloatArithmetic,
  importHosts,
  unsupported,
} from "./expr.js";
import { defineSgemm, workBytes } from "./matmul.js";
import { emitVectorReduce, vectorReduceUnsupported } from "./reduce.js";
import { defaultBlocking } from "./sgemm.js";
import { emitSmallContraction, smallFits, smallWorkBytes } from "./small-matmul.js";

const DTYPES = new Set<DType>(["float32", "int32", "bool"]);
/** Wasm memories here stay below 1 GiB (a 32-bit address space, shared with other programs). */
const MAX_BYTES = 2 ** 30;

class Emitter implements StepEmitter {
  constructor(
    readonly m: ModuleBuilder,
    readonly c: Code,
    readonly program: Program,
    readonly plan: BufferPlan,
    readonly sgemm: FuncRef | null,
    readonly work: number,
    readonly hosts: HostImports,
  ) {}

  addr(buf: number, offset = 0): number {
    return this.plan.offsets[buf] + offset * ELEMENT_BYTES[this.program.buffers[buf].dtype];
  }

  dtypeOf(buf: number): DType {
    return this.program.buffers[buf].dtype;
  }

  map(s: MapStep): void {
    const c = this.c;
    if (sizeOfShape(s.shape) === 0) return;
    // The outputs are the last views: row-major, or (one output) the region `dest` of a
    // concatenate or pad. Outputs of a multi-output map are all row-major.
    const outs = mapOutputs(s);
    const dest = s.dest ?? { offset: 0, strides: contiguousStrides(s.shape) };
    const nIn = s.inputs.length;
    const views = [...s.inputs, ...outs.map((o) => ({ buf: o.out, ...dest }))];
    const { shape, strides: all } = collapse(s.shape, views, false);
    const strides = all.slice(0, nIn);
    const outSts = all.slice(nIn);
    const dts = s.inputs.map((v) => this.dtypeOf(v.buf));
    const outDs = outs.map((o) => this.dtypeOf(o.out));
    const outBs = outDs.map((d) => ELEMENT_BYTES[d]);
    const bytes = [...dts.map((d) => ELEMENT_BYTES[d]), ...outBs];
    const starts = views.map((v) => this.addr(v.buf, v.offset));
    const rank = shape.length;
    const roots = outs.map((o) => o.expr);
    const canVector = roots.every((e) => unsupported(e, true) === null);
    const inner = (all: readonly Ptr[]) => {
      const ptrs = all.slice(0, nIn);
      const os = all.slice(nIn).map((p) => {
        const o = c.local("i32");
        push(c, p).set(o);
        return o;
      });
      const n = rank === 0 ? 1 : shape[rank - 1];
      const st = strides.map((x) => (rank === 0 ? 0 : x[rank - 1]));
      const sos = outSts.map((x) => (rank === 0 ? 1 : x[rank - 1]));
      const vector = canVector && n >= 4 && sos.every((x) => x === 1) && st.every((x) => x === 0 || x === 1);
      const hoisted = st.map((x, k) => (x === 0 && rank > 0 ? hoist(c, ptrs[k], dts[k], vector) : null));
      const q = ptrs.map((p, k) => {
        if (hoisted[k] !== null) return null;
        const l = c.local("i32");
        push(c, p).set(l);
        return l;
      });
      const loadAll = (vec: boolean) =>
        s.inputs.map((_, k) => {
          const h = hoisted[k];
          if (h !== null) return vec ? (h.vec as Local) : h.scalar;
          const l = c.local(vec ? "v128" : dts[k] === "float32" ? "f32" : "i32");
          c.get(q[k] as Local);
          load(c, dts[k], vec);
          c.set(l);
          return l;
        });
      const body = (vec: boolean, wide = false) => compute(vec, loadAll(vec), wide);
      // Adam's moments of dead units decay to the smallest subnormal and stay there (0.9·2⁻¹⁴⁹
      // rounds back to 2⁻¹⁴⁹): docs/design.md, "Subnormal operands".
      const guarded = () => {
        const loaded = loadAll(true);
        branchOnSubnormal(
          c,
          loaded.filter((_, k) => dts[k] === "float32"),
          () => compute(true, loaded, true),
          () => compute(true, loaded, false),
        );
      };
      const compute = (vec: boolean, loaded: readonly Local[], wide: boolean) => {
        const ex = new ExprEmitter(this.m, c, vec, (k) => c.get(loaded[k]), this.hosts, wide);
        ex.emitEach(roots, (k, value) => {
          c.get(os[k]);
          value();
          store(c, outDs[k], vec);
        });
        const lanes = vec ? 4 : 1;
        os.forEach((o, k) => {
          c.get(o)
            .i32.const(lanes * sos[k] * outBs[k])
            .i32.add()
            .set(o);
        });
        q.forEach((l, k) => {
          if (l !== null)
            c.get(l)
              .i32.const(lanes * st[k] * bytes[k])
              .i32.add()
              .set(l);
        });
      };
      const guard = vector && dts.includes("float32") && roots.some(hasFloatArithmetic);
      if (vector) repeat(c, Math.floor(n / 4), () => (guard ? guarded() : body(true)));
      const tail = vector ? n % 4 : n;
      // Tails of vector loops are short: they always take the float64 path.
      if (tail > 0) repeat(c, tail, () => body(false, guard));
    };
    if (rank === 0) inner(starts);
    else
      nest(
        c,
        shape.slice(0, -1),
        all.map((x) => x.slice(0, -1)),
        bytes,
        starts,
        inner,
      );
  }

  steps(list: readonly Step[]): void {
    for (const s of list) {
      if (s.kind === "map") this.map(s);
      else if (s.kind === "reduce") this.reduce(s);
      else if (s.kind === "contract") this.contract(s);
      else if (s.kind === "loop") emitLoop(this, s);
      else if (s.kind === "branch") emitBranch(this, s);
    }
  }

  reduce(s: ReduceStep): void {
    if (vectorReduceUnsupported(s, (b) => this.dtypeOf(b)) === null) {
      emitVectorReduce(this.m, this.c, s, this);
      return;
    }
    const c = this.c;
    const keptShape = s.shape.slice(0, s.keep);
    if (sizeOfShape(keptShape) === 0) return;
    const redShape = s.shape.slice(s.keep);
    const outer = collapse(
      keptShape,
      s.inputs.map((v) => ({ ...v, strides: v.strides.slice(0, s.keep) })),
      false,
    );
    const inner = collapse(
      redShape,
      s.inputs.map((v) => ({ ...v, strides: v.strides.slice(s.keep) })),
      false,
    );
    const dts = s.inputs.map((v) => this.dtypeOf(v.buf));
    const bytes = dts.map((d) => ELEMENT_BYTES[d]);
    const d = s.dtype;
    const o = c.local("i32");
    c.i32.const(this.addr(s.out)).set(o);
    const wide = d === "float32" && (s.op === "sum" || s.op === "prod");
    const acc = c.local(wide ? "f64" : d === "float32" ? "f32" : "i32");
    const init = () => {
      if (wide) c.f64.const(s.op === "sum" ? 0 : 1);
      else if (d === "float32") c.f32.const(s.op === "max" ? -Infinity : Infinity);
      else if (d === "bool") c.i32.const(s.op === "min" ? 1 : 0);
      else c.i32.const(s.op === "sum" ? 0 : s.op === "max" ? -2147483648 : 2147483647);
      c.set(acc);
    };
    const combine = (v: Local) => {
      if (wide) {
        c.get(acc).get(v).f64.promote_f32();
        s.op === "sum" ? c.f64.add() : c.f64.mul();
      } else if (d === "float32") {
        // v > acc (v < acc for min) or v is NaN: NaN wins and ties keep the first, as the reference.
        c.get(v).get(acc).get(v).get(acc);
        s.op === "max" ? c.f32.gt() : c.f32.lt();
        c.get(v).get(v).f32.ne().i32.or().select();
      } else if (d === "bool") {
        c.get(acc).get(v);
        s.op === "max" ? c.i32.or() : c.i32.and();
      } else if (s.op === "sum") c.get(acc).get(v).i32.add();
      else {
        c.get(v).get(acc).get(v).get(acc);
        s.op === "max" ? c.i32.gt_s() : c.i32.lt_s();
        c.select();
      }
      c.set(acc);
    };
    const redSize = sizeOfShape(redShape);
    nest(
      c,
      outer.shape,
      outer.strides,
      bytes,
      s.inputs.map((v) => this.addr(v.buf, v.offset)),
      (ptrs) => {
        init();
        if (redSize > 0) {
          nest(c, inner.shape, inner.strides, bytes, ptrs, (q) => {
            const loaded = s.inputs.map((_, k) => {
              const l = c.local(dts[k] === "float32" ? "f32" : "i32");
              push(c, q[k]);
              load(c, dts[k], false);
              c.set(l);
              return l;
            });
            const ex = new ExprEmitter(this.m, c, false, (k) => c.get(loaded[k]), this.hosts);
            const v = c.local(d === "float32" ? "f32" : "i32");
            ex.emit(s.expr);
            c.set(v);
            combine(v);
          });
        }
        c.get(o).get(acc);
        if (wide) c.f32.demote_f64();
        store(c, d, false);
        c.get(o).i32.const(ELEMENT_BYTES[d]).i32.add().set(o);
      },
    );
  }

  contract(s: ContractStep): void {
    const c = this.c;
    const { batch, m, k, n, a, b } = s;
    if (batch * m * n === 0) return;
    const out = this.addr(s.out);
    if (smallFits(s)) {
      const operand = (o: ContractStep["a"]) => ({ addr: this.addr(o.buf, o.offset), bs: o.bs, rs: o.rs, cs: o.cs });
      emitSmallContraction(c, { batch, m, k, n, a: operand(a), b: operand(b), out, fma: defaultBlocking().fma }, this.work);
      return;
    }
    if (k === 0) {
      c.i32
        .const(out)
        .i32.const(0)
        .i32.const(4 * batch * m * n)
        .memory.fill();
      return;
    }
    const [pa, pb, pc] = [c.local("i32"), c.local("i32"), c.local("i32")];
    c.i32.const(this.addr(a.buf, a.offset)).set(pa);
    c.i32.const(this.addr(b.buf, b.offset)).set(pb);
    c.i32.const(out).set(pc);
    repeat(c, batch, () => {
      c.i32.const(m).i32.const(n).i32.const(k);
      c.get(pa).i32.const(a.rs).i32.const(a.cs);
      c.get(pb).i32.const(b.rs).i32.const(b.cs);
      c.get(pc).i32.const(n).i32.const(0).i32.const(0).i32.const(this.work);
      c.call(this.sgemm as FuncRef);
      c.get(pa)
        .i32.const(4 * a.bs)
        .i32.add()
        .set(pa);
      c.get(pb)
        .i32.const(4 * b.bs)
        .i32.add()
        .set(pb);
      c.get(pc)
        .i32.const(4 * m * n)
        .i32.add()
        .set(pc);
    });
  }
}

export interface WasmExecutable {
  /** The buffer plan and module size, for `asText()`. */
  readonly text: string;
  /**
   * Runs the program; the typed array of each output (null for literal outputs): `into[i]` when
   * given (a donated buffer of that size and dtype), a fresh one otherwise.
   */
  run(args: readonly ConcreteArray[], into?: readonly (TypedArray | undefined)[]): (TypedArray | null)[];
}

/** Why `program` cannot run on the Wasm backend, or null. */
export function wasmUnsupported(program: Program): string | null {
  for (const b of program.buffers) if (!DTYPES.has(b.dtype)) return `${b.dtype} buffer b${b.id}`;
  return null;
}

/** Why step `s` runs in JS rather than in the module, or null when it compiles to Wasm. */
/**
 * Contractions of at least this many flops run on the eager kernel, whose sgemm splits them
 * across the worker pool (the module's own sgemm runs on the calling thread).
 */
const THREADED_CONTRACT_FLOPS = 8e6;

function stepUnsupported(s: Step): string | null {
  if (s.kind === "call") return `${s.eqn.prim.name} runs a reference kernel`;
  // A loop or branch with a body step that has no Wasm form runs its primitive's kernel in JS,
  // its body compiled on its own (correct, slower: one call per iteration).
  if (s.kind === "loop" || s.kind === "branch") return controlUnsupported(s, stepUnsupported);
  if (s.kind === "contract" && 2 * s.batch * s.m * s.n * s.k >= THREADED_CONTRACT_FLOPS) {
    return "a large contraction runs on the threaded sgemm";
  }
  if (s.kind === "map") {
    for (const o of mapOutputs(s)) {
      const why = unsupported(o.expr, false, true);
      if (why !== null) return why;
    }
    return null;
  }
  if (s.kind === "reduce") {
    const why = unsupported(s.expr, false, true);
    if (why !== null) return why;
    if (s.dtype === "int32" && s.op === "prod") return "int32 reduce_prod";
    if (s.dtype === "bool" && (s.op === "sum" || s.op === "prod")) return `bool reduce_${s.op}`;
  }
  return null;
}

/** Compile `program` into one Wasm module, or give the reason it cannot be. */
export function compileWasm(program: Program, evaluator?: IrEvaluator): WasmExecutable | { readonly unsupported: string } {
  const why = wasmUnsupported(program);
  if (why !== null) return { unsupported: why };
  if (typeof WebAssembly === "undefined" || typeof TextEncoder === "undefined") return { unsupported: "no WebAssembly here" };
  // With no step in Wasm the module would only copy inputs in and outputs out around JS steps
  // (a lone large matmul runs on the threaded eager kernel): the JS backend runs the same steps
  // on the inputs' own buffers.
  if (program.steps.length > 0 && program.steps.every((s) => stepUnsupported(s) !== null)) {
    return { unsupported: "no step compiles to Wasm (each runs in JS), so the JS backend runs them without copies" };
  }
  const contracts = [...allSteps(program.steps)].filter((s): s is ContractStep => s.kind === "contract");
  const hasContract = contracts.some((s) => !smallFits(s));
  // The work area of sgemm (packed panels) and of the small kernels (a packed B) sits at byte 64, before the arena.
  const work = Math.max(
    hasContract ? workBytes(defaultBlocking()) : 0,
    ...contracts.map((s) => (smallFits(s) ? smallWorkBytes(s) : 0)),
  );
  const base = Math.ceil((64 + work) / 64) * 64;
  const plan = planBuffers(program, base);
  if (plan.end > MAX_BYTES) return { unsupported: `the buffer plan needs ${plan.end} bytes` };
  const pages = Math.max(1, Math.ceil(plan.end / 65536));
  try {
    return instantiate(program, plan, pages, hasContract, base, evaluator);
  } catch (e) {
    // No WebAssembly here (a strict Content-Security-Policy, a bare realm) or no memory to spare.
    return { unsupported: `WebAssembly cannot run (${(e as Error).message})` };
  }
}

/** A run of steps: Wasm steps become one exported function, a JS step runs on its own. */
type Segment =
  | { readonly wasm: true; readonly steps: readonly Step[] }
  | { readonly wasm: false; readonly step: Step; readonly why: string };

function segments(program: Program): Segment[] {
  const out: Segment[] = [];
  let run: Step[] = [];
  for (const s of program.steps) {
    const why = stepUnsupported(s);
    if (why === null) {
      run.push(s);
      continue;
    }
    if (run.length > 0) out.push({ wasm: true, steps: run });
    run = [];
    out.push({ wasm: false, step: s, why });
  }
  if (run.length > 0) out.push({ wasm: true, steps: run });
  return out;
}

/** A one-step program over the step's operand buffers, for the JS backend. */
function stepProgram(program: Program, s: Step): { sub: Program; ins: number[]; outs: number[] } {
  const ins = [
    ...new Set(
      s.kind === "map" || s.kind === "reduce"
        ? s.inputs.map((v) => v.buf)
        : s.kind === "contract"
          ? s.inputs
          : s.inputs.filter((x): x is number => typeof x === "number"),
    ),
  ];
  // A piece of a concatenate or pad writes into a buffer earlier steps filled: pass it in.
  if (s.kind === "map" && s.dest) ins.push(s.out);
  const outs =
    s.kind === "call" || s.kind === "loop" || s.kind === "branch"
      ? [...s.outs]
      : s.kind === "map"
        ? mapOutputs(s).map((o) => o.out)
        : [s.out];
  const sub: Program = {
    buffers: program.buffers.map((b) => (ins.includes(b.id) ? { ...b, role: "input" as const, value: undefined } : b)),
    inputs: ins,
    steps: [s],
    outputs: outs.map((b) => ({ buf: b })),
  };
  return { sub, ins, outs };
}

function instantiate(
  program: Program,
  plan: BufferPlan,
  pages: number,
  hasContract: boolean,
  base: number,
  evaluator: IrEvaluator | undefined,
): WasmExecutable {
  const blocking = defaultBlocking();
  const work = 64;
  const mb = new ModuleBuilder();
  mb.importMemory("env", "memory", { initial: pages });
  const hosts = importHosts(mb);
  const sgemm = hasContract ? defineSgemm(mb, blocking) : null;
  const segs = segments(program);
  const names: string[] = [];
  segs.forEach((seg, k) => {
    if (!seg.wasm) return;
    const name = `run${k}`;
    names.push(name);
    const f = mb.func(name, { params: [], results: [] }, (c) => {
      new Emitter(mb, c, program, plan, sgemm, work, hosts).steps(seg.steps);
    });
    mb.exportFunc(f);
  });
  const bytes = mb.toBytes();
  const memory = new WebAssembly.Memory({ initial: pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory }, host: HOST_IMPORTS });
  const view = (b: number): TypedArray => {
    const buf = program.buffers[b];
    const n = sizeOfShape(buf.shape);
    const at = plan.offsets[b];
    if (buf.dtype === "float32") return new Float32Array(memory.buffer, at, n);
    if (buf.dtype === "int32") return new Int32Array(memory.buffer, at, n);
    return new Uint8Array(memory.buffer, at, n);
  };
  for (const b of program.buffers) if (b.role === "const" && b.value) view(b.id).set(b.value.buffer);
  const ins = program.inputs.map(view);
  const outs = program.outputs.map((o) => ("buf" in o ? view(o.buf) : null));
  // Each segment as a thunk: a Wasm export, or a JS step reading and writing views of the memory.
  const thunks = segs.map((seg, k): (() => void) => {
    if (seg.wasm) return instance.exports[`run${k}`] as () => void;
    const { sub, ins: sIns, outs: sOuts } = stepProgram(program, seg.step);
    const js = compileJs(sub, evaluator);
    const args = sIns.map((b) => new ConcreteArray(program.buffers[b].shape, program.buffers[b].dtype, view(b)));
    const dests = sOuts.map(view);
    return () => {
      const res = js.run(args);
      for (let i = 0; i < dests.length; i++) dests[i].set(res[i] as TypedArray);
    };
  });
  const jsSteps = segs.filter((g) => !g.wasm).map((g) => (g.wasm ? "" : `${g.step.kind} (${g.why})`));
  const text =
    `wasm module: ${bytes.length} bytes, ${names.length} segment(s)${jsSteps.length > 0 ? `; steps run in JS: ${jsSteps.join(", ")}` : ""}, memory ${pages} pages; arena ${plan.end - base} bytes ` +
    `(temporaries ${plan.unshared} bytes before reuse)\n` +
    program.buffers.map((b) => `  b${b.id} @${plan.offsets[b.id]} (${plan.bytes[b.id]} bytes)`).join("\n");
  return {
    text,
    run: (args, into) => {
      for (let i = 0; i < ins.length; i++) ins[i].set(args[i].buffer);
      for (const t of thunks) t();
      if (into === undefined) return outs.map((v) => (v === null ? null : copyOut(v)));
      return outs.map((v, i) => {
        if (v === null) return null;
        const dest = into[i];
        if (dest === undefined || dest.length !== v.length || dest.constructor !== v.constructor) return copyOut(v);
        dest.set(v);
        return dest;
      });
    },
  };
}
