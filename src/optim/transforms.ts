/**
 * The building blocks: small gradient transformations, each one formula, composed with `chain`
 * into the named optimizers of alias.ts. `g` is the incoming update (usually the gradient), `t`
 * the step count after this update (1 on the first call).
 */
import type { Array } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import * as np from "../numpy/index.js";
import * as tree from "../tree/index.js";
import {
  checkArrayLeaves,
  type EmptyState,
  type GradientTransformation,
  incrementCount,
  pair,
  requireParams,
  type ScalarOrSchedule,
  type Schedule,
  zeroCount,
  zerosLikeTree,
} from "./base.js";
import { type MaskedState, type MaskSpec, maskedTransform } from "./combine.js";

const EMPTY: EmptyState = Object.freeze({});

/** Fresh per-dtype scalar cache, so a factor is cast once per dtype, not once per leaf. */
function perDType(f: (dtype: Array["dtype"]) => Array): (x: Array) => Array {
  const cache = new Map<string, Array>();
  return (x) => {
    let v = cache.get(x.dtype);
    if (v === undefined) cache.set(x.dtype, (v = f(x.dtype)));
    return v;
  };
}

/**
 * Passes updates through unchanged.
 * @example optim.identity().update(grads, {}) // [grads, {}]
 */
export function identity(): GradientTransformation<EmptyState> {
  return {
    init: () => EMPTY,
    update: (updates, state) =>
      pair(
        tree.map((u) => u, updates),
        state,
      ),
  };
}

/**
 * Sets every update to zero (e.g. to freeze a parameter group inside `partition`).
 * @example optim.setToZero().update(grads, {})[0] // zeros like grads
 */
export function setToZero(): GradientTransformation<EmptyState> {
  return {
    init: () => EMPTY,
    update: (updates, state) =>
      pair(
        tree.map((u) => np.zerosLike(u), updates),
        state,
      ),
  };
}

/**
 * u = factor · g.
 * @example optim.scale(-0.1) // plain SGD with learning rate 0.1
 */
export function scale(factor: number): GradientTransformation<EmptyState> {
  return {
    init: () => EMPTY,
    update: (updates, state) => {
      checkArrayLeaves("scale", updates, "update");
      return pair(
        tree.map((u) => u.mul(factor), updates),
        state,
      );
    },
  };
}

export interface ScaleByScheduleState {
  readonly count: Array;
}

/**
 * u = s(t − 1) · g, where s is evaluated at the number of previous updates (0 on the first call).
 * @example optim.scaleBySchedule(optim.exponentialDecay({ init: -0.1, decayRate: 0.5, transitionSteps: 100 }))
 */
export function scaleBySchedule(schedule: Schedule): GradientTransformation<ScaleByScheduleState> {
  return {
    init: () => Object.freeze({ count: zeroCount() }),
    update: (updates, state) => {
      checkArrayLeaves("scaleBySchedule", updates, "update");
      const s = schedule(state.count);
      const at = perDType((d) => s.astype(d));
      return pair(
        tree.map((u) => u.mul(at(u)), updates),
        Object.freeze({ count: incrementCount(state.count) }),
      );
    },
  };
}

export interface ScaleByLearningRateOptions {
  /** Negate, so that adding the updates descends the loss. Default true. */
  flipSign?: boolean;
}

/**
 * u = −η · g (η a number or a schedule of the step).
 * @example optim.chain(optim.scaleByAdam(), optim.scaleByLearningRate(1e-3)) // adam
 */
export function scaleByLearningRate(learningRate: number, opts?: ScaleByLearningRateOptions): GradientTransformation<EmptyState>;
export function scaleByLearningRate(
  learningRate: Schedule,
  opts?: ScaleByLearningRateOptions,
): GradientTransformation<ScaleByScheduleState>;
export function scaleByLearningRate(
  learningRate: ScalarOrSchedule,
  opts?: ScaleByLearningRateOptions,
): GradientTransformation<EmptyState> | GradientTransformation<ScaleByScheduleState>;
export function scaleByLearningRate(
  learningRate: ScalarOrSchedule,
  opts: ScaleByLearningRateOptions = {},
): GradientTransformation<EmptyState> | GradientTransformation<ScaleByScheduleState> {
  const m = (opts.flipSign ?? true) ? -1 : 1;
  if (typeof learningRate === "number") return scale(m * learningRate);
  return scaleBySchedule((step) => learningRate(step).mul(m));
}

