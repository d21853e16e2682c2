/** Shared plumbing for the examples: fast mode, output folder, "run when executed directly". */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export interface ExampleOptions {
  /** Fewer epochs and no plots' heavy parts: used by the smoke tests. */
  fast?: boolean;
  /** Where pictures go (default out/<name>). */
  outDir?: string;
  /** Print the report (default true). */
  verbose?: boolean;
}

export function outDir(name: string, opts: ExampleOptions): string {
  return resolve(opts.outDir ?? `out/${name}`);
}

/** True when `metaUrl`'s module is the program being run (npx tsx examples/x.ts). */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === metaUrl;
}

export function logger(opts: ExampleOptions): (...args: unknown[]) => void {
  return opts.verbose === false ? () => {} : (...args) => console.log(...args);
}

/** Fixed-width number formatting for report tables. */
export function fmt(x: number, digits = 4): string {
  return (x >= 0 ? " " : "") + x.toFixed(digits);
}
