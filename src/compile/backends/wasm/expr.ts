/**
 * Scalar expressions (src/core/scalar.ts) as WebAssembly code, one element (scalar mode) or four
 * (vector mode, f32x4 / i32x4 lanes) at a time, with the semantics of the JS renderer
 * (scalar-js.ts) for the dtypes the Wasm backend compiles: float32, int32 and bool.
 *
 * Values on the stack: float32 is f32 (vector: f32x4); int32 is i32 (i32x4); bool is i32 0/1
 * in scalar mode and a lane mask (0 or all ones) in vector mode, so compare/select/and/or map to
 * single instructions. float32 arithmetic (+ − × ÷ √, min, max, floor, ceil, round) is correctly
 * rounded in Wasm, so it equals the reference's float64-then-round exactly; exp, log, log1p,
 * expm1, sin, cos, tanh and logistic use math.ts (≤ 1 ulp; logistic ≤ 2 ulp); ipow on float32
 * multiplies in float32 (≤ n − 1 roundings). Anything else is reported by `unsupported` so the
 * caller can fall back (scalar mode) or run the step's scalar loop only (vector mode).
 */
import type { DType } from "../../../core/dtype.js";
import { nodesOf, type ScalarExpr } from "../../../core/scalar.js";
import type { Code, FuncRef, Local, ModuleBuilder } from "./encoder.js";
import { emitMath, type MathFunction } from "./math.js";

const MATH: Partial<Record<string, MathFunction>> = {
  exp: "exp",
  log: "log",
  log1p: "log1p",
  expm1: "expm1",
  sin: "sin",
  cos: "cos",
  tanh: "tanh",
  logistic: "sigmoid",
};

const DTYPES = new Set<DType>(["float32", "int32", "bool"]);
const MAX_IPOW = 8;

/**
 * float32 operations Wasm has no instruction or kernel for, computed by the very JS function
 * the JS renderer uses on the float64 value of each float32 operand, then rounded to float32
 * (`f32.demote_f64` rounds to nearest, as `Math.fround`), so the bits equal the JS backend's.
 * Programs import them and call them in scalar loops; V8 recognises imported `Math.*` functions
 * and calls their implementation directly.
 */
const HOST_UNARY: Readonly<Record<string, (x: number) => number>> = { tan: Math.tan };
const HOST_BINARY: Readonly<Record<string, (a: number, b: number) => number>> = {
  pow: Math.pow,
  rem: (a, b) => a % b,
};

/** The host functions a module imported (`importHosts`), by operation name. */
export type HostImports = ReadonlyMap<string, FuncRef>;

/** Imports every host function into `mb` (before any function is defined). */
export function importHosts(mb: ModuleBuilder): HostImports {
  const out = new Map<string, FuncRef>();
  for (const op of Object.keys(HOST_UNARY)) out.set(op, mb.importFunction("host", op, { params: ["f64"], results: ["f64"] }));
  for (const op of Object.keys(HOST_BINARY))
    out.set(op, mb.importFunction("host", op, { params: ["f64", "f64"], results: ["f64"] }));
  return out;
}

/** The import object's `host` namespace for a module built with `importHosts`. */
export const HOST_IMPORTS: Readonly<Record<string, (...x: number[]) => number>> = { ...HOST_UNARY, ...HOST_BINARY } as Readonly<
  Record<string, (...x: number[]) => number>
>;

/**
 * Why `e` cannot be emitted in this mode, or null if it can. `hosts`: the emitter has the host
 * functions (scalar mode only), so float32 `tan`, `pow` and `rem` are emitted as their calls.
 */
