/**
 * Activations, each numerically stable and composed of primitives (so every transform works).
 * Where the form of a composite sets its derivative at a kink, the comment says so.
 */
import type { Array, ArrayLike } from "../core/array.js";
import { checkDType } from "../core/dtype.js";
import { normalizeAxis } from "../core/shape.js";
import { asArray } from "../numpy/coerce.js";
import * as np from "../numpy/index.js";

/** max(x, 0), written as where(x > 0, x, 0) so the derivative at 0 is 0 (as in JAX). */
export function relu(x: Array): Array {
  return np.where(np.greater(x, 0), x, np.zerosLike(x));
}

/** 1 / (1 + e^-x). */
export function sigmoid(x: Array): Array {
  return np.sigmoid(x);
}

export function tanh(x: Array): Array {
  return np.tanh(x);
}

/**
 * log(1 + eˣ), as x + log1p(e⁻ˣ) above 0 and log1p(eˣ) below: never overflows. Written with
 * `where` rather than max(x, 0) + log1p(e^-|x|) because the kinks of max and abs at 0 would make
 * the derivative there 0 instead of σ(0) = 1/2 (max's tie rule gives 1/2, and abs' = 1 at 0, as
 * in JAX, subtracts σ(0) = 1/2). Each branch sees a clamped input, so the unused one stays
 * finite and its zero cotangent cannot turn into NaN.
 */
export function softplus(x: Array): Array {
  const pos = np.greater(x, 0);
  const xp = np.where(pos, x, np.zerosLike(x));
  const xn = np.where(pos, np.zerosLike(x), x);
  return np.where(pos, np.add(xp, np.log1p(np.exp(np.negative(xp)))), np.log1p(np.exp(xn)));
}

/** log σ(x) = -softplus(-x): finite for any x (log(sigmoid(x)) is -inf below about -104 in float32). */
export function logSigmoid(x: Array): Array {
  return np.negative(softplus(np.negative(x)));
}

/**
 * GELU, tanh approximation (JAX's default `approximate=True`):
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 */
export function gelu(x: Array): Array {
  const inner = np.multiply(Math.sqrt(2 / Math.PI), np.add(x, np.multiply(0.044715, np.multiply(x, np.square(x)))));
  return np.multiply(np.multiply(0.5, x), np.add(1, np.tanh(inner)));
}

/** x for x ≥ 0, slope·x below. */
export function leakyRelu(x: Array, negativeSlope = 0.01): Array {
  return np.where(np.greaterEqual(x, 0), x, np.multiply(negativeSlope, x));
}

/**
 * x for x > 0, α(eˣ − 1) below. The unused branch sees where(x > 0, 0, x) so it never overflows;
 * not min(x, 0), whose tie rule would halve the derivative at 0 (it is α there, as in JAX).
 */
export function elu(x: Array, alpha = 1): Array {
  const pos = np.greater(x, 0);
  return np.where(pos, x, np.multiply(alpha, np.expm1(np.where(pos, np.zerosLike(x), x))));
}

/** log Σ exp(x) along `axis` (stable). */
export function logsumexp(x: Array, axis: number | readonly number[] = -1, opts?: { keepdims?: boolean }): Array {
  return np.logsumexp(x, axis, opts);
}

/**
 * log-probabilities along `axis`: (x − max) − log Σ exp(x − max), as JAX's log_softmax. Not
 * x − logsumexp(x): for |x| ≫ 1 that subtracts two nearly equal large numbers, and logsumexp(x)
 * has already been rounded at x's magnitude (in float32, x = [-1e4, -1e4] gave -0.69336 instead
 * of -0.693147). The shift is exact for the largest entry, so the result is accurate to float
 * precision of its own size. The max is held constant: it cancels exactly, so the gradient is
 * that of x − logsumexp(x). An infinite max is replaced by 0 (as in logsumexp), so -inf entries
 * stay -inf beside finite ones.
 */
export function logSoftmax(x0: Array, axis = -1): Array {
  const x = asArray("logSoftmax", x0);
  const ax = normalizeAxis("logSoftmax", axis, x.ndim);
  if (x.shape[ax] === 0) return x; // nothing to normalise (np.max has no value to give)
  const m = np.max(x, ax, { keepdims: true });
  const shift = np.stopGradient(np.where(np.isfinite(m), m, np.zerosLike(m)));
  const shifted = np.subtract(x, shift);
  return np.subtract(shifted, np.log(np.sum(np.exp(shifted), ax, { keepdims: true })));
}

/** exp(x − max) / Σ exp(x − max) along `axis` (the max is held constant: it cancels exactly). */
export function softmax(x0: Array, axis = -1): Array {
  const x = asArray("softmax", x0);
  const ax = normalizeAxis("softmax", axis, x.ndim);
  const m = np.stopGradient(np.max(x, ax, { keepdims: true }));
  const e = np.exp(np.subtract(x, m));
  return np.divide(e, np.sum(e, ax, { keepdims: true }));
}

/** One-hot encoding: labels [...] (integers) → [..., numClasses] (float32 by default). */
export function oneHot(labels: ArrayLike, numClasses: number, dtype: Array["dtype"] = "float32"): Array {
  const d = checkDType("oneHot", dtype);
  const l = np.astype(labels, "int32");
  const classes = np.arange(numClasses);
  return np.astype(np.equal(np.expandDims(l, -1), classes), d);
}
