/**
 * Accurate float32 transcendentals as WebAssembly code (Wasm has no such instructions), each
 * emitted both as scalar f32 and as f32x4 code with bit-identical results. Every function is a
 * range reduction (Cody–Waite: the reduction constant split in a short head, whose products with
 * the integer k are exact, and a tail) followed by a minimax polynomial whose float32
 * coefficients come from `minimax.ts` (re-derived by the tests). Special values (±0, ±∞, NaN,
 * denormals, overflow and underflow) are handled branch-free with selects.
 *
 * Measured max error against Math.* rounded to float32 (test/compile/wasm/math.test.ts: 10^6
 * random bit patterns + 10^6 uniform in the interesting range + special values; scalar and
 * vector agree bit for bit):
 *
 * | function | max ulp | reduction / core                                          |
 * |----------|---------|-----------------------------------------------------------|
 * | exp      | 1       | x = k·ln2 + r, |r| ≤ ln2/2; 1 + r + r²·P5(r); 2^k in two halves |
 * | expm1    | 1       | same P5; (2^k − 1) + 2^k·(r + r²P) arranged to stay exact |
 * | log      | 1       | x = 2^e·m, m ∈ [√½, √2); s = f/(2+f), R3(s²)              |
 * | log1p    | 1       | log's core on 1+x with the rounding of 1+x corrected      |
 * | sin, cos | 1       | x = k·π/2 + r in float64 (Payne–Hanek beyond 2^19); S3, C2 |
 * | tanh     | 1       | |x| < 0.5625: x + x³·T5(x²); else 1 − 2/(e^{2|x|} + 1)    |
 * | sigmoid  | 2       | 1/(1 + e^{−x}) for x ≥ 0, e^{x}/(1 + e^{x}) for x < 0     |
 *
 * 90–99.7 % of results are correctly rounded (by function and range); sigmoid's 2 ulp come
 * from e^x's error plus the division's rounding (≈ 0.05 % of the samples in [−110, 110]).
 */
import type { Code, FuncRef, Local, ModuleBuilder } from "./encoder.js";
import { type F, type FArg, type I, Lanes } from "./lanes.js";

// Float32 minimax coefficients: remez(cores.X, interval, degree, relative) rounded to float32.
/** exp(r) = 1 + r + r²·P(r) on [−ln2/2, ln2/2], relative error 2.7e-9 before rounding. */
export const EXP_P = [
  0.5, 0.1666666716337204, 0.04166646674275398, 0.008333360776305199, 0.0013933597365394235, 0.00019857799634337425,
];
/** log(1+f): R(z) on z = s² ∈ [0, ((√2−1)/(√2+1))²], relative error 1.7e-9. */
export const LOG_R = [0.6666666865348816, 0.4000012278556824, 0.2855079770088196, 0.23330993950366974];
/** sin(r) = r + r³·S(r²) on r² ∈ [0, (π/4)²], relative error 1.7e-10. */
export const SIN_S = [-0.1666666716337204, 0.008333331905305386, -0.00019840082677546889, 0.0000027249411687080283];
/** cos(r) = 1 − r²/2 + r⁴·C(r²) on r² ∈ [0, (π/4)²], relative error 4.9e-8. */
export const COS_C = [0.0416666641831398, -0.0013888301327824593, 0.000024547607608838007];
/** tanh(x) = x + x³·T(x²) on x² ∈ [0, 0.5625²], relative error 1.5e-9. */
export const TANH_T = [
  -0.3333333432674408, 0.133333221077919, -0.05396406352519989, 0.021811915561556816, -0.008499297313392162, 0.00248767645098269,
];

const LOG2E = 1.4426950216293335;
/** ln 2 to 16 bits: k·LN2_HI is exact for |k| < 2^8. */
const LN2_HI = 0.693145751953125;
const LN2_LO = 0.000001428606765330187;
const TANH_SMALL = 0.5625;
/** Above this |x|, sin/cos reduce with Payne–Hanek instead of the two-term float64 Cody–Waite. */
const TRIG_BIG = 524288;
const TWO_OVER_PI = 0.6366197723675814;
/** π/2 to 33 bits (k·PIO2_HI exact for |k| < 2^20) and the float64 rest. */
export const PIO2_HI = 1.5707963267341256;
export const PIO2_LO = 6.077100506506192e-11;
/** 2/π as a 256-bit fraction, least significant 32-bit word first (minimax.twoOverPiBits). */
export const TWO_OVER_PI_WORDS = [0xdebbc561, 0xfe5163ab, 0x3c439041, 0xdb629599, 0xf534ddc0, 0xfc2757d1, 0x4e441529, 0xa2f9836e];

