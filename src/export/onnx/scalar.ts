/**
 * The ONNX rule shared by every elementwise primitive: its scalar expression (`core/scalar.ts`,
 * the lowering every backend compiles) translated node by node to ONNX operators, which
 * broadcast NumPy-style as axle's elementwise primitives do. Where an ONNX operator's meaning
 * differs from axle's (integer division by zero, float → int casts out of range, shifts of 32 or
 * more), the translation adds the guards that give axle's result.
 */
import type { ShapedArray } from "../../core/aval.js";
import { type DType, isFloat } from "../../core/dtype.js";
import type { Params } from "../../core/primitive.js";
import { exprKey, inputsOf, type ScalarExpr, shareCommon } from "../../core/scalar.js";
import { where } from "./ops.js";
import type { OnnxContext, OnnxRule } from "./types.js";

const UNARY: Partial<Record<string, string>> = {
  abs: "Abs",
  sign: "Sign",
  floor: "Floor",
  ceil: "Ceil",
  round: "Round", // half to even, as axle
  sqrt: "Sqrt",
  exp: "Exp",
  log: "Log",
  sin: "Sin",
  cos: "Cos",
  tan: "Tan",
  tanh: "Tanh",
  logistic: "Sigmoid",
  not: "Not",
};

const COMPARE: Record<string, string> = { eq: "Equal", lt: "Less", le: "LessOrEqual", gt: "Greater", ge: "GreaterOrEqual" };

const INT_RANGE: Partial<Record<DType, [number, number]>> = { int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };

/** The ONNX rule of an elementwise primitive named `name` whose lowering is `scalar`. */
export function onnxElementwise<P extends Params>(
  name: string,
  scalar: (params: P, ...xs: ScalarExpr[]) => ScalarExpr,
): OnnxRule<P> {
  return (ctx, inputs, params, inAvals) => {
    const expr = shareCommon(scalar(params, ...inputsOf(inAvals.map((a: ShapedArray) => a.dtype))));
    const memo = new Map<ScalarExpr, string>();
    const emit = (e: ScalarExpr): string => {
      const hit = memo.get(e);
      if (hit !== undefined) return hit;
      const out = translate(ctx, name, e, inputs, emit);
      memo.set(e, out);
      return out;
    };
    // An expression that is just an input (stop_gradient) still needs a node of its own output.
    const out = emit(expr);
    return [expr.k === "input" ? ctx.op("Identity", [out]) : out];
  };
}

