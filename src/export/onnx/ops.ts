/** Small node patterns shared by the rules, covering gaps in ONNX Runtime's CPU kernels. */
import type { OnnxContext, OnnxDType } from "./types.js";

/**
 * Where(c, a, b) for values of `dtype`. ONNX Runtime has no uint32 Where kernel: uint32 goes
 * through int64 (exact); bool is written with logic operators.
 */
export function where(ctx: OnnxContext, c: string, a: string, b: string, dtype: OnnxDType): string {
  if (dtype === "uint32") {
    const w = ctx.op("Where", [c, ctx.op("Cast", [a], { to: 7 }), ctx.op("Cast", [b], { to: 7 })]);
    return ctx.op("Cast", [w], { to: 12 });
  }
  if (dtype === "bool") return ctx.op("Or", [ctx.op("And", [c, a]), ctx.op("And", [ctx.op("Not", [c]), b])]);
  return ctx.op("Where", [c, a, b]);
}
