/**
 * The hand-written references: the MLP steps with manual gradients over Float32Arrays, the way a
 * careful JS programmer writes them. Row-major weights, contiguous inner loops (the loop over a
 * weight row runs over consecutive addresses), scratch buffers allocated once, parameters updated
 * in place. No library, no allocation per step.
 */
import type { MlpInit } from "../data.js";

export interface HandMlp {
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

export function handParams(p: MlpInit): HandMlp {
  return { w1: p.w1.slice(), b1: p.b1.slice(), w2: p.w2.slice(), b2: p.b2.slice() };
}

/** h = relu(b1 + x·W1) for one example (x row at xo), into h. */
function hiddenRow(x: Float32Array, xo: number, w1: Float32Array, b1: Float32Array, nIn: number, h: Float32Array): void {
  const nH = b1.length;
  h.set(b1);
  for (let k = 0; k < nIn; k++) {
    const xv = x[xo + k];
    const row = k * nH;
    for (let j = 0; j < nH; j++) h[j] += xv * w1[row + j];
  }
  for (let j = 0; j < nH; j++) if (h[j] < 0) h[j] = 0;
}

const EPS = 1e-7;

/**
 * Binary MLP (nOut = 1): one SGD step on a minibatch, BCE summed; returns the loss. With the
 * probability p clipped to [ε, 1 − ε], ∂loss/∂z₂ = p − y inside the clip range and 0 outside.
 */
export class HandBinaryStep {
  private readonly h: Float32Array;
  private readonly dh: Float32Array;
  private readonly gw1: Float32Array;
  private readonly gb1: Float32Array;
  private readonly gw2: Float32Array;

  constructor(
    private readonly nIn: number,
    private readonly nH: number,
    private readonly lr: number,
  ) {
    this.h = new Float32Array(nH);
    this.dh = new Float32Array(nH);
    this.gw1 = new Float32Array(nIn * nH);
    this.gb1 = new Float32Array(nH);
    this.gw2 = new Float32Array(nH);
  }

  step(p: HandMlp, x: Float32Array, y: Float32Array): number {
    const { nIn, nH, h, dh, gw1, gb1, gw2, lr } = this;
    const { w1, b1, w2, b2 } = p;
    gw1.fill(0);
    gb1.fill(0);
    gw2.fill(0);
    let gb2 = 0;
    let loss = 0;
    for (let b = 0; b < y.length; b++) {
      const xo = b * nIn;
      hiddenRow(x, xo, w1, b1, nIn, h);
      let z = b2[0];
      for (let j = 0; j < nH; j++) z += h[j] * w2[j];
      const prob = Math.fround(1 / (1 + Math.exp(-z)));
      const c = Math.min(Math.max(prob, EPS), 1 - EPS);
      const t = y[b];
      loss -= t * Math.log(c) + (1 - t) * Math.log(1 - c);
      const dz = prob < EPS || prob > 1 - EPS ? 0 : prob - t;
      gb2 += dz;
      for (let j = 0; j < nH; j++) {
        gw2[j] += dz * h[j];
        const d = h[j] > 0 ? dz * w2[j] : 0;
        dh[j] = d;
        gb1[j] += d;
      }
      for (let k = 0; k < nIn; k++) {
        const xv = x[xo + k];
        const row = k * nH;
        for (let j = 0; j < nH; j++) gw1[row + j] += xv * dh[j];
      }
    }
    for (let i = 0; i < w1.length; i++) w1[i] -= lr * gw1[i];
    for (let j = 0; j < nH; j++) {
      b1[j] -= lr * gb1[j];
      w2[j] -= lr * gw2[j];
    }
    b2[0] -= lr * gb2;
    return loss;
  }
}

/** Per-example gradients of the binary loss (one example each), stacked: gw1 [B, nIn, nH] etc. */
export class HandPerExample {
  readonly gw1: Float32Array;
  readonly gb1: Float32Array;
  readonly gw2: Float32Array;
  readonly gb2: Float32Array;
  private readonly h: Float32Array;

  constructor(
    private readonly nIn: number,
    private readonly nH: number,
    private readonly batch: number,
  ) {
    this.gw1 = new Float32Array(batch * nIn * nH);
    this.gb1 = new Float32Array(batch * nH);
    this.gw2 = new Float32Array(batch * nH);
    this.gb2 = new Float32Array(batch);
    this.h = new Float32Array(nH);
  }

