/**
 * The compiler pipeline: staged IR → passes (inline calls, CSE, constant folding, DCE) →
 * schedule (fusion into a kernel program) → a backend. `compileIr(ir, backend)` is cached per IR
 * object, so a jitted function compiles once per input signature.
 */
import { ConcreteArray, fullConcrete } from "../core/array.js";
import { executeReference, registerRunner } from "../ir/execute.js";
import type { Ir } from "../ir/ir.js";
import { dce } from "../ir/passes/dce.js";
import { printIr } from "../ir/print.js";
import { compileJs } from "./backends/js.js";
import type { Program } from "./kernel.js";
import { cse } from "./passes/cse.js";
import { foldConstants } from "./passes/fold.js";
import { inlineCalls } from "./passes/inline.js";
import { schedule } from "./schedule.js";

/** Where a compiled program runs: the reference kernels one by one, or one generated JS function. */
export type Backend = "reference" | "js";

export const BACKENDS: readonly Backend[] = ["reference", "js"];

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
  const js = compileJs(program);
  const outAvals = opt.outAvals;
  const run = (args: readonly ConcreteArray[]): ConcreteArray[] => {
    const bufs = js.run(args);
    return outAvals.map((a, i) => {
      const o = program.outputs[i];
      if ("literal" in o) return fullConcrete([], a.dtype, o.literal, a.weakType);
      return ConcreteArray.ofAval(a, bufs[i]);
    });
  };
  return {
    backend,
    run,
    asText: () => `backend: js\n${printIr(opt)}\nkernels (${program.steps.length}):\n${describe(program)}\ncode:\n${js.source}`,
  };
}

const caches: Record<Backend, WeakMap<Ir, Executable>> = { reference: new WeakMap(), js: new WeakMap() };

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
