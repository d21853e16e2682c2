/**
 * ONNX rules of the custom-derivative primitives, declared here because their records
 * (src/transforms/custom.ts) were frozen while the exporter was written. TODO(lead): move each
 * into its record as `onnx:` (the rules are written so they can move unchanged).
 */
import type { Ir } from "../../ir/ir.js";
import { callOnnx } from "./control.js";
import type { OnnxRule } from "./types.js";

const FALLBACK: Readonly<Record<string, OnnxRule>> = {
  // An exported program runs forward only: a custom rule's primal function is what it computes.
  custom_jvp_call: callOnnx((p) => p.fun as Ir),
  custom_vjp_call: callOnnx((p) => p.fun as Ir),
  custom_lin: {
    unsupported:
      "it only exists while a customVjp function is being differentiated (its backward pass is staged as a " +
      "separate program); export the gradient function, whose traced program no longer holds it",
  },
};

/** The rule of a primitive whose record cannot declare it yet, if any. */
export function fallbackRule(name: string): OnnxRule | undefined {
  return FALLBACK[name];
}
