/**
 * One spec per registered primitive: how to build valid inputs (shapes, params, value ranges
 * that avoid kinks and domain edges) and how to call the primitive. registry.test.ts runs
 * every law over every spec, and fails when a primitive has none.
 */
import fc from "fast-check";
import { bind, bind1 } from "../../src/core/trace.js";
import {
  type Array,
  ConcreteArray,
  cond,
  customJvp,
  customVjp,
  type DType,
  grad,
  jit,
  np,
  scan,
  switchCase,
  whileLoop,
} from "../../src/index.js";
import { lookupPrimitive, type Primitive } from "../../src/primitives/registry.js";
import { broadcastableShapes, shapes } from "../../src/testing/arbitraries/index.js";

/**
 * How a primitive's derivative is checked: "both" = checkGrads fwd+rev, "rev" = reverse only,
 * "fwd" = forward mode only (whileLoop: a data-dependent trip count has no reverse mode),
 * "zero" = the JVP tangent must be zero, "none" = no float inputs (nothing to differentiate).
 */
export type GradKind = "both" | "fwd" | "rev" | "zero" | "none";

export interface PrimitiveSpec<P = unknown> {
  name: string;
  /** Shapes and params. */
  setup: fc.Arbitrary<P>;
  /** Argument values for a setup (always the same shapes and dtypes for one setup). */
  args: (p: P) => fc.Arbitrary<Array[]>;
  /** The function under test, calling the primitive. */
  fn: (p: P) => (...xs: Array[]) => Array | Array[];
  grad: GradKind;
  /** Derivative order checked (default 2). */
  order?: number;
  /**
   * Kink points (abs at 0, pow at x = 0 with an integer exponent): there the derivative has a
   * documented value (JAX's convention) that central differences cannot check. The law compares
   * the forward- and reverse-mode derivative of each output element with respect to the same
   * element of argument `wrt` (the other arguments held fixed) with `deriv`.
   */
  kinks?: KinkSpec<P>;
}

export interface KinkSpec<P> {
  /** Shapes and params for the kink cases (every argument has the output's shape). */
  setup: fc.Arbitrary<P>;
  /** Arguments that contain kink points (and ordinary ones). */
  args: (p: P) => fc.Arbitrary<Array[]>;
  wrt: number;
  /** The derivative at one element, from the arguments' values there. */
  deriv: (p: P, xs: readonly number[]) => number;
}

// ---- value arbitraries ----

