/**
 * ONNX rules of the higher-order primitives: cond → If (nested for more than two branches),
 * scan → Loop with scan outputs, while → Loop with a computed condition, calls → their body
 * written inline. Bodies read the enclosing graph's names directly (ONNX outer-scope values).
 */
import type { Ir } from "../../ir/ir.js";
import { valueType } from "./rules.js";
import type { OnnxContext, OnnxRule } from "./types.js";

type P = Readonly<Record<string, unknown>>;
type Rule = Exclude<OnnxRule<P>, { unsupported: string }>;

/** A call primitive (jit_call, custom_jvp_call, custom_vjp_call): its body IR written inline. */
export function callOnnx(bodyOf: (p: P) => Ir): Rule {
  return (ctx, inputs, p) => ctx.emitIr(bodyOf(p), inputs);
}

/** cond: the index clamped to [0, n-1] (lax.switch's rule, as axle's), then nested If nodes. */
export const condOnnx: Rule = (ctx, [idx, ...ops], p, _ins, outAvals) => {
  const branches = p.branches as readonly Ir[];
  const types = outAvals.map(valueType);
  const n = branches.length;
  const i = ctx.op("Cast", [idx], { to: 7 });
  const k = (v: number) => ctx.scalar(v, "int64");
  const graphOf = (b: Ir) => ctx.subgraph([], types, (g) => g.emitIr(b, ops));
  // choose(j): branch j when idx <= j, else the later ones (so idx < 0 → 0, idx ≥ n → n-1).
  const choose = (c: OnnxContext, j: number): string[] => {
    if (j === n - 1) return c.emitIr(branches[j], ops);
    const rest = c.subgraph([], types, (g) => choose(g, j + 1));
    return c.node("If", [c.op("LessOrEqual", [i, k(j)])], { then_branch: graphOf(branches[j]), else_branch: rest }, types.length);
  };
  if (n === 1) return ctx.emitIr(branches[0], ops).map((o) => ctx.op("Identity", [o]));
  return choose(ctx, 0);
};

/**
 * scan as a Loop of `length` trips: consts are read from the outer graph, the carry is the loop
 * state, xs are gathered per trip (from the end when reversed), ys are the Loop's scan outputs
 * (stacked in trip order, so reversed back for a reverse scan).
 */
export const scanOnnx: Rule = (ctx, inputs, p, inAvals, outAvals) => {
  const body = p.body as Ir;
  const nc = p.numConsts as number;
  const nk = p.numCarry as number;
  const length = p.length as number;
  const reverse = p.reverse as boolean;
  const consts = inputs.slice(0, nc);
  const init = inputs.slice(nc, nc + nk);
  const xs = inputs.slice(nc + nk);
  const carryTypes = inAvals.slice(nc, nc + nk).map(valueType);
  const yTypes = body.outAvals.slice(nk).map(valueType);
  const g = ctx.subgraph(
    [{ dtype: "int64", shape: [] }, { dtype: "bool", shape: [] }, ...carryTypes],
    [{ dtype: "bool", shape: [] }, ...carryTypes, ...yTypes],
    (b, [iter, cond, ...carry]) => {
      const t = reverse ? b.op("Sub", [b.scalar(length - 1, "int64"), iter]) : iter;
      const xt = xs.map((x) => b.op("Gather", [x, t], { axis: 0 }));
      return [cond, ...b.emitIr(body, [...consts, ...carry, ...xt])];
    },
  );
  const outs = ctx.node("Loop", [ctx.scalar(length, "int64"), ctx.scalar(1, "bool"), ...init], { body: g }, nk + yTypes.length);
  const ys = outs.slice(nk).map((y, j) => {
    if (length === 0) return ctx.constant(outAvals[nk + j].dtype, outAvals[nk + j].shape, []);
    if (!reverse) return y;
    return ctx.op("Slice", [y, ctx.ints([-1]), ctx.ints([-Number.MAX_SAFE_INTEGER]), ctx.ints([0]), ctx.ints([-1])]);
  });
  return [...outs.slice(0, nk), ...ys];
};

/** while: Loop without a trip count; the condition is evaluated on the initial and each new carry. */
export const whileOnnx: Rule = (ctx, inputs, p, inAvals) => {
  const cond = p.cond as Ir;
  const body = p.body as Ir;
  const ncc = p.numCondConsts as number;
  const nbc = p.numBodyConsts as number;
  const cc = inputs.slice(0, ncc);
  const bc = inputs.slice(ncc, ncc + nbc);
  const init = inputs.slice(ncc + nbc);
  const carryTypes = inAvals.slice(ncc + nbc).map(valueType);
  const [c0] = ctx.emitIr(cond, [...cc, ...init]);
  const g = ctx.subgraph(
    [{ dtype: "int64", shape: [] }, { dtype: "bool", shape: [] }, ...carryTypes],
    [{ dtype: "bool", shape: [] }, ...carryTypes],
    (b, [, , ...carry]) => {
      const next = b.emitIr(body, [...bc, ...carry]);
      const [c] = b.emitIr(cond, [...cc, ...next]);
      return [c, ...next];
    },
  );
  return ctx.node("Loop", ["", c0, ...init], { body: g }, init.length);
};