export function unsupported(e: ScalarExpr, vector: boolean, hosts = false): string | null {
  const host = hosts && !vector;
  const seen = new Set<ScalarExpr>();
  const check = (n: ScalarExpr): string | null => {
    if (seen.has(n)) return null;
    seen.add(n);
    if (!DTYPES.has(n.dtype)) return `${n.dtype} values`;
    const d = n.dtype;
    switch (n.k) {
      case "const":
      case "input":
        return null;
      case "unary": {
        const x = n.x.dtype;
        if (!DTYPES.has(x)) return `${x} values`;
        const op = n.op;
        let ok: boolean;
        if (x === "float32")
          ok =
            ["neg", "abs", "sign", "floor", "ceil", "round", "sqrt", "is_finite"].includes(op) ||
            MATH[op] !== undefined ||
            (op === "rsqrt" && !vector) ||
            (host && HOST_UNARY[op] !== undefined);
        else if (x === "int32") ok = ["neg", "abs", "sign", "floor", "ceil", "round"].includes(op);
        else ok = op === "not";
        return ok ? check(n.x) : `${op} on ${x}${vector ? " (vector)" : ""}`;
      }
      case "ipow":
        if (d === "bool" || n.n < 0 || n.n > MAX_IPOW) return `ipow ${n.n} on ${d}`;
        return check(n.x);
      case "binary": {
        const op = n.op;
        let ok: boolean;
        if (d === "float32")
          ok = ["add", "sub", "mul", "div", "max", "min"].includes(op) || (host && HOST_BINARY[op] !== undefined);
        else if (d === "int32")
          ok =
            ["add", "sub", "mul", "max", "min", "and", "or", "xor"].includes(op) ||
            (!vector && ["div", "rem", "shr_logical"].includes(op));
        else ok = ["and", "or", "xor", "max", "min"].includes(op);
        return ok ? (check(n.a) ?? check(n.b)) : `${op} on ${d}${vector ? " (vector)" : ""}`;
      }
      case "compare":
        if (!DTYPES.has(n.a.dtype)) return `${n.a.dtype} values`;
        return check(n.a) ?? check(n.b);
      case "select":
        return check(n.cond) ?? check(n.a) ?? check(n.b);
      case "cast":
        if (!DTYPES.has(n.x.dtype)) return `${n.x.dtype} values`;
        return check(n.x);
    }
  };
  return check(e);
}

/** Emits expressions of one loop body; `input(k)` pushes operand k's current element. */
/** i8x16 lanes moving float32 lanes 2–3 to 0–1 (so f64x2.promote_low reads them). */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** i8x16 lanes of float32 lanes 0–1 of the first vector, then 0–1 of the second. */
const LOW_LANES_OF_BOTH = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

export class ExprEmitter {
  private readonly shared = new Map<ScalarExpr, Local>();
  /** Wide vector mode: a node's value as two f64x2 halves (rounded to float32), once built. */
  private readonly halves = new Map<ScalarExpr, { readonly lo: Local; readonly hi: Local }>();
  /** Wide vector mode: a wide op's result as its two demoted f32 halves (lanes 0–1 of each). */
  private readonly demoted = new Map<ScalarExpr, { readonly lo: Local; readonly hi: Local }>();
  private readonly multi = new Set<ScalarExpr>();

  constructor(
    readonly m: ModuleBuilder,
    readonly c: Code,
    readonly vector: boolean,
    readonly input: (index: number) => void,
    readonly hosts?: HostImports,
    /**
     * float32 add, sub, mul, div and sqrt run as float64 ops rounded back to float32 at once
     * (vectors as two f64x2 halves). The bits are the same (one rounding of a float64 result
     * is correct for these ops, as f64 has more than 2·24 + 2 bits), and the CPU takes no
     * microcode assist on subnormal operands, which costs ~100 cycles per f32 op on x86 (Wasm
     * cannot set flush-to-zero).
     */
    readonly wide = false,
  ) {}

  /** A float32 add/sub/mul/div/sqrt of `pushA` (and `pushB`), through float64 when wide. */
  private f32Arith(op: "add" | "sub" | "mul" | "div" | "sqrt", pushA: () => void, pushB?: () => void): void {
    const c = this.c;
    if (!this.wide) {
      pushA();
      pushB?.();
      if (op === "sqrt") this.vector ? c.f32x4.sqrt() : c.f32.sqrt();
      else this.vector ? c.f32x4[op]() : c.f32[op]();
      return;
    }
    if (!this.vector) {
      pushA();
      c.f64.promote_f32();
      if (pushB) {
        pushB();
        c.f64.promote_f32();
      }
      if (op === "sqrt") c.f64.sqrt();
      else c.f64[op]();
      c.f32.demote_f64();
      return;
    }
    const toLocal = (push: () => void) => {
      const l = c.local("v128");
      push();
      c.set(l);
      return l;
    };
    const a = toLocal(pushA);
    const b = pushB ? toLocal(pushB) : null;
    const half = (high: boolean) => {
      for (const l of b === null ? [a] : [a, b]) {
        c.get(l);
        if (high) c.get(l).i8x16.shuffle(HIGH_HALF);
        c.f64x2.promote_low_f32x4();
      }
      if (op === "sqrt") c.f64x2.sqrt();
      else c.f64x2[op]();
      c.f32x4.demote_f64x2_zero();
    };
    half(false);
    half(true);
    c.i8x16.shuffle(LOW_LANES_OF_BOTH);
  }

