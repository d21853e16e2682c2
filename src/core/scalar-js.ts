/**
 * Rendering scalar expressions to JS source, for the eager kernels and the JS backend. Each
 * node's value is wrapped to what a buffer of its dtype stores (`Math.fround` for float32, `| 0`
 * for int32, `>>> 0` for uint32), so a generated loop computes exactly what the reference
 * semantics in `scalar.ts` define.
 */
import type { DType } from "./dtype.js";
import { type ScalarExpr, shareCommonAll } from "./scalar.js";

/** Wrap JS expression text so its value is what a buffer of `dtype` would store. */
export function wrapJs(dtype: DType, e: string): string {
  switch (dtype) {
    case "float32":
      return `Math.fround(${e})`;
    case "float64":
      return `(${e})`;
    case "int32":
      return `((${e}) | 0)`;
    case "uint32":
      return `((${e}) >>> 0)`;
    case "bool":
      return `((${e}) ? 1 : 0)`;
  }
}

const isInt = (d: DType) => d === "int32" || d === "uint32";

const INT_LIMITS: Record<"int32" | "uint32", readonly [number, number]> = {
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** JS text of a conversion of `x` (of dtype `from`) to `to`. */
function castJs(from: DType, to: DType, x: string): string {
  if (to === "bool") return `(${x} !== 0 ? 1 : 0)`;
  if (to === "int32" || to === "uint32") {
    if (from === "float32" || from === "float64") {
      // float → int saturates at the dtype's range and sends NaN to 0, as XLA's convert does.
      const [lo, hi] = INT_LIMITS[to];
      return `(${x} !== ${x} ? 0 : ${x} <= ${lo} ? ${lo} : ${x} >= ${hi} ? ${hi} : ${wrapJs(to, `Math.trunc(${x})`)})`;
    }
    return wrapJs(to, x); // int/bool → int wraps modulo 2^32
  }
  return wrapJs(to, x);
}

const UNARY_JS: Record<string, (x: string, d: DType) => string> = {
  neg: (x, d) => wrapJs(d, `-${x}`),
  abs: (x, d) => (d === "uint32" ? x : wrapJs(d, `Math.abs(${x})`)),
  sign: (x, d) => wrapJs(d, d === "uint32" ? `(${x} > 0 ? 1 : 0)` : `Math.sign(${x})`),
  floor: (x, d) => wrapJs(d, `Math.floor(${x})`),
  ceil: (x, d) => wrapJs(d, `Math.ceil(${x})`),
  round: (x, d) => wrapJs(d, `(Math.abs(${x} % 1) === 0.5 ? 2 * Math.round(${x} / 2) : Math.round(${x}))`),
  sqrt: (x, d) => wrapJs(d, `Math.sqrt(${x})`),
  rsqrt: (x, d) => wrapJs(d, `1 / Math.sqrt(${x})`),
  exp: (x, d) => wrapJs(d, `Math.exp(${x})`),
  log: (x, d) => wrapJs(d, `Math.log(${x})`),
  log1p: (x, d) => wrapJs(d, `Math.log1p(${x})`),
  expm1: (x, d) => wrapJs(d, `Math.expm1(${x})`),
  sin: (x, d) => wrapJs(d, `Math.sin(${x})`),
  cos: (x, d) => wrapJs(d, `Math.cos(${x})`),
  tan: (x, d) => wrapJs(d, `Math.tan(${x})`),
  tanh: (x, d) => wrapJs(d, `Math.tanh(${x})`),
  logistic: (x, d) => wrapJs(d, `1 / (1 + Math.exp(-${x}))`),
  not: (x) => `(${x} ? 0 : 1)`,
  is_finite: (x) => `(Number.isFinite(${x}) ? 1 : 0)`,
};

function binaryJs(op: string, d: DType, a: string, b: string): string {
  switch (op) {
    case "add":
      return wrapJs(d, `${a} + ${b}`);
    case "sub":
      return wrapJs(d, `${a} - ${b}`);
    case "mul":
      return isInt(d) ? wrapJs(d, `Math.imul(${a}, ${b})`) : wrapJs(d, `${a} * ${b}`);
    case "div":
      return isInt(d) ? wrapJs(d, `(${b} === 0 ? 0 : Math.trunc(${a} / ${b}))`) : wrapJs(d, `${a} / ${b}`);
    case "rem":
      // Integers follow XLA: x rem 0 = x (and INT32_MIN rem -1 = 0: JS gives -0, stored as 0).
      return isInt(d) ? wrapJs(d, `(${b} === 0 ? ${a} : ${a} % ${b})`) : wrapJs(d, `${a} % ${b}`);
    case "pow":
      return wrapJs(d, isInt(d) ? intPowJs(a, b) : `Math.pow(${a}, ${b})`);
    case "max":
      return wrapJs(d, `Math.max(${a}, ${b})`);
    case "min":
      return wrapJs(d, `Math.min(${a}, ${b})`);
    case "and":
      return d === "bool" ? `(${a} & ${b})` : wrapJs(d, `${a} & ${b}`);
    case "or":
      return d === "bool" ? `(${a} | ${b})` : wrapJs(d, `${a} | ${b}`);
    case "xor":
      return d === "bool" ? `(${a} ^ ${b})` : wrapJs(d, `${a} ^ ${b}`);
    case "shr_logical":
      return wrapJs(d, `(${b} >>> 0) >= 32 ? 0 : ${a} >>> ${b}`);
    default:
      throw new Error(`scalar-js: unknown binary op ${op}`);
  }
}

const COMPARE_JS: Record<string, string> = { eq: "===", ne: "!==", lt: "<", le: "<=", gt: ">", ge: ">=" };

/**
 * Exact integer power with wrap-around, as int32/uint32 multiplication (Math.imul) wraps:
 * repeated squaring, never a double pow (which loses digits beyond 2^53). A negative exponent
 * gives the integer part of 1/x^|e|: 1 for x = 1, ±1 for x = -1, and 0 otherwise (0 for x = 0,
 * as integer division by zero gives 0).
 */
function intPowJs(a: string, b: string): string {
  return (
    `((pb, pe) => { if (pe < 0) return pb === 1 ? 1 : pb === -1 ? (pe & 1 ? -1 : 1) : 0; let pr = 1; ` +
    `for (; pe > 0; pe >>>= 1) { if (pe & 1) pr = Math.imul(pr, pb); pb = Math.imul(pb, pb); } return pr; })(${a}, ${b})`
  );
}

/**
 * `x ** n` (n ≥ 0) for int32/uint32 by repeated squaring into `const` statements, each product
 * wrapped as `Math.imul` wraps (exact, where a double `Math.pow` would round past 2^53).
 */
function ipowJs(x: string, n: number, d: DType, fresh: () => string, stmts: string[]): string {
  const mul = (a: string, b: string) => wrapJs(d, `Math.imul(${a}, ${b})`);
  let acc = "";
  let base = fresh();
  stmts.push(`const ${base} = ${x};`);
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) {
      const t = fresh();
      stmts.push(`const ${t} = ${acc === "" ? base : mul(acc, base)};`);
      acc = t;
    }
    if (k > 1) {
      const t = fresh();
      stmts.push(`const ${t} = ${mul(base, base)};`);
      base = t;
    }
  }
  return acc === "" ? "1" : wrapJs(d, acc);
}

