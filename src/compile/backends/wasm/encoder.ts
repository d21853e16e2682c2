/**
 * A small typed WebAssembly binary writer: module sections (types, imports, functions, memory,
 * globals, exports, code), function bodies through an instruction builder with one method per
 * opcode (MVP, saturating conversions, bulk memory, SIMD128, relaxed SIMD, threads/atomics), and
 * structured control flow whose branch targets are label objects, so a `br` can never name a
 * block that is not open. No npm package: the few that exist emit no SIMD or weigh 100 MB.
 *
 * Opcode numbers follow the WebAssembly core specification (binary format, §5.4) and the SIMD,
 * relaxed-SIMD and threads proposals. Browser-safe: no Node imports.
 */

export type NumType = "i32" | "i64" | "f32" | "f64";
export type ValType = NumType | "v128";
/** A block's result: nothing, or one value. */
export type BlockType = ValType | "void";

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** A memory immediate. `align` is log2 of the byte alignment promised (default: natural). */
export interface MemArg {
  readonly offset?: number;
  readonly align?: number;
}

/** Growable byte buffer with the LEB128 and IEEE-754 writers of the binary format. */
export class ByteWriter {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  private len = 0;

  get length(): number {
    return this.len;
  }

  u8(b: number): this {
    if (this.len === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = b & 0xff;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    for (let i = 0; i < bs.length; i++) this.u8(bs[i]);
    return this;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`wasm encoder: unsigned LEB128 needs a non-negative integer, got ${v}`);
    do {
      let byte = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) byte |= 0x80;
      this.u8(byte);
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit integer (either signed or unsigned spelling of the bits). */
  s32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
      throw new RangeError(`wasm encoder: i32 immediate out of range: ${v}`);
    }
    v |= 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      // Done when the remaining bits are all copies of the sign bit just written.
      if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
        this.u8(byte);
        return this;
      }
      this.u8(byte | 0x80);
    }
  }

  /** Signed LEB128 of a 64-bit integer. */
  s64(v: bigint): this {
    v = BigInt.asIntN(64, v);
    for (;;) {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
        this.u8(byte);
        return this;
      }
      this.u8(byte | 0x80);
    }
  }

  f32(v: number): this {
    const dv = new DataView(new ArrayBuffer(4));
    dv.setFloat32(0, v, true);
    return this.bytes(new Uint8Array(dv.buffer));
  }

  f64(v: number): this {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, v, true);
    return this.bytes(new Uint8Array(dv.buffer));
  }

  /** A name: byte length then UTF-8 bytes. */
  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  /** A vector of already-encoded bytes, prefixed by its byte length (sections, bodies). */
  sized(inner: ByteWriter): this {
    return this.u32(inner.length).bytes(inner.finish());
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.len);
  }
}

/** A function-local variable (parameters are locals 0..n-1). */
export class Local<T extends ValType = ValType> {
  constructor(
    readonly index: number,
    readonly type: T,
  ) {}
}

/** A branch target: the block, loop or if it was opened by. */
export class Label {
  constructor(readonly kind: "block" | "loop" | "if") {}
}

/** A function of a module: imported or defined, with its signature. */
export class FuncRef {
  constructor(
    readonly index: number,
    readonly name: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
  ) {}
}

export class GlobalRef {
  constructor(
    readonly index: number,
    readonly type: ValType,
    readonly mutable: boolean,
  ) {}
}

