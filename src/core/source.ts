/**
 * Source information: the user's call site of a primitive, i.e. the first stack frame outside
 * axle's own files (src/ when run from source, dist/ when installed). Capturing is cheap: only an
 * `Error` is made (V8 records the frames; the text is formatted on first read), and it is parsed
 * on demand, when an error message or a printout asks for the location.
 */

import { transformSnapshot } from "./errors.js";

/**
 * Frames to record. Axle's own frames come first (the staging trace, bind, an np composite, a
 * rule); recording costs about 0.15 µs a frame, so the depth is what the cost is. 24 reaches the
 * user's frame from np/nn calls, rules and composites (one stack serves a whole outermost bind,
 * recorded where its first equation is staged); a deeper site reads "<unknown>".
 */
const DEPTH = 24;

/** Where `f:line:col` of a V8 stack line is: the innermost location (an eval's own, not its caller's). */
function frameLocation(line: string): string {
  let s = line.trim().replace(/^at /, "");
  // `fn (loc)`: the location is in the parentheses.
  if (s.endsWith(")")) s = s.slice(s.indexOf("(") + 1, -1);
  // `eval at run (file:1:2), <anonymous>:3:4`: the code's own location is after the comma.
  const comma = s.lastIndexOf(", ");
  return comma >= 0 ? s.slice(comma + 2) : s;
}

/**
 * What axle's own frames start with: the directory holding core/ (src/ or dist/), found from this
 * module's own frame (import.meta is not available in every bundle), or the bundle file itself.
 */
const OWN = (() => {
  const line = (new Error().stack ?? "").split("\n").find((l) => /^\s+at /.test(l));
  const self = line === undefined ? "" : frameLocation(line).replace(/:\d+:\d+$/, "");
  return self.replace(/core[/\\]source\.[cm]?[jt]s$/, "");
})();

function isOwn(loc: string): boolean {
  // Native frames and bare "<anonymous>" carry no position; node: frames are the runtime's.
  if (!/:\d+:\d+$/.test(loc) || loc.startsWith("node:")) return true;
  return (OWN !== "" && loc.startsWith(OWN)) || loc.includes("/node_modules/axle/");
}

/** Shorten an absolute location to one relative to the working directory when it is below it. */
function shorten(loc: string): string {
  const cwd = typeof process !== "undefined" && typeof process.cwd === "function" ? `${process.cwd()}/` : null;
  const path = loc.startsWith("file://") ? decodeURIComponent(loc.slice(7)) : loc;
  return cwd !== null && path.startsWith(cwd) ? path.slice(cwd.length) : path;
}

/** A user call site, parsed on demand. */
export class SourceInfo {
  #error: Error | null;
  #location: string | null | undefined;
  readonly #transforms: readonly string[];
  constructor(error: Error, transforms: readonly string[] = []) {
    this.#error = error;
    this.#transforms = transforms;
  }
  /** The transforms that were tracing when the site was recorded, innermost first. */
  get transforms(): string[] {
    return [...this.#transforms].reverse();
  }
  /** `file:line:col` of the first frame outside axle, or null when every recorded frame is axle's. */
  get location(): string | null {
    if (this.#location === undefined) {
      const lines = (this.#error?.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
      this.#location = null;
      for (const l of lines) {
        const loc = frameLocation(l);
        if (!isOwn(loc)) {
          this.#location = shorten(loc);
          break;
        }
      }
      this.#error = null;
    }
    return this.#location;
  }
  toString(): string {
    return this.location ?? "<unknown>";
  }
}

/** Internal: whether staging records call sites (off only to measure what recording costs). */
export const sourceRecording = { on: true };

const UNRECORDED = new SourceInfo(new Error("unrecorded"));

/**
 * The outermost `bind` in progress: everything it stages (a rule's primitives under grad inside
 * jit, a composite's parts) comes from one user call, so one recorded stack serves them all.
 */
export const sourceScope: { open: boolean; info: SourceInfo | undefined } = { open: false, info: undefined };

/** Record the current call stack (parsed only if asked); once per outermost bind. */
export function captureSource(): SourceInfo {
  if (!sourceRecording.on) return UNRECORDED;
  if (sourceScope.open) {
    if (sourceScope.info === undefined) sourceScope.info = capture();
    return sourceScope.info;
  }
  return capture();
}

function capture(): SourceInfo {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = DEPTH;
  const e = new Error();
  Error.stackTraceLimit = limit;
  return new SourceInfo(e, transformSnapshot());
}

/**
 * The source of the equation being evaluated by an IR interpreter (evalIr), if any: an eager
 * primitive run for an IR equation reports the equation's recorded site, not the interpreter's caller.
 */
let current: SourceInfo | undefined;

export function currentSource(): SourceInfo | undefined {
  return current;
}

export function setCurrentSource(s: SourceInfo | undefined): SourceInfo | undefined {
  const prev = current;
  current = s;
  return prev;
}
