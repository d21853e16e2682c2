/**
 * checkify: the functional form of debugNans / debugInfs. `checkify(f, { nans: true })(...args)`
 * returns `[error | null, out]` instead of raising. The checks are part of the computation: f is
 * staged to IR, and after every equation with float outputs the program also computes whether an
 * output holds a NaN / infinity its inputs did not (an `isnan(...)` reduction), folding the flags
 * into one int32 error code (the index of the first failing equation, 0 when none). The checked
 * program is compiled with `jit`, so it runs on the compiled backends; the wrapper turns a set
 * code into a `FloatingPointError` naming the primitive and the user's line (re-running the IR on
 * the reference kernels to look inside calls and scans, as debugNans does).
 */
import { type Array, ConcreteArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtype.js";
import { FloatingPointError, TransformError } from "../core/errors.js";
import { isEvalContext } from "../core/trace.js";
import { evalIr } from "../ir/eval.js";
import { type Culprit, describeCulprit, findInIr, type Watch } from "../ir/float-check.js";
import type { Eqn, Ir } from "../ir/ir.js";
import * as np from "../numpy/index.js";
import { flattenArrays } from "../transforms/args.js";
import { closeIr, traceToIr } from "../transforms/stage.js";
import type { AnyFn, ArgsOf, AsArrays } from "../transforms/types.js";
import { register, type TreeDef, unflatten } from "../tree/index.js";
import type { Backend } from "./compile.js";
import { jit } from "./jit.js";

export interface CheckifyOptions {
  /** Check for NaNs (default: true when neither option is given). */
  nans?: boolean;
  /** Check for ±Infinity (default: true when neither option is given). */
  infs?: boolean;
  /** The backend the checked program runs on (jit's default, "wasm", when absent). */
  backend?: Backend;
}

interface Checked {
  ir: Ir;
  outDef: TreeDef;
  /** Equation `code - 1` is the one a set code names. */
  table: Eqn[];
  run: (...leaves: Array[]) => Array[];
}

/** The flag "some value of `x` is of a watched kind" as a bool scalar (false for non-floats). */
function bad(x: Array, w: Watch): Array | null {
  if (!isFloat(x.dtype)) return null;
  const hit = w.nans && w.infs ? np.logicalNot(np.isfinite(x)) : w.nans ? np.isnan(x) : np.isinf(x);
  return np.greater(np.sum(np.astype(hit, "int32")), 0);
}

function instrument(ir: Ir, w: Watch): { table: Eqn[]; body: (...xs: Array[]) => Array[] } {
  const table: Eqn[] = [];
  const body = (...xs: Array[]): Array[] => {
    const flags = new Map<Array, Array | null>();
    const flagOf = (a: Array) => {
      if (!flags.has(a)) flags.set(a, bad(a, w));
      return flags.get(a) ?? null;
    };
    let code: Array = np.array(0, "int32");
    table.length = 0;
    const outs = evalIr(ir, xs, (eqn, ins, eqnOuts) => {
      const outFlags = eqnOuts.map(flagOf).filter((f): f is Array => f !== null);
      if (outFlags.length === 0) return;
      const inFlags = ins.map(flagOf).filter((f): f is Array => f !== null);
      const anyOut = outFlags.reduce((a, b) => np.logicalOr(a, b));
      const born =
        inFlags.length === 0 ? anyOut : np.logicalAnd(anyOut, np.logicalNot(inFlags.reduce((a, b) => np.logicalOr(a, b))));
      table.push(eqn);
      code = np.where(np.logicalAnd(born, np.equal(code, 0)), table.length, code);
    });
    return [code, ...outs];
  };
  return { table, body };
}

/**
 * `f` with its floating-point checks made part of the computation: the returned function gives
 * `[error, out]`, where `error` is a `FloatingPointError` naming the first primitive that produced
 * a NaN / infinity (its input avals, the transforms, the user's line), or null.
 * @example const [err, y] = checkify((x: Array) => np.log(x))(np.array([-1]))  // err: log produced a NaN…
 */
export function checkify<F extends AnyFn>(
  f: F,
  opts: CheckifyOptions = {},
): (...args: ArgsOf<F>) => [FloatingPointError | null, AsArrays<ReturnType<F>>] {
  const none = opts.nans === undefined && opts.infs === undefined;
  const w: Watch = { nans: opts.nans ?? none, infs: opts.infs ?? none };
  const name = f.name || "fn";
  const cache = new Map<string, Checked>();
  return (...args: ArgsOf<F>) => {
    const [leaves, def] = flattenArrays("checkify", args, "argument", "weak");
    const key = `${def.toString()}|${leaves.map((l) => l.aval.str()).join(",")}`;
    let c = cache.get(key);
    if (c === undefined) {
      let outDef: TreeDef | undefined;
      const staged = traceToIr(
        (...xs: Array[]) => {
          const out = (f as unknown as (...a: unknown[]) => unknown)(...(unflatten(def, xs) as unknown[]));
          const [ol, od] = flattenArrays("checkify", out, "output", "weak");
          outDef = od;
          return ol;
        },
        leaves.map((l) => l.aval) as ShapedArray[],
        "checkify",
      );
      if (!staged.consts.every((k) => k instanceof ConcreteArray)) {
        throw new TransformError(
          `checkify(${name}): called under another transform with traced values captured by the function; ` +
            "apply checkify outside the transform (checkify(jit(f)) compiles the checks into the program)",
        );
      }
      const ir = closeIr(staged);
      const { table, body } = instrument(ir, w);
      c = { ir, outDef: outDef as TreeDef, table, run: jit(body, { backend: opts.backend }) as (...l: Array[]) => Array[] };
      cache.set(key, c);
    }
    const [code, ...outs] = c.run(...leaves);
    const out = unflatten(c.outDef, outs) as AsArrays<ReturnType<F>>;
    if (!(code instanceof ConcreteArray) || !isEvalContext()) {
      // Under jit / vmap the code is traced: return it as a check that becomes the error (or
      // null) when the enclosing transform hands back its concrete value.
      let id = ids.get(c);
      if (id === undefined) {
        id = nextCheck++;
        ids.set(c, id);
        pending.set(id, { c, w });
      }
      return [new TracedCheck(code, id) as unknown as FloatingPointError, out];
    }
    const k = Number(code.item());
    if (k === 0) return [null, out];
    return [new FloatingPointError(describeCulprit(locate(c, k, leaves as ConcreteArray[], w), [], "checkify")), out];
  };
}

/**
 * The error of a checkified function called under jit or vmap, while its code is traced. It is a
 * pytree node (its leaf is the code), so the transform returns it, and when the result is
 * rebuilt from concrete values it becomes `null` (code 0 everywhere) or the `FloatingPointError`
 * of the first failing equation — named from the instrumented program, without the reference
 * re-run, whose inputs are gone by then. Inside the transform it must be returned, not read.
 */
class TracedCheck {
  constructor(
    readonly code: Array,
    readonly id: number,
  ) {}
}

let nextCheck = 1;
const ids = new WeakMap<Checked, number>();
const pending = new Map<number, { c: Checked; w: Watch }>();

register(TracedCheck, {
  flatten: (t: TracedCheck) => [[t.code], t.id] as const,
  unflatten: (id: number, [code]: unknown[]) => {
    const p = pending.get(id);
    if (!(code instanceof ConcreteArray) || p === undefined) return new TracedCheck(code as Array, id);
    // Batched (under vmap): the first example whose code is set.
    const k = Array_from(code.data()).find((v) => v !== 0) ?? 0;
    if (k === 0) return null as unknown as TracedCheck;
    return new FloatingPointError(describeCulprit(fromTable(p.c, k, p.w), [], "checkify")) as unknown as TracedCheck;
  },
});

const Array_from = globalThis.Array.from as (x: ArrayLike<number>) => number[];

/** The instrumented equation behind code `k`. */
function fromTable(c: Checked, k: number, w: Watch): Culprit {
  const eqn = c.table[k - 1];
  return {
    prim: eqn.prim.name,
    inAvals: eqn.inputs.map((a) => a.aval),
    kind: w.nans ? "NaN" : "Inf",
    source: eqn.sourceInfo,
    path: [],
  };
}

/** The culprit of code `k`: found precisely by a reference re-run, else the instrumented equation. */
function locate(c: Checked, k: number, leaves: readonly ConcreteArray[], w: Watch): Culprit {
  const found = leaves.every((l) => l instanceof ConcreteArray) ? findInIr(c.ir, leaves, w) : null;
  return found ?? fromTable(c, k, w);
}
