/** Shared helpers for the nn tests: elementwise closeness against plain-number references. */
import fc from "fast-check";
import type { Array } from "../../src/index.js";

/** Flat values of an axle array as plain numbers. */
export const flat = (x: Array): number[] => globalThis.Array.from(x.data() as ArrayLike<number>);

/**
 * Throws (naming the first bad element) unless `got` matches `expected` elementwise within
 * atol + rtol·|expected|; NaN never matches and infinities must match exactly.
 */
export function expectClose(got: Array | number[], expected: readonly number[], atol = 1e-12, rtol = 1e-12): void {
  const g = globalThis.Array.isArray(got) ? got : flat(got);
  if (g.length !== expected.length) throw new Error(`length ${g.length} ≠ expected ${expected.length}`);
  g.forEach((v, i) => {
    const e = expected[i];
    const ok = v === e || (Number.isFinite(v) && Number.isFinite(e) && Math.abs(v - e) <= atol + rtol * Math.abs(e));
    if (!ok) throw new Error(`element ${i}: got ${v}, expected ${e} (atol ${atol}, rtol ${rtol})`);
  });
}

/** Reals with |x| in [gap, max], either sign: keeps central differences off a kink at 0. */
export const awayFromZero = (gap: number, max: number): fc.Arbitrary<number> =>
  fc.tuple(fc.boolean(), fc.double({ min: gap, max, noNaN: true })).map(([neg, v]) => (neg ? -v : v));

/**
 * Mostly extreme magnitudes (±100, ±1000 and values out to ±1000), some moderate, and the kink
 * points ±0 (where relu, leakyRelu and elu have a documented derivative).
 */
export const extremes: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1000, -100, 100, 1000),
  fc.constantFrom(0, -0),
  fc.double({ min: -1000, max: 1000, noNaN: true }),
  fc.double({ min: -5, max: 5, noNaN: true }),
);
