/**
 * debugNans / debugInfs: find the first primitive that makes a NaN or ±Infinity out of inputs
 * without one, and raise a `FloatingPointError` naming it, its input avals, the transforms it ran
 * under and the user's source line. Eager primitives are checked as they run (the trace calls
 * `checkEager`); a compiled program's outputs are checked after it runs, and when one is bad its
 * IR is re-run equation by equation on the reference kernels to find the culprit, as JAX does.
 * Primitives that hold sub-IRs are entered through their own `enter` rule (a call runs its IR, a
 * cond its branch, a loop its body step by step), so the report names the equation inside the
 * body and the step.
 */
import { type ConcreteArray, fullConcrete } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { flags, hooks } from "../core/config.js";
import { isFloat } from "../core/dtype.js";
import { FloatingPointError, transformStack } from "../core/errors.js";
import type { Params, Primitive } from "../core/primitive.js";
import { captureSource, currentSource, type SourceInfo } from "../core/source.js";
import { type Atom, type Ir, Lit, type Var } from "./ir.js";

export type BadKind = "NaN" | "Inf";

export interface Watch {
  nans: boolean;
  infs: boolean;
}

/** The first bad kind among `a`'s values that `w` watches for, or null. */
export function badValue(a: ConcreteArray, w: Watch): BadKind | null {
  if (!isFloat(a.dtype)) return null;
  const b = a.buffer as Float32Array | Float64Array;
  for (let i = 0; i < b.length; i++) {
    const v = b[i];
    if (v !== v) {
      if (w.nans) return "NaN";
    } else if (w.infs && (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)) return "Inf";
  }
  return null;
}

/** The bad kind the outputs have and the inputs do not (a NaN born here), or null. */
function bornHere(ins: readonly ConcreteArray[], outs: readonly ConcreteArray[], w: Watch): BadKind | null {
  for (const o of outs) {
    const k = badValue(o, w);
    if (k !== null) {
      const only = { nans: k === "NaN", infs: k === "Inf" };
      return ins.some((a) => badValue(a, only) !== null) ? null : k;
    }
  }
  return null;
}

/** What a report names: the culprit primitive, where it was called, and where it ran. */
export interface Culprit {
  prim: string;
  inAvals: readonly ShapedArray[];
  kind: BadKind;
  source: SourceInfo | undefined;
  /** Where inside the checked call it ran, innermost first: "scan step 7313", "jit(f)". */
  path: string[];
}

const litValue = (l: Lit) => fullConcrete([], l.aval.dtype, l.value, l.aval.weakType);

/**
 * Run `ir` on the reference kernels, checking every equation; the first whose outputs gain a
 * watched kind is the culprit (entered when it holds sub-IRs). Null when the run stays clean.
 */
export function findInIr(ir: Ir, args: readonly ConcreteArray[], w: Watch): Culprit | null {
  const r = runChecked(ir, args, w);
  return globalThis.Array.isArray(r) ? null : r;
}

/** `findInIr` that also hands back the outputs of a clean run (a loop's next carry). */
function runChecked(ir: Ir, args: readonly ConcreteArray[], w: Watch): Culprit | ConcreteArray[] {
  const env = new Map<Var, ConcreteArray>();
  ir.constVars.forEach((v, i) => env.set(v, ir.consts[i]));
  ir.inVars.forEach((v, i) => env.set(v, args[i]));
  const read = (a: Atom) => (a instanceof Lit ? litValue(a) : (env.get(a) as ConcreteArray));
  for (const eqn of ir.eqns) {
    const ins = eqn.inputs.map(read);
    const outs = eqn.prim.impl(ins, eqn.params);
    const kind = bornHere(ins, outs, w);
    if (kind !== null) {
      return (
        findInCall(eqn.prim, ins, eqn.params, w) ?? {
          prim: eqn.prim.name,
          inAvals: ins.map((a) => a.aval),
          kind,
          source: eqn.sourceInfo,
          path: [],
        }
      );
    }
    eqn.outVars.forEach((v, i) => env.set(v, outs[i]));
  }
  return ir.outs.map(read);
}

/** Carries a culprit found inside a sub-IR out of the primitive's `enter` rule. */
class Found {
  constructor(readonly culprit: Culprit) {}
}

