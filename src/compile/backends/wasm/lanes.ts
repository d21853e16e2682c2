/**
 * A tiny expression language over float32 lanes, so each math kernel is written once and emitted
 * both as scalar f32 code and as f32x4 SIMD code that computes bit-identical results. Operands are
 * emitters (thunks that push one value); `let` stores a value in a fresh local so it can be used
 * more than once without recomputation. Masks are i32 0/1 (scalar) or all-ones lanes (vector);
 * `select(m, a, b)` is `select` or `v128.bitselect` accordingly.
 */
import type { Code, Local } from "./encoder.js";

/** A float-lane value. */
export interface F {
  readonly kind: "f";
  emit(): void;
}
/** An i32-lane value (the same bits viewed as integers). */
export interface I {
  readonly kind: "i";
  emit(): void;
}
/** A lane mask (comparison result). */
export interface M {
  readonly kind: "m";
  emit(): void;
}
export type FArg = F | number;
export type IArg = I | number;

type FBin = "add" | "sub" | "mul" | "div" | "min" | "max";
type FUn = "abs" | "neg" | "sqrt" | "nearest" | "floor" | "ceil" | "trunc";
type FCmp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";
type IBin = "add" | "sub" | "mul" | "and" | "or" | "xor";
type IShift = "shl" | "shr_s" | "shr_u";
type ICmp = "eq" | "ne" | "lt_s" | "le_s" | "gt_s" | "ge_s";

const f = (emit: () => void): F => ({ kind: "f", emit });
const i = (emit: () => void): I => ({ kind: "i", emit });
const m = (emit: () => void): M => ({ kind: "m", emit });

/** Expression builder over either one f32 (`width` 1) or four (`width` 4) lanes. */
export class Lanes {
  constructor(
    readonly c: Code,
    readonly width: 1 | 4,
  ) {}

  get vector(): boolean {
    return this.width === 4;
  }

  private fa(a: FArg): F {
    return typeof a === "number" ? this.f(a) : a;
  }

  private ia(a: IArg): I {
    return typeof a === "number" ? this.i(a) : a;
  }

  /** A float constant (rounded to float32). */
  f(v: number): F {
    return f(() => (this.vector ? this.c.v128.constF32x4([v, v, v, v]) : this.c.f32.const(v)));
  }

  /** A float constant given by its bit pattern. */
  fBits(bits: number): F {
    return f(() => (this.vector ? this.c.v128.constI32x4([bits, bits, bits, bits]) : this.c.f32.constBits(bits)));
  }

  i(v: number): I {
    return i(() => (this.vector ? this.c.v128.constI32x4([v, v, v, v]) : this.c.i32.const(v)));
  }

  /** A value already in a local (f32/i32 for scalars, v128 for vectors). */
  ref(l: Local): F {
    return f(() => this.c.get(l));
  }

  refI(l: Local): I {
    return i(() => this.c.get(l));
  }

  /** Evaluates `x` once into a new local and returns a reader of it. */
  let(x: FArg): F {
    const l = this.c.local(this.vector ? "v128" : "f32");
    this.fa(x).emit();
    this.c.set(l);
    return this.ref(l);
  }

  letI(x: IArg): I {
    const l = this.c.local(this.vector ? "v128" : "i32");
    this.ia(x).emit();
    this.c.set(l);
    return this.refI(l);
  }

  letM(x: M): M {
    const l = this.c.local(this.vector ? "v128" : "i32");
    x.emit();
    this.c.set(l);
    return m(() => this.c.get(l));
  }

  /** Stores `x` into an existing local. */
  assign(l: Local, x: FArg | I): void {
    typeof x === "number" ? this.f(x).emit() : x.emit();
    this.c.set(l);
  }

  private fbin(op: FBin, a: FArg, b: FArg): F {
    const [x, y] = [this.fa(a), this.fa(b)];
    return f(() => {
      x.emit();
      y.emit();
      this.vector ? this.c.f32x4[op]() : this.c.f32[op]();
    });
  }

  private fun(op: FUn, a: FArg): F {
    const x = this.fa(a);
    return f(() => {
      x.emit();
      this.vector ? this.c.f32x4[op]() : this.c.f32[op]();
    });
  }

  add(a: FArg, b: FArg): F {
    return this.fbin("add", a, b);
  }
  sub(a: FArg, b: FArg): F {
    return this.fbin("sub", a, b);
  }
  mul(a: FArg, b: FArg): F {
    return this.fbin("mul", a, b);
  }
  div(a: FArg, b: FArg): F {
    return this.fbin("div", a, b);
  }
  /** NaN-propagating minimum (Wasm `min`). */
  min(a: FArg, b: FArg): F {
    return this.fbin("min", a, b);
  }
  max(a: FArg, b: FArg): F {
    return this.fbin("max", a, b);
  }
  abs(a: FArg): F {
    return this.fun("abs", a);
  }
  neg(a: FArg): F {
    return this.fun("neg", a);
  }
  sqrt(a: FArg): F {
    return this.fun("sqrt", a);
  }
  /** Round to nearest, ties to even. */
  nearest(a: FArg): F {
    return this.fun("nearest", a);
  }
  floor(a: FArg): F {
    return this.fun("floor", a);
  }

