/**
 * Schedules: `(step) → f32[]`, written with np ops so a traced step (inside `jit`) works as
 * well as a JS number. Steps count from 0.
 */
import type { Array } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import * as np from "../numpy/index.js";
import type { Schedule } from "./base.js";

/** The step as a float32 scalar (steps up to 2²⁴ are exact). */
function stepOf(step: Array | number): Array {
  return typeof step === "number" ? np.array(step) : step.astype("float32");
}

function checkPositive(op: string, name: string, v: number): void {
  if (!(v > 0)) throw new ValueError(`${op}: ${name} must be a positive number of steps, got ${v}`);
}

/**
 * η_t = value.
 * @example optim.constant(0.1)(5) // 0.1
 */
export function constant(value: number): Schedule {
  return () => np.array(value);
}

export interface ExponentialDecayOptions {
  /** η₀. */
  init: number;
  /** d: the factor applied per `transitionSteps` steps. */
  decayRate: number;
  transitionSteps: number;
  /** Floor the exponent, so the value drops in discrete jumps. Default false. */
  staircase?: boolean;
  /** Hold η₀ until this step. Default 0. */
  transitionBegin?: number;
  /** Never decay (or grow, when d > 1) past this value. */
  endValue?: number;
}

/**
 * η_t = η₀ · d^p with p = (t − transitionBegin) / transitionSteps (⌊p⌋ with `staircase`),
 * η₀ for t ≤ transitionBegin, bounded by `endValue`.
 * @example optim.exponentialDecay({ init: 1, decayRate: 0.5, transitionSteps: 10 })(20) // 0.25
 */
export function exponentialDecay(opts: ExponentialDecayOptions): Schedule {
  const { init, decayRate, transitionSteps, staircase = false, transitionBegin = 0, endValue } = opts;
  checkPositive("exponentialDecay", "transitionSteps", transitionSteps);
  if (!(transitionBegin >= 0)) throw new ValueError(`exponentialDecay: transitionBegin must be ≥ 0, got ${transitionBegin}`);
  return (step) => {
    const t = stepOf(step).sub(transitionBegin);
    const p0 = t.div(transitionSteps);
    const p = staircase ? np.floor(p0) : p0;
    let v = np.where(t.le(0), init, np.power(decayRate, p).mul(init));
    if (endValue !== undefined) v = decayRate < 1 ? np.maximum(v, endValue) : np.minimum(v, endValue);
    return v;
  };
}

export interface CosineDecayOptions {
  /** η₀. */
  init: number;
  /** Steps over which to decay; the value stays at α·η₀ afterwards. */
  decaySteps: number;
  /** α: the final value as a fraction of η₀. Default 0. */
  alpha?: number;
}

/**
 * η_t = η₀ · ((1 − α) · ½(1 + cos(π · min(t, T) / T)) + α), T = decaySteps.
 * @example optim.cosineDecay({ init: 1, decaySteps: 100 })(50) // 0.5
 */
export function cosineDecay(opts: CosineDecayOptions): Schedule {
  const { init, decaySteps, alpha = 0 } = opts;
  checkPositive("cosineDecay", "decaySteps", decaySteps);
  return (step) => {
    const t = np.minimum(np.maximum(stepOf(step), 0), decaySteps);
    const cosine = np
      .cos(t.mul(Math.PI / decaySteps))
      .add(1)
      .mul(0.5);
    return cosine
      .mul(1 - alpha)
      .add(alpha)
      .mul(init);
  };
}

export interface LinearOptions {
  init: number;
  end: number;
  /** Steps to go from `init` to `end` (0: always `end` from `transitionBegin` on). */
  transitionSteps: number;
  /** Hold `init` until this step. Default 0. */
  transitionBegin?: number;
}

/**
 * Linear interpolation: η_t = init + (end − init) · clip((t − transitionBegin) / transitionSteps, 0, 1).
 * @example optim.linear({ init: 0, end: 1, transitionSteps: 10 })(5) // 0.5
 */
