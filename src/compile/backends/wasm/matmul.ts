/**
 * float32 matrix multiplication in WebAssembly SIMD, blocked as in BLIS (Goto & van de Geijn):
 *
 *   for jc in n by NC:                    B panel kc×nc, packed once per (jc, pc)
 *     for pc in k by KC:                  the K block: packed panels stay in cache while used
 *       pack B[pc:pc+kc, jc:jc+nc] into NR-wide column micro-panels (k-major, zero-padded)
 *       for ic in m by MC:
 *         pack A[ic:ic+mc, pc:pc+kc] into MR-tall row micro-panels (k-major, zero-padded)
 *         for jr in nc by NR, ir in mc by MR: the micro-kernel on an MR×NR tile of C
 *
 * The micro-kernel keeps the MR×NR tile in v128 locals (MR·NR/4 accumulators), loads NR/4 vectors
 * of the packed B row and broadcasts each A value with `v128.load32_splat`, so every k step is
 * MR·NR/4 multiplies and adds with no shuffles. Packing makes the operands' layout irrelevant:
 * A and B are read through (row, column) element strides, so AᵀB and ABᵀ (the transposes
 * backprop needs) cost the same as AB. Edge tiles compute a full zero-padded tile and write
 * back only the valid part. The last K block optionally fuses `+ bias[j]` and `max(·, 0)`.
 *
 * The module imports its memory, so the same code runs on one thread or on several threads
 * over a shared memory (each caller passes its own work area and a row block of C).
 * Browser-safe: no Node imports.
 */
import { type Code, type FuncRef, type Local, ModuleBuilder } from "./encoder.js";

export interface MatmulBlocking {
  /** Rows of the register tile. */
  readonly mr: number;
  /** Columns of the register tile (a multiple of 4). */
  readonly nr: number;
  /** K block: packed panels hold kc values per row/column. */
  readonly kc: number;
  /** Rows of A packed at once (the L2-resident block). */
  readonly mc: number;
  /** Columns of B packed at once. */
  readonly nc: number;
  /** Unrolling of the micro-kernel's k loop (1 measured fastest under V8: unrolled bodies spill). */
  readonly unroll: number;
  /** Fused multiply-add through relaxed SIMD (`f32x4.relaxed_madd`); needs `relaxedSimdSupported()`. */
  readonly fma?: boolean;
}

/**
 * Measured on the 2-core Xeon of this project (Node 20): the 4×8 tile reaches ≈ 40 GFLOP/s on
 * one core for n = 128…1024, close to the throughput of separate multiply and add; 5×8, 6×8,
 * 4×12, 3×16, 2×16, 8×4 and 8×8 were no faster, and unrolling k was slower.
 * kc·nr·4 = 8 KiB of B panel stays in L1, mc·kc·4 = 128 KiB of packed A in L2.
 */
export const DEFAULT_BLOCKING: MatmulBlocking = { mr: 4, nr: 8, kc: 256, mc: 128, nc: 1024, unroll: 1 };

let relaxed: boolean | null = null;

/** Whether this engine accepts relaxed SIMD (Node 22+, Chromium; Node 20 needs a flag). */
export function relaxedSimdSupported(): boolean {
  if (relaxed === null) {
    const mb = new ModuleBuilder();
    mb.func("f", { params: ["v128"], results: ["v128"] }, (c, [x]) => c.get(x).get(x).get(x).f32x4.relaxed_madd());
    relaxed = WebAssembly.validate(mb.toBytes());
  }
  return relaxed;
}

/** Flags of the fused epilogue, applied after the last K block. */
export const EPILOGUE_BIAS = 2;
export const EPILOGUE_RELU = 4;
/** Internal: add into C (every K block after the first). */
const ACCUMULATE = 1;

/** Bytes of work area one `sgemm` call needs (packed A, packed B, one tile of scratch). */
export function workBytes(b: MatmulBlocking): number {
  const a = Math.ceil(b.mc / b.mr) * b.mr * b.kc * 4;
  const bb = Math.ceil(b.nc / b.nr) * b.nr * b.kc * 4;
  return a + bb + b.mr * b.nr * 4 + 64;
}

