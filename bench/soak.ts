/**
 * `npm run soak`: a long run of the jitted digits training step, sampling the heap and RSS, to
 * show that nothing grows with the number of steps (compiled programs reuse their own memory;
 * outputs are fresh arrays the garbage collector frees). Also a retracing storm, which must warn
 * once and keep the compile cache at its bound.
 *
 *   npm run soak                  # 100,000 steps
 *   npm run soak -- --steps 20000
 *
 * It exits non-zero when the heap or RSS after warm-up grows by 5 MB or more.
 */
import { type Array, datasets, grad, jit, nn, np, random, tree } from "../src/index.js";

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const STEPS = arg("steps", 100_000);
const SAMPLES = 20;
const LIMIT_MB = 5;

type P = { w1: Array; b1: Array; w2: Array; b2: Array };

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("soak: run with --expose-gc (npm run soak does)");
  process.exit(2);
}

const data = datasets.digits();
const batch = np.arange(0, 15, 1, "int32");
const x = np.take(data.images, batch, 0).div(16);
const y = np.take(data.labels, batch, 0).gt(4).astype("float32");
const [k1, k2] = random.split(random.key(0), 2);
let params: P = {
  w1: random.normal(k1, [64, 32]).mul(0.1),
  b1: np.zeros([32]),
  w2: random.normal(k2, [32, 1]).mul(0.1),
  b2: np.zeros([1]),
};
const loss = (p: P, xb: Array, yb: Array) => {
  const h = nn.relu(xb.matmul(p.w1).add(p.b1));
  const z = h.matmul(p.w2).add(p.b2).reshape([-1]);
  return nn.sigmoidBinaryCrossEntropy(z, yb, { reduction: "sum" });
};
const step = jit(
  (p: P, xb: Array, yb: Array) => tree.map((v: Array, g: Array) => v.sub(g.mul(0.01)), p, grad(loss)(p, xb, yb)) as P,
);

const mb = (n: number) => n / 2 ** 20;
const sample = () => {
  gc();
  const m = process.memoryUsage();
  return { heap: mb(m.heapUsed), rss: mb(m.rss) };
};

// Warm-up (a tenth of the run): compile, and let the heap and the allocator settle.
for (let i = 0; i < STEPS / 10; i++) params = step(params, x, y);
const start = sample();
const samples = [start];
const t0 = performance.now();
for (let s = 1; s <= SAMPLES; s++) {
  for (let i = 0; i < STEPS / SAMPLES; i++) params = step(params, x, y);
  samples.push(sample());
}
const ms = performance.now() - t0;
const end = samples[samples.length - 1];
const maxHeap = Math.max(...samples.map((s) => s.heap));
const maxRss = Math.max(...samples.map((s) => s.rss));
console.log(`soak: ${STEPS} jitted digits steps in ${(ms / 1000).toFixed(1)} s (${((ms * 1000) / STEPS).toFixed(1)} µs/step)`);
console.log(
  `heap after warm-up ${start.heap.toFixed(1)} MB → end ${end.heap.toFixed(1)} MB (max ${maxHeap.toFixed(1)}); ` +
    `RSS ${start.rss.toFixed(1)} MB → ${end.rss.toFixed(1)} MB (max ${maxRss.toFixed(1)})`,
);
console.log(`RSS samples (MB): ${samples.map((m) => m.rss.toFixed(1)).join(" ")}`);
console.log(
  `final loss ${loss(params, x, y).item().toFixed(4)}; compile cache ${step.cache.size}/${step.cache.capacity} signatures`,
);

// A retracing storm: a new batch size on every call. One warning, and the cache stays bounded.
const warnings: string[] = [];
const warn = console.warn;
console.warn = (m: unknown) => warnings.push(String(m));
const storm = jit((xb: Array) => xb.sum(), { cacheSize: 16 });
for (let n = 1; n <= 200; n++) storm(np.ones([n]));
console.warn = warn;
console.log(
  `retracing storm: 200 calls with 200 shapes → ${warnings.length} warning(s), cache ${storm.cache.size}/${storm.cache.capacity}`,
);

const heapGrowth = end.heap - start.heap;
const rssGrowth = end.rss - start.rss;
const ok = heapGrowth < LIMIT_MB && rssGrowth < LIMIT_MB && warnings.length === 1 && storm.cache.size <= 16;
console.log(
  `growth after warm-up: heap ${heapGrowth.toFixed(2)} MB, RSS ${rssGrowth.toFixed(2)} MB (limit ${LIMIT_MB} MB): ${ok ? "ok" : "FAILED"}`,
);
process.exitCode = ok ? 0 : 1;