export const MATH_FUNCTIONS = ["exp", "expm1", "log", "log1p", "sin", "cos", "tanh", "sigmoid"] as const;
export type MathFunction = (typeof MATH_FUNCTIONS)[number];

/** x = k·ln2 + r (two parts), with k as an integer and float. */
function reduceLn2(L: Lanes, x: F) {
  const kf = L.let(L.nearest(L.mul(x, LOG2E)));
  const rhi = L.let(L.sub(x, L.mul(kf, LN2_HI)));
  const rlo = L.let(L.mul(kf, LN2_LO));
  const r = L.let(L.sub(rhi, rlo));
  const t = L.let(L.mul(L.mul(r, r), L.poly(r, EXP_P)));
  const k = L.letI(L.toInt(kf));
  // 2^k as 2^k1·2^k2: each factor stays a normal float for k in [−150, 128].
  const k1 = L.letI(L.shift("shr_s", k, 1));
  const k2 = L.letI(L.isub(k, k1));
  return { rhi, rlo, t, k1, k2 };
}

function exp(L: Lanes, x0: F): F {
  // e^x overflows above 88.72 and is below half the smallest denormal under −103.97.
  const x = L.let(L.min(L.max(x0, -104), 89));
  const { rhi, rlo, t, k1, k2 } = reduceLn2(L, x);
  const p = L.add(1, L.add(rhi, L.sub(t, rlo)));
  return L.mul(L.mul(p, L.pow2(k1)), L.pow2(k2));
}

function expm1(L: Lanes, x0: F): F {
  // Below −18, e^x − 1 rounds to −1.
  const x = L.let(L.min(L.max(x0, -18), 89));
  const { rhi, rlo, t, k1, k2 } = reduceLn2(L, x);
  // e^x − 1 = 2^k2·((2^k1 − 2^−k2) + 2^k1·r_hi + 2^k1·(t − r_lo)): for small k the first sum
  // is exact, so the result is rounded about once; split scaling avoids 2^128.
  const s1 = L.let(L.pow2(k1));
  const inv2 = L.pow2(L.isub(0, k2));
  const a = L.add(L.sub(s1, inv2), L.mul(s1, rhi));
  const res = L.mul(L.add(a, L.mul(s1, L.sub(t, rlo))), L.pow2(k2));
  return L.select(L.cmp("eq", x0, 0), x0, res);
}

/** log(1 + f) + k·ln2 + c for f ∈ [√½ − 1, √2 − 1] (the shared core of log and log1p). */
function logCore(L: Lanes, f: F, kf: F, c: FArg): F {
  const s = L.let(L.div(f, L.add(2, f)));
  const z = L.let(L.mul(s, s));
  const hfsq = L.let(L.mul(L.mul(0.5, f), f));
  const R = L.mul(z, L.poly(z, LOG_R));
  const lo = L.add(L.mul(kf, LN2_LO), c);
  return L.add(L.add(L.sub(L.add(L.mul(s, L.add(hfsq, R)), lo), hfsq), f), L.mul(kf, LN2_HI));
}

/** Splits a positive normal x into 2^k·m with m ∈ [√½, √2): returns k and m − 1. */
function splitSqrtHalf(L: Lanes, x: F, kBias: I | number) {
  const ix = L.letI(L.isub(L.bits(x), 0x3f3504f3));
  const k = L.letI(L.iadd(L.shift("shr_s", ix, 23), kBias));
  const m = L.float(L.iadd(L.iand(ix, 0x007fffff), 0x3f3504f3));
  return { k, f: L.let(L.sub(m, 1)) };
}

function log(L: Lanes, x: F): F {
  // Denormals are scaled by 2^23 first so the exponent field is meaningful.
  const tiny = L.letM(L.cmp("lt", x, 1.1754943508222875e-38));
  const xs = L.let(L.select(tiny, L.mul(x, 8388608), x));
  const { k, f } = splitSqrtHalf(L, xs, L.selectI(tiny, -23, 0));
  let res = logCore(L, f, L.let(L.toFloat(k)), 0);
  res = L.select(L.cmp("lt", x, Number.POSITIVE_INFINITY), res, x); // +∞ and NaN pass through
  res = L.select(L.cmp("eq", x, 0), Number.NEGATIVE_INFINITY, res);
  return L.select(L.cmp("lt", x, 0), Number.NaN, res);
}

