/**
 * Shared inputs: every implementation of a workload starts from these same Float32Arrays
 * (row-major), so the agreement checks compare like with like.
 */
import { datasets, np } from "../src/index.js";

/** Deterministic pseudo-random floats in [-1, 1) (a small LCG), so runs compare like with like. */
export function randomFloats(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** The classroom init of the digits example: w ~ U(±√(6 / (n_in·n_out))), here from the LCG. */
export function classroomWeights(nIn: number, nOut: number, seed: number): Float32Array {
  const limit = Math.sqrt(6 / (nIn * nOut));
  return randomFloats(nIn * nOut, seed).map((v) => v * limit);
}

/** A two-layer MLP's parameters, row-major: w1 [nIn, nHidden], b1 [nHidden], w2 [nHidden, nOut], b2 [nOut]. */
export interface MlpInit {
  nIn: number;
  nHidden: number;
  nOut: number;
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

export function mlpInit(nIn: number, nHidden: number, nOut: number, seed = 7): MlpInit {
  return {
    nIn,
    nHidden,
    nOut,
    w1: classroomWeights(nIn, nHidden, seed),
    b1: new Float32Array(nHidden),
    w2: classroomWeights(nHidden, nOut, seed + 1),
    b2: new Float32Array(nOut),
  };
}

export const MLP_KEYS = ["w1", "b1", "w2", "b2"] as const;

export interface DigitsBatch {
  /** [batch, 64] standardised pixels. */
  x: Float32Array;
  /** Binary targets (digit < 5) as 0/1 floats. */
  yBinary: Float32Array;
  /** Class ids 0..9. */
  labels: Int32Array;
  batch: number;
}

let cache: { x: Float32Array; labels: Int32Array } | undefined;

/**
 * The first `batch` images of the bundled digits (rows repeat past 1797), standardised by the
 * global mean and std of all images, as the digits example scales its data.
 */
export function digitsBatch(batch: number, offset = 0): DigitsBatch {
  if (cache === undefined) {
    const { images, labels } = datasets.digits();
    const s = datasets.standardizeGlobal(np.astype(images, "float32"));
    cache = { x: s.x.data() as Float32Array, labels: Int32Array.from(labels.data() as ArrayLike<number>) };
  }
  const n = cache.labels.length;
  const x = new Float32Array(batch * 64);
  const labels = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const r = (offset + b) % n;
    x.set(cache.x.subarray(r * 64, r * 64 + 64), b * 64);
    labels[b] = cache.labels[r];
  }
  return { x, yBinary: Float32Array.from(labels, (l) => (l < 5 ? 1 : 0)), labels, batch };
}

export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => {
    out[i * classes + l] = 1;
  });
  return out;
}
