/**
 * Contractions small enough to stay in cache, as code specialised to their shape: every size,
 * stride and address is a constant of the module, so there is no packing of A, no call per tile
 * and no edge-tile scratch. The register tile is MR×NR (4 rows × 8 columns: 8 f32x4
 * accumulators); each k step loads the tile's row of B (two vectors; narrower loads at the right
 * edge, never past the row) and broadcasts one A value per row with `v128.load32_splat`, whose
 * address is a constant offset from one pointer, so A is read through any strides. B is read in
 * place when its columns are contiguous and otherwise copied once per batch item into a
 * contiguous k×n panel of the work area. Each output is Σ_p a·b accumulated in float32 from +0
 * in p order (the blocked sgemm's order for k ≤ its K block), so it is within the same γ_k bound.
 */
import { repeat } from "./access.js";
import type { Code, Local } from "./encoder.js";

const MR = 4;
const NR = 8;

/** Element strides of a batch of matrices: element (t, i, j) at 4·(t·bs + i·rs + j·cs) bytes on. */
export interface Strides {
  readonly bs: number;
  readonly rs: number;
  readonly cs: number;
}

/** A strided float32 matrix at a byte address. */
export interface SmallOperand extends Strides {
  readonly addr: number;
}

/** A product's sizes and strides, without addresses. */
export interface ProductShape {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly a: Strides;
  readonly b: Strides;
}

export interface SmallContraction {
  readonly batch: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly a: SmallOperand;
  readonly b: SmallOperand;
  /** Byte address of the row-major [batch, m, n] output. */
  readonly out: number;
  /** f32x4.relaxed_madd instead of multiply then add (needs relaxed SIMD). */
  readonly fma?: boolean;
}

/** Bytes of work area a contraction needs (the packed B panel when B's columns are strided). */
export function smallWorkBytes(s: ProductShape): number {
  return s.b.cs === 1 ? 0 : 4 * s.k * s.n;
}

/**
 * Whether the specialised kernel suits this product: B (k×n, read once per 4 rows of A) fits in
 * L2 with room to spare, and every stride is non-negative (A's row offsets are memory
 * immediates). Larger products run the blocked sgemm, whose packing keeps panels in L1.
 */
export function smallFits(s: ProductShape): boolean {
  const strides = [s.a.bs, s.a.rs, s.a.cs, s.b.bs, s.b.rs, s.b.cs];
  return strides.every((x) => x >= 0) && 4 * s.k * s.n <= 256 * 1024 && s.k <= 4096;
}

const addTo = (c: Code, l: Local, bytes: number) => {
  if (bytes !== 0) c.get(l).i32.const(bytes).i32.add().set(l);
};

