/**
 * The JS backend: a whole kernel program becomes one generated JS function (via `new Function`),
 * with every shape, stride and offset a literal, so V8 compiles each fused loop as if written by
 * hand. Loops and branches become JS `for` loops and `if` chains around their body's code; steps
 * that run a reference kernel are called from the generated code.
 */
import { ConcreteArray, fullConcrete } from "../../core/array.js";
import type { DType, TypedArray } from "../../core/dtype.js";
import type { IrEvaluator } from "../../core/primitive.js";
import { renderJs, renderJsMany } from "../../core/scalar-js.js";
import type { BranchStep, CallStep, LoopStep, MapStep, Operand, Output, Program, ReduceStep, Step, View } from "../kernel.js";
import { contiguousStrides, mapOutputs, sizeOfShape } from "../kernel.js";

/** A number as JS source (keeping the sign of −0). */
const num = (v: number) => (Object.is(v, -0) ? "-0" : String(v));

const CTOR: Record<DType, string> = {
  float32: "Float32Array",
  float64: "Float64Array",
  int32: "Int32Array",
  uint32: "Uint32Array",
  bool: "Uint8Array",
};

/**
 * Merge adjacent dims that every view (and the row-major output) steps through uniformly, and
 * drop size-1 dims: fewer, longer loops.
 */
export function collapse(
  shape: readonly number[],
  views: readonly View[],
  withOutput: boolean,
): { shape: number[]; strides: number[][] } {
  const out = contiguousStrides(shape);
  const all = withOutput ? [...views.map((v) => [...v.strides]), out] : views.map((v) => [...v.strides]);
  const dims: number[] = [];
  const st: number[][] = all.map(() => []);
  shape.forEach((n, d) => {
    if (n === 1) return;
    const last = dims.length - 1;
    if (last >= 0 && all.every((s, k) => st[k][last] === s[d] * n)) {
      dims[last] *= n;
      all.forEach((s, k) => {
        st[k][last] = s[d];
      });
      return;
    }
    dims.push(n);
    all.forEach((s, k) => st[k].push(s[d]));
  });
  return { shape: dims, strides: withOutput ? st.slice(0, views.length) : st };
}

/** Nested loops over `shape`; `body(ptrs)` gets each view's element offset as JS text. */
function loops(
  shape: readonly number[],
  views: readonly View[],
  strides: readonly number[][],
  tag: string,
  body: (ptrs: string[]) => string,
): string {
  const rank = shape.length;
  if (rank === 0) return body(views.map((v) => String(v.offset)));
  const lines: string[] = [];
  let bases = views.map((v) => String(v.offset));
  for (let d = 0; d < rank; d++) {
    const i = `${tag}i${d}`;
    lines.push(`for (let ${i} = 0; ${i} < ${shape[d]}; ${i}++) {`);
    const next = views.map((_, k) => {
      const s = strides[k][d];
      const term = s === 0 ? "" : s === 1 ? ` + ${i}` : ` + ${i} * ${s}`;
      return term === "" ? bases[k] : `${tag}p${k}_${d}`;
    });
    if (d < rank - 1) {
      views.forEach((_, k) => {
        const s = strides[k][d];
        if (s !== 0) lines.push(`const ${tag}p${k}_${d} = ${bases[k]}${s === 1 ? ` + ${i}` : ` + ${i} * ${s}`};`);
      });
      bases = next;
    } else {
      const ptrs = views.map((_, k) => {
        const s = strides[k][d];
        return s === 0 ? bases[k] : `${bases[k]}${s === 1 ? ` + ${i}` : ` + ${i} * ${s}`}`;
      });
      lines.push(body(ptrs));
    }
  }
  for (let d = 0; d < rank; d++) lines.push("}");
  return lines.join("\n");
}