export function prim(name: string): Primitive {
  const p = lookupPrimitive(name);
  if (p === undefined) throw new Error(`no primitive named ${name}`);
  return p;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const range = (n: number): number[] => globalThis.Array.from({ length: n }, (_, i) => i);

function fromValues(shape: readonly number[], dtype: DType, vals: readonly number[]): Array {
  switch (dtype) {
    case "float64":
      return new ConcreteArray(shape, dtype, Float64Array.from(vals));
    case "float32":
      return new ConcreteArray(shape, dtype, Float32Array.from(vals));
    case "int32":
      return new ConcreteArray(shape, dtype, Int32Array.from(vals));
    case "uint32":
      return new ConcreteArray(shape, dtype, Uint32Array.from(vals));
    case "bool":
      return new ConcreteArray(shape, dtype, Uint8Array.from(vals));
  }
}

type Elems = fc.Arbitrary<number>;
/** Uniform reals in [min, max] (fc.double alone would mostly draw tiny magnitudes). */
const real = (min: number, max: number): Elems =>
  fc.integer({ min: 0, max: 2 ** 30 }).map((k) => min + (max - min) * (k / 2 ** 30));
/** |x| in [min, max], either sign: away from a kink at 0. */
const awayFromZero = (min: number, max: number): Elems =>
  fc.tuple(fc.boolean(), real(min, max)).map(([neg, v]) => (neg ? -v : v));
/** Mostly exact zeros (±0), the kink of abs and of x^n, mixed with ordinary values. */
const withZeros = (others: Elems): Elems => fc.oneof(fc.constantFrom(0, -0), others);
/** Points k·step + offset: ties and integer crossings are controlled. */
const grid = (step: number, offset = 0, k = 15): Elems => fc.integer({ min: -k, max: k }).map((i) => i * step + offset);
const bools: Elems = fc.boolean().map((b) => (b ? 1 : 0));

const arr = (shape: readonly number[], elems: Elems, dtype: DType = "float64"): fc.Arbitrary<Array> =>
  fc.array(elems, { minLength: size(shape), maxLength: size(shape) }).map((v) => fromValues(shape, dtype, v));

/** Float64 values that are pairwise ≥ 0.2 apart: no ties for max/min/argmax. */
const distinct = (shape: readonly number[]): fc.Arbitrary<Array> =>
  fc.uniqueArray(fc.integer({ min: -40, max: 40 }), { minLength: size(shape), maxLength: size(shape) }).map((v) =>
    fromValues(
      shape,
      "float64",
      v.map((k) => k / 5),
    ),
  );

const smallShape = (minRank = 0) => shapes({ minRank, maxRank: 3, minDim: 1, maxDim: 3 });
const axisOf = (shape: readonly number[]) => fc.integer({ min: 0, max: shape.length - 1 });
const axesOf = (shape: readonly number[]) => fc.subarray(range(shape.length));

// ---- spec builders ----

const spec = <P>(s: PrimitiveSpec<P>): PrimitiveSpec => s as unknown as PrimitiveSpec;

function unary(name: string, elems: Elems, grad: GradKind = "both", dtype: DType = "float64"): PrimitiveSpec {
  return spec({
    name,
    setup: smallShape(),
    args: (shape) => arr(shape, elems, dtype).map((x) => [x]),
    fn: () => (x) => bind1(prim(name), [x]),
    grad,
  });
}

function binary(name: string, ea: Elems, eb: Elems, grad: GradKind = "both", dtype: DType = "float64"): PrimitiveSpec {
  return spec({
    name,
    setup: broadcastableShapes(2, { maxRank: 3, maxDim: 3 }),
    args: ([sa, sb]) => fc.tuple(arr(sa, ea, dtype), arr(sb, eb, dtype)),
    fn: () => (a, b) => bind1(prim(name), [a, b]),
    grad,
  });
}

function reduction(name: string, values: (shape: number[]) => fc.Arbitrary<Array>): PrimitiveSpec {
  return spec({
    name,
    setup: smallShape().chain((shape) => fc.record({ shape: fc.constant(shape), axes: axesOf(shape) })),
    args: ({ shape }) => values(shape).map((x) => [x]),
    fn:
      ({ axes }) =>
      (x) =>
        bind1(prim(name), [x], { axes }),
    grad: "both",
  });
}

function argReduction(name: string): PrimitiveSpec {
  return spec({
    name,
    setup: smallShape(1).chain((shape) => fc.record({ shape: fc.constant(shape), axis: axisOf(shape) })),
    args: ({ shape }) => distinct(shape).map((x) => [x]),
    fn:
      ({ axis }) =>
      (x) =>
        bind1(prim(name), [x], { axis }),
    grad: "zero",
  });
}

const any = real(-3, 3);

// ---- movement setups ----

const reshapeSpec = spec({
  name: "reshape",
  setup: smallShape().chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      newShape: fc.constantFrom([size(shape)], [...shape].reverse(), [...shape, 1], [1, ...shape]),
    }),
  ),
  args: ({ shape }) => arr(shape, any).map((x) => [x]),
  fn:
    ({ newShape }) =>
    (x) =>
      bind1(prim("reshape"), [x], { newShape }),
  grad: "both",
});

const broadcastSpec = spec({
  name: "broadcast_in_dim",
  setup: smallShape().chain((out) =>
    fc
      .subarray(range(out.length))
      .chain((dims) =>
        fc
          .array(fc.boolean(), { minLength: dims.length, maxLength: dims.length })
          .map((ones) => ({ out, dims, operand: dims.map((d, i) => (ones[i] ? 1 : out[d])) })),
      ),
  ),
  args: ({ operand }) => arr(operand, any).map((x) => [x]),
  fn:
    ({ out, dims }) =>
    (x) =>
      bind1(prim("broadcast_in_dim"), [x], { shape: out, broadcastDimensions: dims }),
  grad: "both",
});

