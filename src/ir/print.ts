/** Print an IR like JAX prints a jaxpr. Names are assigned in order of appearance: a, b, …, z, ba, … */
import type { Params } from "../core/primitive.js";
import type { Atom, Ir, Var } from "./ir.js";
import { Ir as IrClass, Lit } from "./ir.js";

function nameOf(i: number): string {
  let s = "";
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

function formatLit(l: Lit): string {
  const v = l.value;
  if (l.aval.dtype === "bool") return v ? "true" : "false";
  if (l.aval.dtype === "float32" || l.aval.dtype === "float64") {
    const s = Number.isInteger(v) ? `${v}.0` : String(v);
    return `${s}:${l.aval.str()}`;
  }
  return `${v}:${l.aval.str()}`;
}

function formatParam(v: unknown, indent: string, opts: PrintOptions): string {
  if (v instanceof IrClass) return `\n${printIr(v, `${indent}    `, opts)}`;
  if (globalThis.Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof IrClass)) {
    return `(${v.map((x) => `\n${printIr(x, `${indent}    `, opts)}`).join("")})`;
  }
  if (typeof v === "function") return v.name || "fn";
  return JSON.stringify(v, (_k, x) => (x instanceof IrClass ? "<ir>" : x)).replace(/"/g, "");
}

function formatParams(params: Params, indent: string, opts: PrintOptions): string {
  const keys = Object.keys(params).filter((k) => params[k] !== undefined);
  if (keys.length === 0) return "";
  return `[${keys.map((k) => `${k}=${formatParam(params[k], indent, opts)}`).join(" ")}]`;
}

/** The names `printIr` gives the variables of `ir` (a, b, c, … in order of appearance). */
export function irNames(ir: Ir): Map<Var, string> {
  const names = new Map<Var, string>();
  let count = 0;
  for (const v of [...ir.constVars, ...ir.inVars, ...ir.eqns.flatMap((e) => e.outVars)]) names.set(v, nameOf(count++));
  return names;
}

export interface PrintOptions {
  /** End each equation's line with the user's call site that staged it: `# src/model.ts:12:5`. */
  sourceInfo?: boolean;
}

export function printIr(ir: Ir, indent = "", opts: PrintOptions = {}): string {
  const names = new Map<number, string>();
  let count = 0;
  const decl = (v: { id: number; aval: { str(): string } }) => {
    const n = nameOf(count++);
    names.set(v.id, n);
    return `${n}:${v.aval.str()}`;
  };
  const use = (a: Atom) => (a instanceof Lit ? formatLit(a) : (names.get(a.id) ?? `?${a.id}`));
  const consts = ir.constVars.map(decl).join(" ");
  const ins = ir.inVars.map(decl).join(" ");
  const lines = ir.eqns.map((e) => {
    const outs = e.outVars.map(decl).join(" ");
    const args = e.inputs.map(use).join(" ");
    const site = opts.sourceInfo === true ? `  # ${e.sourceInfo?.location ?? "<unknown>"}` : "";
    return `${indent}    ${outs} = ${e.prim.name}${formatParams(e.params, `${indent}    `, opts)}${args ? ` ${args}` : ""}${site}`;
  });
  const outs = ir.outs.map(use).join(" ");
  const head = `${indent}{ lambda ${consts}${consts ? " " : ""}; ${ins}${ins ? " " : ""}. let`;
  return [head, ...lines, `${indent}  in (${outs}) }`].join("\n");
}
