/** What a workload module provides to `bench/index.ts` and to the agreement smoke test. */
import { assertAgree, type Results, type Tolerance } from "./check.js";
import { type Contender, measure, type Stats, type TimingOptions } from "./harness.js";
import type { PeakResult } from "./peak.js";
import type { Section } from "./report.js";

export interface RunContext {
  quick: boolean;
  timing: TimingOptions;
  /** The measured Wasm SIMD peak (workload 5 reports fractions of it). */
  peak?: PeakResult;
}

export interface Workload {
  id: number;
  title: string;
  /**
   * Runs every implementation once from the same inputs and throws an AgreementError unless they
   * compute the same numbers. `tiny` uses small sizes (the smoke test in test/bench/).
   */
  agree(tiny: boolean): Promise<void>;
  /** Agreement at full size, then the timings. */
  run(ctx: RunContext): Promise<Section[]>;
}

/** An implementation's part in the agreement check. */
export interface Check {
  name: string;
  /** Fresh state; the results the agreement check compares (e.g. loss and params after one step). */
  check: () => Promise<Results> | Results;
}

/** One implementation of a case, built fresh from the shared inputs each time it is asked. */
export interface Impl extends Check {
  /** Fresh state, ready to be timed. */
  contender: () => Promise<Contender> | Contender;
}

/** Every implementation's check results, compared with the reference's. */
export async function agreeAll(what: string, impls: readonly Check[], reference: string, tol: Tolerance): Promise<void> {
  const results = new Map<string, Results>();
  for (const impl of impls) results.set(impl.name, await impl.check());
  assertAgree(what, reference, results, tol);
}

/** Agreement, then interleaved timing of every implementation. */
export async function agreeAndMeasure(
  what: string,
  impls: readonly Impl[],
  reference: string,
  tol: Tolerance,
  timing: TimingOptions,
): Promise<Map<string, Stats>> {
  await agreeAll(what, impls, reference, tol);
  const contenders: Contender[] = [];
  for (const impl of impls) contenders.push(await impl.contender());
  return measure(contenders, timing);
}
