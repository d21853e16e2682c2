/**
 * `exportOnnx(f, exampleArgs, opts?)`: the program `jit(f)` stages for these arguments, written as
 * an ONNX model (opset 18, IR version 8) that ONNX Runtime runs. Subpath `axle/onnx`; needs the
 * optional peer dependency `protobufjs` (^7), which serializes the vendored ONNX schema.
 */
import protobuf from "protobufjs";
import { jit } from "../../compile/jit.js";
import { inlineCalls } from "../../compile/passes/inline.js";
import type { Array } from "../../core/array.js";
import { ValueError } from "../../core/errors.js";
import { type Eqn, type Ir, Lit, subIrs } from "../../ir/ir.js";
import { zeros } from "../../numpy/creation.js";
import { keyPathString, leavesWithPath } from "../../tree/index.js";
import { type DynamicDim, GraphBuilder, type GraphProto, ModelState, type ShapeOverrides, valueInfo } from "./builder.js";
import { ONNX_PROTO } from "./proto/schema.js";

export type { OnnxContext, OnnxRule } from "./types.js";

/** The ONNX operator set the exporter writes. */
export const ONNX_OPSET = 18;
/** The ONNX IR version of the models (IR 8 is the one of opset 18). */
export const ONNX_IR_VERSION = 8;

export interface ExportOnnxOptions {
  /** Names of the positional arguments (default `arg0`, `arg1`, …); leaves are named by key path (`params.w1`). */
  readonly argNames?: readonly string[];
  /** The root name of outputs that are not named by an object key (default `out`: `out`, `out[0]`). */
  readonly outputName?: string;
  /**
   * Symbolic dims: `{ x: { 0: "batch" } }` makes axis 0 of input `x` (an input name, as above) a
   * named dynamic dim. The program must not depend on its size: this is checked by tracing again
   * at another size, and a program that does is rejected naming the first primitive that differs.
   */
  readonly dynamicAxes?: Readonly<Record<string, Readonly<Record<number, string>>>>;
  /** The graph's name (default: the function's name). */
  readonly name?: string;
}

let modelType: protobuf.Type | null = null;
function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType("onnx.ModelProto");
  return modelType;
}

interface Named {
  names: string[];
  leaves: unknown[];
}

function inputNames(args: readonly unknown[], argNames: readonly string[] | undefined): Named {
  const names: string[] = [];
  const leaves: unknown[] = [];
  args.forEach((a, i) => {
    const root = argNames?.[i] ?? `arg${i}`;
    for (const [path, leaf] of leavesWithPath(a)) {
      names.push(keyPathString(path, root));
      leaves.push(leaf);
    }
  });
  return { names, leaves };
}

function outputNames(out: unknown, root: string): string[] {
  return leavesWithPath(out).map(([path]) =>
    path.length === 0 || path[0].kind !== "key" ? keyPathString(path, root) : keyPathString(path),
  );
}

function checkUnique(what: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new ValueError(`exportOnnx: two ${what} are both named '${n}'; pass distinct argNames`);
    seen.add(n);
  }
}

/** The staged program of `f` at `args`, with the key-path names of its inputs and outputs. */
function stage(f: (...args: never[]) => unknown, args: readonly unknown[], opts: ExportOnnxOptions) {
  let outs: string[] = [];
  const g = (...xs: unknown[]) => {
    const out = (f as unknown as (...a: unknown[]) => unknown)(...xs);
    outs = outputNames(out, opts.outputName ?? "out");
    return out;
  };
  Object.defineProperty(g, "name", { value: f.name || "fn" });
  const ir = inlineCalls(jit(g, { backend: "js" }).lower(...(args as never[])));
  return { ir, outs };
}

/**
 * Export `f` applied to `exampleArgs` (an array of arguments, pytrees of arrays) as an ONNX
 * `ModelProto` (opset 18). Inputs are named by argument and key path (`params.w1`; positional
 * arguments `arg0`… unless `argNames`), outputs by the output's key path; closed-over arrays
 * become initializers. A primitive ONNX cannot express raises a ValueError naming it.
 * @example const bytes = exportOnnx((x: Array) => x.mul(2), [np.ones([3])]);
 */