function mapStep(s: MapStep, k: number, ctor: string, declared: boolean, outSize: number, more: readonly string[]): string {
  const outs = mapOutputs(s);
  const { stmts, values } = renderJsMany(
    outs.map((o) => o.expr),
    (i) => `s${k}x${i}`,
  );
  const value = values[0];
  const loads = (ptrs: string[]) => s.inputs.map((v, i) => `const s${k}x${i} = b${v.buf}[${ptrs[i]}];`).join(" ");
  // Outputs after the first (multi-output fusion) are whole and row-major, written at s${k}o.
  const extra = outs
    .slice(1)
    .map((o, j) => `b${o.out}[s${k}o] = ${values[j + 1]};`)
    .join(" ");
  const alloc =
    (declared ? "" : `const b${s.out} = new ${ctor}(${outSize});\n`) +
    outs
      .slice(1)
      .map((o, j) => `const b${o.out} = new ${more[j]}(${outSize});\n`)
      .join("");
  if (s.dest) {
    // A region of an output that an earlier step created: the destination is one more view.
    const views = [...s.inputs, { buf: s.out, offset: s.dest.offset, strides: s.dest.strides }];
    const { shape, strides } = collapse(s.shape, views, false);
    const n = s.inputs.length;
    const body = (ptrs: string[]) => `${loads(ptrs)} ${stmts.join(" ")} b${s.out}[${ptrs[n]}] = ${value};`;
    return `${alloc}{\n${loops(shape, views, strides, `s${k}`, body)}\n}`;
  }
  const { shape, strides } = collapse(s.shape, s.inputs, true);
  const body = (ptrs: string[]) => `${loads(ptrs)} ${stmts.join(" ")} ${extra} b${s.out}[s${k}o++] = ${value};`;
  return `${alloc}{ let s${k}o = 0;\n${loops(shape, s.inputs, strides, `s${k}`, body)}\n}`;
}

const INIT = { sum: "0", prod: "1", max: "-Infinity", min: "Infinity" } as const;
const COMBINE = {
  sum: (a: string, v: string) => `${a} += ${v};`,
  prod: (a: string, v: string) => `${a} *= ${v};`,
  // NaN wins, as in the reference kernel.
  max: (a: string, v: string) => `if (${v} > ${a} || ${v} !== ${v}) ${a} = ${v};`,
  min: (a: string, v: string) => `if (${v} < ${a} || ${v} !== ${v}) ${a} = ${v};`,
} as const;

function reduceStep(s: ReduceStep, k: number, ctor: string): string {
  const keptShape = s.shape.slice(0, s.keep);
  const redShape = s.shape.slice(s.keep);
  const keptViews = s.inputs.map((v) => ({ ...v, strides: v.strides.slice(0, s.keep) }));
  const redViews = s.inputs.map((v) => ({ ...v, offset: 0, strides: v.strides.slice(s.keep) }));
  const outer = collapse(keptShape, keptViews, false);
  const inner = collapse(redShape, redViews, false);
  const { stmts, value } = renderJs(s.expr, (i) => `s${k}x${i}`);
  const size = sizeOfShape(keptShape);
  const acc = `s${k}a`;
  const innerBody = (bases: string[]) => (ptrs: string[]) =>
    `${s.inputs.map((v, i) => `const s${k}x${i} = b${v.buf}[${bases[i]} + ${ptrs[i]}];`).join(" ")} ${stmts.join(" ")} ` +
    `{ const v = ${value}; ${COMBINE[s.op](acc, "v")} }`;
  const outerBody = (bases: string[]) =>
    `let ${acc} = ${INIT[s.op]};\n${loops(inner.shape, redViews, inner.strides, `s${k}r`, innerBody(bases))}\nb${s.out}[s${k}o++] = ${acc};`;
  return `const b${s.out} = new ${ctor}(${size});\n{ let s${k}o = 0;\n${loops(outer.shape, keptViews, outer.strides, `s${k}k`, outerBody)}\n}`;
}

