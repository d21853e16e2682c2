/**
 * checkify: floating-point checks as part of the computation, returning `[error | null, out]`.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { type Array, checkify, FloatingPointError, jit, np, scan, vmap } from "../../src/index.js";

const LINES = readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n");
const site = (name: string) => `test/debug/checkify.test.ts:${LINES.findIndex((l) => l.includes(`// plant: ${name}`)) + 1}:`;

const logMean = (x: Array) => np.log(x).mean(); // plant: log
const ratio = (x: Array, y: Array) => ({ q: np.divide(x, y), s: x.add(y) }); // plant: div
const stepNan = (c: Array, x: Array) => {
  const y = np.sqrt(np.subtract(7312.5, x)); // plant: scan
  return [c.add(y), y] as const;
};

describe("checkify returns [error | null, out] instead of raising", () => {
  test.each(["wasm", "js", "reference"] as const)(
    "log of a negative on the %s backend: a FloatingPointError naming log and its line, and the output",
    (backend) => {
      const [err, out] = checkify(logMean, { backend })(np.array([-1, 2]));
      expect(err).toBeInstanceOf(FloatingPointError);
      expect(err?.message).toContain("checkify: log produced a NaN from inputs (f32[2]) that had none");
      expect(err?.message).toContain(site("log"));
      expect(out.data()[0]).toBeNaN();
    },
  );

  test("clean inputs give a null error and the same output as f", () => {
    const [err, out] = checkify(logMean)(np.array([1, 2]));
    expect(err).toBeNull();
    expect(out.item()).toBeCloseTo(Math.log(2) / 2, 6);
  });

  test("pytree outputs, and the watched kinds: nans only lets 1/0 through, infs catches it", () => {
    const x = np.array([0, 1]);
    const y = np.array([0, 0]);
    const [nanErr, out] = checkify(ratio, { infs: true })(np.array([1, 2]), y);
    expect(nanErr?.message).toContain("div produced an infinity");
    expect(out.s.toArray()).toEqual([1, 2]);
    const [onlyNan] = checkify(ratio, { nans: true })(np.array([1, 2]), y);
    expect(onlyNan).toBeNull();
    const [both] = checkify(ratio)(x, y);
    expect(both?.message).toContain("div produced a NaN"); // 0/0 is the first bad value (element 0)
    expect(both?.message).toContain(site("div"));
  });

  test("a NaN born in a scan body at step 7,313 is named with its step", () => {
    const [err] = checkify((xs: Array) => scan(stepNan, np.array(0), xs))(np.arange(10000));
    expect(err?.message).toContain("sqrt produced a NaN from inputs (f32[]) that had none, inside scan step 7313");
    expect(err?.message).toContain(site("scan"));
  });

  test("checkify(jit(f)): the jitted program is checked as part of the computation and the culprit is found inside", () => {
    const [err] = checkify(jit(logMean))(np.array([-1, 2]));
    expect(err?.message).toContain("log produced a NaN");
    expect(err?.message).toContain("inside jit(logMean)");
    expect(err?.message).toContain(site("log"));
    expect(checkify(jit(logMean))(np.array([3, 2]))[0]).toBeNull();
  });

  test("inputs that already hold a NaN are not blamed on the primitive that reads them", () => {
    const [err, out] = checkify((x: Array) => x.add(1))(np.array([Number.NaN]));
    expect(err).toBeNull();
    expect(out.data()[0]).toBeNaN();
  });

  test("jit(checkify(f)): the error is returned through jit and becomes null or the FloatingPointError", () => {
    const checked = jit(checkify(logMean));
    const [err, out] = checked(np.array([-1, 2]));
    expect(err).toBeInstanceOf(FloatingPointError);
    expect(err?.message).toContain("checkify: log produced a NaN from inputs (f32[2]) that had none");
    expect(err?.message).toContain(site("log"));
    expect(out.data()[0]).toBeNaN();
    const [ok, y] = checked(np.array([3, 2])); // the cached program
    expect(ok).toBeNull();
    expect(y.item()).toBeCloseTo((Math.log(3) + Math.log(2)) / 2, 6);
  });

  test("vmap(checkify(f)): an error in any example is reported, none gives null", () => {
    const per = vmap(checkify((x: Array) => np.log(x).sum()));
    const [err] = per(
      np.array([
        [1, 2],
        [3, -4],
      ]),
    );
    expect(err).toBeInstanceOf(FloatingPointError);
    expect(err?.message).toContain("log produced a NaN");
    expect(
      per(
        np.array([
          [1, 2],
          [3, 4],
        ]),
      )[0],
    ).toBeNull();
  });
});
