/**
 * Small synthetic 2-D classification sets for demos and tests. Every set takes a numeric `seed`
 * (any integer) and is a pure function of its options: the same options give the same arrays.
 * Labels are interleaved — row i has class i mod k — so every class is (as nearly as possible)
 * equally represented and any prefix of the rows is balanced.
 */
import { ConcreteArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import { checkSeed, type Seed, Stream, shown } from "./prng.js";

/** A labelled 2-D point set: `x` f32[n, 2], `y` i32[n] (class ids 0..k-1). */
export interface Points2d {
  readonly x: ConcreteArray;
  readonly y: ConcreteArray;
}

function checkCount(op: string, name: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw new ValueError(`${op}: ${name} must be an integer ≥ ${min}, got ${shown(v)}`);
  }
  return v;
}

function checkNonNegative(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new ValueError(`${op}: ${name} must be a finite number ≥ 0, got ${shown(v)}`);
  }
  return v;
}

/**
 * Build n points: `point(cls, j, m, rng)` gives the j-th of the m points of class `cls`; row i is
 * the (i div k)-th point of class i mod k.
 */
function generate(
  n: number,
  k: number,
  seed: number,
  point: (cls: number, j: number, m: number, rng: Stream) => readonly [number, number],
): Points2d {
  const rng = new Stream(seed);
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % k;
    const m = Math.floor(n / k) + (cls < n % k ? 1 : 0);
    const [a, b] = point(cls, Math.floor(i / k), m, rng);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = cls;
  }
  return Object.freeze({ x: new ConcreteArray([n, 2], "float32", x), y: new ConcreteArray([n], "int32", y) });
}

export interface BlobsOptions {
  /** Number of points. */
  n: number;
  /** Explicit class centers; class c is drawn around `centers[c]`. */
  centers?: readonly (readonly [number, number])[];
  /** Number of classes when `centers` is not given: centers are then drawn uniformly in [-10, 10]². Default 3. */
  k?: number;
  /** Standard deviation of each blob (isotropic). Default 1. */
  std?: number;
  seed: Seed;
}

/**
 * Isotropic Gaussian blobs, one per class (as scikit-learn's make_blobs).
 *
 * @example
 * const { x, y } = datasets.blobs({ n: 300, k: 3, std: 0.5, seed: 0 });
 * x.shape; // [300, 2]; y holds 0, 1, 2, 100 each
 */
export function blobs(opts: BlobsOptions): Points2d {
  const op = "blobs";
  const n = checkCount(op, "n", opts.n, 1);
  const seed = checkSeed(op, opts.seed);
  const std = checkNonNegative(op, "std", opts.std ?? 1);
  if (opts.centers !== undefined && opts.k !== undefined) {
    throw new ValueError(`${op}: pass either centers (the points) or k (how many random centers), not both`);
  }
  let centers: readonly (readonly [number, number])[];
  if (opts.centers !== undefined) {
    centers = opts.centers;
    if (centers.length === 0 || centers.some((c) => c.length !== 2 || !c.every(Number.isFinite))) {
      throw new ValueError(`${op}: centers must be a non-empty list of finite [x, y] pairs, got ${JSON.stringify(centers)}`);
    }
  } else {
    const k = checkCount(op, "k", opts.k ?? 3, 1);
    // Centers come from their own stream (seed-derived) so they do not depend on n.
    const crng = new Stream(seed, 1);
    centers = Array.from({ length: k }, () => [crng.between(-10, 10), crng.between(-10, 10)] as const);
  }
  return generate(n, centers.length, seed, (c, _j, _m, rng) => [
    centers[c][0] + std * rng.normal(),
    centers[c][1] + std * rng.normal(),
  ]);
}

export interface MoonsOptions {
  n: number;
  /** Standard deviation of Gaussian noise added to each coordinate. Default 0. */
  noise?: number;
  seed: Seed;
}

/**
 * Two interleaving half circles (as scikit-learn's make_moons): class 0 is the upper arc of the unit
 * circle, class 1 the lower arc shifted to (1, 0.5). Not linearly separable.
 *
 * @example
 * const { x, y } = datasets.moons({ n: 200, noise: 0.1, seed: 1 });
 */
