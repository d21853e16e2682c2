/**
 * fast-check arbitraries for property-testing `nn` layers: PRNG keys, initialised parameters
 * (optionally cast to float64 for gradient checks) and whole `apply` argument pairs.
 */
import fc from "fast-check";
import { type Array, type nn, random } from "../../index.js";
import { castTree, type FloatDType } from "../cast.js";
import { type ArraysOptions, arrays } from "./arrays.js";

export interface KeysOptions {
  /** Largest seed drawn (default 2^31 − 1); seeds shrink toward 0. */
  maxSeed?: number;
}

/**
 * PRNG keys `random.key(seed)` for random integer seeds (a failing case shrinks to a small seed).
 * @example fc.assert(fc.property(keys(), (k) => random.uniform(k, [3]).max().item() < 1));
 */
export function keys(opts: KeysOptions = {}): fc.Arbitrary<Array> {
  return fc.integer({ min: 0, max: opts.maxSeed ?? 2 ** 31 - 1 }).map((seed) => random.key(seed));
}

export interface ParamsOptions {
  /** Cast every float leaf to this dtype (float64 for `checkGrads`); default: as `init` made them. */
  dtype?: FloatDType;
}

/**
 * Parameters of `layer` for inputs shaped `inputShape`, initialised by `layer.init` from a
 * random key (so every draw is a plausible starting point of training).
 * @example
 * fc.assert(fc.property(params(nn.dense(3), [4, 8], { dtype: "float64" }), (p) => p.w.shape[1] === 3));
 */
export function params<P>(layer: nn.Layer<P>, inputShape: readonly number[], opts: ParamsOptions = {}): fc.Arbitrary<P> {
  // Initialise once up front so a bad input shape fails here, with the layer's own message.
  layer.init(random.key(0), inputShape);
  return initialised(layer, inputShape, opts.dtype);
}

function initialised<P>(layer: nn.Layer<P>, inputShape: readonly number[], dtype: FloatDType | undefined): fc.Arbitrary<P> {
  return keys().map((k) => {
    const p = layer.init(k, inputShape)[1];
    return dtype === undefined ? p : castTree(p, dtype);
  });
}

export interface LayerInputsOptions extends Omit<ArraysOptions, "shape" | "dtype" | "minRank" | "maxRank"> {
  /** Trailing input dims (features): a number or a shape such as [height, width, channels]. */
  features: number | readonly number[];
  /**
   * Leading batch size: a fixed number, a `{ min, max }` range, or `null` for unbatched inputs
   * shaped `features` (default `{ min: 1, max: 4 }`).
   */
  batch?: number | { min: number; max: number } | null;
  /** dtype of the inputs and (cast) params; default float32. Use float64 with `checkGrads`. */
  dtype?: FloatDType;
}

/**
 * Arguments `[params, x]` for `layer.apply`: a batch size is drawn, the layer is initialised for
 * that input shape from a random key, and `x` is drawn with `arrays` (min/max/elements apply to
 * it). Params are cast to `dtype` too.
 * @example
 * fc.assert(fc.property(layerInputs(nn.dense(2), { features: 3, dtype: "float64" }), ([p, x]) => {
 *   checkGrads((p, x) => nn.dense(2).apply(p, x).sum(), [p, x]);
 * }));
 */
export function layerInputs<P>(layer: nn.Layer<P>, opts: LayerInputsOptions): fc.Arbitrary<[P, Array]> {
  const { features, batch = { min: 1, max: 4 }, dtype = "float32", ...elements } = opts;
  const trailing = typeof features === "number" ? [features] : [...features];
  const batchArb: fc.Arbitrary<number[]> =
    batch === null
      ? fc.constant([])
      : typeof batch === "number"
        ? fc.constant([batch])
        : fc.integer({ min: batch.min, max: batch.max }).map((b) => [b]);
  return batchArb.chain((lead) => {
    const shape = [...lead, ...trailing];
    return fc.tuple(initialised(layer, shape, dtype), arrays({ ...elements, shape, dtype }));
  });
}
