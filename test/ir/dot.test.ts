/** Ir.toDot (Graphviz DOT pictures of the IR), dotValues and shortValue. */
import { instance } from "@viz-js/viz";
import { describe, expect, test } from "vitest";
import {
  type Array,
  cond,
  type DotUse,
  dotValues,
  evalIr,
  grad,
  Ir,
  jit,
  makeIr,
  np,
  ShapedArray,
  scan,
  shortValue,
  ValueError,
  Var,
} from "../../src/index.js";

const f64 = (v: number) => np.array(v, "float64");

describe("toDot", () => {
  test("one node per input, literal and equation, one edge per use, values and edge labels pinned", () => {
    const f = (x: Array, y: Array) => np.sin(x.mul(y)).sub(x.mul(2));
    const args: [Array, Array] = [f64(0.5), f64(3)];
    const ir = makeIr(f)(...args);
    const dot = ir.toDot({
      title: 'f "x" <y> & z',
      values: dotValues(ir, args),
      inputNames: ["x", "y"],
      edgeLabels: (_v, use) => (use.kind === "out" ? "seed" : `${use.eqnIndex}.${use.index}`),
    });
    expect(dot).toMatchInlineSnapshot(`
      "digraph ir {
        graph [rankdir=TB, ordering=in, fontname="Helvetica", nodesep=0.4, ranksep=0.4];
        node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", fillcolor="#f4f4f4", color="#888888"];
        edge [fontname="Helvetica", fontsize=9, color="#666666", arrowsize=0.7];
        label=<<b>f &quot;x&quot; &lt;y&gt; &amp; z</b>>; labelloc=t;
        in0 [label=<<b>x</b><br/>a: f64[]<br/><font color="#1f4e9c">0.5</font>>, fillcolor="#dbe8f7"];
        in1 [label=<<b>y</b><br/>b: f64[]<br/><font color="#1f4e9c">3</font>>, fillcolor="#dbe8f7"];
        { rank=source; in0; in1; }
        in0 -> in1 [style=invis];
        e0 [label=<<b>mul</b><br/>c: f64[]<br/><font color="#1f4e9c">1.5</font>>];
        e1 [label=<<b>sin</b><br/>d: f64[]<br/><font color="#1f4e9c">0.997495</font>>];
        e2 [label=<<b>mul</b><br/>e: f64[]<br/><font color="#1f4e9c">1</font>>];
        e3 [label=<<b>sub</b><br/>f: f64[]<br/><font color="#1f4e9c">-0.00250501</font>>];
        in0 -> e0 [label=<a: f64[]<br/><font color="#b0281a">0.0</font>>];
        in1 -> e0 [label=<b: f64[]<br/><font color="#b0281a">0.1</font>>];
        e0 -> e1 [label=<c: f64[]<br/><font color="#b0281a">1.0</font>>];
        in0 -> e2 [label=<a: f64[]<br/><font color="#b0281a">2.0</font>>];
        lit2_1 [label=<2.0>, shape=plaintext, style="", fontsize=10];
        lit2_1 -> e2 [color="#aaaaaa"];
        e1 -> e3 [label=<d: f64[]<br/><font color="#b0281a">3.0</font>>];
        e2 -> e3 [label=<e: f64[]<br/><font color="#b0281a">3.1</font>>];
        out0 [label=<<b>out</b>>, shape=ellipse, style="filled", fillcolor="#e3f2df"];
        e3 -> out0 [label=<f: f64[]<br/><font color="#b0281a">seed</font>>];
      }
      "
    `);
    // The same function traced again (new Var objects) gives the same text.
    const again = makeIr(f)(...args);
    expect(again.toDot({ inputNames: ["x", "y"] })).toBe(ir.toDot({ inputNames: ["x", "y"] }));
  });

  test("a variable used twice by one equation gets one edge per use, each with its own label", () => {
    const ir = makeIr((w: Array) => w.mul(w))(f64(3));
    const uses: DotUse[] = [];
    const dot = ir.toDot({
      edgeLabels: (_v, use) => {
        uses.push(use);
        return use.kind === "eqn" ? `arg ${use.index}` : undefined;
      },
    });
    expect(dot).toContain('in0 -> e0 [label=<a: f64[]<br/><font color="#b0281a">arg 0</font>>];');
    expect(dot).toContain('in0 -> e0 [label=<a: f64[]<br/><font color="#b0281a">arg 1</font>>];');
    expect(uses.map((u) => (u.kind === "eqn" ? `${u.eqnIndex}:${u.index}` : `out:${u.index}`))).toEqual(["0:0", "0:1", "out:0"]);
    // An output edge with no label still shows its variable and aval.
    expect(dot).toContain("e0 -> out0 [label=<b: f64[]>];");
  });

  test("a map of edge labels labels every use of the variable; newlines in values become line breaks", () => {
    const ir = makeIr((w: Array) => w.mul(w))(f64(3));
    const [w] = ir.inVars;
    const dot = ir.toDot({ edgeLabels: new Map([[w, "ct"]]), values: new Map([[w, "3\nsecond line"]]) });
    expect(dot.match(/in0 -> e0 \[label=<a: f64\[\]<br\/><font color="#b0281a">ct<\/font>>\];/g)).toHaveLength(2);
    expect(dot).toContain('<font color="#1f4e9c">3<br/>second line</font>');
  });

  test("constants get their own nodes, sub-IR params are summarised, several outputs keep their order", () => {
    const table = np.array([1, 2, 3]);
    const ir = makeIr((x: Array) => {
      const y = jit((z: Array) => np.sin(z).mul(z))(x.mul(table));
      return [
        y,
        cond(
          np.sum(x).gt(0),
          (a: Array) => a.mul(2),
          (a: Array) => a.neg(),
          y,
        ),
      ];
    })(np.array([1, 2, 3]));
    const dot = ir.toDot({ values: dotValues(ir, [np.array([1, 2, 3])]), outputNames: ["y", "z"] });
    expect(dot).toContain('const0 [label=<<b>const</b><br/>a: f32[3]<br/><font color="#1f4e9c">[1, 2, 3]</font>>');
    expect(dot).toMatch(/<b>jit_call<\/b><br\/><font [^>]*>ir=\{2 eqns\} name=\w+ backend=wasm<\/font>/);
    expect(dot).toMatch(/<b>cond<\/b><br\/><font [^>]*>branches=\(\{1 eqn\} \{1 eqn\}\)<\/font>/);
    expect(dot).toContain("out0 -> out1 [style=invis];");
    expect(dot).toContain("out0 [label=<<b>y</b>>");
    expect(dot).toContain("out1 [label=<<b>z</b>>");
  });

  test("long params are cut short", () => {
    const ir = makeIr((x: Array) => np.reshape(x, [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2]))(np.array([1, 2]));
    const label = ir.toDot().match(/<b>reshape<\/b><br\/><font [^>]*>([^<]*)<\/font>/)?.[1] ?? "";
    expect(label.startsWith("newShape=[1,1,1,")).toBe(true);
    expect(label.endsWith("...")).toBe(true);
    expect(label.length).toBe(40);
  });

  test("a variable used before it is defined is a ValueError naming toDot, not a dangling edge", () => {
    const s = new ShapedArray([], "float32");
    const stray = new Var(s);
    const ir = new Ir([], [], [], [], [stray]);
    expect(() => ir.toDot()).toThrow(ValueError);
    expect(() => ir.toDot()).toThrow(/toDot: a variable f32\[\] is used before it is defined/);
  });

  test("Graphviz (@viz-js/viz) renders every picture without errors or warnings", async () => {
    const viz = await instance();
    const f = (x: Array, w: Array) => np.sum(np.tanh(np.dot(x, w)).square());
    const x = np.ones([2, 3]);
    const w = np.ones([3]);
    const scanned = (c: Array, xs: Array) => scan((carry: Array, v: Array) => [carry.add(v), carry.mul(v)], c, xs);
    const cases: [Ir, Array[]][] = [
      [makeIr(f)(x, w), [x, w]],
      [makeIr(grad(f, { argnums: 1 }))(x, w), [x, w]],
      [makeIr(scanned)(np.array(0), np.arange(3).astype("float32")), [np.array(0), np.arange(3).astype("float32")]],
    ];
    for (const [ir, args] of cases) {
      // Long values (cut with "...") and sub-IR params are part of what must render cleanly.
      const dot = ir.toDot({ title: 'a "title"', values: dotValues(ir, args) });
      const result = viz.render(dot, { format: "svg" });
      expect(result.errors).toEqual([]);
      expect(result.status).toBe("success");
      if (result.status === "success") expect(result.output).toContain("<svg");
    }
  });
});

