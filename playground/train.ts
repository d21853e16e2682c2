/**
 * The playground's models and training loops, written against axle alone (no DOM, no worker API),
 * so the same code runs in the page's Web Worker and under Node (test/playground/train.test.ts).
 *
 * XOR: the classroom 2-1+skip net of examples/xor.ts (generalised to `hidden` logistic units that
 * the output sees next to both inputs) and a 2-H-1 tanh net, trained by full-batch gradient
 * descent. Digits: the ten-class 64-H-10 ReLU MLP of examples/digits.ts (adamw, minibatch 32).
 */
import type { Backend } from "../src/compile/compile.js";
import type { Digits } from "../src/datasets/index.js";
import { datasets, foriLoop, grad, jit, type NDArray, nn, np, optim, random, tree, valueAndGrad } from "../src/index.js";

export type XorModel = "skip" | "tanh";

export interface XorConfig {
  model: XorModel;
  lr: number;
  hidden: number;
  seed: number;
  backend: Backend;
}

/** The 2-1+skip net with H hidden units: h = σ(x·w34 + b0), ŷ = σ([x, h]·w012 + b1). */
interface SkipNet {
  w34: NDArray;
  b0: NDArray;
  w012: NDArray;
  b1: NDArray;
}

/** Gradient-descent steps per compiled call: one `jit` call runs a `foriLoop` of this many. */
export const XOR_STEPS_PER_CALL = 25;
/** The heatmap grid spans [-0.5, 1.5]² with this many cells a side. */
export const GRID = 48;
export const GRID_LO = -0.5;
export const GRID_HI = 1.5;

function skipForward(p: SkipNet, x: NDArray): NDArray {
  const h = np.sigmoid(np.add(np.matmul(x, p.w34), p.b0));
  return np.sigmoid(np.add(np.matmul(np.concatenate([x, h], 1), p.w012), p.b1));
}

function gridPoints(): NDArray {
  const pts: number[][] = [];
  for (let r = 0; r < GRID; r++) {
    // Row 0 is the top of the picture: the largest x1.
    const x1 = GRID_HI - ((r + 0.5) * (GRID_HI - GRID_LO)) / GRID;
    for (let c = 0; c < GRID; c++) pts.push([GRID_LO + ((c + 0.5) * (GRID_HI - GRID_LO)) / GRID, x1]);
  }
  return np.array(pts);
}

export interface XorSnapshot {
  step: number;
  loss: number;
  accuracy: number;
  /** ŷ for the patterns 00, 01, 10, 11. */
  outputs: number[];
  /** ŷ over the GRID × GRID heatmap, row-major from the top-left corner. */
  grid: Float32Array;
}

export interface XorTrainer {
  readonly step: number;
  /** Run `calls` compiled calls of XOR_STEPS_PER_CALL gradient steps each. */
  train(calls: number): void;
  snapshot(): XorSnapshot;
}

export function xorTrainer(cfg: XorConfig): XorTrainer {
  const { x, y } = datasets.xor();
  const yv = np.reshape(y, [4]);
  const target = yv.toArray() as number[];
  const grid = gridPoints();
  const key = random.key(cfg.seed);
  let predict: (p: unknown, xs: NDArray) => NDArray;
  let params: unknown;
  if (cfg.model === "skip") {
    const [k1, k2] = random.split(key);
    params = {
      w34: random.uniform(k1, [2, cfg.hidden], { minval: -1, maxval: 1 }),
      b0: np.zeros([cfg.hidden]),
      w012: random.uniform(k2, [2 + cfg.hidden], { minval: -1, maxval: 1 }),
      b1: np.zeros([]),
    } satisfies SkipNet;
    predict = (p, xs) => skipForward(p as SkipNet, xs);
  } else {
    const model = nn.sequential(nn.dense(cfg.hidden), nn.Tanh, nn.dense(1), nn.Sigmoid);
    params = model.init(key, [4, 2])[1];
    predict = (p, xs) => np.reshape(model.apply(p as Parameters<typeof model.apply>[0], xs), [-1]);
  }
  // Summed squared error over the four patterns: one full-batch step equals an epoch of the
  // classroom's per-pattern SGD to first order in the learning rate.
  const loss = (p: unknown) => np.sum(np.square(np.subtract(predict(p, x), yv)));
  const run = jit(
    (p: unknown) =>
      foriLoop(
        0,
        XOR_STEPS_PER_CALL,
        (_i, q: unknown) => tree.map((v: NDArray, g: NDArray) => v.sub(g.mul(cfg.lr)), q, grad(loss)(q)),
        p,
      ),
    { backend: cfg.backend },
  );
  const report = jit((p: unknown) => [loss(p), predict(p, x), predict(p, grid)] as const, { backend: cfg.backend });
  let step = 0;
  return {
    get step() {
      return step;
    },
    train(calls) {
      for (let i = 0; i < calls; i++) params = run(params);
      step += calls * XOR_STEPS_PER_CALL;
    },
    snapshot() {
      const [l, outs, g] = report(params);
      const outputs = outs.toArray() as number[];
      const correct = outputs.filter((v, i) => v > 0.5 === target[i] > 0.5).length;
      return { step, loss: l.item(), accuracy: correct / 4, outputs, grid: Float32Array.from(g.data()) };
    },
  };
}

