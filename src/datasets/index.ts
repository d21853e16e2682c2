/**
 * Datasets for examples and tests: boolean truth tables, the UCI handwritten digits (vendored,
 * Node only), seeded synthetic 2-D sets, and batching / splitting / standardizing helpers.
 * Randomness comes from a `seed`: an integer or a `random` key.
 *
 * @example
 * import { datasets } from "axle";
 * const { train, test } = datasets.trainTestSplit(datasets.moons({ n: 400, noise: 0.1, seed: 0 }), { testSize: 0.25, seed: 1 });
 * for (const { x, y } of datasets.batches(random.key(2), train, 32)) { ... }
 */
export type { BatchOptions, Columns, Rows, Split, SplitOptions } from "./batching.js";
export { batches, trainTestSplit } from "./batching.js";
export type { DigitsOptions } from "./digits.js";
export { digits } from "./digits.js";
export type { Digits, DigitsRows } from "./parse.js";
export { DIGITS_PIXELS, DIGITS_ROWS, parseDigitsCsv, validateDigitsCsv } from "./parse.js";
export type { Standardized, StandardizeOptions } from "./standardize.js";
export { standardize, standardizeGlobal } from "./standardize.js";
export type {
  BlobsOptions,
  LinearlySeparableOptions,
  MoonsOptions,
  Points2d,
  SpiralsOptions,
  ThreeClassOptions,
} from "./synthetic.js";
export { blobs, linearlySeparable, moons, spirals, threeClass } from "./synthetic.js";
export type { TruthTable } from "./tables.js";
export { or, xor } from "./tables.js";
