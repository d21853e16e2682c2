/**
 * Elementwise primitives. Binary ones broadcast NumPy-style (so eager code never materialises a
 * broadcast operand); operands must already share a dtype (the `np` layer promotes).
 */
import { type Array, type ConcreteArray, fullConcrete } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { checkDType, type DType, isFloat, isInteger } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import { type BDim, type Params, type Primitive, type Tangent, UndefPrimal, Zero } from "../core/primitive.js";
import type { CompareOp, ScalarExpr, UnaryOp } from "../core/scalar.js";
import * as S from "../core/scalar.js";
import { broadcastShapes, shapesEqual } from "../core/shape.js";
import { bind, bind1 } from "../core/trace.js";
import { onnxElementwise } from "../export/onnx/scalar.js";
import { runScalar } from "./elementwise-kernel.js";
import "./eager-fusion.js"; // installs eager fusion in the trace
import { broadcastInDim, moveAxis, reshape } from "./movement.js";
import { reduceSum } from "./reduce.js";
import { definePrimitive } from "./registry.js";
import { vectorizedBatch, zeroJvp } from "./rules.js";
import { instantiate } from "./zeros.js";

type DTypeClass = "float" | "numeric" | "bool" | "any";

function accepts(cls: DTypeClass, d: DType): boolean {
  switch (cls) {
    case "float":
      return isFloat(d);
    case "numeric":
      return d !== "bool";
    case "bool":
      return d === "bool";
    case "any":
      return true;
  }
}

const CLASS_HINT: Record<DTypeClass, string> = {
  float: "a floating dtype (float32 or float64); cast with astype('float32')",
  numeric: "a numeric dtype (not bool); cast with astype('float32') or astype('int32')",
  bool: "bool; compare first (e.g. x.gt(0)) or cast with astype('bool')",
  any: "any dtype",
};

function elementwiseAval(name: string, cls: DTypeClass, outBool: boolean, avals: readonly ShapedArray[]) {
  const d = avals[0].dtype;
  for (const a of avals) {
    if (a.dtype !== d) {
      throw new DTypeError(
        `${name}: operands have dtypes ${avals.map((x) => x.dtype).join(" and ")}; they must match ` +
          "(np functions promote automatically; cast with astype to call the primitive directly)",
      );
    }
  }
  if (!accepts(cls, d)) throw new DTypeError(`${name}: got ${avals.map((a) => a.str()).join(", ")}; expected ${CLASS_HINT[cls]}`);
  const shape = broadcastShapes(name, ...avals.map((a) => a.shape));
  return [new ShapedArray(shape, outBool ? "bool" : d)];
}

/**
 * Batching for broadcasting n-ary ops: move each batched operand's batch dim to the front and
 * pad its rank with size-1 dims, so per-example broadcasting lines up; unbatched operands
 * broadcast against the trailing dims unchanged.
 */
export function broadcastBatch(prim: () => Primitive) {
  return (args: readonly Array[], dims: readonly BDim[], params: Params): [Array[], BDim[]] => {
    const rank = Math.max(...args.map((a, i) => a.ndim - (dims[i] === null ? 0 : 1)));
    const moved = args.map((a, i) => {
      const d = dims[i];
      if (d === null) return a;
      const front = moveAxis(a, d, 0);
      const perEx = front.shape.slice(1);
      if (perEx.length === rank) return front;
      return reshape(front, [front.shape[0], ...new globalThis.Array<number>(rank - perEx.length).fill(1), ...perEx]);
    });
    const outs = bind(prim(), moved, params);
    return [outs, outs.map(() => 0)];
  };
}

/** Sum a cotangent of the broadcast output shape back down to an operand's `shape`. */
export function unbroadcast(ct: Array, shape: readonly number[]): Array {
  if (shapesEqual(ct.shape, shape)) return ct;
  const lead = ct.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < ct.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && ct.shape[i] !== 1)) axes.push(i);
  }
  const summed = axes.length > 0 ? reduceSum(ct, axes) : ct;
  return shapesEqual(summed.shape, shape) ? summed : reshape(summed, shape);
}