const transposeSpec = spec({
  name: "transpose",
  setup: smallShape().chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      permutation: fc.shuffledSubarray(range(shape.length), { minLength: shape.length, maxLength: shape.length }),
    }),
  ),
  args: ({ shape }) => arr(shape, any).map((x) => [x]),
  fn:
    ({ permutation }) =>
    (x) =>
      bind1(prim("transpose"), [x], { permutation }),
  grad: "both",
});

const sliceSpec = spec({
  name: "slice",
  setup: shapes({ minRank: 0, maxRank: 3, minDim: 1, maxDim: 4 }).chain((shape) =>
    fc
      .tuple(
        ...shape.map((n) =>
          fc.integer({ min: 0, max: n - 1 }).chain((s) =>
            fc.record({
              s: fc.constant(s),
              l: fc.integer({ min: s + 1, max: n }),
              st: fc.integer({ min: 1, max: 2 }),
            }),
          ),
        ),
      )
      .map((dims) => ({
        shape,
        start: dims.map((d) => d.s),
        limit: dims.map((d) => d.l),
        strides: dims.map((d) => d.st),
      })),
  ),
  args: ({ shape }) => arr(shape, any).map((x) => [x]),
  fn:
    ({ start, limit, strides }) =>
    (x) =>
      bind1(prim("slice"), [x], { start, limit, strides }),
  grad: "both",
});

const padSpec = spec({
  name: "pad",
  setup: smallShape().chain((shape) => {
    const per = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: shape.length, maxLength: shape.length });
    const interior = fc.array(fc.integer({ min: 0, max: 1 }), { minLength: shape.length, maxLength: shape.length });
    return fc.record({ shape: fc.constant(shape), lo: per, hi: per, interior, value: fc.constantFrom(0, 1.5) });
  }),
  args: ({ shape }) => arr(shape, any).map((x) => [x]),
  fn:
    ({ lo, hi, interior, value }) =>
    (x) =>
      bind1(prim("pad"), [x], { lo, hi, interior, value }),
  grad: "both",
});

const revSpec = spec({
  name: "rev",
  setup: smallShape().chain((shape) => fc.record({ shape: fc.constant(shape), axes: axesOf(shape) })),
  args: ({ shape }) => arr(shape, any).map((x) => [x]),
  fn:
    ({ axes }) =>
    (x) =>
      bind1(prim("rev"), [x], { axes }),
  grad: "both",
});

const concatSpec = spec({
  name: "concatenate",
  setup: smallShape(1).chain((shape) =>
    fc.record({
      axis: axisOf(shape),
      sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
      shape: fc.constant(shape),
    }),
  ),
  args: ({ shape, axis, sizes }) =>
    fc.tuple(
      ...sizes.map((n) =>
        arr(
          shape.map((d, i) => (i === axis ? n : d)),
          any,
        ),
      ),
    ),
  fn:
    ({ axis }) =>
    (...xs) =>
      bind1(prim("concatenate"), xs, { axis }),
  grad: "both",
});

type IndexMode = "raise" | "clip" | "fill" | "wrap";

/**
 * Indices for an axis of size n. Mode "raise" only accepts [-n, n); the other modes must give
 * the same answer on every path for indices beyond either end too, so draw those as well.
 */
const indices = (shape: readonly number[], n: number, mode: IndexMode) =>
  arr(shape, mode === "raise" ? fc.integer({ min: -n, max: n - 1 }) : fc.integer({ min: -2 * n - 1, max: 2 * n + 1 }), "int32");

/**
 * Operand shape, axis, index shape and mode; with batchDims = 1 the operand's first dim pairs
 * with the indices' first dim (what vmap builds), so example b's indices address only row b.
 * The fill value is finite (the NaN default is pinned in test/numpy/shape-ops.test.ts): the
 * derivative checks compare values.
 */
const gatherSetup = smallShape(1).chain((shape) =>
  fc
    .record({
      batchDims: fc.integer({ min: 0, max: Math.min(1, shape.length - 1) }),
      rest: shapes({ minRank: 0, maxRank: 2, minDim: 1, maxDim: 3 }),
      mode: fc.constantFrom<IndexMode>("raise", "clip", "fill", "wrap"),
      fillValue: fc.constantFrom(0, -1.5),
    })
    .chain(({ batchDims, rest, mode, fillValue }) =>
      fc.integer({ min: batchDims, max: shape.length - 1 }).map((axis) => ({
        shape,
        axis,
        batchDims,
        mode,
        fillValue,
        idx: [...shape.slice(0, batchDims), ...rest],
      })),
    ),
);