export function linear(opts: LinearOptions): Schedule {
  const { init, end, transitionSteps, transitionBegin = 0 } = opts;
  if (!(transitionSteps >= 0)) throw new ValueError(`linear: transitionSteps must be ≥ 0, got ${transitionSteps}`);
  return (step) => {
    const t = stepOf(step).sub(transitionBegin);
    if (transitionSteps === 0) return np.where(t.lt(0), np.array(init), end);
    const frac = np.clip(t.div(transitionSteps), 0, 1);
    return frac.mul(end - init).add(init);
  };
}

export interface PiecewiseConstantOptions {
  init: number;
  /** Step → factor: from each boundary step on, the value is multiplied by its factor. */
  boundariesAndScales: Readonly<Record<number, number>>;
}

/**
 * η_t = init · Π_{boundaries b ≤ t} scale_b.
 * @example optim.piecewiseConstant({ init: 1, boundariesAndScales: { 10: 0.1, 20: 0.5 } })(25) // 0.05
 */
export function piecewiseConstant(opts: PiecewiseConstantOptions): Schedule {
  const bounds = Object.entries(opts.boundariesAndScales)
    .map(([b, s]) => [Number(b), s] as const)
    .sort((a, b) => a[0] - b[0]);
  for (const [b] of bounds) {
    if (!Number.isFinite(b)) throw new ValueError(`piecewiseConstant: boundary ${b} is not a finite step number`);
  }
  return (step) => {
    const t = stepOf(step);
    let v = np.array(opts.init);
    for (const [b, s] of bounds) v = v.mul(np.where(t.lt(b), np.array(1), s));
    return v;
  };
}

/**
 * Runs `schedules[0]` until `boundaries[0]`, then `schedules[1]` (counting its steps from the
 * boundary), and so on.
 * @example optim.joinSchedules([optim.constant(1), optim.constant(0.1)], [100])(150) // 0.1
 */
export function joinSchedules(schedules: readonly Schedule[], boundaries: readonly number[]): Schedule {
  if (schedules.length === 0 || boundaries.length !== schedules.length - 1) {
    throw new ValueError(
      `joinSchedules: got ${schedules.length} schedule(s) and ${boundaries.length} boundar(ies); pass one boundary fewer than schedules`,
    );
  }
  return (step) => {
    const t = stepOf(step);
    let v = schedules[0](t);
    boundaries.forEach((b, i) => {
      v = np.where(t.lt(b), v, schedules[i + 1](t.sub(b)));
    });
    return v;
  };
}

export interface WarmupCosineDecayOptions {
  /** Value at step 0. */
  init: number;
  /** Value reached after the warmup. */
  peak: number;
  warmupSteps: number;
  /** Total steps, warmup included; the value stays at `end` afterwards. */
  decaySteps: number;
  /** Final value. Default 0. */
  end?: number;
}

/**
 * Linear warmup from `init` to `peak` over `warmupSteps`, then cosine decay to `end` at `decaySteps`.
 * @example optim.warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 10, decaySteps: 110 })(60) // 0.5
 */
export function warmupCosineDecay(opts: WarmupCosineDecayOptions): Schedule {
  const { init, peak, warmupSteps, decaySteps, end = 0 } = opts;
  if (!(decaySteps > warmupSteps)) {
    throw new ValueError(
      `warmupCosineDecay: decaySteps (${decaySteps}) must exceed warmupSteps (${warmupSteps}); it counts the warmup`,
    );
  }
  if (peak === 0) throw new ValueError("warmupCosineDecay: peak must be non-zero (end is expressed as a fraction of it)");
  return joinSchedules(
    [
      linear({ init, end: peak, transitionSteps: warmupSteps }),
      cosineDecay({ init: peak, decaySteps: decaySteps - warmupSteps, alpha: end / peak }),
    ],
    [warmupSteps],
  );
}
