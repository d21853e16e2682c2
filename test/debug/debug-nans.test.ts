/**
 * debugNans / debugInfs: planted NaNs and infinities are reported at the primitive that made them,
 * with its input avals, the transforms it ran under and the line of this file that called it.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import {
  type Array,
  type Backend,
  cond,
  config,
  customVjp,
  FloatingPointError,
  grad,
  jit,
  np,
  scan,
  ValueError,
  vjp,
  whileLoop,
  withConfig,
} from "../../src/index.js";

const SELF = fileURLToPath(import.meta.url);
const LINES = readFileSync(SELF, "utf8").split("\n");

/** `test/debug/debug-nans.test.ts:<line>` of the line holding the comment `// plant: <name>`. */
function site(name: string): string {
  const i = LINES.findIndex((l) => l.includes(`// plant: ${name}`));
  if (i < 0) throw new Error(`no plant ${name}`);
  return `test/debug/debug-nans.test.ts:${i + 1}:`;
}

function raised(fn: () => unknown): FloatingPointError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FloatingPointError);
    return e as FloatingPointError;
  }
  throw new Error("nothing was raised");
}

const logOfNegative = (x: Array) => np.log(x).mul(2); // plant: log
const zeroOverZero = (x: Array) => np.divide(x, x).add(1); // plant: div
const sqrtSum = (x: Array) => np.sqrt(x).sum(); // plant: sqrt
const nanAtStep = (c: Array, x: Array) => {
  const y = np.sqrt(np.subtract(7312.5, x)); // plant: scan
  return [c.add(y), y] as const;
};
const countdown = (c: { i: Array; v: Array }) => ({ i: c.i.add(1), v: np.log(np.subtract(5.5, c.i)) }); // plant: while
const branchy = (p: Array, x: Array) =>
  cond(
    p,
    (y: Array) => np.sqrt(y.neg()), // plant: cond
    (y: Array) => y,
    x,
  );
const badBwd = customVjp(
  (x: Array) => np.sin(x),
  (x: Array) => [np.sin(x), x] as const,
  (x: Array, g: Array) => [g.div(np.subtract(x, x))] as const, // plant: bwd
);

afterEach(() => config.update({ debugNans: false, debugInfs: false }));

describe("debugNans names the primitive, its input avals, the transforms and the user's line", () => {
  test("log of a negative, eagerly", () => {
    const e = withConfig({ debugNans: true }, () => raised(() => logOfNegative(np.array([-1, 2]))));
    expect(e.message).toContain("log produced a NaN from inputs (f32[2]) that had none, eager");
    expect(e.message).toContain(site("log"));
  });

  test.each<Backend>(["wasm", "js", "reference"])(
    "0/0 under jit on the %s backend: the IR is re-run on the reference kernels to find it",
    (backend) => {
      const f = jit(zeroOverZero, { backend });
      const e = withConfig({ debugNans: true }, () => raised(() => f(np.array([0, 1]))));
      expect(e.message).toContain("div produced a NaN from inputs (f32[2], f32[2]) that had none, inside jit(zeroOverZero)");
      expect(e.message).toContain(site("div"));
    },
  );

  test("sqrt at 0 under grad: the derivative 1/(2·sqrt 0) is an infinity, found with debugInfs in the backward pass", () => {
    const e = withConfig({ debugInfs: true }, () => raised(() => grad(sqrtSum)(np.zeros([3]))));
    expect(e.message).toContain(
      "div produced an infinity from inputs (f32[3], f32[3]) that had none, inside grad (backward pass)",
    );
    expect(e.message).toContain(site("sqrt"));
    // As in JAX, the infinity alone is no NaN: debugNans lets it through.
    const g = withConfig({ debugNans: true }, () => grad(sqrtSum)(np.zeros([3])));
    expect(g.toArray()).toEqual([Infinity, Infinity, Infinity]);
  });

  test("vjp's pullback runs as the vjp's backward pass", () => {
    const [, pullback] = vjp(sqrtSum, np.zeros([2]));
    const e = withConfig({ debugInfs: true }, () => raised(() => pullback(np.array(1))));
    expect(e.message).toContain(
      "div produced an infinity from inputs (f32[2], f32[2]) that had none, inside vjp (backward pass)",
    );
    expect(e.message).toContain(site("sqrt"));
  });

  test("sqrt at 0 under jit(grad): the staged backward equation keeps the forward line", () => {
    const e = withConfig({ debugInfs: true }, () => raised(() => jit(grad(sqrtSum))(np.zeros([3]))));
    expect(e.message).toContain("div produced an infinity");
    expect(e.message).toContain("inside grad, inside jit(");
    expect(e.message).toContain(site("sqrt"));
  });

  test("a customVjp whose bwd divides by zero names the bwd's line", () => {
    const loss = (x: Array) => badBwd(x).sum();
    const both = { debugNans: true, debugInfs: true };
    const e = withConfig(both, () => raised(() => grad(loss)(np.array([0.5, 1]))));
    expect(e.message).toContain("div produced an infinity from inputs (f32[2], f32[2]) that had none");
    expect(e.message).toContain("grad (backward pass)");
    expect(e.message).toContain(site("bwd"));
    const j = withConfig(both, () => raised(() => jit(grad(loss))(np.array([0.5, 1]))));
    expect(j.message).toContain("div produced an infinity");
    expect(j.message).toContain(site("bwd"));
  });

  test("a NaN born inside a scan body at step 7,313 is reported at that step, eagerly and under jit", () => {
    const xs = np.arange(10000);
    const run = (xs: Array) => scan(nanAtStep, np.array(0), xs);
    const e = withConfig({ debugNans: true }, () => raised(() => run(xs)));
    expect(e.message).toContain("sqrt produced a NaN from inputs (f32[]) that had none, inside scan step 7313");
    expect(e.message).toContain(site("scan"));
    const j = withConfig({ debugNans: true }, () => raised(() => jit(run)(xs)));
    expect(j.message).toContain("inside scan step 7313, inside jit(run)");
    expect(j.message).toContain(site("scan"));
  });
});

