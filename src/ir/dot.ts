/**
 * Pictures of an IR: Graphviz DOT text with one node per equation (its primitive, short params,
 * output variables and avals), one node per input, constant and literal, and one edge per use of
 * a variable. Values recorded while evaluating the IR (forward values, cotangents) can be written
 * on the nodes and edges. The output is plain text, so rendering it (Graphviz, or a Wasm build of
 * it such as `@viz-js/viz`) is up to the caller: axle depends on no renderer.
 */
import type { Array } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import type { Params } from "../core/primitive.js";
import { evalIr } from "./eval.js";
import type { Eqn, Ir, Var } from "./ir.js";
import { Ir as IrClass, Lit } from "./ir.js";
import { irNames } from "./print.js";

/** Where a variable flows: argument `index` of the equation `eqns[eqnIndex]`, or output `index` of the IR. */
export type DotUse =
  | { readonly kind: "eqn"; readonly eqn: Eqn; readonly eqnIndex: number; readonly index: number }
  | { readonly kind: "out"; readonly index: number };

export interface DotOptions {
  /** A title written above the graph; a newline starts a new line. */
  readonly title?: string;
  /** Layout direction: top to bottom (the default) or left to right. */
  readonly rankdir?: "TB" | "LR";
  /**
   * Text written under a variable's aval in the node that defines it (e.g. from {@link dotValues});
   * a newline starts a new line.
   */
  readonly values?: ReadonlyMap<Var, string>;
  /**
   * Text written on the edges a variable flows along, under its name and aval (e.g. cotangents):
   * one text for every use of the variable, or a function choosing it per use (a variable used
   * twice receives two cotangent contributions, one per edge).
   */
  readonly edgeLabels?: ReadonlyMap<Var, string> | ((v: Var, use: DotUse) => string | undefined);
  /** Names shown on the input nodes, in order (e.g. `["x1", "w1"]`); the IR's letters are kept too. */
  readonly inputNames?: readonly string[];
  /** Names shown on the output nodes, in order (default `out`, or `out 0`, `out 1`, … when there are several). */
  readonly outputNames?: readonly string[];
}

// Graphviz HTML-like labels: text is escaped as in HTML (quotes included, though only `&`, `<`
// and `>` are required), so any name or value string is safe.
function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Escaped text, a line break for each newline. */
function multiline(s: string): string {
  return s.split("\n").map(esc).join("<br/>");
}

const MAX_PARAM = 40;

// A sub-IR (a call's body, a cond's branches) is summarised by its size; its own toDot draws it.
const irSize = (ir: Ir) => `{${ir.eqns.length} ${ir.eqns.length === 1 ? "eqn" : "eqns"}}`;

function shortParam(v: unknown): string {
  if (v instanceof IrClass) return irSize(v);
  if (globalThis.Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof IrClass)) {
    return `(${v.map(irSize).join(" ")})`;
  }
  if (typeof v === "function") return v.name || "fn";
  const s = JSON.stringify(v, (_k, x) => (x instanceof IrClass ? "<ir>" : x)) ?? String(v);
  return s.replace(/"/g, "");
}

/** `name=value` pairs, each value cut to a few dozen characters so nodes stay small. */
function shortParams(params: Params): string[] {
  return Object.keys(params)
    .filter((k) => params[k] !== undefined)
    .map((k) => {
      const s = `${k}=${shortParam(params[k])}`;
      return s.length > MAX_PARAM ? `${s.slice(0, MAX_PARAM - 3)}...` : s;
    });
}

// As the IR printer writes literals (1.0 for a float, 1 for an integer), without the aval.
function litText(l: Lit): string {
  if (l.aval.dtype === "bool") return l.value ? "true" : "false";
  const float = l.aval.dtype === "float32" || l.aval.dtype === "float64";
  return float && Number.isInteger(l.value) ? `${l.value}.0` : String(l.value);
}

const grey = (s: string) => `<font color="#555555" point-size="9">${s}</font>`;
const blue = (s: string) => `<font color="#1f4e9c">${s}</font>`;
const red = (s: string) => `<font color="#b0281a">${s}</font>`;