  /** `n`'s value as f64x2 halves (lanes 0–1 and 2–3), built once per node. */
  private halvesOf(n: ScalarExpr): { readonly lo: Local; readonly hi: Local } {
    const got = this.halves.get(n);
    if (got !== undefined) return got;
    const c = this.c;
    const h = { lo: c.local("v128"), hi: c.local("v128") };
    const d = this.demoted.get(n);
    if (d !== undefined) {
      c.get(d.lo).f64x2.promote_low_f32x4().set(h.lo);
      c.get(d.hi).f64x2.promote_low_f32x4().set(h.hi);
    } else if (n.k === "const") {
      const v = Math.fround(n.value);
      c.v128.const(new Uint8Array(Float64Array.from([v, v]).buffer)).set(h.lo);
      c.get(h.lo).set(h.hi);
    } else {
      const t = c.local("v128");
      this.node(n);
      c.set(t);
      c.get(t).f64x2.promote_low_f32x4().set(h.lo);
      c.get(t).get(t).i8x16.shuffle(HIGH_HALF).f64x2.promote_low_f32x4().set(h.hi);
    }
    this.halves.set(n, h);
    return h;
  }

  /**
   * Wide vector mode: `self = a op b` (or √a) in two f64x2 halves, each rounded to float32 at
   * once; pushes the f32x4 value and keeps the halves, so a wide op reading `self` next skips
   * the shuffle and promotions of an f32x4 operand.
   */
  private wideVec(op: "add" | "sub" | "mul" | "div" | "sqrt", self: ScalarExpr, a: ScalarExpr, b: ScalarExpr | null): void {
    const c = this.c;
    const A = this.halvesOf(a);
    const B = b === null ? null : this.halvesOf(b);
    const out = { lo: c.local("v128"), hi: c.local("v128") };
    for (const half of ["lo", "hi"] as const) {
      c.get(A[half]);
      if (B !== null) c.get(B[half]);
      if (op === "sqrt") c.f64x2.sqrt();
      else c.f64x2[op]();
      c.f32x4.demote_f64x2_zero().set(out[half]);
    }
    this.demoted.set(self, out);
    c.get(out.lo).get(out.hi).i8x16.shuffle(LOW_LANES_OF_BOTH);
  }

  /** The local type holding a value of `d` in this mode. */
  localType(d: DType): "f32" | "i32" | "v128" {
    return this.vector ? "v128" : d === "float32" ? "f32" : "i32";
  }

  /** Pushes `e`'s value; nodes used more than once are computed once into a local. */
  emit(e: ScalarExpr): void {
    this.countUses([e]);
    this.node(e);
  }

  /**
   * Several values of one loop body (a kernel with several outputs): `each(k, push)` is called
   * for root k in order and calls `push()` where root k's value goes on the stack. A node shared
   * between roots is computed once.
   */
  emitEach(roots: readonly ScalarExpr[], each: (k: number, push: () => void) => void): void {
    this.countUses(roots);
    roots.forEach((r, k) => each(k, () => this.node(r)));
  }

  private countUses(roots: readonly ScalarExpr[]): void {
    const counts = new Map<ScalarExpr, number>();
    const count = (n: ScalarExpr): void => {
      const k = (counts.get(n) ?? 0) + 1;
      counts.set(n, k);
      if (k > 1) {
        this.multi.add(n);
        return;
      }
      if (n.k === "unary" || n.k === "ipow" || n.k === "cast") count(n.x);
      else if (n.k === "binary" || n.k === "compare") {
        count(n.a);
        count(n.b);
      } else if (n.k === "select") {
        count(n.cond);
        count(n.a);
        count(n.b);
      }
    };
    for (const r of roots) count(r);
  }

  private node(n: ScalarExpr): void {
    const c = this.c;
    const l = this.shared.get(n);
    if (l !== undefined) {
      c.get(l);
      return;
    }
    this.compute(n);
    if (this.multi.has(n) && n.k !== "const" && n.k !== "input") {
      const t = c.local(this.localType(n.dtype));
      c.tee(t);
      this.shared.set(n, t);
    }
  }