function log1p(L: Lanes, x: F): F {
  const u = L.let(L.add(1, x));
  const { k, f: fu } = splitSqrtHalf(L, u, 0);
  // 1 + x = u + err exactly; log(1 + x) ≈ log(u) + err/u. With k = 0, f = x itself is exact.
  const big = L.icmp("ge_s", k, 2);
  const err = L.select(big, L.sub(1, L.sub(u, x)), L.sub(x, L.sub(u, 1)));
  const k0 = L.letM(L.icmp("eq", k, 0));
  const f = L.let(L.select(k0, x, fu));
  const c = L.select(k0, 0, L.div(err, u));
  let res = logCore(L, f, L.let(L.toFloat(k)), c);
  res = L.select(L.cmp("lt", x, Number.POSITIVE_INFINITY), res, x);
  res = L.select(L.cmp("eq", x, -1), Number.NEGATIVE_INFINITY, res);
  res = L.select(L.cmp("lt", x, -1), Number.NaN, res);
  return L.select(L.cmp("eq", x, 0), x, res); // keeps the sign of zero
}

function tanh(L: Lanes, x: F): F {
  const a = L.let(L.abs(x));
  const z = L.let(L.mul(a, a));
  const small = L.add(a, L.mul(L.mul(a, z), L.poly(z, TANH_T)));
  // 1 − 2/(e^{2a} + 1): e^{2a} = ∞ gives exactly 1.
  const e = L.let(exp(L, L.add(a, a)));
  const large = L.sub(1, L.div(2, L.add(e, 1)));
  return L.copysign(L.select(L.cmp("lt", a, TANH_SMALL), small, large), x);
}

function sigmoid(L: Lanes, x: F): F {
  // e^{−|x|} ≤ 1 never overflows; for x < 0 the numerator keeps tiny results (denormals) exact.
  const e = L.let(exp(L, L.neg(L.abs(x))));
  return L.div(L.select(L.cmp("lt", x, 0), e, 1), L.add(1, e));
}

/** sin or cos of r = hi + lo (|r| ≤ π/4 + ε) in quadrant q. */
function trigPoly(L: Lanes, which: "sin" | "cos", hi: F, lo: F, q: I): F {
  const z = L.let(L.mul(hi, hi));
  const sinr = L.let(L.add(hi, L.add(lo, L.mul(L.mul(hi, z), L.poly(z, SIN_S)))));
  // 1 − z/2 rounds; ((1 − w) − z/2) recovers that rounding error exactly.
  const hz = L.let(L.mul(0.5, z));
  const w = L.let(L.sub(1, hz));
  const tail = L.sub(L.mul(L.mul(z, z), L.poly(z, COS_C)), L.mul(hi, lo));
  const cosr = L.let(L.add(w, L.add(L.sub(L.sub(1, w), hz), tail)));
  const qq = which === "sin" ? q : L.iadd(q, 1);
  const odd = L.icmp("ne", L.iand(q, 1), 0);
  const v = which === "sin" ? L.select(odd, cosr, sinr) : L.select(odd, sinr, cosr);
  return L.float(L.ixor(L.bits(v), L.shift("shl", L.iand(qq, 2), 30)));
}

/**
 * Payne–Hanek reduction for finite |x| ≥ 2^19: x·2/π mod 4 from a 96-bit window of the bits of
 * 2/π, multiplied in i64 pieces by x's 24-bit mantissa. Returns (r in float64, quadrant).
 */
