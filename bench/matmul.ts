/** (b) float32 matmul throughput vs a naive triple-loop JS reference. */
import { np } from "../src/index.js";
import { fmtMs, fmtRatio, medianMs, randomFloats, type Section } from "./harness.js";

const SIZES = [64, 128, 256, 512];

/** The textbook i-j-k loop a user would write first (strided reads of b), into a Float32Array. */
function naiveMatmul(a: Float32Array, b: Float32Array, n: number): Float32Array {
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

export async function benchMatmul(): Promise<Section> {
  const rows: string[][] = [];
  for (const n of SIZES) {
    const a = randomFloats(n * n, 10 + n);
    const b = randomFloats(n * n, 20 + n);
    const x = np.array(a).reshape([n, n]);
    const y = np.array(b).reshape([n, n]);
    // Large sizes take ~0.1–1 s per call: fewer iterations keep the whole bench short.
    const opts =
      n >= 512 ? { time: 2000, iterations: 3 } : n >= 256 ? { time: 1500, iterations: 5 } : { time: 700, iterations: 20 };
    const t = await medianMs({ axle: () => np.matmul(x, y), naive: () => naiveMatmul(a, b, n) }, opts);
    const gflops = (ms: number) => (2 * n ** 3) / (ms * 1e-3) / 1e9;
    rows.push([
      `${n}x${n} @ ${n}x${n}`,
      `${gflops(t.axle).toFixed(2)}`,
      fmtMs(t.axle),
      `${gflops(t.naive).toFixed(2)}`,
      fmtMs(t.naive),
      fmtRatio(t.naive / t.axle),
    ]);
  }
  return {
    title: "Matmul, float32",
    note: "GFLOP/s = 2n³ / time; speedup = naive triple-loop time / axle time (higher is better)",
    header: ["size", "axle GFLOP/s", "axle time", "naive GFLOP/s", "naive time", "speedup"],
    rows,
  };
}