function checkBlocking(b: MatmulBlocking): void {
  const ok =
    b.nr % 4 === 0 &&
    b.nr > 0 &&
    b.mr > 0 &&
    b.mr * (b.nr / 4) <= 16 &&
    b.kc > 0 &&
    b.mc % b.mr === 0 &&
    b.nc % b.nr === 0 &&
    b.unroll >= 1;
  if (!ok) throw new RangeError(`matmul: bad blocking ${JSON.stringify(b)} (nr % 4, mc % mr, nc % nr must be 0)`);
}

/** `for (i = 0; i < n; i += step) body` with i32 locals. */
function forUp(c: Code, i: Local, n: Local | number, step: number, body: () => void): void {
  c.i32.const(0).set(i);
  c.block("void", (done) => {
    c.loop("void", (top) => {
      c.get(i);
      typeof n === "number" ? c.i32.const(n) : c.get(n);
      c.i32.ge_s().br_if(done);
      body();
      c.get(i).i32.const(step).i32.add().set(i).br(top);
    });
  });
}

/** dst = min(cap, total − start). */
function setMin(c: Code, dst: Local, cap: number, total: Local, start: Local): void {
  c.i32.const(cap).get(total).get(start).i32.sub().tee(dst).i32.const(cap).get(dst).i32.lt_s().select().set(dst);
}

/**
 * Packs rows × cols of a strided matrix (element (i, j) at src + i·rs + j·cs bytes) into
 * micro-panels `w` wide along j: panel P holds, for each i, the w values j ∈ [P·w, P·w + w),
 * zero past `cols`. Used for B (i = k index, j = column) and, transposed, for A.
 */
function definePack(m: ModuleBuilder, name: string, w: number) {
  return m.func(name, { params: ["i32", "i32", "i32", "i32", "i32", "i32"], results: [] }, (c, params) => {
    const [src, rs, cs, rows, cols, dst] = params;
    const j0 = c.local("i32");
    const i = c.local("i32");
    const jj = c.local("i32");
    const s = c.local("i32");
    const d = c.local("i32");
    const width = c.local("i32");
    c.get(dst).set(d);
    forUp(c, j0, cols, w, () => {
      setMin(c, width, w, cols, j0);
      forUp(c, i, rows, 1, () => {
        // s = src + i·rs + j0·cs
        c.get(src).get(i).get(rs).i32.mul().i32.add().get(j0).get(cs).i32.mul().i32.add().set(s);
        const strided = () => {
          for (let e = 0; e < w; e++)
            c.get(d)
              .f32.const(0)
              .f32.store({ offset: 4 * e });
          forUp(c, jj, width, 1, () => {
            c.get(d).get(jj).i32.const(2).i32.shl().i32.add();
            c.get(s).get(jj).get(cs).i32.mul().i32.add().f32.load();
            c.f32.store();
          });
        };
        if (w % 4 === 0) {
          // A full, contiguous run is w/4 vector copies.
          c.get(width).i32.const(w).i32.eq();
          c.get(cs).i32.const(4).i32.eq().i32.and();
          c.if(
            "void",
            () => {
              for (let v = 0; v < w / 4; v++) {
                c.get(d)
                  .get(s)
                  .v128.load({ offset: 16 * v, align: 2 });
                c.v128.store({ offset: 16 * v, align: 2 });
              }
            },
            strided,
          );
        } else strided();
        c.get(d)
          .i32.const(4 * w)
          .i32.add()
          .set(d);
      });
    });
  });
}

