/** Seeded synthetic 2-D sets: determinism, shapes, class balance and the geometry each promises. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ValueError } from "../../src/core/errors.js";
import type { Points2d } from "../../src/datasets/index.js";
import { counts, datasets, thrown, values } from "./helpers.js";

type Maker = (n: number, seed: number) => Points2d;
const makers: Record<string, [Maker, number]> = {
  blobs: [(n, seed) => datasets.blobs({ n, k: 4, seed }), 4],
  moons: [(n, seed) => datasets.moons({ n, noise: 0.1, seed }), 2],
  spirals: [(n, seed) => datasets.spirals({ n, classes: 3, noise: 0.05, seed }), 3],
  threeClass: [(n, seed) => datasets.threeClass({ n, seed }), 3],
  linearlySeparable: [(n, seed) => datasets.linearlySeparable({ n, seed }), 2],
};

/** Points of class c as [x, y] pairs. */
function points(d: Points2d, c: number): [number, number][] {
  const xs = values(d.x);
  const ys = values(d.y);
  const out: [number, number][] = [];
  ys.forEach((l, i) => l === c && out.push([xs[2 * i], xs[2 * i + 1]]));
  return out;
}

const seedArb = fc.integer({ min: -(2 ** 40), max: 2 ** 40 });

describe.each(Object.entries(makers))("%s", (_name, [make, k]) => {
  test("shape, dtype, interleaved balanced labels", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), seedArb, (n, seed) => {
        const d = make(n, seed);
        expect(d.x.shape).toEqual([n, 2]);
        expect(d.x.dtype).toBe("float32");
        expect(d.y.shape).toEqual([n]);
        expect(d.y.dtype).toBe("int32");
        expect(values(d.y)).toEqual(Array.from({ length: n }, (_, i) => i % k));
        const c = counts(d.y, k);
        expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
        expect(values(d.x).every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  test("deterministic per seed; different seeds differ", () => {
    fc.assert(
      fc.property(seedArb, seedArb, (s, t) => {
        fc.pre(s !== t);
        expect(values(make(40, s).x)).toEqual(values(make(40, s).x));
        expect(values(make(40, s).x)).not.toEqual(values(make(40, t).x));
      }),
      { numRuns: 30 },
    );
  });

  test("frozen result", () => {
    expect(Object.isFrozen(make(5, 0))).toBe(true);
  });
});

describe("blobs", () => {
  test("explicit centers: each class is centred on its center with the given spread", () => {
    const centers = [
      [5, -3],
      [-2, 7],
    ] as const;
    const d = datasets.blobs({ n: 4000, centers, std: 0.5, seed: 3 });
    centers.forEach(([cx, cy], c) => {
      const ps = points(d, c);
      const mx = ps.reduce((a, p) => a + p[0], 0) / ps.length;
      const my = ps.reduce((a, p) => a + p[1], 0) / ps.length;
      expect(mx).toBeCloseTo(cx, 1);
      expect(my).toBeCloseTo(cy, 1);
      const sd = Math.sqrt(ps.reduce((a, p) => a + (p[0] - mx) ** 2, 0) / ps.length);
      expect(sd).toBeGreaterThan(0.45);
      expect(sd).toBeLessThan(0.55);
    });
  });

  test("random centers lie in [-10, 10]² and do not depend on n", () => {
    const mean0 = (d: Points2d) => {
      const ps = points(d, 0);
      return ps.reduce((a, p) => a + p[0], 0) / ps.length;
    };
    const a = mean0(datasets.blobs({ n: 3000, k: 3, std: 0.01, seed: 9 }));
    const b = mean0(datasets.blobs({ n: 30, k: 3, std: 0.01, seed: 9 }));
    expect(Math.abs(a)).toBeLessThan(10);
    expect(a).toBeCloseTo(b, 1);
  });

  test("seeds differing only above bit 32 give different centers", () => {
    const a = datasets.blobs({ n: 3, std: 0, seed: 5 });
    const b = datasets.blobs({ n: 3, std: 0, seed: 5 + 2 ** 32 });
    expect(values(a.x)).not.toEqual(values(b.x));
  });

  test("k defaults to 3; std 0 puts every point on its center", () => {
    const d = datasets.blobs({ n: 9, std: 0, seed: 1 });
    expect(new Set(values(d.y))).toEqual(new Set([0, 1, 2]));
    const ps = points(d, 1);
    expect(ps.every((p) => p[0] === ps[0][0] && p[1] === ps[0][1])).toBe(true);
  });
});

describe("geometry", () => {
  test("moons without noise lie on the two arcs", () => {
    const d = datasets.moons({ n: 101, seed: 0 });
    for (const [x, y] of points(d, 0)) {
      expect(Math.hypot(x, y)).toBeCloseTo(1, 5);
      expect(y).toBeGreaterThanOrEqual(-1e-6);
    }
    for (const [x, y] of points(d, 1)) {
      expect(Math.hypot(x - 1, y - 0.5)).toBeCloseTo(1, 5);
      expect(y).toBeLessThanOrEqual(0.5 + 1e-6);
    }
    expect(points(d, 0)).toHaveLength(51);
  });

  test("spirals without noise: radius grows to 1 along each arm, arms never share a point", () => {
    const d = datasets.spirals({ n: 90, classes: 3, seed: 0 });
    for (let c = 0; c < 3; c++) {
      const r = points(d, c).map(([x, y]) => Math.hypot(x, y));
      expect(r[r.length - 1]).toBeCloseTo(1, 5);
      for (let i = 1; i < r.length; i++) expect(r[i]).toBeGreaterThan(r[i - 1]);
    }
    const keys = points(d, 0)
      .concat(points(d, 1), points(d, 2))
      .map((p) => p.join(","));
    expect(new Set(keys).size).toBe(90);
  });

  test("threeClass: concentric bands, class 1 surrounds class 0 (no separating line)", () => {
    const d = datasets.threeClass({ n: 600, seed: 4 });
    const bands = [
      [0, 1],
      [1.5, 2.5],
      [3, 4],
    ];
    for (let c = 0; c < 3; c++) {
      for (const [x, y] of points(d, c)) {
        const r = Math.hypot(x, y);
        expect(r).toBeGreaterThanOrEqual(bands[c][0] - 1e-5);
        expect(r).toBeLessThanOrEqual(bands[c][1] + 1e-5);
      }
    }
    // For every direction, class 1 has points beyond class 0 on both sides, so no line splits them.
    const p0 = points(d, 0);
    const p1 = points(d, 1);
    for (let a = 0; a < 360; a += 2) {
      const [u, v] = [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)];
      const proj0 = p0.map(([x, y]) => u * x + v * y);
      const proj1 = p1.map(([x, y]) => u * x + v * y);
      expect(Math.max(...proj1)).toBeGreaterThan(Math.max(...proj0));
      expect(Math.min(...proj1)).toBeLessThan(Math.min(...proj0));
    }
  });

  test("linearlySeparable: some direction separates the classes by at least the margin", () => {
    fc.assert(
      fc.property(seedArb, fc.double({ min: 0.2, max: 2, noNaN: true }), (seed, margin) => {
        const d = datasets.linearlySeparable({ n: 200, seed, margin });
        const p0 = points(d, 0);
        const p1 = points(d, 1);
        let best = -Infinity;
        for (let a = 0; a < 3600; a++) {
          const [u, v] = [Math.cos((a * Math.PI) / 1800), Math.sin((a * Math.PI) / 1800)];
          const lo1 = Math.min(...p1.map(([x, y]) => u * x + v * y));
          const hi0 = Math.max(...p0.map(([x, y]) => u * x + v * y));
          best = Math.max(best, lo1 - hi0);
        }
        expect(best).toBeGreaterThanOrEqual(margin - 0.02);
      }),
      { numRuns: 8 },
    );
  });
});

describe("option errors", () => {
  test.each([
    ["n = 0", () => datasets.moons({ n: 0, seed: 0 }), "n must be an integer ≥ 1"],
    ["n fractional", () => datasets.threeClass({ n: 2.5, seed: 0 }), "n must be an integer ≥ 1, got 2.5"],
    ["seed fractional", () => datasets.spirals({ n: 4, seed: 0.5 }), "seed must be an integer number"],
    ["negative noise", () => datasets.moons({ n: 4, noise: -1, seed: 0 }), "noise must be a finite number ≥ 0"],
    ["centers and k", () => datasets.blobs({ n: 4, k: 2, centers: [[0, 0]], seed: 0 }), "either centers"],
    ["empty centers", () => datasets.blobs({ n: 4, centers: [], seed: 0 }), "centers must be a non-empty list"],
    ["classes 0", () => datasets.spirals({ n: 4, classes: 0, seed: 0 }), "classes must be an integer ≥ 1"],
  ])("%s", (_name, f, msg) => {
    const e = thrown(f);
    expect(e).toBeInstanceOf(ValueError);
    expect(e.message).toContain(msg);
  });
});
