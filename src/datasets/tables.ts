/** The two-input boolean truth tables, the smallest training sets there are. */
import { ConcreteArray } from "../core/array.js";

/** A truth table: `x` is f32[4, 2] (rows 00, 01, 10, 11), `y` is f32[4]. */
export interface TruthTable {
  readonly x: ConcreteArray;
  readonly y: ConcreteArray;
}

const INPUTS = [0, 0, 0, 1, 1, 0, 1, 1];

function table(targets: readonly number[]): TruthTable {
  // Fresh buffers per call: arrays own their buffers, so no two calls share one.
  return Object.freeze({
    x: new ConcreteArray([4, 2], "float32", Float32Array.from(INPUTS)),
    y: new ConcreteArray([4], "float32", Float32Array.from(targets)),
  });
}

/**
 * Logical OR: inputs [[0,0],[0,1],[1,0],[1,1]], targets [0,1,1,1]. Linearly separable, so a single
 * logistic unit learns it.
 *
 * @example
 * const { x, y } = datasets.or();
 * y.toArray(); // [0, 1, 1, 1]
 */
export function or(): TruthTable {
  return table([0, 1, 1, 1]);
}

/**
 * Logical XOR: inputs [[0,0],[0,1],[1,0],[1,1]], targets [0,1,1,0]. Not linearly separable: the
 * classic case that needs a hidden layer.
 *
 * @example
 * const { x, y } = datasets.xor();
 * x.shape; // [4, 2]
 * y.toArray(); // [0, 1, 1, 0]
 */
export function xor(): TruthTable {
  return table([0, 1, 1, 0]);
}
