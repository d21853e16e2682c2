/** Shared helpers for the datasets tests. */
import type { Array } from "../../src/core/array.js";
import * as datasets from "../../src/datasets/index.js";

export { datasets };

/** A thrown error (asserting one is thrown). */
export function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected an error, nothing was thrown");
}

/** The flat values of an array as JS numbers. */
export function values(a: Array): number[] {
  return globalThis.Array.from(a.data());
}

/** Per-class counts of an integer label array. */
export function counts(labels: Array, k: number): number[] {
  const c = new globalThis.Array<number>(k).fill(0);
  for (const v of labels.data()) c[v]++;
  return c;
}
