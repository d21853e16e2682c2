/**
 * Row-wise batching and train/test splitting of a record of arrays that share their leading axis
 * (e.g. `{ x, y }` or digits' `{ images, labels }`). Rows are taken with np.take along axis 0.
 */
import { Array, ConcreteArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import * as np from "../numpy/index.js";
import { checkSeed, type Seed, Stream, shown } from "./prng.js";

/** A record of arrays indexed by rows along axis 0; every value must have the same leading dimension. */
export type Columns<T> = { readonly [K in keyof T]: Array };

/** A subset of rows of `T`: same keys, each value an array. */
export type Rows<T> = { readonly [K in keyof T]: Array };

export interface BatchOptions {
  /** Visit rows in a random order. Default: true when a key is given, false for `null`. */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize`. Default false. */
  dropLast?: boolean;
}

/** Check the record and return its row count. */
function rowCount(op: string, data: unknown): number {
  if (data instanceof Array) {
    throw new ValueError(`${op}: data is a single array ${data.aval.str()}; pass a record of arrays such as { x } or { x, y }`);
  }
  if (typeof data !== "object" || data === null || globalThis.Array.isArray(data)) {
    throw new ValueError(
      `${op}: data must be a record of arrays sharing their leading axis, such as { x, y }; got ${data === null ? "null" : globalThis.Array.isArray(data) ? "a JS array" : typeof data}`,
    );
  }
  const entries = Object.entries(data);
  if (entries.length === 0) throw new ValueError(`${op}: data has no arrays; pass a record such as { x, y }`);
  let n: number | undefined;
  let first = "";
  for (const [k, v] of entries) {
    if (!(v instanceof Array)) {
      throw new ValueError(`${op}: data.${k} is not an axle Array (got ${typeof v}); wrap it with np.array(...)`);
    }
    if (v.ndim === 0) throw new ValueError(`${op}: data.${k} is a scalar; every value needs a leading row axis`);
    if (n === undefined) [n, first] = [v.shape[0], k];
    else if (v.shape[0] !== n) {
      throw new ValueError(
        `${op}: data.${k} has ${v.shape[0]} rows (shape [${v.shape.join(", ")}]) but data.${first} has ${n}; ` +
          "every array must have the same leading dimension",
      );
    }
  }
  return n ?? 0;
}

function takeRows<T>(data: Columns<T>, idx: Int32Array): Rows<T> {
  const ix = new ConcreteArray([idx.length], "int32", idx);
  const out: Record<string, Array> = {};
  for (const [k, v] of Object.entries<Array>(data)) out[k] = np.take(v, ix, 0);
  return Object.freeze(out) as Rows<T>;
}

function range(start: number, stop: number): Int32Array {
  const r = new Int32Array(Math.max(0, stop - start));
  for (let i = 0; i < r.length; i++) r[i] = start + i;
  return r;
}

/**
 * Split the rows of `data` into batches of `batchSize` rows, each a frozen record with the same keys.
 * Every row appears in exactly one batch (unless `dropLast` drops a short final batch).
 *
 * @example
 * const data = datasets.moons({ n: 100, seed: 0 });
 * for (let epoch = 0; epoch < 10; epoch++)
 *   for (const { x, y } of datasets.batches(random.foldIn(key, epoch), data, 32)) step(x, y);
 *
 * `key` (a PRNG key or an integer seed) picks the order; use a new one per epoch. `null` keeps
 * the rows in order.
 */
export function batches<T extends Columns<T>>(
  key: Seed | null,
  data: T,
  batchSize: number,
  opts: BatchOptions = {},
): readonly Rows<T>[] {
  const op = "batches";
  const n = rowCount(op, data);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new ValueError(`${op}: batchSize must be a positive integer, got ${shown(batchSize)}`);
  }
  let order: Int32Array;
  if (opts.shuffle ?? key !== null) {
    if (key === null) {
      throw new ValueError(
        `${op}: shuffle needs a key; pass batches(random.foldIn(key, epoch), data, size) (a new key per epoch)`,
      );
    }
    order = new Stream(checkSeed(op, key)).permutation(n);
  } else {
    order = range(0, n);
  }
  const out: Rows<T>[] = [];
  for (let start = 0; start < n; start += batchSize) {
    const stop = Math.min(start + batchSize, n);
    if (opts.dropLast && stop - start < batchSize) break;
    out.push(takeRows(data, order.slice(start, stop)));
  }
  return Object.freeze(out);
}

export interface SplitOptions {
  /** Test rows: a fraction in (0, 1) (rounded up) or a count. Default: the rest after trainSize, else 0.25. */
  testSize?: number;
  /** Train rows: a fraction in (0, 1) (rounded down) or a count. Default: the rest after testSize. */
  trainSize?: number;
  /** Seed for the random assignment of rows. */
  seed: Seed;
  /** Shuffle before splitting. Default true; false takes the first rows for train and the next for test. */
  shuffle?: boolean;
}

export interface Split<T> {
  readonly train: Rows<T>;
  readonly test: Rows<T>;
}

function resolveSize(op: string, name: string, v: number, n: number, round: (x: number) => number): number {
  if (typeof v === "number" && v > 0 && v < 1) return round(v * n);
  if (!Number.isSafeInteger(v) || v < 0 || v > n) {
    throw new ValueError(`${op}: ${name} must be a fraction in (0, 1) or a row count in 0..${n}, got ${shown(v)}`);
  }
  return v;
}

/**
 * Split the rows of `data` at random into disjoint train and test sets (every row lands in at most
 * one; in exactly one unless both sizes are given and sum to less than the row count).
 *
 * @example
 * const { train, test } = datasets.trainTestSplit(datasets.digits(), { testSize: 0.5, seed: 0 });
 * train.images.shape; // [898, 64]; test.images.shape: [899, 64]
 */
export function trainTestSplit<T extends Columns<T>>(data: T, opts: SplitOptions): Split<T> {
  const op = "trainTestSplit";
  const n = rowCount(op, data);
  const seed = checkSeed(op, opts.seed);
  // A tolerance so that e.g. 0.3 * 10 = 3.0000000000000004 counts as 3 rows, not 4.
  const up = (x: number) => Math.ceil(x - 1e-9);
  const down = (x: number) => Math.floor(x + 1e-9);
  let nTest: number;
  let nTrain: number;
  if (opts.testSize === undefined && opts.trainSize === undefined) {
    nTest = up(0.25 * n);
    nTrain = n - nTest;
  } else if (opts.trainSize === undefined) {
    nTest = resolveSize(op, "testSize", opts.testSize as number, n, up);
    nTrain = n - nTest;
  } else if (opts.testSize === undefined) {
    nTrain = resolveSize(op, "trainSize", opts.trainSize, n, down);
    nTest = n - nTrain;
  } else {
    nTest = resolveSize(op, "testSize", opts.testSize, n, up);
    nTrain = resolveSize(op, "trainSize", opts.trainSize, n, down);
    if (nTest + nTrain > n) {
      throw new ValueError(`${op}: testSize (${nTest} rows) + trainSize (${nTrain} rows) exceed the ${n} rows of data`);
    }
  }
  const shuffle = opts.shuffle ?? true;
  const order = shuffle ? new Stream(seed).permutation(n) : range(0, n);
  // As scikit-learn: shuffled → test rows first; unshuffled → train is the leading rows.
  const [testIdx, trainIdx] = shuffle
    ? [order.slice(0, nTest), order.slice(nTest, nTest + nTrain)]
    : [order.slice(nTrain, nTrain + nTest), order.slice(0, nTrain)];
  return Object.freeze({ train: takeRows(data, trainIdx), test: takeRows(data, testIdx) });
}