function definePayneHanek(m: ModuleBuilder): FuncRef {
  return m.func("axle_rem_pio2_large", { params: ["f32"], results: ["f64", "i32"] }, (c, [x]) => {
    const ix = c.local("i32");
    const s = c.local("i32");
    const mant = c.local("i64");
    const sh = c.local("i64");
    const w = [0, 1, 2, 3].map(() => c.local("i64"));
    const W = [0, 1, 2].map(() => c.local("i64"));
    const p = [0, 1, 2].map(() => c.local("i64"));
    const hi = c.local("i64");
    const fs = c.local("i64");
    const q = c.local("i32");
    const r = c.local("f64");
    c.get(x).i32.reinterpret_f32().i32.const(0x7fffffff).i32.and().set(ix);
    c.get(ix).i32.const(0x7fffff).i32.and().i32.const(0x800000).i32.or().i64.extend_i32_u().set(mant);
    // |x| = mant·2^e; the window starts s = 162 − e bits above the 256-bit table's bottom.
    c.i32.const(162).get(ix).i32.const(23).i32.shr_u().i32.const(150).i32.sub().i32.sub().set(s);
    c.get(s).i32.const(31).i32.and().i64.extend_i32_u().set(sh);
    w.forEach((wl, j) => {
      // word(s/32 + j) by a chain of selects over the table (zero past its top).
      c.i64.const(0);
      TWO_OVER_PI_WORDS.forEach((word, idx) => {
        // [acc, word, index ≠ idx] → select keeps acc unless this is the word.
        c.i64.const(word).get(s).i32.const(5).i32.shr_u().i32.const(j).i32.add().i32.const(idx).i32.ne().select();
      });
      c.set(wl);
    });
    for (let j = 0; j < 3; j++) {
      c.get(w[j + 1])
        .i64.const(32)
        .i64.shl()
        .get(w[j])
        .i64.or()
        .get(sh)
        .i64.shr_u();
      c.i64.const(0xffffffff).i64.and().set(W[j]);
    }
    c.get(mant).get(W[0]).i64.mul().set(p[0]);
    c.get(mant).get(W[1]).i64.mul().get(p[0]).i64.const(32).i64.shr_u().i64.add().set(p[1]);
    c.get(mant).get(W[2]).i64.mul().get(p[1]).i64.const(32).i64.shr_u().i64.add().set(p[2]);
    c.get(p[2]).i64.const(32).i64.shl().get(p[1]).i64.const(0xffffffff).i64.and().i64.or().set(hi);
    c.get(hi).i64.const(2).i64.shl().set(fs);
    // Round to the nearest quadrant: a negative fraction (≥ ½ unsigned) means the next one.
    c.get(hi).i64.const(62).i64.shr_u().i32.wrap_i64().get(fs).i64.const(0).i64.lt_s().i32.add().set(q);
    c.get(fs)
      .f64.convert_i64_s()
      .f64.const((PIO2_HI + PIO2_LO) * 2 ** -64)
      .f64.mul()
      .set(r);
    c.get(x)
      .f32.const(0)
      .f32.lt()
      .if("void", () => {
        c.get(r).f64.neg().set(r);
        c.i32.const(0).get(q).i32.sub().set(q);
      });
    c.get(r).get(q).i32.const(3).i32.and();
  });
}

const helpers = new WeakMap<ModuleBuilder, Map<string, FuncRef>>();

function helper(m: ModuleBuilder, key: string, define: () => FuncRef): FuncRef {
  let map = helpers.get(m);
  if (!map) helpers.set(m, (map = new Map()));
  let ref = map.get(key);
  if (!ref) {
    ref = define();
    map.set(key, ref);
  }
  return ref;
}

/** Scalar reduction of x (f32 local) to hi + lo and quadrant q. */
function reduceScalar(m: ModuleBuilder, c: Code, x: Local) {
  const hi = c.local("f32");
  const lo = c.local("f32");
  const q = c.local("i32");
  const r = c.local("f64");
  const k = c.local("f64");
  c.get(x).f32.abs().f32.const(TRIG_BIG).f32.ge().get(x).f32.abs().f32.const(Number.POSITIVE_INFINITY).f32.lt().i32.and();
  c.if(
    "void",
    () => {
      c.get(x).call(helper(m, "ph", () => definePayneHanek(m)));
      c.set(q).set(r);
    },
    () => {
      c.get(x).f64.promote_f32().f64.const(TWO_OVER_PI).f64.mul().f64.nearest().set(k);
      c.get(x).f64.promote_f32().get(k).f64.const(PIO2_HI).f64.mul().f64.sub();
      c.get(k).f64.const(PIO2_LO).f64.mul().f64.sub().set(r);
      c.get(k).i32.trunc_sat_f64_s().set(q);
    },
  );
  c.get(r).f32.demote_f64().set(hi);
  c.get(r).get(hi).f64.promote_f32().f64.sub().f32.demote_f64().set(lo);
  return { hi, lo, q };
}

