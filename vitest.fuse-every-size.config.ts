// Any test suite with eager elementwise fusion at every array size (see test/helpers/fuse-every-size.ts).
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

export default mergeConfig(base, defineConfig({ test: { setupFiles: ["test/helpers/fuse-every-size.ts"] } }));
