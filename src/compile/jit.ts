/**
 * jit: stage a function to IR once per input signature (tree structure + avals + static
 * values), cache it, and run it as a `jit_call`. Also makeIr and evalShape.
 */

import { jitCallP } from "../control/jit-call.js";
import { type Array, Array as ArrayClass, ConcreteArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { flags } from "../core/config.js";
import type { TypedArray } from "../core/dtype.js";
import { TransformError } from "../core/errors.js";
import { bind, isEvalContext } from "../core/trace.js";
import { checkCompiled } from "../ir/float-check.js";
import type { Ir } from "../ir/ir.js";
import { computePendingReaders } from "../primitives/eager-fusion.js";
import { flattenArrays } from "../transforms/args.js";
import { closeIr, type Staged, traceToIr } from "../transforms/stage.js";
import type { AnyFn, ArgsOf, AsArrays } from "../transforms/types.js";
import { leavesWithPath, type TreeDef, unflatten } from "../tree/index.js";
import { keyPathString } from "../tree/paths.js";
import { matchSkeleton, recordSkeleton, type Skeleton } from "./arg-skeleton.js";
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
  /**
   * How many input signatures a jitted function keeps compiled (least recently used ones are
   * dropped beyond it; default 64). `jitted.cache` shows what is kept.
   */
  cacheSize?: number;
  /**
   * Arguments whose arrays the call may consume: after a call on concrete arrays (outside any
   * transform) each of their arrays is deleted, and its buffer may hold an output of the same
   * shape and dtype instead of a fresh allocation. Reading a donated array afterwards raises a
   * `DeletedArrayError` naming the call and argument. Typical use: `jit(step, { donateArgnums: 0 })`
   * with `params = step(params, batch)`. Ignored (nothing is deleted) when the call is traced by
   * an enclosing transform, as in JAX.
   */
  donateArgnums?: number | readonly number[];
}

/** What a jitted function keeps: its compiled signatures, most recently used last. */
export interface JitCacheInfo {
  readonly size: number;
  readonly capacity: number;
  /** The signatures (tree structure and avals, static values), least recently used first. */
  signatures(): string[];
  /** How many times the function was traced. */
  readonly traces: number;
}

/** Retraces on this many calls in a row make one warning (a retracing storm). */
const STORM = 8;

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
  /** The signature this entry is cached under. */
  key: string;
  /** The leaves of donated arguments, and the output each one's buffer goes to (-1: none). */
  donated: readonly Donation[];
  /** Each argument's first leaf and leaf count. */
  spans: Signature["spans"];
  /** The leaf indices in `donated`, built on the first donated call. */
  donatedLeaves?: ReadonlySet<number>;
  /** The arguments' skeleton, once a fast-keyed call hit this entry (see arg-skeleton.ts). */
  skeleton?: Skeleton | null;
}

interface Donation {
  /** Index into the call's flattened leaves. */
  readonly leaf: number;
  /** "argument 0 (params.w)", for the messages. */
  readonly label: string;
  /** Why the array is deleted, as `markDeleted` takes it (built once, not per call). */
  readonly why: string;
  readonly out: number;
}

/** A compiled program, for inspection: `jit(f).compile(...args).asText()`. */
export interface Compiled {
  readonly backend: Backend;
  /** The optimised IR, the kernels (fusion groups, one line per step) and the generated code. */
  asText(): string;
}

/** The staged IR of a jitted function for some arguments, which can be compiled (as JAX's `Lowered`). */
export type Lowered = Ir & {
  /** The program on the jit's backend: `jit(f).lower(...args).compile().asText()`. */
  compile(): Compiled;
};

export type Jitted<F extends AnyFn> = ((...args: ArgsOf<F>) => AsArrays<ReturnType<F>>) & {
  /** The staged IR for these arguments (without running it); `.compile()` compiles it. */
  lower(...args: ArgsOf<F>): Lowered;
  /** The program compiled for these arguments on the jit's backend (the one calls run). */
  compile(...args: ArgsOf<F>): Compiled;
  /** The compile cache: its size, capacity and signatures. */
  readonly cache: JitCacheInfo;
};

