/**
 * The scalar expression language: how an elementwise primitive computes one output element from
 * its operands' elements. It is the backend-neutral lowering every backend compiles — the eager
 * kernels and the JS backend render it to JS source, the Wasm backend to Wasm code, the ONNX
 * exporter to nodes — so the backends cannot drift apart.
 *
 * Every node carries its dtype. Values are the numbers a buffer of that dtype stores: each
 * operation's result is rounded or wrapped to its dtype (float32 rounds, int32/uint32 wrap
 * modulo 2^32, bool is 0 or 1), exactly as the reference kernels define.
 */
import type { DType } from "./dtype.js";

/** Unary operations; the result has the operand's dtype unless noted. */
export type UnaryOp =
  | "neg"
  | "abs"
  | "sign"
  | "floor"
  | "ceil"
  | "round" // half to even, as NumPy and JAX
  | "sqrt"
  | "rsqrt"
  | "exp"
  | "log"
  | "log1p"
  | "expm1"
  | "sin"
  | "cos"
  | "tan"
  | "tanh"
  | "logistic"
  | "not" // bool
  | "is_finite"; // float → bool

/** Binary operations over operands of one dtype; the result has that dtype. */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div" // integers: truncating, x / 0 = 0
  | "rem" // C fmod semantics (sign of the dividend); integers: x % 0 = 0
  | "pow"
  | "max"
  | "min"
  | "and" // bool: logical; integers: bitwise
  | "or"
  | "xor"
  | "shr_logical"; // integers: shifts of 32 or more give 0

/** Comparisons; the result is bool. */
export type CompareOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

export type ScalarExpr =
  | { readonly k: "const"; readonly value: number; readonly dtype: DType }
  /** The element of operand `index` at the current position. */
  | { readonly k: "input"; readonly index: number; readonly dtype: DType }
  | { readonly k: "unary"; readonly op: UnaryOp; readonly x: ScalarExpr; readonly dtype: DType }
  /** x to a fixed integer power (repeated squaring; exact for integers, wrapping). */
  | { readonly k: "ipow"; readonly x: ScalarExpr; readonly n: number; readonly dtype: DType }
  | { readonly k: "binary"; readonly op: BinaryOp; readonly a: ScalarExpr; readonly b: ScalarExpr; readonly dtype: DType }
  | { readonly k: "compare"; readonly op: CompareOp; readonly a: ScalarExpr; readonly b: ScalarExpr; readonly dtype: "bool" }
  | { readonly k: "select"; readonly cond: ScalarExpr; readonly a: ScalarExpr; readonly b: ScalarExpr; readonly dtype: DType }
  /** Conversion: float → int saturates (NaN → 0); int → int wraps; anything → bool is `x != 0`. */
  | { readonly k: "cast"; readonly x: ScalarExpr; readonly dtype: DType };

/** How an elementwise primitive lowers: its output element from its operands' elements. */
export type ScalarLowering = (...xs: ScalarExpr[]) => ScalarExpr;

// ---- Builders ----

export const input = (index: number, dtype: DType): ScalarExpr => ({ k: "input", index, dtype });
export const constant = (value: number, dtype: DType): ScalarExpr => ({ k: "const", value, dtype });
export const unary = (op: UnaryOp, x: ScalarExpr): ScalarExpr => ({
  k: "unary",
  op,
  x,
  dtype: op === "is_finite" ? "bool" : x.dtype,
});
export const ipow = (x: ScalarExpr, n: number): ScalarExpr => ({ k: "ipow", x, n, dtype: x.dtype });
export const binary = (op: BinaryOp, a: ScalarExpr, b: ScalarExpr): ScalarExpr => ({ k: "binary", op, a, b, dtype: a.dtype });
export const compare = (op: CompareOp, a: ScalarExpr, b: ScalarExpr): ScalarExpr => ({
  k: "compare",
  op,
  a,
  b,
  dtype: "bool",
});
export const select = (cond: ScalarExpr, a: ScalarExpr, b: ScalarExpr): ScalarExpr => ({
  k: "select",
  cond,
  a,
  b,
  dtype: a.dtype,
});
export const cast = (x: ScalarExpr, dtype: DType): ScalarExpr => (x.dtype === dtype ? x : { k: "cast", x, dtype });

