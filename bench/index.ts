/**
 * `npm run bench`: axle against jax-js (wasm), TF.js (wasm and cpu) and hand-written Float32Array
 * code, every peer in this one process, interleaved, after warm-up; medians and ratios.
 *
 *   npm run bench                    all workloads (writes bench/results.md and the results block of docs/performance.md)
 *   npm run bench -- --only 1,5      a subset (prints only)
 *   npm run bench -- --quick         smoke run: tiny timing budgets (prints only)
 */
import { execSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { FULL_TIMING, QUICK_TIMING } from "./harness.js";
import { measurePeak, PEAK_HEADER, peakRows } from "./peak.js";
import { machineLine, markdownSection, type Section, textTable } from "./report.js";
import type { RunContext, Workload } from "./workload.js";
import { WORKLOADS } from "./workloads/index.js";

interface Args {
  only: number[] | null;
  quick: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { only: null, quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") args.quick = true;
    else if (a === "--only" || a.startsWith("--only=")) {
      const v = a === "--only" ? argv[++i] : a.slice("--only=".length);
      if (v === undefined || !/^\d+(,\d+)*$/.test(v))
        throw new Error(`bench: --only takes workload numbers like 1,5 (got '${v}')`);
      args.only = v.split(",").map(Number);
    } else throw new Error(`bench: unknown argument '${a}' (use --only 1,5 and/or --quick)`);
  }
  const known = new Set(WORKLOADS.map((w) => w.id));
  const bad = (args.only ?? []).filter((id) => !known.has(id));
  if (bad.length > 0) throw new Error(`bench: no workload ${bad.join(", ")}; there are ${[...known].join(", ")}`);
  return args;
}

function commit(): string {
  try {
    const sha = execSync("git rev-parse --short HEAD", { encoding: "utf8" }).trim();
    const dirty = execSync("git status --porcelain --untracked-files=no", { encoding: "utf8" }).trim() !== "";
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return "unknown";
  }
}

/** Every target of every section in one table, with the section it comes from. */
function targetSummary(sections: readonly Section[]): Section {
  const rows = sections.flatMap((s) =>
    (s.targets ?? []).map((t) => [`${s.id}: ${t.what}`, t.goal, t.measured, t.met === null ? "n/a" : t.met ? "met" : "not met"]),
  );
  return {
    id: "",
    title: "Issue 9's targets against this run",
    note: "every target of the sections below; ratios are measured between contenders of the same run",
    header: ["workload: target", "goal", "measured", "status"],
    rows,
  };
}

const BEGIN = "<!-- bench:results:begin -->";
const END = "<!-- bench:results:end -->";

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const chosen: Workload[] = WORKLOADS.filter((w) => args.only === null || args.only.includes(w.id));
  const started = Date.now();
  const machine = machineLine();
  const load = `1-min load average at start ${os.loadavg()[0].toFixed(2)}`;
  const gcNote = (globalThis as { gc?: unknown }).gc === undefined ? "no --expose-gc" : "--expose-gc";
  console.log(
    `axle bench — ${machine}\n${load}; commit ${commit()}; ${args.quick ? "QUICK (smoke) mode" : "full mode"}; ${gcNote}\n`,
  );
  const ctx: RunContext = { quick: args.quick, timing: args.quick ? QUICK_TIMING : FULL_TIMING };
  const sections: Section[] = [];
  if (chosen.some((w) => w.id === 5)) {
    ctx.peak = measurePeak(args.quick);
    const s: Section = {
      id: "5·peak",
      title: "Measured Wasm SIMD peak of this machine",
      note: "independent f32x4 multiply-add chains in registers (bench/peak-kernel.mjs, each in a child process); best of K = 8, 10, 12 chains",
      header: PEAK_HEADER,
      rows: peakRows(ctx.peak),
    };
    sections.push(s);
    console.log(`${textTable(s)}\n`);
  }
  for (const w of chosen) {
    const t0 = Date.now();
    for (const s of await w.run(ctx)) {
      sections.push(s);
      console.log(`${textTable(s)}\n`);
    }
    console.log(`(workload ${w.id} took ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const summary = targetSummary(sections);
  if (summary.rows.length > 0) console.log(`${textTable(summary)}\n`);
  const loadEnd = `1-min load average at the end ${os.loadavg()[0].toFixed(2)}`;
  console.log(`done in ${seconds} s; ${loadEnd}`);
  if (args.quick || args.only !== null) return;
  const date = new Date(started).toISOString().slice(0, 10);
  const block = [
    BEGIN,
    "",
    `Command: \`npm run bench\` · ${date} · commit ${commit()} · run time ${seconds} s`,
    "",
    `Machine: ${machine} · ${load}; ${loadEnd}.`,
    "",
    markdownSection(summary),
    "",
    ...sections.flatMap((s) => [markdownSection(s), ""]),
    END,
  ].join("\n");
  writeFileSync(new URL("./results.md", import.meta.url), `# axle benchmark results (generated by bench/index.ts)\n\n${block}\n`);
  const docPath = new URL("../docs/performance.md", import.meta.url);
  const doc = readFileSync(docPath, "utf8");
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a >= 0 && b > a) {
    writeFileSync(docPath, doc.slice(0, a) + block + doc.slice(b + END.length));
    console.log("wrote bench/results.md and the results block of docs/performance.md");
  } else console.log(`wrote bench/results.md (docs/performance.md has no ${BEGIN} block to update)`);
  updateReadme(sections);
}

/**
 * The README's comparison table has a speed row (workload 1a of this run) and names the
 * hand-written step's time of the same run; both are rewritten here, so they never go stale.
 */
function updateReadme(sections: readonly Section[]): void {
  const s = sections.find((x) => x.id === "1a");
  if (s === undefined) return;
  const median = (impl: string): string | undefined => s.rows.find((r) => r[0] === impl)?.[1];
  const [axle, tf, jax, hand] = ["axle jit", "TF.js wasm", "jax-js jit", "hand (Float32Array)"].map(median);
  if ([axle, tf, jax, hand].some((x) => x === undefined)) return;
  const path = new URL("../README.md", import.meta.url);
  const readme = readFileSync(path, "utf8");
  const row =
    "| Digits MLP training step (64→32→1, batch 15), measured in one run by `npm run bench` | " +
    `${axle} (\`jit\`) | not run here | ${tf} (wasm backend) | ${jax} (\`jit\`, wasm) |`;
  const next = readme
    .replace(/^\| Digits MLP training step .*$/m, row)
    .replace(
      /a hand-written Float32Array step took\s+[^ ]+ [µm]?s in the same run/,
      `a hand-written Float32Array step took ${hand} in the same run`,
    );
  if (next !== readme) {
    writeFileSync(path, next);
    console.log("wrote the README's speed row");
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