export function exportOnnx<A extends readonly unknown[]>(
  f: (...args: A) => unknown,
  exampleArgs: A,
  opts: ExportOnnxOptions = {},
): Uint8Array {
  if (!globalThis.Array.isArray(exampleArgs)) {
    throw new ValueError("exportOnnx: exampleArgs must be an array of the function's arguments, e.g. exportOnnx(f, [x, y])");
  }
  const fn = f as unknown as (...args: never[]) => unknown;
  const { ir, outs: outs0 } = stage(fn, exampleArgs, opts);
  let outs = outs0;
  const { names: ins, leaves } = inputNames(exampleArgs, opts.argNames);
  checkUnique("inputs", ins);
  // ONNX names are unique in a graph: when an output's key path is also an input's name (a
  // training step returning `params`), every output is named under the output root instead.
  if (outs.some((o) => ins.includes(o))) {
    const root = opts.outputName ?? "out";
    outs = outs.map((o) => (o === root || o.startsWith(`${root}[`) ? o : `${root}.${o}`));
  }
  checkUnique("outputs", outs);
  const symbolic = dynamicDims(ins, ir, opts.dynamicAxes ?? {});
  const poly = symbolic.size > 0 ? checkPolymorphic(fn, exampleArgs, leaves, ins, ir, symbolic, opts) : null;
  const overrides: ShapeOverrides = poly?.overrides ?? new Map();

  const graph = buildGraph(ir, ins, outs, overrides, opts.name ?? (f.name || "axle"));
  graph.input = ir.inVars.map((v, i) =>
    valueInfo(
      ins[i],
      v.aval.dtype,
      v.aval.shape.map((d, ax) => symbolic.get(ins[i])?.[ax] ?? d),
    ),
  );
  graph.output = ir.outs.map((a, i) => valueInfo(outs[i], a.aval.dtype, outShape(a.aval.shape, i, poly)));
  if (poly !== null) {
    // The model must not depend on the example sizes: the second trace's graph is the same.
    const other = buildGraph(poly.ir2, ins, outs, poly.overrides2, graph.name);
    const diff = graphDifference(graph, other);
    if (diff !== null) throw dynamicError(opts, diff);
  }
  const model = {
    ir_version: ONNX_IR_VERSION,
    producer_name: "axle",
    producer_version: "0.1.0",
    graph,
    opset_import: [{ domain: "", version: ONNX_OPSET }],
  };
  const T = modelProto();
  return T.encode(T.fromObject(model)).finish();
}

/** The main graph of `ir` (inputs and outputs typed by the caller). */
function buildGraph(
  ir: Ir,
  ins: readonly string[],
  outs: readonly string[],
  overrides: ShapeOverrides,
  name: string,
): GraphProto {
  const state = new ModelState();
  const main = new GraphBuilder(state, overrides);
  const results = main.emitIr(ir, ins);
  results.forEach((r, i) => {
    main.nodes.push({ name: state.fresh("Output"), op_type: "Identity", input: [r], output: [outs[i]], attribute: [] });
  });
  return { name, node: main.nodes, initializer: state.initializers, input: [], output: [] };
}

/** The first node or constant in which two graphs differ (the primitive that wrote it), or null. */
function graphDifference(a: GraphProto, b: GraphProto): string | null {
  const key = (x: unknown) => JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? globalThis.Array.from(v).join(",") : v));
  const na = a.node;
  const nb = b.node;
  for (let i = 0; i < Math.max(na.length, nb.length); i++) {
    if (na[i] === undefined || nb[i] === undefined || key(na[i]) !== key(nb[i])) {
      const n = na[i] ?? nb[i];
      return `primitive '${n.name.split("/")[0]}' writes an ONNX ${n.op_type} node that depends on the example size`;
    }
  }
  for (let i = 0; i < a.initializer.length; i++) {
    const x = a.initializer[i];
    const y = b.initializer[i];
    if (y === undefined || key(x) !== key(y)) {
      const user = na.find((n) => n.input.includes(x.name));
      return `primitive '${user?.name.split("/")[0] ?? "?"}' bakes a size-dependent constant into the model`;
    }
  }
  return null;
}

