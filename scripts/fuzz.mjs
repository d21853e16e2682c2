// `npm run fuzz -- --runs N`: the fuzzing tests with N generated cases each (invalid calls, random
// valid programs on every backend, and random smooth programs' gradients). The CI suite runs the
// same tests with small budgets.
import { spawnSync } from "node:child_process";

const i = process.argv.indexOf("--runs");
const runs = i >= 0 ? process.argv[i + 1] : "5000";
const files = [
  "test/reliability/invalid-calls.test.ts",
  "test/compile/random-programs.test.ts",
  "test/reliability/random-grads.test.ts",
];
// Long budgets outrun the suite's per-test timeout (vitest.config.ts): allow an hour.
const r = spawnSync("npx", ["vitest", "run", "--testTimeout=3600000", ...files], {
  stdio: "inherit",
  env: { ...process.env, AXLE_FUZZ_RUNS: runs, RANDOM_PROGRAM_RUNS: runs, RANDOM_GRAD_RUNS: runs },
});
process.exit(r.status ?? 1);
