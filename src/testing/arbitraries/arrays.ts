/** fast-check arbitraries for axle arrays, shapes and dtypes. */
import fc from "fast-check";
import type { Array, DType } from "../../index.js";
import { arrayLike } from "../flat.js";

export interface ShapesOptions {
  /** Default 0. */
  minRank?: number;
  /** Default 3. */
  maxRank?: number;
  /** Default 1. */
  minDim?: number;
  /** Default 4. */
  maxDim?: number;
}

/**
 * Shapes (lists of dimension sizes).
 * @example fc.sample(shapes({ maxRank: 2 }), 1) // e.g. [[3, 1]]
 */
export function shapes(opts: ShapesOptions = {}): fc.Arbitrary<number[]> {
  const { minRank = 0, maxRank = 3, minDim = 1, maxDim = 4 } = opts;
  return fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * `n` shapes that broadcast together NumPy-style: one base shape, each copy with some leading
 * dims dropped and some dims set to 1.
 * @example fc.sample(broadcastableShapes(2), 1) // e.g. [[[2, 3], [1, 3]]]
 */
export function broadcastableShapes(n: number, opts: ShapesOptions = {}): fc.Arbitrary<number[][]> {
  return shapes(opts).chain((base) => {
    const one = fc
      .record({
        drop: fc.integer({ min: 0, max: base.length }),
        ones: fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }),
      })
      .map(({ drop, ones }) => base.slice(drop).map((d, k) => (ones[k + drop] ? 1 : d)));
    return fc.array(one, { minLength: n, maxLength: n });
  });
}

/**
 * A dtype from `allowed` (default: every dtype).
 * @example dtypes(["float32", "float64"])
 */
export function dtypes(allowed: readonly DType[] = ["float32", "float64", "int32", "uint32", "bool"]): fc.Arbitrary<DType> {
  return fc.constantFrom(...allowed);
}

export interface ArraysOptions extends ShapesOptions {
  /** A fixed shape; when omitted one is drawn with `shapes` (using the rank/dim options). */
  shape?: readonly number[];
  /** Default float32. */
  dtype?: DType;
  /** Smallest element (default -10; 0 for uint32). */
  min?: number;
  /** Largest element (default 10). */
  max?: number;
  /** Element values (overrides min/max), e.g. `fc.double(...).filter(...)` to avoid a kink. */
  elements?: fc.Arbitrary<number>;
}

/**
 * Reals in [min, max]: mostly uniform (fc.double alone favours tiny magnitudes), plus
 * fc.double's edge cases (bounds, ±0, tiny values).
 */
function reals(min: number, max: number, round: (x: number) => number): fc.Arbitrary<number> {
  const steps = 2 ** 30;
  const uniform = fc.integer({ min: 0, max: steps }).map((k) => round(min + (max - min) * (k / steps)));
  const edges = fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).map(round);
  return fc.oneof({ arbitrary: uniform, weight: 4 }, { arbitrary: edges, weight: 1 }).filter((v) => v >= min && v <= max);
}

function elementsOf(dtype: DType, min: number | undefined, max: number | undefined): fc.Arbitrary<number> {
  switch (dtype) {
    case "float32":
      return reals(min ?? -10, max ?? 10, Math.fround);
    case "float64":
      return reals(min ?? -10, max ?? 10, (x) => x);
    case "int32":
      return fc.integer({ min: Math.ceil(min ?? -10), max: Math.floor(max ?? 10) });
    case "uint32":
      return fc.integer({ min: Math.max(0, Math.ceil(min ?? 0)), max: Math.floor(max ?? 10) });
    case "bool":
      return fc.boolean().map((b) => (b ? 1 : 0));
  }
}

/**
 * axle arrays of finite values (no NaN or Infinity).
 * @example
 * fc.assert(fc.property(arrays({ dtype: "float64", min: 0.5, max: 3 }), (x) => np.log(x).max().item() < 1.1));
 */
export function arrays(opts: ArraysOptions = {}): fc.Arbitrary<Array> {
  const dtype = opts.dtype ?? "float32";
  const elems = opts.elements ?? elementsOf(dtype, opts.min, opts.max);
  const shapeArb = opts.shape !== undefined ? fc.constant([...opts.shape]) : shapes(opts);
  return shapeArb.chain((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc.array(elems, { minLength: size, maxLength: size }).map((vals) => arrayLike({ shape, dtype }, vals));
  });
}

/** A pytree of arrays: an array, a list of trees or an object of trees. */
export type ArrayTree = Array | ArrayTree[] | { [key: string]: ArrayTree };

export interface ArrayTreesOptions extends ShapesOptions {
  /** Leaf dtypes, drawn independently per leaf (default float32 and float64, mixed). */
  dtypes?: readonly DType[];
  /** Fewest leaves (default 1). */
  minLeaves?: number;
  /** Most leaves (default 4). */
  maxLeaves?: number;
  /** Smallest element (default -2). */
  min?: number;
  /** Largest element (default 2). */
  max?: number;
}

/**
 * Pytrees (nested lists and objects) of arrays whose leaves mix dtypes, by default float32 next to
 * float64: inputs for property tests of transforms over parameter trees, where each leaf must
 * keep its own dtype (gradients, Jacobian blocks, tangent and cotangent bases).
 * @example
 * fc.assert(fc.property(arrayTrees(), (p) => { checkGrads((t) => np.sum(tree.leaves(t)[0]), [p]); }));
 */
export function arrayTrees(opts: ArrayTreesOptions = {}): fc.Arbitrary<ArrayTree> {
  const { minLeaves = 1, maxLeaves = 4, min = -2, max = 2 } = opts;
  const leaf = dtypes(opts.dtypes ?? ["float32", "float64"]).chain((dtype) => arrays({ ...opts, dtype, min, max }));
  const build = (ls: readonly Array[]): fc.Arbitrary<ArrayTree> => {
    if (ls.length === 0) return fc.constantFrom<ArrayTree>([], {});
    if (ls.length === 1) return fc.constantFrom<ArrayTree>(ls[0], [ls[0]], { w: ls[0] });
    return fc
      .tuple(fc.integer({ min: 1, max: ls.length - 1 }), fc.boolean())
      .chain(([cut, asList]) =>
        fc.tuple(build(ls.slice(0, cut)), build(ls.slice(cut))).map(([a, b]): ArrayTree => (asList ? [a, b] : { a, b })),
      );
  };
  return fc.array(leaf, { minLength: minLeaves, maxLength: maxLeaves }).chain(build);
}
