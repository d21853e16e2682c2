import { beforeAll, describe, expect, test } from "vitest";
import { type DigitsResult, main } from "../../examples/digits.js";
import { expectSvgFiles, tempOutDir } from "./helpers.js";

const dir = tempOutDir("digits");

const TEST_IMAGES = 1797 - 898;

describe("examples/digits.ts (fast: 2 epochs)", () => {
  let r: DigitsResult;
  beforeAll(async () => {
    r = await main({ fast: true, outDir: dir, verbose: false });
  }, 120_000);

  test("accuracies are fractions, and two epochs already beat chance", () => {
    const accs = [r.binaryTestAcc, r.tenClassTestAcc, ...Object.values(r.depth)];
    for (const a of accs) expect(a >= 0 && a <= 1).toBe(true);
    // Fixed keys make the run deterministic: 94.1% and 93.2% after two epochs.
    expect(r.binaryTestAcc).toBeGreaterThan(0.85);
    expect(r.tenClassTestAcc).toBeGreaterThan(0.85);
  });

  test("the depth table has the four variants; the hidden ReLU beats the linear model", () => {
    expect(Object.keys(r.depth)).toEqual([
      "[dense, sigmoid]",
      "[dense, dense, sigmoid]",
      "[dense, relu, dense, sigmoid]",
      "4-layer relu net",
    ]);
    expect(r.depth["[dense, relu, dense, sigmoid]"]).toBeGreaterThan(r.depth["[dense, sigmoid]"]);
    // The binary net of part 1 is the same model with the same keys: the table repeats its result.
    expect(r.depth["[dense, relu, dense, sigmoid]"]).toBe(r.binaryTestAcc);
  });

  test("the confusion matrix is 10×10 over the whole test set and matches the accuracy", () => {
    expect(r.confusion).toHaveLength(10);
    for (const row of r.confusion) expect(row).toHaveLength(10);
    const total = r.confusion.flat().reduce((a, b) => a + b, 0);
    expect(total).toBe(TEST_IMAGES);
    const diagonal = r.confusion.reduce((a, row, i) => a + row[i], 0);
    expect(diagonal / TEST_IMAGES).toBeCloseTo(r.tenClassTestAcc, 5);
  });

  test("one finite, non-negative gradient norm per test image", () => {
    expect(r.gradNorms).toHaveLength(TEST_IMAGES);
    for (const g of r.gradNorms) expect(Number.isFinite(g) && g >= 0).toBe(true);
    expect(Math.max(...r.gradNorms)).toBeGreaterThan(0);
  });

  test("writes a non-empty SVG for every plot", () => {
    expect(r.plots.map((p) => p.slice(dir.length + 1))).toEqual([
      "binary-loss.svg",
      "binary-accuracy.svg",
      "grad-norms.svg",
      "ten-class-accuracy.svg",
      "confusion.svg",
      "predictions.svg",
    ]);
    expectSvgFiles(r.plots);
  });
});