function dynamicError(opts: ExportOnnxOptions, diff: string): ValueError {
  return new ValueError(
    `exportOnnx: dynamicAxes ${JSON.stringify(opts.dynamicAxes)}: the program depends on the size of a dynamic dim ` +
      `(${diff}), so an ONNX model with that dim symbolic would compute wrong values at other sizes. ` +
      "Export with fixed sizes (no dynamicAxes), or avoid size-dependent operations (a mean over the dynamic axis, " +
      "a reshape merging it with another dim)",
  );
}

/**
 * An output's dims: fixed where both traces agree, the dynamic dim's name where the dim follows
 * it, a fresh name otherwise.
 */
function outShape(shape: readonly number[], i: number, poly: Poly | null): (number | string)[] {
  if (poly === null) return [...shape];
  const other = poly.outShapes[i];
  return shape.map((d, ax) => {
    if (other[ax] === d) return d;
    return poly.dyns.find((x) => x.size === d && x.size + x.delta === other[ax])?.name ?? `out${i}_d${ax}`;
  });
}

function dynamicDims(ins: readonly string[], ir: Ir, spec: Readonly<Record<string, Readonly<Record<number, string>>>>) {
  const out = new Map<string, Record<number, string>>();
  for (const [name, axes] of Object.entries(spec)) {
    const i = ins.indexOf(name);
    if (i < 0) {
      throw new ValueError(`exportOnnx: dynamicAxes names input '${name}', but the inputs are ${ins.join(", ")}`);
    }
    const nd = ir.inVars[i].aval.ndim;
    for (const ax of Object.keys(axes)) {
      const a = Number(ax);
      if (!Number.isInteger(a) || a < 0 || a >= nd) {
        throw new ValueError(`exportOnnx: dynamicAxes: input '${name}' has ${nd} dims; axis ${ax} does not exist`);
      }
    }
    out.set(name, { ...axes });
  }
  return out;
}

interface Poly {
  overrides: ShapeOverrides;
  overrides2: ShapeOverrides;
  ir2: Ir;
  dyns: readonly Dyn[];
  outShapes: readonly (readonly number[])[];
}

/** The params of these primitives are shapes whose entries may follow a dynamic dim. */
const SHAPE_PARAMS: Readonly<Record<string, string>> = { reshape: "newShape", broadcast_in_dim: "shape" };

interface Dyn {
  name: string;
  input: string;
  axis: number;
  size: number;
  delta: number;
}

/**
 * Trace again with every dynamic dim grown (dims of one name by the same amount, different names
 * by different amounts): a shape-polymorphic program stages the same equations with the same
 * params, literals and constants. Shape params (reshape, broadcast_in_dim) may differ exactly
 * where an entry is a dynamic dim: those entries are read from the input's shape at run time.
 * Anything else (a mean's 1/n, a reshape merging the batch dim) would compute wrong values at
 * other sizes, so it is rejected, naming the primitive.
 */
function checkPolymorphic(
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  leaves: readonly unknown[],
  ins: readonly string[],
  ir: Ir,
  symbolic: Map<string, Record<number, string>>,
  opts: ExportOnnxOptions,
): Poly {
  const names = [...new Set([...symbolic.values()].flatMap((d) => Object.values(d)))];
  const dyns: Dyn[] = [];
  const grown = new Map<unknown, unknown>();
  leaves.forEach((leaf, i) => {
    const dyn = symbolic.get(ins[i]);
    if (dyn === undefined) return;
    const a = leaf as Array;
    const shape = a.shape.map((d, ax) => {
      if (!(ax in dyn)) return d;
      const delta = names.indexOf(dyn[ax]) + 1;
      dyns.push({ name: dyn[ax], input: ins[i], axis: ax, size: d, delta });
      return d + delta;
    });
    grown.set(leaf, growTo(a, shape));
  });
  const args2 = args.map((a) => replaceLeaves(a, grown));
  const { ir: ir2 } = stage(f, args2, opts);
  const overrides: ShapeOverrides = new Map();
  const diff = firstDifference(ir, ir2, dyns, overrides);
  if (diff !== null) throw dynamicError(opts, diff);
  // The same shape params seen from the second trace (for comparing the two models).
  const overrides2: ShapeOverrides = new Map();
  const back = dyns.map((d) => ({ ...d, size: d.size + d.delta, delta: -d.delta }));
  firstDifference(ir2, ir, back, overrides2);
  return { overrides, overrides2, ir2, dyns, outShapes: ir2.outAvals.map((a) => a.shape) };
}