// Opcode tables. Values below 0x100 are one byte; 0xfcNN are 0xfc-prefixed (saturating, bulk).
// biome-ignore format: opcode table
const I32_OPS = {
  eqz: 0x45, eq: 0x46, ne: 0x47, lt_s: 0x48, lt_u: 0x49, gt_s: 0x4a, gt_u: 0x4b, le_s: 0x4c, le_u: 0x4d, ge_s: 0x4e,
  ge_u: 0x4f, clz: 0x67, ctz: 0x68, popcnt: 0x69, add: 0x6a, sub: 0x6b, mul: 0x6c, div_s: 0x6d, div_u: 0x6e,
  rem_s: 0x6f, rem_u: 0x70, and: 0x71, or: 0x72, xor: 0x73, shl: 0x74, shr_s: 0x75, shr_u: 0x76, rotl: 0x77,
  rotr: 0x78, wrap_i64: 0xa7, trunc_f32_s: 0xa8, trunc_f32_u: 0xa9, trunc_f64_s: 0xaa, trunc_f64_u: 0xab,
  reinterpret_f32: 0xbc, extend8_s: 0xc0, extend16_s: 0xc1, trunc_sat_f32_s: 0xfc00, trunc_sat_f32_u: 0xfc01,
  trunc_sat_f64_s: 0xfc02, trunc_sat_f64_u: 0xfc03,
} as const;
// biome-ignore format: opcode table
const I64_OPS = {
  eqz: 0x50, eq: 0x51, ne: 0x52, lt_s: 0x53, lt_u: 0x54, gt_s: 0x55, gt_u: 0x56, le_s: 0x57, le_u: 0x58, ge_s: 0x59,
  ge_u: 0x5a, clz: 0x79, ctz: 0x7a, popcnt: 0x7b, add: 0x7c, sub: 0x7d, mul: 0x7e, div_s: 0x7f, div_u: 0x80,
  rem_s: 0x81, rem_u: 0x82, and: 0x83, or: 0x84, xor: 0x85, shl: 0x86, shr_s: 0x87, shr_u: 0x88, rotl: 0x89,
  rotr: 0x8a, extend_i32_s: 0xac, extend_i32_u: 0xad, trunc_f32_s: 0xae, trunc_f32_u: 0xaf, trunc_f64_s: 0xb0,
  trunc_f64_u: 0xb1, reinterpret_f64: 0xbd, extend8_s: 0xc2, extend16_s: 0xc3, extend32_s: 0xc4,
  trunc_sat_f32_s: 0xfc04, trunc_sat_f32_u: 0xfc05, trunc_sat_f64_s: 0xfc06, trunc_sat_f64_u: 0xfc07,
} as const;
// biome-ignore format: opcode table
const F32_OPS = {
  eq: 0x5b, ne: 0x5c, lt: 0x5d, gt: 0x5e, le: 0x5f, ge: 0x60, abs: 0x8b, neg: 0x8c, ceil: 0x8d, floor: 0x8e,
  trunc: 0x8f, nearest: 0x90, sqrt: 0x91, add: 0x92, sub: 0x93, mul: 0x94, div: 0x95, min: 0x96, max: 0x97,
  copysign: 0x98, convert_i32_s: 0xb2, convert_i32_u: 0xb3, convert_i64_s: 0xb4, convert_i64_u: 0xb5,
  demote_f64: 0xb6, reinterpret_i32: 0xbe,
} as const;
// biome-ignore format: opcode table
const F64_OPS = {
  eq: 0x61, ne: 0x62, lt: 0x63, gt: 0x64, le: 0x65, ge: 0x66, abs: 0x99, neg: 0x9a, ceil: 0x9b, floor: 0x9c,
  trunc: 0x9d, nearest: 0x9e, sqrt: 0x9f, add: 0xa0, sub: 0xa1, mul: 0xa2, div: 0xa3, min: 0xa4, max: 0xa5,
  copysign: 0xa6, convert_i32_s: 0xb7, convert_i32_u: 0xb8, convert_i64_s: 0xb9, convert_i64_u: 0xba,
  promote_f32: 0xbb, reinterpret_i64: 0xbf,
} as const;

