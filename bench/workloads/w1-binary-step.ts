/**
 * Workload 1: one SGD step (forward, gradients, update) of the digits binary MLP 64→32→1,
 * minibatch 15 and 128, in every library and by hand.
 */
import { jit as jjit } from "@jax-js/jax";
import { type Array, np } from "../../src/index.js";
import { F32_STEP } from "../check.js";
import { digitsBatch, MLP_KEYS, type MlpInit, mlpInit } from "../data.js";
import { HandBinaryStep, handParams } from "../hand/mlp.js";
import type { Contender } from "../harness.js";
import {
  type AxMlp,
  axParams,
  axResults,
  axSgdInit,
  axSgdStep,
  type JMlp,
  jParams,
  jResults,
  jSgdStep,
  LR,
  tfMlp,
  tfResults,
} from "../models/binary.js";
import { AXLE, AXLE_EAGER, AXLE_JITS, f32 } from "../peers/axle.js";
import { jaxReady, jf32 } from "../peers/jaxjs.js";
import { TF_BACKENDS, tfName, useTf } from "../peers/tf.js";
import { atMost, fasterBy, type Section, timeRows } from "../report.js";
import { agreeAll, agreeAndMeasure, type Impl, type RunContext, type Workload } from "../workload.js";

export const HAND = "hand (Float32Array)";
export const JAX = "jax-js jit";

type AxStep = typeof axSgdStep;

function axleImpl(name: string, step: AxStep, init: MlpInit, x: Float32Array, y: Float32Array, batch: number): Impl {
  const fresh = () => {
    const p = axParams(init);
    return { p, s: axSgdInit(p), x: f32(x, [batch, init.nIn]), y: f32(y, [batch]) };
  };
  return {
    name,
    check: () => {
      const st = fresh();
      const [loss, p] = step(st.p, st.s, st.x, st.y);
      return axResults(loss, p);
    },
    contender: () => {
      const st = fresh();
      let p: AxMlp = st.p;
      let s = st.s;
      let loss: Array = np.zeros([]);
      return {
        name,
        run: () => {
          [loss, p, s] = step(p, s, st.x, st.y);
          return loss;
        },
      };
    },
  };
}

/** The steps of every implementation of workload 1 (also workload 6's subject). */
export function binaryImpls(init: MlpInit, data: { x: Float32Array; yBinary: Float32Array; batch: number }): Impl[] {
  const { x, yBinary: y, batch } = data;
  const impls: Impl[] = AXLE_JITS.map((v) => axleImpl(v.name, v.step(axSgdStep, [0, 1]), init, x, y, batch));
  impls.push(axleImpl(AXLE_EAGER, axSgdStep, init, x, y, batch));
  impls.push({
    name: JAX,
    check: async () => {
      await jaxReady();
      const step = jjit(jSgdStep);
      const [loss, p] = step(jParams(init), jf32(x, [batch, init.nIn]), jf32(y, [batch]));
      const r = jResults(loss, p);
      step.dispose();
      return r;
    },
    contender: async () => {
      await jaxReady();
      const step = jjit(jSgdStep);
      const xs = jf32(x, [batch, init.nIn]);
      const ys = jf32(y, [batch]);
      let p: JMlp = jParams(init);
      return {
        name: JAX,
        // Reading the loss every step runs the step's pending kernels: jax-js dispatches lazily, and
        // a loop that never reads builds an ever longer pending chain (slower per step than this).
        run: () => {
          const [loss, next] = step(p, xs.ref, ys.ref);
          p = next;
          return loss.dataSync();
        },
      } satisfies Contender;
    },
  });
  for (const b of TF_BACKENDS) {
    impls.push({
      name: tfName(b),
      check: async () => {
        const m = await tfMlp(b, init, x, y, batch);
        const r = tfResults(m.step(), m);
        m.dispose();
        return r;
      },
      contender: async () => {
        const m = await tfMlp(b, init, x, y, batch);
        return { name: tfName(b), before: () => useTf(b), run: () => m.step().dispose() };
      },
    });
  }
  impls.push({
    name: HAND,
    check: () => {
      const p = handParams(init);
      const loss = new HandBinaryStep(init.nIn, init.nHidden, LR).step(p, x, y);
      return { loss: [loss], ...Object.fromEntries(MLP_KEYS.map((k) => [k, p[k]])) };
    },
    contender: () => {
      const p = handParams(init);
      const h = new HandBinaryStep(init.nIn, init.nHidden, LR);
      return { name: HAND, run: () => h.step(p, x, y) };
    },
  });
  return impls;
}

export const binaryInit = () => mlpInit(64, 32, 1, 7);

export const w1: Workload = {
  id: 1,
  title: "Digits binary MLP 64→32→1, one SGD step",
  async agree(tiny) {
    for (const batch of tiny ? [3] : [15, 128]) {
      await agreeAll(`workload 1 (batch ${batch})`, binaryImpls(binaryInit(), digitsBatch(batch)), HAND, F32_STEP);
    }
  },
  async run(ctx: RunContext) {
    const sections: Section[] = [];
    for (const [id, batch] of [
      ["1a", 15],
      ["1b", 128],
    ] as const) {
      const stats = await agreeAndMeasure(
        `workload 1 (batch ${batch})`,
        binaryImpls(binaryInit(), digitsBatch(batch)),
        HAND,
        F32_STEP,
        ctx.timing,
      );
      const { header, rows } = timeRows(stats, { axle: AXLE, hand: HAND });
      const ax = stats.get(AXLE)?.median;
      sections.push({
        id,
        title: `Digits binary MLP 64→32→1, minibatch ${batch}: one SGD step (lr ${LR}, BCE summed)`,
        note: "median time per step; spread = half the interquartile range; ÷ axle, ÷ hand = time / that contender's time (above 1 is slower)",
        header,
        rows,
        targets:
          batch === 15
            ? [
                atMost(`${AXLE} step`, ax, 0.025),
                fasterBy(`${AXLE} vs hand (hand time / axle time)`, ax, stats.get(HAND)?.median, 5),
                fasterBy(`${AXLE} vs jax-js jit (jax-js time / axle time)`, ax, stats.get(JAX)?.median, 8),
              ]
            : [],
        remarks: [
          "Agreement checked first: loss and all parameters after one step match the hand-written step (atol 2e-5, rtol 2e-4).",
        ],
      });
    }
    return sections;
  },
};