/** The shape `a` (trace 1) vs `b` (trace 2) with entries that follow a dynamic dim, or null. */
function symbolicShape(a: readonly number[], b: readonly number[], dyns: readonly Dyn[]): (number | DynamicDim)[] | null {
  if (a.length !== b.length) return null;
  const out: (number | DynamicDim)[] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) {
      out.push(a[i]);
      continue;
    }
    const d = dyns.find((x) => x.size === a[i] && x.size + x.delta === b[i]);
    if (d === undefined) return null;
    out.push({ input: d.input, axis: d.axis });
  }
  return out;
}

function growTo(a: Array, shape: readonly number[]): Array {
  // Values do not matter for tracing: zeros of the new shape and dtype.
  return zeros(shape, a.dtype);
}

function replaceLeaves(tree: unknown, map: Map<unknown, unknown>): unknown {
  if (map.has(tree)) return map.get(tree);
  if (globalThis.Array.isArray(tree)) return tree.map((t) => replaceLeaves(t, map));
  if (tree !== null && typeof tree === "object" && Object.getPrototypeOf(tree) === Object.prototype) {
    return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, replaceLeaves(v, map)]));
  }
  return tree;
}

function paramsKey(e: Eqn): string {
  return JSON.stringify(e.params, (_k, v) => (subIrs({ v }).length > 0 ? "<ir>" : v));
}

/** The first structural difference of two traces (sizes of avals and shape params aside), or null. */
function firstDifference(a: Ir, b: Ir, dyns: readonly Dyn[], overrides: ShapeOverrides): string | null {
  if (a.eqns.length !== b.eqns.length) return `${a.eqns.length} vs ${b.eqns.length} equations`;
  if (a.consts.length !== b.consts.length) return "different closed-over constants";
  for (let i = 0; i < a.consts.length; i++) {
    const x = a.consts[i].buffer;
    const y = b.consts[i].buffer;
    if (x.length !== y.length || x.some((v, j) => !Object.is(v, y[j]))) return "a closed-over constant depends on the size";
  }
  for (let i = 0; i < a.eqns.length; i++) {
    const e = a.eqns[i];
    const f = b.eqns[i];
    if (e.prim !== f.prim) return `equation ${i}: ${e.prim.name} vs ${f.prim.name}`;
    if (paramsKey(e) !== paramsKey(f)) {
      const key = SHAPE_PARAMS[e.prim.name];
      const rest = (p: Eqn["params"]) => JSON.stringify({ ...p, [key]: null });
      const sym =
        key !== undefined && rest(e.params) === rest(f.params)
          ? symbolicShape(e.params[key] as number[], f.params[key] as number[], dyns)
          : null;
      if (sym === null) return `primitive '${e.prim.name}' (equation ${i}) has params ${paramsKey(e)} vs ${paramsKey(f)}`;
      overrides.set(e, { [key]: sym });
    }
    for (let j = 0; j < e.inputs.length; j++) {
      const x = e.inputs[j];
      const y = f.inputs[j];
      if (x instanceof Lit !== y instanceof Lit) return `primitive '${e.prim.name}' (equation ${i}) inputs differ`;
      if (x instanceof Lit && y instanceof Lit && !Object.is(x.value, y.value)) {
        return `primitive '${e.prim.name}' (equation ${i}) uses the literal ${x.value} vs ${y.value}`;
      }
    }
    const sa = subIrs(e.params);
    const sb = subIrs(f.params);
    for (let k = 0; k < sa.length; k++) {
      const d = firstDifference(sa[k], sb[k], dyns, overrides);
      if (d !== null) return `inside '${e.prim.name}': ${d}`;
    }
  }
  return null;
}