// SIMD opcodes (after the 0xfd prefix, as unsigned LEB128).
const V128_OPS = { not: 77, and: 78, andnot: 79, or: 80, xor: 81, bitselect: 82, any_true: 83 } as const;
// biome-ignore format: opcode table
const I8X16_OPS = {
  swizzle: 14, splat: 15, eq: 35, ne: 36, lt_s: 37, lt_u: 38, gt_s: 39, gt_u: 40, le_s: 41, le_u: 42, ge_s: 43,
  ge_u: 44, abs: 96, neg: 97, popcnt: 98, all_true: 99, bitmask: 100, narrow_i16x8_s: 101, narrow_i16x8_u: 102,
  shl: 107, shr_s: 108, shr_u: 109, add: 110, add_sat_s: 111, add_sat_u: 112, sub: 113, sub_sat_s: 114,
  sub_sat_u: 115, min_s: 118, min_u: 119, max_s: 120, max_u: 121, avgr_u: 123, relaxed_swizzle: 0x100,
  relaxed_laneselect: 0x109,
} as const;
// biome-ignore format: opcode table
const I16X8_OPS = {
  splat: 16, eq: 45, ne: 46, lt_s: 47, lt_u: 48, gt_s: 49, gt_u: 50, le_s: 51, le_u: 52, ge_s: 53, ge_u: 54,
  extadd_pairwise_i8x16_s: 124, extadd_pairwise_i8x16_u: 125, abs: 128, neg: 129, q15mulr_sat_s: 130,
  all_true: 131, bitmask: 132, narrow_i32x4_s: 133, narrow_i32x4_u: 134, extend_low_i8x16_s: 135,
  extend_high_i8x16_s: 136, extend_low_i8x16_u: 137, extend_high_i8x16_u: 138, shl: 139, shr_s: 140, shr_u: 141,
  add: 142, add_sat_s: 143, add_sat_u: 144, sub: 145, sub_sat_s: 146, sub_sat_u: 147, mul: 149, min_s: 150,
  min_u: 151, max_s: 152, max_u: 153, avgr_u: 155, relaxed_laneselect: 0x10a,
} as const;
// biome-ignore format: opcode table
const I32X4_OPS = {
  splat: 17, eq: 55, ne: 56, lt_s: 57, lt_u: 58, gt_s: 59, gt_u: 60, le_s: 61, le_u: 62, ge_s: 63, ge_u: 64,
  extadd_pairwise_i16x8_s: 126, extadd_pairwise_i16x8_u: 127, abs: 160, neg: 161, all_true: 163, bitmask: 164,
  extend_low_i16x8_s: 167, extend_high_i16x8_s: 168, extend_low_i16x8_u: 169, extend_high_i16x8_u: 170, shl: 171,
  shr_s: 172, shr_u: 173, add: 174, sub: 177, mul: 181, min_s: 182, min_u: 183, max_s: 184, max_u: 185,
  dot_i16x8_s: 186, trunc_sat_f32x4_s: 248, trunc_sat_f32x4_u: 249, trunc_sat_f64x2_s_zero: 252,
  trunc_sat_f64x2_u_zero: 253, relaxed_trunc_f32x4_s: 0x101, relaxed_trunc_f32x4_u: 0x102,
  relaxed_laneselect: 0x10b,
} as const;
// biome-ignore format: opcode table
const I64X2_OPS = {
  splat: 18, abs: 192, neg: 193, all_true: 195, bitmask: 196, extend_low_i32x4_s: 199, extend_high_i32x4_s: 200,
  extend_low_i32x4_u: 201, extend_high_i32x4_u: 202, shl: 203, shr_s: 204, shr_u: 205, add: 206, sub: 209,
  mul: 213, eq: 214, ne: 215, lt_s: 216, gt_s: 217, le_s: 218, ge_s: 219, relaxed_laneselect: 0x10c,
} as const;
// biome-ignore format: opcode table
const F32X4_OPS = {
  splat: 19, eq: 65, ne: 66, lt: 67, gt: 68, le: 69, ge: 70, demote_f64x2_zero: 94, ceil: 103, floor: 104,
  trunc: 105, nearest: 106, abs: 224, neg: 225, sqrt: 227, add: 228, sub: 229, mul: 230, div: 231, min: 232,
  max: 233, pmin: 234, pmax: 235, convert_i32x4_s: 250, convert_i32x4_u: 251, relaxed_madd: 0x105,
  relaxed_nmadd: 0x106, relaxed_min: 0x10d, relaxed_max: 0x10e,
} as const;
// biome-ignore format: opcode table
const F64X2_OPS = {
  splat: 20, eq: 71, ne: 72, lt: 73, gt: 74, le: 75, ge: 76, promote_low_f32x4: 95, ceil: 116, floor: 117,
  trunc: 122, nearest: 148, abs: 236, neg: 237, sqrt: 239, add: 240, sub: 241, mul: 242, div: 243, min: 244,
  max: 245, pmin: 246, pmax: 247, convert_low_i32x4_s: 254, convert_low_i32x4_u: 255, relaxed_madd: 0x107,
  relaxed_nmadd: 0x108, relaxed_min: 0x10f, relaxed_max: 0x110,
} as const;

