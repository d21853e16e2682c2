import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { expect, test } from "vitest";
import { exportOnnx, ONNX_IR_VERSION, ONNX_OPSET } from "../../src/export/onnx/index.js";
import { ONNX_PROTO } from "../../src/export/onnx/proto/schema.js";
import { type Array, np } from "../../src/index.js";

test("schema.ts holds the vendored onnx.proto3 unchanged (regenerate: node scripts/gen-onnx-schema.mjs)", () => {
  const text = readFileSync(new URL("../../src/export/onnx/proto/onnx.proto3", import.meta.url), "utf8");
  expect(ONNX_PROTO).toBe(text);
  expect(text).toContain("SPDX-License-Identifier: Apache-2.0");
});

test("a model decodes as an ONNX ModelProto with opset 18, IR 8 and typed, named inputs", () => {
  const bytes = exportOnnx((p: { w: Array }, x: Array) => np.matmul(x, p.w), [{ w: np.ones([3, 2]) }, np.ones([4, 3])], {
    argNames: ["params", "x"],
  });
  const Model = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType("onnx.ModelProto");
  const m = Model.toObject(Model.decode(bytes), { longs: Number }) as {
    ir_version: number;
    opset_import: { domain?: string; version: number }[];
    graph: { input: { name: string; type: { tensor_type: { elem_type: number } } }[]; output: { name: string }[] };
  };
  expect(m.ir_version).toBe(ONNX_IR_VERSION);
  // The default domain "" (ai.onnx) is proto3's default value, so it is not on the wire.
  expect(m.opset_import).toEqual([{ version: ONNX_OPSET }]);
  expect(m.graph.input.map((i) => i.name)).toEqual(["params.w", "x"]);
  expect(m.graph.input.map((i) => i.type.tensor_type.elem_type)).toEqual([1, 1]);
  expect(m.graph.output.map((o) => o.name)).toEqual(["out"]);
});

test("with dynamicAxes, the symbolic dim is named on the inputs and on the outputs that follow it", () => {
  const bytes = exportOnnx((x: Array) => ({ y: np.tanh(x), s: np.sum(x, 0) }), [np.ones([4, 3])], {
    argNames: ["x"],
    dynamicAxes: { x: { 0: "batch" } },
  });
  const Model = protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType("onnx.ModelProto");
  type Dim = { dim_value?: number; dim_param?: string };
  type VI = { name: string; type: { tensor_type: { shape: { dim: Dim[] } } } };
  const m = Model.toObject(Model.decode(bytes), { longs: Number }) as { graph: { input: VI[]; output: VI[] } };
  const dims = (v: VI) => v.type.tensor_type.shape.dim.map((d) => d.dim_param ?? d.dim_value);
  expect(dims(m.graph.input[0])).toEqual(["batch", 3]);
  expect(Object.fromEntries(m.graph.output.map((o) => [o.name, dims(o)]))).toEqual({ y: ["batch", 3], s: [3] });
});