  /** Pushes `n` into a fresh local and returns it. */
  private toLocal(n: ScalarExpr): Local {
    this.node(n);
    const t = this.c.local(this.localType(n.dtype));
    this.c.set(t);
    return t;
  }

  private constant(v: number, d: DType): void {
    const c = this.c;
    if (d === "float32") {
      if (this.vector) c.v128.constF32x4([v, v, v, v]);
      else c.f32.const(v);
    } else {
      const x = d === "bool" ? (v !== 0 ? (this.vector ? -1 : 1) : 0) : v | 0;
      if (this.vector) c.v128.constI32x4([x, x, x, x]);
      else c.i32.const(x);
    }
  }

  private compute(n: ScalarExpr): void {
    const c = this.c;
    const V = this.vector;
    switch (n.k) {
      case "const":
        return this.constant(n.value, n.dtype);
      case "input":
        return this.input(n.index);
      case "unary":
        return this.unary(n.op, n.x, n);
      case "ipow": {
        if (n.n === 0) return this.constant(1, n.dtype);
        // Repeated squaring in the dtype (float32: each product rounded; int32: wrapping).
        const mul = (x: Local, y: Local) => {
          if (n.dtype === "float32")
            this.f32Arith(
              "mul",
              () => c.get(x),
              () => c.get(y),
            );
          else {
            c.get(x).get(y);
            V ? c.i32x4.mul() : c.i32.mul();
          }
        };
        let base = this.toLocal(n.x);
        let acc: Local | null = null;
        for (let k = n.n; k > 0; k = Math.floor(k / 2)) {
          if (k % 2 === 1) {
            if (acc === null) acc = base;
            else {
              const t = c.local(this.localType(n.dtype));
              mul(acc, base);
              c.set(t);
              acc = t;
            }
          }
          if (k > 1) {
            const t = c.local(this.localType(n.dtype));
            mul(base, base);
            c.set(t);
            base = t;
          }
        }
        c.get(acc as Local);
        return;
      }
      case "binary":
        return this.binary(n.op, n.a, n.b, n.dtype, n);
      case "compare":
        return this.compare(n.op, n.a, n.b);
      case "select":
        this.node(n.a);
        this.node(n.b);
        this.node(n.cond);
        V ? c.v128.bitselect() : c.select();
        return;
      case "cast":
        return this.cast(n.x, n.dtype);
    }
  }

  private unary(op: string, x: ScalarExpr, self: ScalarExpr): void {
    const c = this.c;
    const V = this.vector;
    const d = x.dtype;
    const fn = MATH[op];
    if (d === "float32" && fn !== undefined) {
      emitMath(this.m, c, fn, this.toLocal(x));
      return;
    }
    const host = d === "float32" && !V ? this.hosts?.get(op) : undefined;
    if (host !== undefined && HOST_UNARY[op] !== undefined) {
      this.node(x);
      c.f64.promote_f32().call(host).f32.demote_f64();
      return;
    }
    if (d === "float32") {
      switch (op) {
        case "sqrt":
          if (V && this.wide) this.wideVec("sqrt", self, x, null);
          else this.f32Arith("sqrt", () => this.node(x));
          return;
        case "neg":
        case "abs":
        case "floor":
        case "ceil":
          this.node(x);
          V ? c.f32x4[op]() : c.f32[op]();
          return;
        case "round":
          this.node(x);
          V ? c.f32x4.nearest() : c.f32.nearest();
          return;
        case "rsqrt":
          // 1/√x in float64, rounded once: what Math.fround(1 / Math.sqrt(x)) gives.
          c.f64.const(1);
          this.node(x);
          c.f64.promote_f32().f64.sqrt().f64.div().f32.demote_f64();
          return;
        case "sign": {
          // x > 0 ? 1 : x < 0 ? −1 : x (keeps ±0 and NaN, as Math.sign).
          const t = this.toLocal(x);
          if (V) {
            c.v128.constF32x4([1, 1, 1, 1]);
            c.v128.constF32x4([-1, -1, -1, -1]).get(t).get(t).v128.const(new Uint8Array(16)).f32x4.lt().v128.bitselect();
            c.get(t).v128.const(new Uint8Array(16)).f32x4.gt().v128.bitselect();
          } else {
            c.f32.const(1);
            c.f32.const(-1).get(t).get(t).f32.const(0).f32.lt().select();
            c.get(t).f32.const(0).f32.gt().select();
          }
          return;
        }
        case "is_finite":
          this.node(x);
          if (V) c.f32x4.abs().v128.constF32x4([Infinity, Infinity, Infinity, Infinity]).f32x4.lt();
          else c.f32.abs().f32.const(Infinity).f32.lt();
          return;
      }
    }
    if (d === "int32") {
      switch (op) {
        case "floor":
        case "ceil":
        case "round":
          this.node(x);
          return;
        case "neg":
          if (V) {
            this.node(x);
            c.i32x4.neg();
          } else {
            c.i32.const(0);
            this.node(x);
            c.i32.sub();
          }
          return;
        case "abs": {
          if (V) {
            this.node(x);
            c.i32x4.abs();
            return;
          }
          // |INT32_MIN| wraps to INT32_MIN, as Math.abs(x) | 0.
          const t = this.toLocal(x);
          c.i32.const(0).get(t).i32.sub().get(t).get(t).i32.const(0).i32.lt_s().select();
          return;
        }
        case "sign": {
          const t = this.toLocal(x);
          if (V) {
            const zero = () => c.v128.const(new Uint8Array(16));
            // (x > 0) − (x < 0) with masks: −mask(x>0) + mask(x<0).
            c.get(t);
            zero();
            c.i32x4.lt_s();
            c.get(t);
            zero();
            c.i32x4.gt_s().i32x4.sub();
          } else {
            c.get(t).i32.const(0).i32.gt_s().get(t).i32.const(0).i32.lt_s().i32.sub();
          }
          return;
        }
      }
    }
    if (d === "bool" && op === "not") {
      this.node(x);
      V ? c.v128.not() : c.i32.eqz();
      return;
    }
    throw new Error(`wasm expr: unsupported ${op} on ${d}`);
  }