/** A tangent of an operand, broadcast to the output shape. */
function broadcastTangent(t: Array, shape: readonly number[]): Array {
  if (shapesEqual(t.shape, shape)) return t;
  const lead = shape.length - t.ndim;
  const squeezed: number[] = [];
  const dims: number[] = [];
  t.shape.forEach((d, i) => {
    if (d === 1 && shape[i + lead] !== 1) return;
    squeezed.push(d);
    dims.push(i + lead);
  });
  const base = squeezed.length === t.ndim ? t : reshape(t, squeezed);
  return broadcastInDim(base, shape, dims);
}

interface ElementwiseSpec<P extends Params> {
  arity: number;
  dtypes: DTypeClass;
  outBool?: boolean;
  /** The output element from the operands' elements (see `core/scalar.ts`). */
  scalar: (params: P, ...xs: ScalarExpr[]) => ScalarExpr;
  jvp: (primals: readonly Array[], tangents: readonly Tangent[], params: P, out: Array) => Tangent;
  transpose?: (ct: Tangent, args: readonly (Array | UndefPrimal)[], params: P) => (Tangent | null)[];
  batch?: Primitive<P>["batch"];
}

function defineElementwise<P extends Params = Params>(name: string, spec: ElementwiseSpec<P>): Primitive<P> {
  const outBool = spec.outBool ?? false;
  const self: Primitive<P> = definePrimitive<P>(name, {
    abstractEval: (avals) => elementwiseAval(name, spec.dtypes, outBool, avals),
    impl: (args, params) => {
      const [aval] = elementwiseAval(
        name,
        spec.dtypes,
        outBool,
        args.map((a) => a.aval),
      );
      return [runScalar(kernelKey(name, params), (...xs) => spec.scalar(params, ...xs), aval.shape, args)];
    },
    jvp: (primals, tangents, params) => {
      const out = bind1(self, primals, params);
      if (outBool || tangents.every((t) => t instanceof Zero)) return [[out], [new Zero(out.aval)]];
      const t = spec.jvp(primals, tangents, params, out);
      return [[out], [t instanceof Zero ? t : broadcastTangent(t, out.shape)]];
    },
    transpose: spec.transpose ? (cts, args, params) => spec.transpose!(cts[0], args, params) : null,
    batch:
      spec.batch ??
      (spec.arity === 1
        ? vectorizedBatch(() => self)
        : (broadcastBatch(() => self as unknown as Primitive) as Primitive<P>["batch"])),
    lower: { kind: "elementwise", scalar: spec.scalar as (params: Params, ...xs: ScalarExpr[]) => ScalarExpr },
    onnx: onnxElementwise(name, spec.scalar),
  });
  return self;
}

/** The eager kernel cache key of a primitive applied with `params` (which the lowering reads). */
export function kernelKey(name: string, params: Params): string {
  for (const _ in params) return `${name}${JSON.stringify(params)}`;
  return name;
}

// ---- Small helpers used by the rules (all bind primitives). ----

/** A scalar constant with `like`'s dtype (a weak scalar, made strong). */
export function scalar(value: number, like: Array | DType): ConcreteArray {
  return fullConcrete([], typeof like === "string" ? like : like.dtype, value);
}

const un = (p: () => Primitive) => (x: Array) => bind1(p(), [x]);
const bin = (p: () => Primitive) => (x: Array, y: Array) => bind1(p(), [x, y]);

function floatUnary(name: string, op: UnaryOp, jvp: (x: Array, t: Array, y: Array) => Array): Primitive {
  return defineElementwise(name, {
    arity: 1,
    dtypes: "float",
    scalar: (_p, x) => S.unary(op, x),
    jvp: ([x], [t], _p, y) => jvp(x, instantiate(t), y),
  });
}

// ---- Unary ----