type Nullary<T> = { readonly [K in keyof T]: () => Code };
type MemOp = (m?: MemArg) => Code;

/** Scalar memory ops of one type: name → [opcode, natural alignment (log2)]. */
// biome-ignore format: table
const I32_MEM = { load: [0x28, 2], load8_s: [0x2c, 0], load8_u: [0x2d, 0], load16_s: [0x2e, 1], load16_u: [0x2f, 1], store: [0x36, 2], store8: [0x3a, 0], store16: [0x3b, 1] } as const;
// biome-ignore format: table
const I64_MEM = { load: [0x29, 3], load8_s: [0x30, 0], load8_u: [0x31, 0], load16_s: [0x32, 1], load16_u: [0x33, 1], load32_s: [0x34, 2], load32_u: [0x35, 2], store: [0x37, 3], store8: [0x3c, 0], store16: [0x3d, 1], store32: [0x3e, 2] } as const;
const F32_MEM = { load: [0x2a, 2], store: [0x38, 2] } as const;
const F64_MEM = { load: [0x2b, 3], store: [0x39, 3] } as const;
// biome-ignore format: table
const V128_MEM = {
  load: [0, 4], load8x8_s: [1, 3], load8x8_u: [2, 3], load16x4_s: [3, 3], load16x4_u: [4, 3], load32x2_s: [5, 3],
  load32x2_u: [6, 3], load8_splat: [7, 0], load16_splat: [8, 1], load32_splat: [9, 2], load64_splat: [10, 3],
  store: [11, 4], load32_zero: [92, 2], load64_zero: [93, 3],
} as const;
// Atomic accesses (after 0xfe) must name their natural alignment exactly.
// biome-ignore format: table
const ATOMIC_MEM = {
  notify: [0x00, 2], wait32: [0x01, 2], wait64: [0x02, 3], i32_load: [0x10, 2], i64_load: [0x11, 3],
  i32_store: [0x17, 2], i64_store: [0x18, 3], i32_rmw_add: [0x1e, 2], i64_rmw_add: [0x1f, 3], i32_rmw_sub: [0x25, 2],
  i32_rmw_and: [0x2c, 2], i32_rmw_or: [0x33, 2], i32_rmw_xor: [0x3a, 2], i32_rmw_xchg: [0x41, 2],
  i32_rmw_cmpxchg: [0x48, 2], i64_rmw_cmpxchg: [0x49, 3],
} as const;
type MemOps<T> = { readonly [K in keyof T]: MemOp };

/** Instruction builder for one function body. Every method appends an instruction and returns `this`. */
export class Code {
  readonly w = new ByteWriter();
  private readonly localTypes: ValType[];
  private readonly open: Label[] = [];
  /** The function body's own label: a branch to it returns. */
  readonly functionLabel = new Label("block");

