/** or / xor truth tables. */
import { describe, expect, test } from "vitest";
import { datasets } from "./helpers.js";

describe("truth tables", () => {
  test("or", () => {
    const { x, y } = datasets.or();
    expect(x.shape).toEqual([4, 2]);
    expect(x.dtype).toBe("float32");
    expect(y.shape).toEqual([4]);
    expect(y.dtype).toBe("float32");
    expect(x.toArray()).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(y.toArray()).toEqual([0, 1, 1, 1]);
  });

  test("xor", () => {
    const { x, y } = datasets.xor();
    expect(x.toArray()).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(y.toArray()).toEqual([0, 1, 1, 0]);
    expect(y.dtype).toBe("float32");
  });

  test("y is the boolean function of the inputs", () => {
    for (const [table, f] of [
      [datasets.or(), (a: number, b: number) => a | b],
      [datasets.xor(), (a: number, b: number) => a ^ b],
    ] as const) {
      const xs = table.x.toArray() as number[][];
      const ys = table.y.toArray() as number[];
      xs.forEach(([a, b], i) => expect(ys[i]).toBe(f(a, b)));
    }
  });

  test("results are frozen and calls do not share buffers", () => {
    const a = datasets.xor();
    expect(Object.isFrozen(a)).toBe(true);
    expect(datasets.xor().x).not.toBe(a.x);
  });
});
