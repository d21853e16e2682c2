/**
 * The full (non-fast) runs of the examples whose numbers the docs quote: the targets of the
 * "Documented examples" issue. Slower than the smoke tests (about 15 s on 2 cores, most of it
 * digits); each example writes its plots to a temp dir.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import * as graph from "../../examples/computational-graph.js";
import * as digits from "../../examples/digits.js";
import * as gd from "../../examples/gradient-descent.js";
import * as or from "../../examples/or.js";
import { tempOutDir } from "./helpers.js";

const dir = tempOutDir("full");
const opts = (name: string) => ({ outDir: join(dir, name), verbose: false });

const expectWithin = (actual: readonly number[], expected: readonly number[], tol: number) => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(Math.abs(v - expected[i]), `output ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(tol));
};

describe("full example runs", () => {
  test("OR: the logistic neuron saturates, the linear one lands near the least-squares plane", async () => {
    const r = await or.main(opts("or"));
    expect(r.maxGradDiff).toBeLessThan(1e-6);
    expectWithin(r.outputs.logistic, [0.08, 0.95, 0.95, 1.0], 0.03);
    // Least squares for OR: 0.25 + 0.5·x₀ + 0.5·x₁ (per-pattern SGD keeps jittering around it).
    expectWithin(r.outputs.linear, [0.25, 0.75, 0.75, 1.25], 0.06);
  });

  test("gradient descent: decaying step reaches the global minimum, fixed step does not", async () => {
    const r = await gd.main(opts("gd"));
    expect(r.maxGradErr).toBeLessThan(1e-9);
    expect(r.decaying.value).toBeLessThan(-2);
    expect(r.fixed.value).toBeGreaterThan(1);
  });

  test("computational graph: the four gradients", async () => {
    const r = await graph.main(opts("graph"));
    expectWithin([r.grads.x1, r.grads.x2, r.grads.w1, r.grads.w2], [0.074634, -0.124389, 0.349756, -0.400488], 1e-6);
  });

  test("digits: both tasks reach 97% test accuracy; ReLU nets beat the linear one", async () => {
    const t0 = performance.now();
    const r = await digits.main(opts("digits"));
    const seconds = (performance.now() - t0) / 1000;
    expect(r.binaryTestAcc).toBeGreaterThanOrEqual(0.97);
    expect(r.tenClassTestAcc).toBeGreaterThanOrEqual(0.97);
    const linear = r.depth["[dense, sigmoid]"];
    expect(r.depth["[dense, relu, dense, sigmoid]"]).toBeGreaterThan(linear);
    expect(r.depth["4-layer relu net"]).toBeGreaterThan(linear);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(899);
    // Not an assertion on speed (shared CI machines vary), only recorded.
    console.info(`digits full run: ${seconds.toFixed(1)} s`);
  }, 180_000);
});