function translate(
  ctx: OnnxContext,
  name: string,
  e: ScalarExpr,
  inputs: readonly string[],
  emit: (e: ScalarExpr) => string,
): string {
  const d = e.dtype;
  const k = (v: number, dt: DType = d) => ctx.scalar(v, dt);
  switch (e.k) {
    case "const":
      return k(e.value);
    case "input":
      return inputs[e.index];
    case "unary": {
      const x = emit(e.x);
      switch (e.op) {
        case "neg":
          return d === "uint32" ? ctx.op("Sub", [k(0), x]) : ctx.op("Neg", [x]);
        case "abs":
          return d === "uint32" ? ctx.op("Identity", [x]) : ctx.op("Abs", [x]);
        case "tan":
          // ONNX Runtime's Tan has no float64 kernel: sin/cos (within an ulp or two of tan).
          return d === "float64" ? ctx.op("Div", [ctx.op("Sin", [x]), ctx.op("Cos", [x])]) : ctx.op("Tan", [x]);
        case "rsqrt":
          return ctx.op("Reciprocal", [ctx.op("Sqrt", [x])]);
        case "is_finite":
          return ctx.op("Not", [ctx.op("Or", [ctx.op("IsInf", [x]), ctx.op("IsNaN", [x])])]);
        case "log1p": {
          // log(u)·x/(u-1) with u = 1 + x is accurate for small x (Goldberg); far from 0, log(u) is.
          const u = ctx.op("Add", [k(1), x]);
          const lu = ctx.op("Log", [u]);
          const small = ctx.op("Div", [ctx.op("Mul", [lu, x]), ctx.op("Sub", [u, k(1)])]);
          const near = ctx.op("Where", [ctx.op("Equal", [u, k(1)]), x, small]);
          return ctx.op("Where", [ctx.op("Greater", [ctx.op("Abs", [x]), k(0.5)]), lu, near]);
        }
        case "expm1": {
          // (u-1)·x/log(u) with u = e^x is accurate for small x (Kahan); far from 0, u - 1 is.
          const u = ctx.op("Exp", [x]);
          const um1 = ctx.op("Sub", [u, k(1)]);
          const small = ctx.op("Div", [ctx.op("Mul", [um1, x]), ctx.op("Log", [u])]);
          const near = ctx.op("Where", [ctx.op("Equal", [u, k(1)]), x, small]);
          return ctx.op("Where", [ctx.op("Greater", [ctx.op("Abs", [x]), k(0.5)]), um1, near]);
        }
        default:
          return ctx.op(UNARY[e.op] as string, [x]);
      }
    }
    case "ipow":
      return ipow(ctx, emit(e.x), e.n, d);
    case "binary": {
      const a = emit(e.a);
      const b = emit(e.b);
      switch (e.op) {
        case "add":
          return ctx.op("Add", [a, b]);
        case "sub":
          return ctx.op("Sub", [a, b]);
        case "mul":
          return ctx.op("Mul", [a, b]);
        case "max":
          return ctx.op("Max", [a, b]);
        case "min":
          return ctx.op("Min", [a, b]);
        case "div":
        case "rem":
          return isFloat(d)
            ? e.op === "div"
              ? ctx.op("Div", [a, b])
              : ctx.op("Mod", [a, b], { fmod: 1 })
            : intDivRem(ctx, e.op, a, b, d);
        case "pow":
          return isFloat(d) ? ctx.op("Pow", [a, b]) : intPow(ctx, a, b, d);
        case "and":
        case "or":
        case "xor": {
          const op = { and: "And", or: "Or", xor: "Xor" }[e.op];
          return ctx.op(d === "bool" ? op : `Bitwise${op}`, [a, b]);
        }
        case "shr_logical": {
          // BitShift takes unsigned operands only: shift int32 bits as uint32 (a negative shift
          // becomes a huge one); shifts of 32 or more give 0, as in axle (C leaves them undefined).
          const au = d === "uint32" ? a : ctx.op("Cast", [a], { to: 12 });
          const bu = d === "uint32" ? b : ctx.op("Cast", [b], { to: 12 });
          const shifted = ctx.op("BitShift", [au, ctx.op("Min", [bu, k(31, "uint32")])], { direction: "RIGHT" });
          const r = where(ctx, ctx.op("GreaterOrEqual", [bu, k(32, "uint32")]), k(0, "uint32"), shifted, "uint32");
          return d === "uint32" ? r : ctx.op("Cast", [r], { to: 6 });
        }
      }
      break;
    }
    case "compare": {
      let a = emit(e.a);
      let b = emit(e.b);
      if (e.a.dtype === "bool" && e.op !== "eq" && e.op !== "ne") {
        a = ctx.op("Cast", [a], { to: 6 });
        b = ctx.op("Cast", [b], { to: 6 });
      }
      if (e.op === "ne") return ctx.op("Not", [ctx.op("Equal", [a, b])]);
      return ctx.op(COMPARE[e.op], [a, b]);
    }
    case "select":
      return where(ctx, emit(e.cond), emit(e.a), emit(e.b), d);
    case "cast":
      return cast(ctx, emit(e.x), e.x.dtype, d);
  }
  return ctx.unsupported(name, `no ONNX translation of its scalar node ${exprKey(e)}`);
}

/** x^n by repeated squaring (exact, wrapping for integers); floats with a negative n take 1/x^|n|. */
function ipow(ctx: OnnxContext, x: string, n: number, d: DType): string {
  // Floats: Pow (x^0 = 1 even for NaN and inf, as Math.pow), except x·x, exact like axle's.
  if (isFloat(d) && n !== 1 && n !== 2) return ctx.op("Pow", [x, ctx.scalar(n, d)]);
  if (n === 0) return ctx.op("Add", [ctx.op("Mul", [x, ctx.scalar(0, d)]), ctx.scalar(1, d)]);
  let acc: string | null = null;
  let base = x;
  for (let m = n; m > 0; m = Math.floor(m / 2)) {
    if (m % 2 === 1) acc = acc === null ? base : ctx.op("Mul", [acc, base]);
    if (m > 1) base = ctx.op("Mul", [base, base]);
  }
  return acc === x ? ctx.op("Identity", [x]) : (acc as string);
}

