/**
 * Eager fusion on and off in one process, interleaved by the bench harness so machine noise hits
 * both alike (`npx tsx --expose-gc bench/eager-ab.ts`): the workload-1 SGD steps (small arrays,
 * below the fusion threshold), the workload-7a chain and single ops on 1e6 elements, each against
 * a hand loop. Prints median times and ratios; the full comparison with peers is `npm run bench`.
 */
import { np } from "../src/index.js";
import { eagerFusionOptions, eagerFusionStats } from "../src/primitives/eager-fusion.js";
import { digitsBatch, mlpInit, randomFloats } from "./data.js";
import { type Contender, FULL_TIMING, measure } from "./harness.js";
import { axParams, axSgdInit, axSgdStep } from "./models/binary.js";
import { f32 } from "./peers/axle.js";
import { chain, handFused } from "./workloads/w7-eager.js";

const on = (run: () => unknown) => () => {
  eagerFusionOptions.enabled = true;
  return run();
};
const off = (run: () => unknown) => () => {
  eagerFusionOptions.enabled = false;
  try {
    return run();
  } finally {
    eagerFusionOptions.enabled = true;
  }
};

async function compare(title: string, run: () => unknown, hand?: () => unknown): Promise<void> {
  const d0 = eagerFusionStats.deferred;
  on(run)();
  const deferred = eagerFusionStats.deferred - d0;
  const list: Contender[] = [
    { name: "fused", run: on(run) },
    { name: "unfused", run: off(run) },
  ];
  if (hand) list.push({ name: "hand", run: hand });
  const s = await measure(list, FULL_TIMING);
  const f = s.get("fused")!.median;
  const u = s.get("unfused")!.median;
  const h = hand ? s.get("hand")!.median : undefined;
  const ms = (x: number) => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`);
  console.log(
    `${title.padEnd(38)} fused ${ms(f).padStart(9)}  unfused ${ms(u).padStart(9)}  fused/unfused ${(f / u).toFixed(2)}x` +
      (h === undefined
        ? ""
        : `  hand ${ms(h).padStart(9)}  fused/hand ${(f / h).toFixed(2)}x  unfused/hand ${(u / h).toFixed(2)}x`) +
      `  (${deferred} ops deferred per call)`,
  );
}

function sgdStep(batch: number) {
  const init = mlpInit(64, 32, 1);
  const d = digitsBatch(batch);
  const x = f32(d.x, [batch, 64]);
  const y = f32(d.yBinary, [batch]);
  let p = axParams(init);
  let s = axSgdInit(p);
  return () => {
    const [loss, p2, s2] = axSgdStep(p, s, x, y);
    p = p2;
    s = s2;
    return loss;
  };
}

const n = 1_000_000;
const a = randomFloats(n, 77).map((v) => v * 4);
const b = randomFloats(n, 2);
const xa = f32(a, [n]);
const xb = f32(b, [n]);
await compare("1a SGD step, batch 15", sgdStep(15));
await compare("1b SGD step, batch 128", sgdStep(128));
await compare(
  "7a 10-op chain on f32[1e6]",
  () => chain(xa),
  () => handFused(a),
);
await compare(
  "add f32[1e6] + f32[1e6]",
  () => np.add(xa, xb),
  () => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
    return out;
  },
);
await compare(
  "exp f32[1e6]",
  () => np.exp(xa),
  () => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.exp(a[i]);
    return out;
  },
);
const small = f32(a.subarray(0, 1000), [1000]);
await compare("10-op chain on f32[1000] (below threshold)", () => chain(small));
