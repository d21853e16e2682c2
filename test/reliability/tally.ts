/**
 * Counts what a reliability suite checked and prints one line when the file finishes, e.g.
 * `[reliability] numerics: 9120 values compared with float64 references`, so the figures in
 * docs/reliability.md come from a command (`npm run reliability`), not from a hand count.
 */
import { afterAll } from "vitest";

export function tally(suite: string): (what: string, n?: number) => void {
  const counts = new Map<string, number>();
  afterAll(() => {
    const parts = [...counts].map(([what, n]) => `${n} ${what}`);
    console.log(`[reliability] ${suite}: ${parts.join(", ")}`);
  });
  return (what, n = 1) => {
    counts.set(what, (counts.get(what) ?? 0) + n);
  };
}