  private binary(op: string, a: ScalarExpr, b: ScalarExpr, d: DType, self: ScalarExpr): void {
    const c = this.c;
    const V = this.vector;
    if (d === "float32") {
      const host = !V && HOST_BINARY[op] !== undefined ? this.hosts?.get(op) : undefined;
      if (host !== undefined) {
        this.node(a);
        c.f64.promote_f32();
        this.node(b);
        c.f64.promote_f32().call(host).f32.demote_f64();
        return;
      }
      if (op === "add" || op === "sub" || op === "mul" || op === "div") {
        if (V && this.wide) {
          this.wideVec(op, self, a, b);
          return;
        }
        this.f32Arith(
          op,
          () => this.node(a),
          () => this.node(b),
        );
        return;
      }
      this.node(a);
      this.node(b);
      const o = op as "max" | "min";
      V ? c.f32x4[o]() : c.f32[o]();
      return;
    }
    if (d === "bool") {
      this.node(a);
      this.node(b);
      const o = op === "max" ? "or" : op === "min" ? "and" : (op as "and" | "or" | "xor");
      V ? c.v128[o]() : c.i32[o]();
      return;
    }
    // int32
    switch (op) {
      case "add":
      case "sub":
      case "mul":
        this.node(a);
        this.node(b);
        V ? c.i32x4[op]() : c.i32[op]();
        return;
      case "and":
      case "or":
      case "xor":
        this.node(a);
        this.node(b);
        V ? c.v128[op]() : c.i32[op]();
        return;
      case "max":
      case "min": {
        if (V) {
          this.node(a);
          this.node(b);
          op === "max" ? c.i32x4.max_s() : c.i32x4.min_s();
          return;
        }
        const x = this.toLocal(a);
        const y = this.toLocal(b);
        c.get(x).get(y).get(x).get(y);
        op === "max" ? c.i32.gt_s() : c.i32.lt_s();
        c.select();
        return;
      }
      case "div": {
        // Truncating; x / 0 = 0; INT32_MIN / −1 wraps to INT32_MIN (Wasm would trap on both).
        const x = this.toLocal(a);
        const y = this.toLocal(b);
        const safe = c.local("i32");
        c.i32.const(1).get(y).get(y).i32.const(1).i32.add().i32.const(1).i32.le_u().select().set(safe);
        c.i32.const(0).get(x).i32.sub();
        c.get(x).get(safe).i32.div_s();
        c.get(y).i32.const(-1).i32.eq().select();
        c.i32.const(0);
        c.get(y).select();
        return;
      }
      case "rem": {
        // Sign of the dividend; x rem 0 = x (XLA); INT32_MIN rem −1 = 0.
        const x = this.toLocal(a);
        const y = this.toLocal(b);
        const safe = c.local("i32");
        c.i32.const(1).get(y).get(y).i32.const(1).i32.add().i32.const(1).i32.le_u().select().set(safe);
        c.i32.const(0);
        c.get(x).get(safe).i32.rem_s();
        c.get(y).i32.const(-1).i32.eq().select();
        c.get(x);
        c.get(y).select();
        return;
      }
      case "shr_logical": {
        const x = this.toLocal(a);
        const y = this.toLocal(b);
        c.get(x).get(y).i32.shr_u().i32.const(0).get(y).i32.const(32).i32.lt_u().select();
        return;
      }
    }
    throw new Error(`wasm expr: unsupported ${op} on ${d}`);
  }

