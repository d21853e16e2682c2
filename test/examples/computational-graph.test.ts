import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { backwardValues, f, type GraphResult, main } from "../../examples/computational-graph.js";
import type { Array } from "../../src/index.js";
import { makeIr, np } from "../../src/index.js";
import { tempOutDir } from "./helpers.js";

/** The lines of text an SVG drawn by Graphviz shows (one <text> element per label line). */
function svgTexts(path: string): string[] {
  const svg = readFileSync(path, "utf8");
  expect(svg).toMatch(/^<\?xml[^>]*>\s*<!DOCTYPE svg[\s\S]*<svg /);
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1].replace(/&#45;/g, "-").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&"),
  );
}

describe("examples/computational-graph.ts", () => {
  const dir = tempOutDir("computational-graph");
  let r: GraphResult;
  beforeAll(async () => {
    r = await main({ fast: true, outDir: dir, verbose: false });
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

  test("the per-equation backward pass puts each use's cotangent on its edge and sums them to the gradient", () => {
    const args = [0.2, 0.4, 0.3, -0.5].map((v) => np.array(v, "float64"));
    const ir = makeIr(f)(...(args as [Array, Array, Array, Array]));
    const { edges, total } = backwardValues(ir, args, [np.array(1, "float64")]);
    const grads = [r.grads.x1, r.grads.x2, r.grads.w1, r.grads.w2];
    ir.inVars.forEach((v, i) => {
      expect(total.get(v)?.item()).toBeCloseTo(grads[i], 12);
      // The edges leaving input i carry cotangents that add up to its gradient.
      let sum = 0;
      ir.eqns.forEach((e, k) => {
        e.inputs.forEach((a, j) => {
          if (a === v) sum += edges.get(`${k}:${j}`)?.item() ?? Number.NaN;
        });
      });
      expect(sum).toBeCloseTo(grads[i], 12);
    });
    // w₁² is `mul c c`: each of its two edges carries w₁·∂f/∂(w₁²) = 0.3·0.5, not the 0.3 of both together.
    const square = ir.eqns.findIndex(
      (e) => e.prim.name === "mul" && e.inputs[0] === ir.inVars[2] && e.inputs[1] === ir.inVars[2],
    );
    expect(edges.get(`${square}:0`)?.item()).toBeCloseTo(0.15, 12);
    expect(edges.get(`${square}:1`)?.item()).toBeCloseTo(0.15, 12);
  });

  test("graph.svg shows every node's forward value and every edge's cotangent", () => {
    expect(r.files.graph).toBe(join(dir, "graph.svg"));
    const texts = svgTexts(r.files.graph);
    // Forward values: w₁x₁, w₂x₂, z, σ(z), w₁², w₂², their sum, the regulariser, f.
    for (const v of ["0.06", "-0.2", "-0.14", "0.465057", "0.09", "0.25", "0.34", "0.17", "0.635057"]) {
      expect(texts).toContain(v);
    }
    for (const p of ["logistic", "mul", "add", "x₁", "w₂", "f"]) expect(texts).toContain(p);
    // Cotangents: σ′(z) = 0.248779 flows to z and both products, then times wᵢ / xᵢ; 0.5 to each square.
    const cts = texts.filter((t) => t.startsWith("∂ "));
    for (const c of ["∂ 1", "∂ 0.5", "∂ 0.248779", "∂ 0.0746337", "∂ -0.124389", "∂ 0.0497558", "∂ 0.0995116"]) {
      expect(cts).toContain(c);
    }
    expect(cts.filter((c) => c === "∂ 0.15")).toHaveLength(2);
    expect(cts.filter((c) => c === "∂ -0.25")).toHaveLength(2);
    // One cotangent per edge: the 16 uses of variables by the 9 equations, and the output edge.
    expect(cts).toHaveLength(17);
    // The inputs show their gradients (the sums of their edges' cotangents).
    for (const g of ["∂f/∂x₁ = 0.0746337", "∂f/∂x₂ = -0.124389", "∂f/∂w₁ = 0.349756", "∂f/∂w₂ = -0.400488"]) {
      expect(texts).toContain(g);
    }
  });

  test("grad-graph.svg draws the IR of grad(f) with its values, ending at the four gradients", () => {
    const texts = svgTexts(r.files.gradGraph);
    for (const p of ["logistic", "sub", "∂f/∂x₁", "∂f/∂x₂", "∂f/∂w₁", "∂f/∂w₂"]) expect(texts).toContain(p);
    for (const v of ["0.465057", "0.248779", "0.0746337", "-0.124389", "0.349756", "-0.400488"]) expect(texts).toContain(v);
    // The DOT has one node per equation of the IR.
    expect(r.dot.gradGraph.match(/^ {2}e\d+ \[/gm)).toHaveLength(r.irGrad.split("\n").filter((l) => / = /.test(l)).length);
  });
});
