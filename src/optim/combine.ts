/**
 * Combinators: build optimizers out of transformations: in sequence (`chain`), per parameter
 * group (`partition`, `maskedTransform`), or over several micro-batches (`multiSteps`).
 */
import type { Array } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import * as np from "../numpy/index.js";
import * as tree from "../tree/index.js";
import {
  type AnyTransformation,
  checkArrayLeaves,
  type GradientTransformation,
  incrementCount,
  pair,
  type StateOf,
  zeroCount,
  zerosLikeTree,
} from "./base.js";

/** The state of `chain(t₁, …, tₙ)`: the tuple of the inner states. */
export type ChainState<T extends readonly AnyTransformation[]> = { readonly [K in keyof T]: StateOf<T[K]> };

/**
 * Applies the transformations in order, each to the previous one's output; the state is the
 * tuple of their states.
 * @example const adam = optim.chain(optim.scaleByAdam(), optim.scaleByLearningRate(1e-3));
 */
export function chain<T extends readonly AnyTransformation[]>(...transforms: T): GradientTransformation<ChainState<T>> {
  return {
    init: (params) => Object.freeze(transforms.map((t) => t.init(params))) as unknown as ChainState<T>,
    update: (updates, state, params) => {
      const states = state as readonly unknown[];
      if (!globalThis.Array.isArray(states) || states.length !== transforms.length) {
        throw new ValueError(
          `chain: the state must be the array of ${transforms.length} inner state(s) that init returned, got ` +
            `${globalThis.Array.isArray(states) ? `${states.length}` : typeof states}`,
        );
      }
      let u = updates;
      const next = transforms.map((t, i) => {
        const [v, s] = t.update(u, states[i], params);
        u = v;
        return s;
      });
      return pair(u, Object.freeze(next) as unknown as ChainState<T>);
    },
  };
}

/** A pytree given as data: JS arrays, plain objects, or a single leaf. */
export type TreeSpec = boolean | string | object;

/** A tree of booleans shaped like the params (`true` = selected), or a function of the params returning one. */
export type MaskSpec = TreeSpec | ((params: unknown) => unknown);

function resolveMask(op: string, mask: MaskSpec, t: unknown): boolean[] {
  const m = typeof mask === "function" ? (mask as (p: unknown) => unknown)(t) : mask;
  // tree.map checks the structure (naming the first differing path) and each leaf's type.
  const out: boolean[] = [];
  tree.map(
    (_x: unknown, b: unknown) => {
      if (typeof b !== "boolean") {
        throw new ValueError(`${op}: mask leaves must be JS booleans (true = selected), got ${typeof b} ${String(b)}`);
      }
      out.push(b);
      return null;
    },
    t,
    m,
  );
  return out;
}

/** The tree with unselected leaves replaced by `null` (an empty node: inner transforms skip it). */
function select(t: unknown, bits: readonly boolean[]): unknown {
  const [leaves, def] = tree.flatten(t);
  return tree.unflatten(
    def,
    leaves.map((x, i) => (bits[i] ? x : null)),
  );
}

/** `original` with its selected leaves taken, in order, from `inner`. */
function merge<U>(original: U, inner: unknown, bits: readonly boolean[]): U {
  const [leaves, def] = tree.flatten(original);
  const picked = tree.leaves(inner);
  let k = 0;
  const out = leaves.map((x, i) => (bits[i] ? picked[k++] : x));
  if (k !== picked.length) {
    throw new ValueError(`maskedTransform: the inner transformation returned ${picked.length} updates for ${k} selected leaves`);
  }
  return tree.unflatten(def, out) as U;
}

export interface MaskedState<S> {
  /** The inner state, holding only the selected leaves (unselected ones are `null`). */
  readonly inner: S;
}

/** Internal: `inner` restricted to the leaves `bitsOf(tree)` selects. */
function maskedBy<S>(
  inner: GradientTransformation<S>,
  bitsOf: (t: unknown) => boolean[],
): GradientTransformation<MaskedState<S>> {
  return {
    init: (params) => Object.freeze({ inner: inner.init(select(params, bitsOf(params))) }),
    update: (updates, state, params) => {
      const bits = bitsOf(updates);
      const [u, s] = inner.update(select(updates, bits), state.inner, params === undefined ? undefined : select(params, bits));
      return pair(merge(updates, u, bits), Object.freeze({ inner: s }));
    },
  };
}

/**
 * Applies `inner` to the leaves selected by `mask` and passes the others through unchanged;
 * the inner state only holds the selected leaves.
 * @example optim.maskedTransform(optim.addDecayedWeights(1e-4), { w: true, b: false })
 */
