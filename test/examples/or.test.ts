import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { main, type OrResult } from "../../examples/or.js";
import { expectSvgFiles, tempOutDir } from "./helpers.js";

const dir = tempOutDir("or");

describe("examples/or.ts (fast)", () => {
  let r: OrResult;
  beforeAll(async () => {
    r = await main({ fast: true, outDir: dir, verbose: false });
  });

  test("grad agrees with the closed-form gradient of the squared error", () => {
    expect(r.maxGradDiff).toBeGreaterThanOrEqual(0);
    expect(r.maxGradDiff).toBeLessThan(1e-6);
  });

  test("training lowers the error and orders the outputs like OR", () => {
    for (const act of ["logistic", "linear"] as const) {
      const e = r.errors[act];
      expect(e).toHaveLength(300);
      expect(e[e.length - 1]).toBeLessThan(e[0]);
      const [o00, o01, o10, o11] = r.outputs[act];
      expect(o00).toBeLessThan(Math.min(o01, o10));
      expect(o11).toBeGreaterThan(Math.max(o01, o10));
    }
    // Both one-input patterns come out on the "true" side after 300 epochs.
    expect(Math.min(r.outputs.logistic[1], r.outputs.logistic[2])).toBeGreaterThan(0.5);
    for (const v of r.outputs.logistic) expect(v > 0 && v < 1).toBe(true);
  });

  test("parameters are reported as plain numbers", () => {
    expect(r.params.logistic.w).toHaveLength(2);
    expect(Number.isFinite(r.params.linear.b)).toBe(true);
  });

  test("writes a non-empty SVG for every plot", () => {
    expect(r.plots).toEqual([join(dir, "error.svg")]);
    expectSvgFiles(r.plots);
  });
});
