// Bundled for the browser like browser-entry.js, naming only `random`: the modules that install
// Array's methods and register the primitives it reaches must survive tree shaking all the same.
import { allPrimitives, random } from "axle";

const x = random.uniform(random.key(0), [3]);
globalThis.result = { x: x.toArray(), y: x.mul(2).add(1).toArray(), primitives: allPrimitives().map((p) => p.name) };