/** The DOT text of `ir`; `ir.toDot(opts)` calls this. Deterministic: the same IR gives the same text. */
export function irToDot(ir: Ir, opts: DotOptions = {}): string {
  const names = irNames(ir);
  const name = (v: Var) => names.get(v) ?? `?${v.id}`;
  const decl = (v: Var) => `${esc(name(v))}: ${esc(v.aval.str())}`;
  const value = (v: Var) => {
    const s = opts.values?.get(v);
    return s === undefined ? [] : [blue(multiline(s))];
  };
  const edgeText = (v: Var, use: DotUse): string | undefined => {
    const l = opts.edgeLabels;
    return l === undefined ? undefined : typeof l === "function" ? l(v, use) : l.get(v);
  };
  const lines: string[] = [
    "digraph ir {",
    // ordering=in draws an equation's arguments left to right in order (sub, div read correctly).
    `  graph [rankdir=${opts.rankdir ?? "TB"}, ordering=in, fontname="Helvetica", nodesep=0.4, ranksep=0.4];`,
    `  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", fillcolor="#f4f4f4", color="#888888"];`,
    `  edge [fontname="Helvetica", fontsize=9, color="#666666", arrowsize=0.7];`,
  ];
  if (opts.title !== undefined) lines.push(`  label=<<b>${multiline(opts.title)}</b>>; labelloc=t;`);
  const node = (id: string, label: string[], attrs = "") => {
    lines.push(`  ${id} [label=<${label.join("<br/>")}>${attrs ? `, ${attrs}` : ""}];`);
  };

  // Where each variable is defined: an input, a constant or an equation's node.
  const source = new Map<Var, string>();
  const sources: string[] = [];
  ir.constVars.forEach((v, i) => {
    const id = `const${i}`;
    source.set(v, id);
    sources.push(id);
    node(id, [`<b>const</b>`, decl(v), ...value(v)], `fillcolor="#ece4f5"`);
  });
  ir.inVars.forEach((v, i) => {
    const id = `in${i}`;
    source.set(v, id);
    sources.push(id);
    const given = opts.inputNames?.[i];
    node(id, [...(given === undefined ? [] : [`<b>${esc(given)}</b>`]), decl(v), ...value(v)], `fillcolor="#dbe8f7"`);
  });
  // One rank, kept in argument order by invisible edges, so the picture reads like the signature.
  const rankInOrder = (rank: string, ids: string[]) => {
    if (ids.length < 2) return;
    lines.push(`  { rank=${rank}; ${ids.join("; ")}; }`, `  ${ids.join(" -> ")} [style=invis];`);
  };
  rankInOrder("source", sources);

  ir.eqns.forEach((eqn, k) => {
    const id = `e${k}`;
    const params = shortParams(eqn.params);
    node(id, [
      `<b>${esc(eqn.prim.name)}</b>`,
      ...(params.length > 0 ? [grey(esc(params.join(" ")))] : []),
      ...eqn.outVars.flatMap((v) => [decl(v), ...value(v)]),
    ]);
    eqn.outVars.forEach((v) => {
      source.set(v, id);
    });
  });

  const from = (v: Var): string => {
    const id = source.get(v);
    if (id === undefined) {
      throw new ValueError(
        `toDot: a variable ${v.aval.str()} is used before it is defined (it is no input, constant or ` +
          "earlier equation's output); the IR is malformed, and checkIr(ir) locates the problem",
      );
    }
    return id;
  };
  const edge = (fromId: string, to: string, v: Var, use: DotUse) => {
    const extra = edgeText(v, use);
    const label = [decl(v), ...(extra === undefined ? [] : [red(multiline(extra))])].join("<br/>");
    lines.push(`  ${fromId} -> ${to} [label=<${label}>];`);
  };
  ir.eqns.forEach((eqn, k) => {
    eqn.inputs.forEach((a, index) => {
      if (a instanceof Lit) {
        const id = `lit${k}_${index}`;
        lines.push(`  ${id} [label=<${esc(litText(a))}>, shape=plaintext, style="", fontsize=10];`);
        lines.push(`  ${id} -> e${k} [color="#aaaaaa"];`);
      } else {
        edge(from(a), `e${k}`, a, { kind: "eqn", eqn, eqnIndex: k, index });
      }
    });
  });

  const outIds: string[] = [];
  ir.outs.forEach((a, i) => {
    const id = `out${i}`;
    outIds.push(id);
    const given = opts.outputNames?.[i] ?? (ir.outs.length === 1 ? "out" : `out ${i}`);
    node(
      id,
      [`<b>${esc(given)}</b>`, ...(a instanceof Lit ? [esc(litText(a))] : [])],
      `shape=ellipse, style="filled", fillcolor="#e3f2df"`,
    );
    if (!(a instanceof Lit)) edge(from(a), id, a, { kind: "out", index: i });
  });
  rankInOrder("sink", outIds);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** A short text for a value: a number to `digits` significant digits, or the first few elements. */
export function shortValue(x: Array, digits = 6): string {
  const num = (n: number) => {
    if (x.dtype === "bool") return n ? "true" : "false";
    if (!Number.isFinite(n) || Number.isInteger(n)) return String(n);
    // toPrecision keeps trailing zeros (0.0600000); Number() drops them.
    return String(Number(n.toPrecision(digits)));
  };
  const data = x.data();
  if (x.ndim === 0) return num(Number(data[0]));
  const shown = globalThis.Array.from(data.subarray(0, 4), (n) => num(Number(n)));
  return `[${shown.join(", ")}${data.length > 4 ? ", ..." : ""}]`;
}

/**
 * Evaluates `ir` on `args` and returns each variable's value as a short text (inputs, constants
 * and every equation's outputs), for `ir.toDot({ values })`.
 */
export function dotValues(ir: Ir, args: readonly Array[], digits = 6): Map<Var, string> {
  const values = new Map<Var, string>();
  ir.inVars.forEach((v, i) => {
    if (args[i] !== undefined) values.set(v, shortValue(args[i], digits));
  });
  ir.constVars.forEach((v, i) => {
    values.set(v, shortValue(ir.consts[i], digits));
  });
  evalIr(ir, args, (eqn, _ins, outs) => {
    eqn.outVars.forEach((v, i) => {
      values.set(v, shortValue(outs[i], digits));
    });
  });
  return values;
}