  readonly i32: Nullary<typeof I32_OPS> & MemOps<typeof I32_MEM> & { const(v: number): Code };
  readonly i64: Nullary<typeof I64_OPS> & MemOps<typeof I64_MEM> & { const(v: bigint | number): Code };
  readonly f32: Nullary<typeof F32_OPS> & MemOps<typeof F32_MEM> & { const(v: number): Code; constBits(bits: number): Code };
  readonly f64: Nullary<typeof F64_OPS> & MemOps<typeof F64_MEM> & { const(v: number): Code };
  readonly v128: Nullary<typeof V128_OPS> &
    MemOps<typeof V128_MEM> & {
      const(bytes: ArrayLike<number>): Code;
      constF32x4(v: readonly [number, number, number, number]): Code;
      constI32x4(v: readonly [number, number, number, number]): Code;
      load32_lane(lane: number, m?: MemArg): Code;
      store32_lane(lane: number, m?: MemArg): Code;
    };
  readonly i8x16: Nullary<typeof I8X16_OPS> & {
    shuffle(lanes: readonly number[]): Code;
    extract_lane_s(l: number): Code;
    extract_lane_u(l: number): Code;
    replace_lane(l: number): Code;
  };
  readonly i16x8: Nullary<typeof I16X8_OPS>;
  readonly i32x4: Nullary<typeof I32X4_OPS> & { extract_lane(l: number): Code; replace_lane(l: number): Code };
  readonly i64x2: Nullary<typeof I64X2_OPS> & { extract_lane(l: number): Code; replace_lane(l: number): Code };
  readonly f32x4: Nullary<typeof F32X4_OPS> & { extract_lane(l: number): Code; replace_lane(l: number): Code };
  readonly f64x2: Nullary<typeof F64X2_OPS> & { extract_lane(l: number): Code; replace_lane(l: number): Code };
  readonly atomic: MemOps<typeof ATOMIC_MEM> & { fence(): Code };
  readonly memory: { size(): Code; grow(): Code; copy(): Code; fill(): Code };

  constructor(readonly params: readonly ValType[]) {
    this.localTypes = [...params];
    const w = this.w;
    const op = (code: number) => () => {
      if (code > 0xff) w.u8(code >> 8).u32(code & 0xff);
      else w.u8(code);
      return this;
    };
    const simd = (code: number) => () => {
      w.u8(0xfd).u32(code);
      return this;
    };
    const nullary = <T extends Record<string, number>>(t: T, mk: (c: number) => () => Code): Nullary<T> =>
      Object.fromEntries(Object.entries(t).map(([k, c]) => [k, mk(c)])) as Nullary<T>;
    const memArg = (natural: number, m: MemArg | undefined, exact = false) => {
      const align = m?.align ?? natural;
      if (align > natural || align < 0 || (exact && align !== natural)) {
        throw new RangeError(`wasm encoder: alignment 2^${align} is not allowed for a ${1 << natural}-byte access`);
      }
      w.u32(align).u32(m?.offset ?? 0);
    };
    const mem = <T extends Record<string, readonly [number, number]>>(t: T, prefix: number | null, exact = false): MemOps<T> =>
      Object.fromEntries(
        Object.entries(t).map(([k, [c, nat]]) => [
          k,
          (m?: MemArg) => {
            if (prefix === null) w.u8(c);
            else w.u8(prefix).u32(c);
            memArg(nat, m, exact);
            return this;
          },
        ]),
      ) as unknown as MemOps<T>;
    const lane = (code: number, lanes: number) => (l: number) => {
      if (!Number.isInteger(l) || l < 0 || l >= lanes)
        throw new RangeError(`wasm encoder: lane ${l} out of range 0..${lanes - 1}`);
      w.u8(0xfd).u32(code).u8(l);
      return this;
    };
    const fixed =
      (...bs: number[]) =>
      () => {
        w.bytes(bs);
        return this;
      };
    const imm =
      <V>(write: (v: V) => void) =>
      (v: V) => {
        write(v);
        return this;
      };
    this.i32 = { ...nullary(I32_OPS, op), ...mem(I32_MEM, null), const: imm((v: number) => w.u8(0x41).s32(v)) };
    this.i64 = { ...nullary(I64_OPS, op), ...mem(I64_MEM, null), const: imm((v: bigint | number) => w.u8(0x42).s64(BigInt(v))) };
    this.f32 = {
      ...nullary(F32_OPS, op),
      ...mem(F32_MEM, null),
      const: imm((v: number) => w.u8(0x43).f32(v)),
      // Exact bit patterns (NaN payloads, signed zeros) without a float round trip.
      constBits: imm((bits: number) => w.u8(0x43).bytes([bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, bits >>> 24])),
    };
    this.f64 = { ...nullary(F64_OPS, op), ...mem(F64_MEM, null), const: imm((v: number) => w.u8(0x44).f64(v)) };
    const v128const = (bytes: ArrayLike<number>) => {
      if (bytes.length !== 16) throw new RangeError(`wasm encoder: v128.const needs 16 bytes, got ${bytes.length}`);
      w.u8(0xfd).u32(12).bytes(bytes);
      return this;
    };
    this.v128 = {
      ...nullary(V128_OPS, simd),
      ...mem(V128_MEM, 0xfd),
      const: v128const,
      constF32x4: (v) => v128const(new Uint8Array(Float32Array.from(v).buffer)),
      constI32x4: (v) => v128const(new Uint8Array(Int32Array.from(v).buffer)),
      load32_lane: (l, m) => {
        w.u8(0xfd).u32(86);
        memArg(2, m);
        w.u8(l);
        return this;
      },
      store32_lane: (l, m) => {
        w.u8(0xfd).u32(90);
        memArg(2, m);
        w.u8(l);
        return this;
      },
    };
    this.i8x16 = {
      ...nullary(I8X16_OPS, simd),
      shuffle: (lanes) => {
        if (lanes.length !== 16 || lanes.some((l) => l < 0 || l > 31))
          throw new RangeError("wasm encoder: i8x16.shuffle needs 16 lanes in 0..31");
        w.u8(0xfd).u32(13).bytes(lanes);
        return this;
      },
      extract_lane_s: lane(21, 16),
      extract_lane_u: lane(22, 16),
      replace_lane: lane(23, 16),
    };
    this.i16x8 = nullary(I16X8_OPS, simd);
    this.i32x4 = { ...nullary(I32X4_OPS, simd), extract_lane: lane(27, 4), replace_lane: lane(28, 4) };
    this.i64x2 = { ...nullary(I64X2_OPS, simd), extract_lane: lane(29, 2), replace_lane: lane(30, 2) };
    this.f32x4 = { ...nullary(F32X4_OPS, simd), extract_lane: lane(31, 4), replace_lane: lane(32, 4) };
    this.f64x2 = { ...nullary(F64X2_OPS, simd), extract_lane: lane(33, 2), replace_lane: lane(34, 2) };
    this.atomic = { ...mem(ATOMIC_MEM, 0xfe, true), fence: fixed(0xfe, 0x03, 0x00) };
    this.memory = {
      size: fixed(0x3f, 0x00),
      grow: fixed(0x40, 0x00),
      copy: fixed(0xfc, 10, 0x00, 0x00),
      fill: fixed(0xfc, 11, 0x00),
    };
  }