export function moons(opts: MoonsOptions): Points2d {
  const op = "moons";
  const n = checkCount(op, "n", opts.n, 1);
  const seed = checkSeed(op, opts.seed);
  const noise = checkNonNegative(op, "noise", opts.noise ?? 0);
  return generate(n, 2, seed, (c, j, m, rng) => {
    const t = m === 1 ? 0 : (Math.PI * j) / (m - 1);
    const [a, b] = c === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    return [a + noise * rng.normal(), b + noise * rng.normal()];
  });
}

export interface SpiralsOptions {
  n: number;
  /** Number of arms, one class each. Default 2. */
  classes?: number;
  /** Standard deviation of Gaussian noise added to each coordinate. Default 0. */
  noise?: number;
  seed: Seed;
}

/**
 * Interleaved spiral arms around the origin, one per class; each arm makes one full turn while its
 * radius grows to 1. Needs a non-linear model.
 *
 * @example
 * const { x, y } = datasets.spirals({ n: 300, classes: 3, noise: 0.02, seed: 0 });
 */
export function spirals(opts: SpiralsOptions): Points2d {
  const op = "spirals";
  const n = checkCount(op, "n", opts.n, 1);
  const k = checkCount(op, "classes", opts.classes ?? 2, 1);
  const seed = checkSeed(op, opts.seed);
  const noise = checkNonNegative(op, "noise", opts.noise ?? 0);
  return generate(n, k, seed, (c, j, m, rng) => {
    // r starts at 1/m, not 0, so no two arms share a point (the origin) with different labels.
    const r = (j + 1) / m;
    const t = (2 * Math.PI * c) / k + 2 * Math.PI * r;
    return [r * Math.cos(t) + noise * rng.normal(), r * Math.sin(t) + noise * rng.normal()];
  });
}

export interface ThreeClassOptions {
  n: number;
  seed: Seed;
}

/**
 * Three classes in concentric regions: class 0 a disk of radius 1, class 1 a ring of radii 1.5–2.5,
 * class 2 a ring of radii 3–4 (points uniform by area). Separable by radius, but no line separates
 * class 0 from class 1, so a linear classifier cannot fit it.
 *
 * @example
 * const { x, y } = datasets.threeClass({ n: 300, seed: 0 });
 */
export function threeClass(opts: ThreeClassOptions): Points2d {
  const op = "threeClass";
  const n = checkCount(op, "n", opts.n, 1);
  const seed = checkSeed(op, opts.seed);
  const bands: readonly (readonly [number, number])[] = [
    [0, 1],
    [1.5, 2.5],
    [3, 4],
  ];
  return generate(n, 3, seed, (c, _j, _m, rng) => {
    const [r0, r1] = bands[c];
    // Uniform by area within the annulus: r² uniform between r0² and r1².
    const r = Math.sqrt(rng.between(r0 * r0, r1 * r1));
    const t = rng.between(0, 2 * Math.PI);
    return [r * Math.cos(t), r * Math.sin(t)];
  });
}

export interface LinearlySeparableOptions {
  n: number;
  seed: Seed;
  /** Width of the empty band between the classes (each point is ≥ margin/2 from the boundary, up to float32 rounding). Default 0.5. */
  margin?: number;
}

/**
 * Two classes on either side of a random line through the origin, with an empty band of width
 * `margin` between them; points spread over roughly [-3, 3]². A perceptron or logistic regression
 * separates them exactly.
 *
 * @example
 * const { x, y } = datasets.linearlySeparable({ n: 100, seed: 0, margin: 1 });
 */
export function linearlySeparable(opts: LinearlySeparableOptions): Points2d {
  const op = "linearlySeparable";
  const n = checkCount(op, "n", opts.n, 1);
  const seed = checkSeed(op, opts.seed);
  const margin = checkNonNegative(op, "margin", opts.margin ?? 0.5);
  const angle = new Stream(seed, 1).between(0, 2 * Math.PI);
  const [wx, wy] = [Math.cos(angle), Math.sin(angle)]; // unit normal of the boundary
  return generate(n, 2, seed, (c, _j, _m, rng) => {
    const along = rng.between(-3, 3);
    const dist = (margin / 2 + rng.between(0, 2)) * (c === 1 ? 1 : -1);
    return [along * -wy + dist * wx, along * wx + dist * wy];
  });
}
