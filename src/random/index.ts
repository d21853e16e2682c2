/**
 * `random`: explicit-key pseudo-random numbers (Threefry-2x32, as in JAX). Keys are uint32[2]
 * arrays, so sampling is reproducible, splittable, free of global state, and works under jit
 * and vmap.
 *
 * @example
 * import { np, random } from "axle";
 * const [k1, k2] = random.split(random.key(0));
 * const w = random.normal(k1, [3, 2]).mul(0.1);
 * const idx = random.permutation(k2, 10);
 */
export { foldIn, key, split, splitArray } from "./keys.js";
export type { BatchIndicesOptions, CategoricalOptions, FloatDType, UniformOptions } from "./samplers.js";
export {
  batchIndices,
  bernoulli,
  bits,
  categorical,
  gumbel,
  normal,
  permutation,
  randint,
  truncatedNormal,
  uniform,
} from "./samplers.js";
export type { Key } from "./threefry.js";
