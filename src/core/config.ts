/**
 * Global options, like `jax.config`: `config.update({ debugNans: true })` for the rest of the
 * program, `withConfig({ debugNans: true }, fn)` for one call. The options are read only at the
 * boundaries where values become concrete (an eager primitive's result, a compiled program's
 * outputs), never inside kernels, so with every check off the cost is one boolean test there.
 */
import type { ConcreteArray } from "./array.js";
import { ValueError } from "./errors.js";
import type { Params, Primitive } from "./primitive.js";

export interface ConfigOptions {
  /** Raise a `FloatingPointError` at the first primitive that produces a NaN (from inputs without one). */
  debugNans: boolean;
  /** Raise a `FloatingPointError` at the first primitive that produces ±Infinity (from inputs without one). */
  debugInfs: boolean;
}

const KEYS: readonly (keyof ConfigOptions)[] = ["debugNans", "debugInfs"];

/**
 * The live flags, read by the trace and jit boundaries. `check` is `debugNans || debugInfs`, kept
 * up to date so the hot paths test a single field.
 */
export const flags = { debugNans: false, debugInfs: false, check: false };

/** What runs when a flag is on (installed by src/ir/float-check.ts, which the trace cannot import). */
export const hooks: {
  eagerCheck: ((prim: Primitive, ins: readonly ConcreteArray[], params: Params, outs: readonly ConcreteArray[]) => void) | null;
} = { eagerCheck: null };

function validate(op: string, opts: Partial<ConfigOptions>): void {
  if (opts === null || typeof opts !== "object") throw new ValueError(`${op}: expected an options object, got ${String(opts)}`);
  for (const [k, v] of Object.entries(opts)) {
    if (!(KEYS as readonly string[]).includes(k)) {
      throw new ValueError(`${op}: unknown option ${JSON.stringify(k)}; the options are ${KEYS.join(", ")}`);
    }
    if (v !== undefined && typeof v !== "boolean") {
      throw new ValueError(`${op}: option ${k} must be true or false, got ${JSON.stringify(v)}`);
    }
  }
}

function apply(opts: Partial<ConfigOptions>): void {
  if (opts.debugNans !== undefined) flags.debugNans = opts.debugNans;
  if (opts.debugInfs !== undefined) flags.debugInfs = opts.debugInfs;
  flags.check = flags.debugNans || flags.debugInfs;
}

export const config = {
  /** Set options for the rest of the program: `config.update({ debugNans: true })`. */
  update(opts: Partial<ConfigOptions>): void {
    validate("config.update", opts);
    apply(opts);
  },
  /** The current options (a copy). */
  get(): ConfigOptions {
    return { debugNans: flags.debugNans, debugInfs: flags.debugInfs };
  },
};

/**
 * Run `fn` with `opts` set, restoring the previous options when it returns or throws.
 * @example withConfig({ debugNans: true }, () => np.log(np.array([-1])))  // throws FloatingPointError
 */
export function withConfig<T>(opts: Partial<ConfigOptions>, fn: () => T): T {
  validate("withConfig", opts);
  const prev = config.get();
  apply(opts);
  try {
    return fn();
  } finally {
    apply(prev);
  }
}
