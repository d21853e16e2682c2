/**
 * `optim`: optimizers as pure gradient transformations, optax style. An optimizer is
 * `{ init(params) → state, update(grads, state, params?) → [updates, state] }`; states are
 * pytrees of arrays, so a whole training step can be `jit`-ted.
 *
 * @example
 * const opt = optim.adam(1e-3);
 * let state = opt.init(params);
 * const [updates, next] = opt.update(grad(loss)(params), state, params);
 * params = optim.applyUpdates(params, updates);
 */
export type { AdagradOptions, AdamOptions, AdamwOptions, RmspropOptions, SgdOptions } from "./alias.js";
export { adagrad, adam, adamw, rmsprop, sgd } from "./alias.js";
export type {
  AnyTransformation,
  EmptyState,
  GradientTransformation,
  ScalarOrSchedule,
  Schedule,
  StateOf,
} from "./base.js";
export { applyUpdates, globalNorm } from "./base.js";
export type { ChainState, LabelSpec, MaskedState, MaskSpec, MultiStepsState, PartitionState, TreeSpec } from "./combine.js";
export { chain, maskedTransform, multiSteps, partition } from "./combine.js";
export type {
  CosineDecayOptions,
  ExponentialDecayOptions,
  LinearOptions,
  PiecewiseConstantOptions,
  WarmupCosineDecayOptions,
} from "./schedules.js";
export {
  constant,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  linear,
  piecewiseConstant,
  warmupCosineDecay,
} from "./schedules.js";
export type {
  ScaleByAdamOptions,
  ScaleByAdamState,
  ScaleByLearningRateOptions,
  ScaleByRmsOptions,
  ScaleByRmsState,
  ScaleByRssOptions,
  ScaleByRssState,
  ScaleByScheduleState,
  TraceOptions,
  TraceState,
} from "./transforms.js";
export {
  addDecayedWeights,
  clip,
  clipByGlobalNorm,
  identity,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  scaleByRms,
  scaleByRss,
  scaleBySchedule,
  setToZero,
  trace,
} from "./transforms.js";
