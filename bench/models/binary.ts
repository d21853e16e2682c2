/**
 * The digits binary MLP of workloads 1, 3 and 6 in each library, written as that library's users
 * would: dense(64→32)-relu-dense(32→1)-sigmoid, binary cross-entropy on the probabilities
 * (clipped to [1e-7, 1 − 1e-7]) summed over the minibatch, SGD lr 0.01. Each step returns the
 * loss and the updated parameters.
 */

import { grad as jgrad, jit as jjit, nn as jnn, valueAndGrad as jValueAndGrad, vmap as jvmap } from "@jax-js/jax";
import { type Array, nn, optim, valueAndGrad } from "../../src/index.js";
import type { Results } from "../check.js";
import { MLP_KEYS, type MlpInit } from "../data.js";
import { f32, values } from "../peers/axle.js";
import { jf32, jnp, jvalues } from "../peers/jaxjs.js";
import { type TfBackend, tf, tvalues, useTf } from "../peers/tf.js";

export const LR = 0.01;
const EPS = 1e-7;

// ---- axle ----

export type AxMlp = { w1: Array; b1: Array; w2: Array; b2: Array };

export function axParams(p: MlpInit): AxMlp {
  return {
    w1: f32(p.w1, [p.nIn, p.nHidden]),
    b1: f32(p.b1, [p.nHidden]),
    w2: f32(p.w2, [p.nHidden, p.nOut]),
    b2: f32(p.b2, [p.nOut]),
  };
}

export function axBceSum(p: AxMlp, x: Array, y: Array): Array {
  const h = nn.relu(x.matmul(p.w1).add(p.b1));
  const probs = nn.sigmoid(h.matmul(p.w2).add(p.b2)).reshape([-1]);
  return nn.binaryCrossEntropy(probs, y, { eps: EPS, reduction: "sum" });
}

const sgd = optim.sgd(LR);
export type AxSgdState = ReturnType<typeof sgd.init>;
export const axSgdInit = (p: AxMlp): AxSgdState => sgd.init(p);

/** One SGD step, the optax way: value and gradient, optimizer update, apply. */
export function axSgdStep(p: AxMlp, s: AxSgdState, x: Array, y: Array): [Array, AxMlp, AxSgdState] {
  const [loss, g] = valueAndGrad(axBceSum)(p, x, y);
  const [u, s2] = sgd.update(g, s, p);
  return [loss, optim.applyUpdates(p, u), s2];
}

export function axResults(loss: Array, p: AxMlp): Results {
  return { loss: values(loss), ...Object.fromEntries(MLP_KEYS.map((k) => [k, values(p[k])])) };
}

// ---- jax-js ----

export type JMlp = { w1: jnp.Array; b1: jnp.Array; w2: jnp.Array; b2: jnp.Array };

export function jParams(p: MlpInit): JMlp {
  return {
    w1: jf32(p.w1, [p.nIn, p.nHidden]),
    b1: jf32(p.b1, [p.nHidden]),
    w2: jf32(p.w2, [p.nHidden, p.nOut]),
    b2: jf32(p.b2, [p.nOut]),
  };
}

/** Consumes its arguments (jax-js ownership): every array is used once or `.ref`-ed first. */
export function jBceSum(p: JMlp, x: jnp.Array, y: jnp.Array): jnp.Array {
  const h = jnn.relu(jnp.matmul(x, p.w1).add(p.b1));
  const probs = jnn.sigmoid(jnp.matmul(h, p.w2).add(p.b2)).reshape([-1]);
  const c = jnp.clip(probs, EPS, 1 - EPS);
  const ll = y.ref.mul(jnp.log(c.ref)).add(jnp.subtract(1, y).mul(jnp.log(jnp.subtract(1, c))));
  return ll.sum().neg();
}

/** jit(step): value and gradient, then p − lr·g, in one jitted function. */
export function jSgdStep(p: JMlp, x: jnp.Array, y: jnp.Array): [jnp.Array, JMlp] {
  const [loss, g] = jValueAndGrad(jBceSum)(jtreeRef(p), x, y);
  const next: JMlp = {
    w1: p.w1.sub(g.w1.mul(LR)),
    b1: p.b1.sub(g.b1.mul(LR)),
    w2: p.w2.sub(g.w2.mul(LR)),
    b2: p.b2.sub(g.b2.mul(LR)),
  };
  return [loss, next];
}

function jtreeRef(p: JMlp): JMlp {
  return { w1: p.w1.ref, b1: p.b1.ref, w2: p.w2.ref, b2: p.b2.ref };
}

export function jResults(loss: jnp.Array, p: JMlp): Results {
  return { loss: jvalues(loss), ...Object.fromEntries(MLP_KEYS.map((k) => [k, jvalues(p[k])])) };
}

/** Per-example gradients: vmap over examples of grad of the loss of one example, under jit. */
export function jPerExample(): (p: JMlp, x: jnp.Array, y: jnp.Array) => JMlp {
  const one = (p: JMlp, x: jnp.Array, y: jnp.Array) => jBceSum(p, x.reshape([1, -1]), y.reshape([1]));
  return jjit(jvmap(jgrad(one), [null, 0, 0]));
}

// ---- TF.js ----

export interface TfMlp {
  backend: TfBackend;
  vars: Record<(typeof MLP_KEYS)[number], tf.Variable>;
  x: tf.Tensor2D;
  y: tf.Tensor1D;
  opt: tf.Optimizer;
  /** One step: minimize (variableGrads + applyGradients, tidied); returns the loss. */
  step: () => tf.Scalar;
  dispose: () => void;
}

/** Variables and data on `backend`; the loss is the library's own logLoss (summed). */
export async function tfMlp(backend: TfBackend, p: MlpInit, x: Float32Array, y: Float32Array, batch: number): Promise<TfMlp> {
  await useTf(backend);
  const vars = {
    w1: tf.variable(tf.tensor2d(p.w1, [p.nIn, p.nHidden])),
    b1: tf.variable(tf.tensor1d(p.b1)),
    w2: tf.variable(tf.tensor2d(p.w2, [p.nHidden, p.nOut])),
    b2: tf.variable(tf.tensor1d(p.b2)),
  };
  const xt = tf.tensor2d(x, [batch, p.nIn]);
  const yt = tf.tensor1d(y);
  const opt = tf.train.sgd(LR);
  const varList = MLP_KEYS.map((k) => vars[k]);
  const loss = (): tf.Scalar => {
    const h = tf.relu(tf.add(tf.matMul(xt, vars.w1), vars.b1));
    const probs = tf.reshape(tf.sigmoid(tf.add(tf.matMul(h, vars.w2), vars.b2)), [-1]);
    return tf.losses.logLoss(yt, probs, undefined, EPS, tf.Reduction.SUM) as tf.Scalar;
  };
  return {
    backend,
    vars,
    x: xt,
    y: yt,
    opt,
    step: () => opt.minimize(loss, true, varList) as tf.Scalar,
    dispose: () => {
      tf.dispose([...varList, xt, yt]);
      opt.dispose();
    },
  };
}

export function tfResults(loss: tf.Scalar, m: TfMlp): Results {
  const r: Results = { loss: tvalues(loss), ...Object.fromEntries(MLP_KEYS.map((k) => [k, tvalues(m.vars[k])])) };
  loss.dispose();
  return r;
}