const gatherSpec = spec({
  name: "gather",
  setup: gatherSetup,
  args: ({ shape, axis, idx, mode }) => fc.tuple(arr(shape, any), indices(idx, shape[axis], mode)),
  fn:
    ({ axis, batchDims, mode, fillValue }) =>
    (x, i) =>
      bind1(prim("gather"), [x, i], { axis, batchDims, mode, fillValue }),
  grad: "both",
});

const scatterSpec = spec({
  name: "scatter_add",
  setup: gatherSetup,
  args: ({ shape, axis, idx, batchDims, mode }) =>
    fc.tuple(
      arr(shape, any),
      indices(idx, shape[axis], mode),
      arr([...shape.slice(0, axis), ...idx.slice(batchDims), ...shape.slice(axis + 1)], any),
    ),
  fn:
    ({ axis, batchDims, mode }) =>
    (op, i, upd) =>
      bind1(prim("scatter_add"), [op, i, upd], { axis, batchDims, mode }),
  grad: "both",
});

/** dot_general with random batch, contracting and free dims in random axis orders. */
const dotSpec = spec({
  name: "dot_general",
  setup: fc
    .record({
      b: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 1 }),
      k: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      m: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 1 }),
      n: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 1 }),
    })
    .chain(({ b, k, m, n }) => {
      const lhsDims = [...b.map((_, i) => `b${i}`), ...m.map((_, i) => `m${i}`), ...k.map((_, i) => `k${i}`)];
      const rhsDims = [...b.map((_, i) => `b${i}`), ...k.map((_, i) => `k${i}`), ...n.map((_, i) => `n${i}`)];
      const sizeOf = (d: string) => ({ b, k, m, n })[d[0] as "b" | "k" | "m" | "n"][Number(d.slice(1))];
      const perm = (ds: string[]) => fc.shuffledSubarray(ds, { minLength: ds.length, maxLength: ds.length });
      return fc.tuple(perm(lhsDims), perm(rhsDims)).map(([l, r]) => ({
        lhs: l.map(sizeOf),
        rhs: r.map(sizeOf),
        contracting: [k.map((_, i) => l.indexOf(`k${i}`)), k.map((_, i) => r.indexOf(`k${i}`))] as const,
        batch: [b.map((_, i) => l.indexOf(`b${i}`)), b.map((_, i) => r.indexOf(`b${i}`))] as const,
      }));
    }),
  args: ({ lhs, rhs }) => fc.tuple(arr(lhs, any), arr(rhs, any)),
  fn:
    ({ contracting, batch }) =>
    (l, r) =>
      bind1(prim("dot_general"), [l, r], { contracting, batch }),
  grad: "both",
});

const selectSpec = spec({
  name: "select",
  setup: broadcastableShapes(3, { maxRank: 3, maxDim: 3 }),
  args: ([sp, sa, sb]) => fc.tuple(arr(sp, bools, "bool"), arr(sa, any), arr(sb, any)),
  fn: () => (p, a, b) => bind1(prim("select"), [p, a, b]),
  grad: "both",
});

const convertSpec = spec({
  name: "convert_element_type",
  setup: fc.record({ shape: smallShape(), newDtype: fc.constantFrom<DType>("float32", "float64") }),
  args: ({ shape }) => arr(shape, any).map((x) => [x]),
  fn:
    ({ newDtype }) =>
    (x) =>
      bind1(prim("convert_element_type"), [x], { newDtype }),
  grad: "both",
});

// x = q·y with |q| at least 0.2 from an integer, so finite differences never cross one of
// rem's jumps (at x/y ∈ ℤ); integer dtypes are checked exactly in test/numpy/remainder.test.ts.
const quotients: Elems = fc.tuple(fc.integer({ min: -3, max: 3 }), real(0.2, 0.8)).map(([k, f]) => k + f);
const remSpec = spec({
  name: "rem",
  setup: smallShape(),
  args: (shape: number[]) =>
    fc.tuple(arr(shape, quotients), arr(shape, awayFromZero(0.5, 2))).map(([q, y]) => [np.multiply(q, y), y]),
  fn: () => (a, b) => bind1(prim("rem"), [a, b]),
  grad: "both",
});