interface Signature {
  key: string;
  leaves: Array[];
  /** For each argument (static ones included), the index of its first leaf and its leaf count. */
  spans: readonly (readonly [start: number, count: number])[];
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
  let start = 0;
  const spans = args.map((a, i): [number, number] => {
    if (staticNums.includes(i)) return [start, 0];
    const n = flattenArrays(op, a, "argument", "weak")[0].length;
    start += n;
    return [start - n, n];
  });
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
  return { key: keyParts.join("|"), leaves, spans, stage };
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
  // The common call — no static arguments; arguments that are arrays or plain objects, lists
  // and nulls of them — is keyed by one walk that writes the structure and avals and collects the
  // leaves in flattening order, without building treedefs: a cached call then costs the walk, a
  // map lookup and the program's run. Anything else (numbers, registered classes) takes the
  // general path below.
  const fast = new Map<string, Entry>();
  const fastKey = (args: readonly unknown[], leaves: Array[]): string | null => {
    if (staticNums.length > 0) return null;
    let key = "";
    const walk = (x: unknown, depth: number): boolean => {
      if (x instanceof ArrayClass) {
        key += x.aval.str();
        leaves.push(x);
        return true;
      }
      if (x === null || x === undefined) {
        key += x === null ? "n" : "u";
        return true;
      }
      if (depth > 32 || typeof x !== "object") return false;
      if (globalThis.Array.isArray(x)) {
        key += "[";
        for (const c of x) if (!walk(c, depth + 1)) return false;
        key += "]";
        return true;
      }
      const proto = Object.getPrototypeOf(x);
      if (proto !== Object.prototype && proto !== null) return false;
      const rec = x as Record<string, unknown>;
      key += "{";
      for (const k of Object.keys(rec).sort()) {
        key += `${JSON.stringify(k)}:`;
        if (!walk(rec[k], depth + 1)) return false;
      }
      key += "}";
      return true;
    };
    for (const a of args) {
      if (!walk(a, 0)) return null;
      key += ";";
    }
    return key;
  };
  const dn = opts.donateArgnums ?? [];
  const donateNums = typeof dn === "number" ? [dn] : [...dn];
  for (const i of donateNums) {
    if (!Number.isInteger(i)) throw new TransformError(`jit: donateArgnums must be integers, got ${JSON.stringify(dn)}`);
    if (staticNums.includes(i)) {
      throw new TransformError(
        `jit: argument ${i} is in both staticArgnums and donateArgnums; a static argument is a JS value, not an array buffer — drop it from one of them`,
      );
    }
  }
  const capacity = opts.cacheSize ?? 64;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new TransformError(`jit: cacheSize must be a positive integer, got ${capacity}`);
  }
  let traces = 0;
  // A retracing storm: every call of the last STORM ones traced anew. One warning names the
  // argument that keeps changing and its avals (or static value), then stays quiet.
  let stormRun = 0;
  let warned = false;
  let lastArgs: string[] | null = null;
  const describeArg = (a: unknown, i: number, statics: readonly number[]): string => {
    if (statics.includes(i)) return `the static value ${staticKey("jit", a, i)}`;
    try {
      return `[${flattenArrays("jit", a, `argument ${i}`, "weak")[0]
        .map((l) => l.aval.str())
        .join(", ")}]`;
    } catch {
      return typeof a;
    }
  };
  const noteRetrace = (args: readonly unknown[]) => {
    const statics = staticNums.map((i) => (i < 0 ? i + args.length : i));
    const now = args.map((a, i) => describeArg(a, i, statics));
    stormRun++;
    if (!warned && stormRun >= STORM && lastArgs !== null) {
      const was = lastArgs;
      const i = now.findIndex((d, k) => d !== was[k]);
      warned = true;
      console.warn(
        `jit(${name}): retraced on each of the last ${STORM} calls` +
          (i >= 0 ? `: argument ${i} changes (was ${was[i]}, now ${now[i]})` : "") +
          ". Every new signature is traced and compiled again; keep shapes fixed (pad or bucket a varying batch) " +
          "and make an argument static only if it takes few values",
      );
    }
    lastArgs = now;
  };
  // The entry the last fast-keyed call hit: a call with the same skeleton skips the key.
  let last: Entry | null = null;
  const touch = (e: Entry) => {
    // Most recently used goes last.
    cache.delete(e.key);
    cache.set(e.key, e);
    stormRun = 0;
  };
  const lookup = (args: readonly unknown[]): [Entry, Array[]] => {
    if (last?.skeleton) {
      const leaves = matchSkeleton(last.skeleton, args);
      if (leaves !== null) {
        touch(last);
        return [last, leaves as Array[]];
      }
    }
    const fastLeaves: Array[] = [];
    const fk = fastKey(args, fastLeaves);
    if (fk !== null) {
      const hit = fast.get(fk);
      if (hit !== undefined) {
        touch(hit);
        if (hit.skeleton === undefined) hit.skeleton = recordSkeleton(args);
        last = hit;
        return [hit, fastLeaves];
      }
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
      traces++;
      noteRetrace(args);
      const concrete = staged.consts.every((c) => c instanceof ConcreteArray);
      entry = {
        staged,
        closed: concrete ? closeIr(staged) : null,
        outDef,
        single: outDef.kind === "leaf",
        key: sig.key,
        donated: donateNums.length > 0 ? donations(args, sig, staged.ir.outAvals) : [],
        spans: sig.spans,
      };
      // Constants that are tracers of an enclosing transform are only valid for this call.
      if (concrete) cache.set(sig.key, entry);
      // Least recently used signatures go first (a Map keeps insertion order).
      while (cache.size > capacity) {
        const [oldKey, old] = cache.entries().next().value as [string, Entry];
        cache.delete(oldKey);
        for (const [k, e] of fast) if (e === old) fast.delete(k);
        if (last === old) last = null;
      }
    } else touch(entry);
    if (fk !== null && entry.closed !== null) fast.set(fk, entry);
    return [entry, sig.leaves];
  };
  // Which leaves the donated arguments hold, and which output can take each one's buffer: the
  // first not yet taken with the same shape and dtype (a weak flag does not matter for memory).
  const donations = (args: readonly unknown[], sig: Signature, outAvals: readonly ShapedArray[]): Donation[] => {
    const res: Donation[] = [];
    const taken = new Set<number>();
    for (const raw of donateNums) {
      const i = raw < 0 ? raw + args.length : raw;
      if (i < 0 || i >= args.length) {
        throw new TransformError(
          `jit(${name}): donateArgnums names argument ${raw}, but the call has ${args.length} argument(s)`,
        );
      }
      const [start, count] = sig.spans[i];
      const paths = leavesWithPath(args[i]).map(([p]) => p);
      for (let k = 0; k < count; k++) {
        const path = paths.length === count ? keyPathString(paths[k]) : "";
        const aval = sig.leaves[start + k].aval;
        let out = -1;
        for (let o = 0; o < outAvals.length && out < 0; o++) {
          const oa = outAvals[o];
          if (!taken.has(o) && oa.dtype === aval.dtype && oa.str() === aval.str()) out = o;
        }
        if (out >= 0) taken.add(out);
        const label = `argument ${i}${path === "" ? "" : ` (${path})`}`;
        res.push({ leaf: start + k, label, why: `donated to jit(${name}) as ${label}`, out });
      }
    }
    return res;
  };
  const labelOf = (entry: Entry, leaf: number): string => {
    const k = entry.spans.findIndex(([start, count]) => leaf >= start && leaf < start + count);
    return k >= 0 ? `argument ${k}` : `leaf ${leaf}`;
  };
  // A donated call on concrete arrays: outputs may be written into donated buffers that no other
  // array can see, and every donated array is deleted afterwards.
  const runDonated = (entry: Entry, closed: Ir, leaves: readonly ConcreteArray[]): ConcreteArray[] => {
    const donatedLeaves = (entry.donatedLeaves ??= new Set(entry.donated.map((d) => d.leaf)));
    for (const d of entry.donated) {
      const a = leaves[d.leaf];
      if (a.isDeleted) void a.buffer; // raises, naming the call it was donated to
      // One array in two donated places (an optimizer state holding one zeros array twice) is
      // fine: it is deleted once and its buffer goes to one output. In a place that is not
      // donated, the caller expects it to stay readable: refuse.
      let j = -1;
      for (let k = 0; k < leaves.length && j < 0; k++) if (k !== d.leaf && leaves[k] === a && !donatedLeaves.has(k)) j = k;
      if (j >= 0) {
        throw new TransformError(
          `jit(${name}): ${d.label} is donated, but the same ${a.aval.str()} array is also passed as ` +
            `${labelOf(entry, j)}, which is not donated, and would be deleted with it. ` +
            "Pass a copy (np.copy(x)) or leave it out of donateArgnums",
        );
      }
    }
    // Values deferred by eager fusion that read a donated array must see it as it was: compute
    // them now, before its buffer is overwritten or it is deleted.
    for (const d of entry.donated) computePendingReaders(leaves[d.leaf]);
    const into: (TypedArray | undefined)[] = [];
    const given = new Set<TypedArray>();
    for (const d of entry.donated) {
      const b = d.out >= 0 ? leaves[d.leaf].exclusiveBuffer() : null;
      if (b === null || given.has(b)) continue;
      given.add(b);
      into[d.out] = b;
    }
    // The check mode compares with the reference run on the inputs, which the call may overwrite.
    const before = flags.check ? leaves.map((l) => new ConcreteArray(l.shape, l.dtype, l.data(), l.weakType)) : null;
    const outs = compileIr(closed, backend).run(leaves, into);
    if (before !== null) checkCompiled(closed, name, backend, before, outs);
    for (const d of entry.donated) leaves[d.leaf].markDeleted(d.why);
    return outs;
  };
  const run = ((...args: unknown[]) => {
    const [entry, leaves] = lookup(args);
    // No transform around the call: run the compiled program directly (what binding jit_call
    // at the bottom of the trace stack would do, without the dispatch).
    if (entry.closed !== null && isEvalContext() && leaves.every((l) => l instanceof ConcreteArray)) {
      const cs = leaves as ConcreteArray[];
      const outs = entry.donated.length > 0 ? runDonated(entry, entry.closed, cs) : compileIr(entry.closed, backend).run(cs);
      if (flags.check && entry.donated.length === 0) checkCompiled(entry.closed, name, backend, cs, outs);
      return entry.single ? outs[0] : unflatten(entry.outDef, outs);
    }
    const outs =
      entry.closed !== null
        ? bind(jitCallP, leaves, { ir: entry.closed, name, backend })
        : bind(jitCallP, [...entry.staged.consts, ...leaves], { ir: entry.staged.ir, name, backend });
    return unflatten(entry.outDef, outs);
  }) as unknown as Jitted<F>;
  const compiled = (ir: Ir): Compiled => {
    const exe = compileIr(ir, backend);
    return { backend, asText: () => exe.asText() };
  };
  run.lower = (...args: ArgsOf<F>) => {
    const [entry] = lookup(args);
    const ir = entry.closed ?? entry.staged.ir;
    // The IR itself stays the cache's key: the lowered value reads through to it.
    return Object.create(ir, { compile: { value: () => compiled(ir) } }) as Lowered;
  };
  run.compile = (...args: ArgsOf<F>) => {
    const [entry] = lookup(args);
    return compiled(entry.closed ?? entry.staged.ir);
  };
  Object.defineProperty(run, "cache", {
    get: (): JitCacheInfo => ({ size: cache.size, capacity, signatures: () => [...cache.keys()], traces }),
  });
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
