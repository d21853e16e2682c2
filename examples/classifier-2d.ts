/**
 * Linear vs MLP decision boundaries. A linear softmax classifier (Wx + b, small random W, b = 0,
 * cross-entropy) separates a linearly separable 2-D set perfectly; on a set of concentric
 * classes it cannot, and a one-hidden-layer ReLU MLP does much better.
 *
 *   npx tsx examples/classifier-2d.ts      (npm run example:classifier)
 */
import { type Array, datasets, grad, jit, nn, np, optim, random } from "../src/index.js";
import { decisionRegions, lineChart } from "./lib/plot.js";
import { progress } from "./lib/progress.js";
import { type ExampleOptions, isMain, logger, outDir } from "./lib/run.js";

type Linear = { w: Array; b: Array };

function linearModel(classes: number): nn.Layer<Linear> {
  return {
    init(key, inputShape) {
      const n = inputShape[inputShape.length - 1];
      // Small random W, zero b (the classroom set-up).
      return [
        [...inputShape.slice(0, -1), classes],
        { w: np.multiply(0.01, random.normal(key, [n, classes])), b: np.zeros([classes]) },
      ];
    },
    apply: (p, x) => np.add(np.matmul(x, p.w), p.b),
  };
}

interface Run {
  loss: number[];
  acc: number[];
  finalAcc: number;
  predict: (x: Array) => number[];
}

function trainClassifier<P>(model: nn.Layer<P>, data: datasets.Points2d, steps: number, lr: number, label: string): Run {
  const [, params0] = model.init(random.key(1), [data.x.shape[0], 2]);
  const lossFn = (p: P) => nn.softmaxCrossEntropy(model.apply(p, data.x), data.y);
  const opt = optim.adam(lr);
  const step = jit((p: P, s: ReturnType<typeof opt.init>) => {
    const [updates, s2] = opt.update(grad(lossFn)(p), s, p);
    return [optim.applyUpdates(p, updates), s2] as const;
  });
  let params = params0;
  let state = opt.init(params);
  const metrics = jit((p: P) => [lossFn(p), nn.accuracy(model.apply(p, data.x), data.y)] as const);
  const loss: number[] = [];
  const acc: number[] = [];
  const bar = progress(label, steps);
  for (let t = 0; t < steps; t++) {
    [params, state] = step(params, state);
    const [l, a] = metrics(params);
    loss.push(l.item());
    acc.push(a.item());
    bar.tick({ acc: a.item() });
  }
  bar.stop();
  const final = params;
  return {
    loss,
    acc,
    finalAcc: acc[acc.length - 1],
    predict: (x) => np.argmax(model.apply(final, x), -1).toArray() as number[],
  };
}

async function regions(path: string, title: string, run: Run, data: datasets.Points2d) {
  const xs = data.x.toArray() as number[][];
  const lo = [0, 1].map((k) => Math.min(...xs.map((r) => r[k])) - 0.5);
  const hi = [0, 1].map((k) => Math.max(...xs.map((r) => r[k])) + 0.5);
  const step = Math.max(hi[0] - lo[0], hi[1] - lo[1]) / 60;
  const grid: { x: number; y: number }[] = [];
  for (let gx = lo[0]; gx <= hi[0]; gx += step) for (let gy = lo[1]; gy <= hi[1]; gy += step) grid.push({ x: gx, y: gy });
  const cls = run.predict(np.array(grid.map((g) => [g.x, g.y])));
  const labels = data.y.toArray() as number[];
  return decisionRegions(
    path,
    title,
    grid.map((g, i) => ({ ...g, cls: cls[i] })),
    xs.map((r, i) => ({ x: r[0], y: r[1], cls: labels[i] })),
    step,
  );
}

export interface Classifier2dResult {
  separable: number;
  ringsLinear: number;
  ringsMlp: number;
  plots: string[];
}

export async function main(opts: ExampleOptions = {}): Promise<Classifier2dResult> {
  const log = logger(opts);
  const steps = opts.fast ? 60 : 400;
  const separable = datasets.linearlySeparable({ n: 200, seed: 3, margin: 0.5 });
  const rings = datasets.threeClass({ n: 300, seed: 4 });
  log(`Training with adam (lr 0.05), ${steps} full-batch steps each.\n`);
  const linSep = trainClassifier(linearModel(2), separable, steps, 0.05, "linear / separable");
  const linRings = trainClassifier(linearModel(3), rings, steps, 0.05, "linear / rings");
  const mlp = nn.sequential(nn.dense(32), nn.Relu, nn.dense(3));
  const mlpRings = trainClassifier(mlp, rings, steps, 0.05, "MLP / rings");
  const pct = (a: number) => `${(100 * a).toFixed(1)}%`;
  log("training accuracy");
  log(`  linear softmax, linearly separable set (2 classes): ${pct(linSep.finalAcc)}`);
  log(`  linear softmax, three concentric classes:           ${pct(linRings.finalAcc)}`);
  log(`  ReLU MLP (2-32-3), three concentric classes:        ${pct(mlpRings.finalAcc)}`);
  log(
    "\nA linear classifier splits the plane with straight lines: it cannot carve a disk and two rings\n" +
      "out of each other. One hidden ReLU layer bends the boundary into a polygon around each class.",
  );
  const dir = outDir("classifier-2d", opts);
  const plots = [
    await lineChart(
      `${dir}/loss.svg`,
      "Cross-entropy during training",
      { "linear / separable": linSep.loss, "linear / rings": linRings.loss, "MLP / rings": mlpRings.loss },
      { x: "step", y: "loss", logY: true },
    ),
    await lineChart(
      `${dir}/accuracy.svg`,
      "Training accuracy",
      { "linear / separable": linSep.acc, "linear / rings": linRings.acc, "MLP / rings": mlpRings.acc },
      { x: "step", y: "accuracy" },
    ),
    await regions(`${dir}/linear-separable.svg`, "Linear softmax on a separable set", linSep, separable),
    await regions(`${dir}/linear-rings.svg`, "Linear softmax on three rings", linRings, rings),
    await regions(`${dir}/mlp-rings.svg`, "ReLU MLP on three rings", mlpRings, rings),
  ];
  log(`\nplots: ${plots.join(", ")}`);
  return { separable: linSep.finalAcc, ringsLinear: linRings.finalAcc, ringsMlp: mlpRings.finalAcc, plots };
}

if (isMain(import.meta.url)) await main();
