/** Runs exported models in ONNX Runtime (onnxruntime-node, CPU) and compares with axle. */
import * as ort from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import { expect } from "vitest";
import { type Array, type ConcreteArray, type DType, jit, tree } from "../../src/index.js";

const ORT_TYPE: Record<DType, ort.Tensor.Type> = {
  float32: "float32",
  float64: "float64",
  int32: "int32",
  uint32: "uint32",
  bool: "bool",
};

export function toTensor(a: Array): ort.Tensor {
  const c = a as ConcreteArray;
  const buf = c.dtype === "bool" ? Uint8Array.from(c.buffer as ArrayLike<number>) : c.buffer;
  return new ort.Tensor(ORT_TYPE[c.dtype], buf as never, [...c.shape]);
}

/** Where models run: onnxruntime-node (native CPU) or onnxruntime-web (its Wasm EP, under Node). */
export type Runtime = "node" | "web";
export const RUNTIMES: readonly Runtime[] = ["node", "web"];

ortWeb.env.wasm.numThreads = 1;

export function toWebTensor(a: Array): ortWeb.Tensor {
  const c = a as ConcreteArray;
  const buf = c.dtype === "bool" ? Uint8Array.from(c.buffer as ArrayLike<number>) : c.buffer;
  return new ortWeb.Tensor(ORT_TYPE[c.dtype] as ortWeb.Tensor.Type, buf as never, [...c.shape]);
}

export async function session(model: Uint8Array, runtime: Runtime = "node"): Promise<ort.InferenceSession> {
  if (runtime === "web") {
    return (await ortWeb.InferenceSession.create(model, { executionProviders: ["wasm"] })) as unknown as ort.InferenceSession;
  }
  return ort.InferenceSession.create(model);
}

/** Run `model` on named feeds; outputs as plain number arrays with their dims. */
export async function runOnnx(
  model: Uint8Array | ort.InferenceSession,
  feeds: Record<string, Array>,
  runtime: Runtime = "node",
): Promise<Record<string, { data: number[]; dims: number[] }>> {
  const s = model instanceof Uint8Array ? await session(model, runtime) : model;
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds))
    inputs[k] = runtime === "web" ? (toWebTensor(v) as unknown as ort.Tensor) : toTensor(v);
  const out = await s.run(inputs);
  const res: Record<string, { data: number[]; dims: number[] }> = {};
  for (const [k, t] of Object.entries(out)) {
    res[k] = { data: Array_from(t.data as ArrayLike<number | boolean>), dims: [...t.dims] };
  }
  return res;
}

function Array_from(x: ArrayLike<number | boolean>): number[] {
  return globalThis.Array.from(x, (v) => Number(v));
}

/** The largest |onnx - axle| (NaNs must match; infinities must be equal). */
export function maxDiff(got: readonly number[], want: readonly number[]): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const w = want[i];
    if (Number.isNaN(w) || Number.isNaN(g)) {
      expect(Number.isNaN(g), `element ${i}: onnx ${g}, axle ${w}`).toBe(Number.isNaN(w));
      continue;
    }
    if (!Number.isFinite(w) || !Number.isFinite(g)) {
      expect(g, `element ${i}`).toBe(w);
      continue;
    }
    m = Math.max(m, Math.abs(g - w) / Math.max(1, Math.abs(w)));
  }
  return m;
}

export function values(a: Array): number[] {
  return globalThis.Array.from((a as ConcreteArray).buffer as ArrayLike<number>, Number);
}

/** Export-independent reference: axle's jit of `f`, flattened to leaves with names. */
export function axleOutputs(f: (...a: never[]) => unknown, args: readonly unknown[]): Array[] {
  const out = jit(f as (...a: unknown[]) => unknown)(...args);
  return tree.leaves(out) as Array[];
}