/** Vector reduction in float64, two lanes at a time (valid for |x| < 2^19). */
function reduceVector(c: Code, x: Local) {
  const halves = [0, 1].map((h) => {
    const xd = c.local("v128");
    const k = c.local("v128");
    const r = c.local("v128");
    const hi = c.local("v128");
    c.get(x);
    if (h === 1) c.get(x).i8x16.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
    c.f64x2.promote_low_f32x4().set(xd);
    c.get(xd).f64.const(TWO_OVER_PI).f64x2.splat().f64x2.mul().f64x2.nearest().set(k);
    c.get(xd).get(k).f64.const(PIO2_HI).f64x2.splat().f64x2.mul().f64x2.sub();
    c.get(k).f64.const(PIO2_LO).f64x2.splat().f64x2.mul().f64x2.sub().set(r);
    c.get(r).f32x4.demote_f64x2_zero().set(hi);
    return { k, r, hi };
  });
  const low2 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  const hi = c.local("v128");
  const lo = c.local("v128");
  const q = c.local("v128");
  c.get(halves[0].hi).get(halves[1].hi).i8x16.shuffle(low2).set(hi);
  for (const h of halves) c.get(h.r).get(h.hi).f64x2.promote_low_f32x4().f64x2.sub().f32x4.demote_f64x2_zero();
  c.i8x16.shuffle(low2).set(lo);
  for (const h of halves) c.get(h.k).i32x4.trunc_sat_f64x2_s_zero();
  c.i8x16.shuffle(low2).set(q);
  return { hi, lo, q };
}

function emitTrig(m: ModuleBuilder, c: Code, which: "sin" | "cos", x: Local, vector: boolean): void {
  const L = new Lanes(c, vector ? 4 : 1);
  const xv = L.ref(x);
  const finish = (res: F) => (which === "sin" ? L.select(L.cmp("eq", xv, 0), xv, res) : res); // sin(−0) = −0
  if (!vector) {
    const { hi, lo, q } = reduceScalar(m, c, x);
    finish(trigPoly(L, which, L.ref(hi), L.ref(lo), L.refI(q))).emit();
    return;
  }
  const scalar = mathFunction(m, which, false);
  const ax = L.let(L.abs(xv));
  L.and(L.cmp("ge", ax, TRIG_BIG), L.cmp("lt", ax, Number.POSITIVE_INFINITY)).emit();
  c.v128.any_true();
  c.if(
    "v128",
    () => {
      // Some lane needs Payne–Hanek: run the scalar function lane by lane.
      c.get(x);
      for (let lane = 0; lane < 4; lane++) c.get(x).f32x4.extract_lane(lane).call(scalar).f32x4.replace_lane(lane);
    },
    () => {
      const { hi, lo, q } = reduceVector(c, x);
      finish(trigPoly(L, which, L.ref(hi), L.ref(lo), L.refI(q))).emit();
    },
  );
}

const LANE_FUNCTIONS: Record<Exclude<MathFunction, "sin" | "cos">, (L: Lanes, x: F) => F> = {
  exp,
  expm1,
  log,
  log1p,
  tanh,
  sigmoid,
};

/**
 * Emits `fn(x)` inline, leaving the result on the stack: scalar for an f32 local, four lanes
 * for a v128 local. May add helper functions to `m` (sin/cos reduction of huge arguments).
 */
export function emitMath(m: ModuleBuilder, c: Code, fn: MathFunction, x: Local): void {
  if (x.type !== "f32" && x.type !== "v128") throw new TypeError(`emitMath: ${fn} takes an f32 or v128 local, got ${x.type}`);
  const vector = x.type === "v128";
  if (fn === "sin" || fn === "cos") return emitTrig(m, c, fn, x, vector);
  const L = new Lanes(c, vector ? 4 : 1);
  LANE_FUNCTIONS[fn](L, L.ref(x)).emit();
}

/** The module's function `fn` (f32 → f32, or v128 → v128 when `vector`), defined on first use. */
export function mathFunction(m: ModuleBuilder, fn: MathFunction, vector: boolean): FuncRef {
  const t = vector ? "v128" : "f32";
  return helper(m, `${fn}:${t}`, () => {
    const ref = m.declare(`axle_${fn}_${vector ? "f32x4" : "f32"}`, { params: [t], results: [t] });
    return m.define(ref, (c, [x]) => emitMath(m, c, fn, x));
  });
}
