/**
 * The playground's training code, loss cell and self-checks under Node (the browser test,
 * `npm run test:browser`, runs the same modules in Chromium).
 */
import { describe, expect, test } from "vitest";
import { DEFAULT_LOSS, evaluateCell } from "../../playground/cell.js";
import { runChecks } from "../../playground/checks.js";
import { digitsTrainer, GRID, XOR_STEPS_PER_CALL, xorTrainer } from "../../playground/train.js";
import { datasets } from "../../src/index.js";

describe("playground XOR trainer", () => {
  test.each([
    ["skip", 1],
    ["tanh", 2],
  ] as const)("the default %s net (hidden %i) classifies all four patterns", (model, hidden) => {
    const tr = xorTrainer({ model, lr: 1, hidden, seed: 0, backend: "js" });
    let snap = tr.snapshot();
    while (snap.accuracy < 1 && tr.step < 2000) {
      tr.train(2);
      snap = tr.snapshot();
    }
    expect(snap.accuracy).toBe(1);
    expect(snap.outputs.map((v) => v > 0.5)).toEqual([false, true, true, false]);
    expect(snap.grid).toHaveLength(GRID * GRID);
  });

  test("the heatmap grid is the net's output over the plane, top row first", () => {
    const tr = xorTrainer({ model: "skip", lr: 1, hidden: 1, seed: 0, backend: "js" });
    tr.train(40);
    const { grid, outputs } = tr.snapshot();
    // Cell (row, col) is at x0 = -0.5 + (col + 0.5)·2/GRID, x1 = 1.5 - (row + 0.5)·2/GRID: the
    // cells nearest (0, 1) and (1, 0) sit at 1/4 and 3/4 of the way across and down.
    const at = (x0: number, x1: number) => grid[Math.floor(((1.5 - x1) / 2) * GRID) * GRID + Math.floor(((x0 + 0.5) / 2) * GRID)];
    expect(at(0, 1)).toBeCloseTo(outputs[1], 1);
    expect(at(1, 0)).toBeCloseTo(outputs[2], 1);
    expect(at(1, 1)).toBeCloseTo(outputs[3], 1);
  });

  test("the js and reference backends train the same net", () => {
    const run = (backend: "js" | "reference") => {
      const tr = xorTrainer({ model: "tanh", lr: 1, hidden: 2, seed: 3, backend });
      tr.train(4);
      return tr.snapshot();
    };
    const a = run("js");
    const b = run("reference");
    expect(a.step).toBe(4 * XOR_STEPS_PER_CALL);
    a.outputs.forEach((v, i) => expect(v).toBeCloseTo(b.outputs[i], 5));
    expect(a.loss).toBeCloseTo(b.loss, 5);
  });
});

describe("playground digits trainer", () => {
  test("three epochs reach 90% test accuracy and the shown digits are test images", () => {
    const data = datasets.digits();
    const tr = digitsTrainer(data, { lr: 5e-3, hidden: 64, seed: 0, backend: "js" });
    const before = tr.snapshot();
    tr.train(3 * tr.stepsPerEpoch);
    const after = tr.snapshot();
    expect(after.epoch).toBe(3);
    expect(after.testAccuracy).toBeGreaterThan(0.9);
    expect(after.testLoss).toBeLessThan(before.testLoss);
    expect(after.trainLoss).toBeGreaterThan(0);
    expect(tr.shown.pixels).toHaveLength(40);
    expect(tr.shown.labels.every((l) => Number.isInteger(l) && l >= 0 && l <= 9)).toBe(true);
    expect(after.predictions).toHaveLength(40);
    // Most of the shown digits are predicted right after three epochs.
    expect(after.predictions.filter((p, i) => p === tr.shown.labels[i]).length).toBeGreaterThan(32);
  });
});

describe("playground loss cell", () => {
  test("the default loss: its value, gradient and IR", () => {
    const r = evaluateCell(DEFAULT_LOSS);
    expect(r.ok).toBe(true);
    // w = [0.5, -0.3], b = 0.1 on the XOR patterns: ŷ = σ(x·w + b), loss = mean((ŷ - y)²).
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    const xs = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const ys = [0, 1, 1, 0];
    const yHat = xs.map(([a, c]) => sig(0.5 * a - 0.3 * c + 0.1));
    const loss = yHat.reduce((s, v, i) => s + (v - ys[i]) ** 2, 0) / 4;
    const d = yHat.map((v, i) => (2 * (v - ys[i]) * v * (1 - v)) / 4);
    expect(r.value).toBeCloseTo(loss, 6);
    expect(r.grads?.b).toBeCloseTo(
      d.reduce((s, v) => s + v, 0),
      6,
    );
    expect(r.grads?.w[0]).toBeCloseTo(d[2] + d[3], 6);
    expect(r.grads?.w[1]).toBeCloseTo(d[1] + d[3], 6);
    expect(r.lossIr).toMatch(/logistic/);
    expect(r.gradIr).toMatch(/^\{ lambda/);
  });

  test.each([
    ["(p, x, y) => {", "syntax", /SyntaxError/],
    ["42", "syntax", /must be a function/],
    ["(p, x, y) => x.matmul(p.w)", "loss", /must return a scalar, got shape \[4\]/],
    ["(p, x, y) => 3", "loss", /must return an axle array/],
    ["(p, x, y) => np.sum(x.matmul(p.w).matmul(p.w))", "loss", /ShapeError: matmul/],
    ["(p, x, y) => { fetch('/'); return np.sum(y); }", "loss", /fetch is not a function/],
    ["(p, x, y) => np.sum(np.argmax(x, 1))", "grad", /TransformError: grad: the function must return a float scalar/],
  ])("reports %s as a %s error without throwing", (source, stage, message) => {
    const r = evaluateCell(source);
    expect(r.ok).toBe(false);
    expect(r.stage).toBe(stage);
    expect(r.error).toMatch(message);
  });
});

test("the playground's self-checks pass under Node", () => {
  const failed = runChecks().filter((r) => !r.ok);
  expect(failed).toEqual([]);
});