/**
 * Integer x^e with an array exponent, as axle computes it: 32 unrolled steps of repeated
 * squaring on e's bits (wrapping products); a negative e gives 1 for x = 1, ±1 for x = -1, else 0.
 */
function intPow(ctx: OnnxContext, x: string, e: string, d: DType): string {
  const eu = d === "uint32" ? e : ctx.op("Cast", [e], { to: 12 });
  const one = ctx.scalar(1, d);
  let acc = ctx.op("Add", [ctx.op("Mul", [x, ctx.scalar(0, d)]), one]);
  let base = x;
  for (let k = 0; k < 32; k++) {
    const bit = ctx.op("BitwiseAnd", [
      ctx.op("BitShift", [eu, ctx.scalar(k, "uint32")], { direction: "RIGHT" }),
      ctx.scalar(1, "uint32"),
    ]);
    const on = ctx.op("Equal", [bit, ctx.scalar(1, "uint32")]);
    acc = where(ctx, on, ctx.op("Mul", [acc, base]), acc, d);
    if (k < 31) base = ctx.op("Mul", [base, base]);
  }
  if (d === "uint32") return acc;
  const neg = ctx.op("Less", [e, ctx.scalar(0, d)]);
  const odd = ctx.op("Equal", [ctx.op("BitwiseAnd", [e, one]), one]);
  const m1 = where(ctx, odd, ctx.scalar(-1, d), one, d);
  const negPow = where(
    ctx,
    ctx.op("Equal", [x, one]),
    one,
    where(ctx, ctx.op("Equal", [x, ctx.scalar(-1, d)]), m1, ctx.scalar(0, d), d),
    d,
  );
  return where(ctx, neg, negPow, acc, d);
}

/**
 * Integer division and remainder as axle defines them: truncating, x / 0 = 0, x rem 0 = x, and
 * INT32_MIN / -1 wraps (ONNX leaves division by zero undefined and it traps on x86).
 */
function intDivRem(ctx: OnnxContext, op: "div" | "rem", a: string, b: string, d: DType): string {
  const zero = ctx.op("Equal", [b, ctx.scalar(0, d)]);
  const m1 = d === "int32" ? ctx.op("Equal", [b, ctx.scalar(-1, d)]) : null;
  const bad = m1 === null ? zero : ctx.op("Or", [zero, m1]);
  const safe = where(ctx, bad, ctx.scalar(1, d), b, d);
  const raw = op === "div" ? ctx.op("Div", [a, safe]) : ctx.op("Mod", [a, safe], { fmod: 1 });
  // With b = -1: a / -1 = -a (wrapping), a rem -1 = 0.
  const fixed = m1 === null ? raw : where(ctx, m1, op === "div" ? ctx.op("Neg", [a]) : ctx.scalar(0, d), raw, d);
  return where(ctx, zero, op === "div" ? ctx.scalar(0, d) : a, fixed, d);
}

const ONNX_CODE: Record<DType, number> = { float32: 1, float64: 11, int32: 6, uint32: 12, bool: 9 };

/**
 * axle's conversion: float → int truncates toward zero and saturates (NaN → 0), int → int
 * wraps, → bool is x != 0. ONNX's Cast leaves float → int out of range undefined, so the value
 * is clipped first and the saturated ends set explicitly.
 */
function cast(ctx: OnnxContext, x: string, from: DType, to: DType): string {
  if (to === "bool") return ctx.op("Not", [ctx.op("Equal", [x, ctx.scalar(0, from)])]);
  const range = INT_RANGE[to];
  if (!isFloat(from) || range === undefined) return ctx.op("Cast", [x], { to: ONNX_CODE[to] });
  const [lo, hi] = range;
  // The largest value of `from` not above hi (float32 has no integers between 2^31 - 128 and 2^31).
  const top = from === "float32" ? hi + 1 - (to === "int32" ? 128 : 256) : hi;
  const x0 = ctx.op("Where", [ctx.op("IsNaN", [x]), ctx.scalar(0, from), x]);
  const clipped = ctx.op("Max", [ctx.op("Min", [x0, ctx.scalar(top, from)]), ctx.scalar(lo, from)]);
  const c = ctx.op("Cast", [clipped], { to: ONNX_CODE[to] });
  return where(ctx, ctx.op("GreaterOrEqual", [x, ctx.scalar(hi + 1, from)]), ctx.scalar(hi, to), c, to);
}