/** The operand expressions `input(0, d0) … input(n-1, dn-1)` for a lowering's arguments. */
export function inputsOf(dtypes: readonly DType[]): ScalarExpr[] {
  return dtypes.map((d, i) => input(i, d));
}

/**
 * Replace each `input(i)` of `e` by `args[i]` (fusing a producer's expression into a consumer).
 * With `memo`, a node reached twice is rewritten once, so a DAG keeps its sharing (and its size)
 * instead of unfolding into a tree.
 */
export function substitute(e: ScalarExpr, args: readonly ScalarExpr[], memo?: Map<ScalarExpr, ScalarExpr>): ScalarExpr {
  const hit = memo?.get(e);
  if (hit !== undefined) return hit;
  const sub = (x: ScalarExpr) => substitute(x, args, memo);
  let r: ScalarExpr;
  switch (e.k) {
    case "const":
      r = e;
      break;
    case "input":
      r = args[e.index];
      break;
    case "unary":
    case "ipow":
    case "cast":
      r = { ...e, x: sub(e.x) };
      break;
    case "binary":
    case "compare":
      r = { ...e, a: sub(e.a), b: sub(e.b) };
      break;
    case "select":
      r = { ...e, cond: sub(e.cond), a: sub(e.a), b: sub(e.b) };
      break;
  }
  memo?.set(e, r);
  return r;
}

/** Every distinct node (by identity) of `roots`, each once, operands before the nodes using them. */
export function* nodesOf(roots: readonly ScalarExpr[]): Generator<ScalarExpr> {
  const seen = new Set<ScalarExpr>();
  const stack: { n: ScalarExpr; expanded: boolean }[] = roots.map((n) => ({ n, expanded: false })).reverse();
  while (stack.length > 0) {
    const top = stack.pop() as { n: ScalarExpr; expanded: boolean };
    if (seen.has(top.n)) continue;
    if (top.expanded) {
      seen.add(top.n);
      yield top.n;
      continue;
    }
    stack.push({ n: top.n, expanded: true });
    const n = top.n;
    const kids =
      n.k === "unary" || n.k === "ipow" || n.k === "cast"
        ? [n.x]
        : n.k === "binary" || n.k === "compare"
          ? [n.a, n.b]
          : n.k === "select"
            ? [n.cond, n.a, n.b]
            : [];
    for (let i = kids.length - 1; i >= 0; i--) if (!seen.has(kids[i])) stack.push({ n: kids[i], expanded: false });
  }
}

/** A stable text of `e`, for kernel caches and printing (`add(in0:f32, 1:f32)`). */
export function exprKey(e: ScalarExpr): string {
  switch (e.k) {
    case "const":
      return `${Object.is(e.value, -0) ? "-0" : e.value}:${e.dtype}`;
    case "input":
      return `in${e.index}:${e.dtype}`;
    case "unary":
      return `${e.op}(${exprKey(e.x)})`;
    case "ipow":
      return `ipow${e.n}(${exprKey(e.x)})`;
    case "cast":
      return `${e.dtype}(${exprKey(e.x)})`;
    case "binary":
    case "compare":
      return `${e.op}(${exprKey(e.a)},${exprKey(e.b)})`;
    case "select":
      return `select(${exprKey(e.cond)},${exprKey(e.a)},${exprKey(e.b)})`;
  }
}

/**
 * The same expression with structurally equal subtrees shared (hash-consing): `x·(x > 0)` built
 * from two copies of `x` becomes a DAG whose `x` is one node, so a renderer that computes each
 * shared node once never repeats work that fusion duplicated.
 */
