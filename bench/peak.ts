/**
 * Measured floating-point peaks for workload 5's "% peak" column, from bench/peak-kernel.mjs run
 * in child processes (so the relaxed-SIMD flag never applies to the peers' process):
 * - mul+add: f32x4.mul then f32x4.add, what any Wasm code gets on Node 20 without flags;
 * - relaxed madd: f32x4.relaxed_madd (a fused multiply-add on x86 with FMA), which Node 20 only
 *   validates behind --experimental-wasm-relaxed-simd and Node 22+ and Chromium have by default.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface PeakRun {
  mode: "muladd" | "madd";
  threads: number;
  available: boolean;
  gflops?: number;
  /** The node flags the child ran with. */
  flags: string[];
}

export interface PeakResult {
  runs: PeakRun[];
  /** The 1-thread peak that "% peak" divides by: relaxed madd when available (with or without flag), else mul+add. */
  reference: PeakRun;
}

const KERNEL = fileURLToPath(new URL("./peak-kernel.mjs", import.meta.url));

function child(mode: PeakRun["mode"], threads: number, ms: number, flags: string[]): PeakRun {
  const r = spawnSync(process.execPath, [...flags, KERNEL, mode, String(threads), String(ms)], { encoding: "utf8" });
  if (r.status !== 0) {
    // An engine that does not know the flag refuses to start: report the mode as unavailable.
    return { mode, threads, available: false, flags };
  }
  const out = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as Omit<PeakRun, "flags">;
  return { ...out, flags };
}

export function measurePeak(quick: boolean): PeakResult {
  const ms = quick ? 40 : 300;
  const relaxedFlag = ["--experimental-wasm-relaxed-simd"];
  const runs: PeakRun[] = [];
  for (const threads of [1, 2]) {
    runs.push(child("muladd", threads, ms, []));
    const plain = child("madd", threads, ms, []);
    runs.push(plain.available ? plain : child("madd", threads, ms, relaxedFlag));
  }
  const one = runs.filter((r) => r.threads === 1 && r.available);
  const reference = one.find((r) => r.mode === "madd") ?? one[0];
  if (reference === undefined) throw new Error("peak: the Wasm SIMD kernel did not run");
  return { runs, reference };
}

export function peakRows(p: PeakResult): string[][] {
  return p.runs.map((r) => [
    r.mode === "madd" ? "f32x4.relaxed_madd chains" : "f32x4.mul + f32x4.add chains",
    String(r.threads),
    r.flags.length > 0 ? r.flags.join(" ") : "(none)",
    r.available && r.gflops !== undefined ? r.gflops.toFixed(1) : "unavailable",
  ]);
}

export const PEAK_HEADER = ["kernel", "threads", "node flags", "GFLOP/s"];

/** For remarks: "1 thread, relaxed madd: 65.1 GFLOP/s". */
export function describePeak(r: PeakRun): string {
  const what = r.mode === "madd" ? "f32x4.relaxed_madd" : "f32x4.mul + f32x4.add";
  return `${what}, ${r.threads} thread${r.threads > 1 ? "s" : ""}${r.flags.length > 0 ? ` (node ${r.flags.join(" ")})` : ""}: ${r.gflops?.toFixed(1)} GFLOP/s`;
}