export const negP = defineElementwise("neg", {
  arity: 1,
  dtypes: "numeric",
  scalar: (_p, x) => S.unary("neg", x),
  jvp: (_x, [t]) => neg(instantiate(t)),
  transpose: (ct) => [ct instanceof Zero ? ct : neg(ct)],
});
export const neg = un(() => negP);

export const expP = floatUnary("exp", "exp", (_x, t, y) => mul(t, y)); // d e^x = e^x dx
export const exp = un(() => expP);
export const logP = floatUnary("log", "log", (x, t) => div(t, x)); // d log x = dx / x
export const log = un(() => logP);
export const log1pP = floatUnary("log1p", "log1p", (x, t) => div(t, add(x, scalar(1, x))));
export const log1p = un(() => log1pP);
export const expm1P = floatUnary("expm1", "expm1", (_x, t, y) => mul(t, add(y, scalar(1, y))));
export const expm1 = un(() => expm1P);
// d sqrt(x) = dx / (2 sqrt(x))
export const sqrtP = floatUnary("sqrt", "sqrt", (_x, t, y) => div(t, mul(y, scalar(2, y))));
export const sqrt = un(() => sqrtP);
// d x^(-1/2) = -1/2 x^(-3/2) dx = -1/2 * y / x * dx
export const rsqrtP = defineElementwise("rsqrt", {
  arity: 1,
  dtypes: "float",
  scalar: (_p, x) => S.unary("rsqrt", x),
  jvp: ([x], [t], _p, y) => mul(instantiate(t), mul(div(y, x), scalar(-0.5, x))),
});
export const rsqrt = un(() => rsqrtP);
export const sinP = floatUnary("sin", "sin", (x, t) => mul(t, cos(x)));
export const sin = un(() => sinP);
export const cosP = floatUnary("cos", "cos", (x, t) => neg(mul(t, sin(x))));
export const cos = un(() => cosP);
// d tan x = (1 + tan² x) dx
export const tanP = floatUnary("tan", "tan", (_x, t, y) => mul(t, add(scalar(1, y), mul(y, y))));
export const tan = un(() => tanP);
// d tanh x = (1 - tanh² x) dx
export const tanhP = floatUnary("tanh", "tanh", (_x, t, y) => mul(t, sub(scalar(1, y), mul(y, y))));
export const tanh = un(() => tanhP);
// σ(x) = 1 / (1 + e^-x);  dσ = σ (1 - σ) dx
export const logisticP = defineElementwise("logistic", {
  arity: 1,
  dtypes: "float",
  scalar: (_p, x) => S.unary("logistic", x),
  jvp: (_x, [t], _p, y) => mul(instantiate(t), mul(y, sub(scalar(1, y), y))),
});
export const logistic = un(() => logisticP);

// d|x| = dx where x >= 0, -dx elsewhere: 1 at the kink x = 0, as in JAX (select(x >= 0, t, -t)).
export const absP = defineElementwise("abs", {
  arity: 1,
  dtypes: "numeric",
  scalar: (_p, x) => S.unary("abs", x),
  jvp: ([x], [t]) => {
    const dx = instantiate(t);
    return select(ge(x, scalar(0, x)), dx, neg(dx));
  },
});
export const abs = un(() => absP);

function zeroDerivUnary(name: string, dtypes: DTypeClass, op: UnaryOp, outBool = false) {
  const self: Primitive = defineElementwise(name, {
    arity: 1,
    dtypes,
    outBool,
    scalar: (_p, x) => S.unary(op, x),
    jvp: ([x]) => new Zero(x.aval),
  });
  return self;
}

export const signP = zeroDerivUnary("sign", "numeric", "sign");
export const sign = un(() => signP);
export const floorP = zeroDerivUnary("floor", "float", "floor");
export const floor = un(() => floorP);
export const ceilP = zeroDerivUnary("ceil", "float", "ceil");
export const ceil = un(() => ceilP);
// Round half to even, as NumPy and JAX do.
export const roundP = zeroDerivUnary("round", "float", "round");
export const round = un(() => roundP);
export const isFiniteP = zeroDerivUnary("is_finite", "float", "is_finite", true);
export const isFinite = un(() => isFiniteP);
export const notP = zeroDerivUnary("not", "bool", "not");
export const not = un(() => notP);