/** The MR×NR micro-kernel over kc packed steps, with the write-back and fused epilogue. */
function defineKernel(m: ModuleBuilder, b: MatmulBlocking) {
  const { mr: MR, nr: NR, unroll: U } = b;
  const NV = NR / 4;
  const params = ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"] as const;
  return m.func("axle_sgemm_tile", { params: [...params], results: [] }, (c, ps) => {
    const [pa, pb, cp, ldcb, kc, mode, mr, nr, bias, scratch] = ps;
    const acc = Array.from({ length: MR }, () => Array.from({ length: NV }, () => c.local("v128")));
    const bv = Array.from({ length: NV }, () => c.local("v128"));
    const av = c.local("v128");
    const p = c.local("i32");
    const step = (u: number) => {
      for (let v = 0; v < NV; v++)
        c.get(pb)
          .v128.load({ offset: 4 * (u * NR + 4 * v), align: 2 })
          .set(bv[v]);
      for (let r = 0; r < MR; r++) {
        c.get(pa)
          .v128.load32_splat({ offset: 4 * (u * MR + r) })
          .set(av);
        for (let v = 0; v < NV; v++) {
          if (b.fma) c.get(av).get(bv[v]).get(acc[r][v]).f32x4.relaxed_madd().set(acc[r][v]);
          else c.get(acc[r][v]).get(av).get(bv[v]).f32x4.mul().f32x4.add().set(acc[r][v]);
        }
      }
    };
    c.get(kc).set(p);
    const loop = (n: number) =>
      c.block("void", (done) => {
        c.loop("void", (top) => {
          c.get(p).i32.const(n).i32.lt_s().br_if(done);
          for (let u = 0; u < n; u++) step(u);
          c.get(pa)
            .i32.const(4 * MR * n)
            .i32.add()
            .set(pa);
          c.get(pb)
            .i32.const(4 * NR * n)
            .i32.add()
            .set(pb);
          c.get(p).i32.const(n).i32.sub().set(p).br(top);
        });
      });
    if (U > 1) loop(U);
    loop(1);
    // Applies the epilogue to the value on the stack; `load`/`biasAt` push C's and bias's values.
    const epilogue = (vec: boolean, loadC: () => void, loadBias: () => void) => {
      const tmp = vec ? c.local("v128") : c.local("f32");
      c.set(tmp);
      c.get(mode)
        .i32.const(ACCUMULATE)
        .i32.and()
        .if("void", () => {
          c.get(tmp);
          loadC();
          vec ? c.f32x4.add() : c.f32.add();
          c.set(tmp);
        });
      c.get(mode)
        .i32.const(EPILOGUE_BIAS)
        .i32.and()
        .if("void", () => {
          c.get(tmp);
          loadBias();
          vec ? c.f32x4.add() : c.f32.add();
          c.set(tmp);
        });
      c.get(mode)
        .i32.const(EPILOGUE_RELU)
        .i32.and()
        .if("void", () => {
          // max(x, 0) that keeps NaN (as jnp.maximum does).
          c.get(tmp);
          if (vec) c.v128.const(new Uint8Array(16)).f32x4.max();
          else c.f32.const(0).f32.max();
          c.set(tmp);
        });
      c.get(tmp);
    };
    c.get(mr)
      .i32.const(MR)
      .i32.eq()
      .get(nr)
      .i32.const(NR)
      .i32.eq()
      .i32.and()
      .if(
        "void",
        () => {
          const row = c.local("i32");
          for (let r = 0; r < MR; r++) {
            c.get(cp).get(ldcb).i32.const(r).i32.mul().i32.add().set(row);
            for (let v = 0; v < NV; v++) {
              c.get(row);
              c.get(acc[r][v]);
              epilogue(
                true,
                () => c.get(row).v128.load({ offset: 16 * v, align: 2 }),
                () => c.get(bias).v128.load({ offset: 16 * v, align: 2 }),
              );
              c.v128.store({ offset: 16 * v, align: 2 });
            }
          }
        },
        () => {
          // Edge tile: spill the accumulators, write back the valid mr × nr corner.
          for (let r = 0; r < MR; r++)
            for (let v = 0; v < NV; v++)
              c.get(scratch)
                .get(acc[r][v])
                .v128.store({ offset: 4 * (r * NR + 4 * v) });
          const r = c.local("i32");
          const j = c.local("i32");
          const addr = c.local("i32");
          forUp(c, r, mr, 1, () => {
            forUp(c, j, nr, 1, () => {
              c.get(cp).get(r).get(ldcb).i32.mul().i32.add().get(j).i32.const(2).i32.shl().i32.add().set(addr);
              c.get(addr);
              c.get(scratch).get(r).i32.const(NR).i32.mul().get(j).i32.add().i32.const(2).i32.shl().i32.add().f32.load();
              epilogue(
                false,
                () => c.get(addr).f32.load(),
                () => c.get(bias).get(j).i32.const(2).i32.shl().i32.add().f32.load(),
              );
              c.f32.store();
            });
          });
        },
      );
  });
}

export const SGEMM_PARAMS = ["m", "n", "k", "a", "rsA", "csA", "b", "rsB", "csB", "c", "ldc", "bias", "flags", "work"] as const;

