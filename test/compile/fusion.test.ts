/**
 * Fusion decisions, locked in: how many steps of which kind the scheduler makes for common
 * shapes of code (a regression here costs a buffer and a loop per op, not a wrong answer).
 */
import { describe, expect, test } from "vitest";
import { optimize } from "../../src/compile/compile.js";
import type { Program } from "../../src/compile/kernel.js";
import { schedule } from "../../src/compile/schedule.js";
import type { Array } from "../../src/index.js";
import { jit, makeIr, nn, np, vmap } from "../../src/index.js";
import { dotGeneral } from "../../src/primitives/linalg.js";

// biome-ignore lint/suspicious/noExplicitAny: any function of arrays
function program(f: (...xs: any[]) => unknown, ...args: Array[]): Program {
  return schedule(optimize(makeIr(f)(...args)));
}
const kinds = (p: Program) => p.steps.map((s) => (s.kind === "call" ? `call ${s.eqn.prim.name}` : s.kind));

describe("fusion", () => {
  test("an elementwise chain is one map step", () => {
    const p = program((x: Array) => np.tanh(x.mul(2).add(1)), np.ones([4, 3]));
    expect(kinds(p)).toEqual(["map"]);
  });

  // Today the sum feeds both relu's comparison and its select, so the scheduler writes it out
  // (a value used twice), and relu's zeros are a traced constant: two map steps where one would
  // do. When the scheduler fuses uses within one consumer expression, this becomes one map step.
  test("matmul + broadcast bias + relu is the contraction and ONE map step (bias add and relu fused)", () => {
    const p = program(
      (x: Array, w: Array, b: Array) => nn.relu(np.matmul(x, w).add(b)),
      np.ones([5, 4]),
      np.ones([4, 3]),
      np.ones([3]),
    );
    expect(kinds(p)).toEqual(["contract", "map"]);
    const [mm, fused] = p.steps;
    const mmOut = mm.kind === "contract" ? mm.out : -1;
    // The matmul's output and the bias are the only loads: relu's zeros are a literal, not a buffer.
    expect(fused.kind === "map" && fused.inputs.map((v) => v.buf)).toEqual([mmOut, p.inputs[2]]);
    expect(p.buffers.filter((b) => b.role === "const")).toEqual([]);
  });

  test("sum of squares is one reduce step with the square fused as its prologue", () => {
    const p = program((x: Array) => np.sum(np.square(x), 1), np.ones([4, 6]));
    expect(kinds(p)).toEqual(["reduce"]);
    const [s] = p.steps;
    expect(s.kind === "reduce" && s.expr.k).not.toBe("input");
  });

  test("a transpose feeding an add is a strided view, not a copy", () => {
    const p = program((x: Array, y: Array) => np.transpose(x).add(y), np.ones([2, 3]), np.ones([3, 2]));
    expect(kinds(p)).toEqual(["map"]);
    const [s] = p.steps;
    expect(s.kind === "map" && s.inputs.map((v) => v.strides)).toEqual([
      [1, 3],
      [2, 1],
    ]);
  });

  test("broadcasts, slices and flips of an input are views of its buffer", () => {
    const p = program((x: Array) => np.flip(np.slice(np.broadcastTo(x, [2, 4, 3]), null, [1, 3]), 2).mul(3), np.ones([4, 3]));
    expect(kinds(p)).toEqual(["map"]);
    expect(p.steps[0].kind === "map" && p.steps[0].inputs.map((v) => v.buf)).toEqual([p.inputs[0]]);
  });

  test("a nontrivial value used twice is materialised once and read by its users", () => {
    const p = program(
      (x: Array) => {
        const e = np.exp(x.mul(2));
        return [e.add(1), np.sum(e)];
      },
      np.ones([3]),
    );
    expect(kinds(p)).toEqual(["map", "reduce", "map"]);
    const shared = p.steps[0].kind === "map" ? p.steps[0].out : -1;
    expect(
      p.steps.slice(1).every((s) => (s.kind === "map" || s.kind === "reduce") && s.inputs.some((v) => v.buf === shared)),
    ).toBe(true);
  });

  test("a nested jit is inlined and fused with its caller", () => {
    const inner = jit((x: Array) => np.sin(x).mul(2));
    const p = program((x: Array) => inner(x).add(1), np.ones([3]));
    expect(kinds(p)).toEqual(["map"]);
  });

  test("a reshape of a non-row-major view materialises the view first", () => {
    const p = program((x: Array) => np.reshape(np.transpose(x), [6]).add(1), np.ones([2, 3]));
    expect(kinds(p)).toEqual(["map", "map"]);
  });

  test("asText names every kernel", () => {
    const f = jit((x: Array) => np.sum(np.tanh(x.mul(2)), 0));
    expect(f.compile(np.ones([4, 3])).asText()).toContain("kernels (1):\n  0: reduce_sum over the last 1 of [3,4]");
  });
});

