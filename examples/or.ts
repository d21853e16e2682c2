/**
 * One neuron learns logical OR: net = x·w + b, logistic output, squared error, per-pattern SGD.
 * Then the same neuron with a linear output, which cannot fit the 0/1 targets as well.
 *
 *   npx tsx examples/or.ts      (npm run example:or)
 */
import { type Array, datasets, grad, jit, np, random, tree, valueAndGrad } from "../src/index.js";
import { lineChart } from "./lib/plot.js";
import { progress } from "./lib/progress.js";
import { type ExampleOptions, fmt, isMain, logger, outDir } from "./lib/run.js";

type Params = { w: Array; b: Array };
type Activation = "logistic" | "linear";

const LR = 0.05;

function predict(p: Params, x: Array, act: Activation): Array {
  const net = np.add(np.dot(x, p.w), p.b);
  return act === "logistic" ? np.sigmoid(net) : net;
}

/** (ŷ − y)² for one pattern. */
function loss(p: Params, x: Array, y: Array, act: Activation): Array {
  return np.square(np.subtract(predict(p, x, act), y));
}

/** The textbook gradient: ∂E/∂w = 2(ŷ − y)·ŷ(1 − ŷ)·x and ∂E/∂b = 2(ŷ − y)·ŷ(1 − ŷ) (logistic). */
function closedFormGrad(p: Params, x: Array, y: Array, act: Activation): Params {
  const yHat = predict(p, x, act);
  const delta = np.multiply(2, np.subtract(yHat, y));
  const d = act === "logistic" ? np.multiply(delta, np.multiply(yHat, np.subtract(1, yHat))) : delta;
  return { w: np.multiply(d, x), b: d };
}

export interface OrResult {
  outputs: Record<Activation, number[]>;
  params: Record<Activation, { w: number[]; b: number }>;
  errors: Record<Activation, number[]>;
  /** Largest |closed form − grad| over the first epoch's steps. */
  maxGradDiff: number;
  plots: string[];
}

function train(act: Activation, epochs: number, key: Array, log: (...a: unknown[]) => void) {
  const { x, y } = datasets.or();
  const xs = [0, 1, 2, 3].map((i) => np.take(x, i, 0));
  const ys = [0, 1, 2, 3].map((i) => np.take(y, i, 0));
  const [kInit, kOrder] = random.split(key);
  let params: Params = { w: random.uniform(kInit, [2], { minval: -0.5, maxval: 0.5 }), b: np.zeros([]) };
  // One SGD step on one pattern, compiled once (the activation is a static argument).
  const step = jit(
    (p: Params, xi: Array, yi: Array, a: Activation) => {
      const [l, g] = valueAndGrad(loss)(p, xi, yi, a);
      return [l, tree.map((v, gv) => np.subtract(v, np.multiply(LR, gv)), p, g)] as const;
    },
    { staticArgnums: [3] },
  );
  const errors: number[] = [];
  let maxGradDiff = 0;
  const bar = progress(`OR (${act})`, epochs);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = random.permutation(random.foldIn(kOrder, epoch), 4).toArray() as number[];
    let sse = 0;
    for (const i of order) {
      if (epoch === 0) {
        const auto = grad(loss)(params, xs[i], ys[i], act);
        const hand = closedFormGrad(params, xs[i], ys[i], act);
        const diff = Math.max(
          ...(np.abs(np.subtract(auto.w, hand.w)).toArray() as number[]),
          np.abs(np.subtract(auto.b, hand.b)).item(),
        );
        maxGradDiff = Math.max(maxGradDiff, diff);
        if (act === "logistic") {
          log(
            `  pattern ${xs[i].toArray()}  closed form ∂w=[${(hand.w.toArray() as number[]).map((v) => fmt(v, 6))}] ∂b=${fmt(hand.b.item(), 6)}` +
              `   grad ∂w=[${(auto.w.toArray() as number[]).map((v) => fmt(v, 6))}] ∂b=${fmt(auto.b.item(), 6)}`,
          );
        }
      }
      const [l, next] = step(params, xs[i], ys[i], act);
      sse += l.item();
      params = next;
    }
    errors.push(sse);
    bar.tick({ error: sse });
  }
  bar.stop();
  const outputs = xs.map((xi) => predict(params, xi, act).item());
  return { params, outputs, errors, maxGradDiff };
}

export async function main(opts: ExampleOptions = {}): Promise<OrResult> {
  const log = logger(opts);
  const epochs = opts.fast ? 300 : 5000;
  const key = random.key(0);
  log(`One neuron learns OR: logistic output, squared error, per-pattern SGD (lr ${LR}, ${epochs} epochs)\n`);
  log("First epoch: the closed-form gradient next to grad's");
  const logistic = train("logistic", epochs, key, log);
  log(`  largest difference: ${logistic.maxGradDiff.toExponential(2)} (must be below 1e-6)\n`);
  const linear = train("linear", epochs, key, () => {});
  const { x, y } = datasets.or();
  const xRows = x.toArray() as number[][];
  const yRows = y.toArray() as number[];
  log("pattern   target   logistic   linear");
  xRows.forEach((r, i) => {
    log(`[${r.join(", ")}]    ${yRows[i].toFixed(0)}     ${fmt(logistic.outputs[i], 3)}     ${fmt(linear.outputs[i], 3)}`);
  });
  const show = (p: Params) =>
    `w = [${(p.w.toArray() as number[]).map((v) => v.toFixed(3)).join(", ")}], b = ${p.b.item().toFixed(3)}`;
  log(`\nlogistic: ${show(logistic.params)}`);
  log(`linear:   ${show(linear.params)}`);
  log(
    "\nThe linear neuron can only fit a plane: its least-squares fit to OR is 0.25 + 0.5·x₀ + 0.5·x₁,\n" +
      "so it overshoots [1,1] and undershoots [0,0]. The logistic output saturates towards 0 and 1.",
  );
  const dir = outDir("or", opts);
  const plots = [
    await lineChart(
      `${dir}/error.svg`,
      "OR: summed squared error per epoch",
      { logistic: logistic.errors, linear: linear.errors },
      { y: "squared error", logY: true },
    ),
  ];
  log(`\nplot: ${plots.join(", ")}`);
  return {
    outputs: { logistic: logistic.outputs, linear: linear.outputs },
    params: {
      logistic: { w: logistic.params.w.toArray() as number[], b: logistic.params.b.item() },
      linear: { w: linear.params.w.toArray() as number[], b: linear.params.b.item() },
    },
    errors: { logistic: logistic.errors, linear: linear.errors },
    maxGradDiff: logistic.maxGradDiff,
    plots,
  };
}

if (isMain(import.meta.url)) await main();
