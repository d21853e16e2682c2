/**
 * Setup file of vitest.fuse-every-size.config.ts: eager elementwise fusion for arrays of every
 * size (the default threshold keeps the small arrays of most tests on the per-op kernels), so
 * any suite can be rerun through the fused kernels: `npx vitest run -c vitest.fuse-every-size.config.ts test/numpy`.
 */
import { eagerFusionOptions } from "../../src/primitives/eager-fusion.js";

eagerFusionOptions.minSize = 1;