export interface JsExecutable {
  /** The generated source (for `asText()`). */
  readonly source: string;
  run(args: readonly ConcreteArray[]): TypedArray[];
}

/** Compile a kernel program to one JS function over the input buffers. */
export function compileJs(program: Program, evaluator?: IrEvaluator): JsExecutable {
  const lines: string[] = [];
  const calls: ((...bufs: TypedArray[]) => TypedArray[])[] = [];
  const consts: TypedArray[] = [];
  program.buffers.forEach((b) => {
    if (b.role === "const") {
      lines.push(`const b${b.id} = C[${consts.length}];`);
      consts.push((b.value as ConcreteArray).buffer);
    }
  });
  const declared = new Set<number>();
  program.inputs.forEach((b, i) => {
    lines.push(`const b${b} = I[${i}];`);
    declared.add(b);
  });
  let tags = 0;
  const ctorOf = (b: number) => CTOR[program.buffers[b].dtype];
  /** A fresh one-element array holding a literal (the value of a literal result). */
  const literal = (b: number, v: number) => `new ${ctorOf(b)}([${num(v)}])`;
  const ref = (b: number, r: Operand | Output) =>
    typeof r === "number" ? `b${r}` : "buf" in r ? `b${r.buf}` : literal(b, r.literal);
  const emit = (steps: readonly Step[], out: string[]): void => {
    for (let s of steps) {
      const k = tags++;
      if (s.kind === "map") {
        const buf = program.buffers[s.out];
        const more = (s.more ?? []).map((m) => CTOR[program.buffers[m.out].dtype]);
        out.push(mapStep(s, k, CTOR[buf.dtype], declared.has(s.out), sizeOfShape(buf.shape), more));
        declared.add(s.out);
        for (const m of s.more ?? []) declared.add(m.out);
      } else if (s.kind === "reduce") out.push(reduceStep(s, k, CTOR[s.dtype]));
      else if (s.kind === "loop") loopStep(s, k, out);
      else if (s.kind === "branch") branchStep(s, k, out);
      else {
        // A contraction is its dot_general's reference kernel here.
        const t = s.kind === "contract" && s.transposed === true ? s : null;
        const contract = s.kind === "contract";
        if (s.kind === "contract") s = { kind: "call", eqn: s.eqn, inputs: s.inputs, outs: [s.out] };
        const bufIns = s.inputs.filter((x): x is number => typeof x === "number");
        out.push(
          `const [${s.outs.map((o) => `b${o}`).join(", ")}] = K[${calls.length}](${bufIns.map((b) => `b${b}`).join(", ")});`,
        );
        // Its operand buffers hold the operands in row-major order, possibly under another shape.
        const kernel = callKernel(program, s, evaluator, contract);
        calls.push(t === null ? kernel : (...bufs) => [transposeBatch(kernel(...bufs)[0], t.batch, t.n, t.m)]);
      }
    }
  };
  // Buffers are never written after the step that makes them (only regions of an assembled
  // output, by its own steps), so a carry is a reference: the next carries are read into
  // temporaries first, then assigned, which keeps swaps right. Rows of xs are subarray views.
  const loopStep = (s: LoopStep, k: number, out: string[]): void => {
    const nk = s.numCarry;
    const carry = s.outs.slice(0, nk);
    const ys = s.outs.slice(nk);
    carry.forEach((b, j) => {
      out.push(`let b${b} = ${ref(b, s.init[j])};`);
    });
    const rowSize = (b: number) => sizeOfShape(program.buffers[b].shape.slice(1));
    for (const b of ys) out.push(`const b${b} = new ${ctorOf(b)}(${sizeOfShape(program.buffers[b].shape)});`);
    const i = `L${k}i`;
    const body: string[] = [];
    if (s.trip.kind === "while") {
      emit(s.trip.cond.steps, body);
      const pred = s.trip.cond.results[0];
      body.push(`if (!${"buf" in pred ? `b${pred.buf}[0]` : num(pred.literal)}) break;`);
    }
    for (const x of s.xs) {
      const n = rowSize(x.src);
      body.push(`const b${x.row} = b${x.src}.subarray(${i} * ${n}, ${i} * ${n} + ${n});`);
    }
    emit(s.body.steps, body);
    const results = s.body.results;
    ys.forEach((b, j) => {
      const r = results[nk + j];
      const n = rowSize(b);
      if (n === 0) return;
      body.push("buf" in r ? `b${b}.set(b${r.buf}, ${i} * ${n});` : `b${b}[${i}] = ${num(r.literal)};`);
    });
    const next = carry.map((_, j) => `L${k}n${j}`);
    carry.forEach((b, j) => {
      body.push(`const ${next[j]} = ${ref(b, results[j])};`);
    });
    carry.forEach((b, j) => {
      body.push(`b${b} = ${next[j]};`);
    });
    if (s.trip.kind === "while") out.push(`for (;;) {\n${body.join("\n")}\n}`);
    else {
      const { length, reverse } = s.trip;
      const head = reverse ? `let ${i} = ${length - 1}; ${i} >= 0; ${i}--` : `let ${i} = 0; ${i} < ${length}; ${i}++`;
      out.push(`for (${head}) {\n${body.join("\n")}\n}`);
    }
  };
  // `index <= k` picks branch k: negative indices run the first branch, past the end the last.
  const branchStep = (s: BranchStep, k: number, out: string[]): void => {
    out.push(`let ${s.outs.map((b) => `b${b}`).join(", ")};`);
    const index = typeof s.index === "number" ? `b${s.index}[0]` : String(s.index.literal);
    const arms = s.branches.map((b) => {
      const body: string[] = [];
      emit(b.steps, body);
      b.results.forEach((r, j) => {
        body.push(`b${s.outs[j]} = ${ref(s.outs[j], r)};`);
      });
      return body.join("\n");
    });
    const n = arms.length;
    const chain = arms.map((a, j) => (j === n - 1 ? `{\n${a}\n}` : `if (L${k}x <= ${j}) {\n${a}\n} else `)).join("");
    out.push(`{ const L${k}x = ${index};\n${chain}\n}`);
  };
  emit(program.steps, lines);
  lines.push(`return [${program.outputs.map((o) => ("buf" in o ? `b${o.buf}` : "null")).join(", ")}];`);
  const source = lines.join("\n");
  const fn = new Function("I", "C", "K", source) as (
    I: readonly TypedArray[],
    C: readonly TypedArray[],
    K: typeof calls,
  ) => TypedArray[];
  return {
    source,
    run: (args) =>
      fn(
        args.map((a) => a.buffer),
        consts,
        calls,
      ),
  };
}

/** The [batch, n, m] transpose of a row-major [batch, m, n] buffer. */
function transposeBatch(x: TypedArray, batch: number, m: number, n: number): TypedArray {
  const out = x.slice();
  for (let t = 0; t < batch; t++) {
    const o = t * m * n;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[o + j * m + i] = x[o + i * n + j];
  }
  return out;
}

/** A reference-kernel step as a function of its buffer operands. */
function callKernel(
  program: Program,
  s: CallStep,
  evaluator?: IrEvaluator,
  operandShapes = false,
): (...bufs: TypedArray[]) => TypedArray[] {
  const literals = s.inputs.map((x) => (typeof x === "number" ? null : fullConcrete([], x.dtype, x.literal, x.weak)));
  return (...bufs: TypedArray[]) => {
    let k = 0;
    const args = s.inputs.map((x, i) => {
      if (typeof x !== "number") return literals[i] as ConcreteArray;
      const b = program.buffers[x];
      return new ConcreteArray(operandShapes ? s.eqn.inputs[i].aval.shape : b.shape, b.dtype, bufs[k++]);
    });
    return s.eqn.prim.impl(args, s.eqn.params, evaluator).map((o) => o.buffer);
  };
}
