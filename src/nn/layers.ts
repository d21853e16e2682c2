/**
 * Layers as pure pairs (stax style): `init(key, inputShape) → [outputShape, params]` and
 * `apply(params, x, opts?)`. Params are plain pytrees; nothing is stateful.
 */
import type { Array } from "../core/array.js";
import { ShapeError, ValueError } from "../core/errors.js";
import * as np from "../numpy/index.js";
import * as random from "../random/index.js";
import * as act from "./activations.js";
import { glorotUniform, type Initializer, zeros } from "./initializers.js";

export interface ApplyOptions {
  /** A PRNG key, for layers that need randomness (dropout). */
  key?: Array;
  /** Dropout is active only when training (default false). */
  training?: boolean;
}

export interface Layer<P> {
  init(key: Array, inputShape: readonly number[]): [number[], P];
  apply(params: P, x: Array, opts?: ApplyOptions): Array;
}

export interface DenseParams {
  w: Array;
  b: Array;
}

/**
 * Fully connected: y = x·w + b, with w [in, out] and b [out]. Works on any leading batch dims.
 * @example const [outShape, p] = nn.dense(3).init(random.key(0), [5, 2]); // outShape [5, 3]
 */
export function dense(out: number, opts: { wInit?: Initializer; bInit?: Initializer } = {}): Layer<DenseParams> {
  const wInit = opts.wInit ?? glorotUniform;
  const bInit = opts.bInit ?? zeros;
  return {
    init(key, inputShape) {
      if (inputShape.length === 0) throw new ShapeError("dense: the input must have at least one dimension (features last)");
      const n = inputShape[inputShape.length - 1];
      const [kw, kb] = random.split(key);
      return [[...inputShape.slice(0, -1), out], { w: wInit(kw, [n, out]), b: bInit(kb, [out]) }];
    },
    apply(params, x) {
      const n = params.w.shape[0];
      if (x.shape[x.ndim - 1] !== n) {
        throw new ShapeError(
          `dense: input ${x.aval.str()} has ${x.shape[x.ndim - 1]} features but the layer's w is ${params.w.aval.str()} (expects ${n}); ` +
            "init the layer with the input shape it is applied to (features last)",
        );
      }
      return np.add(np.matmul(x, params.w), params.b);
    },
  };
}
export const linear = dense;

/** A parameter-free layer from an elementwise function. */
export function elementwise(fn: (x: Array) => Array): Layer<null> {
  return {
    init: (_key, inputShape) => [[...inputShape], null],
    apply: (_p, x) => fn(x),
  };
}

export const Relu = elementwise(act.relu);
export const Sigmoid = elementwise(act.sigmoid);
export const Tanh = elementwise(act.tanh);
export const Softplus = elementwise(act.softplus);
export const Gelu = elementwise(act.gelu);
export const LogSoftmax = elementwise((x) => act.logSoftmax(x));
export const Softmax = elementwise((x) => act.softmax(x));

type ParamsOf<L> = L extends Layer<infer P> ? P : never;
type ParamsTuple<Ls extends readonly Layer<unknown>[]> = { -readonly [K in keyof Ls]: ParamsOf<Ls[K]> };

/**
 * Layers in sequence; params are a tuple, one entry per layer.
 * @example const net = nn.sequential(nn.dense(32), nn.Relu, nn.dense(1));
 */
export function sequential<const Ls extends readonly Layer<unknown>[]>(...layers: Ls): Layer<ParamsTuple<Ls>> {
  return {
    init(key, inputShape) {
      const keys = layers.length > 0 ? random.split(key, layers.length) : [];
      let shape = [...inputShape];
      const params: unknown[] = [];
      layers.forEach((l, i) => {
        const [s, p] = l.init(keys[i], shape);
        shape = s;
        params.push(p);
      });
      return [shape, params as ParamsTuple<Ls>];
    },
    apply(params, x, opts) {
      const ps = params as unknown as unknown[];
      if (ps.length !== layers.length) {
        throw new ValueError(`sequential: got params for ${ps.length} layers but the net has ${layers.length}`);
      }
      // Each layer that needs randomness gets its own key.
      const keys = opts?.key !== undefined ? random.split(opts.key, Math.max(layers.length, 1)) : undefined;
      return layers.reduce((h, l, i) => l.apply(ps[i], h, { ...opts, key: keys?.[i] }), x);
    },
  };
}
export const serial = sequential;

/**
 * A multi-layer perceptron: dense layers of the given sizes with `activation` between them
 * (none after the last).
 * @example nn.mlp([64, 32, 10], nn.relu) // dense(32), relu, dense(10) on 64 inputs
 */
export function mlp(
  sizes: readonly number[],
  activation: (x: Array) => Array = act.relu,
  opts: { wInit?: Initializer } = {},
): Layer<DenseParams[]> {
  if (sizes.length < 2) throw new ValueError(`mlp: give at least [inputs, outputs], got ${JSON.stringify(sizes)}`);
  const layers = sizes.slice(1).map((n) => dense(n, opts));
  return {
    init(key, inputShape) {
      if (inputShape[inputShape.length - 1] !== sizes[0]) {
        throw new ShapeError(
          `mlp: input shape [${inputShape}] has ${inputShape[inputShape.length - 1]} features, but sizes[0] is ${sizes[0]}`,
        );
      }
      const keys = random.split(key, layers.length);
      let shape = [...inputShape];
      const params = layers.map((l, i) => {
        const [s, p] = l.init(keys[i], shape);
        shape = s;
        return p;
      });
      return [shape, params];
    },
    apply(params, x) {
      return params.reduce((h, p, i) => {
        const y = layers[i].apply(p, h);
        return i < params.length - 1 ? activation(y) : y;
      }, x);
    },
  };
}

/**
 * Dropout: while training, zero each element with probability `rate` and scale the rest by
 * 1 / (1 − rate); the identity otherwise. Needs `opts.key` when training.
 */
export function dropout(rate: number): Layer<null> {
  if (!(rate >= 0 && rate < 1)) throw new ValueError(`dropout: rate must be in [0, 1), got ${rate}`);
  return {
    init: (_key, inputShape) => [[...inputShape], null],
    apply(_p, x, opts) {
      if (!opts?.training || rate === 0) return x;
      if (opts.key === undefined)
        throw new ValueError("dropout: training mode needs a PRNG key: apply(params, x, { training: true, key })");
      const keep = random.bernoulli(opts.key, 1 - rate, x.shape);
      return np.where(keep, np.divide(x, 1 - rate), np.zerosLike(x));
    },
  };
}
