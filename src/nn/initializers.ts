/**
 * Initializers `(key, shape, dtype?) → Array`. Fans follow JAX: for a kernel [..., in, out] the
 * fan-in is in × receptive field and the fan-out is out × receptive field.
 */
import type { Array } from "../core/array.js";
import type { DType } from "../core/dtype.js";
import { ValueError } from "../core/errors.js";
import * as np from "../numpy/index.js";
import * as random from "../random/index.js";

export type Initializer = (key: Array, shape: readonly number[], dtype?: DType) => Array;

/** [fanIn, fanOut] of a weight shape. */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 1) throw new ValueError(`initializer: cannot compute fans of a scalar shape; give at least [n]`);
  if (shape.length === 1) return [shape[0], shape[0]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

function uniformIn(limit: number): Initializer {
  return (key, shape, dtype = "float32") => random.uniform(key, shape, { dtype, minval: -limit, maxval: limit });
}

/** Glorot/Xavier uniform: U(±√(6 / (fanIn + fanOut))). */
export const glorotUniform: Initializer = (key, shape, dtype) => {
  const [i, o] = fans(shape);
  return uniformIn(Math.sqrt(6 / (i + o)))(key, shape, dtype);
};
/** Glorot/Xavier normal: N(0, 2 / (fanIn + fanOut)). */
export const glorotNormal: Initializer = (key, shape, dtype = "float32") => {
  const [i, o] = fans(shape);
  return np.multiply(random.normal(key, shape, dtype), Math.sqrt(2 / (i + o)));
};
/** He/Kaiming uniform: U(±√(6 / fanIn)), for ReLU nets. */
export const heUniform: Initializer = (key, shape, dtype) => uniformIn(Math.sqrt(6 / fans(shape)[0]))(key, shape, dtype);
/** He/Kaiming normal: N(0, 2 / fanIn). */
export const heNormal: Initializer = (key, shape, dtype = "float32") =>
  np.multiply(random.normal(key, shape, dtype), Math.sqrt(2 / fans(shape)[0]));
/** LeCun normal: N(0, 1 / fanIn). */
export const lecunNormal: Initializer = (key, shape, dtype = "float32") =>
  np.multiply(random.normal(key, shape, dtype), Math.sqrt(1 / fans(shape)[0]));
export const zeros: Initializer = (_key, shape, dtype = "float32") => np.zeros(shape, dtype);
export const ones: Initializer = (_key, shape, dtype = "float32") => np.ones(shape, dtype);
/** U(−scale, scale). */
export function uniform(scale: number): Initializer {
  return uniformIn(scale);
}
/** N(0, stddev²). */
export function normal(stddev: number): Initializer {
  return (key, shape, dtype = "float32") => np.multiply(random.normal(key, shape, dtype), stddev);
}
