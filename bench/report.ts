/** Tables of `npm run bench`: medians, spreads, ratios and targets, for the terminal and for markdown. */
import { readFileSync } from "node:fs";
import os from "node:os";
import type { Stats } from "./harness.js";

/** A target of issue 9 next to the value measured in this run. */
export interface Target {
  /** What is compared, e.g. "axle jit, batch 15". */
  what: string;
  goal: string;
  measured: string;
  /** null when the run could not decide (a contender missing). */
  met: boolean | null;
}

export interface Section {
  /** Workload id and case, e.g. "1a". */
  id: string;
  title: string;
  /** What the columns mean. */
  note: string;
  header: readonly string[];
  rows: readonly (readonly string[])[];
  targets?: readonly Target[];
  /** Honest remarks printed under the table (scaled loops, skipped peers). */
  remarks?: readonly string[];
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  if (ms >= 0.1) return `${(ms * 1000).toFixed(0)} µs`;
  return `${(ms * 1000).toFixed(1)} µs`;
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return "—";
  return r >= 100 ? `${r.toFixed(0)}x` : r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`;
}

function spread(s: Stats): string {
  return `±${((50 * (s.p75 - s.p25)) / s.median).toFixed(0)}%`;
}

export interface TimeTableOptions {
  /** Contender the "÷ axle" column divides by (the first axle jit variant, or axle eager). */
  axle: string;
  /** Contender the "÷ hand" column divides by. */
  hand?: string;
  /** FLOPs of one unit: adds a GFLOP/s column (and a "% peak" column when peak is given). */
  flops?: number;
  /** GFLOP/s of the machine's measured peak. */
  peak?: number;
}

/**
 * Rows of one case: median per unit, spread (half the interquartile range, as % of the median),
 * samples × calls per sample, and time ratios (time / axle time, time / hand time: above 1 is slower).
 */
export function timeRows(stats: Map<string, Stats>, o: TimeTableOptions): { header: string[]; rows: string[][] } {
  const header = ["implementation", "median", "spread", "samples", "÷ axle"];
  if (o.hand !== undefined) header.push("÷ hand");
  if (o.flops !== undefined) header.push("GFLOP/s");
  if (o.flops !== undefined && o.peak !== undefined) header.push("% peak");
  const ax = stats.get(o.axle)?.median ?? Number.NaN;
  const hand = o.hand === undefined ? Number.NaN : (stats.get(o.hand)?.median ?? Number.NaN);
  const rows = [...stats].map(([name, s]) => {
    const row = [name, fmtMs(s.median), spread(s), `${s.samples}×${s.reps}`, fmtRatio(s.median / ax)];
    if (o.hand !== undefined) row.push(fmtRatio(s.median / hand));
    if (o.flops !== undefined) {
      const g = gflops(o.flops, s.median);
      row.push(g.toFixed(g >= 10 ? 1 : 2));
      if (o.peak !== undefined) row.push(`${((100 * g) / o.peak).toFixed(1)}%`);
    }
    return row;
  });
  return { header, rows };
}

export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e-3) / 1e9;
}

/** "≤ 25 µs" style target on an absolute median. */
export function atMost(what: string, ms: number | undefined, limitMs: number): Target {
  return {
    what,
    goal: `≤ ${fmtMs(limitMs)}`,
    measured: ms === undefined ? "—" : fmtMs(ms),
    met: ms === undefined ? null : ms <= limitMs,
  };
}

/** "≥ 5x faster than X" target: ratio = other time / axle time. */
export function fasterBy(what: string, axleMs: number | undefined, otherMs: number | undefined, factor: number): Target {
  if (axleMs === undefined || otherMs === undefined) return { what, goal: `≥ ${factor}x`, measured: "—", met: null };
  const r = otherMs / axleMs;
  return { what, goal: `≥ ${factor}x`, measured: fmtRatio(r), met: r >= factor };
}

/** "within 1.5x of" target: ratio = axle time / reference time. */
export function within(what: string, axleMs: number | undefined, refMs: number | undefined, factor: number): Target {
  if (axleMs === undefined || refMs === undefined) return { what, goal: `≤ ${factor}x`, measured: "—", met: null };
  const r = axleMs / refMs;
  return { what, goal: `≤ ${factor}x`, measured: fmtRatio(r), met: r <= factor };
}

/** "≥ 50 GFLOP/s" target. */
export function atLeastGflops(what: string, g: number | undefined, goal: number): Target {
  return {
    what,
    goal: `≥ ${goal} GFLOP/s`,
    measured: g === undefined ? "—" : g.toFixed(1),
    met: g === undefined ? null : g >= goal,
  };
}

const verdict = (t: Target) => (t.met === null ? "n/a" : t.met ? "met" : "not met");

function pad(all: readonly (readonly string[])[], header: readonly string[]): number[] {
  return header.map((_, j) => Math.max(3, ...all.map((r) => r[j].length)));
}

function targetRows(s: Section): string[][] {
  return (s.targets ?? []).map((t) => [t.what, t.goal, t.measured, verdict(t)]);
}

const TARGET_HEADER = ["target", "goal", "measured", "status"];

/** A plain-text table with padded columns, for the terminal. */
export function textTable(s: Section): string {
  const block = (header: readonly string[], rows: readonly (readonly string[])[]) => {
    const w = pad([header, ...rows], header);
    const line = (r: readonly string[]) => r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  ");
    return [line(header), w.map((x) => "-".repeat(x)).join("  "), ...rows.map(line)];
  };
  const out = [s.id === "" ? s.title : `[${s.id}] ${s.title}`, `    ${s.note}`, ...block(s.header, s.rows)];
  const tr = targetRows(s);
  if (tr.length > 0) out.push("", ...block(TARGET_HEADER, tr));
  for (const r of s.remarks ?? []) out.push(`  * ${r}`);
  return out.join("\n");
}

function mdBlock(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const w = pad([header, ...rows], header);
  const cell = (c: string, j: number) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]));
  const row = (r: readonly string[]) => `| ${r.map(cell).join(" | ")} |`;
  const align = `| ${w.map((x, j) => (j === 0 ? `:${"-".repeat(x - 1)}` : `${"-".repeat(x - 1)}:`)).join(" | ")} |`;
  return [row(header), align, ...rows.map(row)];
}

/** The same section as GitHub markdown. */
export function markdownSection(s: Section): string {
  const out = [s.id === "" ? `### ${s.title}` : `### ${s.id}. ${s.title}`, "", s.note, "", ...mdBlock(s.header, s.rows)];
  const tr = targetRows(s);
  if (tr.length > 0) out.push("", ...mdBlock(TARGET_HEADER, tr));
  if ((s.remarks ?? []).length > 0) out.push("", ...(s.remarks ?? []).map((r) => `- ${r}`));
  return out.join("\n");
}

/** The CPU model as /proc/cpuinfo names it (os.cpus() elsewhere). */
function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m !== null) return m[1].trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model.trim() ?? "unknown CPU";
}

/** One line describing where the numbers were measured. */
export function machineLine(): string {
  const model = cpuModel();
  return `${model}, nproc ${os.availableParallelism()}, ${os.type()} ${os.release()} (${os.arch()}), Node ${process.version}`;
}
