import { beforeAll, describe, expect, test } from "vitest";
import { f, type GraphResult, main } from "../../examples/computational-graph.js";
import type { Array } from "../../src/index.js";
import { np } from "../../src/index.js";

describe("examples/computational-graph.ts", () => {
  let r: GraphResult;
  beforeAll(async () => {
    r = await main({ fast: true, verbose: false });
  });

  test("the four gradients match the hand-computed values", () => {
    // σ'(z) = σ(z)(1 − σ(z)) at z = w₁x₁ + w₂x₂ = −0.14 is 0.248779; ∂f/∂xᵢ = σ'·wᵢ, ∂f/∂wᵢ = σ'·xᵢ + wᵢ.
    const s = 0.24877899058367;
    expect(r.grads.x1).toBeCloseTo(0.074634, 6);
    expect(r.grads.x2).toBeCloseTo(-0.124389, 6);
    expect(r.grads.w1).toBeCloseTo(0.349756, 6);
    expect(r.grads.w2).toBeCloseTo(-0.400488, 6);
    expect(r.grads.x1).toBeCloseTo(s * 0.3, 12);
    expect(r.grads.w2).toBeCloseTo(s * 0.4 - 0.5, 12);
  });

  test("the forward trace ends at f's value", () => {
    const value = f(...([0.2, 0.4, 0.3, -0.5].map((v) => np.array(v, "float64")) as [Array, Array, Array, Array])).item();
    expect(value).toBeCloseTo(0.635057, 6);
    expect(r.forward[r.forward.length - 1].value).toBeCloseTo(value, 12);
    // z = w₁x₁ + w₂x₂ = −0.14 and σ(z) = 0.465057 are intermediate rows.
    expect(r.forward.some((row) => Math.abs(row.value + 0.14) < 1e-12)).toBe(true);
    expect(r.forward.some((row) => Math.abs(row.value - 0.465057) < 1e-6)).toBe(true);
  });

  test("the backward trace contains the four cotangents", () => {
    const values = r.backward.map((row) => row.value);
    for (const g of [r.grads.x1, r.grads.x2, r.grads.w1, r.grads.w2]) {
      expect(values.some((v) => Math.abs(v - g) < 1e-12)).toBe(true);
    }
  });

  test("the IRs hold the expected primitives", () => {
    expect(r.irF).toMatch(/= logistic /);
    expect(r.irF).toMatch(/= mul /);
    expect(r.irF).toMatch(/= add /);
    expect(r.irF).toContain("f64[]");
    // grad(f) = forward pass + backward pass: σ' = σ(1 − σ) appears as a sub and a mul.
    expect(r.irGrad).toMatch(/= logistic /);
    expect(r.irGrad).toMatch(/= sub 1\.0:f64\[\] /);
    expect(r.irGrad).toMatch(/in \(\w+ \w+ \w+ \w+\)/);
    // The pullback alone takes one cotangent, has the forward values baked in as constants and no logistic.
    expect(r.irBackward).toMatch(/^\{ lambda ; a:f64\[\] \. let/);
    expect(r.irBackward).not.toContain("logistic");
    expect(r.irBackward).toContain("0.24877899");
  });
});
