/** Shared helpers for the optim tests. */
import { expect } from "vitest";
import { type Array, np, tree } from "../../src/index.js";

/** Every plain-object/array container of `t` is frozen. */
export function deepFrozen(t: unknown): boolean {
  if (t === null || t === undefined || typeof t !== "object") return true;
  if (globalThis.Array.isArray(t) || Object.getPrototypeOf(t) === Object.prototype) {
    return Object.isFrozen(t) && Object.values(t).every(deepFrozen);
  }
  return true;
}

/** The leaves' values and the structure, as a comparable string (detects mutation of inputs). */
export function fingerprint(t: unknown): string {
  const [leaves, def] = tree.flatten(t);
  return `${def.toString()}|${leaves.map((l) => (l as Array).toString()).join(";")}`;
}

/** Same structure and leaves close to each other. */
export function expectTreeClose(a: unknown, b: unknown, rtol = 1e-6, atol = 1e-7): void {
  const [la, da] = tree.flatten(a);
  const [lb, db] = tree.flatten(b);
  expect(da.toString()).toBe(db.toString());
  la.forEach((x, i) => {
    const y = lb[i] as Array;
    expect((x as Array).dtype).toBe(y.dtype);
    if (!np.allclose(x as Array, y, { rtol, atol })) {
      throw new Error(`leaf ${i} differs: ${(x as Array).toString()} vs ${y.toString()}`);
    }
  });
}

/** Values of an array as a flat JS number list. */
export const vals = (x: Array): number[] => globalThis.Array.from(x.data());
