/**
 * Special functions the samplers need: the inverse error function as a composite of primitives
 * (so normal samples can be traced), plus scalar erf and nextafter for static bounds.
 */
import type { Array } from "../core/array.js";
import type { DType } from "../core/dtype.js";
import * as np from "../numpy/index.js";

// M. Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011): single-precision
// (relative error ~4e-7) and double-precision (~1e-15) polynomials, as XLA's ErfInv uses.
const F32_CENTRAL = [
  2.81022636e-8, 3.43273939e-7, -0.0000035233877, -0.00000439150654, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
  1.50140941,
];
const F32_TAIL = [
  -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406,
  2.83297682,
];
const F64_CENTRAL = [
  -3.64441206401782e-21, -1.6850591381820166e-19, 1.28584807152564e-18, 1.1157877678025181e-17, -1.333171662854621e-16,
  2.0972767875968562e-17, 6.637638134358324e-15, -4.054566272975207e-14, -8.151934197605472e-14, 2.6335093153082323e-12,
  -1.2975133253453532e-11, -5.415412054294628e-11, 1.0512122733215323e-9, -4.112633980346984e-9, -2.9070369957882005e-8,
  4.2347877827932404e-7, -0.0000013654692000834679, -0.000013882523362786469, 0.00018673420803405714, -0.000740702534166267,
  -0.006033670871430149, 0.24015818242558962, 1.6536545626831027,
];
const F64_MID = [
  2.2137376921775787e-9, 9.075656193888539e-8, -2.7517406297064545e-7, 1.8239629214389228e-8, 0.0000015027403968909828,
  -0.000004013867526981546, 0.0000029234449089955446, 0.000012475304481671779, -0.000047318229009055734, 0.00006828485145957318,
  0.000024031110387097894, -0.0003550375203628475, 0.0009532893797373805, -0.0016882755560235047, 0.002491442096107851,
  -0.003751208507569241, 0.005370914553590064, 1.0052589676941592, 3.0838856104922208,
];
const F64_TAIL = [
  -2.7109920616438573e-11, -2.555641816996525e-10, 1.5076572693500548e-9, -3.789465440126737e-9, 7.61570120807834e-9,
  -1.496002662714924e-8, 2.914795345090108e-8, -6.771199775845234e-8, 2.2900482228026655e-7, -9.9298272942317e-7,
  0.000004526062597223154, -0.00001968177810553167, 0.00007599527703001776, -0.00021503011930044477, -0.00013871931833623122,
  1.0103004648645344, 4.849906401408584,
];

function horner(coeffs: readonly number[], w: Array): Array {
  let p = np.add(np.multiply(w, coeffs[0]), coeffs[1]);
  for (let i = 2; i < coeffs.length; i++) p = np.add(np.multiply(p, w), coeffs[i]);
  return p;
}

/**
 * erf⁻¹(x) for x in [-1, 1] (±inf at ±1), elementwise, in x's floating dtype.
 * @example erfinv(np.array([0, 0.5])) // [0, 0.4769…]
 */
export function erfinv(x: Array): Array {
  // w = -log(1 - x²), written as a product so it stays accurate near ±1.
  const w = np.negative(np.log(np.multiply(np.subtract(1, x), np.add(1, x))));
  let p: Array;
  if (x.dtype === "float64") {
    const central = horner(F64_CENTRAL, np.subtract(w, 3.125));
    const sw = np.sqrt(w);
    const mid = horner(F64_MID, np.subtract(sw, 3.25));
    const tail = horner(F64_TAIL, np.subtract(sw, 5));
    p = np.where(np.less(w, 6.25), central, np.where(np.less(w, 16), mid, tail));
  } else {
    const central = horner(F32_CENTRAL, np.subtract(w, 2.5));
    const tail = horner(F32_TAIL, np.subtract(np.sqrt(w), 3));
    p = np.where(np.less(w, 5), central, tail);
  }
  return np.where(np.equal(np.abs(x), 1), np.multiply(x, Number.POSITIVE_INFINITY), np.multiply(p, x));
}

/** erf(x) for a JS number, to about 1e-15 (series for |x| < 3, continued fraction beyond). */
export function erfScalar(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    // erf(x) = 2/√π e^{-x²} Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)): all terms positive, no cancellation.
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
      term *= (2 * ax * ax) / (2 * n + 1);
      sum += term;
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum);
  }
  if (ax === Number.POSITIVE_INFINITY) return Math.sign(x);
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** The next representable value of `dtype` after `x` toward `toward` (NumPy's nextafter). */
export function nextAfter(x: number, toward: number, dtype: DType): number {
  if (Number.isNaN(x) || Number.isNaN(toward)) return Number.NaN;
  const single = dtype === "float32";
  const v = single ? Math.fround(x) : x;
  if (v === toward) return v;
  if (v === 0) {
    const tiny = single ? 2 ** -149 : Number.MIN_VALUE;
    return toward > 0 ? tiny : -tiny;
  }
  const up = toward > v === v > 0; // moving away from zero: increase the magnitude bits
  if (single) {
    const f = new Float32Array([v]);
    const i = new Int32Array(f.buffer);
    i[0] += up ? 1 : -1;
    return f[0];
  }
  const f = new Float64Array([v]);
  const i = new BigInt64Array(f.buffer);
  i[0] += up ? 1n : -1n;
  return f[0];
}
