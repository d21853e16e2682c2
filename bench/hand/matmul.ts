/** Hand-written float32 matmuls over row-major n×n Float32Arrays (a fresh output each call, as the libraries return). */

/** The textbook i-j-k loop a user writes first (strided reads of b). */
export function naiveMatmul(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      out[i * n + j] = s;
    }
  }
  return out;
}

const PANEL = 256;

/**
 * A careful JS matmul: i-k-j order (the inner loop runs along rows of b and c), four rows of c
 * per pass so each loaded element of b feeds four multiply-adds, and panels of 256 columns so
 * the rows of b being reused stay in cache.
 */
export function blockedMatmul(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const c = new Float32Array(n * n);
  for (let j0 = 0; j0 < n; j0 += PANEL) {
    const j1 = Math.min(n, j0 + PANEL);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const r0 = i * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      for (let k = 0; k < n; k++) {
        const a0 = a[r0 + k];
        const a1 = a[r1 + k];
        const a2 = a[r2 + k];
        const a3 = a[r3 + k];
        const bk = k * n;
        for (let j = j0; j < j1; j++) {
          const bv = b[bk + j];
          c[r0 + j] += a0 * bv;
          c[r1 + j] += a1 * bv;
          c[r2 + j] += a2 * bv;
          c[r3 + j] += a3 * bv;
        }
      }
    }
    for (; i < n; i++) {
      const r = i * n;
      for (let k = 0; k < n; k++) {
        const av = a[r + k];
        const bk = k * n;
        for (let j = j0; j < j1; j++) c[r + j] += av * b[bk + j];
      }
    }
  }
  return c;
}
