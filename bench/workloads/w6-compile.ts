/**
 * Workload 6: (a) trace + compile time of workload 1's step — the first call of a jit, in fresh
 * child processes (nothing cached) and of a second fresh jit in the same process (library caches
 * warm); (b) the cost of a cached jitted call on tiny inputs, f32[100] ↦ x·2 + 1, where the
 * time is all per-call overhead.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { jit as jjit } from "@jax-js/jax";
import type { Array } from "../../src/index.js";
import { F32_STEP } from "../check.js";
import type { ColdStart } from "../cold-start.js";
import { randomFloats } from "../data.js";
import { type Contender, measure, median } from "../harness.js";
import { AXLE, AXLE_EAGER, AXLE_JITS, f32, values } from "../peers/axle.js";
import { jaxReady, jf32, type jnp, jsettle, jvalues } from "../peers/jaxjs.js";
import { tf, tfName, tvalues, useTf } from "../peers/tf.js";
import { atMost, fmtMs, type Section, timeRows } from "../report.js";
import { agreeAll, type Impl, type Workload } from "../workload.js";

const COLD = fileURLToPath(new URL("../cold-start.ts", import.meta.url));
const HAND = "hand loop";
const JAX = "jax-js jit";
const N = 100;

function coldStart(args: string[]): ColdStart {
  const r = spawnSync(process.execPath, ["--import", "tsx", COLD, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`workload 6: cold-start child failed (${args.join(" ")}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as ColdStart;
}

const tiny = (x: Array) => x.mul(2).add(1);

function tinyImpls(): Impl[] {
  const data = randomFloats(N, 5);
  const x = f32(data, [N]);
  const axle = (name: string, f: typeof tiny): Impl => ({
    name,
    check: () => ({ y: values(f(x)) }),
    contender: () => ({ name, run: () => f(x) }),
  });
  const out: Impl[] = [...AXLE_JITS.map((v) => axle(v.name, v.jit(tiny))), axle(AXLE_EAGER, tiny)];
  const jf = jjit((a: jnp.Array) => a.mul(2).add(1));
  out.push({
    name: JAX,
    check: async () => {
      await jaxReady();
      return { y: jvalues(jf(jf32(data, [N]))) };
    },
    contender: async () => {
      await jaxReady();
      const jx = jf32(data, [N]);
      return { name: JAX, run: () => jf(jx.ref), settle: jsettle } satisfies Contender;
    },
  });
  const tfx = async () => {
    await useTf("wasm");
    return tf.tensor1d(data);
  };
  out.push({
    name: `${tfName("wasm")} eager (tidy)`,
    check: async () => {
      const t = await tfx();
      const y = tf.tidy(() => t.mul(2).add(1));
      const r = { y: tvalues(y) };
      tf.dispose([t, y]);
      return r;
    },
    contender: async () => {
      const t = await tfx();
      return {
        name: `${tfName("wasm")} eager (tidy)`,
        before: () => useTf("wasm"),
        run: () => tf.tidy(() => t.mul(2).add(1)).dispose(),
      };
    },
  });
  const hand = () => {
    const y = new Float32Array(N);
    for (let i = 0; i < N; i++) y[i] = data[i] * 2 + 1;
    return y;
  };
  out.push({ name: HAND, check: () => ({ y: hand() }), contender: () => ({ name: HAND, run: hand }) });
  return out;
}

export const w6: Workload = {
  id: 6,
  title: "jit compile time and call overhead",
  async agree() {
    await agreeAll("workload 6 (f32[100] x·2 + 1)", tinyImpls(), HAND, F32_STEP);
  },
  async run(ctx) {
    const samples = ctx.quick ? 1 : 5;
    const runs = new Map<string, ColdStart[]>();
    for (let i = 0; i < samples; i++) {
      // Alternate the libraries, so both see the same machine load.
      for (const [key, args] of [
        ...AXLE_JITS.map((v, k) => [v.name, ["axle", String(k)]] as const),
        [JAX, ["jax-js"]] as const,
      ]) {
        const list = runs.get(key) ?? [];
        list.push(coldStart([...args]));
        runs.set(key, list);
      }
    }
    const med = (key: string, f: (c: ColdStart) => number) => median((runs.get(key) ?? []).map(f));
    const coldRows = [...runs.keys()].map((k) => [
      k,
      fmtMs(med(k, (c) => c.cold)),
      fmtMs(med(k, (c) => c.fresh)),
      fmtMs(med(k, (c) => c.cached)),
      String(runs.get(k)?.length ?? 0),
    ]);
    await this.agree(false);
    const list: Contender[] = [];
    for (const i of tinyImpls()) list.push(await i.contender());
    const stats = await measure(list, ctx.timing);
    const { header, rows } = timeRows(stats, { axle: AXLE, hand: HAND });
    return [
      {
        id: "6a",
        title: "Trace + compile: first call of workload 1's jitted step (batch 15)",
        note: "medians over fresh child processes; cold = first jit call in a new process (library and V8 caches empty), fresh jit = first call of a second jit of the same step in that process, cached = a later call",
        header: ["implementation", "cold first call", "fresh jit, first call", "cached call", "processes"],
        rows: coldRows,
        targets: [
          atMost(
            `${AXLE} cold first call`,
            med(AXLE, (c) => c.cold),
            50,
          ),
        ],
        remarks: [
          "Each library is imported and its data set up before the clock starts; the first call includes tracing, compilation and one run (jax-js: until blockUntilReady).",
          "jax-js keeps a process-wide cache of compiled programs keyed by the traced program, so its fresh-jit first call is mostly re-tracing.",
        ],
      },
      {
        id: "6b",
        title: "Cached call on tiny inputs: f32[100] ↦ x·2 + 1",
        note: "median time per call (the work is 200 flops: the time is per-call overhead); ratios = time / that contender's time",
        header,
        rows,
        targets: [atMost(`${AXLE} cached call`, stats.get(AXLE)?.median, 0.003)],
        remarks: ["jax-js's calls are settled (blockUntilReady, then freed) once per batch, inside the timing."],
      } satisfies Section,
    ];
  },
};
