/**
 * axle/testing/arbitraries: fast-check arbitraries of shapes, dtypes, arrays, PRNG keys and
 * layer parameters/inputs, to property-test your own functions and layers.
 *
 * fast-check is an optional peer dependency of axle: install it (`npm install --save-dev
 * fast-check`) to use this subpath. It lives apart from `axle/testing` so that `checkGrads` and
 * `numericalGrad` work, and type-check, without fast-check.
 *
 * @example
 * import fc from "fast-check";
 * import { np } from "axle";
 * import { arrays } from "axle/testing/arbitraries";
 * fc.assert(fc.property(arrays({ dtype: "float64", min: 0.5, max: 3 }), (x) => np.log(x).max().item() < 1.1));
 *
 * @module
 */
export type { ArraysOptions, ArrayTree, ArrayTreesOptions, ShapesOptions } from "./arrays.js";
export { arrays, arrayTrees, broadcastableShapes, dtypes, shapes } from "./arrays.js";
export type { KeysOptions, LayerInputsOptions, ParamsOptions } from "./layers.js";
export { keys, layerInputs, params } from "./layers.js";