/**
 * JS source for `e`. `inputName(i)` names operand i's current element. Nodes used more than
 * once (the same object) are computed once, in `let` statements returned in `stmts`, so a fused
 * kernel never repeats a producer's work.
 */
export function renderJs(expr: ScalarExpr, inputName: (i: number) => string): { stmts: string[]; value: string } {
  const { stmts, values } = renderJsMany([expr], inputName);
  return { stmts, value: values[0] };
}

/**
 * JS source for several expressions computed together (the outputs of one fused kernel): a
 * node shared between them, or used twice within one, is computed once.
 */
export function renderJsMany(
  exprs: readonly ScalarExpr[],
  inputName: (i: number) => string,
): { stmts: string[]; values: string[] } {
  const roots = shareCommonAll(exprs);
  const uses = new Map<ScalarExpr, number>();
  const count = (n: ScalarExpr): void => {
    const c = (uses.get(n) ?? 0) + 1;
    uses.set(n, c);
    if (c > 1) return;
    switch (n.k) {
      case "unary":
      case "ipow":
      case "cast":
        return count(n.x);
      case "binary":
      case "compare":
        count(n.a);
        return count(n.b);
      case "select":
        count(n.cond);
        count(n.a);
        return count(n.b);
      default:
        return;
    }
  };
  for (const r of roots) count(r);
  const stmts: string[] = [];
  const names = new Map<ScalarExpr, string>();
  let temps = 0;
  const fresh = () => `t${temps++}`;
  const render = (n: ScalarExpr): string => {
    const named = names.get(n);
    if (named !== undefined) return named;
    let s: string;
    switch (n.k) {
      case "const":
        // Parenthesised, so a negative constant composes with any operator (`x - (-1)`).
        return Number.isNaN(n.value)
          ? "NaN"
          : Object.is(n.value, -0) || n.value < 0
            ? `(${n.value === 0 ? "-0" : n.value})`
            : String(n.value);
      case "input":
        return inputName(n.index);
      case "unary":
        s = UNARY_JS[n.op](render(n.x), n.x.dtype);
        break;
      case "ipow":
        // Integers: exact wrapping repeated squaring; floats: the double power, rounded.
        s = isInt(n.dtype)
          ? ipowJs(render(n.x), n.n, n.dtype, fresh, stmts)
          : wrapJs(n.dtype, `Math.pow(${render(n.x)}, ${n.n})`);
        break;
      case "cast":
        s = castJs(n.x.dtype, n.dtype, render(n.x));
        break;
      case "binary":
        s = binaryJs(n.op, n.dtype, render(n.a), render(n.b));
        break;
      case "compare":
        s = `(${render(n.a)} ${COMPARE_JS[n.op]} ${render(n.b)} ? 1 : 0)`;
        break;
      case "select":
        s = `(${render(n.cond)} ? ${render(n.a)} : ${render(n.b)})`;
        break;
    }
    if ((uses.get(n) ?? 0) > 1) {
      const name = fresh();
      names.set(n, name);
      stmts.push(`const ${name} = ${s};`);
      return name;
    }
    return s;
  };
  const values = roots.map(render);
  return { stmts, values };
}