/**
 * A module exporting `sgemm(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, bias, flags, work)`:
 * C[m×n] (row stride ldc) = A[m×k]·B[k×n] (+ bias[n]) (relu), where A's element (i, p) is at
 * a + 4·(i·rsA + p·csA) and B's (p, j) at b + 4·(p·rsB + j·csB); `work` points to
 * `workBytes(blocking)` bytes of scratch. All pointers are byte offsets into the imported memory.
 * k must be ≥ 1 (the caller zero-fills for k = 0).
 */
export function buildSgemmModule(
  blocking: MatmulBlocking = DEFAULT_BLOCKING,
  memory: { shared: boolean; maximum?: number } = { shared: false },
): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder();
  mb.importMemory("env", "memory", {
    initial: 1,
    maximum: memory.maximum ?? (memory.shared ? 65536 : undefined),
    shared: memory.shared,
  });
  mb.exportFunc(defineSgemm(mb, blocking));
  return mb.toBytes();
}

/** Adds `sgemm` (see buildSgemmModule) and its helpers to a module, for programs that contain products. */
export function defineSgemm(mb: ModuleBuilder, blocking: MatmulBlocking = DEFAULT_BLOCKING): FuncRef {
  checkBlocking(blocking);
  const { mr: MR, nr: NR, kc: KC, mc: MC, nc: NC } = blocking;
  const packB = definePack(mb, "axle_pack_b", NR);
  const packA = definePack(mb, "axle_pack_a", MR);
  const tile = defineKernel(mb, blocking);
  const sizeA = Math.ceil(MC / MR) * MR * KC * 4;
  const sizeB = Math.ceil(NC / NR) * NR * KC * 4;
  const sgemm = mb.func("sgemm", { params: SGEMM_PARAMS.map(() => "i32" as const), results: [] }, (c, ps) => {
    const [m, n, k, a, rsA, csA, b, rsB, csB, cc, ldc, bias, flags, work] = ps;
    const [jc, pc, ic, jr, ir, nc, kc, mc, nr, mr, mode, wa, wb, scratch] = Array.from({ length: 14 }, () => c.local("i32"));
    const toBytes = (l: Local) => c.get(l).i32.const(2).i32.shl().set(l);
    for (const l of [rsA, csA, rsB, csB, ldc]) toBytes(l);
    c.get(work).set(wa);
    c.get(work).i32.const(sizeA).i32.add().set(wb);
    c.get(wb).i32.const(sizeB).i32.add().set(scratch);
    forUp(c, jc, n, NC, () => {
      setMin(c, nc, NC, n, jc);
      forUp(c, pc, k, KC, () => {
        setMin(c, kc, KC, k, pc);
        // b + pc·rsB + jc·csB, packed as kc rows of nc columns in NR-wide panels.
        c.get(b).get(pc).get(rsB).i32.mul().i32.add().get(jc).get(csB).i32.mul().i32.add();
        c.get(rsB).get(csB).get(kc).get(nc).get(wb).call(packB);
        // mode: accumulate after the first K block; the epilogue on the last one.
        c.get(pc).i32.const(0).i32.gt_s();
        c.get(flags).i32.const(0).get(pc).get(kc).i32.add().get(k).i32.eq().select().i32.or().set(mode);
        forUp(c, ic, m, MC, () => {
          setMin(c, mc, MC, m, ic);
          // A block transposed into MR-wide panels: "rows" are k, "columns" are i.
          c.get(a).get(ic).get(rsA).i32.mul().i32.add().get(pc).get(csA).i32.mul().i32.add();
          c.get(csA).get(rsA).get(kc).get(mc).get(wa).call(packA);
          forUp(c, jr, nc, NR, () => {
            setMin(c, nr, NR, nc, jr);
            forUp(c, ir, mc, MR, () => {
              setMin(c, mr, MR, mc, ir);
              c.get(wa).get(ir).get(kc).i32.mul().i32.const(2).i32.shl().i32.add();
              c.get(wb).get(jr).get(kc).i32.mul().i32.const(2).i32.shl().i32.add();
              c.get(cc)
                .get(ic)
                .get(ir)
                .i32.add()
                .get(ldc)
                .i32.mul()
                .i32.add()
                .get(jc)
                .get(jr)
                .i32.add()
                .i32.const(2)
                .i32.shl()
                .i32.add();
              c.get(ldc).get(kc).get(mode).get(mr).get(nr);
              c.get(bias).get(jc).get(jr).i32.add().i32.const(2).i32.shl().i32.add();
              c.get(scratch).call(tile);
            });
          });
        });
      });
    });
  });
  return sgemm;
}