// ---- integer bit primitives (random) ----

const uint32s: Elems = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const int32s: Elems = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

const threefrySpec = spec({
  name: "threefry2x32",
  setup: broadcastableShapes(4, { maxRank: 2, maxDim: 3 }),
  args: (ss: number[][]) => fc.tuple(...ss.map((sh) => arr(sh, uint32s, "uint32"))),
  fn: () => (k0, k1, c0, c1) => bind(prim("threefry2x32"), [k0, k1, c0, c1]),
  grad: "none",
});

function intBinary(name: string, shift: boolean): PrimitiveSpec {
  return spec({
    name,
    setup: fc.record({
      shapes: broadcastableShapes(2, { maxRank: 3, maxDim: 3 }),
      dtype: fc.constantFrom<DType>("int32", "uint32"),
    }),
    args: ({ shapes: [sa, sb], dtype }) => {
      const vals = dtype === "int32" ? int32s : uint32s;
      // Shifts of 32 or more (and negative ones) are defined too: include some.
      const rhs = shift ? fc.integer({ min: dtype === "int32" ? -2 : 0, max: 40 }) : vals;
      return fc.tuple(arr(sa, vals, dtype), arr(sb, rhs, dtype));
    },
    fn: () => (a, b) => bind1(prim(name), [a, b]),
    grad: "none",
  });
}

// ---- higher-order primitives, through their public entry points ----

const twoSame = spec({
  name: "",
  setup: smallShape(),
  args: (shape: number[]) => fc.tuple(arr(shape, any), arr(shape, any)),
  fn: () => () => [],
  grad: "both",
});

const jitted = jit(function jitBody(a: Array, b: Array) {
  return [
    np
      .sin(a)
      .mul(b)
      .add(np.exp(b.mul(0.5))),
    np.sum(a.mul(a)),
  ];
});

/**
 * cond with an integer (or bool) predicate `p`, and switchCase with an index that may be out of
 * range: the vmap law then batches predicates like [-1, 0, 2] and indices like [-2, 4], whose
 * per-example meaning (`p != 0`; clamping) every path must share. `p` is not differentiated,
 * so finite differences never cross branches.
 */
const condSetup = fc.record({
  shape: smallShape(),
  kind: fc.constantFrom("cond", "switch"),
  predDtype: fc.constantFrom<DType>("int32", "bool"),
});

const condSpec = spec({
  name: "cond",
  setup: condSetup,
  args: ({ shape, kind, predDtype }) =>
    fc.tuple(
      arr(shape, any),
      arr(shape, any),
      kind === "switch" || predDtype === "int32" ? arr([], fc.integer({ min: -3, max: 4 }), "int32") : arr([], bools, "bool"),
    ),
  fn:
    ({ kind }) =>
    (a, b, p) =>
      kind === "cond"
        ? cond(
            p,
            (x: Array, y: Array) => [np.sin(x).mul(y), np.sum(x.mul(x))],
            (x: Array, y: Array) => [x.sub(y), np.sum(y)],
            a,
            b,
          )
        : switchCase(
            p,
            [
              (x: Array, y: Array) => [np.sin(x).mul(y), np.sum(x.mul(x))],
              (x: Array, y: Array) => [x.sub(y), np.sum(y)],
              (x: Array, y: Array) => [np.exp(x.mul(0.5)), np.sum(x.mul(y))],
            ],
            a,
            b,
          ),
  grad: "both",
});

const scanBody = (a: Array, b: Array) => {
  const rows = a.ndim === 0 ? np.reshape(a, [1]) : a;
  const init = np.sum(b).mul(0.1);
  return scan((c: Array, x: Array) => [np.sin(c.add(x.sum())).mul(np.cos(b.sum())), c.mul(x)] as const, init, rows);
};

const whileBody = (a: Array, b: Array) =>
  whileLoop(
    (c: { i: Array; v: Array }) => c.i.lt(3),
    (c: { i: Array; v: Array }) => ({ i: c.i.add(1), v: np.sin(c.v).mul(0.5).add(a.mul(b)) }),
    { i: np.array(0, "int32"), v: a },
  ).v;

