/**
 * Convergence, the optax way: every optimizer reaches the minimum of a quadratic bowl and of the
 * 2-D Rosenbrock function, with `grad` from the library and the whole step jitted.
 */
import { describe, expect, test } from "vitest";
import { type Array, grad, jit, np } from "../../src/index.js";
import * as optim from "../../src/optim/index.js";
import { vals } from "./helpers.js";

type P = { x: Array };

function minimize(opt: optim.AnyTransformation, loss: (p: P) => Array, x0: number[], steps: number): number[] {
  const step = jit((p: P, s: unknown) => {
    const [u, next] = opt.update(grad(loss)(p), s, p);
    return [optim.applyUpdates(p, u), next] as const;
  });
  let p: P = { x: np.array(x0, "float64") };
  let s: unknown = opt.init(p);
  for (let i = 0; i < steps; i++) [p, s] = step(p, s);
  return vals(p.x);
}

// An elongated bowl: (x₀ − 1)² + 10(x₁ + 2)², minimum at (1, −2).
const bowl = (p: P) => np.sum(np.square(p.x.sub(np.array([1, -2], "float64"))).mul(np.array([1, 10], "float64")));

// Rosenbrock: (1 − a)² + 100(b − a²)², minimum at (1, 1) at the end of a curved valley.
const rosenbrock = (p: P) => {
  const a = np.slice(p.x, 0);
  const b = np.slice(p.x, 1);
  return np.square(np.subtract(1, a)).add(np.square(b.sub(np.square(a))).mul(100));
};

const BOWL: [string, optim.AnyTransformation][] = [
  ["sgd", optim.sgd(0.04)],
  ["sgd+momentum", optim.sgd(0.02, { momentum: 0.9 })],
  ["sgd+nesterov", optim.sgd(0.02, { momentum: 0.9, nesterov: true })],
  ["adam", optim.adam(0.1)],
  ["adam+cosine", optim.adam(optim.cosineDecay({ init: 0.2, decaySteps: 400, alpha: 0.01 }))],
  ["adamw", optim.adamw(0.1, { weightDecay: 1e-5 })],
  ["rmsprop", optim.rmsprop(optim.exponentialDecay({ init: 0.1, decayRate: 0.1, transitionSteps: 200 }))],
  ["adagrad", optim.adagrad(0.5)],
  ["multiSteps(adam)", optim.multiSteps(optim.adam(0.1), 2)],
];

describe("quadratic bowl", () => {
  test.each(BOWL)("%s reaches the minimum", (_name, opt) => {
    const [a, b] = minimize(opt, bowl, [-3, 4], 400);
    expect(Math.abs(a - 1)).toBeLessThan(1e-2);
    expect(Math.abs(b + 2)).toBeLessThan(1e-2);
  });
});

const ROSENBROCK: [string, optim.AnyTransformation, number][] = [
  ["sgd", optim.sgd(2e-3), 8000],
  ["sgd+momentum", optim.sgd(1e-3, { momentum: 0.9 }), 2000],
  ["sgd+nesterov", optim.sgd(1e-3, { momentum: 0.9, nesterov: true }), 2000],
  ["adam", optim.adam(0.1), 2000],
  ["adamw", optim.adamw(0.1, { weightDecay: 1e-4 }), 2000],
  ["rmsprop+momentum", optim.rmsprop(1e-3, { momentum: 0.9 }), 2000],
  ["adagrad", optim.adagrad(0.5), 6000],
];

describe("Rosenbrock", () => {
  test.each(ROSENBROCK)("%s reaches (1, 1)", (_name, opt, steps) => {
    const [a, b] = minimize(opt, rosenbrock, [-1.2, 1], steps);
    expect(Math.abs(a - 1)).toBeLessThan(2e-2);
    expect(Math.abs(b - 1)).toBeLessThan(2e-2);
  });
});
