/**
 * A tiny counter-based generator for the datasets module, seeded by a plain number. Draw i of seed s
 * is a hash of (s, i), so a seed always replays the same stream. This is not the `random` module's
 * key-splitting PRNG and not for cryptography; it only needs to be deterministic and well mixed.
 */
import { Array } from "../core/array.js";
import { ValueError } from "../core/errors.js";

const GOLDEN = 0x9e3779b9;
const TWO_32 = 4294967296;

/** lowbias32 (C. Wellons' hash-prospector): a bijection on uint32 with strong avalanche. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x21f0aaad);
  x ^= x >>> 15;
  x = Math.imul(x, 0x735a2d97);
  x ^= x >>> 15;
  return x >>> 0;
}

/** An option value as an error message shows it: a string quoted, so "10" is not mistaken for 10. */
export function shown(v: unknown): string {
  return typeof v === "string" ? `${JSON.stringify(v)} (a string)` : String(v);
}

/** A dataset seed: a safe integer, or a PRNG key from `random.key` (uint32[2]). */
export type Seed = number | Array;

/**
 * Check a seed option: any safe integer (negative allowed), or a concrete uint32[2] key, whose
 * 64 bits are folded into 53 (the top 11 bits of the first word are xor-ed into its low bits).
 */
export function checkSeed(op: string, seed: unknown): number {
  if (seed instanceof Array) {
    if (seed.dtype !== "uint32" || seed.ndim !== 1 || seed.shape[0] !== 2) {
      throw new ValueError(`${op}: a key seed must be a uint32[2] PRNG key (random.key(n)), got ${seed.aval.str()}`);
    }
    const [k0, k1] = seed.data();
    const hi = ((k0 & 0x1fffff) ^ (k0 >>> 21)) >>> 0;
    return hi * TWO_32 + k1;
  }
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new ValueError(`${op}: seed must be an integer number or a PRNG key, got ${shown(seed)}; pass e.g. { seed: 0 }`);
  }
  return seed;
}

/** A stream of draws from a numeric seed. */
export class Stream {
  readonly #key: number;
  #counter = 0;

  /** `salt` picks an independent stream for the same seed (e.g. one for centers, one for noise). */
  constructor(seed: number, salt = 0) {
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_32) >>> 0;
    this.#key = mix32(lo ^ mix32(hi ^ mix32(salt ^ 0x85ebca6b)));
  }

  /** Next 32 random bits as an unsigned integer. */
  uint32(): number {
    const c = this.#counter++;
    return mix32((this.#key + Math.imul(c, GOLDEN)) >>> 0);
  }

  /** Uniform in the open interval (0, 1): never 0, so log() of it is finite. */
  uniform(): number {
    return (this.uint32() + 0.5) / TWO_32;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal (Box–Muller; uses two draws). */
  normal(): number {
    const u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
