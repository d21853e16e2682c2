/** Schedules: values against closed forms, eager and under jit with a traced step. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type Array, jit, np, ValueError } from "../../src/index.js";
import * as optim from "../../src/optim/index.js";

const STEPS = [0, 1, 2, 5, 9, 10, 11, 19, 20, 37, 100, 250, 1000];

/** `schedule(t)` eagerly (number and int32 array steps) and under jit equals `expected(t)` at every step. */
function expectSchedule(schedule: optim.Schedule, expected: (t: number) => number, steps = STEPS): void {
  const jitted = jit((t: Array) => schedule(t));
  for (const t of steps) {
    const want = expected(t);
    const got = [schedule(t), schedule(np.array(t, "int32")), jitted(np.array(t, "int32"))];
    for (const g of got) {
      expect(g.shape).toEqual([]);
      expect(g.dtype).toBe("float32");
      const v = g.item();
      if (Math.abs(v - want) > 1e-6 + 1e-5 * Math.abs(want)) {
        throw new Error(`step ${t}: got ${v}, expected ${want}`);
      }
    }
  }
}

describe("schedules", () => {
  test("constant", () => {
    expectSchedule(optim.constant(0.3), () => 0.3);
  });

  test("exponentialDecay: η₀·d^(t/T)", () => {
    expectSchedule(optim.exponentialDecay({ init: 0.5, decayRate: 0.9, transitionSteps: 10 }), (t) => 0.5 * 0.9 ** (t / 10));
  });

  test("exponentialDecay staircase floors the exponent", () => {
    const s = optim.exponentialDecay({ init: 2, decayRate: 0.5, transitionSteps: 10, staircase: true });
    expectSchedule(s, (t) => 2 * 0.5 ** Math.floor(t / 10));
    // Distinct from the smooth schedule between boundaries, equal on them.
    expect(s(15).item()).toBeCloseTo(1, 6);
    expect(s(19).item()).toBeCloseTo(1, 6);
    expect(s(20).item()).toBeCloseTo(0.5, 6);
  });

  test("exponentialDecay with transitionBegin and endValue", () => {
    const s = optim.exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 5, transitionBegin: 10, endValue: 0.1 });
    expectSchedule(s, (t) => (t <= 10 ? 1 : Math.max(0.1, 0.5 ** ((t - 10) / 5))));
    const up = optim.exponentialDecay({ init: 1, decayRate: 2, transitionSteps: 10, endValue: 3 });
    expectSchedule(up, (t) => Math.min(3, 2 ** (t / 10)));
  });

  test("cosineDecay: η₀((1−α)·½(1+cos(πt/T)) + α), constant after T", () => {
    const s = optim.cosineDecay({ init: 0.4, decaySteps: 100, alpha: 0.1 });
    expectSchedule(s, (t) => 0.4 * (0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, 100)) / 100)) + 0.1));
    expect(s(50).item()).toBeCloseTo(0.4 * (0.45 + 0.1), 6);
  });

  test("linear, with transitionBegin", () => {
    expectSchedule(optim.linear({ init: 1, end: 0.2, transitionSteps: 100 }), (t) => 1 + (0.2 - 1) * Math.min(t / 100, 1));
    expectSchedule(
      optim.linear({ init: 0, end: 3, transitionSteps: 10, transitionBegin: 5 }),
      (t) => 3 * Math.min(Math.max((t - 5) / 10, 0), 1),
    );
    expectSchedule(optim.linear({ init: 2, end: 3, transitionSteps: 0, transitionBegin: 5 }), (t) => (t < 5 ? 2 : 3));
  });

  test("piecewiseConstant multiplies by each scale from its boundary on", () => {
    const s = optim.piecewiseConstant({ init: 1, boundariesAndScales: { 100: 0.5, 10: 0.1, 20: 2 } });
    expectSchedule(s, (t) => (t < 10 ? 1 : t < 20 ? 0.1 : t < 100 ? 0.2 : 0.1));
  });

  test("joinSchedules counts each piece's steps from its boundary", () => {
    const s = optim.joinSchedules(
      [optim.constant(1), optim.linear({ init: 1, end: 0, transitionSteps: 10 }), optim.constant(0.05)],
      [10, 20],
    );
    expectSchedule(s, (t) => (t < 10 ? 1 : t < 20 ? 1 - (t - 10) / 10 : 0.05));
  });

  test("warmupCosineDecay: linear warmup, then cosine to end", () => {
    const s = optim.warmupCosineDecay({ init: 0.1, peak: 1, warmupSteps: 10, decaySteps: 110, end: 0.2 });
    expectSchedule(s, (t) => {
      if (t < 10) return 0.1 + (0.9 * t) / 10;
      const c = 0.5 * (1 + Math.cos((Math.PI * Math.min(t - 10, 100)) / 100));
      return 1 * ((1 - 0.2) * c + 0.2);
    });
    expect(s(10).item()).toBeCloseTo(1, 6);
    expect(s(110).item()).toBeCloseTo(0.2, 6);
  });

  test("exponentialDecay matches its closed form for random options (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: 0.1, max: 0.99, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 300 }),
        (init, decayRate, transitionSteps, staircase, t) => {
          const s = optim.exponentialDecay({ init, decayRate, transitionSteps, staircase });
          const p = staircase ? Math.floor(t / transitionSteps) : t / transitionSteps;
          const want = init * decayRate ** p;
          const got = s(t).item();
          return Math.abs(got - want) <= 1e-6 + 1e-5 * want;
        },
      ),
      { numRuns: 60 },
    );
  });

  test("invalid options are ValueErrors naming the option", () => {
    expect(() => optim.exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 0 })).toThrow(ValueError);
    expect(() => optim.cosineDecay({ init: 1, decaySteps: -1 })).toThrow(/decaySteps/);
    expect(() => optim.joinSchedules([optim.constant(1)], [5])).toThrow(/one boundary fewer/);
    expect(() => optim.warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 10, decaySteps: 10 })).toThrow(/decaySteps/);
  });
});
