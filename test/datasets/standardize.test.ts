/** standardize / standardizeGlobal: zero mean, unit std, reuse of statistics, constant features. */
import { describe, expect, test } from "vitest";
import * as np from "../../src/numpy/index.js";
import { datasets, values } from "./helpers.js";

const close = (xs: number[], v: number, tol: number) => xs.forEach((x) => expect(Math.abs(x - v)).toBeLessThan(tol));

describe("standardize", () => {
  const { x } = datasets.blobs({ n: 500, centers: [[3, -40]], std: 7, seed: 2 });

  test("per-feature mean 0 and std 1; statistics keep the feature axis", () => {
    const s = datasets.standardize(x);
    expect(s.x.shape).toEqual([500, 2]);
    expect(s.mean.shape).toEqual([1, 2]);
    expect(s.std.shape).toEqual([1, 2]);
    close(values(np.mean(s.x, 0)), 0, 1e-5);
    close(values(np.std(s.x, 0)), 1, 1e-5);
    expect(values(s.mean)[1]).toBeCloseTo(-40, 0);
    expect(values(s.std)[0]).toBeGreaterThan(6);
  });

  test("given statistics are used as is", () => {
    const train = datasets.standardize(x);
    const other = np.add(x, 1);
    const s = datasets.standardize(other, { mean: train.mean, std: train.std });
    const expected = values(np.divide(np.subtract(other, train.mean), train.std));
    values(s.x).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    const scalar = datasets.standardize(x, { mean: 1, std: 2 });
    values(scalar.x).forEach((v, i) => expect(v).toBeCloseTo((values(x)[i] - 1) / 2, 5));
  });

  test("constant features become 0 and report std 1 (no NaN)", () => {
    const c = np.array([
      [1, 5],
      [2, 5],
      [3, 5],
    ]);
    const s = datasets.standardize(c);
    expect(s.x.dtype).toBe("float32");
    expect(values(s.std)[1]).toBe(1);
    expect(values(np.slice(s.x, [0, 3, 1], 1))).toEqual([0, 0, 0]);
    close(values(np.slice(s.x, [0, 3, 1], 0)), 0, 2);
    expect(values(s.x).every(Number.isFinite)).toBe(true);
  });

  test("axis 1 standardizes each row", () => {
    const s = datasets.standardize(x, { axis: 1 });
    expect(s.mean.shape).toEqual([500, 1]);
    close(values(np.mean(s.x, 1)), 0, 1e-4);
  });
});

describe("standardizeGlobal", () => {
  test("digits: one scalar mean and std, result has global mean 0 and std 1", () => {
    const { images } = datasets.digits();
    const s = datasets.standardizeGlobal(images);
    expect(s.mean.shape).toEqual([]);
    expect(s.std.shape).toEqual([]);
    expect(s.mean.item()).toBeCloseTo(4.88416, 4);
    expect(s.std.item()).toBeCloseTo(6.01679, 4);
    expect(np.mean(s.x).item()).toBeCloseTo(0, 5);
    expect(np.std(s.x).item()).toBeCloseTo(1, 5);
    // one scalar for all pixels: the always-blank first pixel maps to the same value everywhere
    expect(values(s.x)[0]).toBeCloseTo(-4.88416 / 6.01679, 4);
  });

  test("test-set scaling with the training statistics", () => {
    const a = np.array([0, 2, 4, 6]);
    const tr = datasets.standardizeGlobal(a);
    const te = datasets.standardizeGlobal(np.array([3]), { mean: tr.mean, std: tr.std });
    expect(te.x.item()).toBeCloseTo(0, 6);
  });
});