describe("dotValues and shortValue", () => {
  test("dotValues records inputs, constants and every equation's output as evalIr computes them", () => {
    const f = (x: Array) => np.exp(x).add(np.array([10, 20]));
    const arg = np.array([0, 1]);
    const ir = makeIr(f)(arg);
    const values = dotValues(ir, [arg]);
    const [out] = evalIr(ir, [arg]);
    expect(values.get(ir.inVars[0])).toBe("[0, 1]");
    expect(values.get(ir.constVars[0])).toBe("[10, 20]");
    expect(values.get(ir.outs[0] as Var)).toBe(shortValue(out));
    expect(values.get(ir.outs[0] as Var)).toBe("[11, 22.7183]");
    expect(values.size).toBe(2 + ir.eqns.length);
  });

  test("shortValue: significant digits without trailing zeros, booleans, integers, the first four elements", () => {
    expect(shortValue(f64(0.2 * 0.3))).toBe("0.06");
    expect(shortValue(f64(1 / 3), 3)).toBe("0.333");
    expect(shortValue(f64(-1e-9))).toBe("-1e-9");
    expect(shortValue(np.array(7, "int32"))).toBe("7");
    expect(shortValue(np.array([true, false]))).toBe("[true, false]");
    expect(shortValue(np.arange(10))).toBe("[0, 1, 2, 3, ...]");
    expect(shortValue(np.array(Number.NaN))).toBe("NaN");
  });
});