describe("dot_generals that are not matrix products", () => {
  test("a vector dot is one reduce step whose prologue is the product (no reference-kernel call)", () => {
    const p = program((x: Array, w: Array) => np.dot(x.mul(2), w), np.ones([5]), np.ones([5]));
    expect(kinds(p)).toEqual(["reduce"]);
  });

  test("a batched matrix-vector product under vmap is one reduce step, and agrees with the reference", () => {
    const f = vmap((m: Array, v: Array) => np.matmul(m, v));
    const m = np.arange(24).astype("float32").reshape([2, 3, 4]);
    const v = np.arange(8).astype("float32").reshape([2, 4]);
    const p = program(f, m, v);
    expect(kinds(p).filter((k) => k.startsWith("call"))).toEqual([]);
    expect(jit(f)(m, v).toArray()).toEqual(jit(f, { backend: "reference" })(m, v).toArray());
  });
});

describe("contractions (scheduling decisions)", () => {
  test("a dense layer's weight gradient is one contract step that writes the transpose (no transposed copy)", () => {
    // What grad stages for x·w: transpose(dot_general(g, x, contracting [[0], [0]])) — computed as xᵀ·g.
    const p = program(
      (x: Array, g: Array) => np.transpose(dotGeneral(g, x, { contracting: [[0], [0]], batch: [[], []] })).mul(0.1),
      np.ones([32, 64]),
      np.ones([32, 128]),
    );
    expect(kinds(p)).toEqual(["contract", "map"]);
    const [mm, scale] = p.steps;
    expect(mm.kind === "contract" && [mm.m, mm.k, mm.n, mm.transposed]).toEqual([64, 32, 128, true]);
    // The reader sees a row-major buffer: its innermost dim steps by 1 (f32x4 lanes).
    expect(scale.kind === "map" && scale.inputs[0].strides).toEqual([128, 1]);
  });

  test("a product that is also returned is not transposed", () => {
    const p = program(
      (x: Array, g: Array) => {
        const d = np.matmul(np.transpose(g), x);
        return [d, np.transpose(d)];
      },
      np.ones([4, 3]),
      np.ones([4, 5]),
    );
    const mm = p.steps.find((s) => s.kind === "contract");
    expect(mm?.kind === "contract" && mm.transposed).toBeFalsy();
  });

  test("a vmap-batched per-example layer [b, 1, k]·[k, n] is one matrix product over the input in place", () => {
    const f = vmap((x: Array, w: Array) => np.matmul(np.expandDims(x, 0), w), { inAxes: [0, null] });
    const p = program(f, np.ones([128, 64]), np.ones([64, 32]));
    expect(kinds(p)).toEqual(["contract"]);
    const [mm] = p.steps;
    expect(mm.kind === "contract" && [mm.batch, mm.m, mm.k, mm.n, mm.a.buf]).toEqual([1, 128, 64, 32, p.inputs[0]]);
  });

  test("per-example outer products (one term per output) are elementwise and fuse into their reader", () => {
    // vmap of an outer product: [b, m, 1]·[b, 1, n] with the batch dim paired, then transposed.
    const f = vmap((u: Array, v: Array) => np.transpose(np.matmul(np.expandDims(u, 1), np.expandDims(v, 0))).mul(2));
    const p = program(f, np.ones([16, 5]), np.ones([16, 7]));
    expect(kinds(p)).toEqual(["map"]);
  });

  test("a reduction over a size-1 axis is elementwise", () => {
    const p = program((x: Array) => np.sum(x, 1).mul(2), np.ones([4, 1, 3]));
    expect(kinds(p)).toEqual(["map"]);
  });
});