export interface DigitsConfig {
  lr: number;
  hidden: number;
  seed: number;
  backend: Backend;
}

/** Test digits whose pictures the page shows with their predictions. */
export const SHOWN_DIGITS = 40;
const BATCH = 32;
/** The train/test split and the standardisation are those of examples/digits.ts (key 42, 898 / 899). */
const SPLIT_KEY = 42;
const TRAIN_SIZE = 898;

export interface DigitsSnapshot {
  step: number;
  epoch: number;
  /** Mean minibatch loss since the previous snapshot. */
  trainLoss: number;
  testLoss: number;
  testAccuracy: number;
  /** Predicted class of the first SHOWN_DIGITS test images. */
  predictions: number[];
}

export interface DigitsTrainer {
  readonly step: number;
  readonly stepsPerEpoch: number;
  /** The first SHOWN_DIGITS test images (raw pixels 0..16, 64 each) and their labels. */
  readonly shown: { pixels: number[][]; labels: number[] };
  train(steps: number): void;
  snapshot(): DigitsSnapshot;
}

export function digitsTrainer(data: Digits, cfg: DigitsConfig): DigitsTrainer {
  const order = random.permutation(random.key(SPLIT_KEY), data.images.shape[0]);
  const trainIdx = np.slice(order, [0, TRAIN_SIZE]);
  const testIdx = np.slice(order, [TRAIN_SIZE, null]);
  const train = datasets.standardizeGlobal(np.take(data.images, trainIdx, 0));
  const test = datasets.standardizeGlobal(np.take(data.images, testIdx, 0), { mean: train.mean, std: train.std });
  const yTrain = np.take(data.labels, trainIdx, 0);
  const yTest = np.take(data.labels, testIdx, 0);
  const rawTest = np.take(data.images, np.slice(testIdx, [0, SHOWN_DIGITS]), 0).toArray() as number[][];
  const shownLabels = np.slice(yTest, [0, SHOWN_DIGITS]).toArray() as number[];

  const mlp = nn.mlp([64, cfg.hidden, 10], nn.relu);
  const [initKey, orderKey] = random.split(random.key(cfg.seed));
  const [, params0] = mlp.init(initKey, [BATCH, 64]);
  type P = typeof params0;
  const opt = optim.adamw(cfg.lr, { weightDecay: 1e-4 });
  const ce = (p: P, xs: NDArray, ys: NDArray) => nn.softmaxCrossEntropy(mlp.apply(p, xs), ys);
  type S = ReturnType<typeof opt.init>;
  const update = jit(
    (p: P, s: S, xs: NDArray, ys: NDArray) => {
      const [l, g] = valueAndGrad(ce)(p, xs, ys);
      const [u, s2] = opt.update(g, s, p);
      return [optim.applyUpdates(p, u), s2, l] as const;
    },
    { backend: cfg.backend },
  );
  const evaluate = jit(
    (p: P) => {
      const logits = mlp.apply(p, test.x);
      return [nn.softmaxCrossEntropy(logits, yTest), nn.accuracy(logits, yTest), np.argmax(logits, -1)] as const;
    },
    { backend: cfg.backend },
  );

  let params = params0;
  let state: S = opt.init(params0);
  const stepsPerEpoch = Math.ceil(TRAIN_SIZE / BATCH);
  let step = 0;
  let batches: NDArray[] = [];
  let lossSum = 0;
  let lossCount = 0;
  return {
    get step() {
      return step;
    },
    stepsPerEpoch,
    shown: { pixels: rawTest, labels: shownLabels },
    train(steps) {
      for (let i = 0; i < steps; i++) {
        if (batches.length === 0) {
          batches = random.batchIndices(random.foldIn(orderKey, Math.floor(step / stepsPerEpoch)), TRAIN_SIZE, BATCH);
          batches.reverse();
        }
        const idx = batches.pop() as NDArray;
        const [p, s, l] = update(params, state, np.take(train.x, idx, 0), np.take(yTrain, idx, 0));
        params = p;
        state = s;
        lossSum += l.item();
        lossCount++;
        step++;
      }
    },
    snapshot() {
      const [tl, acc, pred] = evaluate(params);
      const trainLoss = lossCount > 0 ? lossSum / lossCount : Number.NaN;
      lossSum = 0;
      lossCount = 0;
      return {
        step,
        epoch: step / stepsPerEpoch,
        trainLoss,
        testLoss: tl.item(),
        testAccuracy: acc.item(),
        predictions: (pred.toArray() as number[]).slice(0, SHOWN_DIGITS),
      };
    },
  };
}
