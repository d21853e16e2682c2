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
import { mapOutputs, type Operand, type Output, type Program, type Step } from "./kernel.js";
import { mergeMaps } from "./merge-maps.js";
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
  /**
   * Run on concrete inputs; the outputs are fresh arrays (inputs are never written). `into[i]`,
   * when given, is a donated buffer of output i's size and dtype that the backend may write
   * output i into instead of allocating (the Wasm backend does: it copies outputs out of its
   * memory after every step has run, so no step can read a donated input after it is written).
   */
  run(args: readonly ConcreteArray[], into?: readonly (TypedArray | undefined)[]): ConcreteArray[];
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
  const operand = (x: Operand) => (typeof x === "number" ? `b${x}` : `${x.literal}`);
  const result = (r: Output) => ("buf" in r ? `b${r.buf}` : `${r.literal}`);
  const lines: string[] = [];
  const steps = (list: readonly Step[], pad: string): void => {
    list.forEach((s, i) => {
      const at = `${pad}${i}: `;
      if (s.kind === "call") lines.push(`${at}call ${s.eqn.prim.name} → ${s.outs.map(buf).join(", ")}`);
      else if (s.kind === "contract") {
        const op = (o: typeof s.a) => `b${o.buf}@${o.offset}[${o.bs},${o.rs},${o.cs}]`;
        const t = s.transposed === true ? " (the product's transpose)" : "";
        lines.push(`${at}contract ${s.batch}×(${s.m}×${s.k})·(${s.k}×${s.n}) ${op(s.a)} ${op(s.b)} → ${buf(s.out)}${t}`);
      } else if (s.kind === "loop") {
        const nk = s.numCarry;
        const trip = s.trip.kind === "count" ? `${s.trip.length} iterations${s.trip.reverse ? ", reversed" : ""}` : "while";
        const carry = s.outs.slice(0, nk).map((b, k) => `${buf(b)} ← ${operand(s.init[k])}`);
        lines.push(`${at}loop ${s.eqn.prim.name} (${trip}) carry ${carry.join(", ") || "none"}`);
        if (s.xs.length > 0) lines.push(`${pad}   xs rows: ${s.xs.map((x) => `b${x.src}[i] → ${buf(x.row)}`).join(", ")}`);
        if (s.trip.kind === "while") {
          lines.push(`${pad}   cond → ${result(s.trip.cond.results[0])}:`);
          steps(s.trip.cond.steps, `${pad}     `);
        }
        lines.push(`${pad}   body:`);
        steps(s.body.steps, `${pad}     `);
        const r = s.body.results;
        const next = r.slice(0, nk).map((x, k) => `${result(x)} → b${s.outs[k]}`);
        const ys = r.slice(nk).map((x, k) => `${result(x)} → ${buf(s.outs[nk + k])}[i]`);
        lines.push(`${pad}   end of iteration: ${[...ys, ...next].join(", ") || "nothing"}`);
      } else if (s.kind === "branch") {
        lines.push(`${at}branch ${s.eqn.prim.name} on ${operand(s.index)} → ${s.outs.map(buf).join(", ")}`);
        s.branches.forEach((b, k) => {
          lines.push(`${pad}   branch ${k} → ${b.results.map(result).join(", ")}:`);
          steps(b.steps, `${pad}     `);
        });
      } else {
        const ins = s.inputs.map((v) => `b${v.buf}@${v.offset}[${v.strides.join(",")}]`).join(" ");
        const what =
          s.kind === "map" ? "map" : `reduce_${s.op} over the last ${s.shape.length - s.keep} of [${s.shape.join(",")}]`;
        const into = s.kind === "map" && s.dest ? ` @${s.dest.offset}[${s.dest.strides.join(",")}]` : "";
        const outs =
          s.kind === "map"
            ? mapOutputs(s)
                .map((o) => buf(o.out))
                .join(", ")
            : buf(s.out);
        lines.push(`${at}${what} ${ins} → ${outs}${into}`);
      }
    });
  };
  steps(p.steps, "  ");
  return lines.join("\n");
}

function compileUncached(ir: Ir, backend: Backend): Executable {
  if (backend === "reference") {
    return { backend, run: (args) => executeReference(ir, args), asText: () => `backend: reference\n${printIr(ir)}` };
  }
  const opt = optimize(ir);
  const scheduled = schedule(opt, optimize);
  const program = { ...scheduled, steps: mergeMaps(scheduled.steps, scheduled.buffers) };
  const outAvals = opt.outAvals;
  const wrap = (bufs: readonly (TypedArray | null)[], into?: readonly (TypedArray | undefined)[]): ConcreteArray[] =>
    outAvals.map((a, i) => {
      const o = program.outputs[i];
      if ("literal" in o) return fullConcrete([], a.dtype, o.literal, a.weakType);
      const b = bufs[i] as TypedArray;
      return ConcreteArray.ofAval(a, b, into !== undefined && into[i] === b);
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
        run: (args, into) => wrap(wasm.run(args, into), into),
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