// ---- Binary ----

function linearBinaryTranspose(sign2: 1 | -1) {
  return (ct: Tangent, args: readonly (Array | UndefPrimal)[]): (Tangent | null)[] =>
    args.map((a, i) => {
      if (!(a instanceof UndefPrimal)) return null;
      if (ct instanceof Zero) return new Zero(a.aval);
      const c = unbroadcast(ct, a.aval.shape);
      return i === 1 && sign2 === -1 ? neg(c) : c;
    });
}

function addT(a: Tangent, b: Tangent): Tangent {
  if (a instanceof Zero) return b;
  if (b instanceof Zero) return a;
  return add(a, b);
}

export const addP = defineElementwise("add", {
  arity: 2,
  dtypes: "numeric",
  scalar: (_p, a, b) => S.binary("add", a, b),
  jvp: (_p, [ta, tb]) => addT(ta, tb),
  transpose: linearBinaryTranspose(1),
});
export const add = bin(() => addP);

export const subP = defineElementwise("sub", {
  arity: 2,
  dtypes: "numeric",
  scalar: (_p, a, b) => S.binary("sub", a, b),
  jvp: (_p, [ta, tb]) => addT(ta, tb instanceof Zero ? tb : neg(tb)),
  transpose: linearBinaryTranspose(-1),
});
export const sub = bin(() => subP);

// d(ab) = da b + a db. Linear in each operand when the other is fixed (transposable).
export const mulP = defineElementwise("mul", {
  arity: 2,
  dtypes: "numeric",
  scalar: (_p, a, b) => S.binary("mul", a, b),
  jvp: ([a, b], [ta, tb]) => addT(ta instanceof Zero ? ta : mul(ta, b), tb instanceof Zero ? tb : mul(a, tb)),
  transpose: (ct, [a, b]) => {
    if (a instanceof UndefPrimal && b instanceof UndefPrimal) {
      throw new DTypeError("mul: transpose of a product of two linear values (the function is not linear)");
    }
    if (a instanceof UndefPrimal)
      return [ct instanceof Zero ? new Zero(a.aval) : unbroadcast(mul(ct, b as Array), a.aval.shape), null];
    if (b instanceof UndefPrimal)
      return [null, ct instanceof Zero ? new Zero(b.aval) : unbroadcast(mul(a as Array, ct), b.aval.shape)];
    return [null, null];
  },
});
export const mul = bin(() => mulP);

// d(a/b) = da / b - (a/b) db / b. Linear in the numerator.
export const divP = defineElementwise("div", {
  arity: 2,
  dtypes: "numeric",
  scalar: (_p, a, b) => S.binary("div", a, b),
  jvp: ([, b], [ta, tb], _p, out) =>
    addT(ta instanceof Zero ? ta : div(ta, b), tb instanceof Zero ? tb : neg(div(mul(out, tb), b))),
  transpose: (ct, [a, b]) => {
    if (b instanceof UndefPrimal) throw new DTypeError("div: transpose with respect to the denominator (not linear)");
    if (!(a instanceof UndefPrimal)) return [null, null];
    return [ct instanceof Zero ? new Zero(a.aval) : unbroadcast(div(ct, b), a.aval.shape), null];
  },
});
export const div = bin(() => divP);

/**
 * rem(x, y) = x - y·trunc(x/y): C's fmod and XLA's `remainder`; the result has the sign of the
 * dividend. JS `%` is exactly that (and exact: fmod never rounds). Integer dtypes follow XLA:
 * x rem 0 = x, and INT32_MIN rem -1 = 0 (JS gives -0, stored as 0). np.remainder (the sign of the
 * divisor) and np.fmod are composites of it.
 * d rem = dx - trunc(x/y) dy, with trunc(q) = sign(q)·floor(|q|) as in JAX.
 */
