/**
 * What recording source information costs while tracing: the digits MLP's SGD step (workload 1:
 * grad of the BCE loss, then the optimizer update) traced to IR with `makeIr`, with call-site
 * recording on and off, interleaved, median of the rounds. Prints one line per setting.
 *
 *   node --import tsx bench/trace-source.ts [rounds]
 */

import { sourceRecording } from "../src/core/source.js";
import { makeIr } from "../src/index.js";
import { digitsBatch } from "./data.js";
import { axParams, axSgdInit, axSgdStep } from "./models/binary.js";
import { f32 } from "./peers/axle.js";
import { binaryInit } from "./workloads/w1-binary-step.js";

const rounds = Number(process.argv[2] ?? 200);
const d = digitsBatch(15);
const x = f32(d.x, [15, 64]);
const y = f32(d.yBinary, [15]);
const p = axParams(binaryInit());
const s = axSgdInit(p);
const trace = () => makeIr(axSgdStep)(p, s, x, y);
const eqns = trace().eqns.length;
const times: Record<"on" | "off", number[]> = { on: [], off: [] };
for (let i = 0; i < 30; i++) trace(); // warm up V8
for (let r = 0; r < rounds; r++) {
  for (const mode of r % 2 === 0 ? (["on", "off"] as const) : (["off", "on"] as const)) {
    sourceRecording.on = mode === "on";
    const t0 = performance.now();
    trace();
    times[mode].push(performance.now() - t0);
  }
}
sourceRecording.on = true;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const on = median(times.on);
const off = median(times.off);
console.log(`trace of the digits SGD step (${eqns} equations), median of ${rounds} rounds:`);
console.log(`  source info recorded: ${on.toFixed(3)} ms`);
console.log(`  not recorded:         ${off.toFixed(3)} ms`);
console.log(`  overhead:             ${(on - off).toFixed(3)} ms (${(((on - off) / off) * 100).toFixed(1)}%)`);
