/**
 * Timing and reporting helpers for `npm run bench`: a thin layer over tinybench that returns
 * median latencies, plus the machine line and the table printers (terminal and markdown).
 */
import os from "node:os";
import { Bench } from "tinybench";

export interface TimeOptions {
  /** Time budget per task in ms (tinybench keeps going until both this and `iterations` are met). */
  time?: number;
  /** Minimum number of timed calls per task. */
  iterations?: number;
}

/**
 * Median time in ms of each task. The median, not the mean: the bench runs on shared machines
 * where a GC pause or a neighbour's burst would otherwise skew a short task.
 */
export async function medianMs(tasks: Record<string, () => unknown>, opts: TimeOptions = {}): Promise<Record<string, number>> {
  const time = opts.time ?? 500;
  const iterations = opts.iterations ?? 20;
  const bench = new Bench({
    time,
    iterations,
    warmupTime: Math.min(200, time),
    warmupIterations: Math.max(2, Math.min(10, iterations)),
    throws: true,
  });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const out: Record<string, number> = {};
  for (const task of bench.tasks) {
    const r = task.result;
    if (!("latency" in r)) throw new Error(`bench: task '${task.name}' produced no timing (state ${r.state})`);
    out[task.name] = r.latency.p50;
  }
  return out;
}

/** One line describing where the numbers were measured. */
export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? "unknown CPU";
  return `${model}, ${cpus.length} cores, ${os.type()} ${os.release()} (${os.arch()}), Node ${process.version}`;
}

export interface Section {
  title: string;
  /** What the ratio means (e.g. "axle / hand loop; target ≤ 2"). */
  note: string;
  header: readonly string[];
  rows: readonly (readonly string[])[];
}

export function fmtMs(ms: number): string {
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(1)} µs`;
}

export function fmtRatio(r: number): string {
  return `${r.toFixed(2)}x`;
}

/** A plain-text table with padded columns, for the terminal. */
export function textTable(s: Section): string {
  const all = [s.header, ...s.rows];
  const widths = s.header.map((_, j) => Math.max(...all.map((r) => r[j].length)));
  const line = (r: readonly string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [`${s.title}  (${s.note})`, line(s.header), rule, ...s.rows.map(line)].join("\n");
}

/** The same table as GitHub markdown, padded as the formatter (biome) lays tables out. */
export function markdownTable(s: Section): string {
  const all = [s.header, ...s.rows];
  const widths = s.header.map((_, j) => Math.max(3, ...all.map((r) => r[j].length)));
  const cell = (c: string, j: number) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]));
  const row = (r: readonly string[]) => `| ${r.map(cell).join(" | ")} |`;
  const align = `| ${widths.map((w, j) => (j === 0 ? `:${"-".repeat(w - 1)}` : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  return [`### ${s.title}`, "", s.note, "", row(s.header), align, ...s.rows.map(row)].join("\n");
}

/** Deterministic pseudo-random floats in [-1, 1) (a small LCG), so runs compare like with like. */
export function randomFloats(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