export function shareCommon(e: ScalarExpr): ScalarExpr {
  return shareCommonAll([e])[0];
}

/**
 * `shareCommon` over several roots at once (a kernel with several outputs): equal subtrees are
 * one node across all of them. Linear in the number of distinct node objects, so a DAG with
 * many shared nodes (a diamond chain) costs its size, not the size of its unfolded tree.
 */
export function shareCommonAll(roots: readonly ScalarExpr[]): ScalarExpr[] {
  const table = new Map<string, ScalarExpr>();
  const ids = new Map<ScalarExpr, number>();
  const done = new Map<ScalarExpr, ScalarExpr>();
  const intern = (n: ScalarExpr, key: string): ScalarExpr => {
    let hit = table.get(key);
    if (hit === undefined) {
      hit = n;
      table.set(key, n);
      ids.set(n, ids.size);
    }
    return hit;
  };
  const id = (n: ScalarExpr) => ids.get(n) as number;
  const visit = (n: ScalarExpr): ScalarExpr => {
    const seen = done.get(n);
    if (seen !== undefined) return seen;
    let out: ScalarExpr;
    switch (n.k) {
      case "const":
        out = intern(n, `c|${Object.is(n.value, -0) ? "-0" : n.value}|${n.dtype}`);
        break;
      case "input":
        out = intern(n, `i|${n.index}|${n.dtype}`);
        break;
      case "unary":
      case "cast":
      case "ipow": {
        const x = visit(n.x);
        const tag = n.k === "unary" ? n.op : n.k === "ipow" ? `ipow${n.n}` : "cast";
        out = intern(x === n.x ? n : { ...n, x }, `${tag}|${n.dtype}|${id(x)}`);
        break;
      }
      case "binary":
      case "compare": {
        const a = visit(n.a);
        const b = visit(n.b);
        out = intern(a === n.a && b === n.b ? n : { ...n, a, b }, `${n.k}${n.op}|${n.dtype}|${id(a)},${id(b)}`);
        break;
      }
      case "select": {
        const c = visit(n.cond);
        const a = visit(n.a);
        const b = visit(n.b);
        out = intern(
          c === n.cond && a === n.a && b === n.b ? n : { ...n, cond: c, a, b },
          `sel|${n.dtype}|${id(c)},${id(a)},${id(b)}`,
        );
        break;
      }
    }
    done.set(n, out);
    return out;
  };
  return roots.map(visit);
}

/**
 * A stable text of expressions that are already shared (`shareCommonAll`), for kernel caches:
 * every node once, in post-order, children named by number. Unlike `exprKey`, its length is the
 * DAG's size, so a chain of diamonds (`t = t·t` repeated) gives a short key.
 */
export function dagKey(roots: readonly ScalarExpr[]): string {
  const ids = new Map<ScalarExpr, number>();
  const parts: string[] = [];
  const visit = (n: ScalarExpr): number => {
    const seen = ids.get(n);
    if (seen !== undefined) return seen;
    let s: string;
    switch (n.k) {
      case "const":
        s = `${Object.is(n.value, -0) ? "-0" : n.value}:${n.dtype}`;
        break;
      case "input":
        s = `in${n.index}:${n.dtype}`;
        break;
      case "unary":
        s = `${n.op}(${visit(n.x)})`;
        break;
      case "ipow":
        s = `ipow${n.n}(${visit(n.x)})`;
        break;
      case "cast":
        s = `${n.dtype}(${visit(n.x)})`;
        break;
      case "binary":
      case "compare":
        s = `${n.op}(${visit(n.a)},${visit(n.b)})`;
        break;
      case "select":
        s = `select(${visit(n.cond)},${visit(n.a)},${visit(n.b)})`;
        break;
    }
    const id = ids.size;
    ids.set(n, id);
    parts.push(s);
    return id;
  };
  const out = roots.map(visit);
  return `${parts.join(";")}=>${out.join(",")}`;
}