  /** Declares a new local of `type` (zero-initialised at entry). */
  local<T extends ValType>(type: T): Local<T> {
    this.localTypes.push(type);
    return new Local(this.localTypes.length - 1, type);
  }

  /** The parameters as locals. */
  paramLocals(): Local[] {
    return this.params.map((t, i) => new Local(i, t));
  }

  get(l: Local): this {
    this.w.u8(0x20).u32(l.index);
    return this;
  }

  set(l: Local): this {
    this.w.u8(0x21).u32(l.index);
    return this;
  }

  tee(l: Local): this {
    this.w.u8(0x22).u32(l.index);
    return this;
  }

  globalGet(g: GlobalRef): this {
    this.w.u8(0x23).u32(g.index);
    return this;
  }

  globalSet(g: GlobalRef): this {
    if (!g.mutable) throw new TypeError(`wasm encoder: global ${g.index} is immutable`);
    this.w.u8(0x24).u32(g.index);
    return this;
  }

  private blockType(t: BlockType): void {
    if (t === "void") this.w.u8(0x40);
    else this.w.u8(VALTYPE[t]);
  }

  private structured(kind: Label["kind"], opcode: number, t: BlockType, body: (l: Label) => void): this {
    const label = new Label(kind);
    this.w.u8(opcode);
    this.blockType(t);
    this.open.push(label);
    body(label);
    this.open.pop();
    this.w.u8(0x0b);
    return this;
  }

  /** `block … end`; a branch to its label jumps to the end. */
  block(t: BlockType, body: (l: Label) => void): this {
    return this.structured("block", 0x02, t, body);
  }

  /** `loop … end`; a branch to its label jumps back to the start. */
  loop(t: BlockType, body: (l: Label) => void): this {
    return this.structured("loop", 0x03, t, body);
  }

