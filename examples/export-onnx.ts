/**
 * Export to ONNX and run in ONNX Runtime: train the digits classifier (64-32-10 MLP, adam) in
 * axle, export the predictor (trained weights as initializers, a dynamic batch dim) and the whole
 * jitted training step (forward + gradient + adam update), then run both in onnxruntime-node:
 * the accuracy and, step by step, the losses of training continued inside ONNX Runtime match
 * axle's.
 *
 *   npx tsx examples/export-onnx.ts      (npm run example:onnx)
 */
import * as ort from "onnxruntime-node";
import { exportOnnx } from "../src/export/onnx/index.js";
import { type Array, ConcreteArray, datasets, jit, nn, np, optim, random, tree, valueAndGrad } from "../src/index.js";
import { type ExampleOptions, isMain, logger } from "./lib/run.js";

export interface Params {
  w1: Array;
  b1: Array;
  w2: Array;
  b2: Array;
}

export function initParams(key: Array, hidden = 32): Params {
  const [k1, k2] = random.split(key, 2);
  return {
    w1: random.normal(k1, [64, hidden]).mul(Math.sqrt(2 / 64)),
    b1: np.zeros([hidden]),
    w2: random.normal(k2, [hidden, 10]).mul(Math.sqrt(1 / hidden)),
    b2: np.zeros([10]),
  };
}

export function predict(p: Params, x: Array): Array {
  const h = nn.relu(np.add(np.matmul(x, p.w1), p.b1));
  return np.add(np.matmul(h, p.w2), p.b2);
}

export function loss(p: Params, x: Array, labels: Array): Array {
  return nn.softmaxCrossEntropy(predict(p, x), labels, { reduction: "mean" });
}

export const opt = optim.adam(0.01);
export type OptState = ReturnType<typeof opt.init>;

/** One training step: loss, new params, new adam state (the program that is exported). */
export function trainStep(p: Params, state: OptState, x: Array, labels: Array) {
  const [l, g] = valueAndGrad(loss)(p, x, labels);
  const [u, s2] = opt.update(g, state, p);
  return { loss: l, params: optim.applyUpdates(p, u), state: s2 };
}

export function toTensor(a: Array): ort.Tensor {
  const c = a as ConcreteArray;
  const data = c.dtype === "bool" ? Uint8Array.from(c.buffer as ArrayLike<number>) : c.buffer;
  return new ort.Tensor(c.dtype, data as never, [...c.shape]);
}

export function fromTensor(t: ort.Tensor): Array {
  const dt = t.type as "float32" | "float64" | "int32" | "uint32";
  return new ConcreteArray([...t.dims], dt, t.data as never);
}

/** The named leaves of a pytree argument, as graph input names (`params.w1`). */
export function feeds(root: string, x: unknown): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [path, leaf] of tree.leavesWithPath(x)) out[tree.keyPathString(path, root)] = toTensor(leaf as Array);
  return out;
}

export interface ExportResult {
  axleAccuracy: number;
  onnxAccuracy: number;
  /** Largest |onnx − axle| of the predictor's logits on the test set. */
  logitsMaxDiff: number;
  /** The same for a batch of 7 (the predictor's batch dim is symbolic). */
  dynamicBatchMaxDiff: number;
  axleLosses: number[];
  onnxLosses: number[];
  /** Largest |onnx − axle| over the losses and every parameter after each step. */
  trainMaxDiff: number;
  predictorBytes: number;
  trainStepBytes: number;
}

