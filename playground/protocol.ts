/** Messages between the page (main.ts) and its workers (worker.ts). */
import type { CellResult } from "./cell.js";
import type { CheckResult } from "./checks.js";
import type { DigitsConfig, DigitsSnapshot, XorConfig, XorSnapshot } from "./train.js";

export type Pace = "full" | "slow";

export type Request =
  | { type: "hello" }
  | { type: "reset"; task: "xor"; cfg: XorConfig; run: number }
  | { type: "reset"; task: "digits"; cfg: DigitsConfig; run: number }
  | { type: "run"; running: boolean }
  | { type: "pace"; pace: Pace }
  | { type: "cell"; id: number; source: string }
  | { type: "checks" };

/** When a run first reached its target (XOR: 100% accuracy; digits: 95% test accuracy). */
export interface Reached {
  step: number;
  /** Milliseconds of training (compilation included, pauses excluded) since the reset. */
  ms: number;
}

export interface Progress<S> {
  /** The reset this belongs to: the page drops progress of runs it has since reset. */
  run: number;
  snap: S;
  /** Training time so far, as in Reached. */
  ms: number;
  reached: Reached | null;
  /** The run hit its step budget and stopped. */
  done: boolean;
}

export type Reply =
  | { type: "hello"; backends: readonly string[]; isolated: boolean; cores: number; sharedMemory: boolean }
  | { type: "xor"; progress: Progress<XorSnapshot> }
  | { type: "digits-ready"; shown: { pixels: number[][]; labels: number[] } }
  | { type: "digits"; progress: Progress<DigitsSnapshot> }
  | { type: "cell"; id: number; result: CellResult }
  | { type: "checks"; results: CheckResult[] }
  | { type: "error"; message: string };

/** XOR stops after this many gradient steps (a net stuck in a local minimum never gets there). */
export const XOR_MAX_STEPS = 20_000;
/** XOR also stops once the summed squared error is this small. */
export const XOR_DONE_LOSS = 1e-3;
export const DIGITS_MAX_EPOCHS = 30;
export const XOR_TARGET = 1;
export const DIGITS_TARGET = 0.95;
