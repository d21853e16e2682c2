/**
 * jit: stage a function to IR once per input signature (tree structure + avals + static
 * values), cache it, and run it as a `jit_call`. Also makeIr and evalShape.
 */

import { jitCallP } from "../control/jit-call.js";
import { type Array, Array as ArrayClass, ConcreteArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { flags } from "../core/config.js";
import { TransformError } from "../core/errors.js";
import { bind, isEvalContext } from "../core/trace.js";
import { checkCompiled } from "../ir/float-check.js";
import type { Ir } from "../ir/ir.js";
import { flattenArrays } from "../transforms/args.js";
import { closeIr, type Staged, traceToIr } from "../transforms/stage.js";
import type { AnyFn, ArgsOf, AsArrays } from "../transforms/types.js";
import { type TreeDef, unflatten } from "../tree/index.js";
import { BACKENDS, type Backend, compileIr } from "./compile.js";

export interface JitOptions {
  /** Arguments passed by value into tracing (numbers, strings, options objects); part of the cache key. */
  staticArgnums?: number | readonly number[];
  /**
   * Where the compiled program runs: "wasm" (default; one WebAssembly module per program, falling
   * back to "js" for what it cannot compile), "js" (fused kernels in one generated JS function) or
   * "reference" (each primitive's reference kernel in turn: the definition of meaning).
   */
  backend?: Backend;
}

/** A hashable static value: JSON-like data. Functions, arrays and class instances are not. */
function staticKey(op: string, v: unknown, index: number): string {
  const seen = (x: unknown, path: string): void => {
    if (x === null || x === undefined || ["number", "string", "boolean"].includes(typeof x)) return;
    if (globalThis.Array.isArray(x)) return x.forEach((y, i) => seen(y, `${path}[${i}]`));
    if (typeof x === "object" && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null)) {
      for (const [k, y] of Object.entries(x)) seen(y, `${path}.${k}`);
      return;
    }
    throw new TransformError(
      `${op}: static argument ${index}${path} is ${typeof x === "function" ? "a function" : `an instance of ${(x as object).constructor?.name}`}, ` +
        "which is not hashable; static arguments must be numbers, strings, booleans, null, or plain objects/arrays of them. " +
        "Pass arrays as regular (traced) arguments instead",
    );
  };
  seen(v, "");
  return JSON.stringify(v, (_k, x) => (x === undefined ? "__undefined__" : x));
}

interface Entry {
  staged: Staged;
  closed: Ir | null;
  outDef: TreeDef;
  /** The output is one array (no tree to rebuild). */
  single: boolean;
}

/** A compiled program, for inspection: `jit(f).compile(...args).asText()`. */
export interface Compiled {
  readonly backend: Backend;
  /** The optimised IR, the kernels (fusion groups, one line per step) and the generated code. */
  asText(): string;
}

export type Jitted<F extends AnyFn> = ((...args: ArgsOf<F>) => AsArrays<ReturnType<F>>) & {
  /** The staged IR for these arguments (without running it). */
  lower(...args: ArgsOf<F>): Ir;
  /** The program compiled for these arguments on the jit's backend (the one calls run). */
  compile(...args: ArgsOf<F>): Compiled;
};

interface Signature {
  key: string;
  leaves: Array[];
  stage: () => { staged: Staged; outDef: TreeDef };
}

function signature(op: string, f: AnyFn, args: readonly unknown[], staticNums: readonly number[]): Signature {
  const dyn: unknown[] = [];
  const keyParts: string[] = [];
  args.forEach((a, i) => {
    if (staticNums.includes(i)) keyParts.push(`s${i}:${staticKey(op, a, i)}`);
    else dyn.push(a);
  });
  const [leaves, def] = flattenArrays(op, dyn, "argument", "weak");
  const avals = leaves.map((l) => l.aval);
  keyParts.push(def.toString(), avals.map((a) => a.str()).join(","));
  const stage = () => {
    let outDef: TreeDef | undefined;
    const staged = traceToIr(
      (...xs: Array[]) => {
        const dynArgs = unflatten(def, xs) as unknown[];
        let k = 0;
        const full = args.map((a, i) => (staticNums.includes(i) ? a : dynArgs[k++]));
        const out = (f as unknown as (...a: unknown[]) => unknown)(...full);
        const [ol, od] = flattenArrays(op, out, "output", "weak");
        outDef = od;
        return ol;
      },
      avals as ShapedArray[],
      op,
    );
    return { staged, outDef: outDef as TreeDef };
  };
  return { key: keyParts.join("|"), leaves, stage };
}

