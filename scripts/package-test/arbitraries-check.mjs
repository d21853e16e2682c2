// Run after fast-check is installed next to the axle tarball: the arbitraries subpath loads and
// its arrays drive checkGrads in a property.
import assert from "node:assert/strict";
import { nn, np } from "axle";
import { checkGrads } from "axle/testing";
import { arrays, layerInputs } from "axle/testing/arbitraries";
import fc from "fast-check";

for (const x of fc.sample(arrays({ shape: [2, 3], dtype: "float64", min: -1, max: 1 }), 20)) {
  assert.deepEqual(x.shape, [2, 3]);
  assert.equal(x.dtype, "float64");
  assert.ok(
    x
      .toArray()
      .flat()
      .every((v) => v >= -1 && v <= 1),
  );
}
fc.assert(
  fc.property(arrays({ dtype: "float64", maxRank: 2 }), (x) => checkGrads((y) => np.tanh(y).sum(), [x])),
  { numRuns: 20 },
);
const [[p, x]] = fc.sample(layerInputs(nn.dense(2), { features: 3, batch: 4, dtype: "float64" }), 1);
assert.deepEqual(nn.dense(2).apply(p, x).shape, [4, 2]);
console.log("arbitraries: ok");