  private compare(op: string, a: ScalarExpr, b: ScalarExpr): void {
    const c = this.c;
    const d = a.dtype;
    this.node(a);
    this.node(b);
    if (d === "float32") {
      const o = op as "eq" | "ne" | "lt" | "le" | "gt" | "ge";
      this.vector ? c.f32x4[o]() : c.f32[o]();
      return;
    }
    // Masks are all ones for true, so bools compare unsigned; int32 signed.
    const o = (op === "eq" || op === "ne" ? op : `${op}_${d === "bool" ? "u" : "s"}`) as "eq" | "ne" | "lt_s" | "lt_u";
    this.vector ? c.i32x4[o]() : c.i32[o]();
  }

  private cast(x: ScalarExpr, to: DType): void {
    const c = this.c;
    const V = this.vector;
    const from = x.dtype;
    this.node(x);
    if (from === to) return;
    if (to === "bool") {
      if (from === "float32") {
        if (V) c.v128.const(new Uint8Array(16)).f32x4.ne();
        else c.f32.const(0).f32.ne();
      } else if (V) c.v128.const(new Uint8Array(16)).i32x4.ne();
      else c.i32.const(0).i32.ne();
      return;
    }
    if (to === "float32") {
      if (from === "int32") V ? c.f32x4.convert_i32x4_s() : c.f32.convert_i32_s();
      else if (V) c.v128.constF32x4([1, 1, 1, 1]).v128.and();
      else c.f32.convert_i32_u();
      return;
    }
    // to int32: float → saturating truncation with NaN → 0 (XLA's convert); bool → 0/1.
    if (from === "float32") V ? c.i32x4.trunc_sat_f32x4_s() : c.i32.trunc_sat_f32_s();
    else if (V) c.v128.constI32x4([1, 1, 1, 1]).v128.and();
  }
}

/** Lanes of the v128 in `l` that hold a subnormal float32: 1 ≤ (bits & 0x7fffffff) ≤ 0x7fffff. */
function subnormalLanes(c: Code, l: Local): void {
  const splat = (x: number) => c.v128.constI32x4([x, x, x, x]);
  c.get(l);
  splat(0x7fffffff);
  c.v128.and();
  splat(1);
  c.i32x4.sub();
  splat(0x7fffff);
  c.i32x4.lt_u();
}

/** Whether `e` has float32 arithmetic that a subnormal operand slows down (see `branchOnSubnormal`). */
export function hasFloatArithmetic(e: ScalarExpr): boolean {
  for (const n of nodesOf([e])) {
    if (n.k === "binary" && n.dtype === "float32" && ["add", "sub", "mul", "div"].includes(n.op)) return true;
    if (n.k === "unary" && n.x.dtype === "float32" && n.op === "sqrt") return true;
    if (n.k === "ipow" && n.dtype === "float32") return true;
  }
  return false;
}

/**
 * The subnormal guard of the map emitters: `wide()` when any lane of the float32 vectors in
 * `floats` is subnormal, else `narrow()`. x86 runs float32 arithmetic on subnormals through
 * ~100-cycle microcode assists and Wasm cannot set flush-to-zero; `wide` computes the vector in
 * float64 halves, which gives the same bits (ExprEmitter's `wide` mode).
 */
export function branchOnSubnormal(c: Code, floats: readonly Local[], wide: () => void, narrow: () => void): void {
  floats.forEach((l, i) => {
    subnormalLanes(c, l);
    if (i > 0) c.v128.or();
  });
  c.v128.any_true();
  c.if("void", wide, narrow);
}