  run(p: HandMlp, x: Float32Array, y: Float32Array): void {
    const { nIn, nH, h, gw1, gb1, gw2, gb2 } = this;
    const { w1, b1, w2, b2 } = p;
    for (let b = 0; b < this.batch; b++) {
      const xo = b * nIn;
      hiddenRow(x, xo, w1, b1, nIn, h);
      let z = b2[0];
      for (let j = 0; j < nH; j++) z += h[j] * w2[j];
      const prob = Math.fround(1 / (1 + Math.exp(-z)));
      const dz = prob < EPS || prob > 1 - EPS ? 0 : prob - y[b];
      gb2[b] = dz;
      const ho = b * nH;
      for (let j = 0; j < nH; j++) {
        gw2[ho + j] = dz * h[j];
        gb1[ho + j] = h[j] > 0 ? dz * w2[j] : 0;
      }
      // The outer product x ⊗ δh, written row by row.
      const go = b * nIn * nH;
      for (let k = 0; k < nIn; k++) {
        const xv = x[xo + k];
        const row = go + k * nH;
        for (let j = 0; j < nH; j++) gw1[row + j] = xv * gb1[ho + j];
      }
    }
  }
}

export interface AdamConfig {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
}

/** Adam moments for every parameter, updated in place. */
class HandAdam {
  private t = 0;
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];

  constructor(
    sizes: readonly number[],
    private readonly c: AdamConfig,
  ) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }

  /** m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − η·m̂/(√v̂ + ε). */
  apply(params: readonly Float32Array[], grads: readonly Float32Array[]): void {
    const { lr, b1, b2, eps } = this.c;
    this.t++;
    const bc1 = 1 - b1 ** this.t;
    const bc2 = 1 - b2 ** this.t;
    for (let q = 0; q < params.length; q++) {
      const p = params[q];
      const g = grads[q];
      const m = this.m[q];
      const v = this.v[q];
      for (let i = 0; i < p.length; i++) {
        const gi = g[i];
        const mi = b1 * m[i] + (1 - b1) * gi;
        const vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
      }
    }
  }
}

/** Ten-class MLP: softmax cross-entropy (mean over the batch), one Adam step; returns the loss. */
export class HandSoftmaxAdamStep {
  private readonly hs: Float32Array;
  private readonly dz: Float32Array;
  private readonly dh: Float32Array;
  private readonly g: Float32Array[];
  private readonly adam: HandAdam;

  constructor(
    private readonly nIn: number,
    private readonly nH: number,
    private readonly nOut: number,
    private readonly batch: number,
    adam: AdamConfig,
  ) {
    this.hs = new Float32Array(batch * nH);
    this.dz = new Float32Array(nOut);
    this.dh = new Float32Array(nH);
    this.g = [nIn * nH, nH, nH * nOut, nOut].map((n) => new Float32Array(n));
    this.adam = new HandAdam([nIn * nH, nH, nH * nOut, nOut], adam);
  }

  step(p: HandMlp, x: Float32Array, labels: Int32Array): number {
    const { nIn, nH, nOut, batch, hs, dz, dh } = this;
    const [gw1, gb1, gw2, gb2] = this.g;
    const { w1, b1, w2, b2 } = p;
    for (const g of this.g) g.fill(0);
    let loss = 0;
    for (let b = 0; b < batch; b++) {
      const h = hs.subarray(b * nH, b * nH + nH);
      hiddenRow(x, b * nIn, w1, b1, nIn, h);
      // logits z = b2 + h·W2 (W2 rows contiguous over the classes)
      dz.set(b2);
      for (let j = 0; j < nH; j++) {
        const hv = h[j];
        const row = j * nOut;
        for (let c = 0; c < nOut; c++) dz[c] += hv * w2[row + c];
      }
      let mx = dz[0];
      for (let c = 1; c < nOut; c++) mx = Math.max(mx, dz[c]);
      let se = 0;
      for (let c = 0; c < nOut; c++) se += Math.exp(dz[c] - mx);
      const lse = mx + Math.log(se);
      loss += lse - dz[labels[b]];
      // ∂(mean CE)/∂z = (softmax(z) − onehot) / batch
      for (let c = 0; c < nOut; c++) dz[c] = (Math.exp(dz[c] - lse) - (c === labels[b] ? 1 : 0)) / batch;
      for (let c = 0; c < nOut; c++) gb2[c] += dz[c];
      for (let j = 0; j < nH; j++) {
        const hv = h[j];
        const row = j * nOut;
        let s = 0;
        for (let c = 0; c < nOut; c++) {
          gw2[row + c] += hv * dz[c];
          s += dz[c] * w2[row + c];
        }
        const d = hv > 0 ? s : 0;
        dh[j] = d;
        gb1[j] += d;
      }
      const xo = b * nIn;
      for (let k = 0; k < nIn; k++) {
        const xv = x[xo + k];
        const row = k * nH;
        for (let j = 0; j < nH; j++) gw1[row + j] += xv * dh[j];
      }
    }
    this.adam.apply([w1, b1, w2, b2], this.g);
    return loss / batch;
  }
}
