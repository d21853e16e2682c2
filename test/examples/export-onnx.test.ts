import { beforeAll, describe, expect, test } from "vitest";
import { type ExportResult, main } from "../../examples/export-onnx.js";

describe("examples/export-onnx.ts (fast)", () => {
  let r: ExportResult;
  beforeAll(async () => {
    r = await main({ fast: true, verbose: false });
  });

  test("the exported predictor classifies the test set as axle does", () => {
    expect(r.axleAccuracy).toBeGreaterThan(0.85);
    expect(r.onnxAccuracy).toBe(r.axleAccuracy);
    expect(r.logitsMaxDiff).toBeLessThan(1e-4);
  });

  test("the predictor's symbolic batch dim runs another batch size", () => {
    expect(r.dynamicBatchMaxDiff).toBeLessThan(1e-4);
  });

  test("training continued inside ONNX Runtime for 20 steps has axle's losses and parameters", () => {
    expect(r.onnxLosses).toHaveLength(20);
    r.onnxLosses.forEach((l, i) => expect(Math.abs(l - r.axleLosses[i])).toBeLessThan(1e-5));
    expect(r.trainMaxDiff).toBeLessThan(1e-5);
  });

  test("reports the model sizes", () => {
    expect(r.predictorBytes).toBeGreaterThan(64 * 32 * 4);
    expect(r.trainStepBytes).toBeGreaterThan(1000);
  });
});
