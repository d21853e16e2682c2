/**
 * The timing core of `npm run bench`: every contender of a case is measured in the same process,
 * interleaved round-robin (one batch of each per round, the order rotating every round), after a
 * warm-up, and summarised by medians. Absolute times on a shared 2-core machine are noise; the
 * ratios between contenders measured side by side in the same rounds are what the bench reports.
 */

import { ready } from "./peers/axle.js";

/** One implementation of a case, ready to run (set-up and agreement checks happen before). */
export interface Contender {
  /** Row label, e.g. "axle jit", "jax-js jit", "TF.js wasm", "hand". */
  name: string;
  /** One timed unit of work (a training step, a call). Its return value goes to `settle`. */
  run: () => unknown;
  /**
   * Inside the timed region, after each batch: forces lazily dispatched work (jax-js records
   * kernels and runs them when a result is read) and frees what the batch produced. Contenders
   * that finish their work inside `run` leave it out.
   */
  settle?: (outs: unknown[]) => unknown;
  /** Untimed, before each batch: e.g. switch TF.js to this contender's backend. */
  before?: () => unknown;
  /** `run` does `scale`× less work than the reported unit (a shortened loop); times are multiplied by it. */
  scale?: number;
}

export interface TimingOptions {
  /** Timed rounds; every contender gets one batch per round (fewer for very slow ones, see slowBudgetMs). */
  rounds: number;
  /** Target duration of one batch; the batch size (calls per batch) is calibrated during warm-up. */
  batchMs: number;
  /** Warm-up per contender (JIT tiers, caches, compiled kernels), at least two calls. */
  warmupMs: number;
  /** Contenders slower than this budget over all rounds get fewer rounds (never fewer than minRounds). */
  slowBudgetMs: number;
  minRounds: number;
}

export const FULL_TIMING: TimingOptions = { rounds: 12, batchMs: 20, warmupMs: 200, slowBudgetMs: 2500, minRounds: 3 };
export const QUICK_TIMING: TimingOptions = { rounds: 2, batchMs: 2, warmupMs: 10, slowBudgetMs: 50, minRounds: 1 };

export interface Stats {
  /** Median time per reported unit, ms (scale applied). */
  median: number;
  p25: number;
  p75: number;
  /** Timed batches (samples) and calls per batch. */
  samples: number;
  reps: number;
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

async function maybeAwait(v: unknown): Promise<void> {
  if (v !== null && typeof v === "object" && typeof (v as { then?: unknown }).then === "function") await v;
}

/** Time per call of one batch of `reps` calls, ms. */
async function batch(c: Contender, reps: number, collect = true): Promise<number> {
  await maybeAwait(c.before?.());
  // Collect garbage outside the timed region, so one contender's garbage is not another's pause.
  // Then idle 10 ms: V8 sweeps the collected heap on background threads, which otherwise run on
  // the second core inside the timing and slow a contender that uses both cores (measured:
  // axle's 512 matmul 41 GFLOP/s at ±15% spread without the pause, 54 at ±1% with it).
  if (collect) {
    gc?.();
    await new Promise((r) => setTimeout(r, 10));
  }
  const outs: unknown[] = [];
  const settle = c.settle;
  const t0 = performance.now();
  // `ready` computes axle's pending eager results inside the timed region (see peers/axle.ts).
  if (settle === undefined) for (let i = 0; i < reps; i++) ready(c.run());
  else {
    for (let i = 0; i < reps; i++) outs.push(ready(c.run()));
    await maybeAwait(settle(outs));
  }
  return (performance.now() - t0) / reps;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Interleaved medians of every contender; keys are contender names. */
export async function measure(contenders: readonly Contender[], opts: TimingOptions): Promise<Map<string, Stats>> {
  const plan = new Map<Contender, { reps: number; rounds: number }>();
  for (const c of contenders) {
    let calls = 0;
    let reps0 = 1;
    const seen: number[] = [];
    const start = performance.now();
    while (calls < 2 || performance.now() - start < opts.warmupMs) {
      const t = await batch(c, reps0, false);
      seen.push(t);
      calls += reps0;
      // A call longer than the whole warm-up is warm after two, and a very long one after one
      // (compilation, tracing and tier-up are a small part of it).
      if ((calls >= 2 && t > opts.warmupMs) || t > 4 * opts.warmupMs) break;
      if (t * reps0 < 1) reps0 *= 2;
    }
    // The first calls compile and fill caches; estimate from the later ones.
    const perCall = median(seen.length === 1 ? seen : seen.slice(Math.max(1, seen.length - 5)));
    const reps = Math.max(1, Math.round(opts.batchMs / perCall));
    const perBatch = reps * perCall;
    const rounds = Math.max(opts.minRounds, Math.min(opts.rounds, Math.floor(opts.slowBudgetMs / perBatch)));
    plan.set(c, { reps, rounds });
  }
  const samples = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  for (let r = 0; r < opts.rounds; r++) {
    // Rotate the order, so no contender always runs right after the same neighbour.
    const order = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
    for (const c of order) {
      const p = plan.get(c)!;
      const s = samples.get(c)!;
      if (s.length < p.rounds) s.push((await batch(c, p.reps)) * (c.scale ?? 1));
    }
  }
  const out = new Map<string, Stats>();
  for (const c of contenders) {
    const s = [...samples.get(c)!].sort((a, b) => a - b);
    out.set(c.name, {
      median: quantile(s, 0.5),
      p25: quantile(s, 0.25),
      p75: quantile(s, 0.75),
      samples: s.length,
      reps: plan.get(c)!.reps,
    });
  }
  return out;
}

/** Time of one call of `f` (ms), for one-off measurements such as a first (compiling) call. */
export async function timeOnce(f: () => unknown): Promise<number> {
  gc?.();
  const t0 = performance.now();
  await maybeAwait(f());
  return performance.now() - t0;
}

export function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}
