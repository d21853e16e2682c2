/**
 * Builds ONNX graphs (as plain objects in the shape of the ONNX protobuf messages, field names as
 * in onnx.proto3) from typed IR: each equation goes through its primitive's own `onnx` rule.
 * No protobuf library here; `index.ts` encodes the result.
 */
import type { ConcreteArray } from "../../core/array.js";
import type { ShapedArray } from "../../core/aval.js";
import { ValueError } from "../../core/errors.js";
import { type Atom, type Eqn, type Ir, Lit, type Var } from "../../ir/ir.js";
import type { OnnxAttr, OnnxContext, OnnxDType, OnnxGraph, OnnxValueType } from "./types.js";

export const ONNX_DTYPE: Record<OnnxDType, number> = { float32: 1, float64: 11, int32: 6, uint32: 12, bool: 9, int64: 7 };

export interface TensorProto {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}
export interface AttributeProto {
  name: string;
  type: number;
  i?: number;
  f?: number;
  s?: Uint8Array;
  ints?: number[];
  g?: GraphProto;
}
export interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}
export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}
export interface GraphProto {
  name: string;
  node: NodeProto[];
  initializer: TensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

interface BuiltGraph extends OnnxGraph {
  readonly proto: GraphProto;
}

function rawBytes(dtype: OnnxDType, values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  switch (dtype) {
    case "float32":
      return new Uint8Array(Float32Array.from(values).buffer);
    case "float64":
      return new Uint8Array(Float64Array.from(values).buffer);
    case "int32":
      return new Uint8Array(Int32Array.from(values).buffer);
    case "uint32":
      return new Uint8Array(Uint32Array.from(values).buffer);
    case "bool":
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
    case "int64": {
      const b = new BigInt64Array(n);
      for (let i = 0; i < n; i++) b[i] = BigInt(values[i]);
      return new Uint8Array(b.buffer);
    }
  }
}

/** A ValueInfoProto: dims are numbers, or names of symbolic dims. */
export function valueInfo(name: string, dtype: OnnxDType, shape: readonly (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: ONNX_DTYPE[dtype],
        shape: { dim: shape.map((d) => (typeof d === "string" ? { dim_param: d } : { dim_value: d })) },
      },
    },
  };
}

const encoder = new TextEncoder();

/** Shared state of one model: fresh names and the initializers (all at the top level). */
export class ModelState {
  private count = 0;
  readonly initializers: TensorProto[] = [];
  private readonly scalars = new Map<string, string>();
  /** The primitive whose rule is writing nodes (node names start with it, for error messages). */
  prim = "";
  fresh(hint = "v"): string {
    return `${hint}_${this.count++}`;
  }
  constant(dtype: OnnxDType, shape: readonly number[], values: ArrayLike<number>, name?: string): string {
    const n = name ?? this.fresh("c");
    this.initializers.push({ name: n, dims: [...shape], data_type: ONNX_DTYPE[dtype], raw_data: rawBytes(dtype, values) });
    return n;
  }
  scalar(value: number, dtype: OnnxDType): string {
    const key = `${dtype}:${Object.is(value, -0) ? "-0" : value}`;
    let n = this.scalars.get(key);
    if (n === undefined) {
      n = this.constant(dtype, [], [value]);
      this.scalars.set(key, n);
    }
    return n;
  }
}

/** A shape entry that follows a dynamic dim: axis `axis` of graph input `input`. */
export interface DynamicDim {
  readonly input: string;
  readonly axis: number;
}

/** Per equation, per shape-valued param: the entries that follow dynamic dims. */
export type ShapeOverrides = Map<Eqn, Record<string, readonly (number | DynamicDim)[]>>;

/** One graph under construction (the model's main graph or a subgraph). */
export class GraphBuilder implements OnnxContext {
  readonly nodes: NodeProto[] = [];
  private current: Eqn | null = null;
  constructor(
    readonly state: ModelState,
    readonly overrides: ShapeOverrides = new Map(),
  ) {}

