import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Classifier2dResult, main } from "../../examples/classifier-2d.js";

const dir = mkdtempSync(join(tmpdir(), "axle-classifier-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
    for (const p of r.plots) expect(readFileSync(p, "utf8").startsWith("<svg")).toBe(true);
  });
});