const sinTimes = customJvp(
  (x: Array) => np.sin(x).mul(x),
  ([x], [t]) => [np.sin(x).mul(x), t.mul(np.cos(x).mul(x).add(np.sin(x)))] as const,
);

const sinTimesVjp = customVjp<(x: Array, y: Array) => Array, readonly [Array, Array]>(
  (x, y) => np.sin(x).mul(y),
  (x: Array, y: Array) => [np.sin(x).mul(y), [x, y]] as const,
  ([x, y]: readonly [Array, Array], g: Array) => [g.mul(np.cos(x)).mul(y), g.mul(np.sin(x))],
);

const gradOfCustomVjp = grad((x: Array, y: Array) => np.sum(sinTimesVjp(x, y)), { argnums: [0, 1] });

// ---- integer_pow and pow: integer exponents, including the kink points x = 0 ----

const exponents = fc.constantFrom(-3, -2, -1, 0, 1, 2, 3, 5);

const integerPowSpec = spec({
  name: "integer_pow",
  setup: fc.record({ shape: smallShape(), y: exponents }),
  // x^n is a polynomial for n ≥ 0, smooth at 0: central differences check the rule there too.
  // For n < 0 the derivatives grow like |x|^(n-4) near 0, so central differences (eps 1e-4) at
  // order 2 stay within float64 tolerance only for |x| ≥ 0.9 (at 0.5 with n = -3 they drift 1e-5).
  args: ({ shape, y }) => arr(shape, y >= 0 ? withZeros(real(-2, 2)) : awayFromZero(0.9, 2)).map((x) => [x]),
  fn:
    ({ y }) =>
    (x) =>
      bind1(prim("integer_pow"), [x], { y }),
  grad: "both",
  kinks: {
    setup: fc.record({ shape: smallShape(), y: fc.constantFrom(0, 1, 2, 3) }),
    args: ({ shape }) => arr(shape, withZeros(real(-2, 2))).map((x) => [x]),
    wrt: 0,
    deriv: ({ y }, [x]) => (y === 0 ? 0 : y * x ** (y - 1)),
  },
});

/** Integer bases and exponents: exact wrap-around (beyond 2^53) under jit and vmap too. */
const integerPowIntSpec = spec({
  name: "integer_pow",
  setup: fc.record({ shape: smallShape(), y: fc.integer({ min: 0, max: 70 }), dtype: fc.constantFrom<DType>("int32", "uint32") }),
  args: ({ shape, dtype }) => arr(shape, dtype === "int32" ? int32s : uint32s, dtype).map((x) => [x]),
  fn:
    ({ y }) =>
    (x) =>
      bind1(prim("integer_pow"), [x], { y }),
  grad: "none",
});

const powSpec = spec({
  ...(binary("pow", real(0.5, 2), real(-2, 2)) as PrimitiveSpec<number[][]>),
  // d x^y / dx at x = 0 for integer y (0 for y = 0, not 0·0^-1 = NaN).
  kinks: {
    setup: smallShape().map((shape) => [shape, shape]),
    args: ([sa, sb]) => fc.tuple(arr(sa, withZeros(real(-2, 2))), arr(sb, fc.constantFrom(0, 1, 2, 3))),
    wrt: 0,
    deriv: (_p, [x, y]) => (y === 0 ? 0 : y * x ** (y - 1)),
  },
});

const intPowSpec = spec({
  name: "pow",
  setup: fc.record({
    shapes: broadcastableShapes(2, { maxRank: 2, maxDim: 3 }),
    dtype: fc.constantFrom<DType>("int32", "uint32"),
  }),
  args: ({ shapes: [sa, sb], dtype }) =>
    fc.tuple(
      arr(sa, dtype === "int32" ? int32s : uint32s, dtype),
      arr(sb, fc.integer({ min: dtype === "int32" ? -3 : 0, max: 70 }), dtype),
    ),
  fn: () => (a, b) => bind1(prim("pow"), [a, b]),
  grad: "none",
});