  /** `if … [else …] end`, consuming an i32 condition. */
  if(t: BlockType, then: (l: Label) => void, otherwise?: (l: Label) => void): this {
    return this.structured("if", 0x04, t, (l) => {
      then(l);
      if (otherwise) {
        this.w.u8(0x05);
        otherwise(l);
      }
    });
  }

  private depth(l: Label): number {
    if (l === this.functionLabel) return this.open.length;
    const i = this.open.lastIndexOf(l);
    if (i < 0) throw new Error("wasm encoder: branch to a label whose block is not open");
    return this.open.length - 1 - i;
  }

  br(l: Label): this {
    this.w.u8(0x0c).u32(this.depth(l));
    return this;
  }

  br_if(l: Label): this {
    this.w.u8(0x0d).u32(this.depth(l));
    return this;
  }

  br_table(targets: readonly Label[], fallback: Label): this {
    this.w.u8(0x0e).u32(targets.length);
    for (const t of targets) this.w.u32(this.depth(t));
    this.w.u32(this.depth(fallback));
    return this;
  }

  return(): this {
    this.w.u8(0x0f);
    return this;
  }

  call(f: FuncRef): this {
    this.w.u8(0x10).u32(f.index);
    return this;
  }

  unreachable(): this {
    this.w.u8(0x00);
    return this;
  }

  nop(): this {
    this.w.u8(0x01);
    return this;
  }

  drop(): this {
    this.w.u8(0x1a);
    return this;
  }

  /** `select`: [a, b, cond] → cond ≠ 0 ? a : b (any numeric or vector type). */
  select(): this {
    this.w.u8(0x1b);
    return this;
  }

  /** The body: local declarations (run-length grouped), code, `end`. */
  encode(): Uint8Array {
    const out = new ByteWriter();
    const extra = this.localTypes.slice(this.params.length);
    const groups: [number, ValType][] = [];
    for (const t of extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    out.u32(groups.length);
    for (const [n, t] of groups) out.u32(n).u8(VALTYPE[t]);
    out.bytes(this.w.finish()).u8(0x0b);
    return out.finish();
  }
}

export interface MemoryLimits {
  /** Initial size in 64 KiB pages. */
  readonly initial: number;
  readonly maximum?: number;
  /** A shared memory (threads); needs `maximum`. */
  readonly shared?: boolean;
}

export interface Signature {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/**
 * A module under construction. Imports come first (function indices count imported functions
 * before defined ones), then any mix of declarations, definitions and exports.
 */
export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly typeSigs: Signature[] = [];
  private readonly imports: ByteWriter[] = [];
  private importedFuncs = 0;
  private readonly funcs: { ref: FuncRef; type: number; body: Code | null }[] = [];
  private readonly exports: ByteWriter[] = [];
  private readonly exportNames = new Set<string>();
  private readonly globals: ByteWriter[] = [];
  private memoryImported = false;
  private ownMemory: MemoryLimits | null = null;

  private typeIndex(sig: Signature): number {
    const key = `${sig.params.join(",")}->${sig.results.join(",")}`;
    let i = this.types.indexOf(key);
    if (i < 0) {
      i = this.types.push(key) - 1;
      this.typeSigs.push(sig);
    }
    return i;
  }

  private static limits(w: ByteWriter, l: MemoryLimits): void {
    if (l.shared && l.maximum === undefined) throw new RangeError("wasm encoder: a shared memory needs a maximum size");
    const flags = (l.maximum !== undefined ? 1 : 0) | (l.shared ? 2 : 0);
    w.u8(flags).u32(l.initial);
    if (l.maximum !== undefined) w.u32(l.maximum);
  }

  importMemory(module: string, name: string, limits: MemoryLimits): this {
    if (this.memoryImported || this.ownMemory) throw new Error("wasm encoder: a module has one memory");
    const w = new ByteWriter().name(module).name(name).u8(0x02);
    ModuleBuilder.limits(w, limits);
    this.imports.push(w);
    this.memoryImported = true;
    return this;
  }

  /** A memory defined by the module itself (export it with `exportMemory`). */
  defineMemory(limits: MemoryLimits): this {
    if (this.memoryImported || this.ownMemory) throw new Error("wasm encoder: a module has one memory");
    this.ownMemory = limits;
    return this;
  }