export interface ScaleByAdamOptions {
  /** β₁: decay of the first-moment average. Default 0.9. */
  b1?: number;
  /** β₂: decay of the second-moment average. Default 0.999. */
  b2?: number;
  /** ε added to √v̂ (outside the root). Default 1e-8. */
  eps?: number;
  /** ε added to v̂ inside the root (keeps gradients of the update finite). Default 0. */
  epsRoot?: number;
}

export interface ScaleByAdamState {
  readonly count: Array;
  /** m: the first-moment (mean) estimate, shaped like the params. */
  readonly mu: unknown;
  /** v: the second-moment (uncentred variance) estimate. */
  readonly nu: unknown;
}

/**
 * Adam's rescaling (Kingma & Ba, 2014):
 * m_t = β₁m + (1−β₁)g; v_t = β₂v + (1−β₂)g²; m̂ = m_t/(1−β₁ᵗ); v̂ = v_t/(1−β₂ᵗ);
 * u = m̂ / (√(v̂ + ε_root) + ε).
 * @example optim.chain(optim.scaleByAdam({ b1: 0.9 }), optim.scaleByLearningRate(1e-3))
 */
export function scaleByAdam(opts: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = opts;
  return {
    init: (params) => {
      const z = zerosLikeTree("scaleByAdam", params);
      return Object.freeze({ count: zeroCount(), mu: z, nu: z });
    },
    update: (updates, state) => {
      checkArrayLeaves("scaleByAdam", updates, "update");
      const mu = tree.map((g, m) => m.mul(b1).add(g.mul(1 - b1)), updates, state.mu as typeof updates);
      const nu = tree.map((g, v) => v.mul(b2).add(np.square(g).mul(1 - b2)), updates, state.nu as typeof updates);
      const count = incrementCount(state.count);
      // Bias corrections 1 − βᵗ, computed in each leaf's dtype so float64 stays float64.
      const bc1 = perDType((d) => np.subtract(1, np.power(b1, count.astype(d))));
      const bc2 = perDType((d) => np.subtract(1, np.power(b2, count.astype(d))));
      const out = tree.map((m, v) => m.div(bc1(m)).div(np.sqrt(v.div(bc2(v)).add(epsRoot)).add(eps)), mu, nu);
      return pair(out, Object.freeze({ count, mu, nu }));
    },
  };
}

export interface ScaleByRmsOptions {
  /** ρ: decay of the squared-gradient average. Default 0.9. */
  decay?: number;
  /** ε inside the root. Default 1e-8. */
  eps?: number;
  /** Initial value of the average. Default 0. */
  initialScale?: number;
}

export interface ScaleByRmsState {
  /** The running average of g². */
  readonly nu: unknown;
}

/**
 * RMSProp's rescaling (Hinton): ν_t = ρν + (1−ρ)g²; u = g / √(ν_t + ε).
 * @example optim.chain(optim.scaleByRms({ decay: 0.9 }), optim.scaleByLearningRate(1e-2))
 */
export function scaleByRms(opts: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  const { decay = 0.9, eps = 1e-8, initialScale = 0 } = opts;
  return {
    init: (params) => Object.freeze({ nu: tree.map((z) => z.add(initialScale), zerosLikeTree("scaleByRms", params)) }),
    update: (updates, state) => {
      checkArrayLeaves("scaleByRms", updates, "update");
      const nu = tree.map((g, v) => v.mul(decay).add(np.square(g).mul(1 - decay)), updates, state.nu as typeof updates);
      return pair(
        tree.map((g, v) => g.mul(np.rsqrt(v.add(eps))), updates, nu),
        Object.freeze({ nu }),
      );
    },
  };
}

export interface ScaleByRssOptions {
  /** Initial value of the sum of squares. Default 0.1. */
  initialAccumulatorValue?: number;
  /** ε inside the root. Default 1e-7. */
  eps?: number;
}

export interface ScaleByRssState {
  /** Σ g² over all steps so far. */
  readonly sumOfSquares: unknown;
}

/**
 * Adagrad's rescaling by the root of the sum of squares (Duchi et al., 2011):
 * G_t = G + g²; u = g / √(G_t + ε) (0 where G_t = 0).
 * @example optim.chain(optim.scaleByRss(), optim.scaleByLearningRate(0.1)) // adagrad
 */
export function scaleByRss(opts: ScaleByRssOptions = {}): GradientTransformation<ScaleByRssState> {
  const { initialAccumulatorValue = 0.1, eps = 1e-7 } = opts;
  return {
    init: (params) =>
      Object.freeze({ sumOfSquares: tree.map((z) => z.add(initialAccumulatorValue), zerosLikeTree("scaleByRss", params)) }),
    update: (updates, state) => {
      checkArrayLeaves("scaleByRss", updates, "update");
      const sumOfSquares = tree.map((g, s) => s.add(np.square(g)), updates, state.sumOfSquares as typeof updates);
      return pair(
        tree.map((g, s) => np.where(s.gt(0), g.mul(np.rsqrt(s.add(eps))), 0), updates, sumOfSquares),
        Object.freeze({ sumOfSquares }),
      );
    },
  };
}