const absSpec = spec({
  ...(unary("abs", awayFromZero(0.2, 3)) as PrimitiveSpec<number[]>),
  // |x|' = 1 at x = 0 (and -0): select(x >= 0, t, -t), as in JAX.
  kinks: {
    setup: smallShape(),
    args: (shape) => arr(shape, withZeros(awayFromZero(0.2, 3))).map((x) => [x]),
    wrt: 0,
    deriv: (_p, [x]) => (x >= 0 ? 1 : -1),
  },
});

export const SPECS: readonly PrimitiveSpec[] = [
  reduction("reduce_sum", (s) => arr(s, any)),
  reduction("reduce_max", distinct),
  reduction("reduce_min", distinct),
  // A polynomial: smooth at zeros (one or several), which the pairwise product rule must get right.
  reduction("reduce_prod", (s) =>
    arr(s, fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: awayFromZero(0.5, 1.5), weight: 3 })),
  ),
  argReduction("argmax"),
  argReduction("argmin"),
  reshapeSpec,
  broadcastSpec,
  transposeSpec,
  sliceSpec,
  padSpec,
  revSpec,
  concatSpec,
  gatherSpec,
  scatterSpec,
  unary("neg", any),
  unary("exp", real(-2, 2)),
  unary("log", real(0.5, 3)),
  unary("log1p", real(-0.5, 2)),
  unary("expm1", real(-2, 2)),
  unary("sqrt", real(0.5, 3)),
  unary("rsqrt", real(0.5, 3)),
  unary("sin", any),
  unary("cos", any),
  unary("tan", real(-1, 1)),
  unary("tanh", real(-2, 2)),
  unary("logistic", any),
  absSpec,
  unary("sign", grid(0.5), "zero"),
  unary("floor", grid(0.5), "zero"),
  unary("ceil", grid(0.5), "zero"),
  unary("round", grid(0.5), "zero"),
  unary("is_finite", any, "zero"),
  unary("not", bools, "none", "bool"),
  binary("add", any, any),
  binary("sub", any, any),
  binary("mul", any, any),
  binary("div", any, awayFromZero(0.5, 2)),
  powSpec,
  intPowSpec,
  integerPowSpec,
  integerPowIntSpec,
  remSpec,
  // The operands sit on interleaved grids, so they are never within 0.1 of a tie.
  binary("max", grid(0.2), grid(0.2, 0.1)),
  binary("min", grid(0.2), grid(0.2, 0.1)),
  ...["eq", "ne", "lt", "le", "gt", "ge"].map((n) => binary(n, grid(0.5, 0, 3), grid(0.5, 0, 3), "zero")),
  binary("and", bools, bools, "none", "bool"),
  binary("or", bools, bools, "none", "bool"),
  selectSpec,
  convertSpec,
  unary("stop_gradient", any, "zero"),
  dotSpec,
  { ...twoSame, name: "jit_call", fn: () => (a, b) => jitted(a, b) },
  condSpec,
  // A loop over the rows of a, carrying a value that b scales (consts, carry and xs all differentiable).
  // Inputs in [-1, 1]: the body composes sin and cos of sums, whose third derivatives over
  // [-3, 3] are large enough that order-2 central differences (eps 1e-4) miss float64's tolerance
  // by rounding alone (seen: |diff| 2.1018e-5 against a bound of 2.1018e-5).
  spec({
    name: "scan",
    setup: smallShape(),
    args: (shape: number[]) => fc.tuple(arr(shape, real(-1, 1)), arr(shape, real(-1, 1))),
    fn: () => (a, b) => scanBody(a, b),
    grad: "both",
  }),
  // Forward mode only (the trip count is data-dependent): three steps of a smooth update.
  { ...twoSame, name: "while", fn: () => (a, b) => whileBody(a, b), grad: "fwd" },
  { ...twoSame, name: "custom_jvp_call", fn: () => (a, b) => sinTimes(a).add(b) },
  threefrySpec,
  intBinary("shift_right_logical", true),
  intBinary("bitwise_xor", false),
  // Only the reverse-mode rule of a customVjp function exists.
  { ...twoSame, name: "custom_vjp_call", fn: () => (a, b) => sinTimesVjp(a, b), grad: "rev" },
  // custom_lin is the linearised customVjp call: differentiate through its transpose (bwd).
  { ...twoSame, name: "custom_lin", fn: () => (a, b) => gradOfCustomVjp(a, b), grad: "rev", order: 1 },
];