  /** c0 + x·(c1 + x·(c2 + …)) by Horner's rule. */
  poly(x: F, coeffs: readonly number[]): F {
    let acc: FArg = coeffs[coeffs.length - 1];
    for (let k = coeffs.length - 2; k >= 0; k--) acc = this.add(coeffs[k], this.mul(x, acc));
    return this.fa(acc);
  }

  cmp(op: FCmp, a: FArg, b: FArg): M {
    const [x, y] = [this.fa(a), this.fa(b)];
    return m(() => {
      x.emit();
      y.emit();
      this.vector ? this.c.f32x4[op]() : this.c.f32[op]();
    });
  }

  /** `mask ? a : b`, lane by lane. */
  select(mask: M, a: FArg, b: FArg): F {
    const [x, y] = [this.fa(a), this.fa(b)];
    return f(() => {
      x.emit();
      y.emit();
      mask.emit();
      this.vector ? this.c.v128.bitselect() : this.c.select();
    });
  }

  selectI(mask: M, a: IArg, b: IArg): I {
    const [x, y] = [this.ia(a), this.ia(b)];
    return i(() => {
      x.emit();
      y.emit();
      mask.emit();
      this.vector ? this.c.v128.bitselect() : this.c.select();
    });
  }

  and(a: M, b: M): M {
    return m(() => {
      a.emit();
      b.emit();
      this.vector ? this.c.v128.and() : this.c.i32.and();
    });
  }

  /** The float's bits as an integer. */
  bits(a: FArg): I {
    const x = this.fa(a);
    return i(() => {
      x.emit();
      if (!this.vector) this.c.i32.reinterpret_f32();
    });
  }

  /** An integer's bits as a float. */
  float(a: IArg): F {
    const x = this.ia(a);
    return f(() => {
      x.emit();
      if (!this.vector) this.c.f32.reinterpret_i32();
    });
  }

  /** Float → int, truncating and saturating (NaN → 0). */
  toInt(a: FArg): I {
    const x = this.fa(a);
    return i(() => {
      x.emit();
      this.vector ? this.c.i32x4.trunc_sat_f32x4_s() : this.c.i32.trunc_sat_f32_s();
    });
  }

  /** Signed int → float. */
  toFloat(a: IArg): F {
    const x = this.ia(a);
    return f(() => {
      x.emit();
      this.vector ? this.c.f32x4.convert_i32x4_s() : this.c.f32.convert_i32_s();
    });
  }

  private ibin(op: IBin, a: IArg, b: IArg): I {
    const [x, y] = [this.ia(a), this.ia(b)];
    return i(() => {
      x.emit();
      y.emit();
      if (this.vector) {
        if (op === "and" || op === "or" || op === "xor") this.c.v128[op]();
        else this.c.i32x4[op]();
      } else this.c.i32[op]();
    });
  }

  iadd(a: IArg, b: IArg): I {
    return this.ibin("add", a, b);
  }
  isub(a: IArg, b: IArg): I {
    return this.ibin("sub", a, b);
  }
  iand(a: IArg, b: IArg): I {
    return this.ibin("and", a, b);
  }
  ior(a: IArg, b: IArg): I {
    return this.ibin("or", a, b);
  }
  ixor(a: IArg, b: IArg): I {
    return this.ibin("xor", a, b);
  }

  shift(op: IShift, a: IArg, n: number): I {
    const x = this.ia(a);
    return i(() => {
      x.emit();
      this.c.i32.const(n);
      this.vector ? this.c.i32x4[op]() : this.c.i32[op]();
    });
  }

  icmp(op: ICmp, a: IArg, b: IArg): M {
    const [x, y] = [this.ia(a), this.ia(b)];
    return m(() => {
      x.emit();
      y.emit();
      this.vector ? this.c.i32x4[op]() : this.c.i32[op]();
    });
  }

  /** 2^k for integer k in [−126, 127], built from the exponent field. */
  pow2(k: IArg): F {
    return this.float(this.shift("shl", this.iadd(k, 127), 23));
  }

  /** |x| with the sign of `s` (sign bit transplanted). */
  copysign(x: FArg, s: FArg): F {
    return this.float(this.ior(this.iand(this.bits(x), 0x7fffffff), this.iand(this.bits(s), 0x80000000 | 0)));
  }
}