export function maskedTransform<S>(inner: GradientTransformation<S>, mask: MaskSpec): GradientTransformation<MaskedState<S>> {
  return maskedBy(inner, (t) => resolveMask("maskedTransform", mask, t));
}

/** A tree of labels (strings) shaped like the params, or a function of the params returning one. */
export type LabelSpec = TreeSpec | ((params: unknown) => unknown);

export interface PartitionState {
  /** Each group's inner state, by label. */
  readonly inner: Readonly<Record<string, MaskedState<unknown>>>;
}

function resolveLabels(labels: LabelSpec, t: unknown, known: readonly string[]): string[] {
  const l = typeof labels === "function" ? (labels as (p: unknown) => unknown)(t) : labels;
  const out: string[] = [];
  tree.map(
    (_x: unknown, s: unknown) => {
      if (typeof s !== "string" || !known.includes(s)) {
        throw new ValueError(
          `partition: label ${JSON.stringify(s)} has no transformation; labels must be one of ${known.map((k) => JSON.stringify(k)).join(", ")}`,
        );
      }
      out.push(s);
      return null;
    },
    t,
    l,
  );
  return out;
}

/**
 * Different transformations for different parameter groups: `labels` gives each parameter a
 * label (a key of `transforms`), and each transformation sees only its group.
 * @example
 * // params = { w, b }: adam for w, plain SGD for b
 * optim.partition({ slow: optim.sgd(1e-3), fast: optim.adam(1e-2) }, { w: "fast", b: "slow" });
 */
export function partition(
  transforms: Readonly<Record<string, AnyTransformation>>,
  labels: LabelSpec,
): GradientTransformation<PartitionState> {
  const names = Object.keys(transforms).sort();
  const groups = names.map((n) => maskedBy(transforms[n], (t) => resolveLabels(labels, t, names).map((l) => l === n)));
  return {
    init: (params) => {
      resolveLabels(labels, params, names); // fail early, before any inner init
      return Object.freeze({ inner: Object.freeze(Object.fromEntries(names.map((n, i) => [n, groups[i].init(params)]))) });
    },
    update: (updates, state, params) => {
      let u = updates;
      const inner: Record<string, MaskedState<unknown>> = {};
      names.forEach((n, i) => {
        const [v, s] = groups[i].update(u, state.inner[n], params);
        u = v;
        inner[n] = s;
      });
      return pair(u, Object.freeze({ inner: Object.freeze(inner) }));
    },
  };
}

export interface MultiStepsState<S> {
  /** Micro-steps accumulated so far in this cycle (0 … k−1). */
  readonly miniStep: Array;
  /** Inner updates applied so far. */
  readonly gradientStep: Array;
  readonly innerState: S;
  /** The running mean of this cycle's gradients. */
  readonly accGrads: unknown;
}

/**
 * Gradient accumulation: averages the gradients of `everyK` consecutive calls and applies
 * `inner` to the mean on every k-th call, returning zero updates on the others. Branch-free
 * (np.where), so it works under `jit`.
 * @example const opt = optim.multiSteps(optim.adam(1e-3), 4); // an effective batch 4× larger
 */
export function multiSteps<S>(inner: GradientTransformation<S>, everyK: number): GradientTransformation<MultiStepsState<S>> {
  if (!Number.isInteger(everyK) || everyK < 1) {
    throw new ValueError(`multiSteps: everyK must be a positive integer, got ${everyK}`);
  }
  return {
    init: (params) =>
      Object.freeze({
        miniStep: zeroCount(),
        gradientStep: zeroCount(),
        innerState: inner.init(params),
        accGrads: zerosLikeTree("multiSteps", params),
      }),
    update: (updates, state, params) => {
      checkArrayLeaves("multiSteps", updates, "update");
      // Running mean: acc_n = acc + (g − acc) / n for the n-th micro-step of the cycle.
      const n = state.miniStep.add(1);
      const acc = tree.map((g, a) => a.add(g.sub(a).div(n.astype(a.dtype))), updates, state.accGrads as typeof updates);
      const emit = n.ge(everyK);
      // The inner update is computed every call and selected: a JS branch on `emit` could not be traced.
      const [innerUpdates, innerNext] = inner.update(acc, state.innerState, params);
      const choose = (a: unknown, b: unknown) => tree.map((x, y) => np.where(emit, x, y), a, b);
      return pair(
        tree.map((u) => np.where(emit, u, np.zerosLike(u)), innerUpdates),
        Object.freeze({
          miniStep: np.where(emit, 0, n),
          gradientStep: np.where(emit, incrementCount(state.gradientStep), state.gradientStep),
          innerState: choose(innerNext, state.innerState) as S,
          accGrads: tree.map((a) => np.where(emit, np.zerosLike(a), a), acc),
        }),
      );
    },
  };
}
