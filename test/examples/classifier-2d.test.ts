import { beforeAll, describe, expect, test } from "vitest";
import { type Classifier2dResult, main } from "../../examples/classifier-2d.js";
import { expectSvgFiles, tempOutDir } from "./helpers.js";

const dir = tempOutDir("classifier");

describe("examples/classifier-2d.ts (fast)", () => {
  let r: Classifier2dResult;
  beforeAll(async () => {
    r = await main({ fast: true, outDir: dir, verbose: false });
  });

  test("a linear classifier separates the linearly separable set", () => {
    expect(r.separable).toBeGreaterThanOrEqual(0.97);
  });

  test("on concentric classes the MLP beats the linear classifier", () => {
    for (const a of [r.separable, r.ringsLinear, r.ringsMlp]) expect(a >= 0 && a <= 1).toBe(true);
    expect(r.ringsLinear).toBeLessThan(0.7);
    expect(r.ringsMlp).toBeGreaterThan(0.9);
  });

  test("writes a non-empty SVG for every plot", () => {
    expect(r.plots.map((p) => p.slice(dir.length + 1))).toEqual([
      "loss.svg",
      "accuracy.svg",
      "linear-separable.svg",
      "linear-rings.svg",
      "mlp-rings.svg",
    ]);
    expectSvgFiles(r.plots);
  });
});