describe("debugNans inside loops and branches under jit names the iteration or branch", () => {
  test("whileLoop: the iteration whose body made the NaN", () => {
    const run = jit((i: Array) => whileLoop((c: { i: Array; v: Array }) => c.i.lt(10), countdown, { i, v: np.array(0) }));
    const e = withConfig({ debugNans: true }, () => raised(() => run(np.array(0, "float32"))));
    expect(e.message).toContain(
      "log produced a NaN from inputs (f32[]) that had none, inside whileLoop iteration 6, inside jit(",
    );
    expect(e.message).toContain(site("while"));
  });

  test("cond: the branch taken", () => {
    const e = withConfig({ debugNans: true }, () => raised(() => jit(branchy)(np.array(true), np.array([1, 2]))));
    expect(e.message).toContain(
      "sqrt produced a NaN from inputs (f32[2]) that had none, inside cond branch 1, inside jit(branchy)",
    );
    expect(e.message).toContain(site("cond"));
  });
});

describe("what debugNans does not report", () => {
  test("with both flags off NaNs flow through as values", () => {
    expect(np.log(np.array([-1])).data()[0]).toBeNaN();
    expect(jit(zeroOverZero)(np.array([0])).data()[0]).toBeNaN();
  });

  test("a NaN that was already in the inputs is not blamed on the next primitive", () => {
    const r = withConfig({ debugNans: true }, () => np.add(np.array([Number.NaN, 1]), 1));
    expect(r.data()[0]).toBeNaN();
    expect(withConfig({ debugNans: true }, () => jit(zeroOverZero)(np.array([Number.NaN]))).data()[0]).toBeNaN();
  });

  test("debugNans ignores infinities and debugInfs ignores NaNs", () => {
    expect(withConfig({ debugNans: true }, () => np.divide(1, np.array([0]))).toArray()).toEqual([Infinity]);
    expect(withConfig({ debugInfs: true }, () => np.log(np.array([-1]))).data()[0]).toBeNaN();
    expect(raised(() => withConfig({ debugInfs: true }, () => np.divide(1, np.array([0])))).message).toContain(
      "div produced an infinity",
    );
  });
});

describe("config and withConfig", () => {
  test("config.update sets options for later calls; config.get returns a copy", () => {
    config.update({ debugNans: true });
    expect(config.get()).toEqual({ debugNans: true, debugInfs: false });
    raised(() => np.log(np.array([-1])));
    config.update({ debugNans: false });
    expect(config.get()).toEqual({ debugNans: false, debugInfs: false });
  });

  test("withConfig restores the previous options on return and on throw", () => {
    config.update({ debugInfs: true });
    withConfig({ debugNans: true, debugInfs: false }, () => expect(config.get()).toEqual({ debugNans: true, debugInfs: false }));
    expect(config.get()).toEqual({ debugNans: false, debugInfs: true });
    expect(() =>
      withConfig({ debugNans: true }, () => {
        throw new RangeError("boom");
      }),
    ).toThrow("boom");
    expect(config.get()).toEqual({ debugNans: false, debugInfs: true });
  });

  test("unknown options and non-boolean values are a ValueError naming the option", () => {
    expect(() => config.update({ debugNan: true } as never)).toThrow(ValueError);
    expect(() => config.update({ debugNan: true } as never)).toThrow(
      /unknown option "debugNan"; the options are debugNans, debugInfs/,
    );
    expect(() => withConfig({ debugNans: 1 } as never, () => 0)).toThrow(/debugNans must be true or false, got 1/);
  });
});
