/**
 * What a primitive's ONNX rule sees: a graph under construction (`OnnxContext`). This module
 * imports no protobuf library, so primitive records can declare their rules without pulling the
 * serializer into the core bundle (the serializer lives in `export/onnx/index.ts`, subpath
 * `axle/onnx`).
 */
import type { ShapedArray } from "../../core/aval.js";
import type { DType } from "../../core/dtype.js";
import type { Ir } from "../../ir/ir.js";

/** The element types the exporter writes: axle's dtypes plus int64 (ONNX's shape and index type). */
export type OnnxDType = DType | "int64";

/** A graph (If branch, Loop body) built by `OnnxContext.subgraph`, usable as a node attribute. */
export interface OnnxGraph {
  readonly kind: "graph";
}

/** A node attribute: integers, integer lists, strings, floats (`{ float }`) or subgraphs. */
export type OnnxAttr = number | readonly number[] | string | { readonly float: number } | OnnxGraph;

/** The type of a subgraph input or output. */
export interface OnnxValueType {
  readonly dtype: OnnxDType;
  readonly shape: readonly number[];
}

/** A graph being built: rules add nodes and constants and get back the names of their outputs. */
export interface OnnxContext {
  /** Add a node of `op` (an ONNX opset-18 operator); returns its `outputs` output names. */
  node(op: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttr>>, outputs?: number): string[];
  /** `node` with one output. */
  op(op: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttr>>): string;
  /** A constant tensor (an initializer of the model). */
  constant(dtype: OnnxDType, shape: readonly number[], values: ArrayLike<number>): string;
  /** A scalar constant of `dtype`. */
  scalar(value: number, dtype: OnnxDType): string;
  /** A 1-D int64 constant (shapes, axes, pads). */
  ints(values: readonly number[]): string;
  /**
   * The shape-valued param `key` of the equation being translated, as a 1-D int64 tensor:
   * `values`, except that entries following a dynamic dim (`dynamicAxes`) are read at run time
   * from the input's shape (Shape). Rules pass shapes they bake into nodes through here.
   */
  shapeParam(key: string, values: readonly number[]): string;
  /** Translate the equations of `ir` into this graph, its inputs bound to `inputs`; returns its outputs. */
  emitIr(ir: Ir, inputs: readonly string[]): string[];
  /**
   * A subgraph with typed `inputs`, whose body `build` writes (it may read any name of the
   * enclosing graphs); its outputs are the names `build` returns, typed `outputs`.
   */
  subgraph(
    inputs: readonly OnnxValueType[],
    outputs: readonly OnnxValueType[],
    build: (g: OnnxContext, inputs: string[]) => string[],
  ): OnnxGraph;
  /** Refuse to export: throws a ValueError naming the primitive, the reason and what to do. */
  unsupported(prim: string, why: string): never;
}

/**
 * A primitive's ONNX rule: nodes computing its outputs from its inputs' names (`inputs` hold the
 * input names, `inAvals`/`outAvals` their shapes and dtypes). Or, for a primitive ONNX cannot
 * express, `{ unsupported: reason }`: exporting a program that uses it raises an error naming it.
 */
export type OnnxRule<P = Readonly<Record<string, unknown>>> =
  | ((
      ctx: OnnxContext,
      inputs: readonly string[],
      params: P,
      inAvals: readonly ShapedArray[],
      outAvals: readonly ShapedArray[],
    ) => string[])
  | { readonly unsupported: string };