  importFunction(module: string, name: string, sig: Signature): FuncRef {
    if (this.funcs.length > 0) throw new Error("wasm encoder: import functions before defining any");
    const w = new ByteWriter().name(module).name(name).u8(0x00).u32(this.typeIndex(sig));
    this.imports.push(w);
    return new FuncRef(this.importedFuncs++, `${module}.${name}`, sig.params, sig.results);
  }

  global(type: ValType, mutable: boolean, init: (c: Code) => void): GlobalRef {
    const c = new Code([]);
    init(c);
    const w = new ByteWriter()
      .u8(VALTYPE[type])
      .u8(mutable ? 1 : 0)
      .bytes(c.w.finish())
      .u8(0x0b);
    this.globals.push(w);
    return new GlobalRef(this.globals.length - 1, type, mutable);
  }

  /** Reserves a function index (for calls before the body exists); define it later. */
  declare(name: string, sig: Signature): FuncRef {
    const ref = new FuncRef(this.importedFuncs + this.funcs.length, name, sig.params, sig.results);
    this.funcs.push({ ref, type: this.typeIndex(sig), body: null });
    return ref;
  }

  define(ref: FuncRef, build: (c: Code, params: Local[]) => void): FuncRef {
    const f = this.funcs.find((e) => e.ref === ref);
    if (!f) throw new Error(`wasm encoder: ${ref.name} was not declared in this module`);
    if (f.body) throw new Error(`wasm encoder: ${ref.name} is already defined`);
    const c = new Code(ref.params);
    build(c, c.paramLocals());
    f.body = c;
    return ref;
  }

  /** Declares and defines a function in one step. */
  func(name: string, sig: Signature, build: (c: Code, params: Local[]) => void): FuncRef {
    return this.define(this.declare(name, sig), build);
  }

  private exportEntry(name: string, kind: number, index: number): void {
    if (this.exportNames.has(name)) throw new Error(`wasm encoder: duplicate export ${JSON.stringify(name)}`);
    this.exportNames.add(name);
    this.exports.push(new ByteWriter().name(name).u8(kind).u32(index));
  }

  exportFunc(ref: FuncRef, name: string = ref.name): this {
    this.exportEntry(name, 0x00, ref.index);
    return this;
  }

  exportMemory(name: string): this {
    if (!this.memoryImported && !this.ownMemory) throw new Error("wasm encoder: no memory to export");
    this.exportEntry(name, 0x02, 0);
    return this;
  }

  toBytes(): Uint8Array<ArrayBuffer> {
    const out = new ByteWriter().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, items: readonly ByteWriter[] | null, fill?: (w: ByteWriter) => void) => {
      const w = new ByteWriter();
      if (items) {
        if (items.length === 0) return;
        w.u32(items.length);
        for (const it of items) w.bytes(it.finish());
      } else fill?.(w);
      out.u8(id).sized(w);
    };
    section(1, null, (w) => {
      w.u32(this.typeSigs.length);
      for (const s of this.typeSigs) {
        w.u8(0x60).u32(s.params.length);
        for (const p of s.params) w.u8(VALTYPE[p]);
        w.u32(s.results.length);
        for (const r of s.results) w.u8(VALTYPE[r]);
      }
    });
    section(2, this.imports);
    if (this.funcs.length > 0)
      section(
        3,
        this.funcs.map((f) => new ByteWriter().u32(f.type)),
      );
    const own = this.ownMemory;
    if (own) section(5, null, (w) => ModuleBuilder.limits(w.u32(1), own));
    section(6, this.globals);
    section(7, this.exports);
    const bodies = this.funcs.map((f) => {
      if (!f.body) throw new Error(`wasm encoder: ${f.ref.name} was declared but never defined`);
      return new ByteWriter().sized(wrap(f.body.encode()));
    });
    if (bodies.length > 0) section(10, bodies);
    return out.finish();
  }
}

function wrap(bytes: Uint8Array): ByteWriter {
  return new ByteWriter().bytes(bytes);
}