  shapeParam(key: string, values: readonly number[]): string {
    const o = this.current === null ? undefined : this.overrides.get(this.current)?.[key];
    if (o === undefined || o.every((v) => typeof v === "number")) return this.ints(values);
    const parts = o.map((v) =>
      typeof v === "number" ? this.ints([v]) : this.op("Shape", [v.input], { start: v.axis, end: v.axis + 1 }),
    );
    return this.op("Concat", parts, { axis: 0 });
  }

  node(op: string, inputs: readonly string[], attrs: Readonly<Record<string, OnnxAttr>> = {}, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => this.state.fresh(op.toLowerCase()));
    this.nodes.push({
      name: this.state.fresh(`${this.state.prim}/${op}`),
      op_type: op,
      input: [...inputs],
      output: outs,
      attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
    });
    return outs;
  }
  op(op: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttr>>): string {
    return this.node(op, inputs, attrs, 1)[0];
  }
  constant(dtype: OnnxDType, shape: readonly number[], values: ArrayLike<number>): string {
    return this.state.constant(dtype, shape, values);
  }
  scalar(value: number, dtype: OnnxDType): string {
    return this.state.scalar(value, dtype);
  }
  ints(values: readonly number[]): string {
    return this.state.constant("int64", [values.length], values);
  }
  unsupported(prim: string, why: string): never {
    throw new ValueError(
      `exportOnnx: primitive '${prim}' cannot be exported to ONNX: ${why}. ` +
        "Keep it outside the exported function, or express it with other operations (see docs/deploy.md, known limits)",
    );
  }
  emitIr(ir: Ir, inputs: readonly string[]): string[] {
    const env = new Map<Var, string>();
    ir.constVars.forEach((v, i) => env.set(v, constantOf(this.state, ir.consts[i])));
    ir.inVars.forEach((v, i) => env.set(v, inputs[i]));
    const read = (a: Atom): string => (a instanceof Lit ? this.scalar(a.value, a.aval.dtype) : (env.get(a) as string));
    for (const e of ir.eqns) {
      const rule = e.prim.onnx;
      if (rule === undefined) this.unsupported(e.prim.name, "it has no ONNX rule");
      if ("unsupported" in rule) this.unsupported(e.prim.name, rule.unsupported);
      const ins = e.inputs.map(read);
      this.current = e;
      const outer = this.state.prim;
      this.state.prim = e.prim.name;
      const outs = rule(
        this,
        ins,
        e.params,
        e.inputs.map((a) => a.aval),
        e.outVars.map((v) => v.aval),
      );
      this.current = null;
      this.state.prim = outer;
      e.outVars.forEach((v, i) => env.set(v, outs[i]));
    }
    return ir.outs.map(read);
  }
  subgraph(
    inputs: readonly OnnxValueType[],
    outputs: readonly OnnxValueType[],
    build: (g: OnnxContext, inputs: string[]) => string[],
  ): OnnxGraph {
    const g = new GraphBuilder(this.state, this.overrides);
    const names = inputs.map(() => this.state.fresh("in"));
    // Every subgraph output is a node output of the subgraph itself (not an outer name).
    const outs = build(g, names).map((o) => g.op("Identity", [o]));
    const proto: GraphProto = {
      name: this.state.fresh("graph"),
      node: g.nodes,
      initializer: [],
      input: inputs.map((t, i) => valueInfo(names[i], t.dtype, t.shape)),
      output: outputs.map((t, i) => valueInfo(outs[i], t.dtype, t.shape)),
    };
    const built: BuiltGraph = { kind: "graph", proto };
    return built;
  }
}

export function constantOf(state: ModelState, c: ConcreteArray, name?: string): string {
  return state.constant(c.dtype, c.shape, c.buffer as ArrayLike<number>, name);
}

function attribute(name: string, v: OnnxAttr): AttributeProto {
  if (typeof v === "number") return { name, type: 2, i: v };
  if (typeof v === "string") return { name, type: 3, s: encoder.encode(v) };
  if (Array.isArray(v)) return { name, type: 7, ints: [...v] };
  if ("float" in (v as object)) return { name, type: 1, f: (v as { float: number }).float };
  return { name, type: 5, g: (v as BuiltGraph).proto };
}

/** The type of a value of aval `a` (for subgraph inputs and outputs). */
export function typeOf(a: ShapedArray): OnnxValueType {
  return { dtype: a.dtype, shape: a.shape };
}
