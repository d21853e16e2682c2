/**
 * Workload 6's child process: the first call of workload 1's jitted step (batch 15) in a fresh
 * process — trace, compile and one run, with nothing cached by the library or by V8 yet — then
 * the first call of a second, fresh jit of the same step in the same process (the library's
 * process-wide caches warm), then the cached call. Prints one JSON line.
 *
 *   node --import tsx bench/cold-start.ts <axle|jax-js> [axle variant index]
 */
import { blockUntilReady, jit as jjit } from "@jax-js/jax";
import { digitsBatch } from "./data.js";
import { axParams, axSgdInit, axSgdStep, jParams, jSgdStep } from "./models/binary.js";
import { AXLE_JITS, f32 } from "./peers/axle.js";
import { jaxReady, jf32, jtree } from "./peers/jaxjs.js";
import { binaryInit } from "./workloads/w1-binary-step.js";

export interface ColdStart {
  lib: string;
  /** First call of the first jit in the process, ms. */
  cold: number;
  /** First call of a second, fresh jit of the same function, ms. */
  fresh: number;
  /** Median cached call, ms. */
  cached: number;
}

const BATCH = 15;

async function axle(variant: number): Promise<ColdStart> {
  const init = binaryInit();
  const d = digitsBatch(BATCH);
  const x = f32(d.x, [BATCH, 64]);
  const y = f32(d.yBinary, [BATCH]);
  const p = axParams(init);
  const s = axSgdInit(p);
  const v = AXLE_JITS[variant];
  const first = (step: typeof axSgdStep) => {
    const t0 = performance.now();
    step(p, s, x, y);
    return performance.now() - t0;
  };
  const cold = first(v.jit(axSgdStep));
  const step = v.jit(axSgdStep);
  const fresh = first(step);
  const times: number[] = [];
  for (let i = 0; i < 30; i++) times.push(first(step));
  return { lib: v.name, cold, fresh, cached: median(times) };
}

async function jax(): Promise<ColdStart> {
  await jaxReady();
  const init = binaryInit();
  const d = digitsBatch(BATCH);
  const x = jf32(d.x, [BATCH, 64]);
  const y = jf32(d.yBinary, [BATCH]);
  const p = jParams(init);
  const first = async (step: typeof jSgdStep) => {
    const t0 = performance.now();
    const out = step(jtree.ref(p), x.ref, y.ref);
    await blockUntilReady(out);
    const dt = performance.now() - t0;
    jtree.dispose(out);
    return dt;
  };
  const cold = await first(jjit(jSgdStep));
  const step = jjit(jSgdStep);
  const fresh = await first(step);
  const times: number[] = [];
  for (let i = 0; i < 30; i++) times.push(await first(step));
  return { lib: "jax-js jit", cold, fresh, cached: median(times) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const [lib = "axle", variant = "0"] = process.argv.slice(2);
const r = lib === "jax-js" ? await jax() : await axle(Number(variant));
console.log(JSON.stringify(r));
