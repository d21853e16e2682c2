// Type-checked only where fast-check is installed: the arbitraries' types are fast-check's.

import { type NDArray, nn, np } from "axle";
import { checkGrads } from "axle/testing";
import { arrays, broadcastableShapes, layerInputs } from "axle/testing/arbitraries";
import fc from "fast-check";

const xs: fc.Arbitrary<NDArray> = arrays({ dtype: "float64", min: -1, max: 1 });
fc.assert(fc.property(xs, (x) => checkGrads((y: NDArray) => np.tanh(y).sum(), [x])));
export const shapes: fc.Arbitrary<number[][]> = broadcastableShapes(2, { maxRank: 3 });
export const inputs = layerInputs(nn.dense(2), { features: 3, dtype: "float64" });
