/** Every workload of `npm run bench`, in the order of issue 9. */
import type { Workload } from "../workload.js";
import { w1 } from "./w1-binary-step.js";
import { w2 } from "./w2-tenclass-adam.js";
import { w3 } from "./w3-per-example.js";
import { w4 } from "./w4-xor.js";
import { w5 } from "./w5-matmul.js";
import { w6 } from "./w6-compile.js";
import { w7 } from "./w7-eager.js";

export const WORKLOADS: readonly Workload[] = [w1, w2, w3, w4, w5, w6, w7];
