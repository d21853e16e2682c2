/**
 * axle/testing: property-test derivatives. `checkGrads` compares jvp/vjp with central
 * differences; the fast-check arbitraries generate axle arrays and broadcastable shapes.
 *
 * @example
 * import { np } from "axle";
 * import { checkGrads } from "axle/testing";
 * checkGrads((x) => np.tanh(x), [np.array([0.1, 0.2], "float64")], { order: 2 });
 */
export type { ArraysOptions, ArrayTree, ArrayTreesOptions, ShapesOptions } from "./arbitraries.js";
export { arrays, arrayTrees, broadcastableShapes, dtypes, shapes } from "./arbitraries.js";
export type { CheckGradsOptions, GradMode } from "./check-grads.js";
export { checkGrads, GradCheckError } from "./check-grads.js";
export type { KeysOptions, LayerInputsOptions, ParamsOptions } from "./layers.js";
export { castTree, keys, layerInputs, params } from "./layers.js";
export { numericalGrad, numericalJvp } from "./numerical.js";
export type { GradTolerance } from "./tolerances.js";
export { defaultTolerance, mergedTolerance } from "./tolerances.js";