export const remP = defineElementwise("rem", {
  arity: 2,
  dtypes: "numeric",
  scalar: (_p, a, b) => S.binary("rem", a, b),
  jvp: ([x, y], [tx, ty]) => {
    if (ty instanceof Zero) return tx;
    const q = div(x, y);
    return addT(tx, neg(mul(ty, mul(sign(q), floor(abs(q))))));
  },
});
export const rem = bin(() => remP);

// d(x^y) = y x^(y-1) dx + log(x) x^y dy. As in JAX, the exponent y - 1 is replaced by 1 where
// y = 0 (so d x^0 = 0·x dx = 0, not 0·0^-1 = NaN at x = 0), and the dy term is 0 where x = 0
// (instead of 0·-inf).
export const powP = defineElementwise("pow", {
  arity: 2,
  dtypes: "numeric",
  scalar: (_p, a, b) => S.binary("pow", a, b),
  jvp: ([x, y], [tx, ty], _p, out) => {
    const ym1 = select(eq(y, scalar(0, y)), broadcastLike(scalar(1, y), y), sub(y, scalar(1, y)));
    const dx = tx instanceof Zero ? tx : mul(tx, mul(y, pow(x, ym1)));
    if (ty instanceof Zero) return dx;
    const safeLog = log(select(eq(x, scalar(0, x)), broadcastLike(scalar(1, x), x), x));
    return addT(dx, mul(ty, mul(out, safeLog)));
  },
});
export const pow = bin(() => powP);

function broadcastLike(s: Array, like: Array): Array {
  return like.ndim === 0 ? s : broadcastInDim(s, like.shape, []);
}

// ---- integer_pow: x^y for a static integer y (JAX's integer_pow) ----

interface IntegerPowParams extends Params {
  y: number;
}

function integerPowAval([a]: readonly ShapedArray[], { y }: IntegerPowParams): ShapedArray[] {
  if (!Number.isSafeInteger(y)) {
    throw new DTypeError(`integer_pow: the exponent must be a (safe) integer, got ${y}; use np.power with an array exponent`);
  }
  if (a.dtype === "bool") throw new DTypeError(`integer_pow: got ${a.str()}; expected ${CLASS_HINT.numeric}`);
  if (y < 0 && isInteger(a.dtype)) {
    throw new DTypeError(
      `integer_pow: integers cannot be raised to a negative power (got ${a.str()} to the power ${y}); ` +
        "cast the base to a float first (x.astype('float32'))",
    );
  }
  return [a];
}

export const integerPowP: Primitive<IntegerPowParams> = definePrimitive<IntegerPowParams>("integer_pow", {
  abstractEval: integerPowAval,
  impl: ([a], params) => {
    integerPowAval([a.aval], params);
    return [runScalar(kernelKey("integer_pow", params), (x) => S.ipow(x, params.y), a.shape, [a])];
  },
  // d x^y = y x^(y-1) dx, with y - 1 an exact integer: 0 for y = 0 and dx for y = 1, even at x = 0.
  jvp: ([x], [t], params) => {
    const out = bind1(integerPowP, [x], params);
    const { y } = params;
    if (t instanceof Zero || !isFloat(x.dtype) || y === 0) return [[out], [new Zero(out.aval)]];
    if (y === 1) return [[out], [t]];
    const xm1 = y === 2 ? x : integerPow(x, y - 1);
    return [[out], [mul(t, mul(scalar(y, x), xm1))]];
  },
  transpose: null,
  batch: vectorizedBatch(() => integerPowP),
  lower: { kind: "elementwise", scalar: (p, x) => S.ipow(x, (p as IntegerPowParams).y) },
  onnx: onnxElementwise("integer_pow", (p: IntegerPowParams, x) => S.ipow(x, p.y)),
});
/** x^y for a JS integer y (kept as a param, so derivatives are exact at x = 0). */
export function integerPow(x: Array, y: number): Array {
  return bind1(integerPowP, [x], { y: y === 0 ? 0 : y });
}

