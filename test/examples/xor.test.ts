import { beforeAll, describe, expect, test } from "vitest";
import { main, type XorResult } from "../../examples/xor.js";
import { expectSvgFiles, tempOutDir } from "./helpers.js";

const dir = tempOutDir("xor");

describe("examples/xor.ts (fast)", () => {
  let r: XorResult;
  beforeAll(async () => {
    r = await main({ fast: true, outDir: dir, verbose: false });
  });

  test("hand-written backprop agrees with grad", () => {
    expect(r.maxGradDiff).toBeGreaterThanOrEqual(0);
    expect(r.maxGradDiff).toBeLessThan(1e-6);
  });

  test("the classic slip (output derivative in the hidden delta) is detectably wrong", () => {
    expect(r.slipDiff).toBeGreaterThan(1e-4);
  });

  test("reports one net's outputs and the tanh net's outputs as probabilities", () => {
    expect(r.outputs).toHaveLength(4);
    expect(r.tanhOutputs).toHaveLength(4);
    for (const v of [...r.outputs, ...r.tanhOutputs]) expect(v > 0 && v < 1).toBe(true);
    for (const k of r.solvedKeys) expect(k >= 0 && k < 20).toBe(true);
    expect(r.chosenKey).toBe(r.solvedKeys[0] ?? 0);
  });

  test("after 200 epochs (fast mode) the nets still sit on the plateau with every output near 0.5", () => {
    expect(r.solvedKeys).toEqual([]);
    for (const v of r.outputs) expect(Math.abs(v - 0.5)).toBeLessThan(0.1);
  });

  test("writes a non-empty SVG for every plot", () => {
    expect(r.plots.map((p) => p.slice(dir.length + 1))).toEqual(["error.svg", "tanh-boundary.svg", "tanh-loss.svg"]);
    expectSvgFiles(r.plots);
  });
});
