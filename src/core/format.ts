import type { DType, TypedArray } from "./dtype.js";
import type { Shape } from "./shape.js";

function formatFloat(x: number, sci: boolean): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (sci) {
    const [m, e] = x.toExponential(7).split("e");
    const mant = m.replace(/0+$/, "").replace(/\.$/, ".");
    const exp = Number(e);
    return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (Number.isInteger(x)) return `${x}.`;
  // Eight significant digits, trailing zeros removed, like NumPy's default repr.
  let s = Number(x.toPrecision(8)).toString();
  if (s.includes("e")) s = x.toFixed(8).replace(/0+$/, "");
  return s;
}

function formatElements(dtype: DType, buf: TypedArray): string[] {
  const out = new Array<string>(buf.length);
  if (dtype === "bool") {
    for (let i = 0; i < buf.length; i++) out[i] = buf[i] ? "true" : "false";
    return out;
  }
  if (dtype === "int32" || dtype === "uint32") {
    for (let i = 0; i < buf.length; i++) out[i] = String(buf[i]);
    return out;
  }
  let maxAbs = 0;
  let minAbs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < buf.length; i++) {
    const a = Math.abs(buf[i]);
    if (!Number.isFinite(a)) continue;
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
  }
  const sci = maxAbs >= 1e8 || (minAbs < 1e-4 && maxAbs !== 0) || maxAbs / minAbs > 1e3 * 1e8;
  for (let i = 0; i < buf.length; i++) out[i] = formatFloat(buf[i], sci);
  if (sci) return out;
  // Align the decimal points, as NumPy does: [ 1.5,  2. , -3. ].
  const parts = out.map((s) => s.split("."));
  const left = parts.reduce((w, p) => (p.length === 2 ? Math.max(w, p[0].length) : w), 0);
  const right = parts.reduce((w, p) => (p.length === 2 ? Math.max(w, p[1].length) : w), 0);
  return parts.map((p) => (p.length === 2 ? `${p[0].padStart(left)}.${p[1].padEnd(right)}` : p[0]));
}

/** Print like JAX: `Array([[1., 2.],\n       [3., 4.]], dtype=float32)`. */
export function formatArray(shape: Shape, dtype: DType, buf: TypedArray, weakType = false): string {
  const prefix = "Array(";
  const elems = formatElements(dtype, buf);
  const width = elems.reduce((w, s) => Math.max(w, s.length), 0);
  let pos = 0;
  const build = (dim: number, indent: string): string => {
    if (dim === shape.length) return elems[pos++].padStart(width);
    const parts: string[] = [];
    for (let i = 0; i < shape[dim]; i++) parts.push(build(dim + 1, `${indent} `));
    const innerRank = shape.length - dim - 1;
    const sep = innerRank === 0 ? ", " : `,${"\n".repeat(innerRank)}${indent} `;
    return `[${parts.join(sep)}]`;
  };
  const body = build(0, " ".repeat(prefix.length));
  return `${prefix}${body}, dtype=${dtype}${weakType ? ", weak_type=True" : ""})`;
}
