/**
 * The Wasm float32 matmul in GFLOP/s for n = 64…1024: the kernel alone (operands already in Wasm
 * memory) and the JS-facing call (copies in and out included), single-threaded and on a
 * worker pool over shared memory. Best of repeated trials interleaved across sizes, because
 * the machine is shared: `npx tsx bench/wasm-sgemm.ts [seconds]`.
 */
import os from "node:os";
import { DEFAULT_BLOCKING } from "../src/compile/backends/wasm/matmul.js";
import { Sgemm } from "../src/compile/backends/wasm/sgemm.js";
import { ParallelSgemm } from "../src/compile/threads/parallel-sgemm.js";
import { threadPlatform } from "../src/compile/threads/platform.js";

const SIZES = [64, 128, 256, 512, 1024];
const seconds = Number(process.argv[2] ?? 30);

function randomFloats(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = seed / 2 ** 32 - 0.5;
  }
  return out;
}

const inputs = SIZES.map((n) => [randomFloats(n * n, n), randomFloats(n * n, n + 1)] as const);
const platform = threadPlatform();
const runners: [string, Sgemm][] = [["1 thread", new Sgemm({ blocking: DEFAULT_BLOCKING })]];
if (platform && platform.cores > 1) {
  const par = new ParallelSgemm(platform, { threads: 2, blocking: DEFAULT_BLOCKING });
  par.waitUntilReady();
  runners.push([`2 threads`, par]);
}
const best = runners.map(() => SIZES.map(() => Number.POSITIVE_INFINITY));
const deadline = performance.now() + seconds * 1000;
for (let round = 0; performance.now() < deadline || round < 2; round++) {
  runners.forEach(([, mm], r) => {
    SIZES.forEach((n, s) => {
      const [a, b] = inputs[s];
      const reps = Math.max(1, Math.round(2e7 / (2 * n ** 3)));
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) mm.matmul(a, b, n, n, n);
      best[r][s] = Math.min(best[r][s], (performance.now() - t0) / reps);
    });
  });
}
console.log(
  `Wasm sgemm, ${JSON.stringify(DEFAULT_BLOCKING)}; node ${process.version}; ${os.cpus()[0]?.model}; load ${os.loadavg()[0].toFixed(1)}`,
);
console.log(`GFLOP/s (2n³ / best time, copies in/out included), ${seconds} s of interleaved trials`);
console.log(["threads", ...SIZES.map((n) => `n=${n}`)].map((c) => c.padStart(9)).join(""));
runners.forEach(([name], r) => {
  console.log([name, ...best[r].map((ms, s) => ((2 * SIZES[s] ** 3) / ms / 1e6).toFixed(1))].map((c) => c.padStart(9)).join(""));
});
