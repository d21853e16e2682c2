/**
 * The named optimizers, each a `chain` of the building blocks in transforms.ts. Every learning
 * rate η may be a number or a schedule of the step.
 */
import { named, type ScalarOrSchedule } from "./base.js";
import { chain, type MaskSpec } from "./combine.js";
import {
  addDecayedWeights,
  identity,
  type ScaleByAdamOptions,
  scaleByAdam,
  scaleByLearningRate,
  scaleByRms,
  scaleByRss,
  trace,
} from "./transforms.js";

export interface SgdOptions {
  /** μ: momentum coefficient; none when omitted. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent: u = −η g; with momentum μ: b_t = g + μb, u = −η b_t
 * (Nesterov: u = −η (g + μb_t)).
 * @example const opt = optim.sgd(0.1, { momentum: 0.9 });
 */
export function sgd(learningRate: ScalarOrSchedule, opts: SgdOptions = {}) {
  const { momentum, nesterov = false } = opts;
  return named(
    "sgd",
    chain(momentum === undefined ? identity() : trace({ decay: momentum, nesterov }), scaleByLearningRate(learningRate)),
  );
}

export type AdamOptions = ScaleByAdamOptions;

/**
 * Adam (Kingma & Ba, 2014): m_t = β₁m + (1−β₁)g; v_t = β₂v + (1−β₂)g²; m̂ = m_t/(1−β₁ᵗ);
 * v̂ = v_t/(1−β₂ᵗ); u = −η m̂/(√v̂ + ε). Defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
 * @example const opt = optim.adam(1e-3, { b1: 0.9, b2: 0.999 });
 */
export function adam(learningRate: ScalarOrSchedule, opts: AdamOptions = {}) {
  return named("adam", chain(scaleByAdam(opts), scaleByLearningRate(learningRate)));
}

export interface AdamwOptions extends ScaleByAdamOptions {
  /** λ: decoupled weight decay. Default 1e-4. */
  weightDecay?: number;
  /** Which parameters decay (a boolean tree or a function of the params); all when omitted. */
  mask?: MaskSpec;
}

/**
 * AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay,
 * u = −η (m̂/(√v̂ + ε) + λθ).
 * @example const opt = optim.adamw(1e-3, { weightDecay: 1e-2, mask: (p) => tree.map((x: Array) => x.ndim > 1, p) });
 */
export function adamw(learningRate: ScalarOrSchedule, opts: AdamwOptions = {}) {
  const { weightDecay = 1e-4, mask, ...adamOpts } = opts;
  return named("adamw", chain(scaleByAdam(adamOpts), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate)));
}

export interface RmspropOptions {
  /** ρ: decay of the squared-gradient average. Default 0.9. */
  decay?: number;
  /** ε inside the root. Default 1e-8. */
  eps?: number;
  /** Initial value of the average. Default 0. */
  initialScale?: number;
  /** μ: momentum applied after scaling; none when omitted. */
  momentum?: number;
  nesterov?: boolean;
}

/**
 * RMSProp: ν_t = ρν + (1−ρ)g²; u = −η g/√(ν_t + ε) (then momentum μ when given).
 * @example const opt = optim.rmsprop(1e-2, { decay: 0.9 });
 */
export function rmsprop(learningRate: ScalarOrSchedule, opts: RmspropOptions = {}) {
  const { decay, eps, initialScale, momentum, nesterov = false } = opts;
  return named(
    "rmsprop",
    chain(
      scaleByRms({ decay, eps, initialScale }),
      scaleByLearningRate(learningRate),
      momentum === undefined ? identity() : trace({ decay: momentum, nesterov }),
    ),
  );
}

export interface AdagradOptions {
  /** G₀: initial sum of squares. Default 0.1. */
  initialAccumulatorValue?: number;
  /** ε inside the root. Default 1e-7. */
  eps?: number;
}

/**
 * Adagrad (Duchi et al., 2011): G_t = G + g²; u = −η g/√(G_t + ε).
 * @example const opt = optim.adagrad(0.1);
 */
export function adagrad(learningRate: ScalarOrSchedule, opts: AdagradOptions = {}) {
  return named("adagrad", chain(scaleByRss(opts), scaleByLearningRate(learningRate)));
}
