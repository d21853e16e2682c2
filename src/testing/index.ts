/**
 * axle/testing: check derivatives. `checkGrads` compares jvp/vjp with central differences;
 * `numericalGrad`/`numericalJvp` compute those differences. Needs nothing beyond axle; the
 * fast-check arbitraries (arrays, shapes, layer inputs) are in `axle/testing/arbitraries`.
 *
 * @example
 * import { np } from "axle";
 * import { checkGrads } from "axle/testing";
 * checkGrads((x) => np.tanh(x), [np.array([0.1, 0.2], "float64")], { order: 2 });
 *
 * @module
 */
export { castTree } from "./cast.js";
export type { CheckGradsOptions, GradMode } from "./check-grads.js";
export { checkGrads, GradCheckError } from "./check-grads.js";
export { numericalGrad, numericalJvp } from "./numerical.js";
export type { GradTolerance } from "./tolerances.js";
export { defaultTolerance, mergedTolerance } from "./tolerances.js";
