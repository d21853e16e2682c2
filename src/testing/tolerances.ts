/** Default finite-difference steps and tolerances per dtype (JAX's check_grads defaults). */
import type { DType } from "../index.js";

/** A central-difference step and the tolerance `|got − expected| ≤ atol + rtol·|expected|`. */
export interface GradTolerance {
  eps: number;
  atol: number;
  rtol: number;
}

const DEFAULTS: Record<DType, GradTolerance> = {
  float32: { eps: 1e-3, atol: 1e-2, rtol: 1e-2 },
  float64: { eps: 1e-4, atol: 1e-5, rtol: 1e-5 },
  // Integer and bool values are never perturbed; they compare exactly.
  int32: { eps: 1, atol: 0, rtol: 0 },
  uint32: { eps: 1, atol: 0, rtol: 0 },
  bool: { eps: 1, atol: 0, rtol: 0 },
};

/**
 * The default step and tolerances for checking derivatives of values of `dtype`.
 * @example defaultTolerance("float64") // { eps: 1e-4, atol: 1e-5, rtol: 1e-5 }
 */
export function defaultTolerance(dtype: DType): GradTolerance {
  return { ...DEFAULTS[dtype] };
}

/**
 * The loosest float default among `dtypes` (float32 wins over float64); float64's when none
 * is a float dtype.
 * @example mergedTolerance(["float64", "float32"]).atol // 1e-2
 */
export function mergedTolerance(dtypes: readonly DType[]): GradTolerance {
  return defaultTolerance(dtypes.includes("float32") ? "float32" : "float64");
}
