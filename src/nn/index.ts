/** The `nn` namespace: activations, initializers, layers (pure init/apply pairs) and losses. */
export * from "./activations.js";
export type { Initializer } from "./initializers.js";
export * as initializers from "./initializers.js";
export * from "./layers.js";
export * from "./losses.js";
