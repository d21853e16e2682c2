/**
 * The shape-specialised small-matrix kernel (src/compile/backends/wasm/small-matmul.ts) against
 * the blocked sgemm (matmul.ts) on the products of workloads 2 and 3, operands already in Wasm
 * memory: µs per product and GFLOP/s, best of many short batches interleaved between the two
 * kernels (the machine is shared): `npx tsx bench/small-matmul.ts`.
 */
import { ModuleBuilder } from "../src/compile/backends/wasm/encoder.js";
import { buildSgemmModule } from "../src/compile/backends/wasm/matmul.js";
import { emitSmallContraction } from "../src/compile/backends/wasm/small-matmul.js";

const CASES = [
  { name: "w2 forward x·w1 32×64·64×128", m: 32, k: 64, n: 128, ta: false, tb: false },
  { name: "w2 forward h·w2 32×128·128×10", m: 32, k: 128, n: 10, ta: false, tb: false },
  { name: "w2 backward g·w2ᵀ 32×10·10×128", m: 32, k: 10, n: 128, ta: false, tb: true },
  { name: "w2 backward xᵀ·g 64×32·32×128", m: 64, k: 32, n: 128, ta: true, tb: false },
  { name: "w3 per-example layer 128×64·64×32", m: 128, k: 64, n: 32, ta: false, tb: false },
];

const memory = new WebAssembly.Memory({ initial: 64 });
const f32 = new Float32Array(memory.buffer);
for (let i = 0; i < f32.length; i++) f32[i] = ((i * 7919) % 1000) / 1000 - 0.5;
const [A, B, C, W] = [1024, 1024 + 4 * 65536, 1024 + 8 * 65536, 1024 + 12 * 65536];
const sgemm = new WebAssembly.Instance(new WebAssembly.Module(buildSgemmModule()), { env: { memory } }).exports.sgemm as (
  ...a: number[]
) => void;

const rows = CASES.map((cs) => {
  const a = { addr: A, bs: 0, rs: cs.ta ? 1 : cs.k, cs: cs.ta ? cs.m : 1 };
  const b = { addr: B, bs: 0, rs: cs.tb ? 1 : cs.n, cs: cs.tb ? cs.k : 1 };
  const mb = new ModuleBuilder();
  mb.importMemory("env", "memory", { initial: 64 });
  mb.exportFunc(
    mb.func("run", { params: [], results: [] }, (c) =>
      emitSmallContraction(c, { batch: 1, m: cs.m, k: cs.k, n: cs.n, a, b, out: C }, W),
    ),
  );
  const small = new WebAssembly.Instance(new WebAssembly.Module(mb.toBytes()), { env: { memory } }).exports.run as () => void;
  const blocked = () => sgemm(cs.m, cs.n, cs.k, a.addr, a.rs, a.cs, b.addr, b.rs, b.cs, C, cs.n, 0, 0, W);
  return { cs, fns: [small, blocked], best: [Infinity, Infinity] };
});

for (const r of rows) for (const f of r.fns) for (let i = 0; i < 500; i++) f();
for (let round = 0; round < 200; round++) {
  for (const r of rows) {
    r.fns.forEach((f, j) => {
      const t = performance.now();
      for (let i = 0; i < 20; i++) f();
      r.best[j] = Math.min(r.best[j], ((performance.now() - t) / 20) * 1000);
    });
  }
}
const fmt = (us: number, flops: number) =>
  `${us.toFixed(1).padStart(6)} µs ${((flops / us) * 1e-3).toFixed(1).padStart(5)} GFLOP/s`;
console.log(`${"product".padEnd(36)}  ${"specialised".padEnd(22)}  blocked sgemm`);
for (const r of rows) {
  const flops = 2 * r.cs.m * r.cs.k * r.cs.n;
  console.log(`${r.cs.name.padEnd(36)}  ${fmt(r.best[0], flops)}  ${fmt(r.best[1], flops)}`);
}
