/**
 * The JS backend: a whole kernel program becomes one generated JS function (via `new Function`),
 * with every shape, stride and offset a literal, so V8 compiles each fused loop as if written by
 * hand. Steps that run a reference kernel are called from the generated code.
 */
import { ConcreteArray, fullConcrete } from "../../core/array.js";
import type { DType, TypedArray } from "../../core/dtype.js";
import type { IrEvaluator } from "../../core/primitive.js";
import { renderJs } from "../../core/scalar-js.js";
import type { CallStep, MapStep, Program, ReduceStep, View } from "../kernel.js";
import { contiguousStrides, sizeOfShape } from "../kernel.js";

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

function mapStep(s: MapStep, k: number, ctor: string): string {
  const { shape, strides } = collapse(s.shape, s.inputs, true);
  const { stmts, value } = renderJs(s.expr, (i) => `s${k}x${i}`);
  const size = sizeOfShape(s.shape);
  const body = (ptrs: string[]) =>
    `${s.inputs.map((v, i) => `const s${k}x${i} = b${v.buf}[${ptrs[i]}];`).join(" ")} ${stmts.join(" ")} b${s.out}[s${k}o++] = ${value};`;
  return `const b${s.out} = new ${ctor}(${size});\n{ let s${k}o = 0;\n${loops(shape, s.inputs, strides, `s${k}`, body)}\n}`;
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
  program.inputs.forEach((b, i) => {
    lines.push(`const b${b} = I[${i}];`);
  });
  program.steps.forEach((s, k) => {
    if (s.kind === "map") lines.push(mapStep(s, k, CTOR[program.buffers[s.out].dtype]));
    else if (s.kind === "reduce") lines.push(reduceStep(s, k, CTOR[s.dtype]));
    else {
      // A contraction is its dot_general's reference kernel here.
      const t = s.kind === "contract" && s.transposed === true ? s : null;
      const contract = s.kind === "contract";
      if (s.kind === "contract") s = { kind: "call", eqn: s.eqn, inputs: s.inputs, outs: [s.out] };
      const bufIns = s.inputs.filter((x): x is number => typeof x === "number");
      lines.push(
        `const [${s.outs.map((o) => `b${o}`).join(", ")}] = K[${calls.length}](${bufIns.map((b) => `b${b}`).join(", ")});`,
      );
      // Its operand buffers hold the operands in row-major order, possibly under another shape.
      const kernel = callKernel(program, s, evaluator, contract);
      calls.push(t === null ? kernel : (...bufs) => [transposeBatch(kernel(...bufs)[0], t.batch, t.n, t.m)]);
    }
  });
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
