import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, describe, expect, test } from "vitest";
import { DEFAULT_BLOCKING } from "../../../src/compile/backends/wasm/matmul.js";
import { Sgemm } from "../../../src/compile/backends/wasm/sgemm.js";
import { ParallelSgemm } from "../../../src/compile/threads/parallel-sgemm.js";
import { threadPlatform } from "../../../src/compile/threads/platform.js";

const platform = threadPlatform();

function randomArray(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = seed / 2 ** 31 - 1;
  }
  return out;
}

describe.runIf(platform !== null)("parallel sgemm over shared memory", () => {
  const single = new Sgemm({ blocking: DEFAULT_BLOCKING });
  // minFlops 0: every product is split, however small.
  const par = new ParallelSgemm(platform!, { threads: 3, minFlops: 0, blocking: DEFAULT_BLOCKING });
  afterAll(() => par.close());

  test("workers start and report ready", () => {
    expect(par.waitUntilReady()).toBe(2);
  });

  test("split products are bitwise equal to the single-threaded kernel (rows and batch items)", () => {
    par.waitUntilReady();
    const before = par.workerShares;
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 70 }),
          k: fc.integer({ min: 1, max: 300 }),
          n: fc.integer({ min: 1, max: 40 }),
          batch: fc.integer({ min: 1, max: 4 }),
          transA: fc.boolean(),
          transB: fc.boolean(),
          relu: fc.boolean(),
          seed: fc.nat(),
        }),
        ({ m, k, n, batch, seed, ...o }) => {
          const a = randomArray(batch * m * k, seed);
          const b = randomArray(batch * k * n, seed + 1);
          const opts = { ...o, batch, bias: randomArray(n, seed + 2) };
          expect(par.matmul(a, b, m, k, n, opts)).toEqual(single.matmul(a, b, m, k, n, opts));
        },
      ),
      { numRuns: 40 },
    );
    // The workers did part of the work.
    expect(par.workerShares).toBeGreaterThan(before);
  });

  test("a large product with memory growth", () => {
    const n = 300;
    const a = randomArray(n * n, 5);
    const b = randomArray(n * n, 6);
    expect(par.matmul(a, b, n, n, n)).toEqual(single.matmul(a, b, n, n, n));
  });

  test("idle workers do not keep the process alive", () => {
    const entry = fileURLToPath(new URL("../../../src/compile/threads/parallel-sgemm.ts", import.meta.url));
    const script = `
      import { parallelSgemm } from ${JSON.stringify(entry)};
      const mm = parallelSgemm();
      mm.waitUntilReady?.();
      const n = 256;
      const c = mm.matmul(new Float32Array(n * n).fill(1), new Float32Array(n * n).fill(2), n, n, n);
      console.log(c[0], mm.workerShares ?? 0);
    `;
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    const [value, shares] = r.stdout.trim().split(" ").map(Number);
    expect(value).toBe(512);
    expect(shares).toBeGreaterThan(0);
  });
});
