/**
 * The digits 10-class MLP of workload 2 in each library: dense(64→128)-relu-dense(128→10),
 * softmax cross-entropy with integer labels (mean over the batch), one Adam step
 * (lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8 outside the square root, as optax and TF.js define it).
 */
import { nn as jnn, valueAndGrad as jValueAndGrad } from "@jax-js/jax";
import { type Array, nn, optim, valueAndGrad } from "../../src/index.js";
import type { Results } from "../check.js";
import { MLP_KEYS, type MlpInit } from "../data.js";
import { jnp, jvalues } from "../peers/jaxjs.js";
import { type TfBackend, tf, tvalues, useTf } from "../peers/tf.js";
import { type AxMlp, type JMlp, jParams } from "./binary.js";

export const ADAM = { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8 } as const;
export const CLASSES = 10;

// ---- axle ----

export function axCe(p: AxMlp, x: Array, labels: Array): Array {
  const logits = nn.relu(x.matmul(p.w1).add(p.b1)).matmul(p.w2).add(p.b2);
  return nn.softmaxCrossEntropy(logits, labels);
}

const adam = optim.adam(ADAM.lr, { b1: ADAM.b1, b2: ADAM.b2, eps: ADAM.eps });
export type AxAdamState = ReturnType<typeof adam.init>;
export const axAdamInit = (p: AxMlp): AxAdamState => adam.init(p);

export function axAdamStep(p: AxMlp, s: AxAdamState, x: Array, labels: Array): [Array, AxMlp, AxAdamState] {
  const [loss, g] = valueAndGrad(axCe)(p, x, labels);
  const [u, s2] = adam.update(g, s, p);
  return [loss, optim.applyUpdates(p, u), s2];
}

// ---- jax-js (no optimizer package on npm: Adam written out, as optax defines it) ----

export type JAdamState = { count: jnp.Array; mu: JMlp; nu: JMlp };

export function jAdamInit(init: MlpInit): JAdamState {
  const zeros = (): JMlp => {
    const z = jParams(init);
    return { w1: jnp.zerosLike(z.w1), b1: jnp.zerosLike(z.b1), w2: jnp.zerosLike(z.w2), b2: jnp.zerosLike(z.b2) };
  };
  return { count: jnp.zeros([]), mu: zeros(), nu: zeros() };
}

function jCe(p: JMlp, x: jnp.Array, labels: jnp.Array): jnp.Array {
  const logits = jnp.matmul(jnn.relu(jnp.matmul(x, p.w1).add(p.b1)), p.w2).add(p.b2);
  const onehot = jnn.oneHot(labels, CLASSES);
  return onehot.mul(jnn.logSoftmax(logits, -1)).sum(-1).mean().neg();
}

/** Consumes p, s, x, labels; returns [loss, params, state]. */
export function jAdamStep(p: JMlp, s: JAdamState, x: jnp.Array, labels: jnp.Array): [jnp.Array, JMlp, JAdamState] {
  const ref = (q: JMlp): JMlp => ({ w1: q.w1.ref, b1: q.b1.ref, w2: q.w2.ref, b2: q.b2.ref });
  const [loss, g] = jValueAndGrad(jCe)(ref(p), x, labels);
  const count = s.count.add(1);
  const bc1 = jnp.subtract(1, jnp.power(ADAM.b1, count.ref));
  const bc2 = jnp.subtract(1, jnp.power(ADAM.b2, count.ref));
  const mu = {} as JMlp;
  const nu = {} as JMlp;
  const next = {} as JMlp;
  for (const k of MLP_KEYS) {
    const gk = g[k];
    const m = s.mu[k].mul(ADAM.b1).add(gk.ref.mul(1 - ADAM.b1));
    const v = s.nu[k].mul(ADAM.b2).add(jnp.square(gk).mul(1 - ADAM.b2));
    const u = m.ref.div(bc1.ref).div(jnp.sqrt(v.ref.div(bc2.ref)).add(ADAM.eps));
    next[k] = p[k].sub(u.mul(ADAM.lr));
    mu[k] = m;
    nu[k] = v;
  }
  bc1.dispose();
  bc2.dispose();
  return [loss, next, { count, mu, nu }];
}

export function jResults10(loss: jnp.Array, p: JMlp): Results {
  return { loss: jvalues(loss), ...Object.fromEntries(MLP_KEYS.map((k) => [k, jvalues(p[k])])) };
}

// ---- TF.js ----

export interface TfTen {
  vars: Record<(typeof MLP_KEYS)[number], tf.Variable>;
  step: () => tf.Scalar;
  dispose: () => void;
}

/** Variables on `backend`, tf.train.adam, and the library's softmaxCrossEntropy (mean). */
export async function tfTen(backend: TfBackend, p: MlpInit, x: Float32Array, labels: Int32Array): Promise<TfTen> {
  await useTf(backend);
  const vars = {
    w1: tf.variable(tf.tensor2d(p.w1, [p.nIn, p.nHidden])),
    b1: tf.variable(tf.tensor1d(p.b1)),
    w2: tf.variable(tf.tensor2d(p.w2, [p.nHidden, p.nOut])),
    b2: tf.variable(tf.tensor1d(p.b2)),
  };
  const xt = tf.tensor2d(x, [labels.length, p.nIn]);
  const lt = tf.tensor1d(labels, "int32");
  const opt = tf.train.adam(ADAM.lr, ADAM.b1, ADAM.b2, ADAM.eps);
  const varList = MLP_KEYS.map((k) => vars[k]);
  const loss = (): tf.Scalar => {
    const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xt, vars.w1), vars.b1)), vars.w2), vars.b2);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(lt, CLASSES), logits) as tf.Scalar;
  };
  return {
    vars,
    step: () => opt.minimize(loss, true, varList) as tf.Scalar,
    dispose: () => {
      tf.dispose([...varList, xt, lt]);
      opt.dispose();
    },
  };
}

export function tfResults10(loss: tf.Scalar, m: TfTen): Results {
  const r: Results = { loss: tvalues(loss), ...Object.fromEntries(MLP_KEYS.map((k) => [k, tvalues(m.vars[k])])) };
  loss.dispose();
  return r;
}
