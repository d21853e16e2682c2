/**
 * Forward and backward values of a small computational graph:
 * f(x₁, x₂, w₁, w₂) = σ(w₁x₁ + w₂x₂) + 0.5(w₁² + w₂²) at w₁ = 0.3, w₂ = −0.5, x₁ = 0.2, x₂ = 0.4.
 * The IR of f is the forward graph; the IR of grad(f) appends the backward pass. Evaluating
 * them with an interpreter hook records every intermediate value and cotangent. Two pictures:
 * out/computational-graph/graph.svg (f's graph, each node with its forward value, each edge with
 * the cotangent flowing back along it) and grad-graph.svg (the IR of grad(f) with its values).
 *
 *   npx tsx examples/computational-graph.ts      (npm run example:graph)
 */
import { join } from "node:path";
import {
  type Array,
  dotValues,
  type Eqn,
  evalIr,
  grad,
  Ir,
  irNames,
  Lit,
  makeIr,
  np,
  shortValue,
  Var,
  vjp,
} from "../src/index.js";
import { saveDotSvg } from "./lib/graph.js";
import { type ExampleOptions, isMain, logger, outDir } from "./lib/run.js";

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
  /** The DOT text of the two pictures and the SVG files they were rendered to. */
  dot: { graph: string; gradGraph: string };
  files: { graph: string; gradGraph: string };
}

/**
 * The backward pass of `ir` run one equation at a time, last to first, each with axle's own
 * `vjp` of that equation alone: the cotangent of an equation's output is pulled back to each of
 * its arguments, and a variable's cotangent is the sum of what flows back along its uses. Returns
 * the contribution on every edge (keyed `eqnIndex:argIndex`) and every variable's total.
 */
export function backwardValues(ir: Ir, args: readonly Array[], seed: readonly Array[]) {
  const primal = new Map<Var, Array>();
  ir.inVars.forEach((v, i) => primal.set(v, args[i]));
  ir.constVars.forEach((v, i) => primal.set(v, ir.consts[i]));
  evalIr(ir, args, (eqn, _ins, outs) => eqn.outVars.forEach((v, i) => primal.set(v, outs[i])));
  const total = new Map<Var, Array>();
  const add = (v: Var, ct: Array) => {
    const t = total.get(v);
    total.set(v, t === undefined ? ct : np.add(t, ct));
  };
  ir.outs.forEach((a, i) => {
    if (a instanceof Var) add(a, seed[i]);
  });
  const edges = new Map<string, Array>();
  for (let k = ir.eqns.length - 1; k >= 0; k--) {
    const eqn = ir.eqns[k];
    if (!eqn.outVars.some((v) => total.has(v))) continue; // nothing flows back through it
    const cts = eqn.outVars.map((v) => total.get(v) ?? np.zerosLike(primal.get(v) as Array));
    // The equation alone, with a fresh variable per argument so that `mul c c` gets one
    // cotangent per edge (c·ct each) instead of one for c.
    const argAt = eqn.inputs.flatMap((a, i) => (a instanceof Var ? [i] : []));
    const fresh = argAt.map((i) => new Var(eqn.inputs[i].aval));
    const outs = eqn.outVars.map((v) => new Var(v.aval));
    const inputs = eqn.inputs.map((a, i) => (a instanceof Lit ? a : fresh[argAt.indexOf(i)]));
    const single = new Ir([], [], fresh, [{ prim: eqn.prim, inputs, params: eqn.params, outVars: outs }], outs);
    const primals = argAt.map((i) => primal.get(eqn.inputs[i] as Var) as Array);
    const [, pullback] = vjp((...xs: Array[]) => evalIr(single, xs), ...primals);
    pullback(cts).forEach((ct, j) => {
      edges.set(`${k}:${argAt[j]}`, ct);
      add(eqn.inputs[argAt[j]] as Var, ct);
    });
  }
  return { edges, total };
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

  // The picture of f: forward values on the nodes (blue), cotangents on the edges (red). An
  // input's node also shows its total cotangent, the gradient, which must equal grad(f)'s.
  const { edges, total } = backwardValues(irF, args, [one]);
  const gradients = [gx1, gx2, gw1, gw2];
  irF.inVars.forEach((v, i) => {
    const t = total.get(v)?.item();
    if (t === undefined || Math.abs(t - gradients[i]) > 1e-12) {
      throw new Error(`computational-graph: the backward pass gives ${t} for input ${i}, grad(f) gives ${gradients[i]}`);
    }
  });
  const values = dotValues(irF, args);
  const inputNames = ["x₁", "x₂", "w₁", "w₂"];
  irF.inVars.forEach((v, i) => {
    values.set(v, `${values.get(v)}\n∂f/∂${inputNames[i]} = ${shortValue(total.get(v) as Array)}`);
  });
  const dotF = irF.toDot({
    title: "f(x₁, x₂, w₁, w₂) = σ(w₁x₁ + w₂x₂) + 0.5(w₁² + w₂²)\nforward values in blue, cotangents ∂f/∂· in red",
    values,
    inputNames,
    outputNames: ["f"],
    edgeLabels: (_v, use) => {
      const ct = use.kind === "out" ? one : edges.get(`${use.eqnIndex}:${use.index}`);
      return ct === undefined ? undefined : `∂ ${shortValue(ct)}`;
    },
  });
  const dotGrad = irGrad.toDot({
    title: "grad(f): the forward pass, then the backward pass\n(the values at x₁ = 0.2, x₂ = 0.4, w₁ = 0.3, w₂ = −0.5)",
    values: dotValues(irGrad, args),
    inputNames,
    outputNames: ["∂f/∂x₁", "∂f/∂x₂", "∂f/∂w₁", "∂f/∂w₂"],
  });
  const dir = outDir("computational-graph", opts);
  const files = {
    graph: await saveDotSvg(join(dir, "graph.svg"), dotF),
    gradGraph: await saveDotSvg(join(dir, "grad-graph.svg"), dotGrad),
  };
  log(`\nPictures: ${files.graph}, ${files.gradGraph}`);
  return {
    forward: fwd.map(({ name, value }) => ({ name, value })),
    backward: back.map(({ name, value }) => ({ name, value })),
    grads: { x1: gx1, x2: gx2, w1: gw1, w2: gw2 },
    irF: irF.toString(),
    irGrad: irGrad.toString(),
    irBackward: irBack.toString(),
    dot: { graph: dotF, gradGraph: dotGrad },
    files,
  };
}

if (isMain(import.meta.url)) await main();