// At ties the derivative is split evenly between the operands, as in JAX.
function minMaxJvp(isMax: boolean) {
  return ([a, b]: readonly Array[], [ta, tb]: readonly Tangent[], _p: Params, out: Array): Tangent => {
    const cmp = isMax ? gt : lt;
    const ties = mul(convert(eq(a, b), out.dtype), scalar(0.5, out));
    const wa = add(convert(cmp(a, b), out.dtype), ties);
    const wb = add(convert(cmp(b, a), out.dtype), ties);
    return addT(ta instanceof Zero ? ta : mul(ta, wa), tb instanceof Zero ? tb : mul(tb, wb));
  };
}

export const maxP = defineElementwise("max", {
  arity: 2,
  dtypes: "numeric",
  scalar: (_p, a, b) => S.binary("max", a, b),
  jvp: minMaxJvp(true),
});
export const max = bin(() => maxP);
export const minP = defineElementwise("min", {
  arity: 2,
  dtypes: "numeric",
  scalar: (_p, a, b) => S.binary("min", a, b),
  jvp: minMaxJvp(false),
});
export const min = bin(() => minP);

function comparison(name: string, op: CompareOp) {
  return defineElementwise(name, {
    arity: 2,
    dtypes: "any",
    outBool: true,
    scalar: (_p, a, b) => S.compare(op, a, b),
    jvp: ([a]) => new Zero(a.aval),
  });
}
export const eqP = comparison("eq", "eq");
export const eq = bin(() => eqP);
export const neP = comparison("ne", "ne");
export const ne = bin(() => neP);
export const ltP = comparison("lt", "lt");
export const lt = bin(() => ltP);
export const leP = comparison("le", "le");
export const le = bin(() => leP);
export const gtP = comparison("gt", "gt");
export const gt = bin(() => gtP);
export const geP = comparison("ge", "ge");
export const ge = bin(() => geP);

export const andP = defineElementwise("and", {
  arity: 2,
  dtypes: "bool",
  scalar: (_p, a, b) => S.binary("and", a, b),
  jvp: ([a]) => new Zero(a.aval),
});
export const and = bin(() => andP);
export const orP = defineElementwise("or", {
  arity: 2,
  dtypes: "bool",
  scalar: (_p, a, b) => S.binary("or", a, b),
  jvp: ([a]) => new Zero(a.aval),
});
export const or = bin(() => orP);

// ---- select (where) ----

function selectAval(avals: readonly ShapedArray[]): ShapedArray[] {
  const [p, a, b] = avals;
  if (p.dtype !== "bool") {
    throw new DTypeError(`select: the condition must be bool, got ${p.str()}; compare first (e.g. x.gt(0))`);
  }
  if (a.dtype !== b.dtype) {
    throw new DTypeError(`select: the branches have dtypes ${a.dtype} and ${b.dtype}; they must match`);
  }
  return [new ShapedArray(broadcastShapes("select", p.shape, a.shape, b.shape), a.dtype)];
}