/** Emits the whole contraction (batch loop included) into `c`; `work` is the packing area's byte address. */
export function emitSmallContraction(c: Code, s: SmallContraction, work: number): void {
  const { batch, m, k, n, a, b } = s;
  if (batch * m * n === 0) return;
  // (k = 0 runs no k step: every output is the accumulators' +0.)
  const pack = b.cs !== 1;
  const acc = Array.from({ length: MR }, () => [c.local("v128"), c.local("v128")]);
  const bv = [c.local("v128"), c.local("v128")];
  const av = c.local("v128");
  const [pa, pb, rowA, rowC, colB, colC, baseA, baseB, baseC] = Array.from({ length: 9 }, () => c.local("i32"));
  // B as the kernel reads it: rows of n contiguous values, `rsB` elements apart.
  const rsB = pack ? n : b.rs;
  c.i32.const(a.addr).set(baseA);
  c.i32.const(b.addr).set(baseB);
  c.i32.const(s.out).set(baseC);

  /** One MR'×width tile at (rowA/rowC, colB/colC): rows ≤ MR, width ≤ NR. */
  const tile = (rows: number, width: number) => {
    const nv = Math.ceil(width / 4);
    const lanes = (v: number) => Math.min(4, width - 4 * v);
    for (let r = 0; r < rows; r++) for (let v = 0; v < nv; v++) c.v128.const(new Uint8Array(16)).set(acc[r][v]);
    c.get(rowA).set(pa);
    c.get(colB).set(pb);
    repeat(c, k, () => {
      for (let v = 0; v < nv; v++) {
        const off = 16 * v;
        c.get(pb);
        const w = lanes(v);
        if (w === 4) c.v128.load({ offset: off, align: 0 });
        else if (w === 2) c.v128.load64_zero({ offset: off, align: 0 });
        else if (w === 1) c.v128.load32_zero({ offset: off, align: 0 });
        else {
          c.v128.load64_zero({ offset: off, align: 0 }).set(bv[v]);
          c.get(pb)
            .get(bv[v])
            .v128.load32_lane(2, { offset: off + 8, align: 0 });
        }
        c.set(bv[v]);
      }
      for (let r = 0; r < rows; r++) {
        c.get(pa)
          .v128.load32_splat({ offset: 4 * r * a.rs, align: 0 })
          .set(av);
        for (let v = 0; v < nv; v++) {
          if (s.fma) c.get(av).get(bv[v]).get(acc[r][v]).f32x4.relaxed_madd().set(acc[r][v]);
          else c.get(acc[r][v]).get(av).get(bv[v]).f32x4.mul().f32x4.add().set(acc[r][v]);
        }
      }
      addTo(c, pa, 4 * a.cs);
      addTo(c, pb, 4 * rsB);
    });
    for (let r = 0; r < rows; r++) {
      for (let v = 0; v < nv; v++) {
        const off = 4 * (r * n + 4 * v);
        const w = lanes(v);
        if (w === 4) c.get(colC).get(acc[r][v]).v128.store({ offset: off, align: 0 });
        else
          for (let e = 0; e < w; e++)
            c.get(colC)
              .get(acc[r][v])
              .v128.store32_lane(e, { offset: off + 4 * e, align: 0 });
      }
    }
  };

  /** A block of `rows` rows starting at rowA/rowC: full tiles across, then the narrower edge tile. */
  const rowBlock = (rows: number) => {
    c.get(baseB).set(colB);
    c.get(rowC).set(colC);
    // B's rows are contiguous (in place or packed): the next tile starts NR values on.
    repeat(c, Math.floor(n / NR), () => {
      tile(rows, NR);
      addTo(c, colB, 4 * NR);
      addTo(c, colC, 4 * NR);
    });
    if (n % NR > 0) tile(rows, n % NR);
  };

  repeat(c, batch, () => {
    if (pack) {
      // B's k×n values into a row-major panel at `work` (row stride n).
      const [src, row, dst] = [c.local("i32"), c.local("i32"), c.local("i32")];
      c.get(baseB).set(row);
      c.i32.const(work).set(dst);
      repeat(c, k, () => {
        c.get(row).set(src);
        repeat(c, n, () => {
          c.get(dst).get(src).f32.load({ align: 0 }).f32.store({ align: 0 });
          addTo(c, src, 4 * b.cs);
          addTo(c, dst, 4);
        });
        addTo(c, row, 4 * b.rs);
      });
    }
    const savedB = pack ? c.local("i32") : null;
    if (savedB !== null) {
      c.get(baseB).set(savedB);
      c.i32.const(work).set(baseB);
    }
    c.get(baseA).set(rowA);
    c.get(baseC).set(rowC);
    repeat(c, Math.floor(m / MR), () => {
      rowBlock(MR);
      addTo(c, rowA, 4 * MR * a.rs);
      addTo(c, rowC, 4 * MR * n);
    });
    if (m % MR > 0) rowBlock(m % MR);
    if (savedB !== null) c.get(savedB).set(baseB);
    addTo(c, baseA, 4 * a.bs);
    addTo(c, baseB, 4 * b.bs);
    addTo(c, baseC, 4 * m * n);
  });
}
