/**
 * Forward and backward values of a small computational graph:
 * f(x₁, x₂, w₁, w₂) = σ(w₁x₁ + w₂x₂) + 0.5(w₁² + w₂²) at w₁ = 0.3, w₂ = −0.5, x₁ = 0.2, x₂ = 0.4.
 * The IR of f is the forward graph; the IR of grad(f) appends the backward pass. Evaluating
 * them with an interpreter hook records every intermediate value and cotangent.
 *
 *   npx tsx examples/computational-graph.ts      (npm run example:graph)
 */
import { type Array, type Eqn, evalIr, grad, irNames, Lit, makeIr, np, vjp } from "../src/index.js";
import { type ExampleOptions, isMain, logger } from "./lib/run.js";

export function f(x1: Array, x2: Array, w1: Array, w2: Array): Array {
  const z = np.add(np.multiply(w1, x1), np.multiply(w2, x2));
  return np.add(np.sigmoid(z), np.multiply(0.5, np.add(np.square(w1), np.square(w2))));
}

export interface GraphResult {
  forward: { name: string; value: number }[];
  backward: { name: string; value: number }[];
  grads: { x1: number; x2: number; w1: number; w2: number };
  irF: string;
  irGrad: string;
  irBackward: string;
}

export async function main(opts: ExampleOptions = {}): Promise<GraphResult> {
  const log = logger(opts);
  const args = [0.2, 0.4, 0.3, -0.5].map((v) => np.array(v, "float64"));
  const df = grad(f, { argnums: [0, 1, 2, 3] });
  const irF = makeIr(f)(...(args as [Array, Array, Array, Array]));
  const irGrad = makeIr(df)(...(args as [Array, Array, Array, Array]));
  log("The graph of f (its IR):");
  log(irF.toString());
  log("\nThe graph of grad(f): the forward pass, then the backward pass (cotangents):");
  log(irGrad.toString());

  const trace = (ir: typeof irF, inputs: Array[]) => {
    const names = irNames(ir);
    const rows: { name: string; value: number; line: string }[] = [];
    const label = (e: Eqn) =>
      `${e.prim.name} ${e.inputs.map((a) => (a instanceof Lit ? a.value.toPrecision(6) : (names.get(a) ?? "?"))).join(" ")}`;
    evalIr(ir, inputs, (eqn, _ins, outs) => {
      eqn.outVars.forEach((v, i) => {
        rows.push({ name: names.get(v) ?? "?", value: outs[i].item(), line: label(eqn) });
      });
    });
    return rows;
  };
  const fwd = trace(irF, args);
  log("\nForward pass (inputs a = x₁ = 0.2, b = x₂ = 0.4, c = w₁ = 0.3, d = w₂ = −0.5):");
  for (const r of fwd) log(`  ${r.name.padEnd(3)} = ${r.line.padEnd(30)} = ${r.value.toFixed(6)}`);
  // The backward pass on its own: the IR of the pullback, whose constants are the values the
  // forward pass saved (printed inline), applied to the output cotangent 1.
  const [, pullback] = vjp(f, ...(args as [Array, Array, Array, Array]));
  const one = np.array(1, "float64");
  const irBack = makeIr(pullback)(one);
  log("\nThe backward pass alone (the pullback's IR; a is the output cotangent ∂f/∂f = 1):");
  log(irBack.toString());
  const back = trace(irBack, [one]);
  log("\nBackward pass values (cotangents flowing from f back to the inputs):");
  for (const r of back) log(`  ${r.name.padEnd(3)} = ${r.line.padEnd(30)} = ${r.value.toFixed(6)}`);
  const [gx1, gx2, gw1, gw2] = df(...(args as [Array, Array, Array, Array])).map((g) => g.item());
  log(`\n∂f/∂x₁ = ${gx1.toFixed(6)}   ∂f/∂x₂ = ${gx2.toFixed(6)}   ∂f/∂w₁ = ${gw1.toFixed(6)}   ∂f/∂w₂ = ${gw2.toFixed(6)}`);
  return {
    forward: fwd.map(({ name, value }) => ({ name, value })),
    backward: back.map(({ name, value }) => ({ name, value })),
    grads: { x1: gx1, x2: gx2, w1: gw1, w2: gw2 },
    irF: irF.toString(),
    irGrad: irGrad.toString(),
    irBackward: irBack.toString(),
  };
}

if (isMain(import.meta.url)) await main();
