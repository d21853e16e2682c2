/**
 * Integer primitives behind `random`: the Threefry-2x32 block cipher (a counter-based PRNG:
 * the bits are a pure function of key and counter, so they are the same eagerly, under jit and
 * under vmap) and the two bit operations the samplers need (logical right shift, xor).
 */
import type { Array } from "../core/array.js";
import { ConcreteArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import type { DType } from "../core/dtype.js";
import { DTypeError } from "../core/errors.js";
import type { Primitive } from "../core/primitive.js";
import type { BinaryOp } from "../core/scalar.js";
import * as S from "../core/scalar.js";
import { broadcastShapes, type Shape, shapesEqual, sizeOf } from "../core/shape.js";
import { bind, bind1 } from "../core/trace.js";
import { threefryOnnx } from "../export/onnx/rules.js";
import { onnxElementwise } from "../export/onnx/scalar.js";
import { broadcastBatch } from "./elementwise.js";
import { broadcastStrides, runScalar } from "./elementwise-kernel.js";
import { definePrimitive } from "./registry.js";
import { zeroJvp } from "./rules.js";

function checkAllDType(op: string, avals: readonly ShapedArray[], allowed: readonly DType[], hint: string): DType {
  const d = avals[0].dtype;
  if (!allowed.includes(d) || avals.some((a) => a.dtype !== d)) {
    throw new DTypeError(`${op}: got ${avals.map((a) => a.str()).join(", ")}; expected ${hint}`);
  }
  return d;
}

// ---- threefry2x32 ----

function threefryAval(avals: readonly ShapedArray[]): ShapedArray[] {
  if (avals.length !== 4)
    throw new DTypeError(`threefry2x32: expected 4 operands (key0, key1, count0, count1), got ${avals.length}`);
  checkAllDType("threefry2x32", avals, ["uint32"], "four uint32 arrays (key0, key1, count0, count1); cast with astype('uint32')");
  const shape = broadcastShapes("threefry2x32", ...avals.map((a) => a.shape));
  return [new ShapedArray(shape, "uint32"), new ShapedArray(shape, "uint32")];
}

/** An input's values laid out over `outShape` (a view when no broadcasting is needed). */
function broadcastBuffer(a: ConcreteArray, outShape: Shape): Uint32Array {
  const buf = a.buffer as Uint32Array;
  if (shapesEqual(a.shape, outShape)) return buf;
  const size = sizeOf(outShape);
  const out = new Uint32Array(size);
  if (a.size === 1) return out.fill(buf[0]);
  const st = broadcastStrides(a.shape, outShape);
  const nd = outShape.length;
  const idx = new Int32Array(nd);
  let p = 0;
  for (let i = 0; i < size; i++) {
    out[i] = buf[p];
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      p += st[d];
      if (idx[d] < outShape[d]) break;
      p -= st[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return out;
}

const ROT_A = [13, 15, 26, 6];
const ROT_B = [17, 29, 16, 24];

/**
 * Threefry-2x32 with 20 rounds (Salmon et al. 2011, Random123; the same function as JAX's
 * `threefry2x32_p`). Writes the two output words of block `(c0, c1)` under key `(k0, k1)`.
 */
function threefryBlocks(
  k0: Uint32Array,
  k1: Uint32Array,
  c0: Uint32Array,
  c1: Uint32Array,
  o0: Uint32Array,
  o1: Uint32Array,
): void {
  const n = o0.length;
  const s0 = k0.length === 1 && n !== 1;
  const s1 = k1.length === 1 && n !== 1;
  for (let i = 0; i < n; i++) {
    const ks0 = s0 ? k0[0] : k0[i];
    const ks1 = s1 ? k1[0] : k1[i];
    const ks2 = (0x1bd11bda ^ ks0 ^ ks1) >>> 0;
    let x0 = (c0[i] + ks0) >>> 0;
    let x1 = (c1[i] + ks1) >>> 0;
    // Five groups of four rounds, alternating rotation sets; after group g the key schedule
    // word (g+1) mod 3 is injected, plus the group number into the second word.
    for (let g = 0; g < 5; g++) {
      const rot = g % 2 === 0 ? ROT_A : ROT_B;
      for (let r = 0; r < 4; r++) {
        const s = rot[r];
        x0 = (x0 + x1) >>> 0;
        x1 = ((x1 << s) | (x1 >>> (32 - s))) ^ x0;
      }
      const m = (g + 1) % 3;
      x0 = (x0 + (m === 0 ? ks0 : m === 1 ? ks1 : ks2)) >>> 0;
      x1 = (x1 + (m === 0 ? ks1 : m === 1 ? ks2 : ks0) + g + 1) >>> 0;
    }
    o0[i] = x0;
    o1[i] = x1;
  }
}

/**
 * `threefry2x32(key0, key1, count0, count1)` → `[out0, out1]`: the Threefry-2x32 block cipher
 * applied elementwise (all four uint32 operands broadcast together).
 */
export const threefry2x32P: Primitive = definePrimitive("threefry2x32", {
  abstractEval: threefryAval,
  impl: (args) => {
    const [aval] = threefryAval(args.map((a) => a.aval));
    const shape = aval.shape;
    const size = sizeOf(shape);
    const o0 = new Uint32Array(size);
    const o1 = new Uint32Array(size);
    if (size > 0) {
      // Keys are usually scalars: keep them unbroadcast (the kernel reads index 0).
      const key = (a: ConcreteArray) => (a.size === 1 ? (a.buffer as Uint32Array) : broadcastBuffer(a, shape));
      threefryBlocks(key(args[0]), key(args[1]), broadcastBuffer(args[2], shape), broadcastBuffer(args[3], shape), o0, o1);
    }
    return [new ConcreteArray(shape, "uint32", o0), new ConcreteArray(shape, "uint32", o1)];
  },
  jvp: zeroJvp(() => threefry2x32P),
  transpose: null,
  batch: broadcastBatch(() => threefry2x32P),
  lower: { kind: "kernel" },
  onnx: threefryOnnx,
});

/**
 * The two output words of Threefry-2x32 for keys `(k0, k1)` and counters `(c0, c1)` (uint32,
 * broadcasting). @example const [a, b] = threefry2x32(k0, k1, c0, c1);
 */
export function threefry2x32(k0: Array, k1: Array, c0: Array, c1: Array): [Array, Array] {
  const [a, b] = bind(threefry2x32P, [k0, k1, c0, c1]);
  return [a, b];
}

// ---- Bit operations on 32-bit integers ----

function defineIntBinary(name: string, hint: string, op: BinaryOp): Primitive {
  const aval = (avals: readonly ShapedArray[]) => {
    const d = checkAllDType(name, avals, ["uint32", "int32"], hint);
    return [new ShapedArray(broadcastShapes(name, ...avals.map((a) => a.shape)), d)];
  };
  const self: Primitive = definePrimitive(name, {
    abstractEval: aval,
    impl: (args) => {
      const [out] = aval(args.map((a) => a.aval));
      return [runScalar(name, (a, b) => S.binary(op, a, b), out.shape, args)];
    },
    jvp: zeroJvp(() => self),
    transpose: null,
    batch: broadcastBatch(() => self),
    lower: { kind: "elementwise", scalar: (_p, a, b) => S.binary(op, a, b) },
    onnx: onnxElementwise(name, (_p, a, b) => S.binary(op, a, b)),
  });
  return self;
}

/**
 * `shift_right_logical(x, n)`: x's bits shifted right by n, filling with zeros; shifts of 32 or
 * more (or negative) give 0, as in XLA.
 */
export const shiftRightLogicalP = defineIntBinary(
  "shift_right_logical",
  "two int32 or two uint32 operands; cast the shift with astype to x's dtype",
  "shr_logical",
);

/** `x >>> n` elementwise for int32/uint32 arrays. @example shiftRightLogical(bits, scalar(9, bits)) */
export function shiftRightLogical(x: Array, n: Array): Array {
  return bind1(shiftRightLogicalP, [x, n]);
}

/** `bitwise_xor(a, b)` for int32/uint32 arrays (same dtype, broadcasting). */
export const bitwiseXorP = defineIntBinary("bitwise_xor", "two int32 or two uint32 operands of the same dtype", "xor");

/** `a ^ b` elementwise for int32/uint32 arrays. @example bitwiseXor(bits1, bits2) */
export function bitwiseXor(a: Array, b: Array): Array {
  return bind1(bitwiseXorP, [a, b]);
}
