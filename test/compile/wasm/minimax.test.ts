/**
 * Every constant of math.ts has a reproducible origin: the polynomial coefficients are
 * Remez fits of the cores in minimax.ts rounded to float32, and the bits of 2/π and π/2 come
 * from Machin's formula in BigInt.
 */
import { describe, expect, test } from "vitest";
import {
  COS_C,
  EXP_P,
  LOG_R,
  PIO2_HI,
  PIO2_LO,
  SIN_S,
  TANH_T,
  TWO_OVER_PI_WORDS,
} from "../../../src/compile/backends/wasm/math.js";
import { cores, remez, twoOverPiBits } from "../../../src/compile/backends/wasm/minimax.js";

const minimaxF32 = (f: (x: number) => number, lo: number, hi: number, degree: number) =>
  remez(f, lo, hi, degree, { relative: true }).coeffs.map(Math.fround);

describe("minimax fits", () => {
  test("remez finds the known minimax line and cubic for e^x on [-1, 1]", () => {
    // Classical values: the best line for e^x on [-1, 1] errs by 0.2788, the best cubic by 0.005528.
    expect(remez(Math.exp, -1, 1, 1).error).toBeCloseTo(0.2788, 4);
    expect(remez(Math.exp, -1, 1, 3).error).toBeCloseTo(0.0055283, 6);
  });

  test("the float32 coefficients in math.ts are the float32-rounded Remez fits", () => {
    expect(minimaxF32(cores.expP, -Math.LN2 / 2, Math.LN2 / 2, 5)).toEqual(EXP_P);
    expect(minimaxF32(cores.logR, 0, ((Math.SQRT2 - 1) / (Math.SQRT2 + 1)) ** 2, 3)).toEqual(LOG_R);
    expect(minimaxF32(cores.sinS, 0, (Math.PI / 4) ** 2, 3)).toEqual(SIN_S);
    expect(minimaxF32(cores.cosC, 0, (Math.PI / 4) ** 2, 2)).toEqual(COS_C);
    expect(minimaxF32(cores.tanhT, 0, 0.5625 ** 2, 5)).toEqual(TANH_T);
  });

  test("the series cores agree with Math where no cancellation hurts", () => {
    const x = 0.3;
    expect(cores.expP(x)).toBeCloseTo((Math.exp(x) - 1 - x) / (x * x), 13);
    expect(cores.sinS(x * x)).toBeCloseTo((Math.sin(x) - x) / x ** 3, 12);
    expect(cores.cosC(x * x)).toBeCloseTo((Math.cos(x) - 1 + (x * x) / 2) / x ** 4, 10);
    expect(cores.tanhT(x * x)).toBeCloseTo((Math.tanh(x) - x) / x ** 3, 12);
  });
});

describe("reduction constants", () => {
  test("2/π's bits match the table and its leading digits", () => {
    const T = twoOverPiBits(256);
    const words = Array.from({ length: 8 }, (_, j) => Number((T >> BigInt(32 * j)) & 0xffffffffn));
    expect(words).toEqual(TWO_OVER_PI_WORDS);
    expect(Number(T >> 200n) / 2 ** 56).toBe(2 / Math.PI);
  });

  test("π/2 = PIO2_HI + PIO2_LO with a 33-bit head", () => {
    expect(Number.isInteger(PIO2_HI * 2 ** 32)).toBe(true);
    expect(PIO2_HI + PIO2_LO).toBe(Math.PI / 2);
    // The tail is the float64 rounding of π/2 − head, from 2/π's bits inverted in BigInt.
    const scale = 2n ** 200n;
    const pio2 = scale ** 2n / twoOverPiBits(200);
    const rest = Number(pio2 - BigInt(PIO2_HI * 2 ** 32) * 2n ** 168n) / 2 ** 200;
    expect(rest).toBe(PIO2_LO);
  });
});
