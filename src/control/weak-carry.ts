/** Loop carries that start as JS numbers: JAX's promotion of weakly typed initial values. */
import type { Array } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { TransformError } from "../core/errors.js";
import { convert } from "../primitives/elementwise.js";

/**
 * A loop's initial carry may hold weakly typed values (`scan(f, 0, xs)`), whose type the body
 * then settles: `c + x` with int32 xs returns a strong int32 carry. As JAX does, each weak
 * initial value whose body output differs in dtype or weak flag (same shape) is converted to the
 * body's output type, and the caller traces the body again. Returns null when nothing changes.
 */
export function promoteWeakCarry(init: readonly Array[], outs: readonly ShapedArray[]): Array[] | null {
  let changed = false;
  const next = init.map((x, i) => {
    const o = outs[i];
    if (!x.weakType || o === undefined || o.ndim !== x.ndim || !o.shape.every((d, k) => d === x.shape[k])) return x;
    if (o.dtype === x.dtype && o.weakType) return x;
    changed = true;
    return convert(x, o.dtype, o.weakType);
  });
  return changed ? next : null;
}

/** The body's carry outputs must have the carry's shapes and dtypes (weak flags aside). */
export function checkCarry(op: string, ins: readonly ShapedArray[], outs: readonly ShapedArray[]): void {
  ins.forEach((a, i) => {
    if (!outs[i].equals(a)) {
      throw new TransformError(
        `${op}: the body returns carry leaf ${i} as ${outs[i].str()} but takes it as ${a.str()}; the carry must keep ` +
          "its shape and dtype (cast with astype, or start from an array of the right dtype)",
      );
    }
  });
}
