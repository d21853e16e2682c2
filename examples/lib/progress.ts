/** A progress bar for long loops; silent when not on a TTY or under CI (and in fast mode). */
import cliProgress from "cli-progress";

export interface Progress {
  tick(info?: Record<string, string | number>): void;
  stop(): void;
}

export function progress(label: string, total: number, opts: { quiet?: boolean } = {}): Progress {
  const quiet = opts.quiet || !process.stdout.isTTY || process.env.CI !== undefined || process.env.VITEST !== undefined;
  if (quiet) return { tick: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {info}`, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { info: "" });
  return {
    tick(info) {
      bar.increment(1, {
        info: info
          ? Object.entries(info)
              .map(([k, v]) => `${k} ${typeof v === "number" ? v.toFixed(4) : v}`)
              .join("  ")
          : "",
      });
    },
    stop() {
      bar.stop();
    },
  };
}