/**
 * Compile `f`: trace it to IR once per input signature and run the cached IR afterwards.
 * JS control flow on array values is not allowed inside (use np.where); static arguments
 * (`staticArgnums`) are passed through by value and retrace on change.
 * @example const step = jit((x: Array) => x.mul(2).add(1)); step(np.ones([3]))
 */
export function jit<F extends AnyFn>(f: F, opts: JitOptions = {}): Jitted<F> {
  const sn = opts.staticArgnums ?? [];
  const staticNums = typeof sn === "number" ? [sn] : [...sn];
  const cache = new Map<string, Entry>();
  const name = f.name || "fn";
  const backend = opts.backend ?? "wasm";
  if (!BACKENDS.includes(backend)) {
    throw new TransformError(`jit: unknown backend ${JSON.stringify(backend)}; use one of ${BACKENDS.join(", ")}`);
  }
  // The common call — no static arguments, every argument an array — is keyed by the avals
  // alone, without flattening: a cached call then costs a string lookup and the program's run.
  const fast = new Map<string, Entry>();
  const fastKey = (args: readonly unknown[]): string | null => {
    if (staticNums.length > 0) return null;
    let key = "";
    for (const a of args) {
      if (!(a instanceof ArrayClass)) return null;
      key += `${a.aval.str()};`;
    }
    return key;
  };
  const lookup = (args: readonly unknown[]): [Entry, Array[]] => {
    const fk = fastKey(args);
    if (fk !== null) {
      const hit = fast.get(fk);
      if (hit !== undefined) return [hit, args as Array[]];
    }
    const sig = signature(
      "jit",
      f,
      args,
      staticNums.map((i) => (i < 0 ? i + args.length : i)),
    );
    let entry = cache.get(sig.key);
    if (entry === undefined) {
      const { staged, outDef } = sig.stage();
      const concrete = staged.consts.every((c) => c instanceof ConcreteArray);
      entry = { staged, closed: concrete ? closeIr(staged) : null, outDef, single: outDef.kind === "leaf" };
      // Constants that are tracers of an enclosing transform are only valid for this call.
      if (concrete) cache.set(sig.key, entry);
    }
    if (fk !== null && entry.closed !== null) fast.set(fk, entry);
    return [entry, sig.leaves];
  };
  const run = ((...args: unknown[]) => {
    const [entry, leaves] = lookup(args);
    // No transform around the call: run the compiled program directly (what binding jit_call
    // at the bottom of the trace stack would do, without the dispatch).
    if (entry.closed !== null && isEvalContext() && leaves.every((l) => l instanceof ConcreteArray)) {
      const outs = compileIr(entry.closed, backend).run(leaves as ConcreteArray[]);
      if (flags.check) checkCompiled(entry.closed, name, backend, leaves as ConcreteArray[], outs);
      return entry.single ? outs[0] : unflatten(entry.outDef, outs);
    }
    const outs =
      entry.closed !== null
        ? bind(jitCallP, leaves, { ir: entry.closed, name, backend })
        : bind(jitCallP, [...entry.staged.consts, ...leaves], { ir: entry.staged.ir, name, backend });
    return unflatten(entry.outDef, outs);
  }) as unknown as Jitted<F>;
  run.lower = (...args: ArgsOf<F>) => {
    const [entry] = lookup(args);
    return entry.closed ?? entry.staged.ir;
  };
  run.compile = (...args: ArgsOf<F>) => {
    const exe = compileIr(run.lower(...args), backend);
    return { backend, asText: () => exe.asText() };
  };
  return run;
}

/**
 * Trace `f` to its typed IR (printable with `toString()`).
 * @example makeIr((x: Array) => x.mul(2))(np.ones([3])).toString()
 */
export function makeIr<F extends AnyFn>(f: F, opts: JitOptions = {}): (...args: ArgsOf<F>) => Ir {
  const sn = opts.staticArgnums ?? [];
  const staticNums = typeof sn === "number" ? [sn] : [...sn];
  return (...args: ArgsOf<F>) => {
    const { staged } = signature("makeIr", f, args, staticNums).stage();
    return staged.consts.every((c) => c instanceof ConcreteArray) ? closeIr(staged) : staged.ir;
  };
}

/** Output shapes and dtypes of `f` (as a tree of avals), without computing anything. */
export function evalShape<F extends AnyFn>(f: F): (...args: Parameters<F>) => unknown {
  return (...args: Parameters<F>) => {
    const { staged, outDef } = signature("evalShape", f, args, []).stage();
    return unflatten(outDef, staged.ir.outAvals);
  };
}