export async function main(opts: ExampleOptions = {}): Promise<ExportResult> {
  const log = logger(opts);
  const { images, labels } = datasets.digits();
  const order = random.permutation(random.key(0), images.shape[0]);
  const trainIdx = np.slice(order, [0, 1400]);
  const testIdx = np.slice(order, [1400, null]);
  const std = datasets.standardizeGlobal(np.take(images, trainIdx, 0));
  const xTrain = std.x;
  const yTrain = np.take(labels, trainIdx, 0).astype("int32");
  const xTest = datasets.standardizeGlobal(np.take(images, testIdx, 0), { mean: std.mean, std: std.std }).x;
  const yTest = np.take(labels, testIdx, 0).astype("int32");

  // Train in axle.
  const step = jit(trainStep);
  let params = initParams(random.key(1));
  let state = opt.init(params);
  const batch = 100;
  const epochs = opts.fast ? 2 : 10;
  for (let e = 0; e < epochs; e++) {
    for (const idx of random.batchIndices(random.foldIn(random.key(2), e), 1400, batch)) {
      ({ params, state } = step(params, state, np.take(xTrain, idx, 0), np.take(yTrain, idx, 0)));
    }
  }
  const axleLogits = jit(predict)(params, xTest);
  const accuracyOf = (logits: Array) => np.mean(np.equal(np.argmax(logits, -1).astype("int32"), yTest).astype("float32")).item();
  const axleAccuracy = accuracyOf(axleLogits);

  // The predictor: trained weights closed over (initializers), the batch dim symbolic.
  const trained = params;
  const predictor = exportOnnx((x: Array) => predict(trained, x), [xTest], {
    argNames: ["x"],
    outputName: "logits",
    dynamicAxes: { x: { 0: "batch" } },
  });
  const ps = await ort.InferenceSession.create(predictor);
  const onnxLogits = fromTensor((await ps.run({ x: toTensor(xTest) })).logits);
  const onnxAccuracy = accuracyOf(onnxLogits);
  const logitsMaxDiff = np.max(np.abs(np.subtract(onnxLogits, axleLogits))).item();
  // The batch dim is symbolic: the same model on 7 rows.
  const few = np.slice(xTest, [0, 7]);
  const fewOnnx = fromTensor((await ps.run({ x: toTensor(few) })).logits);
  const dynamicBatchMaxDiff = np.max(np.abs(np.subtract(fewOnnx, jit(predict)(params, few)))).item();
  log(
    `predictor: ${predictor.length} bytes; test accuracy axle ${(100 * axleAccuracy).toFixed(2)}%, ONNX Runtime ${(100 * onnxAccuracy).toFixed(2)}% (max logit diff ${logitsMaxDiff.toExponential(2)})`,
  );

  // The training step: continue training for 20 steps in both, from the same state.
  const xb = np.slice(xTrain, [0, batch]);
  const yb = np.slice(yTrain, [0, batch]);
  const trainModel = exportOnnx(trainStep, [params, state, xb, yb], { argNames: ["params", "state", "x", "labels"] });
  const ts = await ort.InferenceSession.create(trainModel);
  let ap = params;
  let as = state;
  let inputs: Record<string, ort.Tensor> = { ...feeds("params", params), ...feeds("state", state) };
  const axleLosses: number[] = [];
  const onnxLosses: number[] = [];
  let trainMaxDiff = 0;
  for (let s = 0; s < 20; s++) {
    const idx = np.slice(order, [(s * batch) % 1300, ((s * batch) % 1300) + batch]);
    const x = datasets.standardizeGlobal(np.take(images, idx, 0), { mean: std.mean, std: std.std }).x;
    const y = np.take(labels, idx, 0).astype("int32");
    const r = step(ap, as, x, y);
    ({ params: ap, state: as } = r);
    const out = await ts.run({ ...inputs, x: toTensor(x), labels: toTensor(y) });
    axleLosses.push(r.loss.item());
    onnxLosses.push(Number(out["out.loss"].data[0]));
    // Feed the outputs back: output `params.w1` is the next step's input `params.w1`.
    inputs = {};
    // (Outputs share the inputs' names under the root `out`: `out.params.w1`.)
    for (const [name, t] of Object.entries(out)) if (name !== "out.loss") inputs[name.slice(4)] = t;
    const want = { loss: r.loss, ...Object.fromEntries(Object.entries({ ...feeds("params", ap), ...feeds("state", as) })) };
    for (const [name, w] of Object.entries(want)) {
      const a = w instanceof ort.Tensor ? fromTensor(w) : (w as Array);
      const diff = np.max(np.abs(np.subtract(fromTensor(out[`out.${name}`]).astype("float64"), a.astype("float64")))).item();
      trainMaxDiff = Math.max(trainMaxDiff, diff);
    }
  }
  log(
    `train step: ${trainModel.length} bytes; 20 steps in ONNX Runtime, max |onnx - axle| over losses and parameters ${trainMaxDiff.toExponential(2)}`,
  );
  log(`  losses axle ${axleLosses.map((l) => l.toFixed(4)).join(" ")}`);
  log(`  losses onnx ${onnxLosses.map((l) => l.toFixed(4)).join(" ")}`);
  return {
    axleAccuracy,
    onnxAccuracy,
    logitsMaxDiff,
    dynamicBatchMaxDiff,
    axleLosses,
    onnxLosses,
    trainMaxDiff,
    predictorBytes: predictor.length,
    trainStepBytes: trainModel.length,
  };
}

if (isMain(import.meta.url)) await main();