/** `select(p, a, b)`: a where p is true, b elsewhere (broadcasting all three). */
export const selectP: Primitive = definePrimitive("select", {
  abstractEval: selectAval,
  impl: (args) => {
    const [aval] = selectAval(args.map((a) => a.aval));
    return [runScalar("select", S.select, aval.shape, args)];
  },
  jvp: ([p, a, b], [, ta, tb]) => {
    const out = select(p, a, b);
    if (ta instanceof Zero && tb instanceof Zero) return [[out], [new Zero(out.aval)]];
    const t = select(p, instantiate(ta), instantiate(tb));
    return [[out], [broadcastTangent(t, out.shape)]];
  },
  transpose: ([ct], [p, a, b]) => {
    if (p instanceof UndefPrimal) throw new DTypeError("select: the condition cannot be a linear input");
    const one = (x: Array | UndefPrimal, keep: boolean): Tangent | null => {
      if (!(x instanceof UndefPrimal)) return null;
      if (ct instanceof Zero) return new Zero(x.aval);
      const z = broadcastLike(scalar(0, ct), ct);
      return unbroadcast(keep ? select(p, ct, z) : select(p, z, ct), x.aval.shape);
    };
    return [null, one(a, true), one(b, false)];
  },
  batch: broadcastBatch(() => selectP),
  lower: { kind: "elementwise", scalar: (_p, c, a, b) => S.select(c, a, b) },
  onnx: onnxElementwise("select", (_p, c, a, b) => S.select(c, a, b)),
});
export function select(p: Array, a: Array, b: Array): Array {
  return bind1(selectP, [p, a, b]);
}

// ---- dtype conversion ----

interface ConvertParams extends Params {
  newDtype: DType;
  /** The result is weakly typed (set only by promotion among weak values; absent means false). */
  weak?: true;
}

// convert_element_type follows XLA (as `castScalar` states): float → int truncates toward zero and
// saturates (NaN → 0); int → int wraps (int32 -1 → uint32 4294967295); → bool is `x != 0` (NaN is true).
function convertAval(a: ShapedArray, newDtype: unknown): ShapedArray {
  return new ShapedArray(a.shape, checkDType("convert_element_type", newDtype));
}

export const convertP: Primitive<ConvertParams> = definePrimitive<ConvertParams>("convert_element_type", {
  abstractEval: ([a], { newDtype, weak }) => [convertAval(a, newDtype).withWeak(weak === true)],
  weakType: "own",
  impl: ([a], { newDtype, weak }) => {
    convertAval(a.aval, newDtype);
    const out = a.dtype === newDtype ? a : runScalar(`convert_${newDtype}`, (x) => S.cast(x, newDtype), a.shape, [a]);
    return [out.withWeak(weak === true)];
  },
  // Differentiable between float dtypes only; to or from integers the tangent is zero.
  jvp: ([a], [t], params) => {
    const out = bind1(convertP, [a], params);
    if (t instanceof Zero || !isFloat(a.dtype) || !isFloat(params.newDtype)) return [[out], [new Zero(out.aval)]];
    return [[out], [bind1(convertP, [t], params)]];
  },
  transpose: ([ct], [a]) => {
    const aval = (a as UndefPrimal).aval;
    if (ct instanceof Zero) return [new Zero(aval)];
    return [bind1(convertP, [ct], aval.weakType ? { newDtype: aval.dtype, weak: true } : { newDtype: aval.dtype })];
  },
  batch: vectorizedBatch(() => convertP),
  lower: { kind: "elementwise", scalar: (p, x) => S.cast(x, (p as ConvertParams).newDtype) },
  onnx: onnxElementwise("convert_element_type", (p: ConvertParams, x) => S.cast(x, p.newDtype)),
});
/**
 * `x` as `newDtype`, weakly typed when `weak` (JAX's `convert_element_type(..., weak_type)`); a
 * weak `x` converted to its own dtype becomes strong, as `astype` makes it.
 */
export function convert(x: Array, newDtype: DType, weak = false): Array {
  if (x.dtype === newDtype && x.weakType === weak) return x;
  return bind1(convertP, [x], weak ? { newDtype, weak: true } : { newDtype });
}

// ---- stop_gradient ----

export const stopGradientP: Primitive = definePrimitive("stop_gradient", {
  abstractEval: ([a]) => [a],
  impl: ([a]) => [a],
  jvp: zeroJvp(() => stopGradientP),
  transpose: null,
  batch: vectorizedBatch(() => stopGradientP),
  lower: { kind: "elementwise", scalar: (_p, x) => x },
  onnx: onnxElementwise("stop_gradient", (_p, x) => x),
});
