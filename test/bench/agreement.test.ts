/**
 * Every benchmark workload's agreement check on tiny sizes: all implementations (axle, jax-js,
 * TF.js wasm and cpu, hand-written) must compute the same numbers, so CI catches a broken
 * benchmark (a peer's API change, a wrong hand gradient) without timing anything.
 */
import { describe, expect, it } from "vitest";
import { AgreementError, assertAgree, type Results } from "../../bench/check.js";
import { WORKLOADS } from "../../bench/workloads/index.js";

describe("bench agreement (tiny sizes)", () => {
  for (const w of WORKLOADS) {
    it(`workload ${w.id}: ${w.title}`, async () => {
      await w.agree(true);
    });
  }

  it("the check fails loudly when one implementation differs", () => {
    const results = new Map([
      ["ref", { loss: [1], w: [0.5, 0.25] }],
      ["peer", { loss: [1], w: [0.5, 0.2501] }],
    ]);
    expect(() => assertAgree("demo", "ref", results, { atol: 1e-6, rtol: 1e-6 })).toThrow(AgreementError);
    expect(() => assertAgree("demo", "ref", results, { atol: 1e-6, rtol: 1e-6 })).toThrow(/peer: 'w'\[1\]/);
    expect(() => assertAgree("demo", "ref", results, { atol: 1e-3, rtol: 0 })).not.toThrow();
  });

  it("a missing or misshapen result is a disagreement, and NaN never agrees", () => {
    const tol = { atol: 1, rtol: 1 };
    const missing = new Map<string, Results>([
      ["ref", { a: [1] }],
      ["p", {}],
    ]);
    expect(() => assertAgree("demo", "ref", missing, tol)).toThrow(/no 'a'/);
    expect(() =>
      assertAgree(
        "demo",
        "ref",
        new Map([
          ["ref", { a: [1] }],
          ["p", { a: [1, 2] }],
        ]),
        tol,
      ),
    ).toThrow(/2 values/);
    expect(() =>
      assertAgree(
        "demo",
        "ref",
        new Map([
          ["ref", { a: [1] }],
          ["p", { a: [Number.NaN] }],
        ]),
        tol,
      ),
    ).toThrow(AgreementError);
  });
});
