/**
 * The small measurements behind design choices of the call path and the Wasm maps (figures in
 * docs/design.md name this script): `npx tsx --expose-gc bench/costs.ts`. Best of repeated
 * trials, in one process, on whatever machine runs it.
 *
 * 1. A fresh 400-byte output buffer against a view carved from a shared slab (core/small-buffers.ts).
 * 2. Marking a container in a WeakSet against a private brand (tree/treedef.ts).
 * 3. Workload 2's Adam state: how many first moments of w1 are subnormal as training goes on.
 * 4. A jitted Adam-like update over 8192 floats with 0, 9 of 128 and all lanes subnormal.
 */
import { jit, np, tree } from "../src/index.js";
import { digitsBatch, mlpInit } from "./data.js";
import { axParams } from "./models/binary.js";
import { axAdamInit, axAdamStep, CLASSES } from "./models/tenclass.js";

type Array = ReturnType<typeof np.ones>;

function best(f: () => void, reps: number, trials = 7): number {
  let t = Number.POSITIVE_INFINITY;
  for (let r = 0; r < trials; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    t = Math.min(t, (performance.now() - t0) / reps);
  }
  return t * 1000;
}

let sink: unknown;

// 1. Output buffers.
const memory = new WebAssembly.Memory({ initial: 1 });
const view = new Float32Array(memory.buffer, 64, 100);
let slab = new ArrayBuffer(4096);
let used = 0;
const fresh = best(() => {
  sink = view.slice();
}, 200_000);
const carved = best(() => {
  if (used + 400 > slab.byteLength) {
    slab = new ArrayBuffer(4096);
    used = 0;
  }
  const o = new Float32Array(slab, used, 100);
  used += 400;
  o.set(view);
  sink = o;
}, 200_000);
console.log(`1. f32[100] output: fresh buffer ${fresh.toFixed(2)} µs, view into a 4 KiB slab ${carved.toFixed(2)} µs`);

// 2. Marking containers.
class ReturnsItsArgument {
  constructor(o: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the subclass's field lands on `o`, as in tree/treedef.ts
    return o as ReturnsItsArgument;
  }
}
class Brand extends ReturnsItsArgument {
  #b = true;
  static has(o: object): boolean {
    return #b in o;
  }
}
const set = new WeakSet<object>();
let k = 0;
const plain = best(() => {
  sink = Object.freeze({ a: k++, b: 2 });
}, 1_000_000);
const weak = best(() => {
  const o = Object.freeze({ a: k++, b: 2 });
  set.add(o);
  sink = o;
}, 1_000_000);
const branded = best(() => {
  const o = { a: k++, b: 2 };
  new Brand(o);
  sink = Object.freeze(o);
}, 1_000_000);
console.log(
  `2. marking a frozen container: WeakSet +${(weak - plain).toFixed(3)} µs, private brand +${(branded - plain).toFixed(3)} µs` +
    ` (brand check works: ${Brand.has(sink as object)})`,
);

// 3. Subnormal first moments in workload 2's training (the same model, data and Adam).
const SMALLEST_NORMAL = 2 ** -126;
const init = mlpInit(64, 128, CLASSES, 11);
const { x, labels } = digitsBatch(32, 100);
let p = axParams(init);
let s = axAdamInit(p);
const X = np.array(x).reshape([32, 64]);
const Y = np.array(labels, "int32");
const step = jit(axAdamStep, { donateArgnums: [0, 1] });
const counts: string[] = [];
for (let i = 1; i <= 2000; i++) {
  [, p, s] = step(p, s, X, Y);
  if (i % 400 === 0) {
    const mu = (tree.leaves(s) as Array[]).find((l) => l.size === 64 * 128) as Array;
    const v = mu.data();
    let sub = 0;
    for (const m of v) if (m !== 0 && Math.abs(m) < SMALLEST_NORMAL) sub++;
    counts.push(`step ${i}: ${sub}`);
  }
}
console.log(`3. subnormal first moments of w1 (of 8192): ${counts.join(", ")}`);

// 4. The update map with subnormal lanes.
const n = 8192;
const update = jit((q: Array, m: Array, v: Array) =>
  q.sub(
    m
      .div(0.5)
      .div(np.sqrt(v.div(0.3)).add(1e-8))
      .mul(1e-3),
  ),
);
const dead = new Set([3, 17, 30, 45, 60, 77, 90, 101, 120]);
const moments = (which: (i: number) => boolean) =>
  np.array(Float32Array.from({ length: n }, (_, i) => (which(i) ? 2 ** -149 : 1e-3 * (1 + (i % 7)))));
const q = np.ones([n]);
const v = np.full([n], 1e-6, "float32");
const rows: string[] = [];
for (const [label, which] of [
  ["none", () => false],
  ["9 columns of 128", (i: number) => dead.has(i % 128)],
  ["all", () => true],
] as const) {
  const m = moments(which);
  rows.push(
    `${label} ${best(() => {
      sink = update(q, m, v);
    }, 2000).toFixed(1)} µs`,
  );
}
console.log(`4. jitted Adam-like update of f32[8192], subnormal moments: ${rows.join(", ")} (the call, copies included)`);
void sink;
