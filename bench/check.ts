/**
 * Agreement checks: before anything is timed, every implementation of a workload runs from the
 * same initial values on the same data, and its results (loss, parameters after a step, gradients,
 * products) must match the reference within a float32 tolerance. A benchmark that times different
 * computations is worse than none, so a mismatch stops the run with a report naming the values.
 */

/** Named flat results of one implementation, e.g. { loss: [..], w1: Float32Array, ... }. */
export type Results = Record<string, ArrayLike<number>>;

export class AgreementError extends Error {
  override name = "AgreementError";
}

export interface Tolerance {
  /** |a − b| ≤ atol + rtol·|b| elementwise (b the reference). */
  atol: number;
  rtol: number;
}

/** Float32 tolerances for a few-op computation, e.g. one training step. */
export const F32_STEP: Tolerance = { atol: 2e-5, rtol: 2e-4 };

function worst(a: ArrayLike<number>, b: ArrayLike<number>, tol: Tolerance): { i: number; excess: number } {
  let wi = -1;
  let we = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    const bound = tol.atol + tol.rtol * Math.abs(b[i]);
    // NaN differences count as the worst kind.
    const excess = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d / bound;
    if (excess > we) {
      we = excess;
      wi = i;
    }
  }
  return { i: wi, excess: we };
}

/**
 * Throws an AgreementError unless every implementation in `results` matches `reference` on every
 * key within `tol`. `what` names the workload and case.
 */
export function assertAgree(what: string, referenceName: string, results: Map<string, Results>, tol: Tolerance): void {
  const ref = results.get(referenceName);
  if (ref === undefined) throw new AgreementError(`${what}: no results from the reference '${referenceName}'`);
  const problems: string[] = [];
  for (const [name, res] of results) {
    if (name === referenceName) continue;
    for (const [key, want] of Object.entries(ref)) {
      const got = res[key];
      if (got === undefined) {
        problems.push(`${name}: no '${key}'`);
        continue;
      }
      if (got.length !== want.length) {
        problems.push(`${name}: '${key}' has ${got.length} values, ${referenceName} has ${want.length}`);
        continue;
      }
      const { i, excess } = worst(got, want, tol);
      if (excess > 1) {
        problems.push(
          `${name}: '${key}'[${i}] = ${got[i]} but ${referenceName} gives ${want[i]} (|diff| ${Math.abs(got[i] - want[i]).toExponential(2)}, ` +
            `allowed ${(tol.atol + tol.rtol * Math.abs(want[i])).toExponential(2)})`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw new AgreementError(
      `${what}: the implementations do not compute the same numbers (tolerance atol ${tol.atol}, rtol ${tol.rtol}):\n  ${problems.join("\n  ")}`,
    );
  }
}

/** Largest |a − b| over all keys of two results (for reports). */
export function maxDiff(a: Results, b: Results): number {
  let m = 0;
  for (const [k, v] of Object.entries(b)) {
    const u = a[k];
    for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(u[i] - v[i]));
  }
  return m;
}
