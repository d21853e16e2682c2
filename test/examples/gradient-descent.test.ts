import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { analyticGrad, f, type GdResult, main } from "../../examples/gradient-descent.js";
import { grad, np } from "../../src/index.js";
import { expectSvgFiles, tempOutDir } from "./helpers.js";

const dir = tempOutDir("gd");

describe("examples/gradient-descent.ts (fast)", () => {
  let r: GdResult;
  beforeAll(async () => {
    r = await main({ fast: true, outDir: dir, verbose: false });
  });

  test("grad(f) equals the analytic gradient along both paths", () => {
    expect(r.maxGradErr).toBeGreaterThanOrEqual(0);
    expect(r.maxGradErr).toBeLessThan(1e-9);
  });

  test("the decaying step reaches the global basin, the fixed step stays in the local one", () => {
    // Global minimum ≈ (−1.0882, 0.5441), f ≈ −2.2807; local minimum ≈ (0.6059, −0.3030), f ≈ 1.2427.
    expect(r.decaying.value).toBeLessThan(-2);
    expect(r.decaying.final.x).toBeCloseTo(-1.088, 1);
    expect(r.decaying.final.y).toBeCloseTo(0.544, 1);
    expect(r.fixed.value).toBeGreaterThan(1);
    expect(r.fixed.final.x).toBeGreaterThan(0);
  });

  test("writes a non-empty SVG for every plot", () => {
    expect(r.plots.map((p) => p.slice(dir.length + 1))).toEqual(["paths.svg", "values.svg"]);
    expectSvgFiles(r.plots);
  });
});

test("analyticGrad matches grad(f) at random float64 points", () => {
  fc.assert(
    fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (x, y) => {
      const g = grad(f)({ x: np.array(x, "float64"), y: np.array(y, "float64") });
      const [ax, ay] = analyticGrad(x, y);
      expect(g.x.item()).toBeCloseTo(ax, 10);
      expect(g.y.item()).toBeCloseTo(ay, 10);
    }),
    { numRuns: 50 },
  );
});
