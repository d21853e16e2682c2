/**
 * The compiler pipeline: staged IR → passes (inline calls, CSE, constant folding, DCE) →
 * schedule (fusion into a kernel program) → a backend. `compileIr(ir, backend)` is cached per IR
 * object, so a jitted function compiles once per input signature.
 */
import { ConcreteArray, fullConcrete } from "../core/array.js";
import type { TypedArray } from "../core/dtype.js";
import { executeReference, registerRunner } from "../ir/execute.js";
import type { Ir } from "../ir/ir.js";
import { dce } from "../ir/passes/dce.js";
import { printIr } from "../ir/print.js";
import { compileJs } from "./backends/js.js";
import { compileWasm } from "./backends/wasm/program.js";
import type { Program } from "./kernel.js";
import { cse } from "./passes/cse.js";
import { foldConstants } from "./passes/fold.js";
import { inlineCalls } from "./passes/inline.js";
import { schedule } from "./schedule.js";

/**
 * Where a compiled program runs: the reference kernels one by one, one generated JS function, or
 * one WebAssembly module (programs it cannot compile run on the JS backend, as asText() says).
 */
export type Backend = "reference" | "js" | "wasm";

export const BACKENDS: readonly Backend[] = ["reference", "js", "wasm"];

export interface Executable {
  readonly backend: Backend;
  /** Run on concrete inputs; the outputs are fresh arrays (inputs are never written). */
  run(args: readonly ConcreteArray[]): ConcreteArray[];
  /** The optimised IR, the kernels (fusion groups), and the generated code. */
  asText(): string;
}

/** The IR passes, in order, to a fixed point of cheap rewrites. */
export function optimize(ir: Ir): Ir {
  return dce(foldConstants(cse(inlineCalls(ir))));
}

function describe(p: Program): string {
  const buf = (b: number) => {
    const x = p.buffers[b];
    return `b${b}:${x.dtype}[${x.shape.join(",")}]${x.role === "temp" ? "" : ` (${x.role})`}`;
  };
  return p.steps
    .map((s, i) => {
      if (s.kind === "call") return `  ${i}: call ${s.eqn.prim.name} → ${s.outs.map(buf).join(", ")}`;
      if (s.kind === "contract") {
        const op = (o: typeof s.a) => `b${o.buf}@${o.offset}[${o.bs},${o.rs},${o.cs}]`;
        const t = s.transposed === true ? " (the product's transpose)" : "";
        return `  ${i}: contract ${s.batch}×(${s.m}×${s.k})·(${s.k}×${s.n}) ${op(s.a)} ${op(s.b)} → ${buf(s.out)}${t}`;
      }
      const ins = s.inputs.map((v) => `b${v.buf}@${v.offset}[${v.strides.join(",")}]`).join(" ");
      const what = s.kind === "map" ? "map" : `reduce_${s.op} over the last ${s.shape.length - s.keep} of [${s.shape.join(",")}]`;
      return `  ${i}: ${what} ${ins} → ${buf(s.out)}`;
    })
    .join("\n");
}

function compileUncached(ir: Ir, backend: Backend): Executable {
  if (backend === "reference") {
    return { backend, run: (args) => executeReference(ir, args), asText: () => `backend: reference\n${printIr(ir)}` };
  }
  const opt = optimize(ir);
  const program = schedule(opt);
  const outAvals = opt.outAvals;
  const wrap = (bufs: readonly (TypedArray | null)[]): ConcreteArray[] =>
    outAvals.map((a, i) => {
      const o = program.outputs[i];
      if ("literal" in o) return fullConcrete([], a.dtype, o.literal, a.weakType);
      return ConcreteArray.ofAval(a, bufs[i] as TypedArray);
    });
  const kernels = `${printIr(opt)}\nkernels (${program.steps.length}):\n${describe(program)}`;
  let fallback = "";
  // Loop bodies and branches (the call steps of control flow) run compiled on this backend too.
  const evaluator = { run: (sub: Ir, args: readonly ConcreteArray[]) => compileIr(sub, backend).run(args) };
  if (backend === "wasm") {
    const wasm = compileWasm(program, evaluator);
    if (!("unsupported" in wasm)) {
      return {
        backend,
        run: (args) => wrap(wasm.run(args)),
        asText: () => `backend: wasm\n${kernels}\nbuffer plan:\n${wasm.text}`,
      };
    }
    fallback = ` (wasm: ${wasm.unsupported})`;
  }
  const js = compileJs(program, evaluator);
  return {
    backend,
    run: (args) => wrap(js.run(args)),
    asText: () => `backend: js${fallback}\n${kernels}\ncode:\n${js.source}`,
  };
}

const caches: Record<Backend, WeakMap<Ir, Executable>> = { reference: new WeakMap(), js: new WeakMap(), wasm: new WeakMap() };

/** The executable of `ir` on `backend` (compiled once per IR object). */
export function compileIr(ir: Ir, backend: Backend): Executable {
  const cache = caches[backend];
  let exe = cache.get(ir);
  if (exe === undefined) {
    exe = compileUncached(ir, backend);
    cache.set(ir, exe);
  }
  return exe;
}

registerRunner("js", (ir, args) => compileIr(ir, "js").run(args));
registerRunner("wasm", (ir, args) => compileIr(ir, "wasm").run(args));