export interface TraceOptions {
  /** μ: the momentum coefficient. */
  decay: number;
  /** Nesterov's look-ahead variant. Default false. */
  nesterov?: boolean;
}

export interface TraceState {
  /** The momentum buffer. */
  readonly trace: unknown;
}

/**
 * Momentum: b_t = g + μb; u = b_t (or g + μb_t with Nesterov).
 * @example optim.chain(optim.trace({ decay: 0.9 }), optim.scaleByLearningRate(0.01)) // SGD + momentum
 */
export function trace(opts: TraceOptions): GradientTransformation<TraceState> {
  const { decay, nesterov = false } = opts;
  return {
    init: (params) => Object.freeze({ trace: zerosLikeTree("trace", params) }),
    update: (updates, state) => {
      checkArrayLeaves("trace", updates, "update");
      const next = tree.map((g, b) => g.add(b.mul(decay)), updates, state.trace as typeof updates);
      const out = nesterov ? tree.map((g, b) => g.add(b.mul(decay)), updates, next) : next;
      return pair(out, Object.freeze({ trace: next }));
    },
  };
}

/**
 * Decoupled weight decay (as in AdamW): u = g + λ·params, for the leaves selected by `mask`
 * (a tree of booleans shaped like the params, or a function of the params returning one).
 * Needs `params` in `update`.
 * @example optim.addDecayedWeights(1e-4, (p) => tree.map((x: Array) => x.ndim > 1, p)) // skip biases
 */
export function addDecayedWeights(weightDecay: number): GradientTransformation<EmptyState>;
export function addDecayedWeights(weightDecay: number, mask: MaskSpec): GradientTransformation<MaskedState<EmptyState>>;
export function addDecayedWeights(
  weightDecay: number,
  mask?: MaskSpec,
): GradientTransformation<EmptyState> | GradientTransformation<MaskedState<EmptyState>>;
export function addDecayedWeights(
  weightDecay: number,
  mask?: MaskSpec,
): GradientTransformation<EmptyState> | GradientTransformation<MaskedState<EmptyState>> {
  const base: GradientTransformation<EmptyState> = {
    init: () => EMPTY,
    update: (updates, state, params) => {
      const p = requireParams("addDecayedWeights", params);
      checkArrayLeaves("addDecayedWeights", updates, "update");
      checkArrayLeaves("addDecayedWeights", p, "parameter");
      return pair(
        tree.map((g, x) => g.add(x.mul(weightDecay).astype(g.dtype)), updates, p as typeof updates),
        state,
      );
    },
  };
  return mask === undefined ? base : maskedTransform(base, mask);
}

/**
 * Rescales all updates together so their global L2 norm is at most `maxNorm`:
 * u = g · min(1, maxNorm / ‖g‖).
 * @example optim.chain(optim.clipByGlobalNorm(1), optim.adam(1e-3))
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  if (!(maxNorm > 0)) throw new ValueError(`clipByGlobalNorm: maxNorm must be positive, got ${maxNorm}`);
  return {
    init: () => EMPTY,
    update: (updates, state) => {
      checkArrayLeaves("clipByGlobalNorm", updates, "update");
      const sq = (tree.leaves(updates) as Array[]).map((x) => np.sum(np.square(x.astype("float64"))));
      const norm = np.sqrt(sq.reduce((a, b) => a.add(b), np.zeros([], "float64")));
      const small = norm.lt(maxNorm);
      const factor = perDType((d) => np.where(small, 1, np.divide(maxNorm, norm)).astype(d));
      return pair(
        tree.map((g) => g.mul(factor(g)), updates),
        state,
      );
    },
  };
}

/**
 * Clips every update elementwise to [−maxDelta, maxDelta].
 * @example optim.chain(optim.clip(1), optim.sgd(0.1))
 */
export function clip(maxDelta: number): GradientTransformation<EmptyState> {
  if (!(maxDelta >= 0)) throw new ValueError(`clip: maxDelta must be ≥ 0, got ${maxDelta}`);
  return {
    init: () => EMPTY,
    update: (updates, state) => {
      checkArrayLeaves("clip", updates, "update");
      return pair(
        tree.map((g) => np.clip(g, -maxDelta, maxDelta), updates),
        state,
      );
    },
  };
}
