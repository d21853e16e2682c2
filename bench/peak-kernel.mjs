// The machine's floating-point peak as WebAssembly sees it: a hand-assembled Wasm SIMD kernel of
// K independent f32x4 chains acc = acc·m + a (either f32x4.mul then f32x4.add, or one
// f32x4.relaxed_madd where the engine validates it), no memory traffic, counted as 8 flops per
// chain step (4 lanes × multiply-add). Run as its own process, so the V8 flag that relaxed SIMD
// needs on Node 20 never reaches the peers' process:
//
//   node bench/peak-kernel.mjs <muladd|madd> <threads> <ms>     → one JSON line on stdout
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
};
const f32x4 = (v) => [...new Uint8Array(new Float32Array([v, v, v, v]).buffer)];
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];

/** (n: i32) → f32: n iterations of `unroll`×K chain steps; returns a lane sum so nothing is dead. */
export function peakModule(mode, k, unroll = 2) {
  const M = k + 1;
  const A = k + 2;
  const body = [];
  for (let i = 0; i < k; i++) body.push(0xfd, 0x0c, ...f32x4(1 + i / 64), 0x21, ...uleb(1 + i));
  body.push(0xfd, 0x0c, ...f32x4(0.999), 0x21, ...uleb(M));
  body.push(0xfd, 0x0c, ...f32x4(0.001), 0x21, ...uleb(A));
  body.push(0x03, 0x40); // loop
  for (let u = 0; u < unroll; u++) {
    for (let i = 0; i < k; i++) {
      body.push(0x20, ...uleb(1 + i), 0x20, ...uleb(M));
      if (mode === "madd") body.push(0x20, ...uleb(A), 0xfd, ...uleb(0x105));
      else body.push(0xfd, ...uleb(0xe6), 0x20, ...uleb(A), 0xfd, ...uleb(0xe4));
      body.push(0x21, ...uleb(1 + i));
    }
  }
  // n -= 1; br_if (n != 0)
  body.push(0x20, 0, 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, 0x0b);
  body.push(0x43, 0, 0, 0, 0); // f32.const 0
  for (let i = 0; i < k; i++) body.push(0x20, ...uleb(1 + i), 0xfd, 0x1f, 0, 0x92);
  body.push(0x0b);
  const locals = [1, ...uleb(k + 2), 0x7b];
  const fn = [...locals, ...body];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0],
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]),
    ...section(3, [1, 0]),
    ...section(7, [1, 3, ...Buffer.from("run"), 0, 0]),
    ...section(10, [1, ...uleb(fn.length), ...fn]),
  ];
  return new Uint8Array(bytes);
}

/** Best GFLOP/s of one thread over K in {8, 10, 12}, each run for about `ms` after tier-up. */
function runKernel(mode, ms) {
  let best = 0;
  let bestK = 0;
  for (const k of [8, 10, 12]) {
    const run = new WebAssembly.Instance(new WebAssembly.Module(peakModule(mode, k))).exports.run;
    const flopsPerIter = 2 * k * 8;
    // Warm up until V8 has tiered the function up (Liftoff → TurboFan), then size one call to ~5 ms.
    let n = 1000;
    for (let t = performance.now(); performance.now() - t < Math.max(20, ms / 4); ) run(n);
    for (;;) {
      const t0 = performance.now();
      run(n);
      if (performance.now() - t0 > 5) break;
      n *= 2;
    }
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t0 = performance.now();
      run(n);
      const g = (n * flopsPerIter) / ((performance.now() - t0) * 1e6);
      if (g > best) {
        best = g;
        bestK = k;
      }
    }
  }
  return { gflops: best, k: bestK };
}

if (!isMainThread) {
  parentPort.postMessage(runKernel(workerData.mode, workerData.ms));
} else if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const [mode = "muladd", threads = "1", ms = "300"] = process.argv.slice(2);
  const probe = peakModule(mode, 8);
  if (!WebAssembly.validate(probe)) {
    console.log(JSON.stringify({ mode, threads: Number(threads), available: false }));
  } else if (threads === "1") {
    console.log(JSON.stringify({ mode, threads: 1, available: true, ...runKernel(mode, Number(ms)) }));
  } else {
    // Every thread runs the same kernel at once; the aggregate is the sum of their best rates.
    const results = await Promise.all(
      Array.from(
        { length: Number(threads) },
        () =>
          new Promise((resolve, reject) => {
            const w = new Worker(new URL(import.meta.url), { workerData: { mode, ms: Number(ms) } });
            w.once("message", resolve);
            w.once("error", reject);
          }),
      ),
    );
    const gflops = results.reduce((s, r) => s + r.gflops, 0);
    console.log(
      JSON.stringify({ mode, threads: Number(threads), available: true, gflops, perThread: results.map((r) => r.gflops) }),
    );
  }
}
