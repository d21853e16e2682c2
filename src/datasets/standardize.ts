/** Feature scaling to zero mean and unit standard deviation. */
import type { Array, ArrayLike, Axis } from "../core/array.js";
import { isFloat } from "../core/dtype.js";
import { ShapeError } from "../core/errors.js";
import { shapeStr } from "../core/shape.js";
import * as np from "../numpy/index.js";

export interface StandardizeOptions {
  /** Axes the statistics are taken over. Default 0 (per feature, over rows); null for one global mean/std. */
  axis?: Axis;
  /** Use this mean instead of computing it from x (e.g. the training set's, to scale a test set). */
  mean?: ArrayLike;
  /** Use this standard deviation instead of computing it from x. */
  std?: ArrayLike;
}

/** The scaled array and the statistics used, to scale other data the same way. */
export interface Standardized {
  readonly x: Array;
  readonly mean: Array;
  readonly std: Array;
}

/**
 * A given statistic, cast to x's dtype. It must broadcast against x without changing x's shape
 * (a training set's mean for 3 features cannot scale data with 4), else the ShapeError names it.
 */
function stat(name: string, v: ArrayLike, like: Array): Array {
  const s = np.astype(v, like.dtype);
  const lead = like.ndim - s.ndim;
  if (lead < 0 || s.shape.some((d, i) => d !== 1 && d !== like.shape[lead + i])) {
    throw new ShapeError(
      `standardize: the given ${name} ${s.aval.str()} does not broadcast against x ${like.aval.str()} ` +
        `without changing x's shape ${shapeStr(like.shape)}; pass the ${name} computed on data with the same features ` +
        "(standardize(train).mean keeps the reduced axes as size 1)",
    );
  }
  return s;
}

/**
 * (x - mean) / std with per-feature statistics (axis 0 by default; kept as size-1 axes so they
 * broadcast). A zero std (a constant feature, like the always-blank digits border pixels) is
 * replaced by 1, so the feature becomes 0 rather than NaN. Integer input is scaled as float32.
 *
 * @example
 * const train = standardize(trainX);
 * const test = standardize(testX, { mean: train.mean, std: train.std });
 */
export function standardize(x: Array, opts: StandardizeOptions = {}): Standardized {
  const xf = isFloat(x.dtype) ? x : np.astype(x, "float32");
  const axis = opts.axis === undefined ? 0 : opts.axis;
  const keepdims = axis !== null;
  const mean = opts.mean === undefined ? np.mean(xf, axis, { keepdims }) : stat("mean", opts.mean, xf);
  const raw = opts.std === undefined ? np.std(xf, axis, { keepdims }) : stat("std", opts.std, xf);
  const std = np.where(np.equal(raw, 0), np.onesLike(raw), raw);
  return Object.freeze({ x: np.divide(np.subtract(xf, mean), std), mean, std });
}

/**
 * Standardize with one global mean and std (scalars) over all elements, as the classroom digits
 * example does.
 *
 * @example
 * const { x } = standardizeGlobal(datasets.digits().images);
 */
export function standardizeGlobal(x: Array, opts: Omit<StandardizeOptions, "axis"> = {}): Standardized {
  return standardize(x, { ...opts, axis: null });
}
