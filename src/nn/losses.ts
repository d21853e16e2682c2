/** Losses (mean over examples by default; `reduction: "sum" | "none"`) and accuracy. */
import { type Array, Array as ArrayClass } from "../core/array.js";
import { DTypeError, ShapeError } from "../core/errors.js";
import * as np from "../numpy/index.js";
import { logSoftmax, oneHot, softplus } from "./activations.js";

export type Reduction = "mean" | "sum" | "none";

export interface LossOptions {
  reduction?: Reduction;
}

function reduce(x: Array, reduction: Reduction = "mean"): Array {
  if (reduction === "none") return x;
  return reduction === "sum" ? np.sum(x) : np.mean(x);
}

/** Both operands of a loss must be arrays (a JS caller may pass anything): a typed error otherwise. */
function arrays(op: string, a: unknown, b: unknown, names: readonly [string, string]): void {
  [a, b].forEach((x, i) => {
    if (!(x instanceof ArrayClass)) {
      const what = x === null ? "null" : globalThis.Array.isArray(x) ? "a JS array" : typeof x;
      throw new DTypeError(`${op}: the ${names[i]} are ${what}; pass axle Arrays (np.array(...))`);
    }
  });
}

function sameShape(op: string, a: Array, b: Array): void {
  arrays(op, a, b, ["predictions", "targets"]);
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(
      `${op}: predictions ${a.aval.str()} and targets ${b.aval.str()} must have the same shape (reshape one; no silent broadcasting)`,
    );
  }
}

/** Mean squared error (ŷ − y)². */
export function mse(pred: Array, target: Array, opts: LossOptions = {}): Array {
  sameShape("mse", pred, target);
  return reduce(np.square(np.subtract(pred, target)), opts.reduction);
}

/** −[y log p + (1 − y) log(1 − p)] on probabilities, clipped to [eps, 1 − eps]. */
export function binaryCrossEntropy(probs: Array, target: Array, opts: LossOptions & { eps?: number } = {}): Array {
  sameShape("binaryCrossEntropy", probs, target);
  const eps = opts.eps ?? 1e-7;
  const p = np.clip(probs, eps, 1 - eps);
  const l = np.negative(np.add(np.multiply(target, np.log(p)), np.multiply(np.subtract(1, target), np.log(np.subtract(1, p)))));
  return reduce(l, opts.reduction);
}

/**
 * Binary cross-entropy on logits, softplus(z) − z·y, computed as (1 − y)·z + softplus(−z) for
 * z > 0: the direct form cancels catastrophically there (z = 100, y = 1 would give 0, not
 * e⁻¹⁰⁰). Both branches are the same analytic function, so every derivative is continuous.
 */
export function sigmoidBinaryCrossEntropy(logits: Array, target: Array, opts: LossOptions = {}): Array {
  sameShape("sigmoidBinaryCrossEntropy", logits, target);
  const pos = np.greater(logits, 0);
  const zp = np.where(pos, logits, np.zerosLike(logits));
  const zn = np.where(pos, np.zerosLike(logits), logits);
  const above = np.add(np.multiply(np.subtract(1, target), zp), softplus(np.negative(zp)));
  const below = np.subtract(softplus(zn), np.multiply(zn, target));
  return reduce(np.where(pos, above, below), opts.reduction);
}

/** Labels → one-hot rows matching logits [..., classes] (integer labels) or passed through. */
function asOneHot(op: string, logits: Array, labels: Array): Array {
  const k = logits.shape[logits.ndim - 1];
  if (labels.ndim === logits.ndim) {
    sameShape(op, logits, labels);
    return labels;
  }
  if (labels.ndim !== logits.ndim - 1 || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new ShapeError(
      `${op}: labels ${labels.aval.str()} must be integer class ids shaped like logits ${logits.aval.str()} without the class axis, or one-hot like logits`,
    );
  }
  return oneHot(labels, k, logits.dtype);
}

/** −Σ onehot(y)·logSoftmax(z) over the class axis (integer or one-hot labels). */
export function softmaxCrossEntropy(logits: Array, labels: Array, opts: LossOptions = {}): Array {
  arrays("softmaxCrossEntropy", logits, labels, ["logits", "labels"]);
  const y = asOneHot("softmaxCrossEntropy", logits, labels);
  return reduce(np.negative(np.sum(np.multiply(y, logSoftmax(logits)), -1)), opts.reduction);
}

/** Negative log-likelihood of log-probabilities [..., classes]. */
export function nll(logProbs: Array, labels: Array, opts: LossOptions = {}): Array {
  arrays("nll", logProbs, labels, ["log-probabilities", "labels"]);
  const y = asOneHot("nll", logProbs, labels);
  return reduce(np.negative(np.sum(np.multiply(y, logProbs), -1)), opts.reduction);
}

/**
 * Fraction of correct predictions: multi-class scores [..., classes] vs integer labels use
 * argmax; binary probabilities (same shape as labels) use the 0.5 threshold.
 */
export function accuracy(pred: Array, labels: Array): Array {
  arrays("accuracy", pred, labels, ["predictions", "labels"]);
  if (pred.ndim === labels.ndim + 1) {
    if (labels.shape.some((d, i) => d !== pred.shape[i])) {
      throw new ShapeError(
        `accuracy: labels ${labels.aval.str()} must be shaped like scores ${pred.aval.str()} without the class axis (no silent broadcasting)`,
      );
    }
    return np.mean(np.astype(np.equal(np.argmax(pred, -1), np.astype(labels, "int32")), "float32"));
  }
  sameShape("accuracy", pred, labels);
  const hit = np.equal(np.greater(pred, 0.5), np.greater(labels, 0.5));
  return np.mean(np.astype(hit, "float32"));
}
