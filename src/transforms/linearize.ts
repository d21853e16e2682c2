/** linearize = JVP + partial evaluation: primal outputs now, and an IR for the linear map. */
import type { Array } from "../core/array.js";
import { Zero } from "../core/primitive.js";
import type { Ir } from "../ir/ir.js";
import { instantiate } from "../primitives/zeros.js";
import { jvpFlat } from "./jvp.js";
import { known, partialEvalFlat, unknown } from "./partial-eval.js";

export interface Linearized {
  primalsOut: Array[];
  /** The linear map: inputs [...consts, ...tangents], outputs the output tangents. */
  ir: Ir;
  consts: Array[];
}

export function linearizeFlat(f: (...args: Array[]) => Array[], primals: readonly Array[]): Linearized {
  const n = primals.length;
  let nOut = 0;
  const fJvp = (...pt: Array[]): Array[] => {
    const [po, to] = jvpFlat(f, pt.slice(0, n), pt.slice(n));
    nOut = po.length;
    return [...po, ...to.map((t) => (t instanceof Zero ? instantiate(t) : t))];
  };
  const pvals = [...primals.map(known), ...primals.map((p) => unknown(p.aval))];
  const res = partialEvalFlat(fJvp, pvals, (i) => i >= nOut);
  const primalsOut = res.outs.slice(0, nOut).map((v, i) => {
    if (v === null) throw new Error(`linearize: primal output ${i} was not computed (internal error)`);
    return v;
  });
  return { primalsOut, ir: res.ir, consts: res.consts };
}
