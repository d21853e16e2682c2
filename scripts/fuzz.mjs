// `npm run fuzz -- --runs N`: the fuzzing tests with N generated cases each (invalid calls and
// random valid programs on every backend). The CI suite runs the same tests with small budgets.
import { spawnSync } from "node:child_process";

const i = process.argv.indexOf("--runs");
const runs = i >= 0 ? process.argv[i + 1] : "5000";
const r = spawnSync("npx", ["vitest", "run", "test/reliability/invalid-calls.test.ts", "test/compile/random-programs.test.ts"], {
  stdio: "inherit",
  env: { ...process.env, AXLE_FUZZ_RUNS: runs, RANDOM_PROGRAM_RUNS: runs },
});
process.exit(r.status ?? 1);