/**
 * Enter a primitive that holds sub-IRs (a call, a branch, a loop) through its `enter` rule,
 * checking each sub-IR run, to find the culprit inside; null when it has none or stays clean.
 */
export function findInCall(prim: Primitive, ins: readonly ConcreteArray[], params: Params, w: Watch): Culprit | null {
  if (prim.enter === undefined) return null;
  try {
    prim.enter(ins, params, (ir, args, where) => {
      const r = runChecked(ir, args, w);
      if (globalThis.Array.isArray(r)) return r;
      r.path.push(where);
      throw new Found(r);
    });
  } catch (e) {
    if (e instanceof Found) return e.culprit;
    throw e;
  }
  return null;
}

/** The message of a report: primitive, input avals, where it ran, the user's line, what to do. */
export function describeCulprit(
  c: Culprit,
  outer: readonly string[],
  what = c.kind === "NaN" ? "debugNans" : "debugInfs",
): string {
  const kind = c.kind === "NaN" ? "a NaN" : "an infinity";
  const staged = c.source?.transforms ?? [];
  const where: string[] = [];
  // The path inside the call, the transforms tracing when the equation was staged, then those
  // running now; "scan" after "scan step 7", or "jit" after "jit(f)", says nothing new.
  for (const w of [...c.path, ...staged, ...outer.filter((o) => !staged.includes(o))]) {
    const prev = where[where.length - 1];
    const refines = (a: string, b: string) => a.startsWith(`${b} `) || a.startsWith(`${b}(`);
    if (prev !== undefined && refines(prev, w)) continue;
    if (prev !== undefined && refines(w, prev)) where[where.length - 1] = w;
    else where.push(w);
  }
  const ran = where.length === 0 ? "eager" : `inside ${where.join(", inside ")}`;
  const at = c.source?.location ?? null;
  const avals = c.inAvals.length === 0 ? "no inputs" : c.inAvals.map((a) => a.str()).join(", ");
  const hint =
    c.kind === "NaN"
      ? "look for log/sqrt of a negative, 0/0, inf - inf or 0 * inf there"
      : "look for a division by zero, log(0) or an overflow (exp of a large value) there";
  return (
    `${what}: ${c.prim} produced ${kind} from inputs (${avals}) that had none, ${ran}` +
    `${at === null ? "" : `, at ${at}`}; ${hint}`
  );
}

function watched(): Watch {
  return { nans: flags.debugNans, infs: flags.debugInfs };
}

/** The eager check, called by the evaluation trace for every primitive while a flag is on. */
function checkEager(prim: Primitive, ins: readonly ConcreteArray[], params: Params, outs: readonly ConcreteArray[]): void {
  const w = watched();
  const kind = bornHere(ins, outs, w);
  if (kind === null) return;
  const source = currentSource() ?? captureSource();
  const inner = findInCall(prim, ins, params, w);
  const c: Culprit = inner ?? { prim: prim.name, inAvals: ins.map((a) => a.aval), kind, source, path: [] };
  if (c.source === undefined) c.source = source;
  throw new FloatingPointError(describeCulprit(c, transformStack()));
}

/**
 * After a compiled program ran (jit's direct path): when an output gained a watched kind, find the
 * culprit by re-running `ir` on the reference kernels and raise.
 */
export function checkCompiled(
  ir: Ir,
  name: string,
  backend: string,
  ins: readonly ConcreteArray[],
  outs: readonly ConcreteArray[],
): void {
  const w = watched();
  const kind = bornHere(ins, outs, w);
  if (kind === null) return;
  const where = [`jit(${name})`, ...transformStack()];
  const c = findInIr(ir, ins, w);
  if (c === null) {
    throw new FloatingPointError(
      `${kind === "NaN" ? "debugNans" : "debugInfs"}: jit(${name}) on the ${backend} backend produced ${kind === "NaN" ? "a NaN" : "an infinity"} ` +
        "but re-running it equation by equation on the reference backend did not: the compiled code differs from " +
        'the reference kernels here; please report it (and use backend: "reference" meanwhile)',
    );
  }
  throw new FloatingPointError(describeCulprit(c, where));
}

hooks.eagerCheck = checkEager;
