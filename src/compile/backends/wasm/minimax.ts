/**
 * Minimax polynomial fitting (the Remez exchange algorithm) and the Taylor series the float32
 * math kernels approximate. `math.ts` hard-codes the float32-rounded coefficients this module
 * derives; test/compile/wasm/minimax.test.ts re-derives them and checks they agree, so every
 * constant there has a reproducible origin.
 *
 * Each target is a smooth "core" g of a function, e.g. exp(r) = 1 + r + r²·g(r), evaluated
 * here from its power series in float64 (no cancellation near 0, unlike (exp(r) − 1 − r)/r²).
 */

export interface MinimaxFit {
  /** Coefficients c0..cd of c0 + c1·x + … + cd·x^d. */
  readonly coeffs: readonly number[];
  /** The equioscillating error level reached (relative or absolute, as asked). */
  readonly error: number;
}

function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[piv][col])) piv = r;
    [a[col], a[piv]] = [a[piv], a[col]];
    [b[col], b[piv]] = [b[piv], b[col]];
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      for (let c = col; c < n; c++) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r];
    for (let c = r + 1; c < n; c++) s -= a[r][c] * x[c];
    x[r] = s / a[r][r];
  }
  return x;
}

const horner = (c: readonly number[], x: number) => c.reduceRight((acc, ck) => acc * x + ck, 0);

/**
 * The degree-`degree` polynomial minimising max |p − f| (or max |p − f|/|f| with `relative`)
 * over [lo, hi]. Works in the scaled variable u = x / max(|lo|, |hi|) so the Vandermonde
 * systems stay well conditioned on small intervals.
 */
export function remez(
  f: (x: number) => number,
  lo: number,
  hi: number,
  degree: number,
  opts: { relative?: boolean; iterations?: number; grid?: number } = {},
): MinimaxFit {
  const n = degree + 1;
  const s = Math.max(Math.abs(lo), Math.abs(hi));
  const ulo = lo / s;
  const uhi = hi / s;
  const weight = (x: number) => (opts.relative ? Math.abs(f(x)) : 1);
  let ref = Array.from({ length: n + 1 }, (_, i) => (ulo + uhi) / 2 - ((uhi - ulo) / 2) * Math.cos((Math.PI * i) / n));
  let b: number[] = [];
  let level = 0;
  const gridN = opts.grid ?? 20000;
  const err = (u: number) => (horner(b, u) - f(u * s)) / weight(u * s);
  for (let it = 0; it < (opts.iterations ?? 30); it++) {
    const rows = ref.map((u, i) => [...Array.from({ length: n }, (_, k) => u ** k), (i % 2 ? -1 : 1) * weight(u * s)]);
    const sol = solve(
      rows,
      ref.map((u) => f(u * s)),
    );
    b = sol.slice(0, n);
    level = Math.abs(sol[n]);
    // Extrema of the error: the largest |e| on each run of constant sign.
    const ext: { u: number; e: number }[] = [];
    for (let g = 0; g <= gridN; g++) {
      const u = ulo + ((uhi - ulo) * g) / gridN;
      const e = err(u);
      const last = ext[ext.length - 1];
      if (last && Math.sign(last.e) === Math.sign(e)) {
        if (Math.abs(e) > Math.abs(last.e)) ext[ext.length - 1] = { u, e };
      } else ext.push({ u, e });
    }
    // Refine each extremum by golden-section search within one grid step.
    const h = (uhi - ulo) / gridN;
    for (const p of ext) {
      let a = Math.max(ulo, p.u - h);
      let c = Math.min(uhi, p.u + h);
      const sg = Math.sign(p.e);
      for (let k = 0; k < 40; k++) {
        const m1 = c - (c - a) * 0.618034;
        const m2 = a + (c - a) * 0.618034;
        if (sg * err(m1) > sg * err(m2)) c = m2;
        else a = m1;
      }
      const u = (a + c) / 2;
      if (sg * err(u) > sg * p.e) {
        p.u = u;
        p.e = err(u);
      }
    }
    while (ext.length > n + 1) {
      let i = 0;
      for (let k = 1; k < ext.length; k++) if (Math.abs(ext[k].e) < Math.abs(ext[i].e)) i = k;
      if (i === 0 || i === ext.length - 1) ext.splice(i, 1);
      else ext.splice(Math.abs(ext[i - 1].e) < Math.abs(ext[i + 1].e) ? i - 1 : i, 2);
    }
    if (ext.length < n + 1) break;
    const maxErr = Math.max(...ext.map((p) => Math.abs(p.e)));
    ref = ext.map((p) => p.u);
    if (maxErr - level <= 1e-9 * level) break;
  }
  return { coeffs: b.map((bk, k) => bk / s ** k), error: level };
}

/** Σ_k terms(k)·x^k until the terms stop mattering in float64. */
function series(x: number, term: (k: number) => number): number {
  let sum = 0;
  let p = 1;
  for (let k = 0; k < 60; k++) {
    const t = term(k) * p;
    sum += t;
    if (Math.abs(t) < 1e-19 * Math.abs(sum)) break;
    p *= x;
  }
  return sum;
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/** tanh's Taylor coefficients a_j (odd j), from y' = 1 − y²: (j+1)·a_{j+1} = [j = 0] − Σ a_i a_{j−i}. */
const TANH_TAYLOR: number[] = (() => {
  const a = new Array<number>(80).fill(0);
  for (let j = 0; j < 79; j++) {
    let conv = 0;
    for (let i = 0; i <= j; i++) conv += a[i] * a[j - i];
    a[j + 1] = ((j === 0 ? 1 : 0) - conv) / (j + 1);
  }
  return a;
})();

/** The cores the float32 kernels evaluate, each a function of its reduced argument. */
export const cores = {
  /** exp(r) = 1 + r + r²·P(r), and expm1(r) = r + r²·P(r). */
  expP: (r: number) => series(r, (k) => 1 / factorial(k + 2)),
  /** log(1+f) = f − f²/2 + s·(f²/2 + z·R(z)), s = f/(2+f), z = s²; R(z) = Σ 2z^k/(2k+3). */
  logR: (z: number) => series(z, (k) => 2 / (2 * k + 3)),
  /** sin(r) = r + r³·S(z), z = r². */
  sinS: (z: number) => series(z, (k) => (k % 2 ? 1 : -1) / factorial(2 * k + 3)),
  /** cos(r) = 1 − z/2 + z²·C(z), z = r². */
  cosC: (z: number) => series(z, (k) => (k % 2 ? -1 : 1) / factorial(2 * k + 4)),
  /** tanh(x) = x + x³·T(z), z = x². */
  tanhT: (z: number) => series(z, (k) => TANH_TAYLOR[2 * k + 3]),
} as const;

/** Bits of 2/π as a big integer scaled by 2^bits (floor), from Machin's formula in BigInt. */
export function twoOverPiBits(bits: number): bigint {
  const guard = 64;
  const one = 1n << BigInt(bits + guard);
  // arctan(1/x) = Σ (−1)^k / ((2k+1)·x^(2k+1)), in fixed point.
  const arctanInv = (x: bigint) => {
    let sum = 0n;
    let term = one / x;
    const x2 = x * x;
    for (let k = 0n; term !== 0n; k++) {
      sum += (k % 2n === 0n ? 1n : -1n) * (term / (2n * k + 1n));
      term /= x2;
    }
    return sum;
  };
  const pi = 4n * (4n * arctanInv(5n) - arctanInv(239n));
  return ((2n * one * one) / pi) >> BigInt(guard);
}
