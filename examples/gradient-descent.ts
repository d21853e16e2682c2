/**
 * Gradient descent on a bumpy function, f(x, y) = x² + y² + x(y + 2) + cos(3x), from (3, 2).
 * A fixed step gets stuck in a local minimum; a decaying step ηₜ = η₀·dᵗ (an optim schedule)
 * crosses the bump and reaches the global basin.
 *
 *   npx tsx examples/gradient-descent.ts      (npm run example:gd)
 */
import { type Array, grad, jit, np, optim } from "../src/index.js";
import { contourWithPaths, lineChart } from "./lib/plot.js";
import { type ExampleOptions, fmt, isMain, logger, outDir } from "./lib/run.js";

type Point = { x: Array; y: Array };

/** f(x, y) = x² + y² + x(y + 2) + cos(3x). */
export function f(p: Point): Array {
  const { x, y } = p;
  return np.add(np.add(np.add(np.square(x), np.square(y)), np.multiply(x, np.add(y, 2))), np.cos(np.multiply(3, x)));
}

/** ∂f/∂x = 2x − 3 sin 3x + y + 2,  ∂f/∂y = x + 2y. */
export function analyticGrad(x: number, y: number): [number, number] {
  return [2 * x - 3 * Math.sin(3 * x) + y + 2, x + 2 * y];
}

/** Where plain gradient descent from (x, y) ends up: many small analytic steps. */
function settle(x: number, y: number): { x: number; y: number; f: number } {
  for (let i = 0; i < 5000; i++) {
    const [gx, gy] = analyticGrad(x, y);
    x -= 0.05 * gx;
    y -= 0.05 * gy;
  }
  return { x, y, f: x * x + y * y + x * (y + 2) + Math.cos(3 * x) };
}

function descend<S>(opt: optim.GradientTransformation<S>, steps: number) {
  let p: Point = { x: np.array(3, "float64"), y: np.array(2, "float64") };
  let state = opt.init(p);
  const step = jit((params: Point, s: typeof state) => {
    const g = grad(f)(params);
    const [updates, s2] = opt.update(g, s, params);
    return [optim.applyUpdates(params, updates), s2] as const;
  });
  const path = [{ x: 3, y: 2 }];
  const values = [f(p).item()];
  let maxGradErr = 0;
  for (let t = 0; t < steps; t++) {
    const g = grad(f)(p);
    const [ax, ay] = analyticGrad(p.x.item(), p.y.item());
    maxGradErr = Math.max(maxGradErr, Math.abs(g.x.item() - ax), Math.abs(g.y.item() - ay));
    [p, state] = step(p, state);
    path.push({ x: p.x.item(), y: p.y.item() });
    values.push(f(p).item());
  }
  return { path, values, maxGradErr };
}

export interface GdResult {
  fixed: { final: { x: number; y: number }; value: number };
  decaying: { final: { x: number; y: number }; value: number };
  maxGradErr: number;
  plots: string[];
}

export async function main(opts: ExampleOptions = {}): Promise<GdResult> {
  const log = logger(opts);
  const steps = 10;
  const schedule = optim.exponentialDecay({ init: 0.4, decayRate: 0.85, transitionSteps: 1 });
  const fixed = descend(optim.sgd(0.1), steps);
  const decaying = descend(optim.sgd(schedule), steps);
  log("f(x, y) = x² + y² + x(y + 2) + cos(3x), starting at (3, 2), 10 steps\n");
  log("step   fixed η = 0.1 (x, y, f)            decaying η = 0.4·0.85ᵗ (x, y, f)");
  for (let t = 0; t <= steps; t++) {
    const a = fixed.path[t];
    const b = decaying.path[t];
    log(
      `${String(t).padStart(4)}  ${fmt(a.x)} ${fmt(a.y)} ${fmt(fixed.values[t])}     ${fmt(b.x)} ${fmt(b.y)} ${fmt(decaying.values[t])}`,
    );
  }
  const maxGradErr = Math.max(fixed.maxGradErr, decaying.maxGradErr);
  log(
    `\ngrad(f) equals the analytic gradient (2x − 3 sin 3x + y + 2, x + 2y) at every step: max |difference| ${maxGradErr.toExponential(2)}`,
  );
  const last = (r: typeof fixed) => ({ final: r.path[steps], value: r.values[steps] });
  const local = settle(fixed.path[steps].x, fixed.path[steps].y);
  log(
    `The fixed step is caught in the basin of a local minimum: after 10 steps it is at (${fixed.path[steps].x.toFixed(2)}, ` +
      `${fixed.path[steps].y.toFixed(2)}), f = ${fixed.values[steps].toFixed(3)}, still creeping towards the minimum at ` +
      `(${local.x.toFixed(3)}, ${local.y.toFixed(3)}), f = ${local.f.toFixed(4)};\n` +
      `the large early steps of the decaying schedule jump the bump and reach f = ${decaying.values[steps].toFixed(3)} (below −2).`,
  );
  const dir = outDir("gradient-descent", opts);
  const stepSize = opts.fast ? 0.25 : 0.1;
  const grid: { x: number; y: number; z: number }[] = [];
  for (let gx = -2.5; gx <= 3.5 + 1e-9; gx += stepSize) {
    for (let gy = -1.5; gy <= 2.5 + 1e-9; gy += stepSize) {
      grid.push({ x: gx, y: gy, z: gx * gx + gy * gy + gx * (gy + 2) + Math.cos(3 * gx) });
    }
  }
  const plots = [
    await contourWithPaths(`${dir}/paths.svg`, "f(x, y) with both descent paths", grid, stepSize, {
      "fixed η = 0.1": fixed.path,
      "decaying η₀·dᵗ": decaying.path,
    }),
    await lineChart(
      `${dir}/values.svg`,
      "f at each step",
      { "fixed η = 0.1": fixed.values, "decaying η₀·dᵗ": decaying.values },
      {
        x: "step",
        y: "f(x, y)",
        xValues: fixed.values.map((_, i) => i),
      },
    ),
  ];
  log(`\nplots: ${plots.join(", ")}`);
  return { fixed: last(fixed), decaying: last(decaying), maxGradErr, plots };
}

if (isMain(import.meta.url)) await main();
